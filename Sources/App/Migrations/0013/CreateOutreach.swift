// 0013: outreach. Community digital technology teams and their members; each household's digital profile as a
// history of dated answers; door-to-door visits (append-only: a wrong one is voided with a reason, never edited);
// digital-skills trainings with the units invited and the residents who attended.
import Fluent
import SQLKit
import Vapor

struct CreateOutreach: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("digital_teams")
            .id()
            .field("name", .string, .required)
            // The village (or the commune) the team serves, and its commune.
            .field("unit_id", .uuid, .required, .references("admin_units", "id"))
            .field("commune_id", .uuid, .required, .references("admin_units", "id"))
            .field("disbanded_on", .string)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .create()
        try await database.schema("team_members")
            .id()
            .field("team_id", .uuid, .required, .references("digital_teams", "id", onDelete: .cascade))
            // A resident of the commune, or a person with an account (or both: a resident who signs in).
            .field("resident_id", .uuid, .references("residents", "id"))
            .field("person_id", .uuid, .references("people", "id"))
            .field("display_name", .string, .required)
            .field("phone", .string)
            .field("leader", .bool, .required)
            .field("joined_on", .string, .required)
            .field("left_on", .string)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .create()
        try await database.schema("visits")
            .id()
            // Made on the phone that recorded it: sending the same visit twice records it once.
            .field("client_id", .string, .required)
            .field("household_id", .uuid, .required, .references("households", "id"))
            .field("team_id", .uuid, .references("digital_teams", "id"))
            .field("visited_on", .string, .required)
            .field("visitors", .string, .required)
            .field("helped", .string, .required)
            .field("dossier_id", .uuid)
            .field("outcome", .string, .required)
            .field("notes", .string)
            .field("next_visit_on", .string)
            .field("recorded_by", .uuid, .references("people", "id"))
            .field("voided_at", .datetime)
            .field("void_reason", .string)
            .field("voided_by", .uuid)
            .field("created_at", .datetime, .required)
            .create()
        try await database.schema("household_profiles")
            .id()
            .field("household_id", .uuid, .required, .references("households", "id"))
            .field("as_of", .string, .required)
            // visit | import | form
            .field("source", .string, .required)
            .field("visit_id", .uuid, .references("visits", "id"))
            .field("internet", .string)
            .field("smartphone_users", .int)
            .field("adults_vneid", .int)
            .field("adults_cashless", .int)
            .field("online_services", .bool)
            .field("e_health", .bool)
            .field("in_village_channel", .bool)
            .field("channel", .string)
            .field("sells_online", .bool)
            .field("own_camera", .bool)
            .field("voided_at", .datetime)
            .field("recorded_by", .uuid)
            .field("created_at", .datetime, .required)
            .create()
        try await database.schema("trainings")
            .id()
            .field("commune_id", .uuid, .required, .references("admin_units", "id"))
            .field("team_id", .uuid, .references("digital_teams", "id"))
            .field("topic", .string, .required)
            .field("held_on", .string, .required)
            .field("starts_at", .string)
            .field("place", .string, .required)
            .field("trainer", .string, .required)
            // The meeting invitation sent through messaging.
            .field("announcement_id", .uuid)
            .field("created_by", .uuid)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .create()
        try await database.schema("training_units")
            .field("training_id", .uuid, .required, .references("trainings", "id", onDelete: .cascade))
            .field("unit_id", .uuid, .required, .references("admin_units", "id"))
            .compositeIdentifier(over: "training_id", "unit_id")
            .create()
        try await database.schema("training_attendance")
            .field("training_id", .uuid, .required, .references("trainings", "id", onDelete: .cascade))
            .field("resident_id", .uuid, .required, .references("residents", "id"))
            .field("household_id", .uuid, .required, .references("households", "id"))
            .field("attended", .bool, .required)
            .field("recorded_by", .uuid)
            .field("recorded_at", .datetime, .required)
            .compositeIdentifier(over: "training_id", "resident_id")
            .create()
        try await Indexes.create(on: database, [("visits_client", "visits", ["client_id"])], unique: true)
        try await Indexes.create(on: database, [
            ("digital_teams_unit", "digital_teams", ["unit_id"]),
            ("digital_teams_commune", "digital_teams", ["commune_id"]),
            ("team_members_team", "team_members", ["team_id"]),
            ("team_members_person", "team_members", ["person_id"]),
            ("team_members_resident", "team_members", ["resident_id"]),
            ("visits_household", "visits", ["household_id", "visited_on"]),
            ("visits_team", "visits", ["team_id", "visited_on"]),
            ("visits_recorded_by", "visits", ["recorded_by", "visited_on"]),
            ("household_profiles_household", "household_profiles", ["household_id", "as_of"]),
            ("trainings_commune", "trainings", ["commune_id", "held_on"]),
            ("trainings_team", "trainings", ["team_id"]),
            ("training_units_unit", "training_units", ["unit_id"]),
            ("training_attendance_household", "training_attendance", ["household_id"]),
        ])
    }

    func revert(on database: any Database) async throws {
        for table in ["training_attendance", "training_units", "trainings", "household_profiles", "visits", "team_members", "digital_teams"] {
            try await database.schema(table).delete()
        }
    }
}
