// Door-to-door visits: recorded one at a time (the form, the API) or in batches (the phone's offline queue), all
// through `VisitActions.record`, which checks a batch with a handful of queries and writes it with two multi-row
// inserts. A visit carries an id made on the phone (`clientId`): sending it again answers "duplicate" and writes
// nothing. Visits are append-only; `void` marks one wrong with a reason (its profile answers stop counting).
import Fluent
import SQLKit
import Vapor

/// A household as a batch of visits needs it.
struct BatchHousehold: Sendable {
    var id: UUID
    var communeID: UUID
    var villageID: UUID
    var groupID: UUID?
    /// The unit it belongs to for the scope rule: its group, else its village.
    var unit: UUID { groupID ?? villageID }
}

public enum VisitActions {
    /// The most visits one sync request may carry (the phone sends its queue in batches of this size).
    public static let maxBatch = 200

    static let columns = ["id", "client_id", "household_id", "team_id", "visited_on", "visitors", "helped", "dossier_id", "outcome",
                          "notes", "next_visit_on", "recorded_by", "voided_at", "void_reason", "voided_by", "created_at"]

    /// Records a batch: each visit is checked on its own (shape, household in the caller's scope, team, dossier,
    /// counts against the household's residents); the good ones are written together, the others answered with their
    /// fields at fault. A visit whose `clientId` is already recorded is a duplicate, not an error.
    public static func record(_ inputs: [VisitInput], access: Access, lang: Lang, on db: any Database) async throws -> VisitBatchResultDTO {
        if inputs.count > maxBatch { throw InvalidInput("visits", "error.outreach.batchTooLarge", [String(maxBatch)], status: .payloadTooLarge) }
        let now = AppClock.now
        let today = Day.today(now)
        // 1. Shapes, without the database.
        var shapes: [(clientID: String, householdID: UUID?, teamID: UUID?, visitedOn: String?)] = []
        var shapeIssues: [[FieldIssue]] = []
        let oldest = VisitInput.oldestDay(today)
        for input in inputs {
            var c = Checker()
            shapes.append(input.validateShape(into: &c, today: today, oldest: oldest))
            shapeIssues.append(c.issues)
        }
        // 2. What the batch names, each read once: the households with their headcounts (one statement: the four
        // columns the scope and the refusals need, the residents and the adults in each year the batch's visits are
        // dated in, counted per household through the index on `residents.household_id`), and which of their units
        // lie in the caller's scope (one closure query for the batch, not one per unit).
        let sql = try ProfileRows.sql(db)
        let householdIDs = Array(Set(shapes.compactMap(\.householdID)))
        // At most three years: a visit is at most `VisitInput.maxAgeDays` old.
        let years = Set(shapes.compactMap { $0.visitedOn.flatMap { Int($0.prefix(4)) } }).sorted()
        var byID: [UUID: BatchHousehold] = [:]
        var counts: [UUID: [Int: HouseholdHeadcount]] = [:]
        if !householdIDs.isEmpty {
            // The ids written into the statement (`BatchSQL`): 200 bound parameters cost more than the statement's work.
            let lit = BatchSQL(postgres: sql.dialect.name == "postgresql")
            let adults = years.enumerated().map { i, y in
                """
                , (SELECT COUNT(*) FROM residents r WHERE r.household_id = h.id \
                AND (r.birth_year IS NULL OR r.birth_year <= \(y - Adults.age))) AS adults_\(i)
                """
            }.joined()
            for r in try await sql.raw("""
                SELECT h.id, h.commune_id, h.village_id, h.group_id,
                  (SELECT COUNT(*) FROM residents r WHERE r.household_id = h.id) AS residents\(unsafeRaw: adults)
                FROM households h WHERE h.id IN (\(unsafeRaw: householdIDs.map(lit.uuid).joined(separator: ", ")))
                """).all() {
                let h = BatchHousehold(id: try r.requiredID("id", sqlite: !lit.postgres), communeID: try r.requiredID("commune_id", sqlite: !lit.postgres),
                                       villageID: try r.requiredID("village_id", sqlite: !lit.postgres), groupID: try r.id("group_id", sqlite: !lit.postgres))
                byID[h.id] = h
                let residents = try r.decode(column: "residents", as: Int.self)
                var perYear: [Int: HouseholdHeadcount] = [:]
                for (i, y) in years.enumerated() {
                    perYear[y] = HouseholdHeadcount(residents: residents, adults: try r.decode(column: "adults_\(i)", as: Int.self))
                }
                counts[h.id] = perYear
            }
        }
        let allowed = try await allowedUnits(Set(byID.values.map(\.unit)), access: access, on: sql)
        var teams: [UUID: DigitalTeam?] = [:]
        for t in Set(shapes.compactMap(\.teamID)) { teams[t] = try? await access.team(t, .visitHouseholds, on: db) }
        let dossierIDs = Array(Set(inputs.compactMap { $0.dossierId.flatMap { UUID(uuidString: $0.trimmingCharacters(in: .whitespaces)) } }))
        var dossierCommune: [UUID: UUID] = [:]
        if !dossierIDs.isEmpty {
            for d in try await Dossier.query(on: db).filter(\.$id ~~ dossierIDs).all() { dossierCommune[d.id!] = d.communeID }
        }
        // 3. Each visit in full.
        var results: [VisitResultDTO] = []
        var visitRows: [[SQLValue]] = [], profileRows: [[SQLValue]] = []
        var visitedOf: [UUID: OutreachSummary.Visited] = [:]
        var monthOf: [UUID: VisitMonths.Delta] = [:]
        var consents: [(visit: UUID, household: UUID, day: String, by: String)] = []
        var seen: [String: UUID] = [:]
        for (i, input) in inputs.enumerated() {
            let shape = shapes[i]
            // Sent twice in the batch. (Recorded by an earlier request: found below, not read ahead for every batch.)
            if let id = seen[shape.clientID] {
                results.append(VisitResultDTO(clientId: shape.clientID, status: .duplicate, visitId: id, errors: nil))
                continue
            }
            var c = Checker()
            var household: BatchHousehold? = nil
            if let hid = shape.householdID {
                if let h = byID[hid], allowed.contains(h.unit) { household = h }
                else { c.add("householdId", "error.outreach.unknownHousehold") }
            }
            if let t = shape.teamID, teams[t] == nil || teams[t]! == nil { c.add("teamId", "error.outreach.unknownTeam") }
            if let raw = input.dossierId, let d = UUID(uuidString: raw.trimmingCharacters(in: .whitespaces)),
               dossierCommune[d] == nil || dossierCommune[d] != household?.communeID {
                c.add("dossierId", "error.outreach.unknownDossier")
            }
            let year = shape.visitedOn.flatMap { Int($0.prefix(4)) } ?? Int(today.prefix(4))!
            let headcount = household.flatMap { counts[$0.id]?[year] } ?? HouseholdHeadcount(residents: 0, adults: 0)
            let fields = input.validate(into: &c, today: today, counts: headcount, shape: shape)
            // The shape's issues were found in step 1; keep each issue once.
            var issues: [FieldIssue] = []
            for issue in shapeIssues[i] + c.issues where !issues.contains(issue) { issues.append(issue) }
            guard let f = fields, household != nil, issues.isEmpty else {
                results.append(VisitResultDTO(clientId: input.clientId, status: .refused, visitId: nil,
                                              errors: issues.map { ErrorBody.Field(field: $0.field, message: $0.message(lang), line: nil) }))
                continue
            }
            let id = UUID.random()
            seen[f.clientID] = id
            monthOf[id] = VisitMonths.Delta(village: household!.villageID, group: household!.groupID, team: f.teamID, person: access.personID,
                                            month: String(f.visitedOn.prefix(7)))
            visitRows.append([id, f.clientID, f.householdID, f.teamID, f.visitedOn, f.visitors, f.helped.map(\.rawValue).joined(separator: ","),
                              f.dossierID, f.outcome.rawValue, f.notes, f.nextVisitOn, access.personID, Date?.none, String?.none, UUID?.none, now])
            let profileID = UUID.random()
            if let p = f.profile {
                profileRows.append(ProfileRows.row(id: profileID, household: f.householdID, asOf: f.visitedOn, source: .visit, visit: id, p,
                                                   recordedBy: access.personID, at: now))
            }
            visitedOf[id] = OutreachSummary.Visited(household: f.householdID, visitedOn: f.visitedOn,
                                                    profile: f.profile.map { (profileID, $0) })
            if f.consent { consents.append((id, f.householdID, f.visitedOn, f.visitors)) }
            results.append(VisitResultDTO(clientId: f.clientID, status: .recorded, visitId: id, errors: nil))
        }
        // A refused visit whose client id an earlier request recorded is a duplicate (the household may have left the
        // caller's scope since, the headcounts changed): its id is read only when the batch has refusals.
        let refused = results.indices.filter { results[$0].status == .refused }
        if !refused.isEmpty {
            var recorded: [String: UUID] = [:]
            for r in try await sql.raw("SELECT id, client_id FROM visits WHERE client_id IN (\(binds: refused.map { shapes[$0].clientID }))").all() {
                recorded[try r.decode(column: "client_id", as: String.self)] = try r.decode(column: "id", as: UUID.self)
            }
            for i in refused { if let id = recorded[shapes[i].clientID] {
                results[i] = VisitResultDTO(clientId: shapes[i].clientID, status: .duplicate, visitId: id, errors: nil)
            } }
        }
        // 4. The good ones, together. A visit recorded before, or sent at the same moment by another request (the same
        // client id), is kept once: the insert skips it and it is answered as a duplicate.
        if !visitRows.isEmpty {
            let visitRows = visitRows, profileRows = profileRows, consents = consents, visitedOf = visitedOf, monthOf = monthOf
            let written = try await db.auditedTransaction { db -> Set<UUID> in
                let sql = try ProfileRows.sql(db)
                // The rows actually written come back from the insert itself: a visit another request wrote a moment
                // ago under the same client id is skipped by the database, not re-read.
                var kept = Set<UUID>()
                var start = 0
                let per = 30_000 / columns.count
                let sqlite = sql.dialect.name == "sqlite"
                while start < visitRows.count {
                    var q = sql.insert(into: Visit.schema).columns(columns)
                    for r in visitRows[start..<min(visitRows.count, start + per)] { q = q.values(sqlite ? Bulk.idsAsText(r) : r) }
                    for r in try await q.ignoringConflicts(with: ["client_id"]).returning("id").all() {
                        // SQLite answers the id's text: read by `UUID(text:)` rather than by the decoder's `sscanf`.
                        if sqlite, let t = try r.decode(column: "id", as: String?.self), let u = UUID(text: t) { kept.insert(u) }
                        else { kept.insert(try r.decode(column: "id", as: UUID.self)) }
                    }
                    start += per
                }
                let keptProfiles = profileRows.filter { ($0[4] as? UUID).map(kept.contains) ?? false }
                try await Bulk.insert(sql, into: HouseholdProfile.schema, columns: ProfileRows.columns, rows: keptProfiles)
                guard !kept.isEmpty else { return kept }
                // The overview's rows of the households visited, moved by the batch's own values, the sums of their
                // places and the visits per month (PostgreSQL: one statement; SQLite: three).
                var months: [VisitMonths.Delta: Int] = [:]
                for id in kept { if let m = monthOf[id] { months[m, default: 0] += 1 } }
                try await OutreachSummary.visited(kept.compactMap { visitedOf[$0] }, months: months, at: now, on: db)
                // Consent given on a visit, unless the household already has one in force for digital support (one
                // query for the batch; one consent per household, the first visit's).
                let consents = consents.filter { kept.contains($0.visit) }
                if !consents.isEmpty {
                    let inForce = try await Consent.query(on: db).filter(\.$householdID ~~ Array(Set(consents.map(\.household))))
                        .filter(\.$purpose == OutreachConsent.purpose).filter(\.$withdrawnOn == nil).all()
                    var covered = Set(inForce.map(\.householdID))
                    var given: [Consent] = []
                    for (_, household, day, by) in consents where !covered.contains(household) {
                        covered.insert(household)
                        let c = Consent()
                        c.householdID = household
                        c.purpose = OutreachConsent.purpose
                        c.givenOn = day
                        c.collectedBy = String(by.prefix(120))
                        given.append(c)
                    }
                    if !given.isEmpty { try await given.create(on: db) }
                }
                try await Audit.record("create", Visit.schema, after: ["visits": String(kept.count), "consents": String(consents.count)], on: db)
                return kept
            }
            if written.count < visitRows.count {
                // Skipped by the insert: recorded before, or a moment ago by another request. Their ids are read once;
                // a visit sent twice in the batch answers the same id.
                var skipped: [UUID: String] = [:]
                for r in visitRows { if let id = r[0] as? UUID, !written.contains(id), let c = r[1] as? String { skipped[id] = c } }
                var byClient: [String: UUID] = [:]
                for r in try await ProfileRows.sql(db).raw("SELECT id, client_id FROM visits WHERE client_id IN (\(binds: Array(skipped.values)))").all() {
                    byClient[try r.decode(column: "client_id", as: String.self)] = try r.decode(column: "id", as: UUID.self)
                }
                results = results.map { r in
                    guard let id = r.visitId, let c = skipped[id] else { return r }
                    return VisitResultDTO(clientId: c, status: .duplicate, visitId: byClient[c], errors: nil)
                }
            }
        }
        return VisitBatchResultDTO(recorded: results.filter { $0.status == .recorded }.count,
                                   duplicates: results.filter { $0.status == .duplicate }.count,
                                   refused: results.filter { $0.status == .refused }.count, results: results)
    }

