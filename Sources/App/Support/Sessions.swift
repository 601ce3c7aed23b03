// Sessions: who signed in on this browser. A row in `sessions` exists only once someone has signed in (a person with
// a password, a household with its card or PIN); a visitor who has not has no row, only a cookie that seeds the form
// token (Support/CSRF.swift). The cookie carries a random secret, the table its SHA-256, so a copy of the database
// signs nobody in. A session ends on sign-out, when idle for SESSION_IDLE_MINUTES, SESSION_MAX_HOURS after it began,
// and whenever what granted it changes: `SessionStore.end(…)` is called by password changes and resets, card and PIN
// changes, revoked grants and erasure. Reads write nothing, except `last_seen_at` at most once a minute per session.
import Crypto
import Fluent
import NIOConcurrencyHelpers
import SQLKit
import Vapor

public struct SessionRow: Sendable {
    public var id: UUID
    public var personID: UUID?
    public var householdID: UUID?
    /// password, card or pin.
    public var method: String
    public var createdAt: Date
    public var lastSeenAt: Date
}

/// The session state of one request: the cookie it came with, its row, and the cookie to send back.
final class SessionBox: @unchecked Sendable {
    private let lock = NIOLock()
    private var _cookie: String?
    private var _row: SessionRow?
    private var _outgoing: HTTPCookies.Value?
    /// Who the session's row signs in, read with it (nil: nobody, or no row).
    let signedIn: Access?
    /// The data versions of the route's kept page (Support/SignedInPages.swift), read with the session's row.
    let pageVersions: [Int64]?

    init(cookie: String?, row: SessionRow?, signedIn: Access? = nil, pageVersions: [Int64]? = nil) {
        _cookie = cookie
        _row = row
        self.signedIn = signedIn
        self.pageVersions = pageVersions
    }
    var cookie: String? { get { lock.withLock { _cookie } } set { lock.withLock { _cookie = newValue } } }
    var row: SessionRow? { get { lock.withLock { _row } } set { lock.withLock { _row = newValue } } }
    var outgoing: HTTPCookies.Value? { get { lock.withLock { _outgoing } } set { lock.withLock { _outgoing = newValue } } }
}

struct SessionBoxKey: StorageKey { typealias Value = SessionBox }

public enum SessionStore {
    public static let cookieName = "thonso_session"
    /// A seed cookie (no row) starts with `a_`, a signed-in session's with `s_`: a seed costs no query.
    static let seedPrefix = "a_", sessionPrefix = "s_"
    /// How often a session's last_seen_at is written while it is used.
    static let touchEvery: TimeInterval = 60

    static func sql(_ db: any Database) throws -> any SQLDatabase {
        guard let sql = db as? any SQLDatabase else { throw Abort(.internalServerError, reason: "sessions need an SQL database") }
        return sql
    }

