// 0011: (1) the audit log's one permitted change: after AUDIT_PERSONAL_DAYS the housekeeping job blanks a row's
// personal text (actor → "(đã xóa)", before/after → NULL) and stamps `redacted_at`; the triggers still refuse every
// DELETE and every other UPDATE (any other column changed, a row redacted twice, other values written).
// (2) `hook_events`: the channel callbacks already accepted, one row per signed event (unique key), kept while
// the event's timestamp is inside the accepted window, so a replay is refused.
import Fluent
import SQLKit

struct AddAuditRedactionAndHookEvents: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("audit_events").field("redacted_at", .datetime).update()
        try await database.schema("hook_events")
            .id()
            .field("key", .string, .required)
            .field("at", .datetime, .required)
            .unique(on: "key")
            .create()
        // The retention job's batches: rows not yet redacted, oldest first, without walking the redacted ones.
        try await Indexes.create(on: database, [("hook_events_at", "hook_events", ["at"]),
                                                ("audit_unredacted", "audit_events", ["redacted_at", "at"])])
        guard let sql = database as? any SQLDatabase else { return }
        let m = AuditRedaction.marker
        if sql.dialect.name == "postgresql" {
            try await sql.raw("""
                CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
                BEGIN
                  IF TG_OP = 'UPDATE' AND OLD.redacted_at IS NULL AND NEW.redacted_at IS NOT NULL
                     AND NEW.id = OLD.id AND NEW.at = OLD.at AND NEW.action = OLD.action AND NEW.table_name = OLD.table_name
                     AND NEW.person_id IS NOT DISTINCT FROM OLD.person_id AND NEW.token_id IS NOT DISTINCT FROM OLD.token_id
                     AND NEW.row_id IS NOT DISTINCT FROM OLD.row_id AND NEW.unit_id IS NOT DISTINCT FROM OLD.unit_id
                     AND NEW.actor = '\(unsafeRaw: m)' AND NEW.before IS NULL AND NEW.after IS NULL THEN
                    RETURN NEW;
                  END IF;
                  RAISE EXCEPTION 'audit_events is append-only';
                END; $$ LANGUAGE plpgsql
                """).run()
        } else {
            try await sql.raw("DROP TRIGGER audit_events_no_update").run()
            try await sql.raw("""
                CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
                WHEN NOT (OLD.redacted_at IS NULL AND NEW.redacted_at IS NOT NULL
                  AND NEW.id IS OLD.id AND NEW.at IS OLD.at AND NEW.action IS OLD.action AND NEW.table_name IS OLD.table_name
                  AND NEW.person_id IS OLD.person_id AND NEW.token_id IS OLD.token_id
                  AND NEW.row_id IS OLD.row_id AND NEW.unit_id IS OLD.unit_id
                  AND NEW.actor = '\(unsafeRaw: m)' AND NEW.before IS NULL AND NEW.after IS NULL)
                BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END
                """).run()
        }
    }

    func revert(on database: any Database) async throws {
        if let sql = database as? any SQLDatabase {
            if sql.dialect.name == "postgresql" {
                try await sql.raw("""
                    CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
                    BEGIN RAISE EXCEPTION 'audit_events is append-only'; END; $$ LANGUAGE plpgsql
                    """).run()
            } else {
                try await sql.raw("DROP TRIGGER audit_events_no_update").run()
                try await sql.raw("CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END").run()
            }
        }
        try await (database as? any SQLDatabase)?.drop(index: "audit_unredacted").run()
        try await database.schema("hook_events").delete()
        try await database.schema("audit_events").deleteField("redacted_at").update()
    }
}