    /// Which of `units` lie at or below the caller's units for `visitHouseholds`: one closure query for them all.
    static func allowedUnits(_ units: Set<UUID>, access: Access, on sql: any SQLDatabase) async throws -> Set<UUID> {
        guard let roots = access.roots(.visitHouseholds) else { return units }
        if roots.isEmpty || units.isEmpty { return [] }
        let rows = try await sql.select().column("descendant_id").from(UnitClosure.schema)
            .where("descendant_id", .in, Array(units)).where("ancestor_id", .in, roots).where("is_current", .equal, true).all()
        return Set(try rows.map { try $0.decode(column: "descendant_id", as: UUID.self) })
    }

    /// Marks a visit wrong, with a reason; its profile answers stop counting. A visit already voided stays as it was.
    public static func void(_ visit: Visit, household: Household, _ input: VoidInput, access: Access, on db: any Database) async throws -> Visit {
        var c = Checker()
        let reason = c.text("reason", input.reason, max: 500)
        try c.check()
        if visit.voidedAt != nil { throw InvalidInput("reason", "error.outreach.alreadyVoided", status: .conflict) }
        let now = AppClock.now
        return try await db.auditedTransaction { db in
            visit.voidedAt = now
            visit.voidReason = reason
            visit.voidedBy = access.personID
            try await visit.update(on: db)
            try await HouseholdProfile.query(on: db).filter(\.$visitID == visit.id!).set(\.$voidedAt, to: now).update()
            try await OutreachSummary.refresh([visit.householdID], on: db)
            try await VisitMonths.add([VisitMonths.Delta(village: household.villageID, group: household.groupID, team: visit.teamID,
                                                         person: visit.recordedBy, month: String(visit.visitedOn.prefix(7))): -1], on: db)
            try await Audit.record("void", Visit.schema, row: visit.id, unit: household.groupID ?? household.villageID,
                                   after: ["reason": reason], on: db)
            return visit
        }
    }
}

