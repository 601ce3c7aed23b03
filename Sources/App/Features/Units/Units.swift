// Units: the administrative tree, province → (district, before 1 July 2025) → commune → village → group.
// Provinces, districts and communes carry official codes; villages and groups carry codes unique within their
// commune. Every unit has an effective period [validFrom, validTo), and its parent over time is kept in
// `unit_links`, so "which commune did this village belong to on a date" survives merges and moves.
import Fluent
import Vapor

public enum UnitKind: String, Codable, Sendable, CaseIterable {
    case province, district, commune, village, group

    /// The kinds a unit of this kind may have as children.
    public var childKinds: [UnitKind] {
        switch self {
        case .province: return [.district, .commune]
        case .district: return [.commune]
        case .commune: return [.village]
        case .village: return [.group]
        case .group: return []
        }
    }

    public var parentKinds: [UnitKind] {
        UnitKind.allCases.filter { $0.childKinds.contains(self) }
    }

    /// Official codes: province 2 digits, district 3, commune 5 (Decision 19/2025/QĐ-TTg); local codes otherwise.
    public var officialCodeLength: Int? {
        switch self {
        case .province: return 2
        case .district: return 3
        case .commune: return 5
        case .village, .group: return nil
        }
    }

    public var defaultTypeName: String {
        switch self {
        case .province: return "tỉnh"
        case .district: return "huyện"
        case .commune: return "xã"
        case .village: return "thôn"
        case .group: return "tổ tự quản"
        }
    }
}

public final class AdminUnit: Model, @unchecked Sendable {
    public static let schema = "admin_units"

    @ID(key: .id) public var id: UUID?
    @Field(key: "kind") public var kind: UnitKind
    @Field(key: "code") public var code: String
    @Field(key: "name") public var name: String
    /// What people call this kind of unit here: "xã", "phường", "thôn", "tổ dân phố"…
    @Field(key: "type_name") public var typeName: String
    @OptionalField(key: "parent_id") public var parentID: UUID?
    /// For villages and groups: the commune they are in now (denormalised for scope and code checks).
    @OptionalField(key: "commune_id") public var communeID: UUID?
    @Field(key: "valid_from") public var validFrom: String
    @Field(key: "valid_to") public var validTo: String
    @Field(key: "search_key") public var searchKey: String
    @Timestamp(key: "created_at", on: .create, format: .appClock) public var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update, format: .appClock) public var updatedAt: Date?

    public init() {}

    public init(id: UUID? = nil, kind: UnitKind, code: String, name: String, typeName: String, parentID: UUID?,
                communeID: UUID? = nil, validFrom: String = Day.distantPast, validTo: String = Day.distantFuture) {
        self.id = id
        self.kind = kind
        self.code = code
        self.name = name
        self.typeName = typeName
        self.parentID = parentID
        self.communeID = communeID
        self.validFrom = validFrom
        self.validTo = validTo
        self.searchKey = Fold.key([code, name])
    }

    public func isInForce(on day: String) -> Bool { validFrom <= day && day < validTo }
}

/// A unit's parent over a period [validFrom, validTo).
public final class UnitLink: Model, @unchecked Sendable {
    public static let schema = "unit_links"

    @ID(key: .id) public var id: UUID?
    @Field(key: "unit_id") public var unitID: UUID
    @Field(key: "parent_id") public var parentID: UUID
    @Field(key: "valid_from") public var validFrom: String
    @Field(key: "valid_to") public var validTo: String

    public init() {}
    public init(unitID: UUID, parentID: UUID, validFrom: String, validTo: String = Day.distantFuture) {
        self.id = UUID.random()
        self.unitID = unitID
        self.parentID = parentID
        self.validFrom = validFrom
        self.validTo = validTo
    }
}

/// An old unit that went into a new one on a date, whole or in part (one old unit may go into several new ones).
public final class UnitSuccession: Model, @unchecked Sendable {
    public static let schema = "unit_successions"

    @ID(key: .id) public var id: UUID?
    @Field(key: "predecessor_id") public var predecessorID: UUID
    @Field(key: "successor_id") public var successorID: UUID
    @Field(key: "on_date") public var onDate: String
    @Field(key: "whole") public var whole: Bool
    @Field(key: "note") public var note: String

    public init() {}
    public init(predecessorID: UUID, successorID: UUID, onDate: String, whole: Bool, note: String) {
        self.id = UUID.random()
        self.predecessorID = predecessorID
        self.successorID = successorID
        self.onDate = onDate
        self.whole = whole
        self.note = note
    }
}
