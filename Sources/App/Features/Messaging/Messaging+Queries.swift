// Messaging's reads: which notices a caller may see, reach per village and group, the follow-up list, the inbox.
// Reach and the follow-up list are aggregates over up to millions of delivery rows, so they go through SQLKit on
// the covering index `deliveries_reach` (see docs/benchmarks.md).
import Fluent
import SQLKit
import Vapor

extension Access {
    /// The notice, if the caller may change it: publishAnnouncements on the unit that owns it.
    func announcementToEdit(_ id: UUID, on db: any Database) async throws -> Announcement {
        guard let a = try await Announcement.find(id, on: db), let owner = try await AdminUnit.find(a.unitID, on: db),
              try await allows(.publishAnnouncements, owner, on: db) else { throw Abort(.notFound) }
        return a
    }

    /// The notice, if the caller may see it: they may change it, or it is addressed to a unit at or above one of
    /// theirs (a group head sees a commune-wide notice, for their own group's households).
    func announcementToView(_ id: UUID, on db: any Database) async throws -> Announcement {
        try await announcementToViewAndEdit(id, on: db).0
    }

    /// The notice the caller may see, and whether they may also change it (asked once, kept by the route's rule for
    /// the handler: `Request.canEditScopedAnnouncement`).
    func announcementToViewAndEdit(_ id: UUID, on db: any Database) async throws -> (Announcement, Bool) {
        guard let a = try await Announcement.find(id, on: db) else { throw Abort(.notFound) }
        if try await canEdit(a, on: db) { return (a, true) }
        let audience = Set(try await MessagingActions.audienceIDs(id, on: db))
        if try await !ancestors(.publishAnnouncements, on: db).isDisjoint(with: audience) { return (a, false) }
        throw Abort(.notFound)
    }

    /// publishAnnouncements on the unit that owns the notice (by its id: no unit row is loaded; the closure table
    /// answers for units below the caller's).
    func canEdit(_ a: Announcement, on db: any Database) async throws -> Bool {
        try await allows(.publishAnnouncements, unitID: a.unitID, on: db)
    }

    /// The caller's root units for a permission and every unit above them (current parents), in one query.
    func ancestors(_ permission: Permission, on db: any Database) async throws -> Set<UUID> {
        try await UnitClosure.ancestors(of: roots(permission) ?? [], on: db)
    }
}

enum MessagingQueries {
    static func sql(_ db: any Database) throws -> any SQLDatabase { try MessagingActions.sql(db) }

    /// Notices the caller may see, newest first: those addressed to a unit inside their units or above them.
    static func list(_ access: Access, status: AnnouncementStatus?, page: PageRequest, on db: any Database) async throws -> Paged<AnnouncementDTO> {
        let q = Announcement.query(on: db)
        if let status { q.filter(\.$status == status) }
        if let roots = try await access.rootUnits(.publishAnnouncements, on: db) {
            let units = AdminUnit.query(on: db)
            try await UnitScope.restrict(units, to: roots, on: db)
            let visible = Array(Set(try await units.all(\.$id)).union(try await access.ancestors(.publishAnnouncements, on: db)))
            let ids = try await AnnouncementUnit.query(on: db).filter(\.$unitID ~~ visible).all(\.$announcementID)
            q.filter(\.$id ~~ Array(Set(ids)))
        }
        let total = try await q.count()
        let rows = try await q.sort(\.$createdAt, .descending).range(page.offset..<(page.offset + page.per)).all()
        var items: [AnnouncementDTO] = []
        // The page's audiences in one query, not one per notice.
        let links = try await AnnouncementUnit.query(on: db).filter(\.$announcementID ~~ rows.map { $0.id! }).all()
        let audience = Dictionary(grouping: links, by: \.announcementID)
        for a in rows { items.append(AnnouncementDTO(a, units: (audience[a.id!] ?? []).map(\.unitID))) }
        return Paged(items: items, page: page, total: total)
    }

    static func detail(_ a: Announcement, on db: any Database) async throws -> AnnouncementDTO {
        let fixes = try await AnnouncementCorrection.query(on: db).filter(\.$announcementID == a.id!).sort(\.$at).all()
        return AnnouncementDTO(a, units: try await MessagingActions.audienceIDs(a.id!, on: db), corrections: fixes)
    }

