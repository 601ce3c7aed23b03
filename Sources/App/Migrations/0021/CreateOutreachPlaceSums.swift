// 0021: outreach_place_sums, the households of `household_outreach` added up per place ahead of time, so that the
// outreach overview adds up a few hundred rows instead of every household of a commune (`OutreachPlaceSums`,
// Features/Outreach/Overview/Overview+PlaceSums.swift): per village, group and year of the adults, the time-free sums
// (households, never visited, profiled, smartphone, online, sells, adults, and the VNeID / cashless counts clipped to
// the adults) in a row whose `day` is "-", and per village, group and day the households whose last visit was that
// day (for "visited in the last 90 days"). Kept in the same transactions as the per-household rows, filled here from
// them. And two columns of `household_outreach`: the current profile's date and time of recording, so that a batch
// of visits can tell from its own profiles whether one is now the current one, without reading the history.
import Fluent
import SQLKit
import Vapor

struct CreateOutreachPlaceSums: AsyncMigration {
    func prepare(on database: any Database) async throws {
        // One column per statement: SQLite adds one at a time.
        try await database.schema(OutreachSummary.schema).field("profile_as_of", .string).update()
        try await database.schema(OutreachSummary.schema).field("profile_created_at", .datetime).update()
        let sql = database as! any SQLDatabase
        try await sql.raw("""
            UPDATE household_outreach SET
              profile_as_of = (SELECT p.as_of FROM household_profiles p WHERE p.id = household_outreach.profile_id),
              profile_created_at = (SELECT p.created_at FROM household_profiles p WHERE p.id = household_outreach.profile_id)
            WHERE profile_id IS NOT NULL
            """).run()
        try await database.schema(OutreachPlaceSums.schema)
            // The place (`VisitMonths.none` for no group: a key column cannot be NULL and still match in ON CONFLICT).
            .field("village_id", .uuid, .required)
            .field("group_id", .uuid, .required)
            // The adults' year of the time-free row; 0 on a day's row.
            .field("adults_year", .int, .required)
            // "-": the time-free sums; yyyy-MM-dd: the households whose last visit was that day (only `households`).
            .field("day", .string, .required)
            .field("households", .int, .required)
            .field("never", .int, .required)
            .field("profiled", .int, .required)
            .field("smartphone", .int, .required)
            .field("online", .int, .required)
            .field("sells", .int, .required)
            .field("adults", .int, .required)
            .field("vneid", .int, .required)
            .field("cashless", .int, .required)
            .create()
        try await Indexes.create(on: database, [("outreach_place_sums_key", OutreachPlaceSums.schema, ["village_id", "group_id", "adults_year", "day"])], unique: true)
        try await Indexes.create(on: database, [
            ("outreach_place_sums_village_day", OutreachPlaceSums.schema, ["village_id", "day"]),
            ("outreach_place_sums_group_day", OutreachPlaceSums.schema, ["group_id", "day"]),
        ])
        try await OutreachPlaceSums.rebuild(on: database)
    }

    func revert(on database: any Database) async throws {
        try await database.schema(OutreachPlaceSums.schema).delete()
        try await database.schema(OutreachSummary.schema).deleteField("profile_created_at").update()
        try await database.schema(OutreachSummary.schema).deleteField("profile_as_of").update()
    }
}
