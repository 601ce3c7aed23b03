// Messaging's state changes: write, publish, correct, withdraw; the fan-out and channel jobs; acknowledgements,
// RSVPs, "informed in person" and attendance. The HTML pages and the JSON API both call these.
import Fluent
import SQLKit
import Vapor

/// What a form or an API body says about an announcement.
public struct AnnouncementInput: Content, Sendable {
    public var title: String?
    public var body: String?
    public var category: String?
    public var unitIds: [String]?
    public var channels: [String]?
    /// Empty or absent: at once when published.
    public var publishAt: String?
    public var startsAt: String?
    public var place: String?
    /// Minutes before the meeting, e.g. [1440, 120].
    public var reminders: [Int]?
    public var severity: String?
    public var expiresAt: String?

    public init(title: String? = nil, body: String? = nil, category: String? = nil, unitIds: [String]? = nil, channels: [String]? = nil,
                publishAt: String? = nil, startsAt: String? = nil, place: String? = nil, reminders: [Int]? = nil,
                severity: String? = nil, expiresAt: String? = nil) {
        self.title = title; self.body = body; self.category = category; self.unitIds = unitIds; self.channels = channels
        self.publishAt = publishAt; self.startsAt = startsAt; self.place = place; self.reminders = reminders
        self.severity = severity; self.expiresAt = expiresAt
    }
}

struct CheckedAnnouncement: Sendable {
    var title: String
    var body: String
    var category: AnnouncementCategory
    var units: [AdminUnit]
    var owner: AdminUnit
    var communeID: UUID
    var channels: [Channel]
    var publishAt: Date?
    var startsAt: Date?
    var place: String?
    var reminders: [Int]
    var severity: AlertSeverity?
    var expiresAt: Date?
}

public enum MessagingActions {
    static func sql(_ db: any Database) throws -> any SQLDatabase {
        guard let s = db as? any SQLDatabase else { throw Abort(.internalServerError) }
        return s
    }

    // MARK: writing

    /// Checks every field; the audience must be communes, villages or groups of one commune, all inside the caller's
    /// units for publishing (others are "unknown").
    static func check(_ input: AnnouncementInput, access: Access, config: MessagingConfig, on db: any Database, now: Date = AppClock.now) async throws -> CheckedAnnouncement {
        var c = Checker()
        let title = c.text("title", input.title, max: 200)
        let body = c.text("body", input.body.map { $0.replacingOccurrences(of: "\r\n", with: "\n") }, max: 4000, multiline: true)
        let category = AnnouncementCategory(rawValue: input.category ?? "")
        if category == nil { c.add("category", "error.announcement.category") }
        var units: [AdminUnit] = []
        let ids = (input.unitIds ?? []).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if ids.isEmpty { c.add("unitIds", "error.announcement.audience") }
        for raw in Set(ids) {
            guard let id = UUID(uuidString: raw), let u = try await AdminUnit.find(id, on: db),
                  [.commune, .village, .group].contains(u.kind), try await access.allows(.publishAnnouncements, u, on: db) else {
                c.add("unitIds", "error.announcement.unknownUnit"); continue
            }
            units.append(u)
        }
        let communes = Set(units.map { $0.kind == .commune ? $0.id! : ($0.communeID ?? UUID.random()) })
        if communes.count > 1 { c.add("unitIds", "error.announcement.oneCommune") }
        var channels: [Channel] = []
        for raw in input.channels ?? [] {
            guard let ch = Channel(rawValue: raw), [.push, .sms, .zalo, .loudspeaker].contains(ch) else { c.add("channels", "error.announcement.channel", [raw]); continue }
            if !channels.contains(ch) { channels.append(ch) }
        }
        var publishAt: Date? = nil
        if let raw = input.publishAt, !raw.trimmingCharacters(in: .whitespaces).isEmpty {
            publishAt = Moment.parse(raw)
            if publishAt == nil { c.add("publishAt", "error.announcement.moment") } else if publishAt! <= now { c.add("publishAt", "error.announcement.past") }
        }
        var startsAt: Date? = nil, place: String? = nil, reminders: [Int] = []
        if category == .meeting {
            startsAt = Moment.parse(input.startsAt ?? "")
            if startsAt == nil { c.add("startsAt", (input.startsAt ?? "").isEmpty ? "error.required" : "error.announcement.moment") }
            else if startsAt! <= now { c.add("startsAt", "error.announcement.past") }
            place = c.text("place", input.place, max: 200)
            reminders = input.reminders ?? config.defaultReminders
            if reminders.contains(where: { $0 <= 0 || $0 > 43200 }) || reminders.count > 5 { c.add("reminders", "error.announcement.reminders") }
            reminders = Array(Set(reminders)).sorted(by: >)
        }
        var severity: AlertSeverity? = nil, expiresAt: Date? = nil
        if category == .urgent {
            severity = AlertSeverity(rawValue: input.severity ?? "Severe")
            if severity == nil { c.add("severity", "error.announcement.severity") }
            if let raw = input.expiresAt, !raw.isEmpty {
                expiresAt = Moment.parse(raw)
                if expiresAt == nil { c.add("expiresAt", "error.announcement.moment") } else if expiresAt! <= now { c.add("expiresAt", "error.announcement.past") }
            }
        }
        try c.check()
        let owner = try await ownerUnit(units, on: db)
        let communeID = owner.kind == .commune ? owner.id! : owner.communeID!
        return CheckedAnnouncement(title: title, body: body, category: category!, units: units.sorted { $0.code < $1.code }, owner: owner,
                                   communeID: communeID, channels: channels, publishAt: publishAt, startsAt: startsAt, place: place,
                                   reminders: reminders, severity: severity, expiresAt: expiresAt)
    }

