// Multi-row INSERTs through SQLKit, for imports and loaders: one statement per batch of rows instead of one
// round trip per row (see docs/benchmarks.md for why this path skips Fluent models).
import Foundation
import SQLKit

public typealias SQLValue = any Encodable & Sendable

enum Bulk {
    /// A row's ids as the text SQLite stores them (what SQLiteKit's encoder writes, through `UUID.text` instead of
    /// Foundation's formatter: Support/UUIDText.swift). PostgreSQL binds them as its `uuid` type, unchanged.
    static func idsAsText(_ row: [SQLValue]) -> [SQLValue] {
        row.map { v in (v as? UUID).map { $0.text } ?? v }
    }

    static func insert(_ sql: any SQLDatabase, into table: String, columns: [String], rows: [[SQLValue]],
                       progress: ((Int) -> Void)? = nil) async throws {
        guard !rows.isEmpty else { return }
        // SQLite allows 32,766 bound parameters in one statement, PostgreSQL 65,535.
        let per = max(1, min(1000, 30_000 / max(1, columns.count)))
        let sqlite = sql.dialect.name == "sqlite"
        var start = 0
        while start < rows.count {
            let end = min(rows.count, start + per)
            var q = sql.insert(into: table).columns(columns)
            for r in rows[start..<end] { q = q.values(sqlite ? idsAsText(r) : r) }
            try await q.run()
            start = end
            progress?(end)
        }
    }
}
