// 0006: how a household representative signs in without a password: a card token (hashed) and a phone + PIN.
import Fluent

struct AddHouseholdSignIn: AsyncMigration {
    func prepare(on database: any Database) async throws {
        // One column per ALTER TABLE: SQLite adds a single column per statement.
        let columns: [(String, DatabaseSchema.DataType)] = [
            ("card_token_hash", .string), ("card_issued_at", .datetime), ("pin_phone", .string),
            ("pin_hash", .string), ("pin_failed", .int), ("pin_locked_until", .datetime),
        ]
        for (name, type) in columns {
            try await database.schema("households").field(.string(name), type).update()
        }
        try await Indexes.create(on: database, [("households_card", "households", ["card_token_hash"]), ("households_pin_phone", "households", ["pin_phone"])])
    }

    func revert(on database: any Database) async throws {
        try await Indexes.drop(on: database, ["households_card", "households_pin_phone"])
        for f in ["card_token_hash", "card_issued_at", "pin_phone", "pin_hash", "pin_failed", "pin_locked_until"] {
            try await database.schema("households").deleteField(.string(f)).update()
        }
    }
}
