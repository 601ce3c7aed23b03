// 0007: messaging — announcements and their audience, corrections, one delivery per household, one row per
// household and channel, push subscriptions, settings (VAPID keys), and the jobs table the workers claim.
import Fluent
import SQLKit

struct CreateMessaging: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("announcements")
            .id()
            .field("unit_id", .uuid, .required, .references("admin_units", "id"))
            .field("commune_id", .uuid, .required, .references("admin_units", "id"))
            .field("category", .string, .required)
            .field("status", .string, .required)
            .field("title", .string, .required)
            .field("body", .string, .required)
            .field("channels", .string, .required)
            .field("publish_at", .datetime)
            .field("published_at", .datetime)
            .field("withdrawn_at", .datetime)
            .field("withdraw_reason", .string)
            .field("author_id", .uuid)
            .field("author_name", .string, .required)
            .field("audience_count", .int)
            .field("starts_at", .datetime)
            .field("place", .string)
            .field("reminders", .string)
            .field("severity", .string)
            .field("expires_at", .datetime)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .create()
        try await database.schema("announcement_units")
            .id()
            .field("announcement_id", .uuid, .required, .references("announcements", "id", onDelete: .cascade))
            .field("unit_id", .uuid, .required, .references("admin_units", "id"))
            .create()
        try await database.schema("announcement_corrections")
            .id()
            .field("announcement_id", .uuid, .required, .references("announcements", "id", onDelete: .cascade))
            .field("at", .datetime, .required)
            .field("author_name", .string, .required)
            .field("note", .string, .required)
            .field("previous_title", .string, .required)
            .field("previous_body", .string, .required)
            .create()
        try await database.schema("deliveries")
            .id()
            .field("announcement_id", .uuid, .required, .references("announcements", "id", onDelete: .cascade))
            .field("household_id", .uuid, .required, .references("households", "id", onDelete: .cascade))
            .field("village_id", .uuid, .required)
            .field("group_id", .uuid)
            .field("state", .string, .required)
            .field("reached_via", .string)
            .field("delivered_at", .datetime)
            .field("read_at", .datetime)
            .field("informed_by", .string)
            .field("rsvp", .string)
            .field("rsvp_at", .datetime)
            .field("attended", .bool)
            .field("created_at", .datetime)
            .create()
        try await database.schema("channel_deliveries")
            .id()
            .field("delivery_id", .uuid, .required, .references("deliveries", "id", onDelete: .cascade))
            .field("announcement_id", .uuid, .required)
            .field("household_id", .uuid, .required)
            .field("channel", .string, .required)
            .field("purpose", .string, .required)
            .field("address", .string, .required)
            .field("state", .string, .required)
            .field("attempts", .int, .required)
            .field("next_attempt_at", .datetime, .required)
            .field("last_error", .string)
            .field("external_id", .string)
            .field("sent_at", .datetime)
            .field("delivered_at", .datetime)
            .field("read_at", .datetime)
            .create()
        try await database.schema("push_subscriptions")
            .id()
            .field("household_id", .uuid, .required, .references("households", "id", onDelete: .cascade))
            .field("endpoint", .string, .required)
            .field("p256dh", .string, .required)
            .field("auth", .string, .required)
            .field("failures", .int, .required)
            .field("created_at", .datetime)
            .create()
        try await database.schema("settings")
            .field("key", .string, .identifier(auto: false))
            .field("value", .string, .required)
            .create()
        try await database.schema("jobs")
            .id()
            .field("kind", .string, .required)
            .field("unique_key", .string, .required)
            .field("payload", .string, .required)
            .field("state", .string, .required)
            .field("run_at", .datetime, .required)
            .field("attempts", .int, .required)
            .field("generation", .int, .required)
            .field("cursor", .string)
            .field("locked_by", .string)
            .field("locked_until", .datetime)
            .field("last_error", .string)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .create()
        try await Indexes.create(on: database, [
            ("deliveries_household_once", "deliveries", ["announcement_id", "household_id"]),
            ("channel_deliveries_once", "channel_deliveries", ["delivery_id", "channel", "purpose"]),
            ("push_subscriptions_endpoint", "push_subscriptions", ["endpoint"]),
            ("jobs_unique_key", "jobs", ["unique_key"]),
        ], unique: true)
        try await Indexes.create(on: database, [
            ("announcements_unit", "announcements", ["unit_id"]),
            ("announcements_commune", "announcements", ["commune_id", "status"]),
            ("announcement_units_announcement", "announcement_units", ["announcement_id"]),
            ("announcement_units_unit", "announcement_units", ["unit_id"]),
            ("announcement_corrections_announcement", "announcement_corrections", ["announcement_id"]),
            // Reach per village and group is a covering scan of this index.
            ("deliveries_reach", "deliveries", ["announcement_id", "village_id", "group_id", "state"]),
            ("deliveries_inbox", "deliveries", ["household_id", "created_at"]),
            ("channel_deliveries_queue", "channel_deliveries", ["announcement_id", "channel", "state", "next_attempt_at"]),
            ("channel_deliveries_external", "channel_deliveries", ["external_id"]),
            ("push_subscriptions_household", "push_subscriptions", ["household_id"]),
            ("jobs_due", "jobs", ["state", "run_at"]),
            // The fan-out walks an audience's households in id order, batch by batch.
            ("households_commune_id", "households", ["commune_id", "id"]),
            ("households_village_id", "households", ["village_id", "id"]),
            ("households_group_id", "households", ["group_id", "id"]),
        ])
    }

    func revert(on database: any Database) async throws {
        if let sql = database as? any SQLDatabase {
            for i in ["households_commune_id", "households_village_id", "households_group_id"] { try await sql.drop(index: i).run() }
        }
        for t in ["jobs", "settings", "push_subscriptions", "channel_deliveries", "deliveries", "announcement_corrections",
                  "announcement_units", "announcements"] {
            try await database.schema(t).delete()
        }
    }
}
