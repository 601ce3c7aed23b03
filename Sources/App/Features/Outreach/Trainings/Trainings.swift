// Digital-skills trainings (lớp tập huấn kỹ năng số): planning, the meeting invitation sent through messaging,
// attendance per resident, and the share of working-age residents trained per village (docs/outreach.md, "Trainings").
// The HTML pages and the JSON API both call these.
import Fluent
import SQLKit
import Vapor

// MARK: what goes over the wire

public struct TrainingInput: Content, Sendable {
    public var topic: String?
    /// yyyy-MM-dd (or dd/MM/yyyy).
    public var heldOn: String?
    /// "HH:mm", Hà Nội time; required when an invitation is sent.
    public var startsAt: String?
    public var place: String?
    public var trainer: String?
    /// The team that runs it (optional): a team of the same commune.
    public var teamId: String?
    /// Villages or groups of one commune, or the commune itself.
    public var unitIds: [String]?
    /// Publish a meeting invitation to the invited units (at creation, or on an update when none went out yet).
    public var sendInvitation: Bool?
    /// The invitation's channels besides the inbox (push, zalo, sms, loudspeaker); absent: push and zalo.
    public var channels: [String]?

    public init(topic: String? = nil, heldOn: String? = nil, startsAt: String? = nil, place: String? = nil, trainer: String? = nil,
                teamId: String? = nil, unitIds: [String]? = nil, sendInvitation: Bool? = nil, channels: [String]? = nil) {
        self.topic = topic; self.heldOn = heldOn; self.startsAt = startsAt; self.place = place; self.trainer = trainer
        self.teamId = teamId; self.unitIds = unitIds; self.sendInvitation = sendInvitation; self.channels = channels
    }
}

public struct TrainingUnitDTO: Content, Sendable, Equatable {
    public var id: UUID
    public var name: String
    public var kind: UnitKind
}

public struct TrainingDTO: Content, Sendable {
    public var id: UUID
    public var communeId: UUID
    public var teamId: UUID?
    public var teamName: String?
    public var topic: String
    public var heldOn: String
    public var startsAt: String?
    public var place: String
    public var trainer: String
    public var units: [TrainingUnitDTO]
    /// The meeting invitation published through messaging (its reach: /announcements/{id}/reach).
    public var announcementId: UUID?
    /// Residents recorded as present.
    public var attended: Int
}

public struct AttendanceEntryInput: Content, Sendable {
    public var residentId: String?
    public var attended: Bool?
    public init(residentId: String? = nil, attended: Bool? = nil) { self.residentId = residentId; self.attended = attended }
}

public struct AttendanceInput: Content, Sendable {
    public var attendance: [AttendanceEntryInput]?
    public init(attendance: [AttendanceEntryInput]?) { self.attendance = attendance }
}

/// One invited resident and whether they came (nil: not recorded yet).
public struct AttendeeDTO: Content, Sendable, Equatable {
    public var residentId: UUID
    public var fullName: String
    public var birthYear: Int?
    public var householdId: UUID
    public var householdCode: String
    public var address: String
    public var villageName: String
    public var groupName: String?
    public var attended: Bool?
}

public struct AttendanceDTO: Content, Sendable {
    public var trainingId: UUID
    public var invited: Int
    public var attended: Int
    public var residents: [AttendeeDTO]
}

/// Residents trained ÷ working-age residents of a village (docs/outreach.md, "Trainings").
public struct TrainedShare: Content, Sendable, Equatable {
    /// Working-age residents who attended a training held in the 12 months up to the date.
    public var trained: Int
    /// Residents aged 15–60 in the date's year (birth year known).
    public var workingAge: Int
    public var share: Double? { workingAge == 0 ? nil : Double(trained) / Double(workingAge) }
}

// MARK: rules

public enum TrainingRules {
    public static let workingAgeFrom = 15
    public static let workingAgeTo = 60
    public static let channelsByDefault = ["push", "zalo"]

