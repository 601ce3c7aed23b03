// 0025: ledger_sums, a campaign's sums per kind kept ahead of time (Features/Ledger/Ledger+Sums.swift, `LedgerSums`), so
// that the public ledger reads two rows instead of adding up every entry (10,000 contributions: ~5 ms on PostgreSQL,
// docs/benchmarks.md "Ledger"). Per campaign and kind: the sum of the amounts (reversals carry their negative amounts),
// the standing entries (+1 an entry, −1 a reversal) and the rows. The entries are append-only (0017's triggers refuse
// a DELETE and any change of amount, kind, campaign or reversal link), so an INSERT trigger, in the writer's
// transaction, keeps them exact whatever writes the entry; every writer of a campaign's entries locks the campaign's
// row first (`LedgerActions.lock`), so the sums row is always taken after it: no deadlock. Filled here from the entries.
// And the public page's index gains the entry's id: pages are ordered by day, time of recording and id (two
// entries recorded in the same millisecond tie without it, and could move between pages), and the rows a
// far page skips are read from the index alone.
import Fluent
import SQLKit
import Vapor

struct CreateLedgerSums: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(LedgerSums.schema)
            .field("campaign_id", .uuid, .required, .references("campaigns", "id"))
            .field("kind", .string, .required)
            .field("total_dong", .int64, .required)
            .field("standing", .int64, .required)
            .field("row_count", .int64, .required)
            .compositeIdentifier(over: "campaign_id", "kind")
            .create()
        let sql = database as! any SQLDatabase
        let add = "total_dong = total_dong + NEW.amount_dong, standing = standing + (CASE WHEN NEW.reverses_id IS NULL THEN 1 ELSE -1 END), row_count = row_count + 1"
        if sql.dialect.name == "postgresql" {
            try await sql.raw("""
                CREATE FUNCTION ledger_entries_sum() RETURNS trigger AS $$
                BEGIN
                  INSERT INTO ledger_sums (campaign_id, kind, total_dong, standing, row_count)
                  VALUES (NEW.campaign_id, NEW.kind, NEW.amount_dong, CASE WHEN NEW.reverses_id IS NULL THEN 1 ELSE -1 END, 1)
                  ON CONFLICT (campaign_id, kind) DO UPDATE SET total_dong = ledger_sums.total_dong + EXCLUDED.total_dong,
                    standing = ledger_sums.standing + EXCLUDED.standing, row_count = ledger_sums.row_count + 1;
                  RETURN NULL;
                END; $$ LANGUAGE plpgsql
                """).run()
            try await sql.raw("CREATE TRIGGER ledger_entries_sums AFTER INSERT ON ledger_entries FOR EACH ROW EXECUTE FUNCTION ledger_entries_sum()").run()
        } else {
            try await sql.raw("""
                CREATE TRIGGER ledger_entries_sums AFTER INSERT ON ledger_entries BEGIN
                  INSERT OR IGNORE INTO ledger_sums (campaign_id, kind, total_dong, standing, row_count) VALUES (NEW.campaign_id, NEW.kind, 0, 0, 0);
                  UPDATE ledger_sums SET \(unsafeRaw: add) WHERE campaign_id = NEW.campaign_id AND kind = NEW.kind;
                END
                """).run()
        }
        try await Indexes.drop(on: database, ["ledger_entries_campaign"])
        try await Indexes.create(on: database, [("ledger_entries_page", "ledger_entries", ["campaign_id", "kind", "entry_on", "created_at", "id"])])
        try await sql.raw("INSERT INTO ledger_sums (campaign_id, kind, total_dong, standing, row_count) \(unsafeRaw: LedgerSums.recountSelect) GROUP BY campaign_id, kind").run()
    }

    func revert(on database: any Database) async throws {
        if let sql = database as? any SQLDatabase {
            if sql.dialect.name == "postgresql" {
                try await sql.raw("DROP TRIGGER IF EXISTS ledger_entries_sums ON ledger_entries").run()
                try await sql.raw("DROP FUNCTION IF EXISTS ledger_entries_sum()").run()
            } else {
                try await sql.raw("DROP TRIGGER IF EXISTS ledger_entries_sums").run()
            }
        }
        try await Indexes.drop(on: database, ["ledger_entries_page"])
        try await Indexes.create(on: database, [("ledger_entries_campaign", "ledger_entries", ["campaign_id", "kind", "entry_on", "created_at"])])
        try await database.schema(LedgerSums.schema).delete()
    }
}
