// Pages kept ready under a data version (Support/SignedInPages.swift, migrations 0034 and 0036): a village's
// household list, a notice's reach page, a household's inbox and the public guide of a procedure. Every kind of write they show — through the app, through plain SQL, a
// rename of a unit they name — shows on the very next request; a page is never served to another person; the counts
// prove the pages are served from memory.
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
@testable import App

@Suite("Kept signed-in pages")
struct SignedInPagesTests {
    @Test("a village's household list: served from memory, every write shows on the next request, every view audited")
    func householdList() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            #expect(try await app.api(.POST, "/api/v1/households", json: householdInput("H1", village: t.village1, name: "Lê Văn Một")).status == .created)
            let pages = try #require(app.signedInPages)
            let sql = app.db as! any SQLDatabase
            let b = try await app.adminBrowser()
            let path = "/units/\(t.village1.id)/households"
            func page(_ p: String = path) async throws -> String {
                let res = try await app.page(p, as: b)
                #expect(res.status == .ok)
                return res.text
            }
            func views() async throws -> Int {
                try await sql.raw("SELECT COUNT(*) AS n FROM audit_events WHERE action = 'list' AND table_name = 'households' AND unit_id = \(bind: t.village1.id)")
                    .first()!.decode(column: "n", as: Int.self)
            }
            let first = try await page()
            #expect(first.contains("H1") && first.contains("Lê Văn Một") && first.contains("Thôn Đông"))
            #expect(scrapeCSRF(first) == b.csrf)
            // Served from memory while nothing changes: the same bytes, the caller's own form token, an audit row each.
            let before = pages.counts
            #expect(try await page() == first)
            #expect(try await page() == first)
            #expect(pages.counts.hits == before.hits + 2 && pages.counts.misses == before.misses)
            #expect(try await views() == 3)

            // A household added through the app.
            #expect(try await app.api(.POST, "/api/v1/households", json: householdInput("H2", village: t.village1, name: "Trần Thị Hai")).status == .created)
            let added = try await page()
            #expect(added.contains("H2") && added.contains("Trần Thị Hai"))
            #expect(try await page() == added)
            // Plain SQL: an address, a representative's name, a household moved out of the village.
            try await sql.raw("UPDATE households SET address = 'Xóm Bãi 9' WHERE code = 'H1'").run()
            #expect(try await page().contains("Xóm Bãi 9"))
            try await sql.raw("UPDATE residents SET full_name = 'Lê Văn Mười' WHERE full_name = 'Lê Văn Một'").run()
            let renamed = try await page()
            #expect(renamed.contains("Lê Văn Mười") && !renamed.contains("Lê Văn Một"))
            try await sql.raw("UPDATE households SET village_id = \(bind: t.village2.id) WHERE code = 'H2'").run()
            let moved = try await page()
            #expect(!moved.contains("Trần Thị Hai"))
            // The village renamed through the app, the commune (in the trail) through plain SQL.
            #expect(try await app.api(.PATCH, "/api/v1/units/\(t.village1.id)", json: UnitInput(name: "Thôn Đông Mới")).status == .ok)
            #expect(try await page().contains("Thôn Đông Mới"))
            try await sql.raw("UPDATE admin_units SET name = 'Xã Song Phượng Mới' WHERE id = \(bind: t.commune.id)").run()
            #expect(try await page().contains("Xã Song Phượng Mới"))
            // Kept again, and every view so far has its audit row (hits included).
            let hits = pages.counts.hits
            _ = try await page()
            #expect(pages.counts.hits == hits + 1)
            #expect(try await views() == 11)