    /// "HH:mm" (00:00–23:59); nil when it is not one.
    public static func time(_ raw: String) -> String? {
        let parts = raw.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2, let h = Int(parts[0]), let m = Int(parts[1]),
              parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }), (0...23).contains(h), (0...59).contains(m) else { return nil }
        return raw
    }

    /// The first day of the 12 months that end on `asOf` (the same date a year earlier, exclusive; 29 Feb → 28 Feb).
    public static func windowStart(_ asOf: String) -> String {
        let y = Int(asOf.prefix(4)) ?? 0
        var rest = String(asOf.dropFirst(4))
        if rest == "-02-29" { rest = "-02-28" }
        return String(format: "%04d", y - 1) + rest
    }
}

struct CheckedTraining: Sendable {
    var topic: String
    var heldOn: String
    var startsAt: String?
    var place: String
    var trainer: String
    var team: DigitalTeam?
    var units: [AdminUnit]
    var communeID: UUID
    var sendInvitation: Bool
    var channels: [String]
}

public enum TrainingActions {
    /// Every field checked; the invited units must be villages or groups of one commune (or the commune), each inside
    /// the caller's units for `manageTeams` (others are "unknown").
    static func check(_ input: TrainingInput, access: Access, on db: any Database) async throws -> CheckedTraining {
        var c = Checker()
        let topic = c.text("topic", input.topic, max: 200)
        let heldOn = c.day("heldOn", input.heldOn, required: true)
        var startsAt: String? = nil
        let rawTime = (input.startsAt ?? "").trimmingCharacters(in: .whitespaces)
        if !rawTime.isEmpty {
            startsAt = TrainingRules.time(rawTime)
            if startsAt == nil { c.add("startsAt", "error.training.time") }
        }
        let place = c.text("place", input.place, max: 200)
        let trainer = c.text("trainer", input.trainer, max: 120)
        var units: [AdminUnit] = []
        let ids = Array(Set((input.unitIds ?? []).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })).sorted()
        if ids.isEmpty { c.add("unitIds", "error.training.units") }
        var unknown = false
        for raw in ids {
            guard let id = UUID(uuidString: raw), let u = try await AdminUnit.find(id, on: db), [.commune, .village, .group].contains(u.kind),
                  try await access.allows(.manageTeams, u, on: db) else { unknown = true; continue }
            units.append(u)
        }
        if unknown { c.add("unitIds", "error.training.unknownUnit") }
        let communes = Set(units.map { $0.kind == .commune ? $0.id! : ($0.communeID ?? UUID.random()) })
        if communes.count > 1 { c.add("unitIds", "error.training.oneCommune") }
        var team: DigitalTeam? = nil
        if let raw = input.teamId?.trimmingCharacters(in: .whitespaces), !raw.isEmpty {
            if let id = UUID(uuidString: raw), let t = try? await access.team(id, .manageTeams, on: db), communes.count <= 1,
               communes.first.map({ $0 == t.communeID }) ?? true {
                team = t
            } else { c.add("teamId", "error.training.unknownTeam") }
        }
        var channels: [String] = []
        for raw in input.channels ?? TrainingRules.channelsByDefault {
            guard let ch = Channel(rawValue: raw), [.push, .sms, .zalo, .loudspeaker].contains(ch) else { c.add("channels", "error.announcement.channel", [raw]); continue }
            if !channels.contains(raw) { channels.append(raw) }
        }
        if input.sendInvitation == true && startsAt == nil && rawTime.isEmpty { c.add("startsAt", "error.training.timeForInvitation") }
        try c.check()
        return CheckedTraining(topic: topic, heldOn: heldOn!, startsAt: startsAt, place: place, trainer: trainer, team: team,
                               units: units.sorted { $0.code < $1.code }, communeID: communes.first!, sendInvitation: input.sendInvitation == true,
                               channels: channels)
    }

    /// The meeting invitation's text, in Vietnamese (what households read).
    static func invitation(_ c: CheckedTraining, channels: [String]) -> AnnouncementInput {
        let vi = Lang.vi
        let when = "\(c.startsAt ?? "") \(Day.display(c.heldOn))"
        let body = [vi.t("training.invitation.body", [c.topic]),
                    vi.t("training.invitation.when", [when]),
                    vi.t("training.invitation.place", [c.place]),
                    vi.t("training.invitation.trainer", [c.trainer])].joined(separator: "\n")
        return AnnouncementInput(title: vi.t("training.invitation.title", [c.topic]), body: body, category: AnnouncementCategory.meeting.rawValue,
                                 unitIds: c.units.map { $0.id!.uuidString }, channels: channels,
                                 startsAt: "\(c.heldOn)T\(c.startsAt ?? "")", place: c.place)
    }

    /// Publishes the invitation inside the caller's transaction; a refusal names the training's fields.
    static func sendInvitation(_ c: CheckedTraining, access: Access, app: Application, on db: any Database) async throws -> UUID {
        do {
            let a = try await MessagingActions.create(invitation(c, channels: c.channels), access: access, app: app, on: db)
            try await MessagingActions.publish(a, on: db)
            return a.id!
        } catch let e as InvalidInput {
            // The announcement's fields, said as the training's.
            let map = ["startsAt": "startsAt", "place": "place", "title": "topic", "unitIds": "unitIds", "channels": "channels"]
            throw InvalidInput(e.issues.map { i in
                let field = map[i.field] ?? "sendInvitation"
                return FieldIssue(field, i.key == "error.announcement.past" ? "error.training.invitationPast" : i.key, i.args, line: i.line)
            }, status: e.status)
        }
    }

    static func apply(_ c: CheckedTraining, to t: Training) {
        t.communeID = c.communeID
        t.teamID = c.team?.id
        t.topic = c.topic
        t.heldOn = c.heldOn
        t.startsAt = c.startsAt
        t.place = c.place
        t.trainer = c.trainer
    }

    public static func create(_ input: TrainingInput, access: Access, app: Application, on db: any Database) async throws -> Training {
        let c = try await check(input, access: access, on: db)
        return try await db.auditedTransaction { db in
            let t = Training()
            t.id = UUID.random()
            apply(c, to: t)
            t.createdBy = access.personID
            if c.sendInvitation { t.announcementID = try await sendInvitation(c, access: access, app: app, on: db) }
            try await t.create(on: db)
            try await TrainingQueries.setUnits(t.id!, c.units, on: db)
            try await Audit.record("create", Training.schema, row: t.id, unit: t.communeID, after: audit(t, units: c.units), on: db)
            return t
        }
    }

    /// Changes a training. When its invitation went out and the topic, day, time, place or invited units change, the
    /// invitation is withdrawn (with the reason) and a new one published, so households hold the right time.
    public static func update(_ t: Training, _ input: TrainingInput, access: Access, app: Application, on db: any Database) async throws {
        let c = try await check(input, access: access, on: db)
        let beforeUnits = try await TrainingQueries.unitIDs(t.id!, on: db)
        let before = audit(t, unitIDs: beforeUnits)
        let meetingChanged = c.topic != t.topic || c.heldOn != t.heldOn || c.startsAt != t.startsAt || c.place != t.place
            || Set(c.units.map { $0.id! }) != Set(beforeUnits)
        var found: Announcement? = nil
        if let id = t.announcementID, let a = try await Announcement.find(id, on: db), a.status == .published || a.status == .scheduled { found = a }
        let current = found
        let reissue = current != nil && meetingChanged
        let send = reissue || (current == nil && c.sendInvitation)
        if send && c.startsAt == nil { throw InvalidInput("startsAt", "error.training.timeForInvitation") }
        try await db.auditedTransaction { db in
            if reissue, let a = current {
                try await MessagingActions.withdraw(a, reason: Lang.vi.t("training.invitation.changed"), on: db)
            }
            apply(c, to: t)
            if send { t.announcementID = try await sendInvitation(c, access: access, app: app, on: db) }
            try await t.update(on: db)
            try await TrainingQueries.setUnits(t.id!, c.units, on: db)
            try await Audit.record("update", Training.schema, row: t.id, unit: t.communeID, before: before, after: audit(t, units: c.units), on: db)
        }
    }

    static func audit(_ t: Training, units: [AdminUnit]) -> [String: String] { audit(t, unitIDs: units.map { $0.id! }) }
    static func audit(_ t: Training, unitIDs: [UUID]) -> [String: String] {
        ["topic": t.topic, "heldOn": t.heldOn, "startsAt": t.startsAt ?? "", "place": t.place, "trainer": t.trainer,
         "team": t.teamID?.uuidString ?? "", "units": unitIDs.map(\.uuidString).sorted().joined(separator: ","),
         "announcement": t.announcementID?.uuidString ?? ""]
    }

    /// Records who came: all or nothing. Each resident must live in a household of the invited units; an unknown one
    /// answers with its index (`attendance[2].residentId`). Upserts one row per resident (the household filled in).
    public static func recordAttendance(_ t: Training, _ entries: [AttendanceEntryInput]?, access: Access, now: Date, on db: any Database) async throws -> Int {
        guard let entries, !entries.isEmpty else { throw InvalidInput("attendance", "error.required") }
        if entries.count > 20_000 { throw InvalidInput("attendance", "error.training.tooMany") }
        var c = Checker()
        var parsed: [(Int, UUID, Bool)] = []
        for (i, e) in entries.enumerated() {
            guard let raw = e.residentId?.trimmingCharacters(in: .whitespaces), let id = UUID(uuidString: raw) else {
                c.add("attendance[\(i)].residentId", (e.residentId ?? "").isEmpty ? "error.required" : "error.training.unknownResident"); continue
            }
            guard let attended = e.attended else { c.add("attendance[\(i)].attended", "error.required"); continue }
            parsed.append((i, id, attended))
        }
        let households = try await TrainingQueries.invitedHouseholds(of: Set(parsed.map(\.1)), training: t, on: db)
        var seen = Set<UUID>()
        for (i, id, _) in parsed {
            if households[id] == nil { c.add("attendance[\(i)].residentId", "error.training.unknownResident") }
            else if !seen.insert(id).inserted { c.add("attendance[\(i)].residentId", "error.training.duplicateResident") }
        }
        try c.check()
        let rows = parsed.map { ($0.1, households[$0.1]!, $0.2) }
        let present = rows.filter(\.2).count
        try await db.auditedTransaction { db in
            let sql = try ProfileRows.sql(db)
            for chunk in stride(from: 0, to: rows.count, by: 200).map({ Array(rows[$0..<min($0 + 200, rows.count)]) }) {
                var values: [SQLQueryString] = []
                for (resident, household, attended) in chunk {
                    values.append("(\(bind: t.id!), \(bind: resident), \(bind: household), \(bind: attended), \(bind: access.personID), \(bind: now))")
                }
                var list: SQLQueryString = ""
                for (i, v) in values.enumerated() { list = i == 0 ? v : list + ", " + v }
                try await sql.raw("""
                    INSERT INTO training_attendance (training_id, resident_id, household_id, attended, recorded_by, recorded_at) VALUES \(list)
                    ON CONFLICT (training_id, resident_id) DO UPDATE SET attended = excluded.attended, household_id = excluded.household_id,
                      recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at
                    """).run()
            }
            try await Audit.record("attendance", Training.schema, row: t.id, unit: t.communeID,
                                   after: ["present": String(present), "absent": String(rows.count - present)], on: db)
        }
        return present
    }
}

