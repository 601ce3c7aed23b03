// JSON routes for messaging under /api/v1 (described in Resources/openapi.json): announcements and meetings for
// officials, the inbox for a signed-in household, and the channels' webhooks.
import Crypto
import Fluent
import Vapor

struct MessagingAPI {
    func addRoutes(to api: any RoutesBuilder) {
        api.get(APIURL.announcements.components, use: list).rule(.list(.publishAnnouncements))
        api.post(APIURL.announcements.components, use: create).rule(.action(.publishAnnouncements))
        api.post(APIURL.announcementsPreview.components, use: preview).rule(.action(.publishAnnouncements))
        api.get(APIURL.announcement(.key).components, use: get).rule(.announcement(.publishAnnouncements))
        api.patch(APIURL.announcement(.key).components, use: update).rule(.announcementToChange(.publishAnnouncements))
        api.post(APIURL.announcementPublish(.key).components, use: publish).rule(.announcementToChange(.publishAnnouncements))
        api.post(APIURL.announcementCorrect(.key).components, use: correct).rule(.announcementToChange(.publishAnnouncements))
        api.post(APIURL.announcementWithdraw(.key).components, use: withdraw).rule(.announcementToChange(.publishAnnouncements))
        api.get(APIURL.announcementReach(.key).components, use: reach).rule(.announcement(.publishAnnouncements))
        api.get(APIURL.announcementFollowUp(.key).components, use: followUp).rule(.announcement(.publishAnnouncements))
        api.post(APIURL.announcementInformed(.key).components, use: informed).rule(.announcement(.publishAnnouncements))
        api.post(APIURL.announcementAttendance(.key).components, use: attendance).rule(.announcement(.publishAnnouncements))
        api.get(APIURL.myAnnouncements.components, use: inbox).rule(.signedIn)
        api.post(APIURL.myAnnouncementRead(.key).components, use: read).rule(.signedIn)
        api.post(APIURL.myAnnouncementRSVP(.key).components, use: rsvp).rule(.signedIn)
        api.get(APIURL.formerMyNotices.components, use: inbox).rule(.signedIn)
        api.post(APIURL.formerMyNoticeRead(.key).components, use: read).rule(.signedIn)
        api.post(APIURL.formerMyNoticeRSVP(.key).components, use: rsvp).rule(.signedIn)
        api.post(APIURL.pushSubscriptions.components, use: subscribe).rule(.signedIn)
        api.post(APIURL.pushReceipt(.key).components, use: receipt).rule(.signedIn)
        api.get(APIURL.pushKey.components, use: pushKey).rule(.signedIn)
    }

    func list(req: Request) async throws -> Paged<AnnouncementDTO> {
        let raw = req.queryValue("status") ?? ""
        let status = AnnouncementStatus(rawValue: raw)
        if !raw.isEmpty && status == nil { throw InvalidInput("status", "error.announcement.status") }
        return try await MessagingQueries.list(req.access, status: status, page: PageRequest(req, defaultPer: req.config.pageSize), on: req.db)
    }

    struct CreateInput: Content {
        var publish: Bool?
    }

    func create(req: Request) async throws -> Response {
        let input = try req.content.decode(AnnouncementInput.self)
        let a = try await MessagingActions.create(input, access: req.access, app: req.application, on: req.db)
        if (try? req.content.decode(CreateInput.self))?.publish == true { try await MessagingActions.publish(a, on: req.db) }
        let res = try await MessagingQueries.detail(a, on: req.db).encodeResponse(status: .created, for: req)
        res.headers.replaceOrAdd(name: .location, value: APIURL.announcement(.id(a.id!)).path)
        return res
    }

    struct PreviewInput: Content { var unitIds: [String]? }

