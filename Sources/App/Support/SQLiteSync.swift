// SQLite's `PRAGMA synchronous` on every pooled connection (it is a setting of the connection, not of the file).
// In WAL mode (configure.swift) `NORMAL` syncs the log at checkpoints instead of at every commit: a commit costs no
// fsync, and a committed transaction survives the process being killed; a power loss or an operating-system crash
// may lose the last commits before a checkpoint (the file stays consistent). `FULL` syncs at every commit.
// SQLITE_SYNCHRONOUS chooses; the figures that chose NORMAL are in docs/benchmarks.md, the trade-off in
// docs/operations.md. The page cache's size (`SQLITE_CACHE_MB`) and where temporary b-trees live are set here too, for the
// same reason.
import Fluent
import SQLKit
import Vapor

enum SQLiteSync {
    static func apply(_ app: Application) async throws {
        guard case .sqlite = app.config.database else { return }
        let mode = app.config.sqliteSynchronousFull ? "FULL" : "NORMAL"
        for loop in app.eventLoopGroup.makeIterator() {
            guard let db = app.databases.database(logger: app.logger, on: loop), let sql = db as? any SQLDatabase else { continue }
            try await sql.raw("PRAGMA synchronous = \(unsafeRaw: mode)").run()
            // Negative: a size in KiB rather than in pages.
            try await sql.raw("PRAGMA cache_size = \(unsafeRaw: String(-1024 * app.config.sqliteCacheMB))").run()
            // The temporary b-trees of a GROUP BY, DISTINCT or ORDER BY without an index kept in memory: by default
            // SQLite writes them to a temporary file, opened and written per statement (the outreach overview's visits
            // per person and month spent more time in the kernel doing that than sorting: docs/benchmarks.md).
            try await sql.raw("PRAGMA temp_store = MEMORY").run()
        }
    }
}
