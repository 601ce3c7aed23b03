// 0026: market product photos. A product has up to a few photos, checked by content (JPEG, PNG, WebP) and stored as
// files under UPLOADS_DIR/products; the row keeps the file's name, type, size and order.
import Fluent
import Vapor

struct CreateProductPhotos: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("product_photos")
            .id()
            .field("product_id", .uuid, .required, .references("products", "id", onDelete: .cascade))
            .field("stored_name", .string, .required)
            .field("content_type", .string, .required)
            .field("size", .int, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await Indexes.create(on: database, [("product_photos_product", "product_photos", ["product_id"])])
    }

    func revert(on database: any Database) async throws {
        try await database.schema("product_photos").delete()
    }
}