    func preview(req: Request) async throws -> PreviewDTO {
        let input = try req.content.decode(PreviewInput.self)
        var ids: [UUID] = []
        for raw in input.unitIds ?? [] {
            guard let id = UUID(uuidString: raw), let u = try await AdminUnit.find(id, on: req.db), try await req.access.allows(.publishAnnouncements, u, on: req.db) else {
                throw InvalidInput("unitIds", "error.announcement.unknownUnit")
            }
            ids.append(id)
        }
        if ids.isEmpty { throw InvalidInput("unitIds", "error.announcement.audience") }
        return PreviewDTO(households: try await MessagingActions.previewCount(ids, on: req.db))
    }

    func get(req: Request) async throws -> AnnouncementDTO {
        let a = try req.scoped(Announcement.self)
        return try await MessagingQueries.detail(a, on: req.db)
    }

    func update(req: Request) async throws -> AnnouncementDTO {
        let a = try req.scoped(Announcement.self)
        try await MessagingActions.update(a, try req.content.decode(AnnouncementInput.self), access: req.access, app: req.application, on: req.db)
        return try await MessagingQueries.detail(a, on: req.db)
    }

    func publish(req: Request) async throws -> AnnouncementDTO {
        let a = try req.scoped(Announcement.self)
        try await MessagingActions.publish(a, on: req.db)
        return try await MessagingQueries.detail(a, on: req.db)
    }

    struct CorrectInput: Content { var title: String?; var body: String?; var note: String? }

    func correct(req: Request) async throws -> AnnouncementDTO {
        let a = try req.scoped(Announcement.self)
        let input = try req.content.decode(CorrectInput.self)
        try await MessagingActions.correct(a, title: input.title, body: input.body, note: input.note, access: req.access, on: req.db)
        return try await MessagingQueries.detail(a, on: req.db)
    }

    struct WithdrawInput: Content { var reason: String? }

    func withdraw(req: Request) async throws -> AnnouncementDTO {
        let a = try req.scoped(Announcement.self)
        try await MessagingActions.withdraw(a, reason: try req.content.decode(WithdrawInput.self).reason, on: req.db)
        return try await MessagingQueries.detail(a, on: req.db)
    }

    func reach(req: Request) async throws -> ReachDTO {
        let a = try req.scoped(Announcement.self)
        return try await MessagingQueries.reach(a, req.access, canEdit: req.canEditScopedAnnouncement(a), on: req.db)
    }

    /// `?unit=` a village or group of the audience (optional); `?all=1` lists every household, reached or not.
    static func unitParameter(_ req: Request) async throws -> AdminUnit? {
        guard let raw = req.queryValue("unit"), !raw.isEmpty else { return nil }
        guard let id = UUID(uuidString: raw), let u = try await AdminUnit.find(id, on: req.db), [.village, .group].contains(u.kind),
              try await req.access.allows(.publishAnnouncements, u, on: req.db) else { throw InvalidInput("unit", "error.announcement.unknownUnit") }
        return u
    }

    /// JSON pages; `?format=csv` or `?format=xlsx` gives the whole list as a file (Messaging+Export.swift).
    func followUp(req: Request) async throws -> Response {
        let a = try req.scoped(Announcement.self)
        let unit = try await Self.unitParameter(req)
        if let raw = req.queryValue("format"), !raw.isEmpty {
            guard ["csv", "xlsx"].contains(raw.lowercased()) else { throw InvalidInput("format", "error.exportFormat") }
            let format = SheetFile.Format(query: raw)
            let file = try await FollowUpExport.file(a, unit: unit, access: req.access, format: format, lang: req.lang, on: req.db)
            try await Audit.record("export", Delivery.schema, row: a.id, unit: unit?.id ?? a.unitID, after: ["rows": String(file.rows)], on: req.db)
            return SheetFile.response(file.0, format: format, name: file.name)
        }
        let page = try await MessagingQueries.followUp(a, unit: unit, access: req.access, all: req.queryValue("all") == "1",
                                                       page: PageRequest(req, defaultPer: req.config.pageSize), on: req.db)
        try await Audit.recordRead("list", Delivery.schema, row: a.id, unit: unit?.id ?? a.unitID, after: ["rows": String(page.items.count)], for: req)
        return try await page.encodeResponse(for: req)
    }

