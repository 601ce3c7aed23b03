// Signed-in pages kept ready (a village's household list, a notice's reach page; any route declaring `kept`: a household's
// inbox, a public guide, the criteria dashboards counted ahead), each kept with the data version
// it was built at (migration 0034: moved on by the database in every writer's transaction) and answered from memory
// while that version holds. A request still passes its route's rule (the caller's session, the row and its scope),
// then reads the version in one statement; only when it moved does the handler run its queries and render. The
// version is read before the rows a page is built from, so a page kept under a version was built from data at least
// that new; any later commit — this instance, another instance on the same database, plain SQL — moves it on, and
// the next request builds the page again. Nothing in the application has to remember to invalidate anything.
//
// What is per visitor: the form token is swapped for `RenderCache`'s marker before keeping and back when serving;
// everything else the page's header shows (the person's name, the links their roles give) and everything their
// scope decides (which villages a reach page counts) is in the key: the person's id, name and grants. A page is
// never served to another person. The key holds canonical parameters only (numbers as parsed, never the URL's text):
// a page is kept only for a URL whose query is exactly its canonical form, and a URL with anything else is answered
// from the canonical page when one is kept, else built and not kept. Bounded in bytes (`KeptStore`).
import Fluent
import NIOConcurrencyHelpers
import NIOCore
import SQLKit
import Vapor

/// The data versions of migration 0034, by part.
enum PageVersion {
    /// `procedures`: a commune's procedures and their published answers (migration 0036), what a guide shows;
    /// `criteria`: the criteria definitions, manual values, snapshots and dashboards counted ahead (migration 0037).
    enum Part: String, Sendable, CaseIterable { case units, registry, messages, procedures, criteria }

    /// The expressions whose values, compared as a whole, are the version of `parts`. The first adds up the parts'
    /// rows (PostgreSQL: plus their appended changes) in one subquery: each of those only ever grows (compacting moves
    /// changes into a row without changing the total), so their sum moves whenever any of them does. SQLite adds the
    /// largest rowid of each table whose inserts have no trigger (`messages`), on its own: a delete of the last row
    /// can lower it while its trigger raises the row, so it is not added in.
    static func expressions(_ parts: [Part], _ sql: any SQLDatabase) -> [String] {
        if parts.isEmpty { return [] }
        let postgres = sql.dialect.name == "postgresql"
        let names = Set(parts.map(\.rawValue)).sorted().map { "'\($0)'" }.joined(separator: ", ")
        let rows = "(SELECT COALESCE(SUM(version), 0) FROM page_versions WHERE name IN (\(names)))"
        if postgres { return ["(\(rows) + (SELECT COUNT(*) FROM page_changes WHERE name IN (\(names))))"] }
        var out = [rows]
        if parts.contains(.messages) {
            for t in CreatePageVersions.insertsByRowid.sorted() { out.append("(SELECT COALESCE(MAX(rowid), 0) FROM \(t))") }
        }
        return out
    }

    /// The columns that read the version of `parts` in a SELECT (`pv0`, `pv1`, …): alone (`current`) or beside
    /// the session's own columns (SessionStore.load), so a kept page costs no statement of its own.
    static func columns(_ parts: [Part], _ sql: any SQLDatabase) -> (list: String, count: Int) {
        let exprs = expressions(parts, sql)
        return (exprs.enumerated().map { "CAST(\($1) AS BIGINT) AS pv\($0)" }.joined(separator: ", "), exprs.count)
    }

    static func decode(_ row: any SQLRow, count: Int) throws -> [Int64] {
        try (0..<count).map { try row.decode(column: "pv\($0)", as: Int64.self) }
    }

    /// The version of `parts` now, in one statement.
    static func current(_ parts: [Part], on db: any Database) async throws -> [Int64] {
        guard let sql = db as? any SQLDatabase else { return [] }
        let (list, count) = columns(parts, sql)
        guard let row = try await sql.raw("SELECT \(unsafeRaw: list)").first() else { return [] }
        return try decode(row, count: count)
    }

