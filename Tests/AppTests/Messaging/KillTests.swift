import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
@testable import App

/// A real `thonso jobs run` child process is killed with SIGKILL in the middle of a fan-out and again in the middle
/// of sending; restarted, it ends with exactly one delivery per household and one SMS row per household, every one
/// sent, and the gateway sees each row's idempotency key (a row sent twice is recognised by its key).
@Suite("Jobs survive a worker killed with SIGKILL", .serialized)
struct KillTests {
    static let households = 600

    /// A `thonso` child process on the test's clock: it reads the time `app.testClock` shows now.
    static func child(_ args: [String], env: [String: String], clock: TestClock) throws -> Process {
        let p = Process()
        p.executableURL = try #require(CommandTests.binary)
        p.arguments = args
        var environment = ProcessInfo.processInfo.environment
        for (k, v) in env { environment[k] = v }
        environment["CLOCK_OFFSET_SECONDS"] = String(clock.offsetFromSystem)
        p.environment = environment
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    /// Polls until `condition` holds (or 60 s pass), then kills the child.
    static func kill(_ p: Process, when condition: () async throws -> Bool) async throws {
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, p.isRunning {
            if (try? await condition()) == true { break }
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        #expect(p.isRunning, "the worker finished before it could be killed")
        Foundation.kill(p.processIdentifier, SIGKILL)
        await Subprocess.wait(p)
        #expect(p.terminationReason == .uncaughtSignal)
    }

    @Test("killed mid fan-out and mid sending, restarted: none lost, none doubled", .enabled(if: CommandTests.binary != nil))
    func killAndRestart() async throws {
        let gateway = try await LocalServer.start { _, _ in
            try await Task.sleep(nanoseconds: 3_000_000)
            return json(["id": UUID().uuidString])
        }
        defer { Task { await gateway.stop() } }
        try await withTestApp { app in
            let t = try await Tree.make(app)
            let sql = app.db as! any SQLDatabase
            var rows: [[SQLValue]] = []
            let commune = t.commune.id
            for i in 0..<Self.households {
                let (village, group) = i % 3 == 2 ? (t.village2.id, UUID?.none) : (t.village1.id, Optional(i % 2 == 0 ? t.group11.id : t.group12.id))
                rows.append([UUID(), String(format: "K-%04d", i), commune, village, group, "Số \(i)", String(format: "09980%05d", i), "k \(i)", app.now, app.now])
            }
            try await Bulk.insert(sql, into: "households", columns: ["id", "code", "commune_id", "village_id", "group_id", "address", "phone", "search_key", "created_at", "updated_at"], rows: rows)
            app.testClock.advance(by: 0.01)   // the announcement published next comes after them
            let a = try await publish(app, announcement("Thử tắt đột ngột", units: [t.commune], channels: ["sms"]))

            var env = ["SMS_URL": gateway.base + "/send", "SMS_USER": "u", "SMS_PASSWORD": "p", "JOB_LEASE_SECONDS": "1",
                       "JOB_POLL_SECONDS": "0.05", "FANOUT_BATCH": "20", "FANOUT_PAUSE_MS": "15", "LOG_LEVEL": "error"]
            switch app.config.database {
            case .sqlite(let path): env["DATABASE_PATH"] = path
            case .postgres(let url): env["DATABASE_URL"] = url; env["DATABASE_SCHEMA"] = app.config.postgresSchema
            }

            // 1. Killed in the middle of the fan-out.
            let first = try Self.child(["jobs", "run"], env: env, clock: app.testClock)
            try await Self.kill(first) { try await app.count("deliveries") >= 100 }
            let afterFirst = try await app.count("deliveries")
            #expect(afterFirst > 0 && afterFirst < Self.households, "deliveries when killed: \(afterFirst)")

            // 2. Restarted once the lease ran out (1 s: the clock moves 2 s); killed in the middle of sending.
            app.testClock.advance(by: 2)
            let second = try Self.child(["jobs", "run"], env: env, clock: app.testClock)
            try await Self.kill(second) { gateway.received.count >= 100 }
            let sentWhenKilled = try await sql.raw("SELECT COUNT(*) AS n FROM channel_deliveries WHERE state = 'sent'").first()!.decode(column: "n", as: Int.self)
            #expect(sentWhenKilled < Self.households, "sent when killed: \(sentWhenKilled)")

            // 3. Restarted to the end, once the leases ran out.
            app.testClock.advance(by: 2)
            // A message that failed under load waits for its back-off: the clock moves past it (at most three times).
            for round in 0..<4 {
                let last = try Self.child(["jobs", "run", "--until-idle"], env: env, clock: app.testClock)
                await Subprocess.wait(last)
                #expect(last.terminationStatus == 0)
                let waiting = try await ChannelDelivery.query(on: app.db).filter(\.$state == .queued).count()
                if waiting == 0 || round == 3 { break }
                app.testClock.advance(by: 86_400)   // a day later, at the same hour: every back-off is over
            }

            #expect(try await app.count("deliveries") == Self.households)
            let distinct = try await sql.raw("SELECT COUNT(DISTINCT household_id) AS n FROM deliveries WHERE announcement_id = \(bind: a.id)").first()!.decode(column: "n", as: Int.self)
            #expect(distinct == Self.households)
            let channel = try await ChannelDelivery.query(on: app.db).filter(\.$channel == .sms).all()
            #expect(channel.count == Self.households)
            #expect(channel.allSatisfy { $0.state == .sent }, "\(Set(channel.map { "\($0.state) \($0.lastError ?? "")" }))")
            let keys = gateway.received.compactMap { $0.headers.first(name: "Idempotency-Key") }
            #expect(Set(keys) == Set(channel.map { $0.id!.uuidString.lowercased() }))
            // Only the rows in flight at the kill (8 at a time) and rows retried after an error went out again, each under
            // its same key.
            let retries = channel.map { max(0, $0.attempts - 1) }.reduce(0, +)
            #expect(keys.count - Set(keys).count <= 8 + retries, "\(keys.count - Set(keys).count) repeats, \(retries) retries")
            let reach = try await app.api(.GET, "/api/v1/announcements/\(a.id)/reach").decode(ReachDTO.self)
            #expect(reach.households == Self.households && !reach.inProgress)
        }
    }
}
