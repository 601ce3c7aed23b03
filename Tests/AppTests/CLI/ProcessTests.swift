import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
@testable import App

/// Real `thonso` processes on the test's database: two writers at once, a kill in the middle of an import, and a
/// graceful stop in the middle of a fan-out.
@Suite("Real processes: two writers, a killed import, a graceful stop", .serialized)
struct ProcessTests {
    /// A child whose output goes to a file (read back to look for errors).
    static func child(_ args: [String], env: [String: String], log: URL) throws -> Process {
        let p = Process()
        p.executableURL = try #require(CommandTests.binary)
        p.arguments = args
        var environment = ProcessInfo.processInfo.environment
        for (k, v) in env { environment[k] = v }
        p.environment = environment
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        p.standardOutput = handle
        p.standardError = handle
        try p.run()
        return p
    }

    static func env(_ app: Application, _ extra: [String: String] = [:]) -> [String: String] {
        var env = ["LOG_LEVEL": "warning", "AUTO_MIGRATE": "0", "JOB_POLL_SECONDS": "0.05"]
        switch app.config.database {
        case .sqlite(let path): env["DATABASE_PATH"] = path
        case .postgres(let url): env["DATABASE_URL"] = url; env["DATABASE_SCHEMA"] = app.config.postgresSchema
        }
        for (k, v) in extra { env[k] = v }
        return env
    }

    static func households(_ app: Application, _ t: Tree, _ n: Int) async throws {
        let sql = app.db as! any SQLDatabase
        var rows: [[SQLValue]] = []
        for i in 0..<n {
            rows.append([UUID(), String(format: "P-%05d", i), t.commune.id, i % 2 == 0 ? t.village1.id : t.village2.id, UUID?.none,
                         "Số \(i)", String(format: "09970%05d", i), "p \(i)", app.now, app.now])
        }
        try await Bulk.insert(sql, into: "households", columns: ["id", "code", "commune_id", "village_id", "group_id", "address", "phone", "search_key", "created_at", "updated_at"], rows: rows)
        app.testClock.advance(by: 0.01)   // a notice published next comes after them
    }

    static func until(_ seconds: Double = 90, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if (try? await condition()) == true { return true }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        return false
    }

    /// Stops a child and waits for it without holding a thread of the cooperative pool (Support/Subprocess.swift).
    static func stop(_ p: Process, _ sig: Int32 = SIGTERM) async {
        if p.isRunning { Foundation.kill(p.processIdentifier, sig) }
        await Subprocess.wait(p)
    }

    /// For `defer` (which cannot wait asynchronously): only ever reached with the child already stopped, or on a failure.
    static func stopNow(_ p: Process) {
        if p.isRunning { Foundation.kill(p.processIdentifier, SIGTERM) }
        p.waitUntilExit()
    }

    static func text(_ url: URL) -> String { (try? String(contentsOf: url, encoding: .utf8)) ?? "" }

    static func tmp(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("thonso-\(name)-\(UUID().uuidString.prefix(8)).log")
    }