    /// PostgreSQL: moves the appended changes into the version rows, per part, in one statement each (the version
    /// unchanged); rows appended by writers that commit meanwhile stay for the next time. Every minute
    /// (`PageChangesCompactor`) and in the hourly housekeeping.
    static func compact(on db: any Database) async throws -> Int {
        guard let sql = db as? any SQLDatabase, sql.dialect.name == "postgresql" else { return 0 }
        var moved = 0
        for p in Part.allCases {
            let row = try await sql.raw("""
                WITH gone AS (DELETE FROM page_changes WHERE name = \(bind: p.rawValue) RETURNING 1), n AS (SELECT COUNT(*) AS c FROM gone),
                     up AS (UPDATE page_versions SET version = version + (SELECT c FROM n) WHERE name = \(bind: p.rawValue) RETURNING 1)
                SELECT CAST((SELECT c FROM n) AS BIGINT) AS c, (SELECT COUNT(*) FROM up) AS u
                """).first()
            moved += Int(try row?.decode(column: "c", as: Int64.self) ?? 0)
        }
        return moved
    }
}

/// PostgreSQL: every writing statement appends a row to `page_changes`, and every signed-in kept page counts its
/// parts' rows there in its session statement; compacted only hourly, that count grew with a busy province's writes
/// over the hour. Each instance compacts every minute (several at once are safe: a change is deleted, and counted
/// into its row, by one of them). Not in tests, which compact when they check.
final class PageChangesCompactor: LifecycleHandler, Sendable {
    let interval: TimeAmount
    /// Also under test (a test starts one of its own with a short interval).
    let inTests: Bool
    private let task = NIOLockedValueBox<RepeatedTask?>(nil)

    init(interval: TimeAmount = .seconds(60), inTests: Bool = false) {
        self.interval = interval
        self.inTests = inTests
    }

    func didBoot(_ app: Application) throws {
        guard app.environment != .testing || inTests, case .postgres = app.config.database else { return }
        let loop = app.eventLoopGroup.next()
        // One run at a time; stopping waits for the run under way (shutdownAsync).
        let t = loop.scheduleRepeatedAsyncTask(initialDelay: interval, delay: interval) { _ -> EventLoopFuture<Void> in
            let done = loop.makePromise(of: Void.self)
            done.completeWithTask {
                do { _ = try await PageVersion.compact(on: app.db) } catch { app.logger.warning("page changes: \(error)") }
            }
            return done.futureResult
        }
        task.withLockedValue { $0 = t }
    }

    func shutdownAsync(_ app: Application) async {
        guard let t = task.withLockedValue({ t in defer { t = nil }; return t }) else { return }
        let stopped = app.eventLoopGroup.next().makePromise(of: Void.self)
        t.cancel(promise: stopped)
        try? await stopped.futureResult.get()
    }
}

/// A page a route keeps ready, declared where the route is registered (`route.kept(…)`). What it needs is read
/// before anything else of the request: the data versions of `parts` come with the session (SessionMiddleware, the
/// same one query) or, for a visitor who has not signed in, in one query of their own; when a page kept for this
/// caller, target and query holds at those versions, RouteRuleMiddleware sends it before the rule loads its row or
/// the handler runs. That is safe because the decisions the rule made when the page was built depend only on what
/// the key and the versions hold: the caller's person, household and grants (in the key) and the rows of `parts`
/// (the versions). `onHit` is what a view must still do when it is answered from memory (the list's audit row).
struct KeptPage: Sendable {
    /// Which page: "households", "reach", "inbox", "guide", "criteria".
    var name: String
    /// The data it is built from; must cover every table its rule and its handler read.
    var parts: [PageVersion.Part]
    /// What the page is of, from the route's parameters (nil: no such page, let the route answer).
    var target: @Sendable (Request) -> String?
    /// The canonical form of the request's query (nil: never kept, e.g. a search).
    var canonical: @Sendable (Request) -> String?
    /// Run before a kept page is sent, with the rows it showed.
    var onHit: (@Sendable (Request, Int) async throws -> Void)? = nil
    /// The route answers JSON (`answerJSON`): no form token in it, sent as `application/json`.
    var json = false
}

