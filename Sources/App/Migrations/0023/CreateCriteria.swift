// 0023: criteria. Criteria sets (owned by a unit, or shipped: no owner), their criteria (a measure key from the
// code's library or none for manual figures, a threshold, the unit kind judged, mandatory, group and pillar, order),
// and manual values (unit, criterion, day, value, source, who). The starter smart-village set SV-01…SV-14 is seeded
// here with the seed figures as thresholds (`CriteriaSeed`, Features/Criteria/Criteria+Seed.swift); it is data,
// editable like any other set.
import Fluent
import SQLKit
import Vapor

struct CreateCriteria: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(CriteriaSet.schema)
            .id()
            .field("owner_unit_id", .uuid, .references("admin_units", "id"))
            .field("code", .string, .required)
            .field("name", .string, .required)
            .field("description", .string)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .create()
        try await database.schema(Criterion.schema)
            .id()
            .field("set_id", .uuid, .required, .references(CriteriaSet.schema, "id", onDelete: .cascade))
            .field("code", .string, .required)
            .field("name", .string, .required)
            .field("name_en", .string)
            .field("measure_key", .string)
            .field("threshold_kind", .string, .required)
            .field("threshold_value", .double)
            .field("unit_kind", .string, .required)
            .field("mandatory", .bool, .required)
            .field("group_name", .string)
            .field("pillar", .string)
            .field("position", .int, .required)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .create()
        try await database.schema(CriterionValue.schema)
            .id()
            .field("criterion_id", .uuid, .required, .references(Criterion.schema, "id", onDelete: .cascade))
            .field("unit_id", .uuid, .required, .references("admin_units", "id"))
            .field("on_day", .string, .required)
            .field("value", .double, .required)
            .field("source", .string, .required)
            .field("recorded_by", .uuid)
            .field("recorded_by_name", .string, .required)
            .field("created_at", .datetime)
            .create()
        try await Indexes.create(on: database, [
            ("criteria_sets_owner", CriteriaSet.schema, ["owner_unit_id"]),
            ("criteria_set_position", Criterion.schema, ["set_id", "position"]),
            ("criterion_values_key", CriterionValue.schema, ["criterion_id", "unit_id", "on_day"]),
            ("criterion_values_unit", CriterionValue.schema, ["unit_id"]),
        ])
        try await CriteriaSeed.insertStarter(on: database)
    }

    func revert(on database: any Database) async throws {
        for table in [CriterionValue.schema, Criterion.schema, CriteriaSet.schema] { try await database.schema(table).delete() }
    }
}
