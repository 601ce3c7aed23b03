// `thonso bench writes [--clients 8] [--writes 50]`: starts this server on 127.0.0.1 (a free port) and runs
// `WriteLoad` (concurrent API writers) once for each way an SQLite write transaction can start, printing errors,
// throughput and latency beside each other (docs/benchmarks.md, "Concurrent writes"). On PostgreSQL it runs once.
// Run it on a scratch database: it writes units, households and residents.
import Foundation
import Vapor

struct BenchWritesCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "clients", help: "Concurrent API clients (default 8)")
        var clients: Int?
        @Option(name: "writes", help: "Writes per client (default 50)")
        var writes: Int?
    }
    var help: String { "Concurrent API writes: errors and throughput for each way SQLite write transactions start" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let clients = max(1, signature.clients ?? 8), writes = max(6, signature.writes ?? 50)
        let (_, token) = try await AccountActions.createToken(name: "bench-writes-\(UUID.random().uuidString.prefix(8))", role: .admin, unit: nil, on: app.db)
        try await app.server.start(address: .hostname("127.0.0.1", port: 0))
        defer { Task { await app.server.shutdown() } }
        guard let port = app.http.server.shared.localAddress?.port else { throw Abort(.internalServerError) }
        let base = "http://127.0.0.1:\(port)"
        let out = { (s: String) in context.console.print(s) }
        out("database: \(app.config.database.label); \(clients) clients × \(writes) writes (create/rename group, create/edit household, add/rename resident)")
        out("mode                              requests  errors  writes/s   p50 ms   p99 ms")
        var modes: [(String, Writes.SQLiteMode, Bool)] = [("one transaction path", .serial, true)]
        if case .sqlite = app.config.database {
            // sqlite-nio's spinning busy handler can only be compared when the server started with it (SQLITE_SPIN=1).
            modes = Writes.busyTimeout ? [] : [("deferred BEGIN, spinning (before)", .deferred, false), ("BEGIN IMMEDIATE, spinning", .immediate, false)]
            modes += [("deferred BEGIN + busy timeout", .deferred, true), ("BEGIN IMMEDIATE + busy timeout", .immediate, true),
                      ("one writer + busy timeout (kept)", .serial, true)]
        }
        for (i, (name, mode, timeout)) in modes.enumerated() {
            Writes.sqliteMode = mode
            if timeout && !Writes.busyTimeout {
                Writes.busyTimeout = true
                try await Writes.prepare(app)
            }
            let prefix = String(format: "%d%d", (i + 1) % 10, Int.random(in: 0...9))
            let village = try await WriteLoad.setup(base: base, token: token, prefix: prefix, client: app.client)
            let r = try await WriteLoad.run(base: base, token: token, village: village, clients: clients, writes: writes, tag: "b\(prefix)x", client: app.client)
            out(name.padding(toLength: 34, withPad: " ", startingAt: 0)
                + String(format: "%8d  %6d  %8.0f  %7.1f  %7.1f", r.requests, r.errors.count, r.throughput, r.percentile(0.5) * 1000, r.percentile(0.99) * 1000))
            for e in Set(r.errors.map { String($0.prefix(120)) }).prefix(3) { out("    \(e)") }
        }
        Writes.sqliteMode = .serial
        Writes.busyTimeout = true
        await app.server.shutdown()
    }
}
