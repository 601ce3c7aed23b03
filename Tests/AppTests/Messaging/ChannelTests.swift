import Crypto
import Fluent
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import Testing
import Vapor
import VaporTesting
@testable import App

/// A real HTTP server on 127.0.0.1 that a test starts: stands in for an SMS gateway, Zalo's API or a push service.
final class LocalServer: @unchecked Sendable {
    let app: Application
    let port: Int
    var base: String { "http://127.0.0.1:\(port)" }

    struct Received: Sendable {
        var path: String
        var headers: HTTPHeaders
        var body: Data
    }

    private let lock = NIOLock()
    private var _received: [Received] = []
    var received: [Received] { lock.withLock { _received } }
    func record(_ r: Received) { lock.withLock { _received.append(r) } }

    private init(app: Application, port: Int) {
        self.app = app
        self.port = port
    }

    /// `handler` answers each POST; every request is recorded first.
    static func start(_ handler: @escaping @Sendable (LocalServer, Received) async throws -> Response) async throws -> LocalServer {
        let app = try await Application.make(.testing)
        app.logger.logLevel = .warning
        let box = ServerBox()
        app.routes.defaultMaxBodySize = "1mb"
        app.on(.POST, "**", body: .collect(maxSize: "1mb")) { req async throws -> Response in
            let server = box.server!
            let r = Received(path: req.url.path, headers: req.headers, body: req.body.data.map { Data(buffer: $0) } ?? Data())
            server.record(r)
            return try await handler(server, r)
        }
        try await app.server.start(address: .hostname("127.0.0.1", port: 0))
        let port = try #require(app.http.server.shared.localAddress?.port)
        let server = LocalServer(app: app, port: port)
        box.server = server
        return server
    }

    func stop() async {
        await app.server.shutdown()
        try? await app.asyncShutdown()
    }
}

final class ServerBox: @unchecked Sendable { var server: LocalServer? }

func json(_ object: [String: Any], status: HTTPResponseStatus = .ok) -> Response {
    let data = try! JSONSerialization.data(withJSONObject: object)
    let res = Response(status: status, body: .init(data: data))
    res.headers.contentType = .json
    return res
}

@Suite("Messaging channels against local servers: SMS gateway, Zalo, Web Push")
struct ChannelTests {
    @Test("SMS: the gateway gets each household's number, the text and an idempotency key; failures retry with back-off; reports arrive signed")
    func sms() async throws {
        let gateway = try await LocalServer.start { server, r in
            let body = try JSONSerialization.jsonObject(with: r.body) as? [String: String] ?? [:]
            let tries = server.received.filter { String(decoding: $0.body, as: UTF8.self).contains("\"0999000002\"") }.count
            if body["to"] == "0999000002" && tries == 1 { return json(["error": "busy"], status: .serviceUnavailable) }
            if body["to"] == "0999000003" { return json(["error": "bad number"], status: .badRequest) }
            return json(["id": "sms-\(server.received.count)"])
        }
        defer { Task { await gateway.stop() } }
        try await withTestApp({ $0.messaging.sms = .init(url: gateway.base + "/send", user: "thonso", password: "bi-mat", sender: "UBND XA", template: "{unit}: {title}. Xem: {link}") }) { app in
            let v = try await Village.make(app, perGroup: 3, inT2: 0)
            let a = try await publish(app, announcement("Cắt điện", units: [v.tree.group11], channels: ["sms"]))
            let before = app.now
            try await Jobs.runUntilIdle(app)
            let sent = gateway.received
            #expect(sent.count == 3)
            let first = try #require(sent.first { String(decoding: $0.body, as: UTF8.self).contains("0999000001") })
            let body = try #require(try JSONSerialization.jsonObject(with: first.body) as? [String: String])
            #expect(body["from"] == "UBND XA" && body["text"] == "Tổ 1: Cắt điện. Xem: http://127.0.0.1:8080/my/announcements/\(a.id.uuidString.lowercased())")
            #expect(first.headers.basicAuthorization?.username == "thonso" && first.headers.basicAuthorization?.password == "bi-mat")
            #expect(first.headers.first(name: "Idempotency-Key") == body["reference"])

            var rows = try await ChannelDelivery.query(on: app.db).filter(\.$channel == .sms).sort(\.$address).all()
            #expect(rows.map(\.state) == [.sent, .queued, .failed])
            #expect(rows[1].attempts == 1 && rows[1].nextAttemptAt >= before.addingTimeInterval(29) && rows[1].lastError == "HTTP 503")
            #expect(rows[2].lastError == "HTTP 400")
            // The send job waits for the retry; when it comes due the message goes out.
            let job = try await (app.db as! any SQLDatabase).raw("SELECT state, run_at FROM jobs WHERE kind = 'send'").first()
            #expect(try job?.decode(column: "state", as: String.self) == "queued")
            app.testClock.set(rows[1].nextAttemptAt.addingTimeInterval(1))
            let ran = try await Jobs.runUntilIdle(app)
            #expect(ran == 1)
            rows = try await ChannelDelivery.query(on: app.db).filter(\.$channel == .sms).sort(\.$address).all()
            #expect(gateway.received.count == 4, "\(rows.map { $0.lastError ?? "" })")
            #expect(rows.map(\.state) == [.sent, .sent, .failed], "\(rows.map { "\($0.attempts) \($0.lastError ?? "-")" })")

            // A delivery report, signed with the gateway's secret.
            let report = "{\"reference\":\"\(rows[0].id!.uuidString.lowercased())\",\"status\":\"delivered\"}"
            let ts = String(Int(app.now.timeIntervalSince1970))
            let mac = HMAC<SHA256>.authenticationCode(for: Data((ts + "." + report).utf8), using: SymmetricKey(data: Data("bi-mat".utf8))).map { String(format: "%02x", $0) }.joined()
            let forged = try await app.testing().sendRequest(.POST, "/hooks/sms", headers: ["X-Timestamp": ts, "X-Signature": "sha256=" + String(repeating: "0", count: 64), "Content-Type": "application/json"], body: ByteBuffer(string: report))
            #expect(forged.status == .unauthorized)
            #expect(try await ChannelDelivery.find(rows[0].id, on: app.db)?.state == .sent)
            let ok = try await app.testing().sendRequest(.POST, "/hooks/sms", headers: ["X-Timestamp": ts, "X-Signature": "sha256=" + mac, "Content-Type": "application/json"], body: ByteBuffer(string: report))
            #expect(ok.status == .ok)
            #expect(try await ChannelDelivery.find(rows[0].id, on: app.db)?.state == .delivered)
            let reach = try await app.api(.GET, "/api/v1/announcements/\(a.id)/reach").decode(ReachDTO.self)
            #expect(reach.delivered == 1 && reach.reachedVia["sms"] == 1)
            #expect(reach.channels.first { $0.channel == .sms }.map { [$0.delivered, $0.sent, $0.failed] } == [1, 1, 1])
        }
    }

