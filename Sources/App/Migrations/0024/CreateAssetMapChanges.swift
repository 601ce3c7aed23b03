// 0024: the assets' map version on PostgreSQL without a shared row (Features/Assets/Assets+GeoJSON.swift,
// `AssetMapVersion`). Migration 0020's triggers moved one row per commune and one for the unit tree on; on PostgreSQL
// that tree row became a lock every writer of units held until commit, and concurrent unit writers deadlocked. Here
// every statement that inserts, updates, deletes or truncates `assets`, `asset_faults` or `unit_closure` appends a
// row to `asset_map_changes` instead (a statement trigger, in the writer's transaction): appends lock no row another
// writer needs, so they cannot wait on each other. The version is the tree row of `asset_map_versions` (which only
// the hourly compaction writes) plus the count of `asset_map_changes`: it grows with every committed write, and the
// compaction (`AssetMapVersion.compact`) moves counted rows into the tree row in one statement, keeping the sum.
// SQLite keeps 0020's triggers (its writers take turns on one write lock anyway) and an empty table of the same name.
import Fluent
import SQLKit
import Vapor

struct CreateAssetMapChanges: AsyncMigration {
    func prepare(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        // On SQLite the table stays empty: it is there so that both schemas have the same tables (`thonso copy`).
        guard sql.dialect.name == "postgresql" else {
            try await sql.raw("CREATE TABLE asset_map_changes (id INTEGER PRIMARY KEY)").run()
            return
        }
        try await sql.raw("CREATE TABLE asset_map_changes (id BIGSERIAL PRIMARY KEY)").run()
        try await sql.raw("""
            CREATE FUNCTION asset_map_changed() RETURNS trigger AS $$
            BEGIN
              INSERT INTO asset_map_changes DEFAULT VALUES;
              RETURN NULL;
            END; $$ LANGUAGE plpgsql
            """).run()
        for table in ["assets", "asset_faults", "unit_closure"] {
            try await sql.raw("CREATE TRIGGER \(unsafeRaw: table)_map_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON \(unsafeRaw: table) FOR EACH STATEMENT EXECUTE FUNCTION asset_map_changed()").run()
        }
    }

    func revert(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        guard sql.dialect.name == "postgresql" else {
            try await sql.raw("DROP TABLE IF EXISTS asset_map_changes").run()
            return
        }
        for table in ["assets", "asset_faults", "unit_closure"] {
            try await sql.raw("DROP TRIGGER IF EXISTS \(unsafeRaw: table)_map_changed ON \(unsafeRaw: table)").run()
        }
        try await sql.raw("DROP FUNCTION IF EXISTS asset_map_changed()").run()
        try await sql.raw("DROP TABLE IF EXISTS asset_map_changes").run()
    }
}
