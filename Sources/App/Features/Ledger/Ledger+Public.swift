// The public ledger of a campaign (`/ledger/{id}`, `GET /api/v1/ledger/{id}`): what it is read from, how its pages of
// contributions are reached, and the pages kept ready.
//
// Read: one statement for the campaign, its two kept sums rows (migration 0025) and its unit's and commune's names
// (the "head"); one for the page of contributions (the ids from `ledger_entries_page` alone, then their rows with the
// reversal and the village joined); one for the expenses; one for their assets when there are any.
//
// Paging: `?page=N` counts from the newest (an OFFSET over the index: fine for a link typed or printed), and the
// pager's links carry a cursor instead, `?after={id}` (the next, older page: the rows after that entry in the
// ledger's order) or `?before={id}` (the previous, newer page), with the page's number for display; a cursor costs
// the same on the first page as on the 200th (docs/benchmarks.md, "Ledger"). A page past the last is the last page;
// a page, a size or a cursor that is not one (a word, zero, a negative, an entry of another ledger) is 400 with its
// field.
//
// Kept pages (`LedgerPages`): the bytes of the page (for visitors who are not signed in: the header of a signed-in
// one names them) and of the JSON, per page asked for (the query's canonical form: `LedgerPages.canonicalQuery`), language and day, each with the **version** it was built at: every
// column of the campaign's sums rows (moved by the database, in the writer's transaction, by every entry added or
// changed: migrations 0025 and 0032), the campaign's own columns, its unit's and commune's names, the names of the
// villages the page shows, and, when it shows assets, the assets' map version (migrations 0020/0024: every write of
// an asset or a fault moves it). A request reads that version in one statement and answers the kept bytes only if
// all of it is unchanged; otherwise it reads the version first, then the rows, and keeps what it built under the
// version it read first, so a kept page is never older than its version. Every instance sharing the database checks
// the database on every request, so none serves a page older than the last commit.
import Fluent
import SQLKit
import Vapor

/// Which page of contributions a request asks for.
struct LedgerPageRequest: Sendable {
    enum Position: Sendable, Equatable { case number(Int), after(UUID), before(UUID) }
    var position: Position
    /// The number the page shows: `page`, or 1; links with a cursor carry it (bounded by the pages there are).
    var shown: Int
    var per: Int

    /// `page` (a whole number from 1; past the last page: the last), `per` (1 to 500), `after` or `before` (an entry
    /// of this ledger, one of the two). Anything else in them answers 400 with the field.
    init(_ req: Request, defaultPer: Int) throws {
        func raw(_ name: String) -> String? { req.queryValue(name) }
        var page: Int? = nil
        if let text = raw("page") {
            guard let n = PageRequest.number(text), n >= 1 else { throw InvalidInput("page", "ledger.error.page", status: .badRequest) }
            page = min(n, PageRequest.maxPage)
        }
        per = defaultPer
        if let text = raw("per") {
            guard let n = PageRequest.number(text), (1...PageRequest.maxPer).contains(n) else {
                throw InvalidInput("per", "ledger.error.per", [String(PageRequest.maxPer)], status: .badRequest)
            }
            per = n
        }
        shown = page ?? 1
        let after = raw("after"), before = raw("before")
        if after != nil && before != nil { throw InvalidInput("before", "ledger.error.twoCursors", status: .badRequest) }
        if let after {
            guard let id = UUID(uuidString: after) else { throw InvalidInput("after", "ledger.error.cursor", status: .badRequest) }
            position = .after(id)
        } else if let before {
            guard let id = UUID(uuidString: before) else { throw InvalidInput("before", "ledger.error.cursor", status: .badRequest) }
            position = .before(id)
        } else {
            position = .number(shown)
        }
    }

    init(position: Position, shown: Int = 1, per: Int) {
        self.position = position; self.shown = shown; self.per = per
    }
}

enum LedgerPublic {
    static func sql(_ db: any Database) -> any SQLDatabase { db as! any SQLDatabase }

    /// The campaign, its kept sums and its units' names, read in one statement; and, when asked, the assets' map
    /// version and how many of `names` (unit id → name) still hold.
    struct Head: Equatable {
        var id: UUID
        var unitID: UUID, communeID: UUID
        var purpose: String, targetDong: Int64, startsOn: String, endsOn: String?
        var unitName: String, communeName: String
        /// Per kind: total, standing, rows, edits (nil: no entry of that kind yet).
        var contributions: [Int64]?, expenses: [Int64]?
        /// Everything above: what a kept page must have been built from.
        var assetVersion: Int64?
        var namesHeld: Int?

