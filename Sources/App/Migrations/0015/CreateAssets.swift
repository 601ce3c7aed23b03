// 0015: assets and campaigns, the rows the asset register, the residents' reports and the contributions ledger all
// point at. A campaign raises money for a unit; an asset (camera, solar light, wifi point, …) belongs to a unit and
// may name the campaign that paid for it; a fault is opened on an asset (by a caretaker, an official, or a resident's
// report) and moves open → assigned → fixed or closed. Money is an integer number of đồng everywhere.
import Fluent
import SQLKit
import Vapor

struct CreateAssets: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("campaigns")
            .id()
            // The commune or village raising the money, and its commune.
            .field("unit_id", .uuid, .required, .references("admin_units", "id"))
            .field("commune_id", .uuid, .required, .references("admin_units", "id"))
            .field("purpose", .string, .required)
            .field("target_dong", .int64, .required)
            .field("starts_on", .string, .required)
            .field("ends_on", .string)
            .field("created_by", .uuid)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .create()
        try await database.schema("assets")
            .id()
            // camera | solarLight | wifiPoint | loudspeaker | qrBoard | culturalHouse | other
            .field("kind", .string, .required)
            .field("name", .string, .required)
            // The most specific unit it stands in (a group, a village, or the commune itself), and its commune.
            .field("unit_id", .uuid, .required, .references("admin_units", "id"))
            .field("commune_id", .uuid, .required, .references("admin_units", "id"))
            .field("latitude", .double)
            .field("longitude", .double)
            .field("place", .string)
            .field("installed_on", .string)
            // Who looks after it: a person with an account, or a resident, and the name to show.
            .field("caretaker_person_id", .uuid, .references("people", "id"))
            .field("caretaker_resident_id", .uuid, .references("residents", "id"))
            .field("caretaker_name", .string)
            .field("campaign_id", .uuid, .references("campaigns", "id"))
            // The procedures' QR board this asset mirrors (kind qrBoard), so a board is never entered twice.
            .field("qr_board_id", .uuid, .references("qr_boards", "id"))
            // working | faulty | removed
            .field("status", .string, .required)
            .field("status_since", .string, .required)
            .field("notes", .string)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .create()
        try await database.schema("asset_faults")
            .id()
            .field("asset_id", .uuid, .required, .references("assets", "id"))
            .field("commune_id", .uuid, .required, .references("admin_units", "id"))
            // open | assigned | fixed | closed
            .field("status", .string, .required)
            .field("description", .string, .required)
            .field("opened_at", .datetime, .required)
            .field("opened_by", .uuid)
            // The resident's report that opened it, if one did (feedback_reports, a later table).
            .field("report_id", .uuid)
            .field("assignee_person_id", .uuid, .references("people", "id"))
            .field("assigned_at", .datetime)
            .field("fixed_at", .datetime)
            .field("closed_at", .datetime)
            .field("close_reason", .string)
            .field("updated_at", .datetime)
            .create()
        try await Indexes.create(on: database, [("assets_qr_board", "assets", ["qr_board_id"])], unique: true)
        try await Indexes.create(on: database, [
            ("campaigns_unit", "campaigns", ["unit_id"]),
            ("campaigns_commune", "campaigns", ["commune_id", "starts_on"]),
            ("assets_unit_kind", "assets", ["unit_id", "kind"]),
            ("assets_commune_kind", "assets", ["commune_id", "kind", "status"]),
            ("assets_campaign", "assets", ["campaign_id"]),
            ("assets_caretaker_person", "assets", ["caretaker_person_id"]),
            ("assets_caretaker_resident", "assets", ["caretaker_resident_id"]),
            ("asset_faults_asset", "asset_faults", ["asset_id", "opened_at"]),
            ("asset_faults_commune_status", "asset_faults", ["commune_id", "status"]),
            ("asset_faults_assignee", "asset_faults", ["assignee_person_id"]),
            ("asset_faults_report", "asset_faults", ["report_id"]),
        ])
    }

    func revert(on database: any Database) async throws {
        for table in ["asset_faults", "assets", "campaigns"] {
            try await database.schema(table).delete()
        }
    }
}