    /// The smallest unit holding the whole audience: the group, the village, or the commune.
    static func ownerUnit(_ units: [AdminUnit], on db: any Database) async throws -> AdminUnit {
        if units.count == 1 { return units[0] }
        let villages = Set(units.map { $0.kind == .group ? ($0.parentID ?? UUID.random()) : $0.id! })
        if units.allSatisfy({ $0.kind != .commune }), villages.count == 1, let v = try await AdminUnit.find(villages.first!, on: db), v.kind == .village {
            return v
        }
        let communeID = units[0].kind == .commune ? units[0].id! : units[0].communeID!
        guard let commune = try await AdminUnit.find(communeID, on: db) else { throw Abort(.notFound) }
        return commune
    }

    static func apply(_ c: CheckedAnnouncement, to a: Announcement) {
        a.unitID = c.owner.id!
        a.communeID = c.communeID
        a.category = c.category
        a.title = c.title
        a.body = c.body
        a.channels = c.channels.map(\.rawValue).joined(separator: ",")
        a.publishAt = c.publishAt
        a.startsAt = c.startsAt
        a.place = c.place
        a.reminders = c.category == .meeting ? c.reminders.map(String.init).joined(separator: ",") : nil
        a.severity = c.severity
        a.expiresAt = c.expiresAt
    }

    /// A draft; `publish` sends it (now, or at its time).
    static func create(_ input: AnnouncementInput, access: Access, app: Application, on db: any Database) async throws -> Announcement {
        let c = try await check(input, access: access, config: app.config.messaging, on: db)
        let a = Announcement()
        a.id = UUID.random()
        a.status = .draft
        a.authorID = access.personID
        a.authorName = access.displayName
        apply(c, to: a)
        try await db.auditedTransaction { db in
            try await a.create(on: db)
            for u in c.units { try await AnnouncementUnit(announcementID: a.id!, unitID: u.id!).create(on: db) }
            try await Audit.record("create", Announcement.schema, row: a.id, unit: a.unitID, after: AnnouncementDTO(a, units: c.units.map(\.id!)), on: db)
        }
        return a
    }

