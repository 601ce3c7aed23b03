import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting
@testable import App

@Suite("The audit log")
struct AuditTests {
    @Test("changes and views are recorded with who, which row and the fields before and after; only administrators read them")
    func recorded() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            let h = try await app.api(.POST, "/api/v1/households", json: householdInput("AU-1", village: t.village1, address: "Số 1")).decode(HouseholdDetailDTO.self)
            _ = try await app.api(.PATCH, "/api/v1/households/\(h.household.id)", json: HouseholdInput(address: "Số 2"))
            _ = try await app.page("/households/\(h.household.id)")
            let events = try await app.api(.GET, "/api/v1/audit?row=\(h.household.id)").decode(Paged<AuditEventDTO>.self)
            #expect(events.items.map(\.action) == ["view", "update", "create"])
            // Time-ordered ids (version 7: each row appended at the end of the primary key's index): newest first by
            // time is newest first by id, as the database stores it.
            #expect(events.items.allSatisfy { Array($0.id.text)[14] == "7" })
            let stored = try await (app.db as! any SQLDatabase).raw("SELECT id FROM audit_events WHERE row_id = \(bind: h.household.id) ORDER BY id DESC").all()
                .map { try $0.decode(column: "id", as: UUID.self) }
            #expect(stored == events.items.map(\.id))
            let update = try #require(events.items.first { $0.action == "update" })
            #expect(update.actor == "tests" && update.table == "households")
            #expect(update.before?.contains("\"address\":\"Số 1\"") == true && update.after?.contains("\"address\":\"Số 2\"") == true)
            #expect(events.items.first?.actor == "Quản trị thử")   // the page view, by the signed-in person
            let units = try await app.api(.GET, "/api/v1/audit?unit=\(t.commune.id)&action=create").decode(Paged<AuditEventDTO>.self)
            #expect(units.items.count == 1)

            let csv = try await app.page("/audit.csv?row=\(h.household.id)")
            #expect(csv.status == .ok && csv.text.components(separatedBy: "\n").filter { !$0.isEmpty }.count == 4)
            let page = try await app.page("/audit?row=\(h.household.id)")
            #expect(page.status == .ok && page.text.contains("AU-1"))
            let bad = try await app.api(.GET, "/api/v1/audit?from=hôm-qua")
            #expect(bad.status == .unprocessableEntity)

            let commune = try #require(await AdminUnit.find(t.commune.id, on: app.db))
            let (_, token) = try await AccountActions.createToken(name: "xa", role: .communeOfficial, unit: commune, on: app.db)
            #expect(try await app.api(.GET, "/api/v1/audit", token: token).status == .notFound)
        }
    }

    @Test("the database refuses to change or delete an audit row")
    func appendOnly() async throws {
        try await withTestApp { app in
            _ = try await Tree.make(app)
            let sql = app.db as! any SQLDatabase
            let before = try await app.count("audit_events")
            #expect(before > 0)
            await #expect(throws: (any Error).self) { try await sql.raw("UPDATE audit_events SET actor = 'someone else'").run() }
            await #expect(throws: (any Error).self) { try await sql.raw("DELETE FROM audit_events").run() }
            #expect(try await app.count("audit_events") == before)
        }
    }

    @Test("a failed sign-in is recorded without the password")
    func signIn() async throws {
        try await withTestApp { app in
            let page = try await app.anonymousPage("/signin")
            let cookie = try #require(page.headers.setCookie?["thonso_session"]?.string)
            let csrf = try #require(scrapeCSRF(page.text))
            _ = try await app.testing().sendRequest(.POST, "/signin", headers: ["Cookie": "thonso_session=\(cookie)"]) { req in
                try req.content.encode(["username": "admin", "password": "bi-mat-123", "_csrf": csrf], as: .urlEncodedForm)
            }
            let events = try await AuditEvent.query(on: app.db).filter(\.$action == "signInFailed").all()
            #expect(events.count == 1)
            #expect(events.allSatisfy { ($0.before ?? "").isEmpty && ($0.after ?? "").isEmpty && !$0.actor.contains("bi-mat") })
        }
    }
}