public enum TrainingQueries {
    static func sql(_ db: any Database) throws -> any SQLDatabase { try ProfileRows.sql(db) }

    /// The invited units (training_units rows), replaced.
    static func setUnits(_ id: UUID, _ units: [AdminUnit], on db: any Database) async throws {
        let s = try sql(db)
        try await s.delete(from: "training_units").where("training_id", .equal, id).run()
        for u in units {
            try await s.insert(into: "training_units").columns("training_id", "unit_id").values(SQLBind(id), SQLBind(u.id!)).run()
        }
    }

    static func unitIDs(_ id: UUID, on db: any Database) async throws -> [UUID] {
        try await sql(db).select().column("unit_id").from("training_units").where("training_id", .equal, id).all()
            .map { try $0.decode(column: "unit_id", as: UUID.self) }
    }

    /// Trainings the caller may see, newest first: those of the communes under their `manageTeams` units, and those
    /// inviting a unit at, below or above their `visitHouseholds` units (a training for the whole commune included).
    public static func list(_ access: Access, page: PageRequest, on db: any Database) async throws -> Paged<TrainingDTO> {
        let q = Training.query(on: db)
        let manage = access.roots(.manageTeams), visit = access.roots(.visitHouseholds)
        if manage != nil && visit != nil {
            let m = manage!, v = visit!
            if m.isEmpty && v.isEmpty { return Paged(items: [], page: page, total: 0) }
            q.group(.or) { or in
                if !m.isEmpty { or.filter(.sql(UnitClosure.below(Training.schema, "commune_id", m))) }
                if !v.isEmpty {
                    or.filter(.sql(embed: "EXISTS (SELECT 1 FROM training_units tu WHERE tu.training_id = \(ident: Training.schema).id AND \(UnitClosure.atOrAround("tu", "unit_id", v)))"))
                }
            }
        }
        let total = try await q.count()
        let rows = try await q.sort(\.$heldOn, .descending).sort(\.$startsAt, .descending).range(page.offset..<(page.offset + page.per)).all()
        return Paged(items: try await dtos(rows, on: db), page: page, total: total)
    }

