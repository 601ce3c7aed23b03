// A campaign's sums per kind, kept ahead of time in `ledger_sums` (migration 0025): the sum of the amounts, the
// standing entries and the rows, moved by a trigger on every inserted entry, in the writer's transaction. The
// public ledger and every campaign's totals read these two rows instead of adding up all entries. `check` recounts
// them from the entries (the hourly housekeeping): kept and recounted are read in one statement, so in one
// snapshot, and agree under concurrent writers; a campaign whose sums disagree is logged and counted again.
import Fluent
import SQLKit
import Vapor

public enum LedgerSums {
    static let schema = "ledger_sums"

    /// The recount, per campaign and kind, in `ledger_sums`' column order (append `WHERE …` and `GROUP BY`).
    static let recountSelect = """
        SELECT campaign_id, kind, CAST(COALESCE(SUM(amount_dong), 0) AS BIGINT) AS total_dong,
               CAST(SUM(CASE WHEN reverses_id IS NULL THEN 1 ELSE -1 END) AS BIGINT) AS standing, CAST(COUNT(*) AS BIGINT) AS row_count
        FROM ledger_entries
        """

    /// The campaigns whose kept sums differ from their entries' (or that have entries and no sums, or sums and none).
    static func wrong(on db: any Database) async throws -> [UUID] {
        let sql = db as! any SQLDatabase
        let rows = try await sql.raw("""
            SELECT r.campaign_id AS a, s.campaign_id AS b FROM (\(unsafeRaw: recountSelect) GROUP BY campaign_id, kind) r
            LEFT JOIN ledger_sums s ON s.campaign_id = r.campaign_id AND s.kind = r.kind
            WHERE s.campaign_id IS NULL OR s.total_dong <> r.total_dong OR s.standing <> r.standing OR s.row_count <> r.row_count
            UNION ALL
            SELECT s.campaign_id AS a, s.campaign_id AS b FROM ledger_sums s
            WHERE NOT EXISTS (SELECT 1 FROM ledger_entries e WHERE e.campaign_id = s.campaign_id AND e.kind = s.kind) AND s.row_count <> 0
            """).all()
        return Array(Set(try rows.map { try $0.decode(column: "a", as: UUID.self) }))
    }

    /// Recounts every campaign's sums from its entries; those that were wrong are logged and written again (after
    /// locking the campaign's row, as the entries' writers do). Answers how many campaigns were wrong.
    static func check(on db: any Database, logger: Logger? = nil) async throws -> Int {
        let wrong = try await wrong(on: db)
        for campaign in wrong {
            (logger ?? Logger(label: "thonso.ledger")).error("ledger_sums of campaign \(campaign) disagreed with its entries; counted again")
            try await db.writeTransaction { db in
                try await LedgerActions.lock(campaign, on: db)
                let sql = db as! any SQLDatabase
                // `edits` (migration 0032) only grows, so that the campaign's version never comes back to one a kept
                // public page was built at: the rows written again start above the largest before.
                let edits = try await sql.raw("SELECT CAST(COALESCE(MAX(edits), 0) AS BIGINT) AS e FROM ledger_sums WHERE campaign_id = \(bind: campaign)")
                    .first()?.decode(column: "e", as: Int64.self) ?? 0
                try await sql.raw("DELETE FROM ledger_sums WHERE campaign_id = \(bind: campaign)").run()
                try await sql.raw("""
                    INSERT INTO ledger_sums (campaign_id, kind, total_dong, standing, row_count)
                    \(unsafeRaw: recountSelect) WHERE campaign_id = \(bind: campaign) GROUP BY campaign_id, kind
                    """).run()
                try await sql.raw("UPDATE ledger_sums SET edits = \(bind: edits + 1) WHERE campaign_id = \(bind: campaign)").run()
            }
        }
        return wrong.count
    }
}
