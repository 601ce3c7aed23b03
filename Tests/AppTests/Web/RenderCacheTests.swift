// Rendered pages kept by template, language and context (Support/RenderCache.swift): a second identical view is
// served from the cache, yet every write shows on the next view, every view still writes what it writes (the audit
// row of a list), no one gets a page rendered for someone else, and each visitor's form carries their own token.
import Foundation
import SQLKit
import Testing
import Vapor
@testable import App

@Suite("Rendered pages kept by context")
struct RenderCacheTests {
    @Test("a write shows on the next view of a household list, and every view, cached or not, writes its audit row")
    func writeShowsNextView() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            let cache = try #require(app.renderCache)
            let made = try await app.api(.POST, "/api/v1/households", json: householdInput("H-001", village: t.village1, address: "Số 7, ngõ Đình"))
            #expect(made.status == .created)
            let id = try made.decode(HouseholdDetailDTO.self).household.id
            let path = "/units/\(t.village1.id)/households"
            _ = try await app.adminBrowser()   // signing in is audited too: before counting
            let audits = try await app.count("audit_events")
            let first = try await app.page(path)
            #expect(first.status == .ok && first.text.contains("Số 7, ngõ Đình"))
            // The household list is now kept whole (Support/SignedInPages.swift): its hits are counted there.
            func allHits() -> Int { cache.counts.hits + (app.signedInPages?.counts.hits ?? 0) }
            let hits = allHits()
            let second = try await app.page(path)
            #expect(second.text == first.text)
            #expect(allHits() == hits + 1, "the second identical view comes from memory")
            #expect(try await app.count("audit_events") == audits + 2, "both views are audited")

            // A change of address, through the API: the next view shows it.
            let patched = try await app.api(.PATCH, "/api/v1/households/\(id)", json: HouseholdInput(address: "Số 9, ngõ Chùa"))
            #expect(patched.status == .ok, "\(patched.text)")
            let after = try await app.page(path)
            #expect(after.text.contains("Số 9, ngõ Chùa") && !after.text.contains("Số 7, ngõ Đình"))
            // A new household: the next view shows it.
            #expect(try await app.api(.POST, "/api/v1/households", json: householdInput("H-002", village: t.village1, name: "Trần Thị Bình")).status == .created)
            let third = try await app.page(path)
            #expect(third.text.contains("Trần Thị Bình") && third.text.contains("Số 9, ngõ Chùa"))
        }
    }

    @Test("two people see the same list each with their own name, in their own language; the household's inbox is its own")
    func otherPrincipal() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            let village = try #require(await AdminUnit.find(t.village1.id, on: app.db))
            _ = try await AccountActions.createPerson(username: "truongthon", displayName: "Trưởng thôn Đông", password: testPassword,
                                                      role: .villageHead, unit: village, app: app)
            let head = try await app.signIn("truongthon")
            _ = try await app.api(.POST, "/api/v1/households", json: householdInput("H-001", village: t.village1))
            let path = "/units/\(t.village1.id)/households"
            let hits = try #require(app.renderCache).counts.hits + (app.signedInPages?.counts.hits ?? 0)
            let a1 = try await app.page(path), h1 = try await app.page(path, as: head)
            let a2 = try await app.page(path), h2 = try await app.page(path, as: head)
            #expect(try #require(app.renderCache).counts.hits + (app.signedInPages?.counts.hits ?? 0) >= hits + 2)
            for page in [a1, a2] { #expect(page.text.contains("Quản trị thử") && !page.text.contains("Trưởng thôn Đông")) }
            for page in [h1, h2] { #expect(page.text.contains("Trưởng thôn Đông") && !page.text.contains("Quản trị thử")) }
            #expect(scrapeCSRF(a2.text) != scrapeCSRF(h2.text))
            let en = try await app.page(path, headers: ["Cookie": "lang=en"], as: head)
            let vi = try await app.page(path, as: head)
            #expect(en.text.contains("Households") && !vi.text.contains(">Households<"))
            #expect(vi.text == h1.text)

            // Two households, a notice to the first's village only: the second's inbox never shows it, however often
            // either is viewed.
            let (home1, _) = try await app.householdBrowser(code: "H-101", village: t.village1)
            let (home2, _) = try await app.householdBrowser(code: "H-201", village: t.village2)
            let empty1 = try await app.page("/my/announcements", as: home1)
            let empty2 = try await app.page("/my/announcements", as: home2)
            #expect(empty1.status == .ok && empty2.status == .ok)
            _ = try await publish(app, announcement("Họp thôn Đông tối nay", units: [t.village1]))
            while try await Jobs.runOne(app, worker: "t") {}
            for _ in 0..<2 {
                #expect(try await app.page("/my/announcements", as: home1).text.contains("Họp thôn Đông tối nay"))
                #expect(!(try await app.page("/my/announcements", as: home2).text.contains("Họp thôn Đông tối nay")))
            }
        }
    }

    @Test("a public guide from the cache carries each visitor's own form token, which its forms accept")
    func formTokens() async throws {
        try await withTestApp { app in
            _ = try await ProcFixture.make(app)
            let cache = try #require(app.renderCache)
            let marker = String(decoding: cache.marker, as: UTF8.self)
            // The guide is kept whole (Support/SignedInPages.swift): its hits are counted there.
            func allHits() -> Int { cache.counts.hits + (app.signedInPages?.counts.hits ?? 0) }
            let (a, pageA) = try await app.visitor("/p/00001/birthRegistration")
            let hits = allHits()
            let (b, pageB) = try await app.visitor("/p/00001/birthRegistration")
            #expect(allHits() == hits + 1, "the second visitor's page comes from the cache")
            #expect(a.csrf != b.csrf && a.cookie != b.cookie)
            #expect(!pageA.text.contains(marker) && !pageB.text.contains(marker))
            #expect(pageB.text.replacingOccurrences(of: b.csrf, with: a.csrf) == pageA.text)
            // B's page token is B's: accepted with B's cookie, and A's token is refused with B's cookie.
            let wrong = try await app.form("/p/00001/birthRegistration/ask", ["question": "Cần mang giấy gì?", "phone": "0999 123 456", "_csrf": a.csrf], as: b)
            #expect(wrong.status == .forbidden)
            let ok = try await app.form("/p/00001/birthRegistration/ask", ["question": "Cần mang giấy gì?", "phone": "0999 123 456"], as: b)
            #expect(ok.status == .ok)
            // The same visitor again: its page from the cache still carries its own token.
            let againB = try await app.page("/p/00001/birthRegistration", as: b)
            #expect(scrapeCSRF(againB.text) == b.csrf)
        }
    }

    @Test("replacing the token: every occurrence, nothing else")
    func replacing() {
        let s = Array("ab12xx ab12 a b12ab12".utf8)
        #expect(String(decoding: RenderCache.replacing(s, Array("ab12".utf8), with: Array("ZZZZ".utf8)), as: UTF8.self) == "ZZZZxx ZZZZ a b12ZZZZ")
        #expect(RenderCache.replacing(Array("ab".utf8), Array("abc".utf8), with: Array("xyz".utf8)) == Array("ab".utf8))
    }

    @Test("glibc's malloc_trim is found")
    func trim() {
        #if os(Linux)
        #expect(MemoryTrim.trim != nil)
        _ = MemoryTrim.trim?(0)
        #endif
    }

    @Test("the idle trim pages out resident code: the process's file-backed RSS falls, its heap is untouched; IDLE_PAGE_OUT=0 turns it off")
    func pageOutCode() throws {
        #expect(try AppConfig.fromEnvironment([:]).idlePageOut)
        #expect(try !AppConfig.fromEnvironment(["IDLE_PAGE_OUT": "0"]).idlePageOut)
        #if os(Linux)
        func kB(_ field: String) throws -> Int {
            let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
            let line = try #require(status.split(separator: "\n").first { $0.hasPrefix(field + ":") })
            return try #require(Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]))
        }
        let heap = [UInt8](repeating: 7, count: 4 << 20)   // 4 MB of anonymous memory, written: resident
        let fileBefore = try kB("RssFile")
        #expect(fileBefore > 4096, "a Swift test process maps megabytes of code")
        #expect(MemoryTrim.pageOutCode() > 0)
        let fileAfter = try kB("RssFile")
        #expect(fileAfter < fileBefore * 3 / 4, "RssFile \(fileBefore) kB -> \(fileAfter) kB")
        #expect(heap.allSatisfy { $0 == 7 })
        #endif
    }
}

