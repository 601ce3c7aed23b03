// Background work as rows in the `jobs` table, so that a crash loses nothing: a job is claimed with a lease, runs,
// and is marked done; a worker killed mid-job leaves the lease to expire and the next worker takes the job again.
// Handlers are idempotent (they keep a cursor and write with unique keys), so running a job twice is harmless.
// Claiming: PostgreSQL uses `FOR UPDATE SKIP LOCKED`, so several app instances share the queue; SQLite has a single
// writer, so the claiming UPDATE is atomic by itself.
import Fluent
import NIOConcurrencyHelpers
import SQLKit
import Vapor

public struct JobRow: Sendable {
    public var id: UUID
    public var kind: String
    public var payload: String
    public var attempts: Int
    public var generation: Int
    public var cursor: String?
}

public enum JobOutcome: Sendable {
    /// Finished; nothing more to do.
    case done
    /// Run again at that time (more work is due later), keeping the cursor.
    case later(Date)
}

public typealias JobHandler = @Sendable (JobRow, JobContext) async throws -> JobOutcome

/// What a running job may do: reach the database and the application, save its cursor and renew its lease.
public struct JobContext: Sendable {
    public let app: Application
    public let worker: String
    public var db: any Database { app.db }

    /// Saves progress; call it inside the same transaction as the work it describes.
    public func saveCursor(_ job: JobRow, _ cursor: String, on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        try await sql.update("jobs").set("cursor", to: cursor)
            .set("locked_until", to: app.now.addingTimeInterval(app.config.messaging.jobLeaseSeconds))
            .set("updated_at", to: app.now).where("id", .equal, job.id).run()
    }
}

public struct JobRegistry: Sendable {
    var handlers: [String: JobHandler] = [:]
}

struct JobRegistryKey: StorageKey { typealias Value = JobRegistry }

extension Application {
    public var jobHandlers: JobRegistry {
        get { storage[JobRegistryKey.self] ?? JobRegistry() }
        set { storage[JobRegistryKey.self] = newValue }
    }
}

public enum Jobs {
    static func sql(_ db: any Database) throws -> any SQLDatabase {
        guard let sql = db as? any SQLDatabase else { throw Abort(.internalServerError, reason: "jobs need an SQL database") }
        return sql
    }

    /// Adds a job, or re-arms the one with the same key: a job already done runs again, a job waiting or running
    /// gets a new generation, so a worker finishing it just now runs it once more instead of missing new work.
    public static func enqueue(_ kind: String, key: String, payload: String = "", at runAt: Date = AppClock.now, on db: any Database) async throws {
        let sql = try sql(db)
        let now = AppClock.now
        try await sql.raw("""
            INSERT INTO jobs (id, kind, unique_key, payload, state, run_at, attempts, generation, created_at, updated_at)
            VALUES (\(bind: UUID.random()), \(bind: kind), \(bind: key), \(bind: payload), 'queued', \(bind: runAt), 0, 0, \(bind: now), \(bind: now))
            ON CONFLICT (unique_key) DO UPDATE SET generation = jobs.generation + 1, updated_at = \(bind: now),
              run_at = CASE WHEN jobs.state = 'done' OR jobs.run_at > \(bind: runAt) THEN \(bind: runAt) ELSE jobs.run_at END,
              state = CASE WHEN jobs.state = 'done' THEN 'queued' ELSE jobs.state END
            """).run()
    }

    /// Claims one due job (or one whose lease ran out) for `worker`.
    static func claim(worker: String, lease: TimeInterval, on db: any Database) async throws -> JobRow? {
        let sql = try sql(db)
        let now = AppClock.now
        let lock: SQLQueryString = sql.dialect.name == "postgresql" ? " FOR UPDATE SKIP LOCKED" : ""
        let row = try await sql.raw("""
            UPDATE jobs SET state = 'running', locked_by = \(bind: worker), locked_until = \(bind: now.addingTimeInterval(lease)),
              attempts = attempts + 1, updated_at = \(bind: now)
            WHERE id = (SELECT id FROM jobs WHERE (state = 'queued' AND run_at <= \(bind: now))
                          OR (state = 'running' AND locked_until < \(bind: now))
                        ORDER BY run_at LIMIT 1\(lock))
            RETURNING id, kind, payload, attempts, generation, cursor
            """).first()
        guard let row else { return nil }
        return JobRow(id: try row.decode(column: "id", as: UUID.self), kind: try row.decode(column: "kind", as: String.self),
                      payload: try row.decode(column: "payload", as: String.self), attempts: try row.decode(column: "attempts", as: Int.self),
                      generation: try row.decode(column: "generation", as: Int.self), cursor: try row.decode(column: "cursor", as: String?.self))
    }