    static func update(_ a: Announcement, _ input: AnnouncementInput, access: Access, app: Application, on db: any Database) async throws {
        guard a.status == .draft else { throw InvalidInput("status", "error.announcement.notDraft", status: .conflict) }
        let before = AnnouncementDTO(a, units: try await audienceIDs(a.id!, on: db))
        let c = try await check(input, access: access, config: app.config.messaging, on: db)
        apply(c, to: a)
        try await db.auditedTransaction { db in
            try await a.update(on: db)
            try await AnnouncementUnit.query(on: db).filter(\.$announcementID == a.id!).delete()
            for u in c.units { try await AnnouncementUnit(announcementID: a.id!, unitID: u.id!).create(on: db) }
            try await Audit.record("update", Announcement.schema, row: a.id, unit: a.unitID, before: before, after: AnnouncementDTO(a, units: c.units.map(\.id!)), on: db)
        }
    }

    static func audienceIDs(_ id: UUID, on db: any Database) async throws -> [UUID] {
        try await AnnouncementUnit.query(on: db).filter(\.$announcementID == id).all(\.$unitID)
    }

    /// Publishes a draft now, or schedules it for its time. The audience is frozen when it goes out.
    static func publish(_ a: Announcement, on db: any Database, now: Date = AppClock.now) async throws {
        guard a.status == .draft else { throw InvalidInput("status", "error.announcement.notDraft", status: .conflict) }
        if let at = a.publishAt, at <= now { throw InvalidInput("publishAt", "error.announcement.past") }
        try await db.auditedTransaction { db in
            if let at = a.publishAt {
                a.status = .scheduled
                try await a.update(on: db)
                try await Jobs.enqueue("publish", key: "publish:\(a.id!)", payload: a.id!.uuidString, at: at, on: db)
            } else {
                try await goOut(a, now: now, on: db)
            }
            try await Audit.record(a.status == .scheduled ? "schedule" : "publish", Announcement.schema, row: a.id, unit: a.unitID,
                                   after: AnnouncementDTO(a, units: []), on: db)
        }
    }

    /// Marks it published and queues the fan-out and, for a meeting, its reminders; inside the caller's transaction.
    static func goOut(_ a: Announcement, now: Date, on db: any Database) async throws {
        a.status = .published
        a.publishedAt = now
        try await a.update(on: db)
        try await Jobs.enqueue("fanout", key: "fanout:\(a.id!)", payload: a.id!.uuidString, on: db)
        if a.category == .meeting, let starts = a.startsAt {
            for m in a.reminderMinutes {
                let at = starts.addingTimeInterval(-Double(m) * 60)
                if at > now { try await Jobs.enqueue("remind", key: "remind:\(a.id!):\(m)", payload: "\(a.id!.uuidString):\(m)", at: at, on: db) }
            }
        }
    }

    /// A published notice is corrected in the open: the old text is kept and shown, and the households are told again.
    static func correct(_ a: Announcement, title: String?, body: String?, note: String?, access: Access, on db: any Database) async throws {
        guard a.status == .published else { throw InvalidInput("status", "error.announcement.notPublished", status: .conflict) }
        var c = Checker()
        let newTitle = c.text("title", title, max: 200)
        let newBody = c.text("body", body.map { $0.replacingOccurrences(of: "\r\n", with: "\n") }, max: 4000, multiline: true)
        let note = c.text("note", note, max: 500)
        if c.issues.isEmpty && newTitle == a.title && newBody == a.body { c.add("body", "error.announcement.unchanged") }
        try c.check()
        let fix = AnnouncementCorrection()
        fix.id = UUID.random()
        fix.announcementID = a.id!
        fix.at = AppClock.now
        fix.authorName = access.displayName
        fix.note = note
        fix.previousTitle = a.title
        fix.previousBody = a.body
        let before = AnnouncementDTO(a, units: [])
        a.title = newTitle
        a.body = newBody
        try await db.auditedTransaction { db in
            try await fix.create(on: db)
            try await a.update(on: db)
            let n = try await AnnouncementCorrection.query(on: db).filter(\.$announcementID == a.id!).count()
            try await Jobs.enqueue("channels", key: "channels:\(a.id!):correction-\(n)", payload: "\(a.id!.uuidString):correction-\(n)", on: db)
            try await Audit.record("correct", Announcement.schema, row: a.id, unit: a.unitID, before: before, after: AnnouncementDTO(a, units: []), on: db)
        }
    }

