// 0037: a fifth part of the kept pages' data versions (0034, 0036; Support/SignedInPages.swift): `criteria`, moved on by
// every write to what the criteria dashboards show when counted ahead — the definitions (criteria_sets, criteria,
// criteria_set_includes), manual values (criterion_values), snapshots (criteria_snapshots: their values are written
// and deleted with them) and the figures counted ahead (criteria_dashboards). The village, commune and province
// pages are kept under this part and `units` (Criteria+Web.swift), so a new definition, manual value, snapshot or
// count shows on the next request. Same mechanism as 0034: PostgreSQL appends a row to `page_changes` per statement
// (the function 0034 made), SQLite bumps the row per row written.
import Fluent
import SQLKit

struct AddCriteriaPageVersion: AsyncMigration {
    static let tables = ["criteria_sets", "criteria", "criteria_set_includes", "criterion_values", "criteria_snapshots", "criteria_dashboards"]

    func prepare(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.raw("INSERT INTO page_versions (name, version) VALUES ('criteria', 0)").run()
        if sql.dialect.name == "postgresql" {
            for table in Self.tables {
                try await sql.raw("CREATE TRIGGER \(unsafeRaw: table)_page_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON \(unsafeRaw: table) FOR EACH STATEMENT EXECUTE FUNCTION page_changed('criteria')").run()
            }
        } else {
            let bump = "INSERT INTO page_versions (name, version) VALUES ('criteria', 1) ON CONFLICT (name) DO UPDATE SET version = version + 1;"
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
        try await sql.raw("DELETE FROM page_changes WHERE name = 'criteria'").run()
        try await sql.raw("DELETE FROM page_versions WHERE name = 'criteria'").run()
    }
}
