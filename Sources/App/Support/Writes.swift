// The one way a write transaction runs, on either database (docs/benchmarks.md, "Concurrent writes").
//
// SQLite has one writer at a time. sqlite-nio opens every connection with a busy handler that retries at once and
// forever, but SQLite never calls a busy handler when a transaction that has already read tries to become a writer
// (that could deadlock) — it answers SQLITE_BUSY ("database is locked") at once, and in WAL mode a reader whose
// snapshot is stale gets SQLITE_BUSY_SNAPSHOT. Fluent's `transaction` starts with a deferred `BEGIN`, and every action
// reads before it writes, so two concurrent writers failed. Here a write transaction takes the write lock at its start
// (`BEGIN IMMEDIATE`), where waiting is safe. Within one process, write transactions on one database take turns
// first (a FIFO async gate, which holds no connection and no thread while it waits): SQLite's busy wait sleeps in a
// thread of the shared pool and with growing pauses, so two connections of one process racing for the lock starved
// one of them for seconds. Against other processes (`thonso jobs run`, `thonso import`), each pooled connection waits
// for the lock with SQLite's sleeping busy timeout (set at start, `Writes.prepare`) instead of sqlite-nio's spinning
// handler; a lock still not had after that is tried again a few times before the request answers 503.
//
// PostgreSQL runs at READ COMMITTED: no serialization failures, but two writers can deadlock on rows they lock in
// opposite orders; the loser (40P01, and 40001 should a transaction run SERIALIZABLE) is run again from its start.
// A closure must therefore build its writes from its inputs (every action does), so that running it twice is safe.
import Fluent
import NIOConcurrencyHelpers
import FluentPostgresDriver
import FluentSQLiteDriver
import SQLKit
import Vapor

public enum Writes {
    /// How SQLite write transactions start; only the benchmark (`thonso bench writes`) changes it, to compare.
    public enum SQLiteMode: String, Sendable, CaseIterable {
        /// Fluent's deferred `BEGIN` (what the app did before): fails under concurrent writers.
        case deferred
        /// `BEGIN IMMEDIATE`: the write lock is taken, or waited for, before the first read.
        case immediate
        /// `BEGIN IMMEDIATE` behind one in-process FIFO gate per database: one writer connection at a time (kept).
        case serial
    }
    nonisolated(unsafe) public static var sqliteMode: SQLiteMode = .serial
    /// Whether `prepare` sets the sleeping busy timeout; `SQLITE_SPIN=1` keeps sqlite-nio's spinning handler, only so
    /// that `thonso bench writes` can compare the two (the timeout cannot give the spinning handler back).
    nonisolated(unsafe) public static var busyTimeout = ProcessInfo.processInfo.environment["SQLITE_SPIN"] != "1"
    /// Milliseconds a connection sleeps for the write lock before SQLite answers busy (`PRAGMA busy_timeout`).
    public static let busyTimeoutMS = 5_000
    /// Attempts after the first, for SQLite busy errors and PostgreSQL deadlocks / serialization failures.
    static let retries = 10

    /// Nanoseconds to wait before attempt `attempt` (1…): random within an exponentially growing window (5 ms, 10 ms,
    /// 20 ms … capped at 640 ms), so that transactions which collided do not collide again at once, and a loaded
    /// machine's slow transactions get room (about 2.5 s at most over all retries).
    static func backoff(_ attempt: Int) -> UInt64 {
        let window = 5_000_000 << min(max(attempt, 1) - 1, 7)
        return UInt64(Int.random(in: 1_000_000...window))
    }

    private static let gatesLock = NIOLock()
    nonisolated(unsafe) private static var gates: [String: WriteGate] = [:]

    /// The gate of the database `db` belongs to (its configuration names the file), so that tests on separate files
    /// in one process do not wait for each other.
    static func gate(_ db: any Database) -> WriteGate {
        let key = Mirror(reflecting: db.context.configuration).children.first { $0.label == "configuration" }
            .map { String(describing: $0.value) } ?? ""
        return gatesLock.withLock {
            if let g = gates[key] { return g }
            let g = WriteGate()
            gates[key] = g
            return g
        }
    }