public enum VisitQueries {
    /// The households a caller may visit, never visited first, then the longest since their last visit; `unit`
    /// narrows to a village or group inside the caller's scope.
    public static func targets(_ access: Access, unit: AdminUnit?, page: PageRequest, on db: any Database) async throws -> Paged<VisitTargetDTO> {
        guard let roots = try await rootsFor(access, unit: unit, on: db) else { return Paged(items: [], page: page, total: 0) }
        let sql = try ProfileRows.sql(db)
        let scope = UnitClosure.villageOrGroupBelow("h", roots: roots)
        let total = try await sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from(SQLAlias(SQLIdentifier("households"), as: SQLIdentifier("h")))
            .where(scope).first()!.decode(column: "n", as: Int.self)
        let rows = try await sql.raw("""
            SELECT h.id, h.code, h.address, h.group_id, v.name AS village_name, g.name AS group_name, r.full_name AS representative,
              (SELECT MAX(visited_on) FROM visits x WHERE x.household_id = h.id AND x.voided_at IS NULL) AS last_visit,
              (SELECT MAX(next_visit_on) FROM visits x WHERE x.household_id = h.id AND x.voided_at IS NULL) AS next_visit
            FROM households h
            JOIN admin_units v ON v.id = h.village_id
            LEFT JOIN admin_units g ON g.id = h.group_id
            LEFT JOIN residents r ON r.id = h.representative_id
            WHERE \(scope)
            ORDER BY CASE WHEN (SELECT MAX(visited_on) FROM visits x WHERE x.household_id = h.id AND x.voided_at IS NULL) IS NULL THEN 0 ELSE 1 END,
              (SELECT MAX(visited_on) FROM visits x WHERE x.household_id = h.id AND x.voided_at IS NULL), h.code
            LIMIT \(bind: page.per) OFFSET \(bind: page.offset)
            """).all()
        let ids = try rows.map { try $0.decode(column: "id", as: UUID.self) }
        let profiles = try await ProfileRows.latest(of: ids, on: db)
        let year = Int(Day.today(AppClock.now).prefix(4))!
        let counts = try await ProfileRows.headcounts(of: ids, years: [year], on: db)
        let items = try rows.map { r -> VisitTargetDTO in
            let id = try r.decode(column: "id", as: UUID.self)
            let c = counts[id]?[year] ?? HouseholdHeadcount(residents: 0, adults: 0)
            return VisitTargetDTO(householdId: id, code: try r.decode(column: "code", as: String.self),
                                  address: try r.decode(column: "address", as: String.self),
                                  representative: try r.decode(column: "representative", as: String?.self),
                                  villageName: try r.decode(column: "village_name", as: String.self),
                                  groupName: try r.decode(column: "group_name", as: String?.self),
                                  groupId: try r.decode(column: "group_id", as: UUID?.self),
                                  residents: c.residents, adults: c.adults,
                                  lastVisitOn: try r.decode(column: "last_visit", as: String?.self),
                                  nextVisitOn: try r.decode(column: "next_visit", as: String?.self), profile: profiles[id])
        }
        return Paged(items: items, page: page, total: total)
    }

