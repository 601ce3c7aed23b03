// 0030: criteria_dashboards, a unit's evaluation of today on its default set counted ahead by the hourly job (when
// `CRITERIA_PRECOMPUTE` is on): the JSON the page and the API serve, with the time it was counted. And the indexes
// the measures' queries need at province scale (docs/benchmarks.md, "Criteria at province scale"); the one on
// training_attendance (resident_id) is migration 0031's.
// Features/Criteria/Criteria+Dashboards.swift.
import Fluent
import SQLKit
import Vapor

struct CreateCriteriaDashboards: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("criteria_dashboards")
            .id()
            .field("unit_id", .uuid, .required, .references("admin_units", "id"))
            .field("kind", .string, .required)
            .field("set_id", .uuid, .required)
            .field("on_day", .string, .required)
            .field("counted_at", .datetime, .required)
            .field("body", .string, .required)
            .unique(on: "unit_id", "kind")
            .create()
        try await Indexes.create(on: database, [
            ("qr_boards_village", "qr_boards", ["village_id"]),
        ])
    }

    func revert(on database: any Database) async throws {
        try await Indexes.drop(on: database, ["qr_boards_village"])
        try await database.schema("criteria_dashboards").delete()
    }
}
