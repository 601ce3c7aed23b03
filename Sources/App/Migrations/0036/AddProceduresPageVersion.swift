// 0036: a fourth data version for kept pages (Support/SignedInPages.swift): `procedures`, moved by any write to a
// commune's procedures or to the questions asked about them (answered, published, hidden) — what a public guide
// shows besides its commune (the `units` part). Moved the same way as 0034's parts: on PostgreSQL one appended
// `page_changes` row per writing statement, on SQLite the row moved by row triggers.
import Fluent
import SQLKit

struct AddProceduresPageVersion: AsyncMigration {
    static let tables = ["procedures", "procedure_questions"]

    func prepare(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.raw("INSERT INTO page_versions (name, version) VALUES ('procedures', 0)").run()
        if sql.dialect.name == "postgresql" {
            for table in Self.tables {
                try await sql.raw("CREATE TRIGGER \(unsafeRaw: table)_page_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON \(unsafeRaw: table) FOR EACH STATEMENT EXECUTE FUNCTION page_changed('procedures')").run()
            }
        } else {
            let bump = "INSERT INTO page_versions (name, version) VALUES ('procedures', 1) ON CONFLICT (name) DO UPDATE SET version = version + 1;"
            for table in Self.tables {
                for event in ["INSERT", "UPDATE", "DELETE"] {
                    try await sql.raw("CREATE TRIGGER \(unsafeRaw: table)_page_\(unsafeRaw: event.lowercased()) AFTER \(unsafeRaw: event) ON \(unsafeRaw: table) BEGIN \(unsafeRaw: bump) END").run()
                }
            }
        }
    }

    func revert(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        for table in Self.tables {
            if sql.dialect.name == "postgresql" {
                try await sql.raw("DROP TRIGGER IF EXISTS \(unsafeRaw: table)_page_changed ON \(unsafeRaw: table)").run()
            } else {
                for event in ["insert", "update", "delete"] { try await sql.raw("DROP TRIGGER IF EXISTS \(unsafeRaw: table)_page_\(unsafeRaw: event)").run() }
            }
        }
        try await sql.raw("DELETE FROM page_changes WHERE name = 'procedures'").run()
        try await sql.raw("DELETE FROM page_versions WHERE name = 'procedures'").run()
    }
}
