// Rate limits kept in the database (`rate_counters`), so every app instance counts against the same budget: one row
// per key and fixed window, incremented atomically by one statement (no lost updates under parallel requests).
// Keys name what is counted, e.g. "signin:addr:203.0.113.9", "signin:user:quantri", "ask:phone:0999…".
// Old windows are deleted by the hourly housekeeping job.
import Fluent
import SQLKit
import Vapor

public enum RateLimit {
    public static let minute = 60, hour = 3600, day = 86_400

    static func sql(_ db: any Database) throws -> any SQLDatabase {
        guard let sql = db as? any SQLDatabase else { throw Abort(.internalServerError, reason: "rate limits need an SQL database") }
        return sql
    }

    static func windowStart(_ window: Int, now: Date) -> Int64 {
        let t = Int64(now.timeIntervalSince1970)
        return t - t % Int64(window)
    }

    /// Counts one hit of `key` in the current window of `window` seconds; answers the hits counted there, this one included.
    @discardableResult
    public static func hit(_ key: String, window: Int, on db: any Database, now: Date = AppClock.now) async throws -> Int {
        let start = windowStart(window, now: now)
        let k = String(key.prefix(200))
        let row = try await sql(db).raw("""
            INSERT INTO rate_counters (key, window_start, hits) VALUES (\(bind: k), \(bind: start), 1)
            ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_counters.hits + 1
            RETURNING hits
            """).first()
        return try row?.decode(column: "hits", as: Int.self) ?? 1
    }

    /// Counts a hit and answers whether it is within `limit` for the window.
    public static func allow(_ key: String, limit: Int, window: Int, on db: any Database, now: Date = AppClock.now) async throws -> Bool {
        try await hit(key, window: window, on: db, now: now) <= limit
    }

    /// The hits counted so far in the current window, without counting one.
    public static func count(_ key: String, window: Int, on db: any Database, now: Date = AppClock.now) async throws -> Int {
        let row = try await sql(db).raw("""
            SELECT hits FROM rate_counters WHERE key = \(bind: String(key.prefix(200))) AND window_start = \(bind: windowStart(window, now: now))
            """).first()
        return try row?.decode(column: "hits", as: Int.self) ?? 0
    }

    /// Forgets a key's current window (a successful sign-in clears its account's failures).
    public static func reset(_ key: String, window: Int, on db: any Database, now: Date = AppClock.now) async throws {
        try await sql(db).raw("""
            DELETE FROM rate_counters WHERE key = \(bind: String(key.prefix(200))) AND window_start = \(bind: windowStart(window, now: now))
            """).run()
    }

    /// Deletes windows that ended more than two days ago (no limit uses a window longer than a day).
    @discardableResult
    public static func sweep(on db: any Database, now: Date = AppClock.now) async throws -> Int {
        let before = Int64(now.timeIntervalSince1970) - 2 * Int64(day)
        let row = try await sql(db).raw("SELECT COUNT(*) AS n FROM rate_counters WHERE window_start < \(bind: before)").first()
        try await sql(db).raw("DELETE FROM rate_counters WHERE window_start < \(bind: before)").run()
        return try row?.decode(column: "n", as: Int.self) ?? 0
    }
}

/// A refusal because a limit was reached: 429 with a message in the user's language (pages and API alike).
public struct TooManyRequests: Error, Sendable {
    /// A translation key (Support/L10n.swift), e.g. "error.tooMany".
    public var key: String
    public var retryAfter: Int?
    public init(_ key: String = "error.tooMany", retryAfter: Int? = nil) {
        self.key = key
        self.retryAfter = retryAfter
    }
}