extension Route {
    /// Declares the page this route keeps ready (see `KeptPage`).
    @discardableResult
    func kept(_ page: KeptPage) -> Route {
        userInfo["keptPage"] = page
        return self
    }
    var keptPage: KeptPage? { userInfo["keptPage"] as? KeptPage }
}

private struct KeptVersionsKey: StorageKey { typealias Value = [Int64] }
private struct KeptMissedKey: StorageKey { typealias Value = Bool }

extension Request {
    /// The versions this request's kept page is checked and kept under, read once per request.
    var keptVersions: [Int64]? {
        get { storage[KeptVersionsKey.self] }
        set { storage[KeptVersionsKey.self] = newValue }
    }
    /// Whether RouteRuleMiddleware already looked for a kept page and found none (the handler does not look again).
    fileprivate var keptMissed: Bool {
        get { storage[KeptMissedKey.self] ?? false }
        set { storage[KeptMissedKey.self] = newValue }
    }
}

/// The kept pages (see the top of this file).
final class SignedInPages: Sendable {
    struct Key: Hashable, Sendable {
        /// Which page: "households", "reach", "inbox", "guide", "criteria".
        var page: String
        /// What it is of (a unit's or a notice's id, a commune's code and a procedure's key).
        var target: String
        /// Canonical parameters (numbers as parsed).
        var query: String
        var lang: String
        /// The day the header prints.
        var day: String
        /// Who it was built for: person, name, grants, household.
        var viewer: String
    }
    struct Kept: Sendable {
        var version: [Int64]
        var bytes: [UInt8]
        /// What the handler needs besides the bytes (the list's audit row counts the rows it showed).
        var rows: Int
        /// Where the marker stands in `bytes`: the caller's form token is written there when the page is sent.
        var marks: [Int]
    }

    let budget: Int
    private let pages: KeptStore<Key, Kept>

    init(budget: Int) {
        self.budget = budget
        pages = KeptStore(budget: budget, largest: min(budget, RenderCache.largestPage)) { key, kept in
            kept.bytes.count + key.target.utf8.count + key.query.utf8.count + key.viewer.utf8.count + 96
        }
    }

    /// Served from memory, and built, since start (tests and the benchmark read them).
    var counts: (hits: Int, misses: Int) { pages.counts }

    /// Off: every page is built as if none were kept (a bench times both ways in one run; a test compares).
    var bypass: Bool {
        get { pages.bypass }
        set { pages.bypass = newValue }
    }

    /// The caller as the key names them: everything the header and their scope depend on.
    static func viewer(_ access: Access) -> String {
        let grants = access.grants.map { "\($0.role.rawValue)@\($0.unitID?.text ?? "*")" }.sorted().joined(separator: ",")
        return "\(access.personID?.text ?? "-")|\(access.tokenID?.text ?? "-")|\(access.householdID?.text ?? "-")|\(access.displayName)|\(grants)"
    }

    /// The request's form token, when it can stand in for the marker (the same length).
    static func token(_ req: Request, marker: [UInt8]) -> [UInt8]? {
        let t = Array(req.csrfToken.utf8)
        return t.count == marker.count ? t : nil
    }

    private func key(_ req: Request, _ page: KeptPage, target: String, canonical: String) -> Key {
        Key(page: page.name, target: target, query: canonical, lang: req.lang.rawValue, day: Day.today(), viewer: Self.viewer(req.access))
    }

    /// The versions of `page`'s parts for this request: read with the session when there is one, else now.
    private func versions(_ req: Request, _ page: KeptPage) async throws -> [Int64] {
        if let v = req.keptVersions { return v }
        let v: [Int64]
        if let read = req.sessionBox.pageVersions, req.route?.keptPage?.name == page.name { v = read } else { v = try await PageVersion.current(page.parts, on: req.db) }
        req.keptVersions = v
        return v
    }

