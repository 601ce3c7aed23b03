// 0014: household_outreach, one narrow row per household with what the outreach overview adds up (its place, its last
// visit, its current profile's answers, its adults in a year), kept in the same transaction as every write that
// changes it (`OutreachSummary`, Features/Outreach/Overview/Overview+Summary.swift) and filled here from the history;
// and visit_months, the visits not voided per place, team, person and month (`VisitMonths`), for the overview's
// member table.
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
        ])
        try await OutreachSummary.fill0014(on: database)
        try await database.schema(VisitMonths.schema)
            // The household's place now; `VisitMonths.none` stands for no group, no team, no person (a key column
            // cannot be NULL and still match in ON CONFLICT on both databases).
            .field("village_id", .uuid, .required)
            .field("group_id", .uuid, .required)
            .field("team_id", .uuid, .required)
            .field("recorded_by", .uuid, .required)
            .field("month", .string, .required)
            .field("visits", .int, .required)
            .create()
        try await Indexes.create(on: database, [("visit_months_key", VisitMonths.schema, ["village_id", "group_id", "team_id", "recorded_by", "month"])], unique: true)
        try await Indexes.create(on: database, [
            ("visit_months_group", VisitMonths.schema, ["group_id", "month"]),
            ("visit_months_team", VisitMonths.schema, ["team_id", "month"]),
        ])
        try await VisitMonths.recount(villages: nil, on: database)
    }

    func revert(on database: any Database) async throws {
        try await database.schema(VisitMonths.schema).delete()
        try await database.schema(OutreachSummary.schema).delete()
    }
}
