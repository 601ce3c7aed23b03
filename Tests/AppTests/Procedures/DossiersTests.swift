import Foundation
import Testing
import Vapor
import VaporTesting
@testable import App

@Suite("Procedures: dossiers, online share and on-time share")
struct ProceduresDossiersTests {
    @Test("due dates skip weekends and closed days; shares print in the reader's style")
    func due() {
        #expect(DossierActions.dueDate(received: "2026-11-27", workingDays: 3) == "2026-12-02")
        #expect(DossierActions.dueDate(received: "2026-11-27", workingDays: 3, holidays: ["2026-12-01"]) == "2026-12-03")
        #expect(DossierActions.dueDate(received: "2026-11-28", workingDays: 0) == "2026-11-28")
        #expect(DossierActions.dueDate(received: "2026-11-24", workingDays: 1) == "2026-11-25")
        #expect(DossierActions.percent(0.965, .vi) == "96,5%" && DossierActions.percent(0.965, .en) == "96.5%" && DossierActions.percent(nil, .vi) == "—")
    }

    @Test("an officer records dossiers and their status; the figures count the rows and link to them")
    func figures() async throws {
        try await withTestApp { app in
            let f = try await ProcFixture.make(app)
            let c = f.tree.commune.id
            let p = try await f.procedure(app, "maritalStatusConfirmation")   // 3 working days
            let received = Day.adding(-20, to: Day.today())
            var ids: [UUID] = []
            for (i, channel) in ["online", "online", "inPerson", "online"].enumerated() {
                let r = try await app.api(.POST, "/api/v1/communes/\(c)/dossiers", json: DossierInput(procedureId: p.id.uuidString, channel: channel, reference: "XN-\(i)", receivedOn: received), token: f.officerToken)
                #expect(r.status == .created)
                let d = try r.decode(DossierDTO.self)
                #expect(d.dueOn == DossierActions.dueDate(received: received, workingDays: 3) && d.onTime == nil)
                ids.append(d.id)
            }
            let due = DossierActions.dueDate(received: received, workingDays: 3)
            let ready = try await app.api(.PATCH, "/api/v1/dossiers/\(ids[0])", json: DossierStatusInput(status: "ready", doneOn: due), token: f.officerToken).decode(DossierDTO.self)
            #expect(ready.onTime == true && ready.doneOn == due)
            let late = try await app.form("/dossiers/\(ids[2])/status", ["status": "done"], as: f.officer)
            #expect(late.status == .seeOther)
            let figures = try await app.api(.GET, "/api/v1/communes/\(c)/dossier-figures", token: f.officerToken).decode(DossierFiguresDTO.self)
            #expect(figures == DossierFiguresDTO(total: 4, online: 3, onlineShare: 0.75, finished: 2, onTime: 1, onTimeShare: 0.5, overdue: 2))
            let online = try await app.api(.GET, "/api/v1/communes/\(c)/dossiers?show=online", token: f.officerToken).decode([DossierDTO].self)
            #expect(Set(online.map(\.reference)) == ["XN-0", "XN-1", "XN-3"])
            let lateRows = try await app.api(.GET, "/api/v1/communes/\(c)/dossiers?show=late", token: f.officerToken).decode([DossierDTO].self)
            #expect(lateRows.map(\.reference) == ["XN-2"])
            #expect(try await app.api(.GET, "/api/v1/communes/\(c)/dossiers?show=bogus", token: f.officerToken).status == .unprocessableEntity)
            let page = try await app.page("/communes/\(c)/dossiers", as: f.officer)
            #expect(page.text.contains("75,0%") && page.text.contains("3/4 hồ sơ") && page.text.contains("50,0%") && page.text.contains("?show=online"))
            let filtered = try await app.page("/communes/\(c)/dossiers?show=onTime", as: f.officer)
            #expect(filtered.text.contains("XN-0") && !filtered.text.contains("XN-2"))

            // Bad input: every field named, nothing written.
            let before = try await app.count("dossiers")
            let bad = try await app.api(.POST, "/api/v1/communes/\(c)/dossiers", json: DossierInput(procedureId: UUID().uuidString, channel: "fax", reference: "", receivedOn: Day.adding(3, to: Day.today())), token: f.officerToken)
            #expect(Set(try bad.decode(ErrorBody.self).fields?.map(\.field) ?? []) == ["procedureId", "channel", "reference", "receivedOn"])
            let badPage = try await app.form("/communes/\(c)/dossiers/new", ["procedureId": p.id.uuidString, "channel": "fax", "reference": "XN-9"], as: f.officer)
            #expect(badPage.status == .unprocessableEntity && badPage.text.contains("Kênh nộp không hợp lệ") && badPage.text.contains("value=\"XN-9\""))
            #expect(try await app.count("dossiers") == before)
            #expect(try await app.api(.PATCH, "/api/v1/dossiers/\(ids[1])", json: DossierStatusInput(status: "done"), token: f.otherOfficerToken).status == .notFound)
            #expect(try await app.api(.PATCH, "/api/v1/dossiers/\(ids[1])", json: DossierStatusInput(status: "lost"), token: f.officerToken).status == .unprocessableEntity)
        }
    }
}
