// What criteria send and take over the wire (Resources/openapi.json, tag Criteria). Models never go out.
import Vapor

public struct MeasureDTO: Content, Sendable {
    public var key: String
    public var name: String
    public var nameVi: String
    public var nameEn: String
    /// The unit whose records it counts (village, or commune).
    public var base: UnitKind
    public var unitKinds: [UnitKind]
    public var hasDenominator: Bool
    /// What the numerator counts: households, adults, residents, assets, deliveries, teams, boards, dossiers.
    public var counts: String
}

public struct CriteriaSetDTO: Content, Sendable {
    public var id: UUID
    public var ownerUnitId: UUID?
    public var ownerUnitName: String?
    public var code: String
    public var name: String
    public var description: String?
    public var criteria: [CriterionDTO]?
}

public struct CriterionDTO: Content, Sendable {
    public var id: UUID
    public var setId: UUID
    public var code: String
    public var name: String
    public var nameEn: String?
    public var measureKey: String?
    public var thresholdKind: ThresholdKind
    public var thresholdValue: Double?
    public var unitKind: UnitKind
    public var mandatory: Bool
    public var groupName: String?
    public var pillar: Pillar?
    public var position: Int
}

public struct CriteriaSetInput: Content, Sendable {
    public var ownerUnitId: String?
    public var code: String?
    public var name: String?
    public var description: String?
    /// A set to copy the criteria of (one the caller may read).
    public var copyFrom: String?
    public init(ownerUnitId: String? = nil, code: String? = nil, name: String? = nil, description: String? = nil, copyFrom: String? = nil) {
        self.ownerUnitId = ownerUnitId; self.code = code; self.name = name; self.description = description; self.copyFrom = copyFrom
    }
}

public struct CriterionInput: Content, Sendable {
    public var code: String?
    public var name: String?
    public var nameEn: String?
    /// A measure's key, or "" / null for a criterion entered by hand.
    public var measureKey: String?
    public var thresholdKind: String?
    public var thresholdValue: Double?
    public var unitKind: String?
    public var mandatory: Bool?
    public var groupName: String?
    public var pillar: String?
    public var position: Int?
    public init(code: String? = nil, name: String? = nil, nameEn: String? = nil, measureKey: String? = nil, thresholdKind: String? = nil,
                thresholdValue: Double? = nil, unitKind: String? = nil, mandatory: Bool? = nil, groupName: String? = nil, pillar: String? = nil,
                position: Int? = nil) {
        self.code = code; self.name = name; self.nameEn = nameEn; self.measureKey = measureKey; self.thresholdKind = thresholdKind
        self.thresholdValue = thresholdValue; self.unitKind = unitKind; self.mandatory = mandatory; self.groupName = groupName
        self.pillar = pillar; self.position = position
    }
}

public struct ManualValueInput: Content, Sendable {
    public var criterionId: String?
    /// yyyy-MM-dd (dd/MM/yyyy accepted), not after today.
    public var on: String?
    public var value: Double?
    public var source: String?
    public init(criterionId: String? = nil, on: String? = nil, value: Double? = nil, source: String? = nil) {
        self.criterionId = criterionId; self.on = on; self.value = value; self.source = source
    }
}

public struct ManualValueDTO: Content, Sendable, Equatable {
    public var id: UUID
    public var criterionId: UUID
    public var unitId: UUID
    public var on: String
    public var value: Double
    public var source: String
    public var recordedBy: String
}

public struct UnitRefDTO: Content, Sendable, Equatable {
    public var id: UUID
    public var kind: UnitKind
    public var code: String
    public var name: String
}

/// One criterion evaluated for a unit on a day.
public struct CriterionResultDTO: Content, Sendable {
    public var criterion: CriterionDTO
    /// The unit the figure is of: the unit itself, the unit above it the criterion judges (a village's commune for
    /// SV-13), or the unit itself summed over the units of the criterion's kind below it (`rolledUp`).
    public var judgedOn: UnitRefDTO?
    public var rolledUp: Bool
    public var numerator: Int?
    public var denominator: Int?
    /// Percent (0–100) for a share, the count otherwise (1/0 for yes/no); nil when there is nothing to count.
    public var value: Double?
    /// The manual value the figure comes from (a criterion without a measure, or a unit without records).
    public var manual: ManualValueDTO?
    /// nil when rolled up (judged on each unit below: `unitsPassing` of `units`).
    public var passes: Bool?
    public var unitsPassing: Int?
    public var units: Int?
    /// The rows behind the figure and those it leaves out (JSON), when the figure is of one unit's records.
    public var rowsURL: String?
    public var missingURL: String?
}

/// A unit below, judged on the set's criteria of its kind (a commune's villages side by side).
public struct UnitPassDTO: Content, Sendable {
    public var unit: UnitRefDTO
    public var passes: Bool
    /// Codes of the mandatory criteria it does not meet.
    public var failing: [String]
}

public struct EvaluationDTO: Content, Sendable {
    public var unit: UnitRefDTO
    public var on: String
    public var set: CriteriaSetDTO
    /// Every mandatory criterion met; nil when the set judges units below this one (see `below`).
    public var passes: Bool?
    /// Codes of the mandatory criteria not met (on this unit).
    public var missing: [String]
    public var criteria: [CriterionResultDTO]
    public var below: [UnitPassDTO]
    /// When the figures were counted ahead (`CRITERIA_PRECOMPUTE`); absent when counted for this request.
    public var countedAt: Date? = nil
}

public struct MeasureRowsDTO: Content, Sendable {
    public var unit: UnitRefDTO
    public var measure: String
    public var on: String
    public var missing: Bool
    public var rows: [MeasureRow]
    /// At most 500 rows are listed.
    public var limited: Bool
}
