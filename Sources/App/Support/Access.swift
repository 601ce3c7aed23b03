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

    /// The unit, if it exists and the caller may `permission` on it; otherwise not found.
    public func unit(_ id: UUID, _ permission: Permission, on db: any Database) async throws -> AdminUnit {
        guard let unit = try await AdminUnit.find(id, on: db), try await allows(permission, unit, on: db) else { throw Abort(.notFound) }
        return unit
    }

    /// The household, if the caller may `permission` on its group (or village).
    public func household(_ id: UUID, _ permission: Permission, on db: any Database) async throws -> Household {
        guard let h = try await Household.find(id, on: db),
              let unit = try await AdminUnit.find(h.groupID ?? h.villageID, on: db),
              try await allows(permission, unit, on: db) else { throw Abort(.notFound) }
        return h
    }

    /// Whether a grant on `unitID` (nil: system-wide) lies inside the caller's scope for `permission`.
    public func covers(_ permission: Permission, unitID: UUID?, on db: any Database) async throws -> Bool {
        guard let roots = roots(permission) else { return true }
        guard let unitID, !roots.isEmpty, let unit = try await AdminUnit.find(unitID, on: db) else { return false }
        return try await allows(permission, unit, on: db)
    }

    /// Whether the caller may manage the person holding `grants`: only when every one of those grants lies inside
    /// the caller's units for `permission`; a system administrator's grant (whole system, or the admin role anywhere)
    /// only by a system-wide caller; a person with no grant at all likewise.
    public func manages(grants: [RoleGrant], _ permission: Permission, on db: any Database) async throws -> Bool {
        if roots(permission) == nil { return true }
        if grants.isEmpty { return false }
        for g in grants {
            if g.role == .admin || g.unitID == nil { return false }
            if !(try await covers(permission, unitID: g.unitID, on: db)) { return false }
        }
        return true
    }

    /// The person, if the caller manages them (see `manages`); otherwise not found.
    public func person(_ id: UUID, _ permission: Permission, on db: any Database) async throws -> Person {
        guard let p = try await Person.find(id, on: db) else { throw Abort(.notFound) }
        if roots(permission) == nil { return p }
        let grants = try await RoleGrant.query(on: db).filter(\.$personID == id).all()
        guard try await manages(grants: grants, permission, on: db) else { throw Abort(.notFound) }
        return p
    }

    /// The grant, if the caller manages the person who holds it.
    public func grant(_ id: UUID, _ permission: Permission, on db: any Database) async throws -> RoleGrant {
        guard let g = try await RoleGrant.find(id, on: db), try await covers(permission, unitID: g.unitID, on: db) else { throw Abort(.notFound) }
        _ = try await person(g.personID, permission, on: db)
        return g
    }

    /// The token, if its grant lies inside the caller's units (a whole-system or admin token: system-wide callers only).
    public func token(_ id: UUID, _ permission: Permission, on db: any Database) async throws -> ApiToken {
        guard let t = try await ApiToken.find(id, on: db) else { throw Abort(.notFound) }
        if roots(permission) == nil { return t }
        guard t.role != .admin, t.unitID != nil, try await covers(permission, unitID: t.unitID, on: db) else { throw Abort(.notFound) }
        return t
    }

    public func resident(_ id: UUID, _ permission: Permission, on db: any Database) async throws -> (Resident, Household) {
        guard let r = try await Resident.find(id, on: db) else { throw Abort(.notFound) }
        return (r, try await household(r.householdID, permission, on: db))
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
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// 32 random bytes, URL-safe base64, prefixed so a leaked token is recognisable in a scan.
    public static func generate() -> String {
        var g = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &g) }
        return "ts_" + Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}

