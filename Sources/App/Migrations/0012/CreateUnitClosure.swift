// 0012: `unit_closure`, every unit with each unit above it and itself, the period the path held and whether it
// follows current parents (Features/Units/UnitClosure.swift); filled from the units and links already there.
import Fluent
import SQLKit

struct CreateUnitClosure: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(UnitClosure.schema)
            .field("ancestor_id", .uuid, .required, .references(AdminUnit.schema, "id"))
            .field("descendant_id", .uuid, .required, .references(AdminUnit.schema, "id"))
            .field("depth", .int, .required)
            .field("valid_from", .string, .required)
            .field("valid_to", .string, .required)
            .field("is_current", .bool, .required)
            .unique(on: "ancestor_id", "descendant_id", "valid_from")
            .create()
        // Scope: "below these roots" (by ancestor) and "is this unit below them" / refreshing a unit's rows (by descendant).
        try await Indexes.create(on: database, [("unit_closure_down", UnitClosure.schema, ["ancestor_id", "is_current", "descendant_id"]),
                                                ("unit_closure_up", UnitClosure.schema, ["descendant_id", "ancestor_id"])])
        try await UnitClosure.rebuild(on: database)
    }

    func revert(on database: any Database) async throws {
        try await database.schema(UnitClosure.schema).delete()
    }
}
