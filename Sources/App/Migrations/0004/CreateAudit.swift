// 0004: the audit log, append-only: triggers refuse UPDATE and DELETE on both databases.
import Fluent
import SQLKit

struct CreateAudit: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("audit_events")
            .id()
            .field("at", .datetime, .required)
            .field("person_id", .uuid)
            .field("token_id", .uuid)
            .field("actor", .string, .required)
            .field("action", .string, .required)
            .field("table_name", .string, .required)
            .field("row_id", .uuid)
            .field("unit_id", .uuid)
            .field("before", .string)
            .field("after", .string)
            .create()
        try await Indexes.create(on: database, [
            ("audit_at", "audit_events", ["at"]), ("audit_person", "audit_events", ["person_id"]),
            ("audit_unit", "audit_events", ["unit_id"]), ("audit_row", "audit_events", ["row_id"]),
        ])
        guard let sql = database as? any SQLDatabase else { return }
        if sql.dialect.name == "postgresql" {
            try await sql.raw("""
                CREATE FUNCTION audit_events_append_only() RETURNS trigger AS $$
                BEGIN RAISE EXCEPTION 'audit_events is append-only'; END; $$ LANGUAGE plpgsql
                """).run()
            try await sql.raw("CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()").run()
        } else {
            try await sql.raw("CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END").run()
            try await sql.raw("CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END").run()
        }
    }

    func revert(on database: any Database) async throws {
        if let sql = database as? any SQLDatabase, sql.dialect.name == "postgresql" {
            try await sql.raw("DROP TRIGGER IF EXISTS audit_events_no_change ON audit_events").run()
            try await sql.raw("DROP FUNCTION IF EXISTS audit_events_append_only()").run()
        }
        try await database.schema("audit_events").delete()
    }
}