@Suite("SQLite's synchronous setting")
struct SQLiteSyncTests {
    @Test("every SQLite connection runs with synchronous NORMAL, or FULL with SQLITE_SYNCHRONOUS=full; a wrong value is refused")
    func synchronous() async throws {
        #expect(try !AppConfig.fromEnvironment(["SQLITE_SYNCHRONOUS": "normal"]).sqliteSynchronousFull)
        #expect(try AppConfig.fromEnvironment([:]).sqliteSynchronousFull)
        #expect(throws: ConfigError.self) { try AppConfig.fromEnvironment(["SQLITE_SYNCHRONOUS": "off"]) }
        #expect(try AppConfig.fromEnvironment(["RENDER_CACHE_MB": "0"]).renderCacheMB == 0)
        guard !TestDB.isPostgres else { return }
        for (full, expected) in [(false, 1), (true, 2)] {
            try await withTestApp({ $0.sqliteSynchronousFull = full }) { app in
                for loop in app.eventLoopGroup.makeIterator() {
                    let sql = try #require(app.databases.database(logger: app.logger, on: loop) as? any SQLDatabase)
                    let row = try #require(try await sql.raw("PRAGMA synchronous").first())
                    #expect(try row.decode(column: "synchronous", as: Int.self) == expected)
                }
            }
        }
        try await withTestApp({ $0.renderCacheMB = 0 }) { app in #expect(app.renderCache == nil) }
    }

    @Test("every SQLite connection gets a page cache of SQLITE_CACHE_MB (16 MB by default); 0 or too large is refused")
    func cacheSize() async throws {
        #expect(try AppConfig.fromEnvironment([:]).sqliteCacheMB == 16)
        #expect(try AppConfig.fromEnvironment(["SQLITE_CACHE_MB": "64"]).sqliteCacheMB == 64)
        for bad in ["0", "4096", "99999999999999999999", "x"] {
            #expect(throws: ConfigError.self) { try AppConfig.fromEnvironment(["SQLITE_CACHE_MB": bad]) }
        }
        guard !TestDB.isPostgres else { return }
        try await withTestApp({ $0.sqliteCacheMB = 40 }) { app in
            for loop in app.eventLoopGroup.makeIterator() {
                let sql = try #require(app.databases.database(logger: app.logger, on: loop) as? any SQLDatabase)
                let row = try #require(try await sql.raw("PRAGMA cache_size").first())
                #expect(try row.decode(column: "cache_size", as: Int.self) == -40 * 1024)
            }
        }
    }
}
