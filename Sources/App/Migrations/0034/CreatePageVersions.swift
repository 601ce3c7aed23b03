// 0034: the data versions signed-in pages are kept by (Support/SignedInPages.swift): a village's household list and
// a notice's reach page. Like the traceability pages' version (0029), the database moves them on itself, in the
// writer's transaction, so no code path can forget it (imports, raw SQL, other instances on the same database).
// Three named parts, each a row of `page_versions`:
//   units     — admin_units (any write: names, kinds and parents show in trails and reach rows), unit_closure;
//   registry  — households (the columns a list shows or searches), residents (names and search keys, moves);
//   messages  — announcements, deliveries, channel_deliveries.
// A page's version is the parts it reads. PostgreSQL: one row appended to `page_changes` per writing statement
// (writers never wait on a shared row); the version of a part is its row plus its count of changes, which the hourly
// housekeeping compacts (`PageVersion.compact`). SQLite: the row moved by row triggers, except for inserts into
// deliveries and channel_deliveries (a fan-out inserts a row per household: no trigger per row there); for those
// two tables the version also carries the largest rowid, which grows with every insert — a delete moves the row.
import Fluent
import SQLKit
import Vapor

struct CreatePageVersions: AsyncMigration {
    /// Each table, the part it moves, and (for an update) the columns whose change does.
    static let watched: [(table: String, part: String, updateOf: [String]?)] = [
        ("admin_units", "units", nil), ("unit_closure", "units", nil),
        ("households", "registry", ["code", "commune_id", "village_id", "group_id", "address", "phone", "representative_id", "search_key"]),
        ("residents", "registry", ["household_id", "full_name", "search_key"]),
        ("announcements", "messages", nil), ("deliveries", "messages", nil), ("channel_deliveries", "messages", nil),
    ]
    /// SQLite: tables whose inserts are seen through their largest rowid instead of a trigger.
    static let insertsByRowid: Set<String> = ["deliveries", "channel_deliveries"]

    func prepare(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.raw("CREATE TABLE page_versions (name VARCHAR(16) PRIMARY KEY, version BIGINT NOT NULL)").run()
        for part in ["units", "registry", "messages"] {
            try await sql.raw("INSERT INTO page_versions (name, version) VALUES (\(bind: part), 0)").run()
        }
        if sql.dialect.name == "postgresql" {
            try await sql.raw("CREATE TABLE page_changes (id BIGSERIAL PRIMARY KEY, name VARCHAR(16) NOT NULL)").run()
            try await sql.raw("CREATE INDEX page_changes_name ON page_changes (name)").run()
            try await sql.raw("""
                CREATE FUNCTION page_changed() RETURNS trigger AS $$
                BEGIN
                  INSERT INTO page_changes (name) VALUES (TG_ARGV[0]);
                  RETURN NULL;
                END; $$ LANGUAGE plpgsql
                """).run()
            for (table, part, columns) in Self.watched {
                let update = columns.map { "UPDATE OF " + $0.joined(separator: ", ") } ?? "UPDATE"
                try await sql.raw("CREATE TRIGGER \(unsafeRaw: table)_page_changed AFTER INSERT OR \(unsafeRaw: update) OR DELETE OR TRUNCATE ON \(unsafeRaw: table) FOR EACH STATEMENT EXECUTE FUNCTION page_changed('\(unsafeRaw: part)')").run()
            }
        } else {
            // The same tables on both sides (`thonso copy`); SQLite's change log stays empty.
            try await sql.raw("CREATE TABLE page_changes (id INTEGER PRIMARY KEY, name VARCHAR(16) NOT NULL)").run()
            for (table, part, columns) in Self.watched {
                let bump = "INSERT INTO page_versions (name, version) VALUES ('\(part)', 1) ON CONFLICT (name) DO UPDATE SET version = version + 1;"
                for event in ["INSERT", "UPDATE", "DELETE"] {
                    if event == "INSERT" && Self.insertsByRowid.contains(table) { continue }
                    let on = event == "UPDATE" ? columns.map { "UPDATE OF " + $0.joined(separator: ", ") } ?? "UPDATE" : event
                    try await sql.raw("CREATE TRIGGER \(unsafeRaw: table)_page_\(unsafeRaw: event.lowercased()) AFTER \(unsafeRaw: on) ON \(unsafeRaw: table) BEGIN \(unsafeRaw: bump) END").run()
                }
            }
        }
    }

    func revert(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        if sql.dialect.name == "postgresql" {
            for (table, _, _) in Self.watched { try await sql.raw("DROP TRIGGER IF EXISTS \(unsafeRaw: table)_page_changed ON \(unsafeRaw: table)").run() }
            try await sql.raw("DROP FUNCTION IF EXISTS page_changed()").run()
        } else {
            for (table, _, _) in Self.watched {
                for event in ["insert", "update", "delete"] { try await sql.raw("DROP TRIGGER IF EXISTS \(unsafeRaw: table)_page_\(unsafeRaw: event)").run() }
            }
        }
        try await sql.raw("DROP TABLE IF EXISTS page_changes").run()
        try await sql.raw("DROP TABLE page_versions").run()
    }
}
