// 0002: households and residents.
import Fluent
import SQLKit

struct CreateRegistry: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("households")
            .id()
            .field("code", .string, .required)
            .field("commune_id", .uuid, .required, .references("admin_units", "id"))
            .field("village_id", .uuid, .required, .references("admin_units", "id"))
            .field("group_id", .uuid, .references("admin_units", "id"))
            .field("address", .string, .required)
            .field("phone", .string)
            .field("representative_id", .uuid)
            .field("search_key", .string, .required)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .create()
        try await database.schema("residents")
            .id()
            .field("household_id", .uuid, .required, .references("households", "id", onDelete: .cascade))
            .field("full_name", .string, .required)
            .field("gender", .string, .required)
            .field("birth_year", .int)
            .field("relation", .string, .required)
            .field("phone", .string)
            .field("search_key", .string, .required)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .create()
        try await Indexes.create(on: database, [("households_code", "households", ["code"])], unique: true)
        try await Indexes.create(on: database, [
            ("households_commune", "households", ["commune_id"]),
            ("households_village", "households", ["village_id"]),
            ("households_group", "households", ["group_id"]),
            ("residents_household", "residents", ["household_id"]),
        ])
    }

    func revert(on database: any Database) async throws {
        try await database.schema("residents").delete()
        try await database.schema("households").delete()
    }
}
