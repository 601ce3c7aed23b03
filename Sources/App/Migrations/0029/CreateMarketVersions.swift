// 0029: the data version the traceability pages are kept by (Features/Market/Market+TraceCache.swift,
// `TracePageCache`). The database itself moves it on, in the writer's transaction, on every insert, update or delete
// of what a batch's public page shows: `batches` (every column but `scans`, which the page splices in at serve
// time), `batch_steps`, `products`, `product_certifications`, `producers`, and a unit's `name`. No code path can
// forget it — imports, raw SQL and other app instances sharing the database included. Like the assets' map
// (migrations 0020 and 0024): on SQLite one row moved on by row triggers (its writers take turns anyway); on
// PostgreSQL a row appended to `market_changes` per writing statement (no shared row for writers to wait on, so no
// deadlock between them), the version being `market_versions`' sum plus the count of `market_changes`, which the
// hourly housekeeping compacts (`TraceVersion.compact`). Readers only compare it for equality.
import Fluent
import SQLKit
import Vapor

struct CreateMarketVersions: AsyncMigration {
    /// The tables (and, for an update, the columns) whose writes change a traceability page.
    static let watched: [(table: String, updateOf: [String]?)] = [
        ("batches", ["product_id", "code", "quantity", "produced_on", "best_before", "notes", "recalled_at", "recall_reason", "created_by", "created_at", "updated_at"]),
        ("batch_steps", nil), ("products", nil), ("product_certifications", nil), ("producers", nil), ("admin_units", ["name"]),
    ]

    func prepare(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.raw("CREATE TABLE market_versions (id INTEGER PRIMARY KEY, version BIGINT NOT NULL)").run()
        if sql.dialect.name == "postgresql" {
            try await sql.raw("CREATE TABLE market_changes (id BIGSERIAL PRIMARY KEY)").run()
            try await sql.raw("""
                CREATE FUNCTION market_changed() RETURNS trigger AS $$
                BEGIN
                  INSERT INTO market_changes DEFAULT VALUES;
                  RETURN NULL;
                END; $$ LANGUAGE plpgsql
                """).run()
            for (table, columns) in Self.watched {
                let update = columns.map { "UPDATE OF " + $0.joined(separator: ", ") } ?? "UPDATE"
                // A unit's insert or delete does not change a page (a producer refers to its units): its name does.
                let events = table == "admin_units" ? update : "INSERT OR \(update) OR DELETE OR TRUNCATE"
                try await sql.raw("CREATE TRIGGER \(unsafeRaw: table)_market_changed AFTER \(unsafeRaw: events) ON \(unsafeRaw: table) FOR EACH STATEMENT EXECUTE FUNCTION market_changed()").run()
            }
        } else {
            // The same tables on both sides (`thonso copy`); SQLite's change log stays empty.
            try await sql.raw("CREATE TABLE market_changes (id INTEGER PRIMARY KEY)").run()
            let bump = "INSERT OR IGNORE INTO market_versions (id, version) VALUES (0, 0); UPDATE market_versions SET version = version + 1 WHERE id = 0;"
            for (table, columns) in Self.watched {
                for event in ["INSERT", "UPDATE", "DELETE"] {
                    let on = event == "UPDATE" ? columns.map { "UPDATE OF " + $0.joined(separator: ", ") } ?? "UPDATE" : event
                    // A unit's insert or delete does not change a page (a producer refers to its units).
                    if table == "admin_units" && event != "UPDATE" { continue }
                    try await sql.raw("CREATE TRIGGER \(unsafeRaw: table)_market_\(unsafeRaw: event.lowercased()) AFTER \(unsafeRaw: on) ON \(unsafeRaw: table) BEGIN \(unsafeRaw: bump) END").run()
                }
            }
        }
    }

    func revert(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        if sql.dialect.name == "postgresql" {
            for (table, _) in Self.watched { try await sql.raw("DROP TRIGGER IF EXISTS \(unsafeRaw: table)_market_changed ON \(unsafeRaw: table)").run() }
            try await sql.raw("DROP FUNCTION IF EXISTS market_changed()").run()
        } else {
            for (table, _) in Self.watched {
                for event in ["insert", "update", "delete"] { try await sql.raw("DROP TRIGGER IF EXISTS \(unsafeRaw: table)_market_\(unsafeRaw: event)").run() }
            }
        }
        try await sql.raw("DROP TABLE IF EXISTS market_changes").run()
        try await sql.raw("DROP TABLE market_versions").run()
    }
}
