import Crypto
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting
@testable import App

@Suite("Channel callbacks: old and replayed events are refused and change nothing")
struct HookReplayTests {
    static func smsRequest(_ app: Application, _ report: String, at: Date) async throws -> TestingHTTPResponse {
        let ts = String(Int(at.timeIntervalSince1970))
        let mac = HMAC<SHA256>.authenticationCode(for: Data((ts + "." + report).utf8), using: SymmetricKey(data: Data("bi-mat".utf8)))
            .map { String(format: "%02x", $0) }.joined()
        return try await app.testing().sendRequest(.POST, "/hooks/sms", headers: ["X-Timestamp": ts, "X-Signature": "sha256=" + mac, "Content-Type": "application/json"],
                                                   body: ByteBuffer(string: report))
    }

    @Test("SMS delivery reports: the signed X-Timestamp must be within five minutes; an event is accepted once")
    func sms() async throws {
        let gateway = try await LocalServer.start { server, _ in json(["id": "sms-\(server.received.count)"]) }
        defer { Task { await gateway.stop() } }
        try await withTestApp({ $0.messaging.sms = .init(url: gateway.base + "/send", user: "thonso", password: "bi-mat", sender: "UBND XA", template: "{title} {link}") }) { app in
            let v = try await Village.make(app, perGroup: 2, inT2: 0)
            _ = try await publish(app, announcement("Cắt điện", units: [v.tree.group11], channels: ["sms"]))
            try await Jobs.runUntilIdle(app)
            let rows = try await ChannelDelivery.query(on: app.db).filter(\.$channel == .sms).sort(\.$address).all()
            #expect(rows.map(\.state) == [.sent, .sent])
            func state(_ i: Int) async throws -> DeliveryState? { try await ChannelDelivery.find(rows[i].id, on: app.db)?.state }
            let delivered = "{\"reference\":\"\(rows[0].id!.uuidString.lowercased())\",\"status\":\"delivered\"}"

            // Old, from the future, or without a timestamp: refused, nothing written.
            let stale = try await Self.smsRequest(app, delivered, at: app.now.addingTimeInterval(-600))
            #expect(stale.status == .badRequest)
            #expect(try stale.decode(ErrorBody.self).message.contains("5 phút"))
            #expect(try await Self.smsRequest(app, delivered, at: app.now.addingTimeInterval(600)).status == .badRequest)
            let mac = HMAC<SHA256>.authenticationCode(for: Data(("." + delivered).utf8), using: SymmetricKey(data: Data("bi-mat".utf8))).map { String(format: "%02x", $0) }.joined()
            let bare = try await app.testing().sendRequest(.POST, "/hooks/sms", headers: ["X-Signature": "sha256=" + mac, "Content-Type": "application/json"], body: ByteBuffer(string: delivered))
            #expect(bare.status == .badRequest)
            // The signature covers the timestamp: a fresh timestamp on an old signature does not verify.
            let old = app.now.addingTimeInterval(-600)
            let oldMac = HMAC<SHA256>.authenticationCode(for: Data((String(Int(old.timeIntervalSince1970)) + "." + delivered).utf8), using: SymmetricKey(data: Data("bi-mat".utf8))).map { String(format: "%02x", $0) }.joined()
            let moved = try await app.testing().sendRequest(.POST, "/hooks/sms", headers: ["X-Timestamp": String(Int(app.now.timeIntervalSince1970)), "X-Signature": "sha256=" + oldMac, "Content-Type": "application/json"], body: ByteBuffer(string: delivered))
            #expect(moved.status == .unauthorized)
            #expect(try await state(0) == .sent)
            #expect(try await app.count("hook_events") == 0)

            // Fresh: accepted.
            let now = app.now
            #expect(try await Self.smsRequest(app, delivered, at: now).status == .ok)
            #expect(try await state(0) == .delivered)

            // A "failed" report, accepted; the message is then sent again; the same report replayed changes nothing.
            let failed = "{\"reference\":\"\(rows[1].id!.uuidString.lowercased())\",\"status\":\"failed\"}"
            #expect(try await Self.smsRequest(app, failed, at: now).status == .ok)
            #expect(try await state(1) == .failed)
            try await (app.db as! any SQLDatabase).update("channel_deliveries").set("state", to: "sent").where("id", .equal, rows[1].id!).run()
            let replay = try await Self.smsRequest(app, failed, at: now)
            #expect(replay.status == .conflict)
            #expect(try replay.decode(ErrorBody.self).error == "replayed")
            #expect(try await state(1) == .sent)
            #expect(try await app.count("hook_events") == 2)

            // Housekeeping forgets events once their timestamp left the window; the timestamp check refuses them then.
            #expect(try await HookReplay.sweep(on: app.db, now: app.now.addingTimeInterval(60)) == 0)
            #expect(try await HookReplay.sweep(on: app.db, now: app.now.addingTimeInterval(HookReplay.window + 5)) == 2)
            #expect(try await app.count("hook_events") == 0)
        }
    }

    @Test("Zalo events: the signed timestamp must be within five minutes; an event is accepted once")
    func zalo() async throws {
        let api = try await LocalServer.start { server, _ in json(["error": 0, "message": "Success", "data": ["msg_id": "zmsg-\(server.received.count)"]]) }
        defer { Task { await api.stop() } }
        let config = MessagingConfig.Zalo(url: api.base + "/v2", accessToken: "oa-token", templateID: "301234", appID: "4455", secret: "zalo-secret")
        try await withTestApp({ $0.messaging.zalo = config }) { app in
            let v = try await Village.make(app, perGroup: 1, inT2: 0)
            let a = try await publish(app, announcement("Họp tổ", units: [v.tree.group11], channels: ["zalo"]))
            try await Jobs.runUntilIdle(app)
            let row = try #require(try await ChannelDelivery.query(on: app.db).filter(\.$channel == .zalo).first())
            func event(_ at: Date) -> (String, String) {
                let ts = String(Int64(at.timeIntervalSince1970 * 1000))
                let e = "{\"app_id\":\"4455\",\"event_name\":\"user_received_message\",\"timestamp\":\"\(ts)\",\"message\":{\"msg_id\":\"\(row.externalID!)\"}}"
                return (e, SHA256.hash(data: Data(("4455" + e + ts + "zalo-secret").utf8)).map { String(format: "%02x", $0) }.joined())
            }
            func send(_ e: (String, String)) async throws -> HTTPStatus {
                try await app.testing().sendRequest(.POST, "/hooks/zalo", headers: ["X-ZEvent-Signature": "mac=" + e.1, "Content-Type": "application/json"], body: ByteBuffer(string: e.0)).status
            }
            func delivered() async throws -> Int { try await app.api(.GET, "/api/v1/announcements/\(a.id)/reach").decode(ReachDTO.self).delivered }

            #expect(try await send(event(app.now.addingTimeInterval(-600))) == .badRequest)
            #expect(try await delivered() == 0)
            #expect(try await app.count("hook_events") == 0)
            let fresh = event(app.now)
            #expect(try await send(fresh) == .ok)
            #expect(try await delivered() == 1)
            #expect(try await send(fresh) == .conflict)
            #expect(try await app.count("hook_events") == 1)
        }
    }
}
