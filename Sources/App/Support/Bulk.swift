// Multi-row INSERTs through SQLKit, for imports and loaders: one statement per batch of rows instead of one
// round trip per row (see docs/benchmarks.md for why this path skips Fluent models).
import SQLKit

public typealias SQLValue = any Encodable & Sendable

enum Bulk {
    static func insert(_ sql: any SQLDatabase, into table: String, columns: [String], rows: [[SQLValue]],
                       progress: ((Int) -> Void)? = nil) async throws {
        guard !rows.isEmpty else { return }
        // SQLite allows 32,766 bound parameters in one statement, PostgreSQL 65,535.
        let per = max(1, min(1000, 30_000 / max(1, columns.count)))
        var start = 0
        while start < rows.count {
            let end = min(rows.count, start + per)
            var q = sql.insert(into: table).columns(columns)
            for r in rows[start..<end] { q = q.values(r) }
            try await q.run()
            start = end
            progress?(end)
        }
    }
}