    /// The roots a list is taken under: the caller's units for `visitHouseholds`, narrowed to `unit` when given
    /// (which must lie inside them); nil when there is nothing to show.
    static func rootsFor(_ access: Access, unit: AdminUnit?, on db: any Database) async throws -> [AdminUnit]? {
        if let unit {
            guard try await access.allows(.visitHouseholds, unit, on: db) else { return nil }
            return [unit]
        }
        guard let roots = access.roots(.visitHouseholds) else {
            // Everywhere (a system administrator): every commune.
            return try await AdminUnit.query(on: db).filter(\.$kind == .commune).all()
        }
        if roots.isEmpty { return nil }
        return try await AdminUnit.query(on: db).filter(\.$id ~~ roots).all()
    }

    /// A household's visits, newest first, with the profile each recorded.
    public static func of(household: UUID, on db: any Database) async throws -> [VisitDTO] {
        let visits = try await Visit.query(on: db).filter(\.$householdID == household)
            .sort(\.$visitedOn, .descending).sort(\.$createdAt, .descending).all()
        let profiles = try await HouseholdProfile.query(on: db).filter(\.$householdID == household).filter(\.$visitID != nil).all()
        var byVisit: [UUID: UUID] = [:]
        for p in profiles { if let v = p.visitID { byVisit[v] = p.id } }
        let history = try await ProfileRows.sql(db).raw("SELECT * FROM household_profiles WHERE household_id = \(bind: household)").all().map(ProfileRows.dto)
        var profileByID: [UUID: ProfileDTO] = [:]
        for p in history { profileByID[p.id] = p }
        return visits.map { v in v.toDTO(profile: byVisit[v.id!].flatMap { profileByID[$0] }) }
    }
}

extension Visit {
    func toDTO(profile: ProfileDTO? = nil) -> VisitDTO {
        VisitDTO(id: id!, clientId: clientID, householdId: householdID, teamId: teamID, visitedOn: visitedOn, visitors: visitors,
                 helped: helpedList, dossierId: dossierID, outcome: outcome, notes: notes, nextVisitOn: nextVisitOn,
                 voided: voidedAt != nil, voidReason: voidReason, profile: profile)
    }
}