    struct InformedInput: Content { var householdId: String? }

    func informed(req: Request) async throws -> Response {
        let a = try req.scoped(Announcement.self)
        let d = try await MessagingActions.markInformed(a, household: try req.content.decode(InformedInput.self).householdId, access: req.access, on: req.db)
        return try await ["state": d.state.rawValue, "reachedVia": d.reachedVia?.rawValue ?? ""].encodeResponse(for: req)
    }

    struct AttendanceInput: Content { var unitId: String?; var householdIds: [String]? }

    func attendance(req: Request) async throws -> Response {
        let a = try req.scoped(Announcement.self)
        let input = try req.content.decode(AttendanceInput.self)
        guard let id = UUID(uuidString: input.unitId ?? ""), let unit = try await AdminUnit.find(id, on: req.db), [.village, .group].contains(unit.kind) else {
            throw InvalidInput("unitId", "error.announcement.unknownUnit")
        }
        let n = try await MessagingActions.recordAttendance(a, unit: unit, present: input.householdIds ?? [], access: req.access, on: req.db)
        return try await ["present": n].encodeResponse(for: req)
    }

    // MARK: the household's side

    static func household(_ req: Request) throws -> UUID {
        guard let id = req.access.householdID else { throw Abort(.notFound) }
        return id
    }

    func inbox(req: Request) async throws -> Paged<InboxItemDTO> {
        let h = try Self.household(req)
        let page = try await MessagingQueries.inbox(household: h, page: PageRequest(req, defaultPer: req.config.pageSize), on: req.db)
        try await MessagingQueries.markSeen(household: h, announcements: page.items.map(\.id), on: req.db)
        return page
    }

    func read(req: Request) async throws -> Response {
        let d = try await MessagingActions.acknowledge(household: try Self.household(req), announcement: try req.idParameter(), on: req.db)
        return try await ["state": d.state.rawValue].encodeResponse(for: req)
    }

    struct RSVPInput: Content { var rsvp: String? }

    func rsvp(req: Request) async throws -> Response {
        let h = try Self.household(req)
        guard let a = try await Announcement.find(try req.idParameter(), on: req.db) else { throw Abort(.notFound) }
        let d = try await MessagingActions.answer(household: h, announcement: a, rsvp: try req.content.decode(RSVPInput.self).rsvp, on: req.db)
        return try await ["rsvp": d.rsvp?.rawValue ?? ""].encodeResponse(for: req)
    }

    func subscribe(req: Request) async throws -> Response {
        let s = try await PushSender.subscribe(household: try Self.household(req), try req.content.decode(PushSubscriptionInput.self), config: req.config.messaging, on: req.db)
        return try await ["id": s.id!.uuidString.lowercased()].encodeResponse(status: .created, for: req)
    }

    func receipt(req: Request) async throws -> Response {
        try await PushSender.receipt(household: try Self.household(req), channelDelivery: try req.idParameter(), on: req.db)
        return Response(status: .noContent)
    }

    func pushKey(req: Request) async throws -> Response {
        let keys = try await PushSender.keys(req.application)
        return try await ["publicKey": keys.publicKeyBase64URL, "enabled": req.config.messaging.pushEnabled ? "1" : "0"].encodeResponse(for: req)
    }
}

/// Callbacks from the channels: Zalo's delivery and "seen" events, the SMS gateway's delivery reports. Each verifies
/// a signature, then that its signed timestamp is fresh and that it was not seen before (Messaging+Replay.swift),
/// before it changes anything.
struct MessagingHooks {
    func addRoutes(to app: any RoutesBuilder) {
        app.on(.POST, SiteURL.hooksZalo.components, body: .collect(maxSize: "64kb"), use: zalo).rule(.open)
        app.on(.POST, SiteURL.hooksSMS.components, body: .collect(maxSize: "64kb"), use: sms).rule(.open)
    }

