// A member's phone pages (the list, the visit form, voiding) and the batch sync their offline layer sends to, through
// HTTP as the member's browser does.
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting
@testable import App

@Suite("Visits web pages and sync")
struct VisitsWebTests {
    struct Fixture {
        var tree: Tree
        /// Village T1: a (group 1), b (group 2), c (group 1); village T2: d.
        var a: HouseholdDTO, b: HouseholdDTO, c: HouseholdDTO, d: HouseholdDTO
        var member: Browser
    }

    static func household(_ app: Application, _ code: String, _ village: UnitDTO, _ group: UnitDTO?, name: String) async throws -> HouseholdDTO {
        let res = try await app.api(.POST, "/api/v1/households", json: householdInput(code, village: village, group: group, name: name))
        #expect(res.status == .created, "\(res.text)")
        return try res.decode(HouseholdDetailDTO.self).household
    }

    static func member(_ app: Application, _ username: String, _ name: String, village: UUID) async throws -> Browser {
        let unit = try #require(try await AdminUnit.find(village, on: app.db))
        _ = try await AccountActions.createPerson(username: username, displayName: name, password: testPassword, role: .digitalTeamMember, unit: unit, app: app)
        return try await app.signIn(username)
    }

    static func fixture(_ app: Application) async throws -> Fixture {
        let tree = try await Tree.make(app)
        let a = try await household(app, "HA", tree.village1, tree.group11, name: "Nguyễn Văn An")
        let b = try await household(app, "HB", tree.village1, tree.group12, name: "Trần Thị Bình")
        let c = try await household(app, "HC", tree.village1, tree.group11, name: "Lê Văn Cường")
        let d = try await household(app, "HD", tree.village2, nil, name: "Phạm Thị Dung")
        let m = try await member(app, "thanhvien1", "Đỗ Văn Một", village: tree.village1.id)
        return Fixture(tree: tree, a: a, b: b, c: c, d: d, member: m)
    }

    /// A JSON request from the member's own pages, with the browser's session (what Public/js/visits.js sends).
    static func json(_ app: Application, _ method: HTTPMethod, _ path: String, _ body: (any Content)?, as b: Browser) async throws -> TestingHTTPResponse {
        try await app.testing().sendRequest(method, path, headers: b.headers()) { req in
            if let body { try req.content.encode(body, as: .json) }
        }
    }

    static func visit(_ h: HouseholdDTO, on day: String, clientId: String = UUID().uuidString, visitors: String = "Đỗ Văn Một") -> VisitInput {
        VisitInput(clientId: clientId, householdId: h.id.uuidString, visitedOn: day, visitors: visitors, helped: ["vneid"], outcome: "done")
    }

    @Test("the list puts households never visited first, and filters by group")
    func listOrderAndFilter() async throws {
        try await withTestApp { app in
            let f = try await Self.fixture(app)
            let today = Day.today(app.now)
            let r = try await Self.json(app, .POST, "/api/v1/visits/sync", VisitBatchInput(visits: [Self.visit(f.a, on: today)]), as: f.member)
            #expect(r.status == .ok, "\(r.text)")
            let page = try await app.page("/visits", as: f.member)
            #expect(page.status == .ok)
            let html = page.text
            let ia = try #require(html.range(of: ">HA<")), ib = try #require(html.range(of: ">HB<")), ic = try #require(html.range(of: ">HC<"))
            #expect(ib.lowerBound < ia.lowerBound && ic.lowerBound < ia.lowerBound, "never visited first")
            #expect(!html.contains(">HD<"), "another village's household")
            #expect(html.contains("/visits/households/\(f.b.id.uuidString.lowercased())") || html.contains("/visits/households/\(f.b.id.uuidString)"))
            #expect(html.contains("Ghi lượt đi hộ"))
            let group = try await app.page("/visits?unit=\(f.tree.group11.id.uuidString)", as: f.member)
            #expect(group.status == .ok)
            #expect(group.text.contains(">HA<") && group.text.contains(">HC<"))
            #expect(!group.text.contains(">HB<"))
            // A unit outside the member's area is not found.
            let outside = try await app.page("/visits?unit=\(f.tree.village2.id.uuidString)", as: f.member)
            #expect(outside.status == .notFound)
        }
    }