/// Loads the caller's Access from a bearer token (API) or the session (pages); never logs the token.
struct AccessMiddleware: AsyncMiddleware {
    func respond(to req: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if let bearer = req.headers.bearerAuthorization?.token {
            guard let token = try await ApiToken.query(on: req.db).filter(\.$tokenHash == Tokens.hash(bearer))
                .filter(\.$revokedAt == nil).first() else { throw Abort(.unauthorized) }
            // A read writes nothing but this, at most once a minute per token.
            let now = req.now
            if token.lastUsedAt.map({ now.timeIntervalSince($0) >= ApiToken.lastUsedResolution }) ?? true {
                try await SessionStore.sql(req.db).raw("UPDATE api_tokens SET last_used_at = \(bind: now) WHERE id = \(bind: token.id!)").run()
            }
            req.access = Access(personID: nil, tokenID: token.id, displayName: token.name,
                                grants: [Grant(role: token.role, unitID: token.unitID)])
        } else if let id = req.sessionRow?.personID, let signedIn = try await Self.person(id, on: req.db) {
            req.access = signedIn
        } else if let id = req.sessionRow?.householdID, let h = try await Household.find(id, on: req.db), h.cardTokenHash != nil || h.pinHash != nil {
            req.access = Access(personID: nil, tokenID: nil, displayName: h.code, grants: [], householdID: id)
        }
        let access = req.access
        guard access.isSignedIn else { return try await next.respond(to: req) }
        return try await Audit.$actor.withValue(AuditActor(personID: access.personID, tokenID: access.tokenID, name: access.displayName)) {
            try await next.respond(to: req)
        }
    }
}

extension AccessMiddleware {
    /// An active person and their grants, in one query (a person without grants comes back with one row of NULLs).
    static func person(_ id: UUID, on db: any Database) async throws -> Access? {
        let rows = try await SessionStore.sql(db).raw("""
            SELECT p.display_name, p.active, g.role, g.unit_id FROM people p LEFT JOIN role_grants g ON g.person_id = p.id
            WHERE p.id = \(bind: id)
            """).all()
        guard let first = rows.first, try first.decode(column: "active", as: Bool.self) else { return nil }
        var grants: [Grant] = []
        for r in rows {
            guard let raw = try r.decode(column: "role", as: String?.self) else { continue }
            guard let role = Role(rawValue: raw) else { continue }
            grants.append(Grant(role: role, unitID: try r.decode(column: "unit_id", as: UUID?.self)))
        }
        return Access(personID: id, tokenID: nil, displayName: try first.decode(column: "display_name", as: String.self), grants: grants)
    }
}

/// Pages and API routes behind it need a signed-in caller: pages redirect to sign-in, the API answers 401.
struct RequireSignIn: AsyncMiddleware {
    func respond(to req: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard req.access.isSignedIn else {
            if req.url.path.hasPrefix("/api/") { throw Abort(.unauthorized) }
            let back = req.url.path + (req.url.query.map { "?" + $0 } ?? "")
            return req.redirect(to: SiteURL.signIn.path + "?next=" + (back.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/"), redirectType: .normal)
        }
        return try await next.respond(to: req)
    }
}

/// What a route needs, declared where the route is registered; the scope-matrix test reads it from the router,
/// so a route without a rule fails the test.
public enum RouteRule: Sendable, Equatable {
    /// Anyone: home, sign-in, language, health, the OpenAPI document.
    case open
    /// Any signed-in caller; rows are filtered by the caller's units.
    case list(Permission)
    /// `:id` is a unit the caller must hold the permission on.
    case unit(Permission)
    /// `:id` is a household.
    case household(Permission)
    /// `:id` is a resident.
    case resident(Permission)
    /// `:id` is a person: inside only when every one of their grants is on a unit inside the caller's.
    case person(Permission)
    /// `:id` is a role grant.
    case grant(Permission)
    /// `:id` is an API token.
    case token(Permission)
    /// Any signed-in caller, about themselves (their own password).
    case signedIn
    /// Needs the permission somewhere; what it touches is checked in the handler (bodies naming units).
    case action(Permission)
    /// `:id` is an announcement: seen by those who may publish where it is addressed, changed by its unit's.
    case announcement(Permission)
    /// `:id` is a row of a commune-level feature (a procedure, QR board, question, appointment, paper set, paper
    /// item or file, dossier): the caller must hold the permission on the row's commune.
    case communeRow(Permission)
}

extension Route {
    @discardableResult
    public func rule(_ rule: RouteRule) -> Route {
        userInfo["rule"] = rule
        return self
    }
    public var accessRule: RouteRule? { userInfo["rule"] as? RouteRule }
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
