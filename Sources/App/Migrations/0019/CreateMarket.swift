// 0019: market. Producers of a commune (a household, a cooperative or an enterprise) in a village, the accounts that
// manage them, their products (OCOP rating, certifications with validity dates), and batches with dated steps, a
// short public code for the traceability page behind their QR code, and a count of scans.
import Fluent
import SQLKit
import Vapor

struct CreateMarket: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("producers")
            .id()
            .field("commune_id", .uuid, .required, .references("admin_units", "id"))
            .field("village_id", .uuid, .required, .references("admin_units", "id"))
            // household | cooperative | enterprise
            .field("kind", .string, .required)
            .field("name", .string, .required)
            // A household of the commune (private: never on a public page).
            .field("household_id", .uuid, .references("households", "id"))
            .field("contact_name", .string)
            .field("phone", .string)
            // What the producer chose to publish to buyers: the phone shown on public pages.
            .field("public_phone", .bool, .required)
            .field("makes", .string, .required)
            .field("how_to_buy", .string)
            // Sales channels: http(s) links, one a line.
            .field("channels", .string, .required)
            .field("search_key", .string, .required)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .create()
        try await database.schema("producer_accounts")
            .field("producer_id", .uuid, .required, .references("producers", "id", onDelete: .cascade))
            .field("person_id", .uuid, .required, .references("people", "id", onDelete: .cascade))
            .compositeIdentifier(over: "producer_id", "person_id")
            .create()
        try await database.schema("products")
            .id()
            .field("producer_id", .uuid, .required, .references("producers", "id"))
            .field("name", .string, .required)
            .field("category", .string, .required)
            .field("description", .string)
            // What a price is for ("kg", "hộp 500 g").
            .field("unit", .string, .required)
            // Whole đồng.
            .field("price_min", .int64)
            .field("price_max", .int64)
            .field("ocop_stars", .int)
            .field("ocop_year", .int)
            .field("ocop_decision", .string)
            .field("search_key", .string, .required)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .create()
        try await database.schema("product_certifications")
            .id()
            .field("product_id", .uuid, .required, .references("products", "id", onDelete: .cascade))
            .field("name", .string, .required)
            .field("issuer", .string)
            .field("number", .string)
            .field("valid_from", .string, .required)
            .field("valid_to", .string)
            .create()
        try await database.schema("batches")
            .id()
            .field("product_id", .uuid, .required, .references("products", "id"))
            // The short public code in the batch's URL (/b/{code}) and QR code.
            .field("code", .string, .required)
            .field("quantity", .double, .required)
            .field("produced_on", .string, .required)
            .field("best_before", .string)
            .field("notes", .string)
            .field("recalled_at", .datetime)
            .field("recall_reason", .string)
            .field("scans", .int, .required)
            .field("created_by", .uuid)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .create()
        try await database.schema("batch_steps")
            .id()
            .field("batch_id", .uuid, .required, .references("batches", "id", onDelete: .cascade))
            .field("position", .int, .required)
            .field("done_on", .string, .required)
            .field("text", .string, .required)
            .create()
        try await Indexes.create(on: database, [("batches_code", "batches", ["code"])], unique: true)
        try await Indexes.create(on: database, [
            ("producers_village", "producers", ["village_id"]),
            ("producers_commune", "producers", ["commune_id"]),
            ("producers_household", "producers", ["household_id"]),
            ("producer_accounts_person", "producer_accounts", ["person_id"]),
            ("products_producer", "products", ["producer_id"]),
            ("product_certifications_product", "product_certifications", ["product_id"]),
            ("batches_product", "batches", ["product_id", "produced_on"]),
            ("batch_steps_batch", "batch_steps", ["batch_id", "position"]),
        ])
    }

    func revert(on database: any Database) async throws {
        for t in ["batch_steps", "batches", "product_certifications", "products", "producer_accounts", "producers"] {
            try await database.schema(t).delete()
        }
    }
}
