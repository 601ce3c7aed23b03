// 0022: market batches. Each dated step of a batch says what it is (`inputs`, `field`, `feed`, `processing`, `other`),
// so the traceability page can group them; rows written before have none and read as `other`.
import Fluent
import Vapor

struct AddBatchStepKinds: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("batch_steps").field("kind", .string).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("batch_steps").deleteField("kind").update()
    }
}
