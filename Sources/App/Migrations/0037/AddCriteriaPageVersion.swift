// 0037: a fifth part of the kept pages' data versions (0034, 0036; Support/SignedInPages.swift): `criteria`, moved on by
// every write to what the criteria dashboards show when counted ahead — the definitions (criteria_sets, criteria,
// criteria_set_includes), manual values (criterion_values), snapshots (criteria_snapshots: their values are written
// and deleted with them) and the figures counted ahead (criteria_dashboards). The village, commune and province
// pages are kept under this part and `units` (Criteria+Web.swift), so a new definition, manual value, snapshot or
// count shows on the next request. Same mechanism as 0034: PostgreSQL appends a row to `page_changes` per statement
// (the function 0034 made), SQLite bumps the row per row written (`PagePartTriggers`, 0036).
import Fluent
import SQLKit

struct AddCriteriaPageVersion: AsyncMigration {
    static let tables = ["criteria_sets", "criteria", "criteria_set_includes", "criterion_values", "criteria_snapshots", "criteria_dashboards"]

    func prepare(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        try await PagePartTriggers.add("criteria", tables: Self.tables, on: sql)
    }

    func revert(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        try await PagePartTriggers.remove("criteria", tables: Self.tables, on: sql)
    }
}
