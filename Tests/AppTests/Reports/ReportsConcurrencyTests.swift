import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting
@testable import App

/// Two officials (the village head and a commune official) changing one report at the same moment: no 500, no
/// transition lost or written over a closed report, and the report's state always the last event's.
@Suite("Residents' reports: officials changing one report at once")
struct ReportsConcurrencyTests {
    /// A report filed by a household signed in (so every change is a message to it).
    func filed(_ app: Application, _ f: ReportsFixture, code: String) async throws -> FeedbackReport {
        let (home, householdID) = try await app.householdBrowser(code: code, village: f.tree.village1)
        #expect(try await app.reportForm("00001", ["category": "brokenLight", "place": "Ngõ 3", "description": "Đèn ngõ 3 tắt"], as: home).status == .ok)
        return try #require(try await FeedbackReport.query(on: app.db).filter(\.$householdID == householdID).first())
    }

    /// Each event after "submitted" is one accepted change, the report's state is its closing event's, and each
    /// accepted change queued one message to the household.
    func consistent(_ app: Application, _ id: UUID, accepted: Int) async throws -> (FeedbackReport, [ReportEvent]) {
        let r = try #require(await FeedbackReport.find(id, on: app.db))
        let events = try await ReportEvent.query(on: app.db).filter(\.$reportID == id).all()
        #expect(events.count == accepted + 1, "\(events.map(\.kind))")
        // At most one closing event, and the report stayed as it left it (a change written after it would show).
        let closing = events.filter { $0.kind == "resolved" || $0.kind == "closed" }
        #expect(closing.count <= 1, "\(events.map(\.kind))")
        if let c = closing.first { #expect(r.status == c.status, "report \(r.status), closed by \(c.kind)") }
        let jobs = try await (app.db as! any SQLDatabase).raw("SELECT COUNT(*) AS n FROM jobs WHERE kind = 'direct'").first()
        #expect(try jobs?.decode(column: "n", as: Int.self) == accepted)
        return (r, events)
    }

    @Test("both officials acknowledge at once: one does, the other is told it already is")
    func acknowledgeTwice() async throws {
        try await withTestApp({ $0.postgresPoolPerLoop = 8 }) { app in
            let f = try await ReportsFixture.make(app)
            let r = try await filed(app, f, code: "RC-1")
            let tokens = [f.headToken, f.officialToken]
            let statuses = try await app.atOnce(2, tokens: tokens) { _ in (.POST, "/api/v1/reports/\(r.id!)/change", ReportChangeInput(action: "acknowledge")) }
            #expect(statuses.sorted { $0.code < $1.code } == [.ok, .unprocessableEntity], "\(statuses)")
            let (after, _) = try await consistent(app, r.id!, accepted: 1)
            #expect(after.status == .acknowledged)
        }
    }

    @Test("one official resolves while the other closes it, and others assign: one closing wins, nothing is written after it")
    func closeAndAssignAtOnce() async throws {
        try await withTestApp({ $0.postgresPoolPerLoop = 8 }) { app in
            let f = try await ReportsFixture.make(app)
            let r = try await filed(app, f, code: "RC-2")
            let head = f.headID
            let tokens = [f.headToken, f.officialToken, f.headToken, f.officialToken, f.headToken, f.officialToken]
            let statuses = try await app.atOnce(6, tokens: tokens) { i in
                let input: ReportChangeInput = switch i {
                case 0: ReportChangeInput(action: "resolve", answer: "Đã thay bóng đèn")
                case 1: ReportChangeInput(action: "reject", reason: "Đèn thuộc công ty điện lực quản lý")
                case 2, 3: ReportChangeInput(action: "assign", assigneeId: head.uuidString)
                default: ReportChangeInput(action: "answer", answer: "Đã chuyển thợ điện \(i)")
                }
                return (.POST, "/api/v1/reports/\(r.id!)/change", input)
            }
            #expect(statuses.allSatisfy { $0 == .ok || $0 == .conflict }, "\(statuses)")
            #expect((statuses[0] == .ok) != (statuses[1] == .ok), "exactly one of resolve and reject: \(statuses)")
            let accepted = statuses.filter { $0 == .ok }.count
            let (after, events) = try await consistent(app, r.id!, accepted: accepted)
            #expect(!after.status.isOpen && after.closedAt != nil)
            #expect(after.status == (statuses[0] == .ok ? .resolved : .closed))
            // Every change accepted is one event and one audit row.
            #expect(events.count - 1 == accepted)
            let logged = try await AuditEvent.query(on: app.db).filter(\.$tableName == FeedbackReport.schema).filter(\.$rowID == r.id!)
                .filter(\.$action ~~ ["assigned", "answered", "resolved", "closed"]).count()
            #expect(logged == accepted)
        }
    }
}
