// 0014: household_outreach, one narrow row per household with what the outreach overview adds up (its place, its last
// visit, its current profile's answers, its adults in a year), kept in the same transaction as every write that
// changes it (`OutreachSummary`, Features/Outreach/Overview/Overview+Summary.swift) and filled here from the history.
import Fluent
import SQLKit
import Vapor

struct CreateHouseholdOutreach: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(OutreachSummary.schema)
            .field("household_id", .uuid, .identifier(auto: false), .references("households", "id"))
            // Where the household lives now: the scope of an overview (`UnitClosure.villageOrGroupBelow`).
            .field("village_id", .uuid, .required)
            .field("group_id", .uuid)
            // The latest visit not voided (yyyy-MM-dd), nil when never visited.
            .field("last_visit", .string)
            // The current profile (`ProfileRows.latest`): its id, 1/0 flags, and the counts as recorded (0 when not known).
            .field("profile_id", .uuid)
            .field("profiled", .int, .required)
            .field("smartphone", .int, .required)
            .field("vneid", .int, .required)
            .field("cashless", .int, .required)
            .field("online", .int, .required)
            .field("sells", .int, .required)
            // Residents who are adults (`Adults.isAdult`) in `adults_year`; the overview recounts a row of another year.
            .field("adults", .int, .required)
            .field("adults_year", .int, .required)
            .create()
        try await Indexes.create(on: database, [
            ("household_outreach_village", OutreachSummary.schema, ["village_id"]),
            ("household_outreach_group", OutreachSummary.schema, ["group_id"]),
            ("household_outreach_year", OutreachSummary.schema, ["adults_year"]),
            // The member-month table of the overview: a unit's visits of the last 12 months, not voided.
            ("visits_day", "visits", ["visited_on", "household_id"]),
        ])
        try await OutreachSummary.refresh(nil, on: database)
    }

    func revert(on database: any Database) async throws {
        if let sql = database as? any SQLDatabase { try await sql.drop(index: "visits_day").run() }
        try await database.schema(OutreachSummary.schema).delete()
    }
}
