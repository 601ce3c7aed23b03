// What the assets' JSON API takes and answers (Resources/openapi.json: Asset*, schemas). Money is whole đồng
// (Int64) everywhere; coordinates are WGS 84 degrees.
import Vapor

public struct AssetDTO: Content, Sendable, Equatable {
    public var id: UUID
    public var kind: AssetKind
    public var name: String
    public var unitId: UUID
    public var unitName: String
    public var communeId: UUID
    public var latitude: Double?
    public var longitude: Double?
    public var place: String?
    public var installedOn: String?
    public var caretakerPersonId: UUID?
    public var caretakerResidentId: UUID?
    public var caretakerName: String?
    public var campaignId: UUID?
    public var qrBoardId: UUID?
    public var status: AssetStatus
    public var statusSince: String
    public var openFaults: Int
    public var notes: String?
}

public struct AssetFaultDTO: Content, Sendable, Equatable {
    public var id: UUID
    public var assetId: UUID
    public var status: FaultStatus
    public var description: String
    public var openedAt: Date
    public var reportId: UUID?
    public var assigneePersonId: UUID?
    public var assigneeName: String?
    public var assignedAt: Date?
    public var fixedAt: Date?
    public var closedAt: Date?
    public var closeReason: String?
}

public struct AssetMaintenanceDTO: Content, Sendable, Equatable {
    public var id: UUID
    public var assetId: UUID
    public var faultId: UUID?
    public var doneOn: String
    public var work: String
    /// Whole đồng.
    public var costDong: Int64
}

public struct AssetStatusChangeDTO: Content, Sendable, Equatable {
    public var status: AssetStatus
    public var fromDay: String
}

public struct AssetDetailDTO: Content, Sendable {
    public var asset: AssetDTO
    public var campaignPurpose: String?
    public var faults: [AssetFaultDTO]
    public var maintenance: [AssetMaintenanceDTO]
    public var maintenanceCostDong: Int64
    public var history: [AssetStatusChangeDTO]
}

/// Per village (nil: the commune's own assets) and kind: how many there are (not removed), how many work today, and
/// the share of days they worked in the last 90 days (days removed or before installation not counted).
public struct AssetFigureDTO: Content, Sendable, Equatable {
    public var villageId: UUID?
    public var villageName: String
    public var kind: AssetKind
    public var total: Int
    public var workingToday: Int
    /// 0…1; nil when no asset of the row existed in the window.
    public var workingShare90: Double?
}

public struct AssetImportReport: Content, Sendable, Equatable {
    public var rows: Int
    public var assetsAdded: Int
}

/// A new asset or a change (PATCH: the fields sent replace the stored ones; kind and unit of a QR board's asset
/// stay the board's).
public struct AssetInput: Content, Sendable {
    public var kind: String?
    public var name: String?
    public var unitId: String?
    public var latitude: Double?
    public var longitude: Double?
    public var place: String?
    public var installedOn: String?
    /// A person with an account (id or username), or a resident of the commune (id), or only a name.
    public var caretakerPersonId: String?
    public var caretakerResidentId: String?
    public var caretakerName: String?
    public var campaignId: String?
    public var notes: String?

    public init(kind: String? = nil, name: String? = nil, unitId: String? = nil, latitude: Double? = nil, longitude: Double? = nil,
                place: String? = nil, installedOn: String? = nil, caretakerPersonId: String? = nil, caretakerResidentId: String? = nil,
                caretakerName: String? = nil, campaignId: String? = nil, notes: String? = nil) {
        self.kind = kind; self.name = name; self.unitId = unitId; self.latitude = latitude; self.longitude = longitude
        self.place = place; self.installedOn = installedOn; self.caretakerPersonId = caretakerPersonId
        self.caretakerResidentId = caretakerResidentId; self.caretakerName = caretakerName; self.campaignId = campaignId; self.notes = notes
    }
}

public struct AssetStatusInput: Content, Sendable {
    public var status: String?
    /// The day the new status began (default today).
    public var from: String?
    public init(status: String? = nil, from: String? = nil) { self.status = status; self.from = from }
}

public struct AssetFaultInput: Content, Sendable {
    public var description: String?
    public init(description: String? = nil) { self.description = description }
}

/// Moves a fault: `assigned` (with `assignee`: a person's id or username), `fixed`, or `closed` (with a `reason`).
public struct FaultUpdateInput: Content, Sendable {
    public var status: String?
    public var assignee: String?
    public var reason: String?
    public init(status: String? = nil, assignee: String? = nil, reason: String? = nil) { self.status = status; self.assignee = assignee; self.reason = reason }
}

/// An amount in whole đồng as JSON sends it: a whole number is taken; a fraction, a string or a negative number is
/// answered with the field at fault (never rounded).
public enum DongAmount: Codable, Sendable, Equatable {
    case dong(Int64)
    case refused(String)

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let v = try? c.decode(Int64.self) {
            self = v < 0 ? .refused("error.moneyNegative") : v > Money.maxDong ? .refused("error.moneyTooLarge") : .dong(v)
        } else if let d = try? c.decode(Double.self) {
            self = .refused(d < 0 ? "error.moneyNegative" : d.rounded() != d ? "error.moneyFraction" : "error.moneyTooLarge")
        } else {
            self = .refused("error.money")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .dong(let v): try c.encode(v)
        case .refused: try c.encodeNil()
        }
    }
}

public struct MaintenanceInput: Content, Sendable {
    public var doneOn: String?
    public var work: String?
    public var costDong: DongAmount?
    public var faultId: String?
    public init(doneOn: String? = nil, work: String? = nil, costDong: DongAmount? = nil, faultId: String? = nil) {
        self.doneOn = doneOn; self.work = work; self.costDong = costDong; self.faultId = faultId
    }
}