    /// Withdrawn: shown as withdrawn with the reason; what has not been sent yet is not sent.
    static func withdraw(_ a: Announcement, reason: String?, on db: any Database) async throws {
        guard a.status == .published || a.status == .scheduled else { throw InvalidInput("status", "error.announcement.notPublished", status: .conflict) }
        var c = Checker()
        let reason = c.text("reason", reason, max: 500)
        try c.check()
        let before = AnnouncementDTO(a, units: [])
        a.status = .withdrawn
        a.withdrawnAt = AppClock.now
        a.withdrawReason = reason
        try await db.auditedTransaction { db in
            try await a.update(on: db)
            try await sql(db).update(ChannelDelivery.schema).set("state", to: DeliveryState.failed.rawValue).set("last_error", to: "withdrawn")
                .where("announcement_id", .equal, a.id!).where("state", .equal, DeliveryState.queued.rawValue).run()
            try await Audit.record("withdraw", Announcement.schema, row: a.id, unit: a.unitID, before: before, after: AnnouncementDTO(a, units: []), on: db)
        }
    }

    // MARK: audience

    struct Audience {
        var communes: [UUID] = []
        var villages: [UUID] = []
        var groups: [UUID] = []

        /// The condition on `households h`.
        var condition: SQLQueryString {
            var parts: [SQLQueryString] = []
            if !communes.isEmpty { parts.append("h.commune_id IN (\(binds: communes))") }
            if !villages.isEmpty { parts.append("h.village_id IN (\(binds: villages))") }
            if !groups.isEmpty { parts.append("h.group_id IN (\(binds: groups))") }
            if parts.isEmpty { return "1 = 0" }
            var q: SQLQueryString = "("
            for (i, p) in parts.enumerated() { q = i == 0 ? q + p : q + " OR " + p }
            return q + ")"
        }
    }

    static func audience(_ unitIDs: [UUID], on db: any Database) async throws -> Audience {
        var a = Audience()
        for u in try await AdminUnit.query(on: db).filter(\.$id ~~ unitIDs).all() {
            switch u.kind {
            case .commune: a.communes.append(u.id!)
            case .village: a.villages.append(u.id!)
            case .group: a.groups.append(u.id!)
            default: break
            }
        }
        return a
    }

    /// How many households the audience holds now (the preview before publishing).
    static func previewCount(_ unitIDs: [UUID], on db: any Database) async throws -> Int {
        let a = try await audience(unitIDs, on: db)
        let row = try await sql(db).raw("SELECT COUNT(*) AS n FROM households h WHERE \(a.condition)").first()
        return try row?.decode(column: "n", as: Int.self) ?? 0
    }

    /// A new row id made by the database, for INSERT … SELECT (SQLite keeps UUIDs as upper-case text).
    static func newID(_ sql: any SQLDatabase) -> SQLQueryString {
        if sql.dialect.name == "postgresql" { return "gen_random_uuid()" }
        return "(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' || substr('89AB', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))"
    }

    // MARK: jobs

    static func register(_ app: Application) {
        app.jobHandlers.handlers["publish"] = { job, ctx in try await runPublish(job, ctx) }
        app.jobHandlers.handlers["fanout"] = { job, ctx in try await runFanout(job, ctx) }
        app.jobHandlers.handlers["channels"] = { job, ctx in try await runChannels(job, ctx) }
        app.jobHandlers.handlers["send"] = { job, ctx in try await Sending.run(job, ctx) }
        app.jobHandlers.handlers["remind"] = { job, ctx in try await runRemind(job, ctx) }
        app.jobHandlers.handlers["direct"] = { job, ctx in try await DirectMessage.run(job, ctx) }
    }