    @Test("Zalo: template messages in Zalo's shape; delivery and seen callbacks verified by signature")
    func zalo() async throws {
        let api = try await LocalServer.start { server, r in
            json(["error": 0, "message": "Success", "data": ["msg_id": "zmsg-\(server.received.count)", "sent_time": "1700000000000"]])
        }
        defer { Task { await api.stop() } }
        let config = MessagingConfig.Zalo(url: api.base + "/v2", accessToken: "oa-token", templateID: "301234", appID: "4455", secret: "zalo-secret")
        try await withTestApp({ $0.messaging.zalo = config }) { app in
            let v = try await Village.make(app, perGroup: 2, inT2: 0)
            let a = try await publish(app, announcement("Họp tổ", units: [v.tree.group11], channels: ["zalo"]))
            try await Jobs.runUntilIdle(app)
            #expect(api.received.count == 2)
            let r = try #require(api.received.first)
            #expect(r.path == "/v2/message/template" && r.headers.first(name: "access_token") == "oa-token")
            let body = try #require(try JSONSerialization.jsonObject(with: r.body) as? [String: Any])
            #expect((body["phone"] as? String)?.hasPrefix("84999") == true && body["template_id"] as? String == "301234")
            #expect((body["template_data"] as? [String: String])?["title"] == "Họp tổ")
            let rows = try await ChannelDelivery.query(on: app.db).filter(\.$channel == .zalo).all()
            #expect(rows.allSatisfy { $0.state == .sent && $0.externalID?.hasPrefix("zmsg-") == true })

            func event(_ name: String, _ msg: String) -> (String, String) {
                let ts = String(Int64(app.now.timeIntervalSince1970 * 1000))
                let e = "{\"app_id\":\"4455\",\"event_name\":\"\(name)\",\"timestamp\":\"\(ts)\",\"message\":{\"msg_id\":\"\(msg)\"}}"
                let mac = SHA256.hash(data: Data(("4455" + e + ts + "zalo-secret").utf8)).map { String(format: "%02x", $0) }.joined()
                return (e, mac)
            }
            let (received, mac) = event("user_received_message", rows[0].externalID!)
            let bad = try await app.testing().sendRequest(.POST, "/hooks/zalo", headers: ["X-ZEvent-Signature": "mac=deadbeef", "Content-Type": "application/json"], body: ByteBuffer(string: received))
            #expect(bad.status == .unauthorized)
            #expect(try await app.api(.GET, "/api/v1/announcements/\(a.id)/reach").decode(ReachDTO.self).delivered == 0)
            let good = try await app.testing().sendRequest(.POST, "/hooks/zalo", headers: ["X-ZEvent-Signature": "mac=" + mac, "Content-Type": "application/json"], body: ByteBuffer(string: received))
            #expect(good.status == .ok)
            let (seen, seenMac) = event("user_seen_message", rows[1].externalID!)
            _ = try await app.testing().sendRequest(.POST, "/hooks/zalo", headers: ["X-ZEvent-Signature": "mac=" + seenMac, "Content-Type": "application/json"], body: ByteBuffer(string: seen))
            let reach = try await app.api(.GET, "/api/v1/announcements/\(a.id)/reach").decode(ReachDTO.self)
            #expect(reach.delivered == 2 && reach.read == 1 && reach.reachedVia["zalo"] == 2)
        }
    }