    /// The delivery rows a caller may see of a notice: all for its owners, else those of their own units.
    static func scope(_ a: Announcement, _ access: Access, alias: String = "", on db: any Database) async throws -> SQLQueryString {
        if try await access.canEdit(a, on: db) { return "" }
        return "AND \(UnitClosure.deliveriesBelow(access.roots(.publishAnnouncements) ?? [], alias: alias))"
    }

    static func percent(_ part: Int, _ whole: Int) -> Double {
        whole == 0 ? 0 : (Double(part) * 1000 / Double(whole)).rounded() / 10
    }

    /// The reach of a notice in three queries: the deliveries counted once by village and group (with how they were
    /// reached, the answers and the attendance in the same pass), the names of those units, and the channel counts.
    static func reach(_ a: Announcement, _ access: Access, canEdit known: Bool? = nil, on db: any Database) async throws -> ReachDTO {
        let sql = try sql(db)
        let editor: Bool
        if let known { editor = known } else { editor = try await access.canEdit(a, on: db) }
        let scope: SQLQueryString
        if editor { scope = "" } else {
            scope = "AND \(UnitClosure.deliveriesBelow(access.roots(.publishAnnouncements) ?? [], alias: ""))"
        }
        // Enum raw values (letters only), not input.
        // Aliases by position: PostgreSQL folds unquoted names to lower case.
        let columns = Channel.allCases.enumerated().map { ", SUM(CASE WHEN reached_via = '\($1.rawValue)' THEN 1 ELSE 0 END) AS via_\($0)" }.joined()
            + RSVP.allCases.enumerated().map { ", SUM(CASE WHEN rsvp = '\($1.rawValue)' THEN 1 ELSE 0 END) AS rsvp_\($0)" }.joined()
        let rows = try await sql.raw("""
            SELECT village_id, group_id, COUNT(*) AS n,
              SUM(CASE WHEN state IN ('delivered', 'read') THEN 1 ELSE 0 END) AS delivered,
              SUM(CASE WHEN state = 'read' THEN 1 ELSE 0 END) AS read_n,
              SUM(CASE WHEN attended = \(bind: true) THEN 1 ELSE 0 END) AS attended_n\(unsafeRaw: columns)
            FROM deliveries WHERE announcement_id = \(bind: a.id!) \(scope)
            GROUP BY village_id, group_id
            """).all()
        struct Cell { var village: UUID; var group: UUID?; var n: Int; var delivered: Int; var read: Int }
        var cells: [Cell] = []
        var via: [String: Int] = [:]
        var answers: [String: Int] = ["yes": 0, "no": 0, "maybe": 0]
        var attendedTotal = 0
        for r in rows {
            cells.append(Cell(village: try r.decode(column: "village_id", as: UUID.self), group: try r.decode(column: "group_id", as: UUID?.self),
                              n: try r.decode(column: "n", as: Int.self), delivered: try r.decode(column: "delivered", as: Int?.self) ?? 0,
                              read: try r.decode(column: "read_n", as: Int?.self) ?? 0))
            for (i, c) in Channel.allCases.enumerated() {
                let k = try r.decode(column: "via_\(i)", as: Int?.self) ?? 0
                if k > 0 { via[c.rawValue, default: 0] += k }
            }
            for (i, v) in RSVP.allCases.enumerated() { answers[v.rawValue, default: 0] += try r.decode(column: "rsvp_\(i)", as: Int?.self) ?? 0 }
            attendedTotal += try r.decode(column: "attended_n", as: Int?.self) ?? 0
        }
        let unitIDs = Array(Set(cells.map(\.village) + cells.compactMap(\.group)))
        // Plain rows, not AdminUnit models: Fluent's decoding reflects over every field of every model, and for a
        // commune's 40 villages and groups it was a fifth of this page's time (docs/benchmarks.md).
        struct UnitName { var code: String; var name: String; var kind: UnitKind }
        var units: [UUID: UnitName] = [:]
        if !unitIDs.isEmpty {
            for u in try await sql.select().columns("id", "code", "name", "kind").from(AdminUnit.schema).where("id", .in, unitIDs).all() {
                units[try u.decode(column: "id", as: UUID.self)] = UnitName(code: try u.decode(column: "code", as: String.self), name: try u.decode(column: "name", as: String.self),
                                                                           kind: UnitKind(rawValue: try u.decode(column: "kind", as: String.self)) ?? .village)
            }
        }
        func row(_ id: UUID, _ n: Int, _ d: Int, _ r: Int) -> ReachRowDTO {
            let u = units[id]
            return ReachRowDTO(unitId: id, code: u?.code ?? "", name: u?.name ?? "", kind: u?.kind ?? .village, households: n, delivered: d, read: r,
                               deliveredPercent: percent(d, n), readPercent: percent(r, n), groups: nil)
        }
        var villages: [ReachRowDTO] = []
        for (v, vc) in Dictionary(grouping: cells, by: \.village) {
            var vr = row(v, vc.map(\.n).reduce(0, +), vc.map(\.delivered).reduce(0, +), vc.map(\.read).reduce(0, +))
            vr.groups = vc.compactMap { c in c.group.map { row($0, c.n, c.delivered, c.read) } }.sorted { $0.code < $1.code }
            villages.append(vr)
        }
        villages.sort { $0.code < $1.code }
        let n = cells.map(\.n).reduce(0, +), d = cells.map(\.delivered).reduce(0, +), r = cells.map(\.read).reduce(0, +)

        let channelScope: SQLQueryString = editor ? "" : "AND delivery_id IN (SELECT id FROM deliveries WHERE announcement_id = \(bind: a.id!) \(scope))"
        var channels: [Channel: ChannelCountsDTO] = [:]
        for row in try await sql.raw("SELECT channel, state, COUNT(*) AS n FROM channel_deliveries WHERE announcement_id = \(bind: a.id!) AND purpose = 'notice' \(channelScope) GROUP BY channel, state").all() {
            guard let ch = Channel(rawValue: try row.decode(column: "channel", as: String.self)),
                  let st = DeliveryState(rawValue: try row.decode(column: "state", as: String.self)) else { continue }
            let k = try row.decode(column: "n", as: Int.self)
            var c = channels[ch] ?? ChannelCountsDTO(channel: ch, queued: 0, sent: 0, delivered: 0, read: 0, failed: 0)
            switch st {
            case .queued: c.queued += k
            case .sent: c.sent += k
            case .delivered: c.delivered += k
            case .read: c.read += k
            case .failed: c.failed += k
            }
            channels[ch] = c
        }
        var rsvp: [String: Int]? = nil, attended: Int? = nil
        if a.category == .meeting {
            rsvp = answers
            attended = attendedTotal
        }
        let pending = a.status == .published && a.audienceCount == nil
        return ReachDTO(announcementId: a.id!, households: n, delivered: d, read: r, deliveredPercent: percent(d, n), readPercent: percent(r, n),
                        reachedVia: via, villages: villages, channels: Channel.allCases.compactMap { channels[$0] }, rsvp: rsvp, attended: attended,
                        inProgress: pending)
    }

