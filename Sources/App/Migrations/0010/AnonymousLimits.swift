// 0010: anonymous edges of procedures. Scans become one counter per board, procedure and day (raised by an upsert)
// instead of a row per request; anonymous questions, bookings and paper sets remember whether their phone was
// confirmed; the confirmations themselves (the code only as a hash, with its expiry and attempts).
import Fluent
import SQLKit
import Vapor

struct AnonymousLimits: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("procedure_scan_counts")
            .field("board_procedure_id", .uuid, .required, .references("board_procedures", "id", onDelete: .cascade))
            .field("day", .string, .required)
            .field("board_id", .uuid, .required)
            .field("procedure_id", .uuid, .required)
            .field("commune_id", .uuid, .required)
            .field("scans", .int, .required)
            .compositeIdentifier(over: "board_procedure_id", "day")
            .create()
        if let sql = database as? any SQLDatabase {
            try await sql.raw("""
                INSERT INTO procedure_scan_counts (board_procedure_id, day, board_id, procedure_id, commune_id, scans)
                SELECT board_procedure_id, day, board_id, procedure_id, commune_id, COUNT(*) FROM procedure_scans
                GROUP BY board_procedure_id, day, board_id, procedure_id, commune_id
                """).run()
        }
        try await database.schema("procedure_scans").delete()
        try await Indexes.create(on: database, [
            ("procedure_scan_counts_board_day", "procedure_scan_counts", ["board_id", "day"]),
            ("procedure_scan_counts_commune_day", "procedure_scan_counts", ["commune_id", "day"]),
        ])
        for table in ["procedure_questions", "appointments", "paper_sets"] {
            try await database.schema(table).field("phone_confirmed_at", .datetime).update()
        }
        try await database.schema("phone_confirmations")
            .id()
            .field("phone", .string, .required)
            .field("commune_id", .uuid, .required, .references("admin_units", "id"))
            // What waits for the confirmation: procedure_questions, appointments or paper_sets, and its row.
            .field("subject_table", .string, .required)
            .field("subject_id", .uuid, .required)
            .field("code_hash", .string, .required)
            .field("attempts", .int, .required)
            .field("created_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .field("confirmed_at", .datetime)
            .create()
        try await Indexes.create(on: database, [("phone_confirmations_subject", "phone_confirmations", ["subject_id"]),
                                                ("phone_confirmations_expires", "phone_confirmations", ["expires_at"])])
    }

    func revert(on database: any Database) async throws {
        try await database.schema("phone_confirmations").delete()
        for table in ["procedure_questions", "appointments", "paper_sets"] {
            try await database.schema(table).deleteField("phone_confirmed_at").update()
        }
        // Back to a row per scan (the per-day counts are not expanded again).
        try await database.schema("procedure_scans")
            .id()
            .field("board_procedure_id", .uuid, .required, .references("board_procedures", "id", onDelete: .cascade))
            .field("board_id", .uuid, .required)
            .field("procedure_id", .uuid, .required)
            .field("commune_id", .uuid, .required)
            .field("day", .string, .required)
            .field("at", .datetime, .required)
            .create()
        try await database.schema("procedure_scan_counts").delete()
    }
}
