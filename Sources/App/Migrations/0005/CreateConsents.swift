// 0005: consent records per household.
import Fluent

struct CreateConsents: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("consents")
            .id()
            .field("household_id", .uuid, .required, .references("households", "id", onDelete: .cascade))
            .field("purpose", .string, .required)
            .field("given_on", .string, .required)
            .field("collected_by", .string, .required)
            .field("withdrawn_on", .string)
            .field("created_at", .datetime)
            .create()
        try await Indexes.create(on: database, [("consents_household", "consents", ["household_id"])])
    }

    func revert(on database: any Database) async throws {
        try await database.schema("consents").delete()
    }
}