    static func runPublish(_ job: JobRow, _ ctx: JobContext) async throws -> JobOutcome {
        guard let id = UUID(uuidString: job.payload), let a = try await Announcement.find(id, on: ctx.db) else { return .done }
        // Withdrawn or changed back meanwhile: nothing to do.
        guard a.status == .scheduled else { return .done }
        try await ctx.db.writeTransaction { db in
            try await goOut(a, now: ctx.app.now, on: db)
            try await Audit.record("publish", Announcement.schema, row: a.id, unit: a.unitID, after: AnnouncementDTO(a, units: []), on: db,
                                   actor: AuditActor(personID: nil, tokenID: nil, name: "system"))
        }
        return .done
    }

    /// One delivery per household of the audience, in batches ordered by household id, one batch per claim of the job.
    /// Each batch and the cursor that records it commit together, and the unique (announcement, household) index refuses a second row, so a worker
    /// killed at any point and restarted ends with exactly one delivery per household.
    static func runFanout(_ job: JobRow, _ ctx: JobContext) async throws -> JobOutcome {
        guard let id = UUID(uuidString: job.payload), let a = try await Announcement.find(id, on: ctx.db), let published = a.publishedAt else { return .done }
        let sql = try sql(ctx.db)
        let audience = try await audience(try await audienceIDs(id, on: ctx.db), on: ctx.db)
        let batch = ctx.app.config.messaging.fanoutBatch
        let cursor = job.cursor.flatMap(UUID.init(uuidString:))
        let after: SQLQueryString = cursor.map { "AND h.id > \(bind: $0)" } ?? ""
        let frozen: SQLQueryString = "AND (h.created_at IS NULL OR h.created_at <= \(bind: published))"
        // The last household of this batch (on the index alone); none means the rest fits in one batch.
        let last = try await sql.raw("SELECT h.id FROM households h WHERE \(audience.condition) \(after) ORDER BY h.id LIMIT 1 OFFSET \(unsafeRaw: String(batch - 1))")
            .first().map { try $0.decode(column: "id", as: UUID.self) }
        let upTo: SQLQueryString = last.map { "AND h.id <= \(bind: $0)" } ?? ""
        let now = ctx.app.now
        try await ctx.db.writeTransaction { db in
            let tx = try Self.sql(db)
            try await tx.raw("""
                INSERT INTO deliveries (id, announcement_id, household_id, village_id, group_id, state, created_at)
                SELECT \(newID(tx)), \(bind: id), h.id, h.village_id, h.group_id, 'sent', \(bind: now) FROM households h
                WHERE \(audience.condition) \(frozen) \(after) \(upTo)
                ON CONFLICT DO NOTHING
                """).run()
            if let last { try await ctx.saveCursor(job, last.uuidString, on: db) }
        }
        if last != nil {
            // More to do: hand the job back to the queue, due at once (its cursor saved with the batch), so that a
            // large fan-out does not hold one worker: other jobs get their turn, and every instance's worker takes
            // turns at it.
            let pause = ctx.app.config.messaging.fanoutPauseMS
            if pause > 0 { try await Task.sleep(nanoseconds: UInt64(pause) * 1_000_000) }
            return .later(ctx.app.now)
        }
        let count = try await Delivery.query(on: ctx.db).filter(\.$announcementID == id).count()
        try await ctx.db.writeTransaction { db in
            try await Self.sql(db).update(Announcement.schema).set("audience_count", to: count).where("id", .equal, id).run()
            try await Jobs.enqueue("channels", key: "channels:\(id):notice", payload: "\(id.uuidString):notice", on: db)
        }
        return .done
    }

    /// Queues one row per household for each sending channel the notice chose and the deployment has: a phone for
    /// SMS and Zalo, a browser subscription for push. Idempotent through the unique (delivery, channel, purpose) index.
    static func runChannels(_ job: JobRow, _ ctx: JobContext) async throws -> JobOutcome {
        let parts = job.payload.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, let id = UUID(uuidString: parts[0]), let a = try await Announcement.find(id, on: ctx.db),
              a.status == .published else { return .done }
        try await queueChannels(a, purpose: parts[1], onlyAttending: false, ctx: ctx)
        return .done
    }

