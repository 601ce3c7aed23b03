import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting
@testable import App

/// Web Push endpoints are URLs a browser hands over and the server posts to: only public https hosts are taken.
@Suite("Web Push endpoints: no request forgery towards the server's own network")
struct PushSecurityTests {
    func subscribe(_ app: Application, _ b: Browser, _ endpoint: String) async throws -> TestingHTTPResponse {
        let keys = PushSubscriberKeys()
        return try await app.testing().sendRequest(.POST, "/api/v1/my/push-subscriptions", headers: b.headers(["Content-Type": "application/json"])) { req in
            try req.content.encode(PushSubscriptionInput(endpoint: endpoint, keys: .init(p256dh: keys.p256dh, auth: keys.auth)), as: .json)
        }
    }

    @Test("http, loopback, private, link-local, unique-local and names resolving to 127.0.0.1 are refused (422, field endpoint)")
    func refused() async throws {
        try await withTestApp { app in
            let v = try await Village.make(app, perGroup: 1, inT2: 0)
            let b = try await householdBrowser(app, v.households[0].household.id)
            for endpoint in ["http://fcm.googleapis.com/fcm/send/abc", "https://127.0.0.1/push", "https://10.0.0.5/push", "https://192.168.1.10/push",
                             "https://169.254.169.254/latest/meta-data", "https://[fc00::1]/push", "https://[::1]/push", "https://localhost/push",
                             "https://localhost:8080/push", "https://2130706433/push", "https://[::ffff:127.0.0.1]/push", "https://user:pw@8.8.8.8/push"] {
                let res = try await subscribe(app, b, endpoint)
                #expect(res.status == .unprocessableEntity, "\(endpoint): \(res.status)")
                #expect(try res.decode(ErrorBody.self).fields?.map(\.field) == ["endpoint"], "\(endpoint)")
            }
            let named = try await subscribe(app, b, "https://localhost/push")
            #expect(try named.decode(ErrorBody.self).fields?.first?.message.contains("máy chủ công khai") == true)
            #expect(try await app.count("push_subscriptions") == 0)
            // A public address is taken.
            #expect(try await subscribe(app, b, "https://8.8.8.8/push/one").status == .created)
            #expect(try await app.count("push_subscriptions") == 1)
        }
    }

    @Test("a household keeps at most PUSH_PER_HOUSEHOLD browsers; another household's endpoint stays theirs")
    func capAndTakeover() async throws {
        try await withTestApp({ $0.messaging.pushPerHousehold = 2 }) { app in
            let v = try await Village.make(app, perGroup: 2, inT2: 0)
            let first = v.households[0].household.id, second = v.households[1].household.id
            let b1 = try await householdBrowser(app, first), b2 = try await householdBrowser(app, second)
            #expect(try await subscribe(app, b1, "https://8.8.8.8/push/a").status == .created)
            #expect(try await subscribe(app, b1, "https://8.8.4.4/push/b").status == .created)
            // The same browser again is an update, not a third.
            #expect(try await subscribe(app, b1, "https://8.8.8.8/push/a").status == .created)
            let third = try await subscribe(app, b1, "https://1.1.1.1/push/c")
            #expect(third.status == .tooManyRequests)
            #expect(try await PushSubscription.query(on: app.db).filter(\.$householdID == first).count() == 2)

            let takeover = try await subscribe(app, b2, "https://8.8.8.8/push/a")
            #expect(takeover.status == .conflict)
            #expect(try takeover.decode(ErrorBody.self).fields?.map(\.field) == ["endpoint"])
            let row = try #require(await PushSubscription.query(on: app.db).filter(\.$endpoint == "https://8.8.8.8/push/a").first())
            #expect(row.householdID == first)
            #expect(try await PushSubscription.query(on: app.db).filter(\.$householdID == second).count() == 0)
        }
    }

    @Test("at send time a stored endpoint whose host resolves to a private address is not contacted; the delivery fails for good")
    func sendTimeCheck() async throws {
        let service = try await LocalServer.start { _, _ in Response(status: .created) }
        defer { Task { await service.stop() } }
        try await withTestApp { app in
            let v = try await Village.make(app, perGroup: 1, inT2: 0)
            let h = v.households[0].household.id
            // Stored when the name still pointed elsewhere; `localhost` now resolves to 127.0.0.1.
            let keys = PushSubscriberKeys()
            let s = PushSubscription()
            s.householdID = h
            s.endpoint = "https://localhost:\(service.port)/push/abc"
            s.p256dh = keys.p256dh
            s.auth = keys.auth
            s.failures = 0
            try await s.create(on: app.db)
            _ = try await publish(app, announcement("Bão số 3", units: [v.tree.group11], category: "urgent", channels: ["push"]))
            try await Jobs.runUntilIdle(app)
            #expect(service.received.isEmpty)
            let row = try #require(await ChannelDelivery.query(on: app.db).filter(\.$channel == .push).first())
            #expect(row.state == .failed, "\(row.state) \(row.lastError ?? "")")
            #expect(row.lastError?.contains("not a public") == true, "\(row.lastError ?? "")")
            #expect(try await PushSubscription.find(s.id, on: app.db)?.failures == 1)
        }
    }

    @Test("a push service's redirect is not followed (it could point the server inward)")
    func noRedirects() async throws {
        let service = try await LocalServer.start { server, r in
            if r.path == "/push/abc" {
                let res = Response(status: .temporaryRedirect)
                res.headers.replaceOrAdd(name: .location, value: "http://127.0.0.1:\(server.port)/inner")
                return res
            }
            return Response(status: .created)
        }
        defer { Task { await service.stop() } }
        try await withTestApp({ $0.messaging.pushAllowPrivateHosts = true }) { app in
            let v = try await Village.make(app, perGroup: 1, inT2: 0)
            let b = try await householdBrowser(app, v.households[0].household.id)
            #expect(try await subscribe(app, b, service.base + "/push/abc").status == .created)
            _ = try await publish(app, announcement("Bão số 3", units: [v.tree.group11], category: "urgent", channels: ["push"]))
            try await Jobs.runUntilIdle(app)
            #expect(service.received.map(\.path) == ["/push/abc"])
            let row = try #require(await ChannelDelivery.query(on: app.db).filter(\.$channel == .push).first())
            #expect(row.state == .failed && row.lastError?.contains("307") == true, "\(row.state) \(row.lastError ?? "")")
        }
    }

    @Test("address ranges: public and not public")
    func ranges() {
        for a in ["8.8.8.8", "1.1.1.1", "142.250.72.10", "2607:f8b0:4005:80a::200a"] { #expect(PushEndpoint.isPublic(AddressRange.parse(a)!), "\(a)") }
        for a in ["127.0.0.1", "10.9.8.7", "172.16.0.1", "172.31.255.255", "192.168.0.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "255.255.255.255",
                  "::1", "::", "fc00::1", "fd12:3456::1", "fe80::1", "ff02::1", "64:ff9b::a00:1"] {
            #expect(!PushEndpoint.isPublic(AddressRange.parse(a)!), "\(a)")
        }
    }
}
