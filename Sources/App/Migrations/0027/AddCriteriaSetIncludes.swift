// 0027: criteria_set_includes (a set that includes the criteria of other sets: a province's set that includes the
// smart-village set SV; a cycle is refused when it is defined, Criteria+Definitions.swift), and the shipped commune
// digital-transformation set XA-CDS (47 indicators in 8 groups and 3 pillars, `CriteriaDT`, Criteria+DT.swift).
import Fluent
import SQLKit
import Vapor

struct AddCriteriaSetIncludes: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(CriteriaSetInclude.schema)
            .id()
            .field("set_id", .uuid, .required, .references(CriteriaSet.schema, "id", onDelete: .cascade))
            .field("included_set_id", .uuid, .required, .references(CriteriaSet.schema, "id", onDelete: .cascade))
            .field("position", .int, .required)
            .unique(on: "set_id", "included_set_id")
            .create()
        try await Indexes.create(on: database, [
            ("criteria_set_includes_included", CriteriaSetInclude.schema, ["included_set_id"]),
        ])
        try await CriteriaDT.insert(on: database)
    }

    func revert(on database: any Database) async throws {
        try await database.schema(CriteriaSetInclude.schema).delete()
        if let s = try await CriteriaSet.query(on: database).filter(\.$ownerUnitID == nil).filter(\.$code == CriteriaDT.code).first() {
            try await Criterion.query(on: database).filter(\.$setID == s.id!).delete()
            try await s.delete(on: database)
        }
    }
}
