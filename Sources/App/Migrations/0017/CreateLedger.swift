// 0017: the contributions ledger. One append-only table of entries per campaign — contributions (from a household of
// the campaign's unit or an organisation) and expenses (with a supplier and an invoice) — and the assets each
// expense paid for. Amounts are whole đồng (BIGINT); a reversal is an entry of the same kind that names the entry it
// reverses (once: a unique index) and carries the opposite amount, so raised − spent = balance is a sum of rows.
// Triggers refuse a DELETE and any change of an entry's money, kind, campaign, date or reversal link on both databases;
// only the erasure of a household's personal data may blank the name it was recorded under and unlink it.
import Fluent
import SQLKit
import Vapor

struct CreateLedger: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("ledger_entries")
            .id()
            .field("campaign_id", .uuid, .required, .references("campaigns", "id"))
            // The campaign's unit and commune, repeated so that the scope rule reads one row.
            .field("unit_id", .uuid, .required, .references("admin_units", "id"))
            .field("commune_id", .uuid, .required, .references("admin_units", "id"))
            // contribution | expense
            .field("kind", .string, .required)
            // Whole đồng; negative only on a reversal.
            .field("amount_dong", .int64, .required)
            .field("entry_on", .string, .required)
            .field("reverses_id", .uuid, .references("ledger_entries", "id"))
            .field("reason", .string)
            // A contribution: a household of the campaign's unit (its village kept for the public page), or an
            // organisation; the name shown; cash | transfer; the receipt number; the household's wish to be anonymous.
            .field("household_id", .uuid, .references("households", "id"))
            .field("village_id", .uuid, .references("admin_units", "id"))
            .field("contributor_name", .string)
            .field("organisation", .bool, .required)
            .field("method", .string)
            .field("receipt_no", .string)
            .field("anonymous", .bool, .required)
            // An expense: the supplier, its invoice number, and whether it was paid ahead of the money (an advance).
            .field("supplier", .string)
            .field("invoice_no", .string)
            .field("advance", .bool, .required)
            .field("note", .string)
            .field("created_by", .uuid)
            .field("created_at", .datetime, .required)
            .create()
        try await database.schema("expense_assets")
            .field("expense_id", .uuid, .required, .references("ledger_entries", "id"))
            .field("asset_id", .uuid, .required, .references("assets", "id"))
            .create()
        try await Indexes.create(on: database, [
            ("ledger_entries_receipt", "ledger_entries", ["campaign_id", "receipt_no"]),
            ("ledger_entries_reverses", "ledger_entries", ["reverses_id"]),
            ("expense_assets_pair", "expense_assets", ["expense_id", "asset_id"]),
        ], unique: true)
        try await Indexes.create(on: database, [
            // The public ledger's page (newest first) reads this index backwards; its sums read the second alone.
            ("ledger_entries_campaign", "ledger_entries", ["campaign_id", "kind", "entry_on", "created_at"]),
            ("ledger_entries_sums", "ledger_entries", ["campaign_id", "kind", "amount_dong", "reverses_id"]),
            ("ledger_entries_household", "ledger_entries", ["household_id"]),
            ("ledger_entries_unit", "ledger_entries", ["unit_id"]),
            ("expense_assets_asset", "expense_assets", ["asset_id"]),
        ])
        guard let sql = database as? any SQLDatabase else { return }
        if sql.dialect.name == "postgresql" {
            try await sql.raw("""
                CREATE FUNCTION ledger_entries_append_only() RETURNS trigger AS $$
                BEGIN
                  IF TG_OP = 'DELETE' OR NEW.amount_dong <> OLD.amount_dong OR NEW.kind <> OLD.kind OR NEW.campaign_id <> OLD.campaign_id
                     OR NEW.entry_on <> OLD.entry_on OR NEW.reverses_id IS DISTINCT FROM OLD.reverses_id THEN
                    RAISE EXCEPTION 'ledger_entries is append-only';
                  END IF;
                  RETURN NEW;
                END; $$ LANGUAGE plpgsql
                """).run()
            try await sql.raw("CREATE TRIGGER ledger_entries_no_change BEFORE UPDATE OR DELETE ON ledger_entries FOR EACH ROW EXECUTE FUNCTION ledger_entries_append_only()").run()
        } else {
            try await sql.raw("CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE OF amount_dong, kind, campaign_id, entry_on, reverses_id ON ledger_entries BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only'); END").run()
            try await sql.raw("CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only'); END").run()
        }
    }

    func revert(on database: any Database) async throws {
        if let sql = database as? any SQLDatabase, sql.dialect.name == "postgresql" {
            try await sql.raw("DROP TRIGGER IF EXISTS ledger_entries_no_change ON ledger_entries").run()
            try await sql.raw("DROP FUNCTION IF EXISTS ledger_entries_append_only()").run()
        }
        try await database.schema("expense_assets").delete()
        try await database.schema("ledger_entries").delete()
    }
}
