import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting
@testable import App

@Suite("Audit log retention of personal text")
struct AuditRetentionTests {
    static func event(_ app: Application, daysAgo: Double, actor: String) async throws -> AuditEvent {
        let e = AuditEvent()
        e.id = UUID()
        e.at = app.now.addingTimeInterval(-daysAgo * 86_400)
        e.personID = UUID()
        e.actor = actor
        e.action = "update"
        e.tableName = "residents"
        e.rowID = UUID()
        e.unitID = UUID()
        e.before = "{\"fullName\":\"Nguyễn Văn An\"}"
        e.after = "{\"fullName\":\"Nguyễn Văn Ân\"}"
        try await e.create(on: app.db)
        return e
    }

    @Test("rows older than AUDIT_PERSONAL_DAYS lose their names and values when housekeeping runs; newer rows keep them; nothing else can change a row")
    func retention() async throws {
        try await withTestApp({ $0.auditPersonalDays = 30 }) { app in
            let old = try await Self.event(app, daysAgo: 31, actor: "Cán bộ Cũ")
            let recent = try await Self.event(app, daysAgo: 29, actor: "Cán bộ Mới")
            // A username typed at a failed sign-in, today.
            let page = try await app.anonymousPage("/signin")
            let cookie = try #require(page.headers.setCookie?["thonso_session"]?.string)
            _ = try await app.testing().sendRequest(.POST, "/signin", headers: ["Cookie": "thonso_session=\(cookie)"]) { req in
                try req.content.encode(["username": "nguyenvanan", "password": "sai", "_csrf": try #require(scrapeCSRF(page.text))], as: .urlEncodedForm)
            }

            let lines = try await Housekeeping.run(app)
            #expect(lines.contains { $0.hasPrefix("audit personal text: 1 ") }, "\(lines)")

            let rows = try await app.api(.GET, "/api/v1/audit?per=500").decode(Paged<AuditEventDTO>.self).items
            let o = try #require(rows.first { $0.id == old.id })
            #expect(o.actor == AuditRedaction.marker && o.before == nil && o.after == nil)
            #expect(abs(o.at.timeIntervalSince(old.at)) < 1)
            #expect(o.personId == old.personID && o.rowId == old.rowID && o.unitId == old.unitID)
            #expect(o.action == "update" && o.table == "residents")
            let r = try #require(rows.first { $0.id == recent.id })
            #expect(r.actor == "Cán bộ Mới" && r.before == recent.before && r.after == recent.after)
            #expect(rows.contains { $0.action == "signInFailed" && $0.actor == "nguyenvanan" })
            // A second run finds nothing more.
            #expect(try await Housekeeping.run(app).contains { $0.hasPrefix("audit personal text: 0 ") })

            // The log stays append-only otherwise: no delete, no other update, no second redaction, no undoing it.
            let sql = app.db as! any SQLDatabase
            await #expect(throws: (any Error).self) { try await sql.delete(from: "audit_events").where("id", .equal, recent.id!).run() }
            await #expect(throws: (any Error).self) { try await sql.update("audit_events").set("actor", to: "Người Khác").where("id", .equal, recent.id!).run() }
            await #expect(throws: (any Error).self) {
                try await sql.update("audit_events").set("actor", to: AuditRedaction.marker).set("before", to: SQLLiteral.null).set("after", to: SQLLiteral.null)
                    .set("redacted_at", to: app.now).set("action", to: "view").where("id", .equal, recent.id!).run()
            }
            await #expect(throws: (any Error).self) { try await sql.update("audit_events").set("actor", to: "Cán bộ Cũ").where("id", .equal, old.id!).run() }
            await #expect(throws: (any Error).self) { try await sql.update("audit_events").set("redacted_at", to: app.now).where("id", .equal, old.id!).run() }
            let still = try #require(await AuditEvent.find(recent.id, on: app.db))
            #expect(still.actor == "Cán bộ Mới" && still.action == "update" && still.redactedAt == nil)
            #expect(try await app.count("audit_events") >= 3)
        }
    }
}