    @Test("serve and `thonso jobs run` write to one database at once: no busy error on either side", .enabled(if: CommandTests.binary != nil))
    func twoWriters() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            try await Self.households(app, t, 3000)
            let a = try await publish(app, announcement("Hai tiến trình cùng ghi", units: [t.commune]))
            let port = Int.random(in: 20_000...40_000)
            let (serveLog, jobsLog) = (Self.tmp("serve"), Self.tmp("jobs"))
            defer { try? FileManager.default.removeItem(at: serveLog); try? FileManager.default.removeItem(at: jobsLog) }
            let serve = try Self.child(["serve", "--hostname", "127.0.0.1", "--port", String(port)], env: Self.env(app, ["JOB_WORKERS": "0"]), log: serveLog)
            defer { Self.stopNow(serve) }
            let base = "http://127.0.0.1:\(port)"
            #expect(try await Self.until { try await app.client.get(URI(string: base + "/healthz")).status == .ok }, "serve did not start: \(Self.text(serveLog))")
            // The worker fans the notice out in many small transactions while the server takes API writes.
            let jobs = try Self.child(["jobs", "run"], env: Self.env(app, ["FANOUT_BATCH": "25"]), log: jobsLog)
            defer { Self.stopNow(jobs) }
            let village = try await WriteLoad.setup(base: base, token: app.testAuth.token, prefix: "07", client: app.client)
            let r = try await WriteLoad.run(base: base, token: app.testAuth.token, village: village, clients: 4, writes: 36, client: app.client)
            #expect(r.errors.isEmpty, "\(r.errors.count) errors, e.g. \(r.errors.prefix(3))")
            #expect(try await Self.until { try await Delivery.query(on: app.db).filter(\.$announcementID == a.id).count() == 3000 })
            await Self.stop(jobs)
            await Self.stop(serve)
            #expect(jobs.terminationStatus == 0, "jobs run: \(Self.text(jobsLog))")
            let logs = (Self.text(serveLog) + Self.text(jobsLog)).lowercased()
            #expect(!logs.contains("locked") && !logs.contains("busy") && !logs.contains("failed"), "\(logs.prefix(2000))")
            let sql = app.db as! any SQLDatabase
            let failed = try await sql.raw("SELECT COUNT(*) AS n FROM jobs WHERE last_error IS NOT NULL OR state = 'failed'").first()!.decode(column: "n", as: Int.self)
            #expect(failed == 0)
        }
    }

    @Test("SIGKILL halfway through `thonso import` leaves the database as before; the same import then runs to the end", .enabled(if: CommandTests.binary != nil))
    func killedImport() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            let sql = app.db as! any SQLDatabase
            _ = try await app.api(.POST, "/api/v1/households", json: householdInput("CU-1", village: t.village1))
            let before = (try await app.count("households"), try await app.count("residents"), try await app.count("audit_events"))
            let n = 12_000
            var csv = "household_code,village_code,group_code,address,household_phone,full_name,gender,birth_year,relation,phone,representative\n"
            for i in 0..<n {
                let (v, g) = i % 3 == 0 ? ("T2", "") : ("T1", i % 2 == 0 ? "T1-01" : "T1-02")
                for (k, rel) in ["head", "spouse", "child", "child"].enumerated() {
                    csv += "I-\(i),\(v),\(g),\"Số \(i), ngõ 3\",,Người \(i) \(k),\(k == 1 ? "female" : "male"),\(1950 + k * 15),\(rel),,\(k == 0 ? "yes" : "")\n"
                }
            }
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("thonso-import-\(UUID().uuidString.prefix(8)).csv")
            try csv.write(to: file, atomically: true, encoding: .utf8)
            let log = Self.tmp("import")
            defer { try? FileManager.default.removeItem(at: file); try? FileManager.default.removeItem(at: log) }
            // Halfway: the import's transaction is writing rows (SQLite: its pages spill into the write-ahead log;
            // PostgreSQL: its INSERT is running).
            let writing: () async throws -> Bool
            switch app.config.database {
            case .sqlite(let path):
                try await sql.raw("PRAGMA wal_checkpoint(TRUNCATE)").run()
                writing = {
                    let size = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
                    return size > 4_000_000
                }
            case .postgres:
                writing = {
                    try await sql.raw("""
                        SELECT COUNT(*) AS n FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND query ILIKE 'INSERT INTO%residents%'
                        AND state = 'active'
                        """).first()!.decode(column: "n", as: Int.self) > 0
                }
            }
            let p = try Self.child(["import", "households", file.path, "--commune", "00001"], env: Self.env(app), log: log)
            let caught = try await Self.until(120) { try await writing() }
            #expect(caught && p.isRunning, "the import was not caught writing: \(Self.text(log).suffix(500))")
            await Self.stop(p, SIGKILL)
            #expect(p.terminationReason == .uncaughtSignal)
            if case .postgres = app.config.database {
                // The killed client's server process ends its statement and rolls back when it finds the socket closed.
                #expect(try await Self.until(30) { !(try await writing()) }, "the killed import's statement is still running")
            }
            let after = (try await app.count("households"), try await app.count("residents"), try await app.count("audit_events"))
            #expect(after == before)
            if case .sqlite = app.config.database {
                let check = try await sql.raw("PRAGMA integrity_check").first()!.decode(column: "integrity_check", as: String.self)
                #expect(check == "ok")
            }
            // The database is usable: the same import, run again, completes.
            let again = try Self.child(["import", "households", file.path, "--commune", "00001"], env: Self.env(app), log: log)
            await Subprocess.wait(again)
            #expect(again.terminationStatus == 0, "\(Self.text(log).suffix(1000))")
            #expect(try await app.count("households") == before.0 + n)
            #expect(try await app.count("residents") == before.1 + 4 * n)
        }
    }

    @Test("SIGTERM during a fan-out (serve, then `jobs run`) stops cleanly, loses nothing, and the next start finishes it", .enabled(if: CommandTests.binary != nil))
    func gracefulStop() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            let n = 1500
            try await Self.households(app, t, n)
            let a = try await publish(app, announcement("Dừng nhẹ nhàng", units: [t.commune]))
            let sql = app.db as! any SQLDatabase
            let log = Self.tmp("term")
            defer { try? FileManager.default.removeItem(at: log) }
            let slow = ["FANOUT_BATCH": "20", "FANOUT_PAUSE_MS": "20", "JOB_LEASE_SECONDS": "600"]
            func deliveries() async throws -> Int { try await Delivery.query(on: app.db).filter(\.$announcementID == a.id).count() }

            // 1. `serve` with its worker, stopped with SIGTERM in the middle.
            let port = Int.random(in: 20_000...40_000)
            let serve = try Self.child(["serve", "--hostname", "127.0.0.1", "--port", String(port)], env: Self.env(app, slow.merging(["JOB_WORKERS": "1"]) { $1 }), log: log)
            #expect(try await Self.until { try await deliveries() >= 200 }, "\(Self.text(log))")
            await Self.stop(serve)
            #expect(serve.terminationReason == .exit && serve.terminationStatus == 0, "\(serve.terminationReason.rawValue) \(serve.terminationStatus): \(Self.text(log).suffix(1000))")
            let first = try await deliveries()
            #expect(first > 0 && first < n, "deliveries at the stop: \(first)")
            // Handed back at once (not left running under its 10-minute lease), and not counted as a failure.
            let job = try await sql.raw("SELECT state, attempts, last_error FROM jobs WHERE kind = 'fanout'").first()!
            #expect(try job.decode(column: "state", as: String.self) == "queued")
            #expect(try job.decode(column: "last_error", as: String?.self) == nil)

            // 2. `jobs run` goes on from there, and is stopped the same way.
            let worker = try Self.child(["jobs", "run"], env: Self.env(app, slow), log: log)
            #expect(try await Self.until { try await deliveries() >= first + 200 })
            await Self.stop(worker)
            #expect(worker.terminationReason == .exit && worker.terminationStatus == 0, "\(Self.text(log).suffix(1000))")
            let second = try await deliveries()
            #expect(second > first && second < n, "deliveries at the second stop: \(second)")

            // 3. The next start finishes it: one delivery per household, none doubled.
            let last = try Self.child(["jobs", "run", "--until-idle"], env: Self.env(app), log: log)
            await Subprocess.wait(last)
            #expect(last.terminationStatus == 0)
            #expect(try await deliveries() == n)
            let distinct = try await sql.raw("SELECT COUNT(DISTINCT household_id) AS n FROM deliveries WHERE announcement_id = \(bind: a.id)").first()!.decode(column: "n", as: Int.self)
            #expect(distinct == n)
            let reach = try await app.api(.GET, "/api/v1/announcements/\(a.id)/reach").decode(ReachDTO.self)
            #expect(reach.households == n && !reach.inProgress)
        }
    }
}
