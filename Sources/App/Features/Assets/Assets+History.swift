// An asset's history: each change of status with the day it began (the 90-day working share is counted from these
// rows), and the maintenance log (what was done, on which day, for how many đồng). Both from migration 0016.
import Fluent
import Vapor

/// From `fromDay` on (until the next row), the asset had `status`.
public final class AssetStatusChange: Model, @unchecked Sendable {
    public static let schema = "asset_status_changes"

    @ID(key: .id) public var id: UUID?
    @Field(key: "asset_id") public var assetID: UUID
    @Field(key: "status") public var status: AssetStatus
    @Field(key: "from_day") public var fromDay: String
    /// The fault that made it faulty, or whose fixing made it work again.
    @OptionalField(key: "fault_id") public var faultID: UUID?
    @OptionalField(key: "changed_by") public var changedBy: UUID?
    @Timestamp(key: "created_at", on: .create, format: .appClock) public var createdAt: Date?

    public init() {}
}

/// A piece of work on an asset: repaired, cleaned, battery replaced… and what it cost, in whole đồng.
public final class AssetMaintenance: Model, @unchecked Sendable {
    public static let schema = "asset_maintenance"

    @ID(key: .id) public var id: UUID?
    @Field(key: "asset_id") public var assetID: UUID
    @Field(key: "commune_id") public var communeID: UUID
    @OptionalField(key: "fault_id") public var faultID: UUID?
    @Field(key: "done_on") public var doneOn: String
    @Field(key: "work") public var work: String
    @Field(key: "cost_dong") public var costDong: Int64
    @OptionalField(key: "recorded_by") public var recordedBy: UUID?
    @Timestamp(key: "created_at", on: .create, format: .appClock) public var createdAt: Date?

    public init() {}
}
