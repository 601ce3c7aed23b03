// Assets: what the village owns — security cameras, solar street lights, wifi points, loudspeakers, QR boards,
// cultural houses — where each stands, who looks after it, which campaign paid for it, and whether it works today.
// Faults move open → assigned → fixed (or closed with a reason). Campaigns raise money for a unit (the contributions
// ledger, Features/Ledger). Residents' reports (Features/Reports) may open a fault on an asset.
import Fluent
import Vapor

/// What kind of thing an asset is (GLOSSARY: camera, solarLight, wifiPoint).
public enum AssetKind: String, Codable, Sendable, CaseIterable {
    case camera, solarLight, wifiPoint, loudspeaker, qrBoard, culturalHouse, other
}

/// Whether an asset works today.
public enum AssetStatus: String, Codable, Sendable, CaseIterable {
    case working, faulty, removed
}

/// Where a fault stands.
public enum FaultStatus: String, Codable, Sendable, CaseIterable {
    case open, assigned, fixed, closed
}

/// A thing the village or commune owns, at a place.
public final class Asset: Model, @unchecked Sendable {
    public static let schema = "assets"

    @ID(key: .id) public var id: UUID?
    @Field(key: "kind") public var kind: AssetKind
    @Field(key: "name") public var name: String
    /// The most specific unit it stands in: a group, a village, or the commune.
    @Field(key: "unit_id") public var unitID: UUID
    @Field(key: "commune_id") public var communeID: UUID
    @OptionalField(key: "latitude") public var latitude: Double?
    @OptionalField(key: "longitude") public var longitude: Double?
    /// The place in words ("đầu ngõ 3, cạnh nhà văn hóa").
    @OptionalField(key: "place") public var place: String?
    @OptionalField(key: "installed_on") public var installedOn: String?
    @OptionalField(key: "caretaker_person_id") public var caretakerPersonID: UUID?
    @OptionalField(key: "caretaker_resident_id") public var caretakerResidentID: UUID?
    @OptionalField(key: "caretaker_name") public var caretakerName: String?
    @OptionalField(key: "campaign_id") public var campaignID: UUID?
    /// The procedures' QR board this asset stands for (kind qrBoard).
    @OptionalField(key: "qr_board_id") public var qrBoardID: UUID?
    @Field(key: "status") public var status: AssetStatus
    /// The day the current status began.
    @Field(key: "status_since") public var statusSince: String
    @OptionalField(key: "notes") public var notes: String?
    @Timestamp(key: "created_at", on: .create, format: .appClock) public var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update, format: .appClock) public var updatedAt: Date?

    public init() {}
}

/// A fault on an asset: reported, assigned to someone, fixed — or closed with a reason.
public final class AssetFault: Model, @unchecked Sendable {
    public static let schema = "asset_faults"

    @ID(key: .id) public var id: UUID?
    @Field(key: "asset_id") public var assetID: UUID
    @Field(key: "commune_id") public var communeID: UUID
    @Field(key: "status") public var status: FaultStatus
    @Field(key: "description") public var description: String
    @Field(key: "opened_at") public var openedAt: Date
    @OptionalField(key: "opened_by") public var openedBy: UUID?
    /// The resident's report that opened it, if one did.
    @OptionalField(key: "report_id") public var reportID: UUID?
    @OptionalField(key: "assignee_person_id") public var assigneePersonID: UUID?
    @OptionalField(key: "assigned_at") public var assignedAt: Date?
    @OptionalField(key: "fixed_at") public var fixedAt: Date?
    @OptionalField(key: "closed_at") public var closedAt: Date?
    @OptionalField(key: "close_reason") public var closeReason: String?
    @Timestamp(key: "updated_at", on: .update, format: .appClock) public var updatedAt: Date?

    public init() {}
}

/// A fundraising campaign (xã hội hóa) of a commune or a village: its purpose, its target in đồng and its period.
public final class Campaign: Model, @unchecked Sendable {
    public static let schema = "campaigns"

    @ID(key: .id) public var id: UUID?
    @Field(key: "unit_id") public var unitID: UUID
    @Field(key: "commune_id") public var communeID: UUID
    @Field(key: "purpose") public var purpose: String
    /// Whole đồng; never a floating-point number.
    @Field(key: "target_dong") public var targetDong: Int64
    @Field(key: "starts_on") public var startsOn: String
    @OptionalField(key: "ends_on") public var endsOn: String?
    @OptionalField(key: "created_by") public var createdBy: UUID?
    @Timestamp(key: "created_at", on: .create, format: .appClock) public var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update, format: .appClock) public var updatedAt: Date?

    public init() {}
}
