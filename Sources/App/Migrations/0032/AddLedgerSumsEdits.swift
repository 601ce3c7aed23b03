// 0032: ledger_sums.edits, how many times an entry of the campaign and kind was changed in place (the columns the
// append-only rule leaves open: a household's erasure blanks the name and marks the entry anonymous,
// Features/PersonalData), moved by an UPDATE trigger on ledger_entries in the writer's transaction. With the sums
// themselves it makes the campaign's version: the public ledger's kept pages (Features/Ledger/Ledger+Public.swift,
// `LedgerPages`) are served only while every column of the campaign's sums rows is what it was when the page was
// built, so an entry added, an entry changed, or a sums row written by hand or recounted each brings a fresh page.
import Fluent
import SQLKit
import Vapor

struct AddLedgerSumsEdits: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(LedgerSums.schema).field("edits", .int64, .required, .sql(.default(0))).update()
        let sql = database as! any SQLDatabase
        if sql.dialect.name == "postgresql" {
            try await sql.raw("""
                CREATE FUNCTION ledger_entries_edit() RETURNS trigger AS $$
                BEGIN
                  UPDATE ledger_sums SET edits = edits + 1 WHERE campaign_id = NEW.campaign_id AND kind = NEW.kind;
                  RETURN NULL;
                END; $$ LANGUAGE plpgsql
                """).run()
            try await sql.raw("CREATE TRIGGER ledger_entries_edits AFTER UPDATE ON ledger_entries FOR EACH ROW EXECUTE FUNCTION ledger_entries_edit()").run()
        } else {
            try await sql.raw("""
                CREATE TRIGGER ledger_entries_edits AFTER UPDATE ON ledger_entries BEGIN
                  UPDATE ledger_sums SET edits = edits + 1 WHERE campaign_id = NEW.campaign_id AND kind = NEW.kind;
                END
                """).run()
        }
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        if sql.dialect.name == "postgresql" {
            try await sql.raw("DROP TRIGGER IF EXISTS ledger_entries_edits ON ledger_entries").run()
            try await sql.raw("DROP FUNCTION IF EXISTS ledger_entries_edit()").run()
        } else {
            try await sql.raw("DROP TRIGGER IF EXISTS ledger_entries_edits").run()
        }
        try await database.schema(LedgerSums.schema).deleteField("edits").update()
    }
}
