// 0001: the unit tree, its parent history and successions.
import Fluent
import SQLKit

struct CreateUnits: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("admin_units")
            .id()
            .field("kind", .string, .required)
            .field("code", .string, .required)
            .field("name", .string, .required)
            .field("type_name", .string, .required)
            .field("parent_id", .uuid, .references("admin_units", "id"))
            .field("commune_id", .uuid, .references("admin_units", "id"))
            .field("valid_from", .string, .required)
            .field("valid_to", .string, .required)
            .field("search_key", .string, .required)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .create()
        try await database.schema("unit_links")
            .id()
            .field("unit_id", .uuid, .required, .references("admin_units", "id"))
            .field("parent_id", .uuid, .required, .references("admin_units", "id"))
            .field("valid_from", .string, .required)
            .field("valid_to", .string, .required)
            .create()
        try await database.schema("unit_successions")
            .id()
            .field("predecessor_id", .uuid, .required, .references("admin_units", "id"))
            .field("successor_id", .uuid, .required, .references("admin_units", "id"))
            .field("on_date", .string, .required)
            .field("whole", .bool, .required)
            .field("note", .string, .required)
            .unique(on: "predecessor_id", "successor_id")
            .create()
        try await Indexes.create(on: database, [
            ("admin_units_parent", "admin_units", ["parent_id"]),
            ("admin_units_kind_code", "admin_units", ["kind", "code"]),
            ("admin_units_commune", "admin_units", ["commune_id"]),
            ("unit_links_unit", "unit_links", ["unit_id"]),
            ("unit_links_parent", "unit_links", ["parent_id"]),
            ("unit_successions_successor", "unit_successions", ["successor_id"]),
        ])
    }

    func revert(on database: any Database) async throws {
        try await database.schema("unit_successions").delete()
        try await database.schema("unit_links").delete()
        try await database.schema("admin_units").delete()
    }
}

/// Fluent's schema builder makes no indexes; they are created here through SQLKit, the same SQL on both databases.
enum Indexes {
    static func create(on database: any Database, _ list: [(String, String, [String])], unique: Bool = false) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        for (name, table, columns) in list {
            var q = sql.create(index: SQLIdentifier(name)).on(SQLIdentifier(table))
            for c in columns { q = q.column(SQLIdentifier(c)) }
            if unique { q = q.unique() }
            try await q.run()
        }
    }

    /// Drops indexes by name (before a revert drops their columns: SQLite refuses to drop an indexed column).
    static func drop(on database: any Database, _ names: [String]) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        for name in names { try await sql.raw("DROP INDEX IF EXISTS \(ident: name)").run() }
    }
}