    public static func dtos(_ rows: [Training], on db: any Database) async throws -> [TrainingDTO] {
        guard !rows.isEmpty else { return [] }
        let ids = rows.map { $0.id! }
        let s = try sql(db)
        var units: [UUID: [UUID]] = [:]
        for r in try await s.select().column("training_id").column("unit_id").from("training_units").where("training_id", .in, ids).all() {
            units[try r.decode(column: "training_id", as: UUID.self), default: []].append(try r.decode(column: "unit_id", as: UUID.self))
        }
        var attended: [UUID: Int] = [:]
        for r in try await s.raw("""
            SELECT training_id, COUNT(*) AS n FROM training_attendance WHERE training_id IN (\(binds: ids)) AND attended = \(bind: true) GROUP BY training_id
            """).all() { attended[try r.decode(column: "training_id", as: UUID.self)] = try r.decode(column: "n", as: Int.self) }
        let allUnits = Array(Set(units.values.flatMap { $0 }))
        var unit: [UUID: AdminUnit] = [:]
        for u in try await AdminUnit.query(on: db).filter(\.$id ~~ allUnits).all() { unit[u.id!] = u }
        var team: [UUID: String] = [:]
        let teamIDs = Array(Set(rows.compactMap(\.teamID)))
        if !teamIDs.isEmpty { for t in try await DigitalTeam.query(on: db).filter(\.$id ~~ teamIDs).all() { team[t.id!] = t.name } }
        return rows.map { t in
            let us = (units[t.id!] ?? []).compactMap { unit[$0] }.sorted { $0.code < $1.code }
                .map { TrainingUnitDTO(id: $0.id!, name: $0.name, kind: $0.kind) }
            return TrainingDTO(id: t.id!, communeId: t.communeID, teamId: t.teamID, teamName: t.teamID.flatMap { team[$0] }, topic: t.topic,
                               heldOn: t.heldOn, startsAt: t.startsAt, place: t.place, trainer: t.trainer, units: us,
                               announcementId: t.announcementID, attended: attended[t.id!] ?? 0)
        }
    }

