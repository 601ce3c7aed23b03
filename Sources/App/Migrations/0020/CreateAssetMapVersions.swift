// 0020: the data version the assets' map documents are kept by (Features/Assets/Assets+GeoJSON.swift,
// `AssetMapCache`). One row per commune whose assets or faults were ever written, and one for the unit tree (the nil
// UUID); the database itself moves a row on, in the writer's transaction, on every insert, update or delete of an
// asset, a fault or a row of `unit_closure` (triggers, SQLite only for now), so no code path can forget it. Readers
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
        // SQLite only. On PostgreSQL the tree's row became a lock every writer of units waited on (deadlocks, 503s in
        // ConcurrencyTests' 8 clients × 50 writes), so there the map is built on every request (docs/assets.md).
        if sql.dialect.name != "postgresql" {
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
            if sql.dialect.name != "postgresql" {
                for table in ["assets", "asset_faults", "unit_closure"] {
                    for event in ["insert", "update", "delete"] { try await sql.raw("DROP TRIGGER IF EXISTS \(unsafeRaw: table)_map_version_\(unsafeRaw: event)").run() }
                }
            }
        }
        try await database.schema("asset_map_versions").delete()
    }
}
