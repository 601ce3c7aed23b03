// 0028: criteria snapshots. One row per unit, set and month (`criteria_snapshots`: the day it was counted as of,
// whether it is the month's final one, the verdict, how many units below pass) and one per criterion of it
// (`criteria_snapshot_values`: the figure, and a copy of the definition it was judged by — code, name, measure,
// threshold, unit kind, mandatory — so that a later change of the set never rewrites the past).
// Features/Criteria/Criteria+Snapshots.swift.
import Fluent
import SQLKit
import Vapor

struct CreateCriteriaSnapshots: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("criteria_snapshots")
            .id()
            .field("unit_id", .uuid, .required, .references("admin_units", "id"))
            .field("unit_kind", .string, .required)
            .field("set_id", .uuid, .required)
            .field("set_code", .string, .required)
            .field("set_name", .string, .required)
            .field("month", .string, .required)
            .field("on_day", .string, .required)
            .field("final", .bool, .required)
            .field("passes", .bool)
            .field("below_kind", .string)
            .field("units_passing", .int)
            .field("units", .int)
            .field("missing", .string, .required)
            .field("taken_at", .datetime, .required)
            .field("taken_by", .string, .required)
            .unique(on: "unit_id", "set_id", "month")
            .create()
        try await database.schema("criteria_snapshot_values")
            .id()
            .field("snapshot_id", .uuid, .required, .references("criteria_snapshots", "id", onDelete: .cascade))
            .field("criterion_id", .uuid, .required)
            .field("code", .string, .required)
            .field("name", .string, .required)
            .field("name_en", .string)
            .field("measure_key", .string)
            .field("threshold_kind", .string, .required)
            .field("threshold_value", .double)
            .field("criterion_unit_kind", .string, .required)
            .field("mandatory", .bool, .required)
            .field("position", .int, .required)
            .field("judged_on_id", .uuid)
            .field("rolled_up", .bool, .required)
            .field("numerator", .int)
            .field("denominator", .int)
            .field("value", .double)
            .field("passes", .bool)
            .field("units_passing", .int)
            .field("units", .int)
            .field("manual_source", .string)
            .create()
        try await Indexes.create(on: database, [
            ("criteria_snapshots_set_month", "criteria_snapshots", ["set_id", "month"]),
            ("criteria_snapshot_values_snapshot", "criteria_snapshot_values", ["snapshot_id"]),
        ])
    }

    func revert(on database: any Database) async throws {
        try await database.schema("criteria_snapshot_values").delete()
        try await database.schema("criteria_snapshots").delete()
    }
}