    static func wellFormed(_ raw: String) -> Bool {
        (20...80).contains(raw.utf8.count) && raw.utf8.allSatisfy { c in
            (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 45 || c == 95
        }
    }

    /// The session with this secret and, in the same query, who it signs in: the person with their grants (an
    /// inactive person signs nobody in) or the household (while it still has a card or a PIN). One query for every
    /// signed-in page instead of two (AccessMiddleware uses the caller found here).
    /// With `versions`, the same statement also reads those data versions (a kept page's, `PageVersion`).
    static func load(_ secret: String, versions: [PageVersion.Part] = [], on db: any Database) async throws -> (SessionRow, Access?, [Int64]?)? {
        let sql = try sql(db)
        let (extra, count) = versions.isEmpty ? ("", 0) : PageVersion.columns(versions, sql)
        let rows = try await sql.raw("""
            SELECT s.id, s.person_id, s.household_id, s.method, s.created_at, s.last_seen_at,
                   p.display_name, p.active, g.role, g.unit_id, h.code AS household_code,
                   CASE WHEN h.card_token_hash IS NOT NULL OR h.pin_hash IS NOT NULL THEN 1 ELSE 0 END AS household_open\(unsafeRaw: count > 0 ? ", " + extra : "")
            FROM sessions s LEFT JOIN people p ON p.id = s.person_id LEFT JOIN role_grants g ON g.person_id = p.id
            LEFT JOIN households h ON h.id = s.household_id
            WHERE s.token_hash = \(bind: Tokens.hash(secret))
            """).all()
        guard let r = rows.first else { return nil }
        let sqlite = sql.dialect.name == "sqlite"
        let row = SessionRow(id: try r.requiredID("id", sqlite: sqlite), personID: try r.id("person_id", sqlite: sqlite),
                             householdID: try r.id("household_id", sqlite: sqlite), method: try r.decode(column: "method", as: String.self),
                             createdAt: try r.decode(column: "created_at", as: Date.self), lastSeenAt: try r.decode(column: "last_seen_at", as: Date.self))
        var access: Access? = nil
        if let person = row.personID {
            if let name = try r.decode(column: "display_name", as: String?.self), try r.decode(column: "active", as: Bool?.self) == true {
                var grants: [Grant] = []
                for g in rows {
                    guard let raw = try g.decode(column: "role", as: String?.self), let role = Role(rawValue: raw) else { continue }
                    grants.append(Grant(role: role, unitID: try g.id("unit_id", sqlite: sqlite)))
                }
                access = Access(personID: person, tokenID: nil, displayName: name, grants: grants)
            }
        } else if let household = row.householdID, let code = try r.decode(column: "household_code", as: String?.self),
                  try r.decode(column: "household_open", as: Int.self) == 1 {
            access = Access(personID: nil, tokenID: nil, displayName: code, grants: [], householdID: household)
        }
        return (row, access, count > 0 ? try PageVersion.decode(r, count: count) : nil)
    }

    /// Whether the row is still good at `now` under the configured limits.
    static func alive(_ row: SessionRow, config: AppConfig, now: Date = AppClock.now) -> Bool {
        now.timeIntervalSince(row.lastSeenAt) < Double(config.sessionIdleMinutes) * 60
            && now.timeIntervalSince(row.createdAt) < Double(config.sessionMaxHours) * 3600
    }

    static func create(person: UUID?, household: UUID?, method: String, on db: any Database) async throws -> (SessionRow, String) {
        let secret = sessionPrefix + String(Tokens.generate().dropFirst(3))
        let now = AppClock.now
        let row = SessionRow(id: UUID.random(), personID: person, householdID: household, method: method, createdAt: now, lastSeenAt: now)
        try await sql(db).raw("""
            INSERT INTO sessions (id, token_hash, person_id, household_id, method, created_at, last_seen_at)
            VALUES (\(bind: row.id), \(bind: Tokens.hash(secret)), \(bind: person), \(bind: household), \(bind: method), \(bind: now), \(bind: now))
            """).run()
        return (row, secret)
    }

    static func delete(_ id: UUID, on db: any Database) async throws {
        try await sql(db).raw("DELETE FROM sessions WHERE id = \(bind: id)").run()
    }

    /// Ends every session of a person (but `except`, the caller's own after changing their own password).
    @discardableResult
    public static func end(person: UUID, except: UUID? = nil, on db: any Database) async throws -> Int {
        let n = try await count(person: person, household: nil, on: db)
        if let except {
            try await sql(db).raw("DELETE FROM sessions WHERE person_id = \(bind: person) AND id <> \(bind: except)").run()
        } else {
            try await sql(db).raw("DELETE FROM sessions WHERE person_id = \(bind: person)").run()
        }
        return n
    }

    /// Ends every session of a household (card revoked or replaced, PIN cleared, sign-ins revoked, erasure).
    @discardableResult
    public static func end(household: UUID, except: UUID? = nil, on db: any Database) async throws -> Int {
        let n = try await count(person: nil, household: household, on: db)
        if let except {
            try await sql(db).raw("DELETE FROM sessions WHERE household_id = \(bind: household) AND id <> \(bind: except)").run()
        } else {
            try await sql(db).raw("DELETE FROM sessions WHERE household_id = \(bind: household)").run()
        }
        return n
    }

    public static func count(person: UUID?, household: UUID?, on db: any Database) async throws -> Int {
        let row: SQLRow?
        if let person {
            row = try await sql(db).raw("SELECT COUNT(*) AS n FROM sessions WHERE person_id = \(bind: person)").first()
        } else if let household {
            row = try await sql(db).raw("SELECT COUNT(*) AS n FROM sessions WHERE household_id = \(bind: household)").first()
        } else { return 0 }
        return try row?.decode(column: "n", as: Int.self) ?? 0
    }

    /// Deletes sessions past either limit (the hourly housekeeping job).
    @discardableResult
    public static func sweep(config: AppConfig, on db: any Database, now: Date = AppClock.now) async throws -> Int {
        let idle = now.addingTimeInterval(-Double(config.sessionIdleMinutes) * 60)
        let old = now.addingTimeInterval(-Double(config.sessionMaxHours) * 3600)
        let row = try await sql(db).raw("SELECT COUNT(*) AS n FROM sessions WHERE last_seen_at < \(bind: idle) OR created_at < \(bind: old)").first()
        try await sql(db).raw("DELETE FROM sessions WHERE last_seen_at < \(bind: idle) OR created_at < \(bind: old)").run()
        return try row?.decode(column: "n", as: Int.self) ?? 0
    }

    static func cookie(_ value: String, config: AppConfig, maxAge: Int? = nil) -> HTTPCookies.Value {
        HTTPCookies.Value(string: value, expires: nil, maxAge: maxAge ?? config.sessionMaxHours * 3600, path: "/",
                          isSecure: config.secureCookies, isHTTPOnly: true, sameSite: .lax)
    }
}

/// Reads the session cookie, loads the row when there is one, ends it when past its limits, and sets the cookie the
/// request asked for. Replaces Vapor's SessionsMiddleware, which wrote a row for every visitor.
struct SessionMiddleware: AsyncMiddleware {
    func respond(to req: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        _ = try await FormKey.ensure(req.application)
        var cookie = req.cookieValue(SessionStore.cookieName)
        if let c = cookie, !SessionStore.wellFormed(c) { cookie = nil }
        var row: SessionRow? = nil
        var signedIn: Access? = nil
        var versions: [Int64]? = nil
        var expired = false
        if let c = cookie, c.hasPrefix(SessionStore.sessionPrefix) {
            // A route that keeps its page ready reads the page's data versions in the same statement (req.route is
            // set before global middleware runs).
            let parts = req.application.signedInPages == nil ? [] : req.route?.keptPage?.parts ?? []
            if let (r, a, v) = try await SessionStore.load(c, versions: parts, on: req.db) { row = r; signedIn = a; versions = v }
            if let r = row {
                let now = req.now
                if !SessionStore.alive(r, config: req.config, now: now) {
                    try await SessionStore.delete(r.id, on: req.db)
                    row = nil
                    signedIn = nil
                    expired = true
                } else if now.timeIntervalSince(r.lastSeenAt) >= SessionStore.touchEvery {
                    try await SessionStore.sql(req.db).raw("UPDATE sessions SET last_seen_at = \(bind: now) WHERE id = \(bind: r.id)").run()
                    row?.lastSeenAt = now
                }
            } else {
                expired = true
            }
        }
        let box = SessionBox(cookie: expired ? nil : cookie, row: row, signedIn: signedIn, pageVersions: signedIn == nil ? nil : versions)
        if expired { box.outgoing = SessionStore.cookie("", config: req.config, maxAge: 0) }
        req.storage[SessionBoxKey.self] = box
        let res = try await next.respond(to: req)
        if let out = box.outgoing { res.cookies[SessionStore.cookieName] = out }
        return res
    }
}

extension Request {
    var sessionBox: SessionBox {
        if let b = storage[SessionBoxKey.self] { return b }
        let b = SessionBox(cookie: nil, row: nil)
        storage[SessionBoxKey.self] = b
        return b
    }