    static func finish(_ job: JobRow, _ outcome: JobOutcome, on db: any Database) async throws {
        let sql = try sql(db)
        let now = AppClock.now
        switch outcome {
        case .done:
            // Re-armed while it ran (a newer generation): run it again now rather than miss that work.
            try await sql.raw("""
                UPDATE jobs SET state = CASE WHEN generation = \(bind: job.generation) THEN 'done' ELSE 'queued' END,
                  attempts = 0, locked_by = NULL, locked_until = NULL, last_error = NULL, updated_at = \(bind: now)
                WHERE id = \(bind: job.id)
                """).run()
        case .later(let at):
            try await sql.raw("""
                UPDATE jobs SET state = 'queued', run_at = CASE WHEN generation = \(bind: job.generation) THEN \(bind: at) ELSE \(bind: now) END,
                  attempts = 0, locked_by = NULL, locked_until = NULL, updated_at = \(bind: now)
                WHERE id = \(bind: job.id)
                """).run()
        }
    }

    /// Back-off after a failure: 10 s, 40 s, 160 s … at most an hour; after `maxAttempts` the job is failed.
    static func fail(_ job: JobRow, error: String, maxAttempts: Int, on db: any Database) async throws {
        let sql = try sql(db)
        let now = AppClock.now
        let giveUp = job.attempts >= maxAttempts
        let delay = min(3600, 10 * pow(4, Double(max(0, job.attempts - 1))))
        try await sql.raw("""
            UPDATE jobs SET state = \(bind: giveUp ? "failed" : "queued"), run_at = \(bind: now.addingTimeInterval(delay)),
              locked_by = NULL, locked_until = NULL, last_error = \(bind: String(error.prefix(500))), updated_at = \(bind: now)
            WHERE id = \(bind: job.id)
            """).run()
    }

    /// What one turn of a worker did.
    enum Turn: Sendable {
        /// No job was due (or the worker was stopped).
        case idle
        /// A job ran and was finished, failed or rescheduled for later.
        case ran
        /// A job ran one step and handed itself back due now (a fan-out between batches).
        case handedBack
    }

    /// Runs one due job, if any; answers whether one ran. The job reads the app's clock (`AppClock.now` included).
    public static func runOne(_ app: Application, worker: String) async throws -> Bool {
        try await turn(app, worker: worker) != .idle
    }

    static func turn(_ app: Application, worker: String) async throws -> Turn {
        try await app.withClock { try await runOneOnClock(app, worker: worker) }
    }

    static func runOneOnClock(_ app: Application, worker: String) async throws -> Turn {
        let lease = app.config.messaging.jobLeaseSeconds
        guard let job = try await claim(worker: worker, lease: lease, on: app.db) else { return .idle }
        app.logger.debug("job claimed: \(job.kind) \(job.payload) by \(worker)")
        guard let handler = app.jobHandlers.handlers[job.kind] else {
            try await fail(job, error: "no handler for \(job.kind)", maxAttempts: 1, on: app.db)
            return .ran
        }
        do {
            let outcome = try await handler(job, JobContext(app: app, worker: worker))
            try await finish(job, outcome, on: app.db)
            if case .later(let at) = outcome, at <= app.now { return .handedBack }
        } catch where Task.isCancelled {
            // Stopped (SIGTERM): not a failure. Everything committed so far stays, with its cursor; the job is handed
            // back at once, so the next worker to start goes on from there without waiting for the lease or a back-off.
            try await finish(job, .later(app.now), on: app.db)
            return .idle
        } catch {
            app.logger.warning("job \(job.kind) \(job.id) failed: \(String(reflecting: error))")
            try await fail(job, error: String(describing: error), maxAttempts: 8, on: app.db)
        }
        return .ran
    }

    /// Runs jobs until none is due (tests and `thonso jobs run --until-idle`).
    @discardableResult
    public static func runUntilIdle(_ app: Application, worker: String = "inline", limit: Int = 10_000) async throws -> Int {
        var n = 0
        while n < limit, try await runOne(app, worker: worker) { n += 1 }
        return n
    }