    /// The kept page for this request, when one holds (RouteRuleMiddleware): its `onHit` run, ready to send.
    func serve(_ req: Request, _ page: KeptPage) async throws -> Response? {
        guard req.method == .GET, !pages.bypass, let marker = req.application.renderCache?.marker,
              let target = page.target(req), let canonical = page.canonical(req) else { return nil }
        let version = try await versions(req, page)
        var token: [UInt8] = []
        if !page.json {
            guard let t = Self.token(req, marker: marker) else { return nil }
            token = t
        }
        guard let kept = pages.value(key(req, page, target: target, canonical: canonical), valid: { $0.version == version }) else {
            req.keptMissed = true
            return nil
        }
        try await page.onHit?(req, kept.rows)
        let body = page.json ? ByteBuffer(bytes: kept.bytes) : RenderCache.spliced(kept.bytes, at: kept.marks, token: token)
        let res = Response(status: .ok, body: .init(buffer: body))
        res.headers.contentType = page.json ? .json : .html
        return res
    }

    /// Answers a JSON route that keeps its answer (`KeptPage.json`): the kept bytes when their version holds, else
    /// `build`'s value encoded as usual (kept under the versions read before it when the URL's query is canonical and
    /// `build` says it may be: not when it counted from tables the parts do not cover).
    func answerJSON<T: Content>(_ req: Request, _ page: KeptPage, build: () async throws -> (T, keep: Bool)) async throws -> Response {
        guard !pages.bypass, let target = page.target(req), let canonical = page.canonical(req) else { return try await build().0.encodeResponse(for: req) }
        let version = try await versions(req, page)
        let key = key(req, page, target: target, canonical: canonical)
        if !req.keptMissed, let kept = pages.value(key, valid: { $0.version == version }) {
            let res = Response(status: .ok, body: .init(buffer: ByteBuffer(bytes: kept.bytes)))
            res.headers.contentType = .json
            return res
        }
        let (value, keep) = try await build()
        let res = try await value.encodeResponse(for: req)
        if keep, res.status == .ok, (req.url.query ?? "") == canonical, let buffer = res.body.buffer {
            pages.keep(key, Kept(version: version, bytes: Array(buffer.readableBytesView), rows: 0, marks: []))
        }
        return res
    }

    /// Answers a page in its handler: the kept bytes when their version holds, else what `build` renders (kept
    /// under the versions read before it, when the URL's query is canonical and `build` says the page may be kept:
    /// a negative row count means it may not, e.g. an inbox page whose view marked notices delivered).
    func answer(_ req: Request, _ page: KeptPage, build: () async throws -> (View, Int)) async throws -> (View, Int) {
        guard !pages.bypass, let marker = req.application.renderCache?.marker, let token = Self.token(req, marker: marker),
              let target = page.target(req), let canonical = page.canonical(req) else { return try await build() }
        let version = try await versions(req, page)
        let key = key(req, page, target: target, canonical: canonical)
        if !req.keptMissed, let kept = pages.value(key, valid: { $0.version == version }) {
            return (View(data: RenderCache.spliced(kept.bytes, at: kept.marks, token: token)), kept.rows)
        }
        let (view, rows) = try await build()
        if rows >= 0, (req.url.query ?? "") == canonical {
            let bytes = Array(view.data.readableBytesView)
            let stored = RenderCache.replacing(bytes, token, with: marker)
            pages.keep(key, Kept(version: version, bytes: stored, rows: rows, marks: RenderCache.offsets(of: marker, in: stored)))
        }
        return (view, max(rows, 0))
    }
}

extension Request {
    /// A JSON route's answer: kept (`KeptPage.json`) where kept pages are on, else `build`'s value encoded.
    func keptJSON<T: Content>(_ page: KeptPage, build: () async throws -> (T, keep: Bool)) async throws -> Response {
        guard let pages = application.signedInPages else { return try await build().0.encodeResponse(for: self) }
        return try await pages.answerJSON(self, page, build: build)
    }
}

extension Application {
    private struct SignedInPagesKey: StorageKey { typealias Value = SignedInPages }

    /// The kept signed-in pages: on wherever rendered pages are kept (RENDER_CACHE_MB > 0, not in development), with
    /// a quarter of that budget (at least 1 MB).
    var signedInPages: SignedInPages? {
        get { storage[SignedInPagesKey.self] }
        set { storage[SignedInPagesKey.self] = newValue }
    }
}