    /// Households of `unit` (a village or group, or the whole audience when nil) the notice has not reached yet, by
    /// household code; `all` lists every household (for attendance).
    static func followUp(_ a: Announcement, unit: AdminUnit?, access: Access, all: Bool = false, page: PageRequest, on db: any Database) async throws -> Paged<FollowUpRowDTO> {
        let sql = try sql(db)
        let scoped = try await scope(a, access, alias: "d.", on: db)
        var filter: SQLQueryString = "d.announcement_id = \(bind: a.id!)"
        if !all { filter = filter + " AND d.state NOT IN ('delivered', 'read')" }
        if let unit {
            filter = filter + (unit.kind == .group ? " AND d.group_id = \(bind: unit.id!)" : " AND d.village_id = \(bind: unit.id!)")
        }
        let total = try await sql.raw("SELECT COUNT(*) AS n FROM deliveries d WHERE \(filter) \(scoped)").first()?.decode(column: "n", as: Int.self) ?? 0
        let rows = try await sql.raw("""
            SELECT d.id AS delivery_id, h.id AS household_id, h.code, h.address, COALESCE(h.phone, r.phone) AS phone, r.full_name,
              d.village_id, d.group_id, d.state, d.rsvp, d.attended
            FROM deliveries d JOIN households h ON h.id = d.household_id LEFT JOIN residents r ON r.id = h.representative_id
            WHERE \(filter) \(scoped)
            ORDER BY h.code LIMIT \(unsafeRaw: String(page.per)) OFFSET \(unsafeRaw: String(page.offset))
            """).all()
        var items: [FollowUpRowDTO] = []
        var byDelivery: [UUID: Int] = [:]
        for r in rows {
            byDelivery[try r.decode(column: "delivery_id", as: UUID.self)] = items.count
            items.append(FollowUpRowDTO(
                householdId: try r.decode(column: "household_id", as: UUID.self), code: try r.decode(column: "code", as: String.self),
                representative: try r.decode(column: "full_name", as: String?.self), address: try r.decode(column: "address", as: String.self),
                phone: try r.decode(column: "phone", as: String?.self), villageId: try r.decode(column: "village_id", as: UUID.self),
                groupId: try r.decode(column: "group_id", as: UUID?.self),
                state: DeliveryState(rawValue: try r.decode(column: "state", as: String.self)) ?? .queued,
                rsvp: (try r.decode(column: "rsvp", as: String?.self)).flatMap(RSVP.init(rawValue:)),
                attended: try r.decode(column: "attended", as: Bool?.self), channels: [:]))
        }
        if !byDelivery.isEmpty {
            for c in try await ChannelDelivery.query(on: db).filter(\.$deliveryID ~~ Array(byDelivery.keys)).filter(\.$purpose == "notice").all() {
                if let i = byDelivery[c.deliveryID] {
                    items[i].channels[c.channel.rawValue] = c.state.rawValue + (c.lastError.map { " (\($0))" } ?? "")
                }
            }
        }
        return Paged(items: items, page: page, total: total)
    }