    @Test("the form records a visit with its profile and consent, and shows it")
    func formRecords() async throws {
        try await withTestApp { app in
            let f = try await Self.fixture(app)
            let today = Day.today(app.now)
            let page = try await app.page("/visits/households/\(f.a.id.uuidString)", as: f.member)
            #expect(page.status == .ok)
            #expect(page.text.contains("value=\"\(today)\""), "date defaults to today")
            #expect(page.text.contains("value=\"Đỗ Văn Một\""), "who went defaults to the member")
            let res = try await app.form("/visits/record", [
                "householdId": f.a.id.uuidString, "visitedOn": today, "visitors": "Đỗ Văn Một", "helped[]": "vneid",
                "outcome": "followUp", "notes": "Hẹn cài VssID", "nextVisitOn": Day.adding(7, to: today),
                "internet": "fibre", "smartphoneUsers": "1", "adultsVneid": "1", "onlineServices": "yes", "consent": "on",
            ], as: f.member)
            #expect(res.status == .seeOther, "\(res.text)")
            let back = try #require(res.headers.first(name: .location))
            #expect(back.hasPrefix("/visits/households/"))
            #expect(try await app.count("visits") == 1)
            let profile = try #require(try await HouseholdProfile.query(on: app.db).filter(\.$householdID == f.a.id).first())
            #expect(profile.internet == .fibre && profile.smartphoneUsers == 1 && profile.adultsVneid == 1 && profile.onlineServices == true)
            #expect(profile.source == .visit)
            let consent = try await Consent.query(on: app.db).filter(\.$householdID == f.a.id).filter(\.$purpose == OutreachConsent.purpose).count()
            #expect(consent == 1)
            let shown = try await app.page(back, as: f.member)
            #expect(shown.text.contains("Đã ghi lượt đi hộ ngày \(Day.display(today))"))
            #expect(shown.text.contains("Hẹn cài VssID"))
            // The profile answers are filled in from the current profile next time.
            #expect(shown.text.contains("<option value=\"fibre\" selected>"))
        }
    }