    static func configured(_ ch: Channel, _ config: MessagingConfig) -> Bool {
        switch ch {
        case .sms: return config.sms != nil
        case .zalo: return config.zalo != nil
        case .push: return config.pushEnabled
        default: return false
        }
    }

    static func queueChannels(_ a: Announcement, purpose: String, onlyAttending: Bool, ctx: JobContext) async throws {
        let sql = try sql(ctx.db)
        let now = ctx.app.now
        let attending: SQLQueryString = onlyAttending ? "AND (d.rsvp IS NULL OR d.rsvp <> 'no')" : ""
        for ch in a.channelList where Channel.sent.contains(ch) && configured(ch, ctx.app.config.messaging) {
            let address: SQLQueryString
            let condition: SQLQueryString
            let join: SQLQueryString
            if ch == .push {
                address = "'subscriptions'"
                join = ""
                condition = "EXISTS (SELECT 1 FROM push_subscriptions s WHERE s.household_id = d.household_id)"
            } else {
                address = "COALESCE(h.phone, r.phone)"
                join = "JOIN households h ON h.id = d.household_id LEFT JOIN residents r ON r.id = h.representative_id"
                condition = "COALESCE(h.phone, r.phone) IS NOT NULL"
            }
            try await sql.raw("""
                INSERT INTO channel_deliveries (id, delivery_id, announcement_id, household_id, channel, purpose, address, state, attempts, next_attempt_at)
                SELECT \(newID(sql)), d.id, d.announcement_id, d.household_id, \(bind: ch.rawValue), \(bind: purpose), \(address), 'queued', 0, \(bind: now)
                FROM deliveries d \(join)
                WHERE d.announcement_id = \(bind: a.id!) AND \(condition) \(attending)
                ON CONFLICT DO NOTHING
                """).run()
            try await Jobs.enqueue("send", key: "send:\(a.id!):\(ch.rawValue)", payload: "\(a.id!.uuidString):\(ch.rawValue)", on: ctx.db)
        }
    }

    /// A meeting's reminder: sent again to every invited household that has not said it will not come.
    static func runRemind(_ job: JobRow, _ ctx: JobContext) async throws -> JobOutcome {
        let parts = job.payload.split(separator: ":").map(String.init)
        guard parts.count == 2, let id = UUID(uuidString: parts[0]), let minutes = Int(parts[1]),
              let a = try await Announcement.find(id, on: ctx.db), a.status == .published else { return .done }
        // The fan-out must be complete first, or the reminder would miss households.
        if a.audienceCount == nil { return .later(ctx.app.now.addingTimeInterval(5)) }
        try await queueChannels(a, purpose: "reminder-\(minutes)", onlyAttending: true, ctx: ctx)
        return .done
    }

    // MARK: acknowledgements

    /// Moves a household's delivery forward (never back), recording the channel that first reached it.
    static func advance(_ deliveryID: UUID, to state: DeliveryState, via channel: Channel, informedBy: String? = nil, on db: any Database) async throws {
        let now = AppClock.now
        let sql = try sql(db)
        let lower = DeliveryState.allCases.filter { $0.rank < state.rank }.map(\.rawValue)
        let readAt: SQLQueryString = state == .read ? ", read_at = \(bind: now)" : ""
        let informed: SQLQueryString = informedBy.map { ", informed_by = \(bind: $0)" } ?? ""
        try await sql.raw("""
            UPDATE deliveries SET state = \(bind: state.rawValue), delivered_at = COALESCE(delivered_at, \(bind: now)),
              reached_via = COALESCE(reached_via, \(bind: channel.rawValue))\(readAt)\(informed)
            WHERE id = \(bind: deliveryID) AND state IN (\(binds: lower))
            """).run()
    }