        var totals: LedgerTotals {
            let raised = contributions?[0] ?? 0, spent = expenses?[0] ?? 0
            return LedgerTotals(raisedDong: raised, spentDong: spent, balanceDong: raised - spent,
                                contributions: Int(contributions?[1] ?? 0), expenses: Int(expenses?[1] ?? 0))
        }
        var contributionRows: Int { Int(contributions?[2] ?? 0) }

        /// The version a kept page is checked against (the assets' and the villages' parts are checked apart).
        func sameLedger(_ o: Head) -> Bool {
            var a = self, b = o
            a.assetVersion = nil; a.namesHeld = nil; b.assetVersion = nil; b.namesHeld = nil
            return a == b
        }
    }

    static func head(_ id: UUID, assets: Bool, names: [UUID: String] = [:], on db: any Database) async throws -> Head? {
        let sql = sql(db)
        var extra: SQLQueryString = ""
        if assets { extra = extra + ", (\(unsafeRaw: AssetMapVersion.expression(postgres: sql.dialect.name == "postgresql"))) AS asset_version" }
        if !names.isEmpty {
            var held: SQLQueryString = ", (SELECT COUNT(*) FROM admin_units WHERE "
            for (i, (unit, name)) in names.sorted(by: { $0.key.uuidString < $1.key.uuidString }).enumerated() {
                held = held + (i == 0 ? "" : " OR ") + "(id = \(bind: unit) AND name = \(bind: name))"
            }
            extra = extra + held + ") AS names_held"
        }
        let q: SQLQueryString = """
            SELECT c.unit_id, c.commune_id, c.purpose, c.target_dong, c.starts_on, c.ends_on, u.name AS unit_name, m.name AS commune_name,
                   sc.total_dong AS c_total, sc.standing AS c_standing, sc.row_count AS c_rows, sc.edits AS c_edits,
                   se.total_dong AS e_total, se.standing AS e_standing, se.row_count AS e_rows, se.edits AS e_edits
            """ + extra + """
             FROM campaigns c
            LEFT JOIN admin_units u ON u.id = c.unit_id
            LEFT JOIN admin_units m ON m.id = c.commune_id
            LEFT JOIN ledger_sums sc ON sc.campaign_id = c.id AND sc.kind = \(bind: LedgerKind.contribution.rawValue)
            LEFT JOIN ledger_sums se ON se.campaign_id = c.id AND se.kind = \(bind: LedgerKind.expense.rawValue)
            WHERE c.id = \(bind: id)
            """
        guard let r = try await sql.raw(q).first() else { return nil }
        func sums(_ p: String) throws -> [Int64]? {
            guard let total = try r.decode(column: p + "_total", as: Int64?.self) else { return nil }
            return [total, try r.decode(column: p + "_standing", as: Int64.self), try r.decode(column: p + "_rows", as: Int64.self),
                    try r.decode(column: p + "_edits", as: Int64.self)]
        }
        return Head(id: id, unitID: try r.decode(column: "unit_id", as: UUID.self), communeID: try r.decode(column: "commune_id", as: UUID.self),
                    purpose: try r.decode(column: "purpose", as: String.self), targetDong: try r.decode(column: "target_dong", as: Int64.self),
                    startsOn: try r.decode(column: "starts_on", as: String.self), endsOn: try r.decode(column: "ends_on", as: String?.self),
                    unitName: try r.decode(column: "unit_name", as: String?.self) ?? "", communeName: try r.decode(column: "commune_name", as: String?.self) ?? "",
                    contributions: try sums("c"), expenses: try sums("e"),
                    assetVersion: assets ? try r.decode(column: "asset_version", as: Int64.self) : nil,
                    namesHeld: names.isEmpty ? nil : try r.decode(column: "names_held", as: Int.self))
    }

    /// What a request built: the ledger, and what its kept bytes depend on besides the head.
    struct Built {
        var ledger: PublicLedgerDTO
        /// The villages the page names (id → name as read).
        var villages: [UUID: String]
        var hasAssets: Bool
    }

