// The traceability page kept per code (`/b/{code}`, what a buyer's phone opens from the QR code): the page is built
// once per batch, language and day, kept with the data version it was built at, and served from memory while the
// version holds; the count of scans, the one part that changes with every view, is spliced in at serve time.
//
// The version is moved on by the database itself, in the writer's transaction, by every write of what the page shows
// (migration 0029's triggers: the batch but its `scans`, its steps, its product and certifications, its producer, a
// unit's name). A scan asks one small query — the batch's id and stored scans by its code, and the version — and
// renders only on a miss. The version is read before the page's rows, so a page kept under a version was built from
// data at least that new, and any later write moves the version on: the next scan builds it again. That holds for
// writes from any code path, raw SQL and other app instances sharing the database included: nothing in the
// application has to remember to invalidate it. Bounded by bytes (least recently used first out).
import Fluent
import NIOCore
import SQLKit
import Vapor

/// The traceability pages' data version (migration 0029) and the one query a scan makes.
enum TraceVersion {
    /// SQLite: the row the triggers move on. PostgreSQL: that row (which only the compaction writes) plus the count of
    /// `market_changes` (one row appended per writing statement), in the same statement as the batch, so one snapshot.
    static func expression(_ sql: any SQLDatabase) -> SQLQueryString {
        sql.dialect.name == "postgresql"
            ? "CAST((SELECT COALESCE(SUM(version), 0) FROM market_versions) + (SELECT COUNT(*) FROM market_changes) AS BIGINT)"
            : "CAST((SELECT COALESCE(SUM(version), 0) FROM market_versions) AS BIGINT)"
    }

    struct Hit: Sendable { var id: UUID; var scans: Int; var version: Int64 }

    /// The batch of `code` (its id and stored scans) and the version, in one query; nil when there is no such batch.
    static func lookup(_ code: String, on db: any Database) async throws -> Hit? {
        guard let sql = db as? any SQLDatabase else { return nil }
        guard let r = try await sql.raw("SELECT b.id, b.scans, \(expression(sql)) AS v FROM batches b WHERE b.code = \(bind: code)").first() else { return nil }
        return Hit(id: try r.decode(column: "id", as: UUID.self), scans: try r.decode(column: "scans", as: Int.self), version: try r.decode(column: "v", as: Int64.self))
    }

    /// The version alone (tests, and the log of the compaction).
    static func current(on db: any Database) async throws -> Int64 {
        guard let sql = db as? any SQLDatabase else { return 0 }
        return try await sql.raw("SELECT \(expression(sql)) AS v").first()?.decode(column: "v", as: Int64.self) ?? 0
    }

    /// PostgreSQL: moves the appended changes into the version row in one statement (the version unchanged), so that
    /// counting them stays cheap; rows appended by writers that commit meanwhile stay for the next time. The hourly
    /// housekeeping runs it; SQLite has nothing to compact. Answers the rows moved.
    static func compact(on db: any Database) async throws -> Int {
        guard let sql = db as? any SQLDatabase, sql.dialect.name == "postgresql" else { return 0 }
        let row = try await sql.raw("""
            WITH gone AS (DELETE FROM market_changes RETURNING 1), n AS (SELECT COUNT(*) AS c FROM gone),
                 moved AS (INSERT INTO market_versions (id, version) VALUES (0, (SELECT c FROM n))
                           ON CONFLICT (id) DO UPDATE SET version = market_versions.version + EXCLUDED.version RETURNING 1)
            SELECT CAST((SELECT c FROM n) AS BIGINT) AS c, (SELECT COUNT(*) FROM moved) AS m
            """).first()
        return Int(try row?.decode(column: "c", as: Int64.self) ?? 0)
    }
}

/// Rendered traceability pages by code, language and day, each with the version it was built at; the bytes before and
/// after the scan count. Kept in a `KeptStore` (Support/KeptStore.swift).
final class TracePageCache: Sendable {
    struct Entry: Sendable { var version: Int64; var head: [UInt8]; var tail: [UInt8] }
    static let defaultBytes = 4 * 1_048_576

    private let pages: KeptStore<String, Entry>

    init(maxBytes: Int = TracePageCache.defaultBytes) {
        pages = KeptStore(budget: maxBytes, largest: maxBytes / 4) { key, e in e.head.count + e.tail.count + key.utf8.count }
    }

    /// Off: every scan builds its page (`thonso bench market` times both ways in one run).
    var bypass: Bool {
        get { pages.bypass }
        set { pages.bypass = newValue }
    }

    /// The page kept for `key` if it was built at `version`.
    func get(_ key: String, version: Int64) -> Entry? { pages.value(key) { $0.version == version } }

    /// Pages served from memory and pages built, since start (tests, and what the benchmark reports).
    var counts: (hits: Int, misses: Int) { pages.counts }

    func put(_ key: String, _ entry: Entry) { pages.keep(key, entry) }
}

struct TracePageCacheKey: StorageKey { typealias Value = TracePageCache }

extension Application {
    var tracePages: TracePageCache {
        if let c = storage[TracePageCacheKey.self] { return c }
        let c = TracePageCache()
        storage[TracePageCacheKey.self] = c
        return c
    }
}
