// The criteria dashboards counted ahead, kept in memory per viewer (Criteria+Web.swift `unitPage`, SignedInPages,
// migration 0037), through HTTP as officials use them: the village, commune and province pages are served from memory
// while nothing they show changes; a definition change, a manual value, a snapshot, a new count and a renamed unit
// each show on the very next request, and the page then equals one built afresh; a page is never served to another
// person, and scope is checked before anything is served; a page that counts live (another day) is never kept.
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting
@testable import App

@Suite("Criteria pages kept in memory")
struct CriteriaKeptPagesTests {
    @Test("the three dashboards are served from memory; every change they show shows on the next request, as built afresh")
    func keptAndInStep() async throws {
        try await withTestApp({ $0.criteriaPrecompute = true }) { app in
            let f = try await CriteriaTests.fixture(app)
            let t = f.tree
            let today = Day.today()
            let pages = try #require(app.signedInPages)
            let sql = app.db as! any SQLDatabase
            let b = try await app.adminBrowser()
            let village = "/criteria/units/\(t.village1.id)", commune = "/criteria/units/\(t.commune.id)", province = "/criteria/units/\(t.province.id)"
            let all = [village, commune, province]
            func page(_ p: String) async throws -> String {
                let res = try await app.page(p, as: b)
                #expect(res.status == .ok, "\(p): \(res.status)")
                return res.text
            }
            /// The page as it is built now, nothing kept consulted.
            func fresh(_ p: String) async throws -> String {
                pages.bypass = true
                defer { pages.bypass = false }
                return try await page(p)
            }
            /// Each page: built once (the change shows), then served from memory, equal to one built afresh.
            func inStep(_ paths: [String] = all, _ check: (String, String) -> Void = { _, _ in }) async throws {
                for p in paths {
                    let before = pages.counts
                    let built = try await page(p)
                    #expect(pages.counts.misses == before.misses + 1, "\(p) was not built again")
                    check(p, built)
                    #expect(try await page(p) == built)
                    #expect(pages.counts.hits == before.hits + 1, "\(p) was not served from memory")
                    #expect(try await fresh(p) == built, "\(p) differs from a page built afresh")
                }
            }

            // Counted live before the hourly job: never kept.
            for p in all { _ = try await page(p); _ = try await page(p) }
            #expect(pages.counts.hits == 0)
            try await CriteriaDashboardTests.count(app)
            try await inStep { p, text in
                #expect(text.contains("Số liệu tính sẵn lúc"), "\(p)")
                #expect(scrapeCSRF(text) == b.csrf)
            }
            #expect(try await page(village).contains("2/3"))
            // From a page counted ahead, the link to a unit below is today's page on the same set (no `on`): served from
            // that unit's own figures counted ahead, and kept (the commune's default set here is the villages' too).
            let link = "\(village)?set=\(f.set.id.uuidString.lowercased())"
            #expect(try await page(commune).lowercased().contains("href=\"\(link.lowercased())\""))
            try await inStep([link]) { _, text in #expect(text.contains("Số liệu tính sẵn lúc")) }

            // A definition: the set renamed, a threshold changed (through the API).
            #expect(try await app.api(.PATCH, "/api/v1/criteria/sets/\(f.set.id)", json: CriteriaSetInput(name: "Bộ thử đổi tên")).status == .ok)
            try await inStep([village, commune]) { p, text in #expect(text.contains("Bộ thử đổi tên"), "\(p)") }
            #expect(try await app.api(.PATCH, "/api/v1/criteria/\(f.criterion.id)", json: CriterionInput(thresholdValue: 50)).status == .ok)
            try await inStep()

            // A manual value entered for the village (through the API).
            let manual = try await app.api(.POST, "/api/v1/criteria/units/\(t.village1.id)/values",
                                           json: ManualValueInput(criterionId: f.criterion.id.uuidString, on: today, value: 90, source: "Báo cáo thôn"))
            #expect(manual.status.code < 300, "\(manual.text)")
            try await inStep()

            // A snapshot of the commune (and its villages) for a month gone by: the month shows in the trend.
            let month = String(Day.adding(-75, to: today).prefix(7))
            let label = CriteriaTrends.monthLabel(month)
            #expect(!(try await page(commune)).contains(label))
            let snap = try await app.api(.POST, "/api/v1/criteria/units/\(t.commune.id)/snapshots", json: SnapshotInput(month: month, setId: f.set.id.uuidString))
            #expect(snap.status.code < 300, "\(snap.text)")
            try await inStep([village, commune]) { p, text in #expect(text.contains(label), "\(p)") }

            // A3 gets a smartphone user: the served figures move at the next count, and the kept pages with them.
            let res = try await app.api(.POST, "/api/v1/households/\(f.households["A3"]!)/profile",
                                        json: ProfileInput(asOf: today, profile: ProfileAnswers(internet: "mobile", smartphoneUsers: 1), consent: true))
            #expect(res.status.code < 300, "\(res.text)")
            #expect(try await page(village).contains("2/3"))
            try await CriteriaDashboardTests.count(app)
            try await inStep { _, _ in }
            #expect(try await page(village).contains("3/3"))

            // Plain SQL: the commune renamed (its page's title, the village's trail), the figures counted ahead deleted
            // (counted live, then not kept). Names inside the figures (the commune's villages, the province's communes)
            // are the names as counted: they move with the next count, as the figures do.
            try await sql.raw("UPDATE admin_units SET name = 'Xã Song Phượng Mới' WHERE id = \(bind: t.commune.id)").run()
            try await inStep([village, commune]) { p, text in #expect(text.contains("Xã Song Phượng Mới"), "\(p)") }
            try await sql.raw("DELETE FROM criteria_dashboards WHERE unit_id = \(bind: t.village1.id)").run()
            let hits = pages.counts.hits
            let live = try await page(village)
            #expect(!live.contains("Số liệu tính sẵn lúc") && live.contains("3/3"))
            #expect(try await page(village) == live)
            #expect(pages.counts.hits == hits)

            // Another day, another query: counted live every time, never served from the kept page.
            let hits2 = pages.counts.hits
            for _ in 0..<2 {
                #expect(!(try await page(commune + "?on=\(today)")).contains("Số liệu tính sẵn lúc"))
                _ = try await page(commune + "?on=2025-01-01")
            }
            #expect(pages.counts.hits == hits2)
        }
    }

    @Test("a kept dashboard is never served to another person; scope is checked before a kept page is served")
    func otherViewer() async throws {
        try await withTestApp({ $0.criteriaPrecompute = true }) { app in
            let f = try await CriteriaTests.fixture(app)
            let t = f.tree
            try await CriteriaDashboardTests.count(app)
            let c = try #require(await AdminUnit.find(t.commune.id, on: app.db))
            let v1 = try #require(await AdminUnit.find(t.village1.id, on: app.db))
            _ = try await AccountActions.createPerson(username: "canboxa", displayName: "Cán bộ xã Thử", password: testPassword, role: .communeOfficial, unit: c, app: app)
            _ = try await AccountActions.createPerson(username: "truongthon", displayName: "Trưởng thôn Đông", password: testPassword, role: .villageHead, unit: v1, app: app)
            let admin = try await app.adminBrowser()
            let official = try await app.signIn("canboxa")
            let head = try await app.signIn("truongthon")
            let pages = try #require(app.signedInPages)
            let commune = "/criteria/units/\(t.commune.id)", village = "/criteria/units/\(t.village1.id)"
            for _ in 0..<2 {
                let a = try await app.page(commune, as: admin).text
                #expect(a.contains("Quản trị thử") && !a.contains("Cán bộ xã Thử") && scrapeCSRF(a) == admin.csrf)
                let o = try await app.page(commune, as: official).text
                #expect(o.contains("Cán bộ xã Thử") && !o.contains("Quản trị thử") && scrapeCSRF(o) == official.csrf)
                let h = try await app.page(village, as: head).text
                #expect(h.contains("Trưởng thôn Đông") && !h.contains("Quản trị thử") && scrapeCSRF(h) == head.csrf)
                // The village head may not record a value or take a snapshot: the admin's form is not on their page.
                #expect(!h.contains("/values?set="))
            }
            #expect(pages.counts.hits >= 3)
            // Kept for the admin and the official, the commune's page and the province's stay out of the village head's scope.
            let hits = pages.counts.hits
            #expect(try await app.page(commune, as: head).status == .notFound)
            #expect(try await app.page("/criteria/units/\(t.province.id)", as: official).status == .notFound)
            #expect(pages.counts.hits == hits)
            // The same person in a second browser: the kept page, with that browser's own token.
            let second = try await app.signIn("canboxa")
            let s = try await app.page(commune, as: second).text
            #expect(scrapeCSRF(s) == second.csrf && !s.contains(official.csrf))
            #expect(pages.counts.hits == hits + 1)
        }
    }

    @Test("the province's communes chart: labels of at least 14 px on a 390-px phone, a part of 30 rows whole on an A4 page")
    func chartSizes() throws {
        let bars = (1...30).map { CriteriaCharts.Bar(label: "Xã Thử \($0)", value: $0 % 7, total: 7, good: $0 % 7 == 0, text: "\($0 % 7)/7") }
        let svg = CriteriaCharts.rows(bars, title: "Các xã")
        let box = try #require(svg.components(separatedBy: "viewBox=\"0 0 ").dropFirst().first?.components(separatedBy: "\"").first)
        let (w, h) = (try #require(Double(box.split(separator: " ")[0])), try #require(Double(box.split(separator: " ")[1])))
        #expect(w == CriteriaCharts.rowsWidth && svg.contains("font-size=\"\(CriteriaCharts.fmt(CriteriaCharts.rowsFont))\""))
        // A 390-px phone: 366 px inside the page's margins (app.css `main { padding: 12px }`), the chart that wide.
        #expect(CriteriaCharts.rowsFont * 366 / w >= 14)
        // Printed 11 cm wide (app.css): 30 rows fit the 27.7 cm of an A4 page inside 1 cm margins, with the caption.
        let css = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../Public/css/app.css"), encoding: .utf8)
        #expect(css.contains("svg.crit-chart[data-chart=\"rows\"] { max-width: 11cm; }"))
        #expect(h * 11 / w <= 26)
        // Whole numbers written without decimals; every row a group with its tooltip.
        #expect(!svg.contains(".0\"") && svg.components(separatedBy: "<g><title>").count == 31)
    }

    @Test("the evaluation and a province's figures as JSON: kept while nothing changes, each change shows next as built afresh, never to a caller out of scope")
    func keptJSON() async throws {
        try await withTestApp({ $0.criteriaPrecompute = true }) { app in
            let f = try await CriteriaTests.fixture(app)
            let t = f.tree
            let pages = try #require(app.signedInPages)
            let evaluation = APIURL.unitEvaluation(.id(t.village1.id)).path, communes = APIURL.unitCriteriaCommunes(.id(t.province.id)).path
            func get(_ p: String, token: String? = nil) async throws -> String {
                let res = token.map { tok in { try await app.api(.GET, p, token: tok) } } ?? { try await app.api(.GET, p) }
                let r = try await res()
                #expect(r.status == .ok, "\(p): \(r.status) \(r.text)")
                #expect(r.headers.contentType == .json)
                return r.text
            }
            func fresh(_ p: String) async throws -> String {
                pages.bypass = true
                defer { pages.bypass = false }
                return try await get(p)
            }
            // Counted live before the hourly job: never kept.
            for p in [evaluation, communes] { _ = try await get(p); _ = try await get(p) }
            #expect(pages.counts.hits == 0)
            try await CriteriaDashboardTests.count(app)
            var before: [String: String] = [:]
            for p in [evaluation, communes] {
                let built = try await get(p)
                let hits = pages.counts.hits
                #expect(try await get(p) == built)
                #expect(pages.counts.hits == hits + 1, "\(p) was not served from memory")
                #expect(try Self.sameJSON(try await fresh(p), built), "\(p) differs from an answer built afresh")
                before[p] = built
            }
            // A definition changed: the next answers are built again and equal answers built afresh.
            #expect(try await app.api(.PATCH, "/api/v1/criteria/sets/\(f.set.id)", json: CriteriaSetInput(name: "Bộ đổi tên cho JSON")).status == .ok)
            try await CriteriaDashboardTests.count(app)
            for p in [evaluation, communes] {
                let misses = pages.counts.misses
                let now = try await get(p)
                #expect(pages.counts.misses == misses + 1, "\(p) was served as before the change")
                #expect(try !Self.sameJSON(now, before[p] ?? ""), "\(p) still shows the old name")
                #expect(try Self.sameJSON(try await fresh(p), now))
            }
            // Another day is counted live and never kept; a caller outside the village is refused, kept answers or not.
            let hits = pages.counts.hits
            _ = try await get(evaluation + "?on=" + Day.adding(-1, to: Day.today()))
            _ = try await get(evaluation + "?on=" + Day.adding(-1, to: Day.today()))
            #expect(pages.counts.hits == hits)
            let v2 = try #require(await AdminUnit.find(t.village2.id, on: app.db))
            let (_, other) = try await AccountActions.createToken(name: "truongthon2", role: .villageHead, unit: v2, on: app.db)
            for _ in 0..<2 { #expect(try await app.api(.GET, evaluation, token: other).status == .notFound) }
        }
    }

    /// The same JSON value (objects compared by their keys: an encoder's key order is not fixed).
    static func sameJSON(_ a: String, _ b: String) throws -> Bool {
        let x = try JSONSerialization.jsonObject(with: Data(a.utf8)) as? NSDictionary
        let y = try JSONSerialization.jsonObject(with: Data(b.utf8)) as? NSDictionary
        return x != nil && x == y
    }
}
