// The sending channels: SMS through an HTTP gateway, Zalo template messages, and standard Web Push. A `send` job
// takes the queued rows of one notice and channel, sends each with its row id as the idempotency key (so a row
// sent again after a crash is recognised by the gateway), and moves it to sent, or back to queued with back-off, or
// to failed with the reason after the last attempt.
import Crypto
import Fluent
import SQLKit
import Vapor

/// What one channel message says.
struct OutgoingMessage: Sendable {
    var id: UUID
    var title: String
    var unit: String
    var link: String
    var body: String
}

enum SendResult: Sendable {
    case sent(externalID: String?)
    /// Worth trying again later (the gateway is down, a timeout, 5xx).
    case retry(String)
    /// Will not work (a bad number, 4xx): failed at once.
    case permanent(String)
}

enum Sending {
    static let maxAttempts = 5
    static let batch = 50

    /// 30 s, 2 min, 8 min, 32 min between attempts.
    static func backoff(_ attempts: Int) -> TimeInterval { 30 * pow(4, Double(max(0, attempts - 1))) }

    static func run(_ job: JobRow, _ ctx: JobContext) async throws -> JobOutcome {
        let parts = job.payload.split(separator: ":").map(String.init)
        guard parts.count == 2, let id = UUID(uuidString: parts[0]), let channel = Channel(rawValue: parts[1]),
              let a = try await Announcement.find(id, on: ctx.db) else { return .done }
        let unit = try await AdminUnit.find(a.unitID, on: ctx.db)?.name ?? ""
        let sql = try MessagingActions.sql(ctx.db)
        while true {
            let now = ctx.app.now
            let rows = try await ChannelDelivery.query(on: ctx.db).filter(\.$announcementID == id).filter(\.$channel == channel)
                .filter(\.$state == .queued).filter(\.$nextAttemptAt <= now).sort(\.$nextAttemptAt).limit(batch).all()
            if rows.isEmpty { break }
            // A few at a time: gateways answer in tens of milliseconds, and a commune's machine is small.
            try await withThrowingTaskGroup(of: (ChannelDelivery, SendResult).self) { group in
                var it = rows.makeIterator()
                var running = 0
                func next() {
                    guard let row = it.next() else { return }
                    running += 1
                    let message = OutgoingMessage(id: row.id!, title: prefix(row.purpose, ctx) + a.title, unit: unit,
                                                  link: ctx.app.config.externalURL(.myAnnouncement(.id(id))), body: a.body)
                    group.addTask { (row, await send(channel, row, message, ctx)) }
                }
                for _ in 0..<8 { next() }
                while running > 0, let (row, result) = try await group.next() {
                    running -= 1
                    try await record(row, result, channel: channel, sql: sql, db: ctx.db)
                    next()
                }
            }
            try await ctx.saveCursor(job, "", on: ctx.db)
        }
        // Rows waiting for a later attempt: come back then.
        if let next = try await ChannelDelivery.query(on: ctx.db).filter(\.$announcementID == id).filter(\.$channel == channel)
            .filter(\.$state == .queued).sort(\.$nextAttemptAt).first() {
            return .later(next.nextAttemptAt)
        }
        return .done
    }

    static func prefix(_ purpose: String, _ ctx: JobContext) -> String {
        if purpose.hasPrefix("reminder") { return Lang.vi.t("announcement.prefix.reminder") + " " }
        if purpose.hasPrefix("correction") { return Lang.vi.t("announcement.prefix.correction") + " " }
        return ""
    }

    static func record(_ row: ChannelDelivery, _ result: SendResult, channel: Channel, sql: any SQLDatabase, db: any Database) async throws {
        let now = AppClock.now
        let attempts = row.attempts + 1
        switch result {
        case .sent(let external):
            try await sql.update(ChannelDelivery.schema).set("state", to: DeliveryState.sent.rawValue).set("attempts", to: attempts)
                .set("sent_at", to: now).set("external_id", to: external).set("last_error", to: String?.none)
                .where("id", .equal, row.id!).where("state", .equal, DeliveryState.queued.rawValue).run()
        case .retry(let why) where attempts < maxAttempts:
            try await sql.update(ChannelDelivery.schema).set("attempts", to: attempts).set("last_error", to: String(why.prefix(300)))
                .set("next_attempt_at", to: now.addingTimeInterval(backoff(attempts))).where("id", .equal, row.id!).run()
        case .retry(let why), .permanent(let why):
            try await sql.update(ChannelDelivery.schema).set("state", to: DeliveryState.failed.rawValue).set("attempts", to: attempts)
                .set("last_error", to: String(why.prefix(300))).where("id", .equal, row.id!).run()
        }
    }

