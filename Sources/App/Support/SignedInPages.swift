// Signed-in pages kept ready: a village's household list, a notice's reach page and the criteria dashboards counted
// ahead (Criteria+Web.swift), each kept with the data version it was built at (migrations 0034 and 0035: moved on by
// the database in every writer's transaction) and answered from memory
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
import SQLKit
import Vapor

/// The data versions of migrations 0034 and 0035 (`criteria`), by part.
enum PageVersion {
    enum Part: String, Sendable, CaseIterable { case units, registry, messages, criteria }

    /// One expression per part (compared as a whole): SQLite's row, plus the largest rowid of the tables whose
    /// inserts have no trigger; PostgreSQL's row plus its count of appended changes.
    static func expressions(_ parts: [Part], _ sql: any SQLDatabase) -> [String] {
        let postgres = sql.dialect.name == "postgresql"
        var out: [String] = []
        for p in parts {
            let row = "(SELECT COALESCE(SUM(version), 0) FROM page_versions WHERE name = '\(p.rawValue)')"
            if postgres {
                // One number: compacting moves the changes into the row without changing it.
                out.append("(\(row) + (SELECT COUNT(*) FROM page_changes WHERE name = '\(p.rawValue)'))")
                continue
            }
            out.append(row)
            if p == .messages {
                for t in CreatePageVersions.insertsByRowid.sorted() { out.append("(SELECT COALESCE(MAX(rowid), 0) FROM \(t))") }
            }
        }
        return out
    }

    /// The version of `parts` now, in one statement.
    static func current(_ parts: [Part], on db: any Database) async throws -> [Int64] {
        guard let sql = db as? any SQLDatabase else { return [] }
        let exprs = expressions(parts, sql)
        let select = exprs.enumerated().map { "CAST(\($1) AS BIGINT) AS v\($0)" }.joined(separator: ", ")
        guard let row = try await sql.raw("SELECT \(unsafeRaw: select)").first() else { return [] }
        return try exprs.indices.map { try row.decode(column: "v\($0)", as: Int64.self) }
    }

    /// PostgreSQL: moves the appended changes into the version rows, per part, in one statement each (the version
    /// unchanged); rows appended by writers that commit meanwhile stay for the next time. Hourly housekeeping.
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

/// The kept pages (see the top of this file).
final class SignedInPages: Sendable {
    struct Key: Hashable, Sendable {
        /// Which page: "households", "reach", "criteria".
        var page: String
        /// The unit or notice it is of.
        var id: UUID
        /// Canonical parameters (numbers as parsed).
        var query: String
        var lang: String
        /// The day the header prints.
        var day: String
        /// Who it was built for: person, name, grants.
        var viewer: String
    }
    struct Kept: Sendable {
        var version: [Int64]
        var bytes: [UInt8]
        /// What the handler needs besides the bytes (the list's audit row counts the rows it showed).
        var rows: Int
    }

    let budget: Int
    private let pages: KeptStore<Key, Kept>

    init(budget: Int) {
        self.budget = budget
        pages = KeptStore(budget: budget, largest: min(budget, RenderCache.largestPage)) { key, kept in
            kept.bytes.count + key.query.utf8.count + key.viewer.utf8.count + 96
        }
    }

    /// Served from memory, and built, since start (tests and the benchmark read them).
    var counts: (hits: Int, misses: Int) { pages.counts }

    /// The caller as the key names them: everything the header and their scope depend on.
    static func viewer(_ access: Access) -> String {
        let grants = access.grants.map { "\($0.role.rawValue)@\($0.unitID?.uuidString ?? "*")" }.sorted().joined(separator: ",")
        return "\(access.personID?.uuidString ?? "-")|\(access.tokenID?.uuidString ?? "-")|\(access.householdID?.uuidString ?? "-")|\(access.displayName)|\(grants)"
    }

    /// The request's form token, when it can stand in for the marker (the same length).
    static func token(_ req: Request, marker: [UInt8]) -> [UInt8]? {
        let t = Array(req.csrfToken.utf8)
        return t.count == marker.count ? t : nil
    }

    /// Off: every page is built as if none were kept (a bench times both ways in one run).
    var bypass: Bool {
        get { pages.bypass }
        set { pages.bypass = newValue }
    }

    /// Answers a page: the kept bytes when their version holds, else what `build` renders (kept under the version read
    /// before it, when the URL's query is canonical). `build` answers the view and the rows it showed.
    func answer(_ req: Request, page: String, id: UUID, canonical: String, parts: [PageVersion.Part],
                build: () async throws -> (View, Int)) async throws -> (View, Int) {
        let (view, rows, _) = try await answer(req, page: page, id: id, canonical: canonical, parts: parts) {
            let (view, rows) = try await build()
            return (view, rows, true)
        }
        return (view, rows)
    }

    /// The same, with `build` saying whether what it rendered may be kept (a page that counted live may not: its
    /// figures come from tables its parts do not cover).
    func answer(_ req: Request, page: String, id: UUID, canonical: String, parts: [PageVersion.Part],
                build: () async throws -> (View, Int, Bool)) async throws -> (View, Int, Bool) {
        guard !pages.bypass, let marker = req.application.renderCache?.marker, let token = Self.token(req, marker: marker) else { return try await build() }
        let version = try await PageVersion.current(parts, on: req.db)
        let key = Key(page: page, id: id, query: canonical, lang: req.lang.rawValue, day: Day.today(), viewer: Self.viewer(req.access))
        if let kept = pages.value(key, valid: { $0.version == version }) {
            return (View(data: ByteBuffer(bytes: RenderCache.replacing(kept.bytes, marker, with: token))), kept.rows, true)
        }
        let (view, rows, keep) = try await build()
        if keep, (req.url.query ?? "") == canonical {
            let bytes = Array(view.data.readableBytesView)
            pages.keep(key, Kept(version: version, bytes: RenderCache.replacing(bytes, token, with: marker), rows: rows))
        }
        return (view, rows, keep)
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
