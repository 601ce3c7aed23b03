// 0003: people, role grants, API tokens, and the sessions table shared by every app instance.
import Fluent
import SQLKit

struct CreateAccounts: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("people")
            .id()
            .field("username", .string, .required)
            .field("phone", .string)
            .field("display_name", .string, .required)
            .field("password_hash", .string, .required)
            .field("failed_count", .int, .required)
            .field("locked_until", .datetime)
            .field("active", .bool, .required)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "username")
            .create()
        try await database.schema("role_grants")
            .id()
            .field("person_id", .uuid, .required, .references("people", "id", onDelete: .cascade))
            .field("role", .string, .required)
            .field("unit_id", .uuid, .references("admin_units", "id"))
            .field("created_at", .datetime)
            .create()
        try await database.schema("api_tokens")
            .id()
            .field("name", .string, .required)
            .field("token_hash", .string, .required)
            .field("role", .string, .required)
            .field("unit_id", .uuid, .references("admin_units", "id"))
            .field("last_used_at", .datetime)
            .field("revoked_at", .datetime)
            .field("created_at", .datetime)
            .unique(on: "token_hash")
            .create()
        try await Indexes.create(on: database, [("people_phone", "people", ["phone"])], unique: true)
        try await Indexes.create(on: database, [("role_grants_person", "role_grants", ["person_id"])])
    }

    func revert(on database: any Database) async throws {
        try await database.schema("api_tokens").delete()
        try await database.schema("role_grants").delete()
        try await database.schema("people").delete()
    }
}