    @Test("a date in the future answers next to the field and writes nothing")
    func futureDate() async throws {
        try await withTestApp { app in
            let f = try await Self.fixture(app)
            let tomorrow = Day.adding(1, to: Day.today(app.now))
            let res = try await app.form("/visits/record", [
                "householdId": f.a.id.uuidString, "visitedOn": tomorrow, "visitors": "Đỗ Văn Một", "outcome": "done",
                "smartphoneUsers": "2", "notes": "giữ lại",
            ], as: f.member)
            #expect(res.status == .unprocessableEntity)
            let html = res.text
            let field = try #require(html.range(of: "<div class=\"field invalid\">\n    <label for=\"visitedOn\">"))
            let message = try #require(html.range(of: Lang.vi.t("error.outreach.future")))
            #expect(field.lowerBound < message.lowerBound)
            #expect(html.contains("value=\"\(tomorrow)\""), "the input is kept")
            #expect(html.contains("giữ lại"))
            #expect(try await app.count("visits") == 0)
            #expect(try await app.count("household_profiles") == 0)
            // A count that is not a number is refused at its field too.
            let bad = try await app.form("/visits/record", [
                "householdId": f.a.id.uuidString, "visitedOn": Day.today(app.now), "visitors": "Đỗ Văn Một", "adultsVneid": "hai",
            ], as: f.member)
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.text.contains("<div class=\"field invalid\">\n    <label for=\"adultsVneid\">"))
            #expect(try await app.count("visits") == 0)
        }
    }

    @Test("voiding a visit needs a reason")
    func voidNeedsReason() async throws {
        try await withTestApp { app in
            let f = try await Self.fixture(app)
            let r = try await Self.json(app, .POST, "/api/v1/visits/sync", VisitBatchInput(visits: [Self.visit(f.a, on: Day.today(app.now))]), as: f.member)
            let id = try #require(try r.decode(VisitBatchResultDTO.self).results.first?.visitId)
            let empty = try await app.form("/visits/\(id.uuidString)/void", ["reason": "  "], as: f.member)
            #expect(empty.status == .unprocessableEntity)
            #expect(empty.text.contains(Lang.vi.t("error.required")))
            #expect(try #require(try await Visit.find(id, on: app.db)).voidedAt == nil)
            let done = try await app.form("/visits/\(id.uuidString)/void", ["reason": "Ghi nhầm hộ"], as: f.member)
            #expect(done.status == .seeOther)
            let v = try #require(try await Visit.find(id, on: app.db))
            #expect(v.voidedAt != nil && v.voidReason == "Ghi nhầm hộ")
            let page = try await app.page("/visits/households/\(f.a.id.uuidString)", as: f.member)
            #expect(page.text.contains("Ghi nhầm hộ") && page.text.contains("Đã huỷ"))
        }
    }

    @Test("a member of village 1 gets 404 for a household of village 2, and writes nothing there")
    func otherVillage() async throws {
        try await withTestApp { app in
            let f = try await Self.fixture(app)
            let page = try await app.page("/visits/households/\(f.d.id.uuidString)", as: f.member)
            #expect(page.status == .notFound)
            let post = try await app.form("/visits/record", ["householdId": f.d.id.uuidString, "visitedOn": Day.today(app.now), "visitors": "X"], as: f.member)
            #expect(post.status == .notFound)
            // A visit of village 2 (recorded by an official) cannot be voided by the member either.
            let r = try await app.api(.POST, "/api/v1/visits/sync", json: VisitBatchInput(visits: [Self.visit(f.d, on: Day.today(app.now))]))
            let id = try #require(try r.decode(VisitBatchResultDTO.self).results.first?.visitId)
            let void = try await app.form("/visits/\(id.uuidString)/void", ["reason": "thử"], as: f.member)
            #expect(void.status == .notFound)
            #expect(try await app.count("visits") == 1)
            #expect(try #require(try await Visit.find(id, on: app.db)).voidedAt == nil)
        }
    }

    @Test("a sync batch with one bad visit records the good ones and answers per visit; the same batch twice adds nothing")
    func syncBatch() async throws {
        try await withTestApp { app in
            let f = try await Self.fixture(app)
            let today = Day.today(app.now)
            let batch = VisitBatchInput(visits: [Self.visit(f.a, on: today), Self.visit(f.b, on: Day.adding(1, to: today)), Self.visit(f.c, on: today)])
            let first = try await Self.json(app, .POST, "/api/v1/visits/sync", batch, as: f.member)
            #expect(first.status == .ok, "\(first.text)")
            let one = try first.decode(VisitBatchResultDTO.self)
            #expect(one.recorded == 2 && one.refused == 1 && one.duplicates == 0)
            #expect(one.results.map(\.status) == [.recorded, .refused, .recorded])
            #expect(one.results[1].errors?.first?.field == "visitedOn")
            #expect(one.results[1].clientId?.lowercased() == batch.visits![1].clientId!.lowercased())
            #expect(try await app.count("visits") == 2)
            let again = try await Self.json(app, .POST, "/api/v1/visits/sync", batch, as: f.member)
            let two = try again.decode(VisitBatchResultDTO.self)
            #expect(two.recorded == 0 && two.duplicates == 2 && two.refused == 1)
            #expect(two.results[0].visitId == one.results[0].visitId)
            #expect(try await app.count("visits") == 2)
            // Without the page's origin, a browser session may not write through the API.
            let cross = try await app.testing().sendRequest(.POST, "/api/v1/visits/sync",
                                                           headers: f.member.headers(["Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"])) { req in
                try req.content.encode(batch, as: .json)
            }
            #expect(cross.status == .forbidden)
        }
    }

    @Test("two members' visits of the same household are both kept")
    func twoMembers() async throws {
        try await withTestApp { app in
            let f = try await Self.fixture(app)
            let other = try await Self.member(app, "thanhvien2", "Vũ Thị Hai", village: f.tree.village1.id)
            let today = Day.today(app.now)
            let r1 = try await Self.json(app, .POST, "/api/v1/visits/sync", VisitBatchInput(visits: [Self.visit(f.a, on: today)]), as: f.member)
            let r2 = try await Self.json(app, .POST, "/api/v1/visits/sync", VisitBatchInput(visits: [Self.visit(f.a, on: today, visitors: "Vũ Thị Hai")]), as: other)
            #expect(try r1.decode(VisitBatchResultDTO.self).recorded == 1)
            #expect(try r2.decode(VisitBatchResultDTO.self).recorded == 1)
            let visits = try await Visit.query(on: app.db).filter(\.$householdID == f.a.id).all()
            #expect(visits.count == 2)
            #expect(Set(visits.map(\.visitors)) == ["Đỗ Văn Một", "Vũ Thị Hai"])
            #expect(Set(visits.compactMap(\.recordedBy)).count == 2)
        }
    }

    @Test("the offline page is a shell with no household in it, and the list page carries the offline layer's settings")
    func offlineShell() async throws {
        try await withTestApp({ $0.offlineCacheDays = 3 }) { app in
            let f = try await Self.fixture(app)
            let shell = try await app.page("/visits/offline", as: f.member)
            #expect(shell.status == .ok)
            #expect(shell.text.contains("data-page=\"offline\""))
            #expect(!shell.text.contains("HA") && !shell.text.contains("Nguyễn Văn An"))
            let list = try await app.page("/visits", as: f.member)
            #expect(list.text.contains("data-cache-days=\"3\""))
            #expect(list.text.contains("src=\"/js/visits.js\""))
            #expect(try await app.anonymousPage("/js/visits.js").status == .ok)
            #expect(try await app.anonymousPage("/visits/offline").status != .ok)
        }
    }
}