    static func send(_ channel: Channel, _ row: ChannelDelivery, _ m: OutgoingMessage, _ ctx: JobContext) async -> SendResult {
        do {
            switch channel {
            case .sms:
                guard let config = ctx.app.config.messaging.sms else { return .permanent("SMS is not configured") }
                return try await SMSGateway(config: config, client: ctx.app.client).send(to: row.address, m)
            case .zalo:
                guard let config = ctx.app.config.messaging.zalo else { return .permanent("Zalo is not configured") }
                return try await ZaloGateway(config: config, client: ctx.app.client).send(to: row.address, m)
            case .push:
                return try await PushSender.send(household: row.householdID, m, ctx)
            default:
                return .permanent("not a sending channel")
            }
        } catch {
            return .retry(String(describing: error))
        }
    }

    static func classify(_ status: HTTPResponseStatus) -> SendResult? {
        switch status.code {
        case 200..<300: return nil
        case 408, 429, 500...: return .retry("HTTP \(status.code)")
        default: return .permanent("HTTP \(status.code)")
        }
    }
}

/// An SMS gateway reached over HTTP: POST JSON `{to, from, text, reference}` with basic credentials and an
/// `Idempotency-Key`; a 2xx answer (optionally `{"id": …}`) means accepted.
struct SMSGateway {
    let config: MessagingConfig.SMS
    let client: any Client

    static func text(_ template: String, _ m: OutgoingMessage) -> String {
        template.replacingOccurrences(of: "{title}", with: m.title).replacingOccurrences(of: "{unit}", with: m.unit)
            .replacingOccurrences(of: "{link}", with: m.link).replacingOccurrences(of: "{code}", with: String(m.id.uuidString.prefix(8)))
    }

    struct Body: Content { var to: String; var from: String; var text: String; var reference: String }
    struct Answer: Content { var id: String? }

    func send(to phone: String, _ m: OutgoingMessage) async throws -> SendResult {
        var headers = HTTPHeaders()
        if !config.user.isEmpty { headers.basicAuthorization = BasicAuthorization(username: config.user, password: config.password) }
        headers.add(name: "Idempotency-Key", value: m.id.uuidString.lowercased())
        let res = try await client.post(URI(string: config.url), headers: headers) { req in
            try req.content.encode(Body(to: phone, from: config.sender, text: Self.text(config.template, m), reference: m.id.uuidString.lowercased()), as: .json)
            req.timeout = .seconds(15)
        }
        if let bad = Sending.classify(res.status) { return bad }
        return .sent(externalID: (try? res.content.decode(Answer.self))?.id)
    }
}

/// Zalo's template-message (ZNS) API shape: POST `{base}/message/template` with the `access_token` header and
/// `{phone: "84…", template_id, template_data, tracking_id}`; the answer `{error: 0, data: {msg_id}}` means sent.
struct ZaloGateway {
    let config: MessagingConfig.Zalo
    let client: any Client

    struct Body: Content {
        var phone: String
        var template_id: String
        var template_data: [String: String]
        var tracking_id: String
    }
    struct Answer: Content {
        struct Data: Content { var msg_id: String? }
        var error: Int
        var message: String?
        var data: Data?
    }

    /// 0912345678 → 84912345678, as Zalo wants it.
    static func international(_ phone: String) -> String { phone.hasPrefix("0") ? "84" + phone.dropFirst() : phone }

    func send(to phone: String, _ m: OutgoingMessage) async throws -> SendResult {
        var headers = HTTPHeaders()
        headers.add(name: "access_token", value: config.accessToken)
        let base = config.url.hasSuffix("/") ? String(config.url.dropLast()) : config.url
        let res = try await client.post(URI(string: base + "/message/template"), headers: headers) { req in
            try req.content.encode(Body(phone: Self.international(phone), template_id: config.templateID,
                                        template_data: ["title": String(m.title.prefix(100)), "unit": m.unit, "link": m.link],
                                        tracking_id: m.id.uuidString.lowercased()), as: .json)
            req.timeout = .seconds(15)
        }
        if let bad = Sending.classify(res.status) { return bad }
        guard let answer = try? res.content.decode(Answer.self) else { return .retry("unreadable answer") }
        if answer.error != 0 { return .permanent("Zalo error \(answer.error): \(answer.message ?? "")") }
        return .sent(externalID: answer.data?.msg_id)
    }

    /// Zalo signs each webhook call: `X-ZEvent-Signature: mac=` SHA-256 (hex) of app id + body + timestamp + secret.
    static func verify(body: String, timestamp: String, signature: String?, config: MessagingConfig.Zalo) -> Bool {
        guard let signature, !config.secret.isEmpty else { return false }
        let mac = SHA256.hash(data: Data((config.appID + body + timestamp + config.secret).utf8)).map { String(format: "%02x", $0) }.joined()
        let sent = signature.hasPrefix("mac=") ? String(signature.dropFirst(4)) : signature
        return Tokens.same(sent, mac)
    }
}
