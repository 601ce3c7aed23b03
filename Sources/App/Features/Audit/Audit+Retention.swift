// How long the audit log keeps personal text (docs/security.md, "Audit log retention"): a row older than
// AUDIT_PERSONAL_DAYS keeps who (person_id, token_id), when, what, which table, row and unit, and loses the text
// that may name a person: the actor's name (or the username typed at a failed sign-in) becomes "(đã xóa)", and
// the before/after values are dropped. The row is never deleted; the database permits this one change and no other
// (triggers in migration 0011).
import Fluent
import Foundation
import SQLKit

public enum AuditRedaction {
    public static let marker = "(đã xóa)"
    static let batch = 5000

    /// Blanks the personal text of rows older than `days` days; answers how many rows it blanked.
    @discardableResult
    public static func sweep(days: Int, on db: any Database, now: Date = AppClock.now) async throws -> Int {
        guard let sql = db as? any SQLDatabase else { return 0 }
        let cutoff = now.addingTimeInterval(-Double(days) * 86_400)
        var total = 0
        while true {
            let ids = try await sql.select().column("id").from(AuditEvent.schema)
                .where("redacted_at", .is, SQLLiteral.null).where("at", .lessThan, cutoff)
                .orderBy("at").limit(batch).all().map { try $0.decode(column: "id", as: UUID.self) }
            if ids.isEmpty { break }
            try await sql.update(AuditEvent.schema).set("actor", to: marker)
                .set("before", to: SQLLiteral.null).set("after", to: SQLLiteral.null).set("redacted_at", to: now)
                .where("id", .in, ids).run()
            total += ids.count
            if ids.count < batch { break }
        }
        return total
    }
}
