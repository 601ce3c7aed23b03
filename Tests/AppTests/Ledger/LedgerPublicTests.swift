import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting
@testable import App

/// The public ledger's pages as anyone reaches them: kept between requests but never older than the last commit,
/// paged by cursor links whose rows are the numbered pages' rows, and bad paging parameters answered with their field.
@Suite("Ledger: the public ledger's kept pages and cursor paging")
struct LedgerPublicTests {
    typealias Fixture = LedgerTests.Fixture

    func contribute(_ app: Application, _ f: Fixture, _ input: ContributionInput) async throws {
        let res = try await app.api(.POST, "/api/v1/campaigns/\(f.campaign.id)/contributions", json: input, token: f.official)
        #expect(res.status == .created, "\(res.text)")
    }

    func json(_ app: Application, _ path: String) async throws -> PublicLedgerDTO {
        let res = try await app.api(.GET, path, token: "")
        #expect(res.status == .ok, "\(path): \(res.status) \(res.text)")
        return try res.decode(PublicLedgerDTO.self)
    }

    @Test("a URL with parameters the page does not read is answered from the canonical page or built, never kept: it neither fills the store nor puts its text into another visitor's page")
    func oddQueries() async throws {
        try await withTestApp { app in
            let f = try await LedgerTests.fixture(app)
            let pages = try #require(app.ledgerPages)
            let page = "/ledger/\(f.campaign.id)"
            try await contribute(app, f, ContributionInput(householdId: f.h1.household.id.uuidString, amountDong: 700_000))
            let held = pages.held
            // Odd URLs first, before any canonical page is kept: each is built (its own links carry its text) and none is kept.
            for i in 0..<5 {
                let odd = try await app.anonymousPage(page + "?per=20&x=odd\(i)marker")
                #expect(odd.status == .ok && odd.text.contains("Nguyễn Văn An"))
                let api = try await app.api(.GET, "/api/v1/ledger/\(f.campaign.id)?y=\(i)", token: "")
                #expect(api.status == .ok)
            }
            #expect(pages.held == held, "odd URLs kept nothing")
            // The same parameters in another order are one page: the canonical one is kept, the other is served from it.
            let canonical = try await app.anonymousPage(page + "?lang=en&per=20")
            #expect(canonical.status == .ok && !canonical.text.contains("marker"))
            #expect(pages.held == held + 1)
            let before = pages.counts
            let reordered = try await app.anonymousPage(page + "?per=20&lang=en")
            #expect(reordered.text == canonical.text && pages.counts.hits == before.hits + 1)
            let tagged = try await app.anonymousPage(page + "?lang=en&per=20&x=othermarker")
            #expect(tagged.text == canonical.text && !tagged.text.contains("othermarker") && pages.counts.hits == before.hits + 2)
            #expect(pages.held == held + 1)
            // A cursor link from the kept page is canonical too: following it keeps that page as well.
            #expect(!(try await app.anonymousPage(page + "?per=20").text.contains("marker")))
            #expect(pages.held == held + 2)
        }
    }

    @Test("a repeated request is answered from kept bytes; after a new contribution, an erasure, an asset's new status or a village renamed, the page and the JSON show it at once")
    func neverStale() async throws {
        try await withTestApp { app in
            let f = try await LedgerTests.fixture(app)
            let pages = try #require(app.ledgerPages)
            let page = "/ledger/\(f.campaign.id)", api = "/api/v1/ledger/\(f.campaign.id)"
            try await contribute(app, f, ContributionInput(householdId: f.h1.household.id.uuidString, amountDong: 700_000))
            let cam = try await LedgerTests.asset(app, "Camera cổng thôn", unit: f.tree.village1.id, commune: f.tree.commune.id)
            let spent = try await app.api(.POST, "/api/v1/campaigns/\(f.campaign.id)/expenses",
                                          json: ExpenseInput(supplier: "Công ty Camera", invoiceNo: "HD-9", amountDong: 500_000, assetIds: [cam.uuidString]), token: f.official)
            #expect(spent.status == .created, "\(spent.text)")
            var first = try await app.anonymousPage(page)
            #expect(first.status == .ok && first.text.contains("Hộ Nguyễn Văn An (Thôn Đông)") && first.text.contains("1/1 đang hoạt động"))
            _ = try await json(app, api)
            let before = pages.counts
            let again = try await app.anonymousPage(page)
            #expect(try await json(app, api).totals.raisedDong == 700_000)
            #expect(again.text == first.text)
            #expect(pages.counts.hits == before.hits + 2, "\(pages.counts)")

            // A new contribution: on the very next request, page and JSON.
            try await contribute(app, f, ContributionInput(organisation: "Hợp tác xã Nông nghiệp Mới", amountDong: 1_234_000))
            first = try await app.anonymousPage(page)
            #expect(first.text.contains("Hợp tác xã Nông nghiệp Mới") && first.text.contains("1.934.000 đ"))
            var ledger = try await json(app, api)
            #expect(ledger.totals.raisedDong == 1_934_000 && ledger.contributions.items.first?.organisation == true)

            // The asset it bought breaks: "works today" follows.
            let broken = try await app.api(.POST, "/api/v1/assets/\(cam)/status", json: AssetStatusInput(status: "faulty"))
            #expect(broken.status == .ok, "\(broken.text)")
            #expect(try await app.anonymousPage(page).text.contains("0/1 đang hoạt động"))
            #expect(try await json(app, api).expenses.first?.assets.first?.status == "faulty")

            // The village is renamed: the rows name it anew.
            let renamed = try await app.api(.PATCH, "/api/v1/units/\(f.tree.village1.id)", json: UnitInput(name: "Thôn Đông Mới"))
            #expect(renamed.status == .ok, "\(renamed.text)")
            #expect(try await app.anonymousPage(page).text.contains("Hộ Nguyễn Văn An (Thôn Đông Mới)"))
            #expect(try await json(app, api).contributions.items.contains { $0.village == "Thôn Đông Mới" })

            // The household is erased: an update of its entries, not a new one; its name goes at once.
            _ = try await app.anonymousPage(page)
            let erased = try await app.form("/households/\(f.h1.household.id)/erase", ["confirm": "yes"])
            #expect(erased.status == .seeOther)
            let after = try await app.anonymousPage(page)
            #expect(!after.text.contains("Nguyễn Văn An") && after.text.contains("Một hộ ở Thôn Đông Mới"))
            ledger = try await json(app, api)
            #expect(ledger.contributions.items.allSatisfy { $0.contributor != "Nguyễn Văn An" })

            // A signed-in visitor's page names them in its header: built for them, never kept for anyone else.
            let official = try await app.page(page)
            #expect(official.status == .ok && official.text.contains("Hợp tác xã Nông nghiệp Mới"))
            #expect(try await app.anonymousPage(page).text == after.text)
        }
    }