    /// The public ledger from its head (read first): a page of contributions, every expense (at most 1,000) with
    /// its assets.
    static func build(_ head: Head, _ request: LedgerPageRequest, on db: any Database) async throws -> Built {
        let per = request.per, rows = head.contributionRows
        let pageCount = max(1, (rows + per - 1) / per)
        func byNumber(_ n: Int) async throws -> ([LedgerQueries.PublicRow], Int) {
            let n = min(max(1, n), pageCount)
            return (try await LedgerQueries.publicRows(head.id, kind: .contribution, position: .offset((n - 1) * per), limit: per, on: db), n)
        }
        var list: [LedgerQueries.PublicRow]
        var shown: Int
        var older = false, newer = false
        switch request.position {
        case .number(let n):
            (list, shown) = try await byNumber(n)
            newer = shown > 1; older = shown < pageCount
        case .after(let k):
            list = try await LedgerQueries.publicRows(head.id, kind: .contribution, position: .after(k), limit: per + 1, on: db)
            if list.isEmpty {
                try await cursorCheck(k, field: "after", head.id, on: db)
                (list, shown) = try await byNumber(pageCount)   // nothing after it: the last page
                newer = shown > 1
            } else {
                older = list.count > per
                if older { list.removeLast() }
                newer = true
                shown = older ? min(max(2, request.shown), max(2, pageCount - 1)) : pageCount
            }
        case .before(let k):
            list = try await LedgerQueries.publicRows(head.id, kind: .contribution, position: .before(k), limit: per + 1, on: db)
            if list.count > per {
                list.removeFirst()
                newer = true; older = true
                shown = min(max(2, request.shown), max(2, pageCount - 1))
            } else {
                if list.isEmpty { try await cursorCheck(k, field: "before", head.id, on: db) }
                (list, shown) = try await byNumber(1)   // nothing or less than a page before it: the first page
                older = shown < pageCount
            }
        }
        let expenses = try await LedgerQueries.publicRows(head.id, kind: .expense, position: .offset(0), limit: 1000, on: db)
        let assets = try await LedgerQueries.assets(of: expenses.map(\.id), on: db)
        var villages: [UUID: String] = [:]
        for e in list { if let v = e.villageID, let name = e.villageName { villages[v] = name } }
        let contributions = list.map { e in
            PublicContributionDTO(id: e.id, amountDong: e.amountDong, receivedOn: e.entryOn,
                                  contributor: e.organisation || !e.anonymous ? e.contributorName : nil, organisation: e.organisation,
                                  anonymous: !e.organisation && e.anonymous, village: e.villageName, receiptNo: e.receiptNo,
                                  reversesId: e.reversesID, reversed: e.reversed, reason: e.reason)
        }
        let spent = expenses.map { e in
            PublicExpenseDTO(id: e.id, amountDong: e.amountDong, spentOn: e.entryOn, supplier: e.supplier ?? "", invoiceNo: e.invoiceNo,
                             advance: e.advance, reversesId: e.reversesID, reversed: e.reversed, reason: e.reason, assets: assets[e.id] ?? [])
        }
        let page = PageRequest(page: shown, per: per)
        let dto = PublicLedgerDTO(campaignId: head.id, purpose: head.purpose, unitName: head.unitName, communeName: head.communeName,
                                  targetDong: head.targetDong, startsOn: head.startsOn, endsOn: head.endsOn, totals: head.totals,
                                  contributions: Paged(items: contributions, page: page, total: rows), expenses: spent,
                                  contributionsAfter: older ? list.last?.id : nil, contributionsBefore: newer ? list.first?.id : nil)
        return Built(ledger: dto, villages: villages, hasAssets: !assets.isEmpty)
    }

    /// A cursor that names no contribution of this ledger: 400 with its field.
    static func cursorCheck(_ k: UUID, field: String, _ campaign: UUID, on db: any Database) async throws {
        let found = try await sql(db).raw("""
            SELECT id FROM ledger_entries WHERE id = \(bind: k) AND campaign_id = \(bind: campaign) AND kind = \(bind: LedgerKind.contribution.rawValue)
            """).first()
        if found == nil { throw InvalidInput(field, "ledger.error.cursor", status: .badRequest) }
    }

    /// The public ledger as the JSON and the page read it (kept bytes aside): head, then rows; 404 for no campaign.
    static func ledger(_ id: UUID, _ request: LedgerPageRequest, on db: any Database) async throws -> (Head, Built) {
        guard let head = try await head(id, assets: true, on: db) else { throw Abort(.notFound) }
        return (head, try await build(head, request, on: db))
    }
}

/// The public ledger's kept pages (see the top of this file), in a `KeptStore` of at most `budget` bytes.
final class LedgerPages: Sendable {
    enum Format: Sendable, Hashable { case page, json }
    struct Key: Hashable, Sendable {
        var format: Format
        var campaign: UUID
        /// The request's query in its one canonical form (`canonicalQuery`), whatever else the URL carried.
        var query: String
        var lang: String
        /// The day printed in the page's footer.
        var day: String
    }
    struct Kept: Sendable {
        var head: LedgerPublic.Head
        var villages: [UUID: String]
        var hasAssets: Bool
        var contentType: String
        var bytes: ByteBuffer
    }