    /// Sets the sleeping busy timeout on every pooled SQLite connection (one per event loop), replacing sqlite-nio's
    /// spinning busy handler, so that autocommit writes (sessions, counters, jobs) wait without burning a core too.
    public static func prepare(_ app: Application) async throws {
        guard case .sqlite = app.config.database, busyTimeout else { return }
        for loop in app.eventLoopGroup.makeIterator() {
            guard let db = app.databases.database(logger: app.logger, on: loop), let sql = db as? any SQLDatabase else { continue }
            try await sql.raw("PRAGMA busy_timeout = \(unsafeRaw: String(busyTimeoutMS))").run()
        }
    }

    /// Whether `error` says another writer was in the way (and running the transaction again may succeed).
    public static func isContention(_ error: any Error) -> Bool {
        if let e = error as? PSQLError, let state = e.serverInfo?[.sqlState] {
            return state == "40001" || state == "40P01"
        }
        if let e = error as? SQLiteError {
            switch e.reason {
            case .busy, .locked, .busyInRecovery, .busyInSnapshot, .busyTimeout: return true
            default: return false
            }
        }
        return false
    }

    static func isSQLite(_ db: any Database) -> Bool {
        (db as? any SQLDatabase)?.dialect.name == "sqlite"
    }

    /// Inside a write transaction: holds `table`'s row `id` until the transaction ends, so that checks made after it
    /// (one leader per team, no member twice, a balance that stays above zero) cannot interleave with another
    /// writer's. PostgreSQL takes a row lock (`SELECT … FOR UPDATE`); SQLite's write transactions already run one at a
    /// time (`BEGIN IMMEDIATE`), so there is nothing more to take.
    public static func lockRow(_ table: String, _ id: UUID, on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase, sql.dialect.name == "postgresql" else { return }
        _ = try await sql.raw("SELECT id FROM \(ident: table) WHERE id = \(bind: id) FOR UPDATE").all()
    }
}

extension Database {
    /// A write transaction that survives concurrent writers on both databases (see the top of this file).
    /// Inside a transaction already, it simply runs `closure` in it.
    public func writeTransaction<T: Sendable>(_ closure: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        if inTransaction { return try await closure(self) }
        let sqlite = Writes.isSQLite(self)
        var attempt = 0
        while true {
            do {
                if sqlite {
                    switch Writes.sqliteMode {
                    case .deferred: return try await transaction(closure)
                    case .immediate: return try await immediateTransaction(closure)
                    case .serial: return try await Writes.gate(self).run { try await self.immediateTransaction(closure) }
                    }
                }
                return try await transaction(closure)
            } catch {
                guard Writes.isContention(error) else { throw error }
                attempt += 1
                if attempt > Writes.retries {
                    logger.warning("write transaction gave up after \(attempt) attempts: \(String(describing: error))")
                    throw Abort(.serviceUnavailable, headers: ["Retry-After": "1"])
                }
                logger.debug("write transaction retried (\(attempt)): \(String(describing: error))")
                try await Task.sleep(nanoseconds: Writes.backoff(attempt))
            }
        }
    }

    /// Fluent's transaction, turned into `BEGIN IMMEDIATE` before anything else runs in it: its deferred `BEGIN` has
    /// touched nothing yet, so it is ended and begun again as a writer (Fluent's own COMMIT/ROLLBACK then end it).
    private func immediateTransaction<T: Sendable>(_ closure: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        try await transaction { db in
            let sql = db as! any SQLDatabase
            try await sql.raw("COMMIT").run()
            try await sql.raw("BEGIN IMMEDIATE").run()
            return try await closure(db)
        }
    }
}

/// One writer at a time within this process (the `serial` mode): first come, first served.
actor WriteGate {
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        if busy { await withCheckedContinuation { waiting.append($0) } } else { busy = true }
        defer {
            if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
        }
        return try await body()
    }
}
