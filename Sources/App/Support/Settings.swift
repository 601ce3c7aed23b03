// The `settings` table: values made once and shared by every app instance (the form key, the VAPID key pair, the
// phone-confirmation secret, the demo's card secret), keyed by name.
import Fluent
import SQLKit
import Vapor

enum Settings {
    static func get(_ key: String, on db: any Database) async throws -> String? {
        try await sql(db).select().column("value").from("settings").where("key", .equal, key).first()?.decode(column: "value", as: String.self)
    }

    /// Sets it unless another instance set it first; answers the value that holds.
    static func setOnce(_ key: String, _ value: String, on db: any Database) async throws -> String {
        try await sql(db).raw("INSERT INTO settings (key, value) VALUES (\(bind: key), \(bind: value)) ON CONFLICT (key) DO NOTHING").run()
        return try await get(key, on: db) ?? value
    }

    private static func sql(_ db: any Database) throws -> any SQLDatabase {
        guard let s = db as? any SQLDatabase else { throw Abort(.internalServerError) }
        return s
    }
}