    public static func counts(on db: any Database) async throws -> [String: Int] {
        let rows = try await sql(db).raw("SELECT state, COUNT(*) AS n FROM jobs GROUP BY state").all()
        var out: [String: Int] = [:]
        for r in rows { out[try r.decode(column: "state", as: String.self)] = try r.decode(column: "n", as: Int.self) }
        return out
    }
}

/// The worker loop inside `serve` (and `thonso jobs run`): polls for due jobs; on shutdown it lets the running job
/// finish its current step and stops.
public final class JobWorker: LifecycleHandler, @unchecked Sendable {
    private let lock = NIOLock()
    private var task: Task<Void, Never>?
    /// `w-<pid>-<random>`: which process claimed a job (`jobs.locked_by`) is visible when several instances share one queue.
    /// How long a worker waits after handing a job back before it claims again: at most the poll interval, and short
    /// enough that a single instance's 50-batch fan-out takes about 2.5 s longer, not 50 polls.
    static let handoffSeconds = 0.05
    let name = "w-\(ProcessInfo.processInfo.processIdentifier)-" + UUID.random().uuidString.prefix(8).lowercased()

    public init() {}

    /// Inside `serve` only (the default command), not in one-off commands such as `migrate` or `demo`.
    public func didBootAsync(_ app: Application) async throws {
        let command = app.environment.arguments.dropFirst().first { !$0.hasPrefix("-") }
        if command == nil || command == "serve" { start(app) }
    }

    public func start(_ app: Application) {
        let poll = app.config.messaging.jobPollSeconds
        let name = self.name
        lock.withLock {
            task = Task {
                while !Task.isCancelled {
                    app.workerHeartbeat?.beat()  // readiness (`/readyz`): the loop goes round
                    do {
                        switch try await Jobs.turn(app, worker: name) {
                        case .ran: continue
                        case .handedBack:
                            // Let another instance's worker take the next step of a long job (each polls every
                            // JOB_POLL_SECONDS): a short pause here, so one worker does not keep a fan-out to itself.
                            try? await Task.sleep(nanoseconds: UInt64(min(poll, Self.handoffSeconds) * 1_000_000_000))
                            continue
                        case .idle: break
                        }
                    } catch {
                        app.logger.warning("job worker: \(String(reflecting: error))")
                    }
                    try? await Task.sleep(nanoseconds: UInt64(poll * 1_000_000_000))
                }
            }
        }
    }

    public func shutdownAsync(_ app: Application) async {
        let t = lock.withLock { task }
        t?.cancel()
        await t?.value
    }
}

/// `thonso jobs run [--until-idle]`: a worker in the foreground (beside or instead of the one inside `serve`);
/// `thonso jobs status`: how many jobs are in each state.
struct JobsCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "action", help: "run | status")
        var action: String
        @Flag(name: "until-idle", help: "stop when no job is due")
        var untilIdle: Bool
    }
    var help: String { "Background jobs: run a worker, or show the queue" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        switch signature.action {
        case "status":
            for (state, n) in try await Jobs.counts(on: app.db).sorted(by: { $0.key < $1.key }) { context.console.print("\(state): \(n)") }
        case "run":
            let worker = JobWorker()
            if signature.untilIdle {
                let n = try await Jobs.runUntilIdle(app, worker: worker.name, limit: .max)
                context.console.print("ran \(n) jobs")
            } else {
                // Runs until SIGTERM or SIGINT, which stop it as gracefully as `serve`: the running job commits its
                // current step and is handed back; the process then exits 0.
                let stop = StopSignal()
                worker.start(app)
                await stop.wait()
                app.logger.notice("jobs run: stopping")
                await worker.shutdownAsync(app)
                context.console.print("stopped")
            }
        default:
            context.console.error("jobs: run | status")
            throw ExitCode(2)
        }
    }
}

/// Waits for SIGTERM or SIGINT (instead of their default of ending the process at once).
final class StopSignal: @unchecked Sendable {
    private let lock = NIOLock()
    private var continuation: CheckedContinuation<Void, Never>?
    private var fired = false
    private var sources: [any DispatchSourceSignal] = []

    init() {
        for sig in [SIGTERM, SIGINT] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [weak self] in self?.fire() }
            source.resume()
            sources.append(source)
        }
    }

    private func fire() {
        let c: CheckedContinuation<Void, Never>? = lock.withLock {
            if fired { return nil }
            fired = true
            defer { continuation = nil }
            return continuation
        }
        c?.resume()
    }

    func wait() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now: Bool = lock.withLock {
                if fired { return true }
                continuation = c
                return false
            }
            if now { c.resume() }
        }
    }
}