    struct ZaloEvent: Decodable {
        struct Message: Decodable { var msg_id: String?; var tracking_id: String? }
        var event_name: String
        var timestamp: String?
        var message: Message?
    }

    func zalo(req: Request) async throws -> Response {
        do { return try await zaloEvent(req) } catch let r as HookRefusal { return try r.response(req) }
    }

    func zaloEvent(_ req: Request) async throws -> Response {
        guard let config = req.config.messaging.zalo else { throw Abort(.notFound) }
        let body = req.body.string ?? ""
        let event = try JSONDecoder().decode(ZaloEvent.self, from: Data(body.utf8))
        guard ZaloGateway.verify(body: body, timestamp: event.timestamp ?? "", signature: req.headers.first(name: "X-ZEvent-Signature"), config: config) else {
            throw Abort(.unauthorized)
        }
        guard let at = HookReplay.fresh(event.timestamp) else { throw HookReplay.stale }
        let state: DeliveryState? = switch event.event_name {
        case "user_received_message": .delivered
        case "user_seen_message": .read
        default: nil
        }
        let key = event.message?.tracking_id ?? event.message?.msg_id
        try await HookReplay.once(channel: "zalo", signed: body + (event.timestamp ?? ""), at: at, on: req.db) { db in
            if let state, let key { try await Self.advanceChannel(key: key, channel: .zalo, to: state, on: db) }
        }
        return Response(status: .ok)
    }

    struct SMSReport: Decodable { var reference: String; var status: String }

    /// `{reference, status: delivered|failed}` with `X-Timestamp: <Unix seconds>` and `X-Signature: sha256=` HMAC
    /// of `<timestamp>.<body>` keyed with SMS_PASSWORD.
    func sms(req: Request) async throws -> Response {
        do { return try await smsReport(req) } catch let r as HookRefusal { return try r.response(req) }
    }

    func smsReport(_ req: Request) async throws -> Response {
        guard let config = req.config.messaging.sms, !config.password.isEmpty else { throw Abort(.notFound) }
        let body = req.body.string ?? ""
        let timestamp = req.headers.first(name: "X-Timestamp") ?? ""
        let signed = timestamp + "." + body
        let mac = HMAC<SHA256>.authenticationCode(for: Data(signed.utf8), using: SymmetricKey(data: Data(config.password.utf8)))
        let expected = "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
        let sent = req.headers.first(name: "X-Signature") ?? ""
        guard Tokens.same(sent, expected) else { throw Abort(.unauthorized) }
        guard let at = HookReplay.fresh(timestamp) else { throw HookReplay.stale }
        let report = try JSONDecoder().decode(SMSReport.self, from: Data(body.utf8))
        try await HookReplay.once(channel: "sms", signed: signed, at: at, on: req.db) { db in
            if report.status == "delivered" { try await Self.advanceChannel(key: report.reference, channel: .sms, to: .delivered, on: db) }
            else if report.status == "failed", let id = UUID(uuidString: report.reference), let c = try await ChannelDelivery.find(id, on: db), c.channel == .sms {
                c.state = .failed
                c.lastError = "gateway reported failure"
                try await c.update(on: db)
            }
        }
        return Response(status: .ok)
    }

    /// `key` is our row id (tracking id / reference) or the gateway's message id.
    static func advanceChannel(key: String, channel: Channel, to state: DeliveryState, on db: any Database) async throws {
        let row: ChannelDelivery?
        if let id = UUID(uuidString: key) { row = try await ChannelDelivery.find(id, on: db) }
        else { row = try await ChannelDelivery.query(on: db).filter(\.$externalID == key).filter(\.$channel == channel).first() }
        guard let c = row, c.channel == channel else { return }
        if state.rank > c.state.rank {
            c.state = state
            if state == .delivered || c.deliveredAt == nil { c.deliveredAt = AppClock.now }
            if state == .read { c.readAt = AppClock.now }
            try await c.update(on: db)
        }
        try await MessagingActions.advance(c.deliveryID, to: state, via: channel, on: db)
    }
}