    let budget: Int
    private let pages: KeptStore<Key, Kept>

    init(budget: Int) {
        self.budget = budget
        pages = KeptStore(budget: budget) { key, kept in kept.bytes.readableBytes + key.query.utf8.count + 64 }
    }

    /// Served from kept bytes, and built, since start (tests and the bench read them).
    var counts: (hits: Int, misses: Int) { pages.counts }

    /// Pages kept now.
    var held: Int { pages.held.values }

    /// The parameters that make the page, in one order and one spelling: `lang` (when it names a language), `per`
    /// (when given), the page's number and the cursor. Two URLs that ask for the same page have the same canonical
    /// query; other parameters (`?x=…`, a tracking tag) are not in it.
    static func canonicalQuery(_ req: Request, _ request: LedgerPageRequest) -> String {
        var parts: [String] = []
        if let lang = req.canonicalLangParameter { parts.append(lang) }
        if req.queryValue("per") != nil { parts.append("per=\(request.per)") }
        switch request.position {
        case .number(let n): if req.queryValue("page") != nil { parts.append("page=\(n)") }
        case .after(let id): parts.append("after=" + id.uuidString.lowercased()); parts.append("page=\(request.shown)")
        case .before(let id): parts.append("before=" + id.uuidString.lowercased()); parts.append("page=\(request.shown)")
        }
        return parts.joined(separator: "&")
    }

    /// Answers a request for the public ledger: the kept bytes if their version still holds, else `build`'s
    /// response (kept under the head read before it, when `keep` says it may be). A page is kept only when the URL's
    /// query is already canonical: a URL with anything else in it is answered from the canonical page when one is
    /// kept, and otherwise built and not kept, so odd URLs can neither fill the store nor put their text into a page
    /// that others are served.
    static func answer(_ req: Request, format: Format, campaign id: UUID, request position: LedgerPageRequest, keep: Bool,
                       build: @Sendable (LedgerPublic.Head) async throws -> (LedgerPublic.Built, Response)) async throws -> Response {
        let pages = keep ? req.application.ledgerPages?.pages : nil
        let canonical = canonicalQuery(req, position)
        let key = Key(format: format, campaign: id, query: canonical, lang: format == .page ? req.lang.rawValue : "",
                      day: format == .page ? Day.today() : "")
        var head: LedgerPublic.Head? = nil
        if let pages, let kept = pages.peek(key) {
            guard let now = try await LedgerPublic.head(id, assets: kept.hasAssets, names: kept.villages, on: req.db) else { throw Abort(.notFound) }
            if now.sameLedger(kept.head) && (!kept.hasAssets || now.assetVersion == kept.head.assetVersion) && (now.namesHeld ?? 0) == kept.villages.count {
                pages.count(hit: true)
                pages.touch(key)
                var headers = HTTPHeaders()
                headers.replaceOrAdd(name: .contentType, value: kept.contentType)
                return Response(status: .ok, headers: headers, body: .init(buffer: kept.bytes))
            }
            // Changed. The head just read is the version to build at if it has the assets' part (a page built now
            // may show assets); else it is read again with it.
            if kept.hasAssets { head = now; head!.namesHeld = nil }
        }
        if head == nil {
            guard let h = try await LedgerPublic.head(id, assets: true, on: req.db) else { throw Abort(.notFound) }
            head = h
        }
        let (built, response) = try await build(head!)
        if let pages {
            pages.count(hit: false)
            if response.status == .ok, let bytes = response.body.buffer, (req.url.query ?? "") == canonical {
                pages.keep(key, Kept(head: head!, villages: built.villages, hasAssets: built.hasAssets,
                                     contentType: response.headers.first(name: .contentType) ?? "", bytes: bytes))
            }
        }
        return response
    }
}

extension Application {
    private struct LedgerPagesKey: StorageKey { typealias Value = LedgerPages }

    /// The public ledger's kept pages: on wherever rendered pages are kept (RENDER_CACHE_MB > 0, not in
    /// development, where a changed template must show), with a quarter of that budget (at least 1 MB).
    var ledgerPages: LedgerPages? {
        get { storage[LedgerPagesKey.self] }
        set { storage[LedgerPagesKey.self] = newValue }
    }
}
