// Criteria: is this village a smart village yet, and what is missing. A criterion is a threshold on a *measure*: a
// numerator over a denominator the code counts from records (Criteria+Measures.swift, a fixed library; users never
// write SQL). Criteria sets are data (`criteria_sets`, `criteria`): the starter smart-village set SV-01…SV-14 ships
// with the seed figures as thresholds and is copied and edited by a province or commune. A criterion that records
// cannot give takes dated manual values with their source, shown as manual (`criterion_values`). Evaluation
// (Criteria+Evaluate.swift) counts a unit as of a date, rolls villages up to communes by summing numerators and
// denominators, and links every figure to its rows (docs/criteria.md).
import Fluent
import Vapor

/// How a criterion's figure is judged.
public enum ThresholdKind: String, Codable, Sendable, CaseIterable {
    /// The numerator is at least the threshold (a count: "≥ 1 wifi point").
    case countAtLeast
    /// The numerator over the denominator, in percent, is at least the threshold (0–100).
    case shareAtLeast
    /// Yes when the numerator is at least 1 ("an active digital team").
    case yesNo
}

/// The three pillars of digital transformation a commune reports on (GLOSSARY: chính quyền số, kinh tế số, xã hội số).
public enum Pillar: String, Codable, Sendable, CaseIterable {
    case government, economy, society
}

/// A named set of criteria owned by a unit (a province's or a commune's own), or by nobody: the shipped starter set.
public final class CriteriaSet: Model, @unchecked Sendable {
    public static let schema = "criteria_sets"

    @ID(key: .id) public var id: UUID?
    /// nil: shipped with the system (only a system-wide caller edits it; others copy it into their unit).
    @OptionalField(key: "owner_unit_id") public var ownerUnitID: UUID?
    @Field(key: "code") public var code: String
    @Field(key: "name") public var name: String
    @OptionalField(key: "description") public var description: String?
    @Timestamp(key: "created_at", on: .create, format: .appClock) public var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update, format: .appClock) public var updatedAt: Date?

    public init() {}
}

/// One criterion of a set: a measure (or manual values), a threshold, the unit kind it judges, and whether a unit
/// must meet it to pass.
public final class Criterion: Model, @unchecked Sendable {
    public static let schema = "criteria"

    @ID(key: .id) public var id: UUID?
    @Field(key: "set_id") public var setID: UUID
    @Field(key: "code") public var code: String
    @Field(key: "name") public var name: String
    @OptionalField(key: "name_en") public var nameEn: String?
    /// A key of `Measures.all`; nil: the figure is entered by hand (manual values).
    @OptionalField(key: "measure_key") public var measureKey: String?
    @Field(key: "threshold_kind") public var thresholdKind: ThresholdKind
    /// A count (countAtLeast) or a percentage 0–100 (shareAtLeast); nil for yesNo.
    @OptionalField(key: "threshold_value") public var thresholdValue: Double?
    /// The unit kind the criterion judges (village, commune, province).
    @Field(key: "unit_kind") public var unitKind: UnitKind
    @Field(key: "mandatory") public var mandatory: Bool
    @OptionalField(key: "group_name") public var groupName: String?
    @OptionalField(key: "pillar") public var pillar: Pillar?
    @Field(key: "position") public var position: Int
    @Timestamp(key: "created_at", on: .create, format: .appClock) public var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update, format: .appClock) public var updatedAt: Date?

    public init() {}
}

/// A figure entered by hand for a unit and a criterion, dated, with where it came from.
public final class CriterionValue: Model, @unchecked Sendable {
    public static let schema = "criterion_values"

    @ID(key: .id) public var id: UUID?
    @Field(key: "criterion_id") public var criterionID: UUID
    @Field(key: "unit_id") public var unitID: UUID
    /// The day the value holds from (yyyy-MM-dd).
    @Field(key: "on_day") public var onDay: String
    /// A count, a percentage (0–100) or 1/0 for yes/no, as the criterion's threshold reads it.
    @Field(key: "value") public var value: Double
    @Field(key: "source") public var source: String
    @OptionalField(key: "recorded_by") public var recordedBy: UUID?
    @Field(key: "recorded_by_name") public var recordedByName: String
    @Timestamp(key: "created_at", on: .create, format: .appClock) public var createdAt: Date?

    public init() {}
}
