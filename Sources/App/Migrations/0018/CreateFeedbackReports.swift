// 0018: residents' reports (phản ánh hiện trường). A report belongs to the unit responsible for it (a village, else
// the commune) and its commune; it names a place (a point, an asset, or words), a category and a description, and who
// sent it (a household, or a phone). Its photos are files under UPLOADS_DIR/reports; every change is an event.
import Fluent
import SQLKit
import Vapor

struct CreateFeedbackReports: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("feedback_reports")
            .id()
            // The public code: the report's page, the look-up with the phone, Open311's service_request_id.
            .field("code", .string, .required)
            .field("commune_id", .uuid, .required, .references("admin_units", "id"))
            // The unit responsible: the village containing it, else the commune.
            .field("unit_id", .uuid, .required, .references("admin_units", "id"))
            // brokenLight | camera | wifi | road | drainage | rubbish | security | other
            .field("category", .string, .required)
            .field("latitude", .double)
            .field("longitude", .double)
            .field("asset_id", .uuid, .references("assets", "id"))
            .field("place", .string)
            .field("description", .string, .required)
            // Who sent it: a household signed in, or a phone (confirmed or not); web | api | open311.
            .field("household_id", .uuid, .references("households", "id"))
            .field("phone", .string)
            .field("phone_confirmed_at", .datetime)
            .field("reporter_name", .string)
            .field("source", .string, .required)
            .field("token_id", .uuid)
            // submitted | acknowledged | assigned | resolved | closed
            .field("status", .string, .required)
            .field("assignee_person_id", .uuid, .references("people", "id"))
            .field("answer", .string)
            .field("close_reason", .string)
            .field("submitted_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .field("closed_at", .datetime)
            .create()
        try await database.schema("feedback_report_photos")
            .id()
            .field("report_id", .uuid, .required, .references("feedback_reports", "id", onDelete: .cascade))
            .field("stored_name", .string, .required)
            .field("content_type", .string, .required)
            .field("size", .int, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await database.schema("feedback_report_events")
            .id()
            .field("report_id", .uuid, .required, .references("feedback_reports", "id", onDelete: .cascade))
            .field("at", .datetime, .required)
            // submitted | acknowledged | assigned | answered | resolved | closed
            .field("kind", .string, .required)
            .field("status", .string, .required)
            .field("note", .string)
            .field("by_person_id", .uuid)
            .field("by_name", .string)
            .create()
        try await Indexes.create(on: database, [("feedback_reports_code", "feedback_reports", ["code"])], unique: true)
        try await Indexes.create(on: database, [
            ("feedback_reports_unit", "feedback_reports", ["unit_id", "status", "submitted_at"]),
            ("feedback_reports_commune", "feedback_reports", ["commune_id", "submitted_at"]),
            ("feedback_reports_household", "feedback_reports", ["household_id"]),
            ("feedback_reports_phone", "feedback_reports", ["phone", "submitted_at"]),
            ("feedback_reports_asset", "feedback_reports", ["asset_id"]),
            ("feedback_report_photos_report", "feedback_report_photos", ["report_id"]),
            ("feedback_report_events_report", "feedback_report_events", ["report_id", "at"]),
        ])
    }

    func revert(on database: any Database) async throws {
        for table in ["feedback_report_events", "feedback_report_photos", "feedback_reports"] {
            try await database.schema(table).delete()
        }
    }
}