    /// A household's notices, newest first; withdrawn ones stay, marked, so nobody wonders where one went.
    /// A household's notices, newest first, in one query: the page's deliveries with their notices, units and whether
    /// they were corrected (and the count only when the page is full or not the first). Plain SQL: decoding Fluent
    /// models reflects over every field of every row, which was a fifth of the inbox page's time.
    static func inbox(household: UUID, page: PageRequest, on db: any Database) async throws -> Paged<InboxItemDTO> {
        let sql = try sql(db)
        let rows = try await sql.raw("""
            SELECT d.state, d.rsvp, a.id, a.category, a.status, a.title, a.body, a.published_at, a.withdraw_reason, a.starts_at,
              a.place, u.name AS unit_name,
              CASE WHEN EXISTS (SELECT 1 FROM announcement_corrections c WHERE c.announcement_id = a.id) THEN 1 ELSE 0 END AS corrected,
              COUNT(*) OVER () AS total
            FROM deliveries d JOIN announcements a ON a.id = d.announcement_id LEFT JOIN admin_units u ON u.id = a.unit_id
            WHERE d.household_id = \(bind: household)
            ORDER BY d.created_at DESC, d.id LIMIT \(unsafeRaw: String(page.per)) OFFSET \(unsafeRaw: String(page.offset))
            """).all()
        // The count comes with the page (a window over every delivery of the household, before LIMIT); a page past
        // the end has no row to carry it.
        let total: Int
        if let first = rows.first { total = try first.decode(column: "total", as: Int.self) }
        else if page.offset == 0 { total = 0 }
        else { total = try await Delivery.query(on: db).filter(\.$householdID == household).count() }
        let items: [InboxItemDTO] = try rows.compactMap { r in
            guard let category = AnnouncementCategory(rawValue: try r.decode(column: "category", as: String.self)),
                  let status = AnnouncementStatus(rawValue: try r.decode(column: "status", as: String.self)),
                  let state = DeliveryState(rawValue: try r.decode(column: "state", as: String.self)) else { return nil }
            return InboxItemDTO(id: try r.decode(column: "id", as: UUID.self), category: category, status: status,
                                title: try r.decode(column: "title", as: String.self), body: try r.decode(column: "body", as: String.self),
                                unitName: try r.decode(column: "unit_name", as: String?.self) ?? "",
                                publishedAt: try r.decode(column: "published_at", as: Date?.self),
                                corrected: try r.decode(column: "corrected", as: Int.self) != 0,
                                withdrawReason: try r.decode(column: "withdraw_reason", as: String?.self),
                                state: state, rsvp: try r.decode(column: "rsvp", as: String?.self).flatMap(RSVP.init(rawValue:)),
                                startsAt: try r.decode(column: "starts_at", as: Date?.self), place: try r.decode(column: "place", as: String?.self))
        }
        return Paged(items: items, page: page, total: total)
    }

    /// Listing a household's inbox delivers what it shows: the representative has it in front of them.
    static func markSeen(household: UUID, announcements: [UUID], on db: any Database) async throws {
        guard !announcements.isEmpty else { return }
        let ids = try await Delivery.query(on: db).filter(\.$householdID == household).filter(\.$announcementID ~~ announcements)
            .filter(\.$state ~~ [.queued, .sent]).all(\.$id)
        for id in ids { try await MessagingActions.advance(id, to: .delivered, via: .inbox, on: db) }
    }
}