    /// The signed-in session, if any.
    public var sessionRow: SessionRow? { sessionBox.row }

    /// The cookie's secret, making a seed (no row) when the browser has none: what the form token is made from.
    var sessionSeed: String {
        let box = sessionBox
        if let c = box.cookie { return c }
        let seed = SessionStore.seedPrefix + String(Tokens.generate().dropFirst(3))
        box.cookie = seed
        box.outgoing = SessionStore.cookie(seed, config: config)
        return seed
    }

    /// Opens a session for a person or a household: a new secret (an id planted before sign-in is worth nothing), and
    /// the row of the session this browser had before is deleted.
    func startSession(person: UUID? = nil, household: UUID? = nil, method: String) async throws {
        let box = sessionBox
        if let old = box.row { try await SessionStore.delete(old.id, on: db) }
        let (row, secret) = try await SessionStore.create(person: person, household: household, method: method, on: db)
        box.row = row
        box.cookie = secret
        box.outgoing = SessionStore.cookie(secret, config: config)
    }

    /// Signs out: the row is deleted and the browser gets a fresh seed.
    func endSession() async throws {
        let box = sessionBox
        if let old = box.row { try await SessionStore.delete(old.id, on: db) }
        box.row = nil
        box.cookie = nil
        box.outgoing = SessionStore.cookie("", config: config, maxAge: 0)
    }
}
