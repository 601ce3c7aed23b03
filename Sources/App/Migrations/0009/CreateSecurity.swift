// 0009: the app's own sessions (a row only once someone signs in; the cookie's secret is kept hashed), counters for
// rate limits shared by every instance, and the end of Vapor's `_fluent_sessions` (which wrote a row per visitor).
import Fluent
import SQLKit
import Vapor

struct CreateSecurity: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("sessions")
            .id()
            .field("token_hash", .string, .required)
            .field("person_id", .uuid, .references("people", "id", onDelete: .cascade))
            .field("household_id", .uuid, .references("households", "id", onDelete: .cascade))
            // How the session was opened: password, card or pin.
            .field("method", .string, .required)
            .field("created_at", .datetime, .required)
            .field("last_seen_at", .datetime, .required)
            .unique(on: "token_hash")
            .create()
        try await Indexes.create(on: database, [("sessions_person", "sessions", ["person_id"]),
                                                ("sessions_household", "sessions", ["household_id"])])
        try await database.schema("rate_counters")
            .field("key", .string, .required)
            .field("window_start", .int64, .required)
            .field("hits", .int, .required)
            .compositeIdentifier(over: "key", "window_start")
            .create()
        try await database.schema("_fluent_sessions").delete()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("rate_counters").delete()
        try await database.schema("sessions").delete()
        try await SessionRecord.migration.prepare(on: database).get()
    }
}
