// The one scope rule. Every request carries an Access: who is calling (a signed-in person or an API token) and
// the roles they hold on which units. Every read and write of a unit-owned row goes through `allows` (one row)
// or `restrict` (a list): a row outside the caller's units is simply not found (404), never shown.
import Crypto
import Fluent
import SQLKit
import Vapor

public struct Grant: Sendable, Equatable {
    public var role: Role
    /// nil: the whole system.
    public var unitID: UUID?
}

public struct Access: Sendable {
    public var personID: UUID?
    public var tokenID: UUID?
    public var displayName: String
    public var grants: [Grant]
    /// A household representative signed in with the household's card or PIN: they see their own household only.
    public var householdID: UUID? = nil

    public static let anonymous = Access(personID: nil, tokenID: nil, displayName: "", grants: [])
    public var isSignedIn: Bool { personID != nil || tokenID != nil || householdID != nil }

    /// Units under which the caller holds `permission`; nil means everywhere.
    public func roots(_ permission: Permission) -> [UUID]? {
        let holding = grants.filter { $0.role.permissions.contains(permission) }
        if holding.contains(where: { $0.unitID == nil }) { return nil }
        return Array(Set(holding.compactMap(\.unitID)))
    }

    public func has(_ permission: Permission) -> Bool {
        grants.contains { $0.role.permissions.contains(permission) }
    }

    /// Whether `unit` is at or below a unit where the caller holds `permission` (following current parents):
    /// one indexed lookup in the unit closure table (Features/Units/UnitClosure.swift).
    public func allows(_ permission: Permission, _ unit: AdminUnit, on db: any Database) async throws -> Bool {
        guard let roots = roots(permission) else { return true }
        if roots.isEmpty { return false }
        if roots.contains(unit.id!) { return true }
        if let parent = unit.parentID, roots.contains(parent) { return true }
        return try await UnitClosure.isBelow(unit.id!, roots: roots, on: db)
    }

    /// Whether the unit with this id is at or below a unit where the caller holds `permission`, without loading it:
    /// one of the roots, else one closure lookup (rows that carry their unit's id: households, grants, tokens).
    public func allows(_ permission: Permission, unitID: UUID, on db: any Database) async throws -> Bool {
        guard let roots = roots(permission) else { return true }
        if roots.isEmpty { return false }
        if roots.contains(unitID) { return true }
        return try await UnitClosure.isBelow(unitID, roots: roots, on: db)
    }

    /// The unit, if it exists and the caller may `permission` on it; otherwise not found.
    public func unit(_ id: UUID, _ permission: Permission, on db: any Database) async throws -> AdminUnit {
        guard let unit = try await AdminUnit.find(id, on: db), try await allows(permission, unit, on: db) else { throw Abort(.notFound) }
        return unit
    }

    /// Whether a grant on `unitID` (nil: system-wide) lies inside the caller's scope for `permission`.
    public func covers(_ permission: Permission, unitID: UUID?, on db: any Database) async throws -> Bool {
        guard let roots = roots(permission) else { return true }
        guard let unitID, !roots.isEmpty else { return false }
        return try await allows(permission, unitID: unitID, on: db)
    }

}

struct AccessKey: StorageKey { typealias Value = Access }

extension Request {
    public var access: Access {
        get { storage[AccessKey.self] ?? .anonymous }
        set { storage[AccessKey.self] = newValue }
    }
}

