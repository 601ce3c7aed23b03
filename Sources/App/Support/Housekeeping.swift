// The hourly housekeeping job: deletes what has outlived its purpose (ended sessions, old rate-limit windows, and
// what features add to `tasks`, listed in housekeepingTasks.swift). It re-arms itself, so one row in `jobs` runs it
// for every instance.
import Fluent
import Vapor

public enum Housekeeping {
    public static let kind = "housekeeping"
    public typealias Task = @Sendable (Application) async throws -> String

    /// Runs every task once (the job, and tests).
    @discardableResult
    public static func run(_ app: Application) async throws -> [String] {
        var lines: [String] = []
        for (name, task) in tasks() {
            let line = try await task(app)
            lines.append("\(name): \(line)")
        }
        return lines
    }

    static func register(_ app: Application) {
        app.jobHandlers.handlers[kind] = { _, ctx in
            for line in try await run(ctx.app) { ctx.app.logger.info("housekeeping: \(line)") }
            return .later(ctx.app.now.addingTimeInterval(3600))
        }
        // Freed memory goes back to the system once load subsides (Support/MemoryTrim.swift).
        if app.environment != .testing { app.lifecycle.use(MemoryTrim.Watcher(pageOut: app.config.idlePageOut)) }
    }

    /// Makes sure the job exists (at start); it keeps its own schedule afterwards.
    static func schedule(on db: any Database) async throws {
        try await Jobs.enqueue(kind, key: kind, at: AppClock.now.addingTimeInterval(60), on: db)
    }
}