    @Test("every page reached by the cursor links, forwards and back, has the rows of the numbered page and of the OFFSET query")
    func cursorsMatchOffsets() async throws {
        try await withTestApp { app in
            let f = try await LedgerTests.fixture(app)
            // 23 contributions over three days (many on one day), written in one import and one by one.
            var csv = "household_code,organisation,amount,received_on\n"
            for i in 0..<17 { csv += ",Tổ chức \(i),\(100_000 + i * 1_000),2026-02-0\(1 + i % 3)\n" }
            let imported = try await app.testing().sendRequest(.POST, "/api/v1/campaigns/\(f.campaign.id)/contributions/import",
                                                               headers: ["Authorization": "Bearer \(f.official)", "Content-Type": "text/csv"], body: ByteBuffer(string: csv))
            #expect(imported.status == .ok, "\(imported.text)")
            for i in 0..<6 { try await contribute(app, f, ContributionInput(organisation: "Hộ kinh doanh \(i)", amountDong: Int64(200_000 + i), receivedOn: "2026-02-02")) }
            let api = "/api/v1/ledger/\(f.campaign.id)"
            let per = 5
            var numbered: [[UUID]] = []
            for n in 1...5 { numbered.append(try await json(app, "\(api)?per=\(per)&page=\(n)").contributions.items.map(\.id)) }
            #expect(numbered.map(\.count) == [5, 5, 5, 5, 3])
            #expect(Set(numbered.joined()).count == 23)
            // The OFFSET answer itself, straight from the database, is what page 3 shows.
            let offset = try await (app.db as! any SQLDatabase).raw("""
                SELECT id FROM ledger_entries WHERE campaign_id = \(bind: f.campaign.id) AND kind = 'contribution'
                ORDER BY entry_on DESC, created_at DESC, id DESC LIMIT 5 OFFSET 10
                """).all().map { try $0.decode(column: "id", as: UUID.self) }
            #expect(numbered[2] == offset)

            // Forwards by `after`, as the JSON leads.
            var ledger = try await json(app, "\(api)?per=\(per)")
            var walked = [ledger.contributions.items.map(\.id)]
            #expect(ledger.contributionsBefore == nil)
            while let next = ledger.contributionsAfter {
                ledger = try await json(app, "\(api)?per=\(per)&after=\(next)&page=\(ledger.contributions.page + 1)")
                walked.append(ledger.contributions.items.map(\.id))
                #expect(ledger.contributions.page == walked.count)
            }
            #expect(walked == numbered)
            // And back by `before`.
            var back = [ledger.contributions.items.map(\.id)]
            while let prev = ledger.contributionsBefore {
                ledger = try await json(app, "\(api)?per=\(per)&before=\(prev)&page=\(ledger.contributions.page - 1)")
                back.insert(ledger.contributions.items.map(\.id), at: 0)
            }
            #expect(back == numbered && ledger.contributions.page == 1)

            // The page's own links, followed as a browser without JavaScript would: each page's rows are the JSON's.
            var path = "/ledger/\(f.campaign.id)?per=\(per)"
            var pagesSeen = 0
            while true {
                let res = try await app.anonymousPage(path)
                #expect(res.status == .ok)
                pagesSeen += 1
                let receipts = try await json(app, "\(api)?per=\(per)&page=\(pagesSeen)").contributions.items.map { $0.organisation ? $0.contributor ?? "" : "" }
                for name in receipts { #expect(res.text.contains(name)) }
                #expect(res.text.contains("Trang \(pagesSeen)/5 · 23 mục"))
                // The "next" link: the same path and size, the cursor, the next page's number.
                let base = "/ledger/\(f.campaign.id.uuidString.lowercased())?per=\(per)"
                guard let at = res.text.range(of: "href=\"\(base)&amp;after=") else { break }
                let href = res.text[at.upperBound...].prefix { $0 != "\"" }.replacingOccurrences(of: "&amp;", with: "&")
                #expect(href.hasSuffix("&page=\(pagesSeen + 1)"), "\(href)")
                path = base + "&after=" + href
            }
            #expect(pagesSeen == 5)
        }
    }

    @Test("a page, a size or a cursor that is not one answers 400 with its field; a page past the last is the last; never 500")
    func badParameters() async throws {
        try await withTestApp { app in
            let f = try await LedgerTests.fixture(app)
            for i in 0..<7 { try await contribute(app, f, ContributionInput(organisation: "Tổ chức \(i)", amountDong: Int64(10_000 * (i + 1)))) }
            let other = try await app.api(.POST, "/api/v1/campaigns", json: CampaignInput(unitId: f.tree.village2.id.uuidString, purpose: "Đèn thôn Đoài",
                                                                                        targetDong: 1_000_000, startsOn: "2026-01-01"), token: f.official).decode(CampaignDTO.self)
            let foreign = try await app.api(.POST, "/api/v1/campaigns/\(other.id)/contributions", json: ContributionInput(organisation: "Ngoài", amountDong: 5_000), token: f.official)
                .decode(LedgerEntryDTO.self)
            let expense = try await app.api(.POST, "/api/v1/campaigns/\(f.campaign.id)/expenses", json: ExpenseInput(supplier: "NCC", invoiceNo: "HD-1", amountDong: 1_000), token: f.official)
                .decode(LedgerEntryDTO.self)
            let api = "/api/v1/ledger/\(f.campaign.id)", page = "/ledger/\(f.campaign.id)"
            let all = try await json(app, "\(api)?per=3")
            let newest = all.contributions.items[0].id
            let oldest = try await json(app, "\(api)?per=3&page=3").contributions.items.last!.id

            let bad: [(String, String)] = [
                ("page=0", "page"), ("page=-1", "page"), ("page=abc", "page"), ("page=1.5", "page"),
                ("per=0", "per"), ("per=501", "per"), ("per=-5", "per"), ("per=x", "per"),
                ("after=abc", "after"), ("after=\(UUID())", "after"), ("after=\(foreign.id)", "after"), ("after=\(expense.id)", "after"),
                ("before=%27%3B--", "before"), ("before=\(UUID())", "before"), ("after=\(newest)&before=\(newest)", "before"),
            ]
            for (query, field) in bad {
                let res = try await app.api(.GET, "\(api)?\(query)", token: "")
                #expect(res.status == .badRequest && LedgerTests.firstField(res) == field, "\(query): \(res.status) \(res.text)")
                let html = try await app.anonymousPage("\(page)?\(query)")
                #expect(html.status == .badRequest && html.headers.contentType?.subType == "html", "\(query): \(html.status)")
            }
            #expect(try await app.anonymousPage("\(page)?page=abc").text.contains("Số trang là một số nguyên từ 1 trở lên."))

            // Past the last page, however far: the last page (7 rows, 3 a page: page 3, one row).
            for query in ["page=4", "page=1000001", "page=99999999999999999999999"] {
                let last = try await json(app, "\(api)?per=3&\(query)")
                #expect(last.contributions.page == 3 && last.contributions.items.map(\.id) == [oldest] && last.contributionsAfter == nil, "\(query)")
                #expect(try await app.anonymousPage("\(page)?per=3&\(query)").text.contains("Trang 3/3 · 7 mục"))
            }
            // After the oldest: nothing after it, so the last page; before the newest: the first page.
            let afterOldest = try await json(app, "\(api)?per=3&after=\(oldest)&page=9")
            #expect(afterOldest.contributions.page == 3 && afterOldest.contributions.items.map(\.id) == [oldest])
            let beforeNewest = try await json(app, "\(api)?per=3&before=\(newest)&page=2")
            #expect(beforeNewest.contributions.page == 1 && beforeNewest.contributions.items.map(\.id) == all.contributions.items.map(\.id))
            // A cursor's carried number out of range is bounded by the pages there are.
            let carried = try await json(app, "\(api)?per=3&after=\(newest)&page=1000000")
            #expect(carried.contributions.page == 2 && carried.contributions.items.count == 3)
            // Unknown campaign: not found, as before.
            #expect(try await app.api(.GET, "/api/v1/ledger/\(UUID())", token: "").status == .notFound)
        }
    }
}