public enum Tokens {
    /// Equal texts, compared in time that does not depend on where they differ (form tokens, webhook signatures).
    public static func same(_ a: String, _ b: String) -> Bool {
        a.utf8.count == b.utf8.count && zip(a.utf8, b.utf8).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    public static func hash(_ token: String) -> String {
        // Lower-case hex of the digest (the same text `String(format: "%02x")` per byte gave, without Foundation's
        // formatter: this runs on every signed-in request).
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for b in SHA256.hash(data: Data(token.utf8)) {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// 32 random bytes, URL-safe base64, prefixed so a leaked token is recognisable in a scan.
    public static func generate() -> String {
        // Four 64-bit draws from the system's generator (not 32 one-byte draws, each a system call).
        var g = SystemRandomNumberGenerator()
        var bytes = [UInt8](repeating: 0, count: 32)
        for i in 0..<4 {
            var w = g.next()
            withUnsafeBytes(of: &w) { for (k, b) in $0.enumerated() { bytes[i * 8 + k] = b } }
        }
        return "ts_" + base64URL(bytes)
    }

    /// URL-safe base64 without padding (RFC 4648 §5). Written here rather than through Foundation's encoder and three
    /// rewrites of its text: the form token is made with it on every page.
    static func base64URL<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> String {
        let alphabet: StaticString = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        return alphabet.withUTF8Buffer { a in
            var out: [UInt8] = []
            out.reserveCapacity((bytes.count * 4 + 2) / 3)
            var it = bytes.makeIterator()
            while let b0 = it.next() {
                let b1 = it.next(), b2 = it.next()
                let n = UInt32(b0) << 16 | UInt32(b1 ?? 0) << 8 | UInt32(b2 ?? 0)
                out.append(a[Int(n >> 18 & 63)])
                out.append(a[Int(n >> 12 & 63)])
                if b1 != nil { out.append(a[Int(n >> 6 & 63)]) }
                if b2 != nil { out.append(a[Int(n & 63)]) }
            }
            return String(decoding: out, as: UTF8.self)
        }
    }
}

/// The answer to a caller who is not signed in where a route needs it: pages redirect to sign-in (and back), the
/// API answers 401.
func askToSignIn(_ req: Request) throws -> Response {
    if APIURL.isAPI(req.urlPath) { throw Abort(.unauthorized) }
    let back = req.urlPath + (req.url.query.map { "?" + $0 } ?? "")
    return req.redirect(to: SiteURL.signIn.path + "?next=" + (back.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/"), redirectType: .normal)
}

/// Groups the routes that need a signed-in caller. Their rules (`RouteRuleMiddleware`) already ask for it; the group
/// says so where routes are added and answers the same way.
struct RequireSignIn: AsyncMiddleware {
    func respond(to req: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard req.access.isSignedIn else { return try askToSignIn(req) }
        return try await next.respond(to: req)
    }
}

/// A row a route names by `:id`: the route's rule loads it through the scope rule before the handler runs, so a
/// handler cannot forget the check. Each feature makes its row types conform (e.g. Features/Registry: Household).
public protocol ScopedRow: Sendable {
    /// The name the scope-matrix test knows this kind of row by ("unit", "household", …).
    static var scopeKind: String { get }
    /// The row with `id`, if the caller may `permission` on it; anything else is `Abort(.notFound)`.
    /// A loader that finds a second row on the way (a resident's household) may keep it with `req.keepScoped`.
    static func scoped(_ id: UUID, _ permission: Permission, for req: Request) async throws -> Self
}

/// What a route needs, declared where the route is registered and enforced there (`RouteRuleMiddleware`); the
/// scope-matrix test reads it from the router, so a route without a rule fails the test (and answers 500).
public enum RouteRule: Sendable, Equatable, CustomStringConvertible {
    /// Anyone: home, sign-in, language, health, the OpenAPI document.
    case open
    /// Any signed-in caller, about themselves (their own password, a household's own pages).
    case signedIn
    /// Any signed-in caller; the handler filters rows by the caller's units for the permission.
    case list(Permission)
    /// Needs a signed-in caller; what the body names is checked by the action (bodies naming units).
    case action(Permission)
    /// `:id` is a row of this type, loaded through the scope rule before the handler runs (`req.scoped(T.self)`).
    case row(any ScopedRow.Type, Permission)

    public var permission: Permission? {
        switch self {
        case .open, .signedIn: return nil
        case .list(let p), .action(let p), .row(_, let p): return p
        }
    }

    /// The row kind a `.row` rule guards ("household"), nil for the others.
    public var rowKind: String? {
        if case .row(let t, _) = self { return t.scopeKind }
        return nil
    }

    public var description: String {
        switch self {
        case .open: return "open"
        case .signedIn: return "signedIn"
        case .list(let p): return "list(\(p))"
        case .action(let p): return "action(\(p))"
        case .row(let t, let p): return "\(t.scopeKind)(\(p))"
        }
    }

    public static func == (a: RouteRule, b: RouteRule) -> Bool { a.description == b.description }
}

extension Route {
    @discardableResult
    public func rule(_ rule: RouteRule) -> Route {
        userInfo["rule"] = rule
        return self
    }
    public var accessRule: RouteRule? { userInfo["rule"] as? RouteRule }
}

private struct ScopedRowsKey: StorageKey { typealias Value = [ObjectIdentifier: any Sendable] }

extension Request {
    /// The row the route's rule loaded (a `.row(T.self, …)` rule). Asking for a type the rule did not load is a
    /// programming error the tests catch: 500, never a row loaded without the check.
    public func scoped<T: ScopedRow>(_ type: T.Type = T.self) throws -> T {
        guard let row = storage[ScopedRowsKey.self]?[ObjectIdentifier(type)] as? T else {
            logger.error("route \(route?.description ?? url.path) asks for a \(T.scopeKind) its rule did not load")
            throw Abort(.internalServerError)
        }
        return row
    }

    /// Keeps a row found while loading another through the scope rule (a resident's household).
    public func keepScoped<T: ScopedRow>(_ row: T) {
        var rows = storage[ScopedRowsKey.self] ?? [:]
        rows[ObjectIdentifier(T.self)] = row
        storage[ScopedRowsKey.self] = rows
    }
}

/// Enforces the matched route's rule before its handler runs: anything but `.open` needs a signed-in caller (pages
/// redirect to sign-in, the API answers 401); a `.row` rule loads the row named by `:id` through the scope rule and
/// answers 404 when it is outside the caller's units. A route registered without a rule answers 500 (fail closed).
struct RouteRuleMiddleware: AsyncMiddleware {
    func respond(to req: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard let route = req.route else { return try await next.respond(to: req) }   // unmatched: 404 later
        guard let rule = route.accessRule else {
            req.logger.critical("route \(route.description) has no access rule")
            throw Abort(.internalServerError)
        }
        if case .open = rule {
            if let page = route.keptPage, let kept = try await req.application.signedInPages?.serve(req, page) { return kept }
            return try await next.respond(to: req)
        }
        guard req.access.isSignedIn else { return try askToSignIn(req) }
        // A page kept for this caller at the data versions read with the session: the rule's decision is part of it
        // (Support/SignedInPages.swift, `KeptPage`).
        if let page = route.keptPage, let kept = try await req.application.signedInPages?.serve(req, page) { return kept }
        if case .row(let type, let permission) = rule {
            try await Self.load(type, permission, req)
        }
        return try await next.respond(to: req)
    }

    private static func load<T: ScopedRow>(_ type: T.Type, _ permission: Permission, _ req: Request) async throws {
        let row = try await T.scoped(try req.idParameter(), permission, for: req)
        req.keepScoped(row)
    }
}

extension Access {
    /// The root units of the caller's scope for a permission; nil means everywhere.
    public func rootUnits(_ permission: Permission, on db: any Database) async throws -> [AdminUnit]? {
        guard let ids = roots(permission) else { return nil }
        if ids.isEmpty { return [] }
        return try await AdminUnit.query(on: db).filter(\.$id ~~ ids).all()
    }
}

public enum UnitScope {
    /// Limits a unit query to the subtrees of `roots` (the roots themselves included), through the closure table.
    public static func restrict(_ q: QueryBuilder<AdminUnit>, to roots: [AdminUnit], on db: any Database) async throws {
        q.filter(.sql(UnitClosure.below(AdminUnit.schema, "id", roots.map { $0.id! })))
    }
}
