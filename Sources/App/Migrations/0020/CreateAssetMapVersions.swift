// 0020: the data version the assets' map documents are kept by (Features/Assets/Assets+GeoJSON.swift,
// `AssetMapCache`). One row per commune whose assets or faults were ever written, and one for the unit tree (the nil
// UUID); the database itself moves a row on, in the writer's transaction, on every insert, update or delete of an
// asset, a fault or a row of `unit_closure` (triggers on both databases), so no code path can forget it. Readers
// take the sum of all rows: it only grows, and grows whenever anything the map shows may have changed.
import Fluent
import SQLKit
import Vapor

struct CreateAssetMapVersions: AsyncMigration {
    /// The tree's row as SQLite stores a UUID (text), written out because a trigger's body takes no parameters.
    static let sqliteTree = "'" + AssetMapVersion.treeRow.uuidString + "'"

    func prepare(on database: any Database) async throws {
        try await database.schema("asset_map_versions")
            .field("commune_id", .uuid, .identifier(auto: false))
            .field("version", .int64, .required)
            .create()
        guard let sql = database as? any SQLDatabase else { return }
        let tree = AssetMapVersion.treeRow
        if sql.dialect.name == "postgresql" {
            try await sql.raw("""
                CREATE FUNCTION asset_map_bump() RETURNS trigger AS $$
                BEGIN
                  IF TG_OP <> 'INSERT' THEN
                    INSERT INTO asset_map_versions (commune_id, version) VALUES (OLD.commune_id, 1)
                      ON CONFLICT (commune_id) DO UPDATE SET version = asset_map_versions.version + 1;
                  END IF;
                  IF TG_OP <> 'DELETE' THEN
                    INSERT INTO asset_map_versions (commune_id, version) VALUES (NEW.commune_id, 1)
                      ON CONFLICT (commune_id) DO UPDATE SET version = asset_map_versions.version + 1;
                  END IF;
                  RETURN NULL;
                END; $$ LANGUAGE plpgsql
                """).run()
            try await sql.raw("""
                CREATE FUNCTION asset_map_bump_tree() RETURNS trigger AS $$
                BEGIN
                  INSERT INTO asset_map_versions (commune_id, version) VALUES ('\(unsafeRaw: tree.uuidString)', 1)
                    ON CONFLICT (commune_id) DO UPDATE SET version = asset_map_versions.version + 1;
                  RETURN NULL;
                END; $$ LANGUAGE plpgsql
                """).run()
            for table in ["assets", "asset_faults"] {
                try await sql.raw("CREATE TRIGGER \(unsafeRaw: table)_map_version AFTER INSERT OR UPDATE OR DELETE ON \(unsafeRaw: table) FOR EACH ROW EXECUTE FUNCTION asset_map_bump()").run()
            }
            // The tree: once per statement (a units import writes tens of thousands of closure rows).
            try await sql.raw("CREATE TRIGGER unit_closure_map_version AFTER INSERT OR UPDATE OR DELETE ON unit_closure FOR EACH STATEMENT EXECUTE FUNCTION asset_map_bump_tree()").run()
        } else {
            try await sql.raw("INSERT INTO asset_map_versions (commune_id, version) VALUES (\(unsafeRaw: Self.sqliteTree), 0)").run()
            for table in ["assets", "asset_faults"] {
                for (event, rows) in [("INSERT", ["NEW"]), ("UPDATE", ["OLD", "NEW"]), ("DELETE", ["OLD"])] {
                    let body = rows.map { r in
                        "INSERT OR IGNORE INTO asset_map_versions (commune_id, version) VALUES (\(r).commune_id, 0); "
                            + "UPDATE asset_map_versions SET version = version + 1 WHERE commune_id = \(r).commune_id;"
                    }.joined(separator: " ")
                    try await sql.raw("CREATE TRIGGER \(unsafeRaw: table)_map_version_\(unsafeRaw: event.lowercased()) AFTER \(unsafeRaw: event) ON \(unsafeRaw: table) BEGIN \(unsafeRaw: body) END").run()
                }
            }
            for event in ["INSERT", "UPDATE", "DELETE"] {
                try await sql.raw("CREATE TRIGGER unit_closure_map_version_\(unsafeRaw: event.lowercased()) AFTER \(unsafeRaw: event) ON unit_closure BEGIN UPDATE asset_map_versions SET version = version + 1 WHERE commune_id = \(unsafeRaw: Self.sqliteTree); END").run()
            }
        }
    }

    func revert(on database: any Database) async throws {
        if let sql = database as? any SQLDatabase {
            if sql.dialect.name == "postgresql" {
                for table in ["assets", "asset_faults", "unit_closure"] { try await sql.raw("DROP TRIGGER IF EXISTS \(unsafeRaw: table)_map_version ON \(unsafeRaw: table)").run() }
                try await sql.raw("DROP FUNCTION IF EXISTS asset_map_bump()").run()
                try await sql.raw("DROP FUNCTION IF EXISTS asset_map_bump_tree()").run()
            } else {
                for table in ["assets", "asset_faults", "unit_closure"] {
                    for event in ["insert", "update", "delete"] { try await sql.raw("DROP TRIGGER IF EXISTS \(unsafeRaw: table)_map_version_\(unsafeRaw: event)").run() }
                }
            }
        }
        try await database.schema("asset_map_versions").delete()
    }
}
