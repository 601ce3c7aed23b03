// Web Push: the VAPID key pair is made on first start and kept in the `settings` table (so every app instance signs
// with the same key); a household's browsers subscribe from the inbox page; a notice is encrypted for each
// subscription (RFC 8291) and posted to its push service with a VAPID signature (RFC 8292).
import AsyncHTTPClient
import Fluent
import SQLKit
import Vapor

struct VAPIDKeysKey: StorageKey { typealias Value = VAPIDKeys }

enum PushSender {
    /// The application's VAPID keys, made and stored on first use.
    static func keys(_ app: Application) async throws -> VAPIDKeys {
        if let k = app.storage[VAPIDKeysKey.self] { return k }
        let stored = try await Settings.setOnce("vapid_private_key", VAPIDKeys().privateKeyBase64URL, on: app.db)
        let keys = try VAPIDKeys(privateKeyBase64URL: stored)
        app.storage[VAPIDKeysKey.self] = keys
        return keys
    }

    struct Payload: Codable { var id: String; var title: String; var body: String; var url: String; var receipt: String }

    /// Sends to every browser the household subscribed; a push service that says the subscription is gone (404/410)
    /// loses it. Sent when at least one service accepted it. Each endpoint is checked again right before its post
    /// (PushEndpoint): one whose host now resolves to a private address is not contacted.
    static func send(household: UUID, _ m: OutgoingMessage, _ ctx: JobContext) async throws -> SendResult {
        let subs = try await PushSubscription.query(on: ctx.db).filter(\.$householdID == household).all()
        if subs.isEmpty { return .permanent("no browser subscribed") }
        let keys = try await keys(ctx.app)
        let payload = try JSONEncoder().encode(Payload(id: m.id.uuidString.lowercased(), title: m.title, body: String(m.body.prefix(300)),
                                                      url: m.link, receipt: APIURL.pushReceipt(.id(m.id)).path))
        let allowPrivate = ctx.app.config.messaging.pushAllowPrivateHosts
        let client = PushEndpoint.client(ctx.app)
        var accepted = 0
        var lastError = ""
        var retryable = false
        for s in subs {
            guard let endpoint = URL(string: s.endpoint) else { continue }
            switch await PushEndpoint.check(s.endpoint, allowPrivate: allowPrivate) {
            case .ok: break
            case .unresolved:
                lastError = "push service host does not resolve"
                retryable = true
                continue
            case .malformed, .notPublic:
                lastError = "endpoint is not a public https address; not contacted"
                s.failures += 1
                try await s.update(on: ctx.db)
                continue
            }
            do {
                let request = try makeWebPushRequest(endpoint: endpoint, keys: PushSubscriptionKeys(p256dh: s.p256dh, auth: s.auth), payload: payload,
                                                     vapidKeys: keys, subject: ctx.app.config.messaging.pushSubject, ttl: 86_400, urgency: .normal)
                var post = HTTPClientRequest(url: s.endpoint)
                post.method = .POST
                post.headers = HTTPHeaders(request.headers)
                post.body = .bytes(ByteBuffer(data: request.body))
                let res = try await client.execute(post, timeout: .seconds(15))
                switch res.status.code {
                case 200..<300:
                    accepted += 1
                case 404, 410:
                    try await s.delete(on: ctx.db)
                    lastError = "subscription gone (HTTP \(res.status.code))"
                case 300..<400:
                    lastError = "HTTP \(res.status.code) (redirects are not followed)"
                default:
                    lastError = "HTTP \(res.status.code)"
                    if res.status.code >= 500 || res.status.code == 429 { retryable = true }
                }
            } catch let e as WebPushError {
                lastError = "bad subscription: \(e)"
            } catch {
                lastError = String(describing: error)
                retryable = true
            }
        }
        if accepted > 0 { return .sent(externalID: nil) }
        return retryable ? .retry(lastError) : .permanent(lastError)
    }

    /// Checks a browser's subscription and keeps it for the household (one row per endpoint). The endpoint must be
    /// an https URL on a public address (after DNS resolution); a household keeps at most PUSH_PER_HOUSEHOLD browsers;
    /// an endpoint another household already holds stays theirs (409).
    static func subscribe(household: UUID, _ input: PushSubscriptionInput, config: MessagingConfig, on db: any Database) async throws -> PushSubscription {
        var c = Checker()
        let endpoint = (input.endpoint ?? "").trimmingCharacters(in: .whitespaces)
        switch await PushEndpoint.check(endpoint, allowPrivate: config.pushAllowPrivateHosts) {
        case .ok, .unresolved: break   // a name that does not resolve now is checked again before every send
        case .malformed: c.add("endpoint", "error.messaging.pushEndpoint")
        case .notPublic: c.add("endpoint", "error.messaging.pushPrivate")
        }
        let p256dh = input.keys?.p256dh ?? "", auth = input.keys?.auth ?? ""
        if (try? encryptPushPayload(Data(), keys: PushSubscriptionKeys(p256dh: p256dh, auth: auth))) == nil { c.add("keys", "error.messaging.pushKeys") }
        try c.check()
        if let existing = try await PushSubscription.query(on: db).filter(\.$endpoint == endpoint).first() {
            guard existing.householdID == household else { throw InvalidInput("endpoint", "error.messaging.pushTaken", status: .conflict) }
            existing.p256dh = p256dh
            existing.auth = auth
            existing.failures = 0
            try await existing.update(on: db)
            return existing
        }
        if try await PushSubscription.query(on: db).filter(\.$householdID == household).count() >= config.pushPerHousehold {
            throw TooManyRequests("error.messaging.pushTooMany")
        }
        let s = PushSubscription()
        s.id = UUID.random()
        s.householdID = household
        s.endpoint = endpoint
        s.p256dh = p256dh
        s.auth = auth
        s.failures = 0
        try await db.auditedTransaction { db in
            try await s.create(on: db)
            try await Audit.record("subscribePush", PushSubscription.schema, row: s.id, on: db)
        }
        return s
    }

    /// The service worker's receipt: the notification was shown on the household's phone.
    static func receipt(household: UUID, channelDelivery: UUID, on db: any Database) async throws {
        guard let c = try await ChannelDelivery.find(channelDelivery, on: db), c.householdID == household, c.channel == .push else { throw Abort(.notFound) }
        if c.state == .sent || c.state == .queued {
            c.state = .delivered
            c.deliveredAt = AppClock.now
            try await c.update(on: db)
        }
        try await MessagingActions.advance(c.deliveryID, to: .delivered, via: .push, on: db)
    }
}
