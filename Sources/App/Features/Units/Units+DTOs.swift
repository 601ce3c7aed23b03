// What the Units API sends and receives. Models never go over the wire.
import Vapor

public struct UnitDTO: Content, Equatable {
    public var id: UUID
    public var kind: UnitKind
    public var code: String
    public var name: String
    public var typeName: String
    public var parentId: UUID?
    public var communeId: UUID?
    /// nil: since before records began / still in force.
    public var validFrom: String?
    public var validTo: String?
    public var inForce: Bool
}

extension AdminUnit {
    public func toDTO(today: String = Day.today()) -> UnitDTO {
        UnitDTO(id: id!, kind: kind, code: code, name: name, typeName: typeName, parentId: parentID,
                communeId: communeID,
                validFrom: validFrom == Day.distantPast ? nil : validFrom,
                validTo: validTo == Day.distantFuture ? nil : validTo,
                inForce: isInForce(on: today))
    }
}

/// Create or update a unit. On update, `kind` and `parentId` are ignored (a move is its own action).
public struct UnitInput: Content {
    public var kind: String?
    public var code: String?
    public var name: String?
    public var typeName: String?
    public var parentId: String?
    public var validFrom: String?
    public var validTo: String?

    public init(kind: String? = nil, code: String? = nil, name: String? = nil, typeName: String? = nil,
                parentId: String? = nil, validFrom: String? = nil, validTo: String? = nil) {
        self.kind = kind; self.code = code; self.name = name; self.typeName = typeName
        self.parentId = parentId; self.validFrom = validFrom; self.validTo = validTo
    }
}

public struct UnitSummary: Content, Equatable {
    public var communes: Int?
    public var villages: Int
    public var groups: Int
    public var households: Int
    public var residents: Int
}

public struct UnitLinkDTO: Content {
    public var parent: UnitDTO
    public var validFrom: String?
    public var validTo: String?
}

public struct SuccessionDTO: Content {
    public var predecessor: UnitDTO
    public var successor: UnitDTO
    public var date: String
    public var whole: Bool
    public var note: String
}

public struct UnitHistoryDTO: Content {
    public var unit: UnitDTO
    public var parents: [UnitLinkDTO]
    public var predecessors: [SuccessionDTO]
    public var successors: [SuccessionDTO]
}

/// Move a village into another commune from a date.
public struct MoveInput: Content {
    public var communeId: String?
    public var date: String?
}

/// Merge communes into an existing commune (`targetId`) or into a new one (`newCommune`), from a date.
public struct MergeInput: Content {
    public var sourceIds: [String]?
    public var targetId: String?
    public var newCommune: UnitInput?
    public var date: String?
}

/// Carry a commune that ended in the 2025 reform into its successor, per the official table.
public struct CarryInput: Content {
    public var targetId: String?
}

public struct MoveResult: Content, Equatable {
    public var target: UnitDTO
    public var villagesMoved: Int
    public var householdsMoved: Int
}