            // A URL with anything else is answered (from the kept page) but keeps nothing of its own text.
            let odd = try await page(path + "?utm=%3Cscript%3E")
            #expect(!odd.contains("<script>") && !odd.contains("utm="))
            // A search is built every time, never kept.
            let searched = pages.counts
            #expect(try await page(path + "?q=H1").contains("Xóm Bãi 9"))
            #expect(pages.counts.hits == searched.hits)
        }
    }

    @Test("a kept list is never served to another person: their own name, links and form token")
    func otherPerson() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            #expect(try await app.api(.POST, "/api/v1/households", json: householdInput("H1", village: t.village1)).status == .created)
            let v1 = try #require(await AdminUnit.find(t.village1.id, on: app.db))
            _ = try await AccountActions.createPerson(username: "truongthon", displayName: "Trưởng thôn Đông", password: testPassword,
                                                      role: .villageHead, unit: v1, app: app)
            let admin = try await app.adminBrowser()
            let head = try await app.signIn("truongthon")
            let path = "/units/\(t.village1.id)/households"
            for _ in 0..<2 {
                let a = try await app.page(path, as: admin).text
                #expect(a.contains("Quản trị thử") && !a.contains("Trưởng thôn Đông") && scrapeCSRF(a) == admin.csrf)
                let h = try await app.page(path, as: head).text
                #expect(h.contains("Trưởng thôn Đông") && !h.contains("Quản trị thử") && scrapeCSRF(h) == head.csrf)
            }
            // The same person in a second browser: the kept page, with that browser's token.
            let second = try await app.signIn("truongthon")
            #expect(second.csrf != head.csrf)
            let hits = try #require(app.signedInPages).counts.hits
            let s = try await app.page(path, as: second).text
            #expect(scrapeCSRF(s) == second.csrf && !s.contains(head.csrf))
            #expect(try #require(app.signedInPages).counts.hits == hits + 1)
            // A village out of the person's scope stays out, kept pages or not.
            #expect(try await app.page("/units/\(t.village2.id)/households", as: head).status == .notFound)
        }
    }

    @Test("a notice's reach page: served from memory, the fan-out, a household's view, plain SQL and a rename show on the next request")
    func reachPage() async throws {
        try await withTestApp { app in
            let v = try await Village.make(app)
            let t = v.tree
            let pages = try #require(app.signedInPages)
            let sql = app.db as! any SQLDatabase
            let a = try await publish(app, announcement(units: [t.commune]))
            let path = "/announcements/\(a.id)/reach"
            func page() async throws -> String {
                let res = try await app.page(path)
                #expect(res.status == .ok)
                return res.text
            }
            // Before the fan-out: no household yet; the fan-out's inserts (no trigger per row on SQLite) show.
            #expect(try await page().contains("đã nhận: 0/0 hộ"))
            try await Jobs.runUntilIdle(app)
            let fanned = try await page()
            #expect(fanned.contains("đã nhận: 0/8 hộ"))
            let before = pages.counts
            #expect(try await page() == fanned)
            #expect(pages.counts.hits == before.hits + 1 && pages.counts.misses == before.misses)

            // A household opens its inbox (delivered, through the app).
            let hb = try await householdBrowser(app, v.households[0].household.id)
            #expect(try await app.page("/my/announcements", as: hb).status == .ok)
            #expect(try await page().contains("đã nhận: 1/8 hộ"))
            // Plain SQL: every delivery read; one deleted; one inserted for a household added later.
            try await sql.raw("UPDATE deliveries SET state = 'read' WHERE announcement_id = \(bind: a.id)").run()
            #expect(try await page().contains("đã đọc: 8/8 hộ"))
            try await sql.raw("DELETE FROM deliveries WHERE household_id = \(bind: v.households[7].household.id)").run()
            #expect(try await page().contains("đã đọc: 7/7 hộ"))
            let late = try await app.api(.POST, "/api/v1/households", json: householdInput("HH-LATE", village: t.village2)).decode(HouseholdDetailDTO.self)
            let kept = try await page()
            #expect(try await page() == kept)
            try await sql.raw("""
                INSERT INTO deliveries (id, announcement_id, household_id, village_id, group_id, state, created_at)
                VALUES (\(bind: UUID()), \(bind: a.id), \(bind: late.household.id), \(bind: t.village2.id), NULL, 'sent', \(bind: Date()))
                """).run()
            #expect(try await page().contains("đã đọc: 7/8 hộ"))
            // A village renamed through plain SQL.
            try await sql.raw("UPDATE admin_units SET name = 'Thôn Đoài Mới' WHERE id = \(bind: t.village2.id)").run()
            #expect(try await page().contains("Thôn Đoài Mới"))
            let hits = pages.counts.hits
            _ = try await page()
            #expect(pages.counts.hits == hits + 1)
        }
    }

    @Test("the version moves on with every part's writes and not with others'")
    func versions() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            let sql = app.db as! any SQLDatabase
            func v(_ p: PageVersion.Part) async throws -> [Int64] { try await PageVersion.current([p], on: app.db) }
            let units = try await v(.units), registry = try await v(.registry), messages = try await v(.messages)
            #expect(try await app.api(.POST, "/api/v1/households", json: householdInput("H1", village: t.village1)).status == .created)
            #expect(try await v(.registry) != registry)
            let u2 = try await v(.units), m2 = try await v(.messages)
            #expect(u2 == units && m2 == messages)
            let r2 = try await v(.registry)
            // A column the list does not show: no change.
            try await sql.raw("UPDATE households SET updated_at = \(bind: Date())").run()
            #expect(try await v(.registry) == r2)
            try await sql.raw("UPDATE admin_units SET code = code").run()
            #expect(try await v(.units) != units)
            // Compacting keeps the version (PostgreSQL moves the change rows into the version rows).
            let all = try await PageVersion.current(PageVersion.Part.allCases, on: app.db)
            _ = try await PageVersion.compact(on: app.db)
            #expect(try await PageVersion.current(PageVersion.Part.allCases, on: app.db) == all)
            if TestDB.isPostgres { #expect(try await app.count("page_changes") == 0) }
        }
    }

    @Test("PostgreSQL: the appended changes are moved into the version rows every interval, the version unchanged")
    func compactedEveryInterval() async throws {
        try await withTestApp { app in
            guard TestDB.isPostgres else { return }
            let t = try await Tree.make(app)
            let sql = app.db as! any SQLDatabase
            for k in 0..<5 {
                #expect(try await app.api(.POST, "/api/v1/households", json: householdInput("C\(k)", village: t.village1)).status == .created)
            }
            try await sql.raw("UPDATE admin_units SET code = code").run()
            let all = try await PageVersion.current(PageVersion.Part.allCases, on: app.db)
            var left = try await app.count("page_changes")
            #expect(left > 0)
            // Started after the writes, so that the rows above are there to be moved however slow the machine is.
            let compactor = PageChangesCompactor(interval: .milliseconds(200), inTests: true)
            try compactor.didBoot(app)
            for _ in 0..<100 where left > 0 {
                try await Task.sleep(for: .milliseconds(100))
                left = try await app.count("page_changes")
            }
            await compactor.shutdownAsync(app)
            #expect(left == 0)
            #expect(try await PageVersion.current(PageVersion.Part.allCases, on: app.db) == all)
        }
    }

    @Test("a public guide: kept for visitors, every write to its procedure, its answers and its commune shows next, a household's page stays its own")
    func guide() async throws {
        try await withTestApp { app in
            let f = try await ProcFixture.make(app)
            let pages = try #require(app.signedInPages)
            let sql = app.db as! any SQLDatabase
            let path = "/p/00001/birthRegistration"
            func anonymous() async throws -> String {
                let res = try await app.anonymousPage(path)
                #expect(res.status == .ok)
                return res.text
            }
            let first = try await anonymous()
            let before = pages.counts
            let second = try await anonymous()
            #expect(pages.counts.hits == before.hits + 1 && pages.counts.misses == before.misses)
            // Each visitor gets a form token of their own in the kept page.
            #expect(scrapeCSRF(first) != nil && scrapeCSRF(second) != nil && scrapeCSRF(first) != scrapeCSRF(second))
            #expect(first.replacingOccurrences(of: scrapeCSRF(first)!, with: "") == second.replacingOccurrences(of: scrapeCSRF(second)!, with: ""))

            // Through the API, through plain SQL, the commune's name, a published answer.
            let birth = try await f.procedure(app, "birthRegistration")
            #expect(try await app.api(.PATCH, "/api/v1/procedures/\(birth.id)", json: ProcedureInput(fee: "Miễn lệ phí khi đăng ký đúng hạn"), token: f.officerToken).status == .ok)
            #expect(try await anonymous().contains("Miễn lệ phí khi đăng ký đúng hạn"))
            try await sql.raw("UPDATE procedures SET summary = 'Tóm tắt đã sửa bằng SQL' WHERE id = \(bind: birth.id)").run()
            #expect(try await anonymous().contains("Tóm tắt đã sửa bằng SQL"))
            try await sql.raw("UPDATE admin_units SET name = 'Xã Thử Đổi Tên' WHERE id = \(bind: f.tree.commune.id)").run()
            #expect(try await anonymous().contains("Xã Thử Đổi Tên"))
            let (visitor, _) = try await app.visitor(path)
            #expect(try await app.form(path + "/ask", ["question": "Sinh ở nhà thì cần giấy gì?", "phone": "0999123456"], as: visitor).status == .ok)
            let queue = try await app.api(.GET, "/api/v1/communes/\(f.tree.commune.id)/questions", token: f.officerToken).decode(QuestionQueueDTO.self)
            _ = try await app.form("/questions/\(queue.items[0].id)/answer", ["answer": "Mang giấy cam đoan có người làm chứng.", "publish": "1"], as: f.officer)
            #expect(try await anonymous().contains("Mang giấy cam đoan có người làm chứng."))
            _ = try await app.form("/questions/\(queue.items[0].id)/publish", ["published": "0"], as: f.officer)
            #expect(!(try await anonymous()).contains("Mang giấy cam đoan có người làm chứng."))

            // A signed-in household's guide has its own header; visitors never get it, nor it theirs.
            let (home, _) = try await app.householdBrowser(code: "HG-1", village: f.tree.village1)
            for _ in 0..<2 {
                let mine = try await app.page(path, as: home).text
                #expect(mine.contains(SiteURL.myAnnouncements.path) && scrapeCSRF(mine) == home.csrf)
                let theirs = try await anonymous()
                #expect(!theirs.contains(SiteURL.myAnnouncements.path) && !theirs.contains(home.csrf))
            }
            // Unknown procedures and communes are not found, and keep nothing.
            #expect(try await app.anonymousPage("/p/00001/noSuchProcedure").status == .notFound)
            #expect(try await app.anonymousPage("/p/99999/birthRegistration").status == .notFound)
        }
    }

    @Test("a household's inbox: a view that marks notices delivered is not kept, the next is; new notices and its own reads show next; never another household's")
    func inbox() async throws {
        try await withTestApp { app in
            let v = try await Village.make(app)
            let pages = try #require(app.signedInPages)
            let a = try await publish(app, announcement("Họp tổ dân phố", units: [v.tree.commune]))
            try await Jobs.runUntilIdle(app)
            let one = try await householdBrowser(app, v.households[0].household.id)
            let two = try await householdBrowser(app, v.households[1].household.id)
            let sql = app.db as! any SQLDatabase
            func inbox(_ b: Browser) async throws -> String {
                let res = try await app.page("/my/announcements", as: b)
                #expect(res.status == .ok)
                return res.text
            }
            func state(_ h: UUID) async throws -> String {
                try await sql.raw("SELECT state FROM deliveries WHERE household_id = \(bind: h) AND announcement_id = \(bind: a.id)").first()!.decode(column: "state", as: String.self)
            }
            // The first view marks the notice delivered: built, not kept; the second is kept; the third served from memory.
            let c0 = pages.counts
            #expect(try await inbox(one).contains("Họp tổ dân phố"))
            #expect(try await state(v.households[0].household.id) == "delivered")
            _ = try await inbox(one)
            #expect(pages.counts.misses == c0.misses + 2 && pages.counts.hits == c0.hits)
            let kept = try await inbox(one)
            #expect(pages.counts.hits == c0.hits + 1)
            #expect(scrapeCSRF(kept) == one.csrf)
            // Household one reads it: its page shows it read; household two's still shows it new, with its own token.
            #expect(try await app.form("/my/announcements/\(a.id)/read", [:], as: one).status == .seeOther)
            #expect(!(try await inbox(one)).contains("tag new"))
            let theirs = try await inbox(two)
            #expect(theirs.contains("tag new") && scrapeCSRF(theirs) == two.csrf && !theirs.contains(one.csrf))
            // A new notice shows on the next view.
            _ = try await publish(app, announcement("Lịch tiêm phòng mới", units: [v.tree.commune]))
            try await Jobs.runUntilIdle(app)
            #expect(try await inbox(one).contains("Lịch tiêm phòng mới"))
        }
    }

    @Test("a kept reach page is answered before the rule loads its notice, and still never to a person out of scope")
    func reachScope() async throws {
        try await withTestApp { app in
            let v = try await Village.make(app)
            let pages = try #require(app.signedInPages)
            let a = try await publish(app, announcement(units: [v.tree.village1]))
            try await Jobs.runUntilIdle(app)
            let path = "/announcements/\(a.id)/reach"
            #expect(try await app.page(path).status == .ok)
            let hits = pages.counts.hits
            #expect(try await app.page(path).status == .ok)
            #expect(pages.counts.hits == hits + 1)
            // A village head of the other village, and one of this village with no right to publish: not found.
            let v2 = try #require(await AdminUnit.find(v.tree.village2.id, on: app.db))
            _ = try await AccountActions.createPerson(username: "truongthon2", displayName: "Trưởng thôn Đoài", password: testPassword,
                                                      role: .villageHead, unit: v2, app: app)
            let other = try await app.signIn("truongthon2")
            for _ in 0..<2 { #expect(try await app.page(path, as: other).status == .notFound) }
            #expect(pages.counts.hits == hits + 1)
        }
    }

    @Test("the procedures' version moves with procedures and questions, not with other parts' writes")
    func proceduresVersion() async throws {
        try await withTestApp { app in
            let f = try await ProcFixture.make(app)
            let sql = app.db as! any SQLDatabase
            func v() async throws -> [Int64] { try await PageVersion.current([.procedures], on: app.db) }
            let start = try await v()
            #expect(try await app.api(.POST, "/api/v1/households", json: householdInput("H1", village: f.tree.village1)).status == .created)
            #expect(try await v() == start)
            try await sql.raw("UPDATE procedures SET fee = fee").run()
            let moved = try await v()
            #expect(moved != start)
            try await sql.raw("DELETE FROM procedure_questions").run()   // none: a statement that changes no row
            if TestDB.isPostgres { #expect(try await v() != moved) } else { #expect(try await v() == moved) }
        }
    }
}
