// 0036: a fourth data version for kept pages (Support/SignedInPages.swift): `procedures`, moved by any write to a
// commune's procedures or to the questions asked about them (answered, published, hidden) — what a public guide
// shows besides its commune (the `units` part). Moved the same way as 0034's parts: on PostgreSQL one appended
// `page_changes` row per writing statement, on SQLite the row moved by row triggers (`PagePartTriggers`, shared with
// 0037).
import Fluent
import SQLKit

struct AddProceduresPageVersion: AsyncMigration {
    static let tables = ["procedures", "procedure_questions"]

    func prepare(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        try await PagePartTriggers.add("procedures", tables: Self.tables, on: sql)
    }

    func revert(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        try await PagePartTriggers.remove("procedures", tables: Self.tables, on: sql)
    }
}

/// A part of `page_versions` added after 0034, moved by every write to `tables` in the writer's own statement: its
/// row, then PostgreSQL statement triggers appending to `page_changes` (0034's `page_changed()`), or SQLite row
/// triggers bumping the row (insert, update, delete).
enum PagePartTriggers {
    static func add(_ part: String, tables: [String], on sql: any SQLDatabase) async throws {
        try await sql.raw("INSERT INTO page_versions (name, version) VALUES (\(bind: part), 0)").run()
        if sql.dialect.name == "postgresql" {
            for table in tables {
                try await sql.raw("CREATE TRIGGER \(unsafeRaw: table)_page_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON \(unsafeRaw: table) FOR EACH STATEMENT EXECUTE FUNCTION page_changed('\(unsafeRaw: part)')").run()
            }
        } else {
            let bump = "INSERT INTO page_versions (name, version) VALUES ('\(part)', 1) ON CONFLICT (name) DO UPDATE SET version = version + 1;"
            for table in tables {
                for event in ["INSERT", "UPDATE", "DELETE"] {
                    try await sql.raw("CREATE TRIGGER \(unsafeRaw: table)_page_\(unsafeRaw: event.lowercased()) AFTER \(unsafeRaw: event) ON \(unsafeRaw: table) BEGIN \(unsafeRaw: bump) END").run()
                }
            }
        }
    }

    static func remove(_ part: String, tables: [String], on sql: any SQLDatabase) async throws {
        for table in tables {
            if sql.dialect.name == "postgresql" {
                try await sql.raw("DROP TRIGGER IF EXISTS \(unsafeRaw: table)_page_changed ON \(unsafeRaw: table)").run()
            } else {
                for event in ["insert", "update", "delete"] { try await sql.raw("DROP TRIGGER IF EXISTS \(unsafeRaw: table)_page_\(unsafeRaw: event)").run() }
            }
        }
        try await sql.raw("DELETE FROM page_changes WHERE name = \(bind: part)").run()
        try await sql.raw("DELETE FROM page_versions WHERE name = \(bind: part)").run()
    }
}
