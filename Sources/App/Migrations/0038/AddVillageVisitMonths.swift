// 0038: `visit_months` gains, per village, rows for the whole village (group `VisitMonths.wholeVillage`, team none):
// each person's visits per month in the village, what the outreach overview of a village or a commune reads instead of
// adding up every group, team and person's rows (Overview+Summary.swift, `VisitMonths`). Counted here from the visits,
// as every row is; kept by the statements that keep the others. Reverting leaves only the per-place rows.
import Fluent
import SQLKit

struct AddVillageVisitMonths: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await VisitMonths.recount(villages: nil, on: database)
    }

    func revert(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.raw("DELETE FROM visit_months WHERE group_id = \(bind: VisitMonths.wholeVillage)").run()
    }
}
