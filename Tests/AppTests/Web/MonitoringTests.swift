// Monitoring: `/metrics` (who may read it, route labels that are patterns and never paths, jobs and deliveries read
// from the database, the pool) and `/readyz` (database, migrations, the worker's loop). Through HTTP.
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting
@testable import App

@Suite("Monitoring: /metrics and /readyz")
struct MonitoringTests {
    static let token = "metrics-token-0123456789abcdef"

    /// The value of one sample line, e.g. `thonso_jobs{state="queued"}`; nil when absent.
    static func value(_ text: String, _ sample: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(sample + " ") {
            return Double(line.dropFirst(sample.count + 1))
        }
        return nil
    }

    static func scrape(_ app: Application) async throws -> String {
        let res = try await app.testing().sendRequest(.GET, "/metrics", headers: ["Authorization": "Bearer \(token)"])
        #expect(res.status == .ok)
        #expect(res.headers.contentType?.description.hasPrefix("text/plain") == true)
        return res.text
    }

    @Test("/metrics: 404 to an unknown address and to a wrong token (not 401), served to METRICS_TOKEN; requests counted by route pattern, never by path, so no id and no card secret is a label; /metrics itself not counted")
    func labelsAndToken() async throws {
        try await withTestApp({ $0.metricsToken = Self.token }) { app in
            // The in-memory client has no address in METRICS_ALLOW.
            #expect(try await app.anonymousPage("/metrics").status == .notFound)
            let wrong = try await app.testing().sendRequest(.GET, "/metrics", headers: ["Authorization": "Bearer metrics-token-wrong-000000"])
            #expect(wrong.status == .notFound)
            // An API token is not the metrics token either.
            #expect(try await app.api(.GET, "/metrics").status == .notFound)

            let f = try await ProcFixture.make(app)
            for _ in 0..<3 { #expect(try await app.api(.GET, "/api/v1/units/\(f.tree.village1.id)").status == .ok) }
            // A household signs in with its card: the link's secret is in the path.
            let h = try await app.api(.POST, "/api/v1/households", json: householdInput("MT-1", village: f.tree.village1)).decode(HouseholdDetailDTO.self)
            let card = try await app.form("/households/\(h.household.id)/card", [:])
            let link = try #require(card.text.range(of: "/card/ts_").map { r in String(card.text[r.lowerBound...].prefix { $0 != "<" && $0 != "\"" }) })
            #expect(try await app.cardSignIn(link).status == .seeOther)
            let secret = String(link.dropFirst("/card/".count))
            #expect(try await app.anonymousPage("/khong-co-trang-nay-\(UUID().uuidString)").status == .notFound)
            #expect(try await app.anonymousPage("/livez").status == .ok)

            let text = try await Self.scrape(app)
            let unitRoute = #"thonso_http_requests_total{method="GET",route="/api/v1/units/:id",status="200"}"#
            #expect(Self.value(text, unitRoute) == 3, "\(text.prefix(3000))")
            #expect(text.contains(#"route="/card/:token""#))
            #expect(Self.value(text, #"thonso_http_requests_total{method="other",route="unmatched",status="404"}"#) == 1)
            #expect(text.contains(#"thonso_http_request_duration_seconds_bucket{method="GET",route="/livez",le="0.005"}"#))
            #expect(Self.value(text, #"thonso_http_request_duration_seconds_count{method="GET",route="/api/v1/units/:id"}"#) == 3)
            // No id, no card secret, no made-up path, and not /metrics itself.
            #expect(!text.contains(f.tree.village1.id.uuidString.lowercased()) && !text.contains(f.tree.village1.id.uuidString))
            #expect(secret.count > 10 && !text.contains(secret) && !text.contains("khong-co-trang"))
            #expect(!text.contains(#"route="/metrics""#))
            // Counting goes on: three more requests, three more in the next scrape.
            for _ in 0..<3 { _ = try await app.api(.GET, "/api/v1/units/\(f.tree.village1.id)") }
            #expect(Self.value(try await Self.scrape(app), unitRoute) == 6)
        }
    }

    @Test("/metrics by address: 127.0.0.1 on a real socket is in the default METRICS_ALLOW; an X-Forwarded-For is believed only from TRUSTED_PROXIES")
    func byAddress() async throws {
        try await withTestApp { app in
            let live = try app.testing(method: .running(hostname: "127.0.0.1", port: 0))
            let res = try await live.sendRequest(.GET, "/metrics")
            #expect(res.status == .ok && res.body.string.contains("thonso_jobs{state=\"queued\"}"))
        }
        try await withTestApp({ $0.metricsAllow = [AddressRange("10.0.0.0/8")!] }) { app in
            let live = try app.testing(method: .running(hostname: "127.0.0.1", port: 0))
            #expect(try await live.sendRequest(.GET, "/metrics").status == .notFound)
            // Not from a trusted proxy: the header is the client's word, not believed.
            #expect(try await live.sendRequest(.GET, "/metrics", headers: ["X-Forwarded-For": "10.1.2.3"]).status == .notFound)
        }
        try await withTestApp({ $0.metricsAllow = [AddressRange("10.0.0.0/8")!]; $0.trustedProxies = [AddressRange("127.0.0.1")!] }) { app in
            let live = try app.testing(method: .running(hostname: "127.0.0.1", port: 0))
            #expect(try await live.sendRequest(.GET, "/metrics", headers: ["X-Forwarded-For": "10.1.2.3"]).status == .ok)
            #expect(try await live.sendRequest(.GET, "/metrics", headers: ["X-Forwarded-For": "192.0.2.7"]).status == .notFound)
        }
    }

    @Test("jobs by state with the age of the oldest due one, SMS deliveries by state, and the pool, read from the database at scrape time; a scrape writes no row")
    func databaseFigures() async throws {
        let gateway = try await LocalServer.start { _, _ in json(["id": "sms-1"]) }
        do { try await figures(gateway) } catch { await gateway.stop(); throw error }
        await gateway.stop()
    }

    func figures(_ gateway: LocalServer) async throws {
        try await withTestApp({
            $0.metricsToken = Self.token
            $0.messaging.sms = .init(url: gateway.base + "/send", user: "thonso", password: "bi-mat", sender: "UBND XA", template: "{title}")
        }) { app in
            let v = try await Village.make(app, perGroup: 3, inT2: 0)
            var text = try await Self.scrape(app)
            #expect(Self.value(text, #"thonso_jobs{state="queued"}"#) == 0)
            #expect(Self.value(text, #"thonso_deliveries{channel="sms",state="sent"}"#) == 0)

            _ = try await publish(app, announcement("Cắt điện", units: [v.tree.group11], channels: ["sms"]))
            // The fan-out job waits; make it an hour late, as a stuck worker would leave it.
            app.testClock.advance(by: 3600)
            text = try await Self.scrape(app)
            let queued = try #require(Self.value(text, #"thonso_jobs{state="queued"}"#))
            #expect(queued >= 1)
            #expect((Self.value(text, #"thonso_jobs_oldest_age_seconds{state="queued"}"#) ?? 0) >= 3600)

            try await Jobs.runUntilIdle(app)
            let tables = ["jobs", "deliveries", "channel_deliveries", "sessions", "rate_counters", "audit_events"]
            var before: [Int] = []
            for t in tables { before.append(try await app.count(t)) }
            text = try await Self.scrape(app)
            #expect(Self.value(text, #"thonso_jobs{state="queued"}"#) == 0)
            #expect((Self.value(text, #"thonso_jobs{state="done"}"#) ?? 0) >= 1)
            #expect(Self.value(text, #"thonso_jobs_oldest_age_seconds{state="queued"}"#) == 0)
            #expect(Self.value(text, #"thonso_deliveries{channel="sms",state="sent"}"#) == 3, "\(text)")
            #expect(Self.value(text, #"thonso_deliveries{channel="push",state="sent"}"#) == 0)
            // The pool, from this process's connection pools.
            #expect((Self.value(text, "thonso_db_pool_max_connections") ?? 0) >= 1)
            #expect(Self.value(text, #"thonso_db_pool_connections{state="in_use"}"#) != nil)
            #expect(Self.value(text, #"thonso_db_pool_connections{state="idle"}"#) != nil)
            #expect(Self.value(text, "thonso_db_pool_waiting") != nil)
            _ = try await app.anonymousPage("/readyz")
            var after: [Int] = []
            for t in tables { after.append(try await app.count(t)) }
            #expect(after == before)
        }
    }

    struct Ready: Decodable { var status: String; var migrations: Int; var pending: [String]?; var worker: String; var reason: String? }

    struct LateMigration: AsyncMigration {
        var name: String { "MonitoringTests.LateMigration" }
        func prepare(on database: any Database) async throws {}
        func revert(on database: any Database) async throws {}
    }

    @Test("/readyz: 200 when the database answers and every migration ran; 503 naming a pending migration; with a worker, 503 until its loop runs and when it stalls")
    func readiness() async throws {
        try await withTestApp { app in
            var res = try await app.anonymousPage("/readyz")
            #expect(res.status == .ok)
            var body = try res.decode(Ready.self)
            let migrated = try await app.count("_fluent_migrations")
            #expect(body.status == "ok" && body.worker == "none" && body.migrations == migrated)

            app.migrations.add(LateMigration())
            res = try await app.anonymousPage("/readyz")
            #expect(res.status == .serviceUnavailable)
            body = try res.decode(Ready.self)
            #expect(body.reason == "migrations pending" && body.pending == ["MonitoringTests.LateMigration"])
            try await app.autoMigrate()
            #expect(try await app.anonymousPage("/readyz").status == .ok)

            // This process runs a worker: not ready until its loop has gone round.
            let heartbeat = try #require(app.workerHeartbeat)
            heartbeat.expect()
            res = try await app.anonymousPage("/readyz")
            #expect(res.status == .serviceUnavailable)
            #expect(try res.decode(Ready.self).reason == "job worker not started")
            let worker = JobWorker()
            worker.start(app)
            var ready = false
            for _ in 0..<200 where !ready {
                res = try await app.anonymousPage("/readyz")
                ready = res.status == .ok
                if !ready { try await Task.sleep(nanoseconds: 20_000_000) }
            }
            #expect(ready)
            #expect(try res.decode(Ready.self).worker == "running")
            await worker.shutdownAsync(app)
            // A loop that has not gone round for longer than a lease: stalled.
            heartbeat.beat(Date().addingTimeInterval(-(Readiness.stallSeconds(app.config) + 5)))
            res = try await app.anonymousPage("/readyz")
            #expect(res.status == .serviceUnavailable)
            #expect(try res.decode(Ready.self).reason == "job worker stalled")
        }
    }
}