    public static func detail(_ t: Training, on db: any Database) async throws -> TrainingDTO { try await dtos([t], on: db)[0] }

    /// The condition on `households h` for the training's invited units.
    static func invitedCondition(_ t: Training, on db: any Database) async throws -> SQLQueryString {
        try await MessagingActions.audience(try await unitIDs(t.id!, on: db), on: db).condition
    }

    /// For each of `residents` that lives in a household of the invited units: its household.
    static func invitedHouseholds(of residents: Set<UUID>, training t: Training, on db: any Database) async throws -> [UUID: UUID] {
        guard !residents.isEmpty else { return [:] }
        let cond = try await invitedCondition(t, on: db)
        var out: [UUID: UUID] = [:]
        let list = Array(residents)
        for start in stride(from: 0, to: list.count, by: 500) {
            let chunk = Array(list[start..<min(start + 500, list.count)])
            for r in try await sql(db).raw("""
                SELECT r.id, r.household_id FROM residents r JOIN households h ON h.id = r.household_id WHERE r.id IN (\(binds: chunk)) AND \(cond)
                """).all() {
                out[try r.decode(column: "id", as: UUID.self)] = try r.decode(column: "household_id", as: UUID.self)
            }
        }
        return out
    }

    /// The residents of the invited units' households (matching `search`, without diacritics), by village, group,
    /// household code and name, with what was recorded for each.
    public static func attendees(_ t: Training, search: String? = nil, page: PageRequest? = nil, on db: any Database) async throws -> (items: [AttendeeDTO], total: Int) {
        let cond = try await invitedCondition(t, on: db)
        let s = try sql(db)
        var filter: SQLQueryString = ""
        if let q = search?.trimmingCharacters(in: .whitespaces), !q.isEmpty {
            filter = " AND (r.search_key LIKE \(bind: Fold.likePattern(q)) ESCAPE '\\' OR h.search_key LIKE \(bind: Fold.likePattern(q)) ESCAPE '\\')"
        }
        let from: SQLQueryString = """
            FROM residents r JOIN households h ON h.id = r.household_id JOIN admin_units v ON v.id = h.village_id
            LEFT JOIN admin_units g ON g.id = h.group_id
            LEFT JOIN training_attendance a ON a.training_id = \(bind: t.id!) AND a.resident_id = r.id
            WHERE \(cond)
            """
        let total = try await s.raw("SELECT COUNT(*) AS n " + from + filter).first()?.decode(column: "n", as: Int.self) ?? 0
        let limit: SQLQueryString = page.map { " LIMIT \(unsafeRaw: String($0.per)) OFFSET \(unsafeRaw: String($0.offset))" } ?? ""
        let rows = try await s.raw("""
            SELECT r.id, r.full_name, r.birth_year, h.id AS household_id, h.code, h.address, v.name AS village, g.name AS grp, a.attended
            """ + " " + from + filter + " ORDER BY v.code, g.code, h.code, r.full_name, r.id" + limit).all()
        let items = try rows.map { r in
            AttendeeDTO(residentId: try r.decode(column: "id", as: UUID.self), fullName: try r.decode(column: "full_name", as: String.self),
                        birthYear: try r.decode(column: "birth_year", as: Int?.self), householdId: try r.decode(column: "household_id", as: UUID.self),
                        householdCode: try r.decode(column: "code", as: String.self), address: try r.decode(column: "address", as: String.self),
                        villageName: try r.decode(column: "village", as: String.self), groupName: try r.decode(column: "grp", as: String?.self),
                        attended: try r.decode(column: "attended", as: Bool?.self))
        }
        return (items, total)
    }