    @Test("Web Push: the push service receives an RFC 8291 body it can decrypt and a VAPID signature it can verify; a gone subscription is dropped")
    func push() async throws {
        let subscriber = PushSubscriberKeys()
        let decrypted = NIOLockedValueBox<[String]>([])
        let service = try await LocalServer.start { server, r in
            if r.path.hasSuffix("/gone") { return Response(status: .gone) }
            let audience = "http://127.0.0.1:\(server.port)"
            _ = try verifyVAPID(authorization: r.headers.first(name: .authorization) ?? "", expectedAudience: audience)
            #expect(r.headers.first(name: "Content-Encoding") == "aes128gcm")
            let plain = try decryptPushPayload(r.body, keys: subscriber)
            decrypted.withLockedValue { $0.append(String(decoding: plain, as: UTF8.self)) }
            return Response(status: .created)
        }
        defer { Task { await service.stop() } }
        // The local push service is plain http on 127.0.0.1: allowed only through the explicit development setting.
        try await withTestApp({ $0.messaging.pushAllowPrivateHosts = true }) { app in
            let v = try await Village.make(app, perGroup: 1, inT2: 0)
            let h = v.households[0].household
            let b = try await householdBrowser(app, h.id)
            // The browser subscribes through the API with its session, as push.js does.
            let key = try await app.testing().sendRequest(.GET, "/api/v1/push/key", headers: b.headers())
            #expect(try key.status == .ok && key.content.get(String.self, at: "publicKey").count == 87)
            for (path, keys) in [("/push/abc", subscriber), ("/push/gone", PushSubscriberKeys())] {
                let sub = try await app.testing().sendRequest(.POST, "/api/v1/my/push-subscriptions", headers: b.headers(["Content-Type": "application/json"])) { req in
                    try req.content.encode(PushSubscriptionInput(endpoint: service.base + path, keys: .init(p256dh: keys.p256dh, auth: keys.auth)), as: .json)
                }
                #expect(sub.status == .created, "\(sub.text)")
            }
            let badKeys = try await app.testing().sendRequest(.POST, "/api/v1/my/push-subscriptions", headers: b.headers(["Content-Type": "application/json"])) { req in
                try req.content.encode(PushSubscriptionInput(endpoint: "ftp://x", keys: .init(p256dh: "nope", auth: "")), as: .json)
            }
            #expect(badKeys.status == .unprocessableEntity)
            #expect(Set(try badKeys.decode(ErrorBody.self).fields?.map(\.field) ?? []) == ["endpoint", "keys"])
            #expect(try await app.count("push_subscriptions") == 2)

            let a = try await publish(app, announcement("Bão số 3", units: [v.tree.group11], category: "urgent", channels: ["push"]))
            try await Jobs.runUntilIdle(app)
            let got = decrypted.withLockedValue { $0 }
            #expect(got.count == 1)
            let payload = try JSONDecoder().decode(PushSender.Payload.self, from: Data(try #require(got.first).utf8))
            #expect(payload.title == "Bão số 3" && payload.url.hasSuffix("/my/announcements/\(a.id.uuidString.lowercased())"))
            #expect(try await app.count("push_subscriptions") == 1)
            // The service worker's receipt: delivered, by push.
            let receipt = try await app.testing().sendRequest(.POST, payload.receipt, headers: b.headers(["Content-Type": "application/json"]), body: ByteBuffer(string: "{}"))
            #expect(receipt.status == .noContent)
            let reach = try await app.api(.GET, "/api/v1/announcements/\(a.id)/reach").decode(ReachDTO.self)
            #expect(reach.delivered == 1 && reach.reachedVia["push"] == 1)
        }
    }
}