    static func acknowledge(household: UUID, announcement: UUID, on db: any Database) async throws -> Delivery {
        guard let d = try await Delivery.query(on: db).filter(\.$announcementID == announcement).filter(\.$householdID == household).first() else {
            throw Abort(.notFound)
        }
        try await db.auditedTransaction { db in
            try await advance(d.id!, to: .read, via: .inbox, on: db)
            try await Audit.record("acknowledge", Delivery.schema, row: d.id, unit: d.groupID ?? d.villageID, on: db)
        }
        return try await Delivery.find(d.id, on: db) ?? d
    }

    static func answer(household: UUID, announcement: Announcement, rsvp raw: String?, on db: any Database) async throws -> Delivery {
        guard announcement.category == .meeting, let d = try await Delivery.query(on: db).filter(\.$announcementID == announcement.id!)
            .filter(\.$householdID == household).first() else { throw Abort(.notFound) }
        guard let rsvp = RSVP(rawValue: raw ?? "") else { throw InvalidInput("rsvp", "error.announcement.rsvp") }
        if let starts = announcement.startsAt, starts < AppClock.now { throw InvalidInput("rsvp", "error.announcement.meetingOver", status: .conflict) }
        d.rsvp = rsvp
        d.rsvpAt = AppClock.now
        try await db.auditedTransaction { db in
            try await d.update(on: db)
            try await advance(d.id!, to: .read, via: .inbox, on: db)
            try await Audit.record("rsvp", Delivery.schema, row: d.id, unit: d.groupID ?? d.villageID, after: ["rsvp": rsvp.rawValue], on: db)
        }
        return d
    }

    /// The group head told the household in person: it counts as reached, by that channel.
    static func markInformed(_ a: Announcement, household raw: String?, access: Access, on db: any Database) async throws -> Delivery {
        guard a.status == .published else { throw InvalidInput("status", "error.announcement.notPublished", status: .conflict) }
        guard let id = UUID(uuidString: raw ?? ""), let d = try await Delivery.query(on: db).filter(\.$announcementID == a.id!).filter(\.$householdID == id).first(),
              let unit = try await AdminUnit.find(d.groupID ?? d.villageID, on: db), try await access.allows(.publishAnnouncements, unit, on: db) else {
            throw InvalidInput("householdId", "error.announcement.unknownHousehold")
        }
        try await db.auditedTransaction { db in
            try await advance(d.id!, to: .delivered, via: .inPerson, informedBy: access.displayName, on: db)
            try await Audit.record("informInPerson", Delivery.schema, row: d.id, unit: d.groupID ?? d.villageID, on: db)
        }
        return try await Delivery.find(d.id, on: db) ?? d
    }

    /// Attendance at a meeting for the households of one unit the caller may publish in: those listed came, the rest did not.
    static func recordAttendance(_ a: Announcement, unit: AdminUnit, present: [String], access: Access, on db: any Database) async throws -> Int {
        guard a.category == .meeting, a.status == .published else { throw InvalidInput("status", "error.announcement.notMeeting", status: .conflict) }
        guard try await access.allows(.publishAnnouncements, unit, on: db) else { throw InvalidInput("unit", "error.announcement.unknownUnit") }
        var ids: [UUID] = []
        for raw in present {
            guard let id = UUID(uuidString: raw) else { throw InvalidInput("householdIds", "error.announcement.unknownHousehold") }
            ids.append(id)
        }
        let q = Delivery.query(on: db).filter(\.$announcementID == a.id!)
        if unit.kind == .group { q.filter(\.$groupID == unit.id!) } else if unit.kind == .village { q.filter(\.$villageID == unit.id!) }
        let rows = try await q.all()
        let known = Set(rows.map(\.householdID))
        if let stranger = ids.first(where: { !known.contains($0) }) {
            throw InvalidInput("householdIds", "error.announcement.unknownHousehold", [stranger.uuidString])
        }
        let present = Set(ids)
        try await db.auditedTransaction { db in
            for d in rows {
                let came = present.contains(d.householdID)
                if d.attended != came { d.attended = came; try await d.update(on: db) }
            }
            try await Audit.record("attendance", Announcement.schema, row: a.id, unit: unit.id, after: ["present": String(present.count)], on: db)
        }
        return present.count
    }
}