    public static func attendance(_ t: Training, on db: any Database) async throws -> AttendanceDTO {
        let (items, total) = try await attendees(t, on: db)
        return AttendanceDTO(trainingId: t.id!, invited: total, attended: items.filter { $0.attended == true }.count, residents: items)
    }

    /// Residents trained ÷ working-age residents, per village, as of a day. Working age: 15 to 60 in the day's year,
    /// by birth year (a resident without one is not counted). Trained: working-age residents who attended (marked
    /// present at) a training held in the 12 months up to and including the day. Both count the residents who live in
    /// the village's households now. Every village asked for is in the answer (0 ÷ 0 when it has nobody).
    public static func trainedShare(villageIDs: [UUID], asOf: String, on db: any Database) async throws -> [UUID: TrainedShare] {
        var out: [UUID: TrainedShare] = [:]
        for v in villageIDs { out[v] = TrainedShare(trained: 0, workingAge: 0) }
        guard !villageIDs.isEmpty else { return out }
        let year = Int(asOf.prefix(4)) ?? 0
        let oldest = year - TrainingRules.workingAgeTo, youngest = year - TrainingRules.workingAgeFrom
        let since = TrainingRules.windowStart(asOf)
        let s = try sql(db)
        for start in stride(from: 0, to: villageIDs.count, by: 500) {
            let chunk = Array(villageIDs[start..<min(start + 500, villageIDs.count)])
            for r in try await s.raw("""
                SELECT h.village_id AS v, COUNT(*) AS n,
                  SUM(CASE WHEN EXISTS (SELECT 1 FROM training_attendance a JOIN trainings t ON t.id = a.training_id
                        WHERE a.resident_id = r.id AND a.attended = \(bind: true) AND t.held_on > \(bind: since) AND t.held_on <= \(bind: asOf))
                      THEN 1 ELSE 0 END) AS trained
                FROM residents r JOIN households h ON h.id = r.household_id
                WHERE h.village_id IN (\(binds: chunk)) AND r.birth_year BETWEEN \(bind: oldest) AND \(bind: youngest)
                GROUP BY h.village_id
                """).all() {
                let v = try r.decode(column: "v", as: UUID.self)
                out[v] = TrainedShare(trained: try r.decode(column: "trained", as: Int?.self) ?? 0, workingAge: try r.decode(column: "n", as: Int.self))
            }
        }
        return out
    }
}
