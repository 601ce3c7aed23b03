// 0016: the assets' history. Each change of an asset's status (working, faulty, removed) is a row with the day it
// began, so "the share of days each kind worked in the last 90 days" is counted from records; the maintenance log
// (date, what was done, cost in whole đồng) is a row per piece of work. The procedures' QR boards that exist already
// get their mirror asset (kind qrBoard), so a board is never entered twice; new boards get theirs in the same
// transaction that creates them (BoardActions.create → AssetMirror.board).
import Fluent
import SQLKit
import Vapor

struct CreateAssetHistory: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("asset_status_changes")
            .id()
            .field("asset_id", .uuid, .required, .references("assets", "id", onDelete: .cascade))
            // working | faulty | removed, from this day on (until the next change).
            .field("status", .string, .required)
            .field("from_day", .string, .required)
            .field("fault_id", .uuid)
            .field("changed_by", .uuid)
            .field("created_at", .datetime)
            .create()
        try await database.schema("asset_maintenance")
            .id()
            .field("asset_id", .uuid, .required, .references("assets", "id", onDelete: .cascade))
            .field("commune_id", .uuid, .required, .references("admin_units", "id"))
            .field("fault_id", .uuid, .references("asset_faults", "id"))
            .field("done_on", .string, .required)
            .field("work", .string, .required)
            // Whole đồng; never a floating-point number.
            .field("cost_dong", .int64, .required)
            .field("recorded_by", .uuid)
            .field("created_at", .datetime)
            .create()
        try await Indexes.create(on: database, [
            ("asset_status_changes_asset", "asset_status_changes", ["asset_id", "from_day"]),
            ("asset_maintenance_asset", "asset_maintenance", ["asset_id", "done_on"]),
        ])
        // Every existing board gets its mirror asset and the first status row.
        for b in try await QrBoard.query(on: database).all() {
            try await AssetMirror.board(b, on: database)
        }
    }

    func revert(on database: any Database) async throws {
        try await Asset.query(on: database).filter(\.$qrBoardID != nil).delete()
        try await database.schema("asset_maintenance").delete()
        try await database.schema("asset_status_changes").delete()
    }
}
