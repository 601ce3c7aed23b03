// Accounts under the one scope rule: who is calling (AccessMiddleware: a token, a person's session or a household's),
// and who may manage whom. A manager acts on a person only when every grant of that person lies inside the manager's
// units, and only a system-wide caller acts on an administrator (docs/security.md). Routes name people, grants and
// tokens with `.rule(.person(p))`, `.rule(.grant(p))`, `.rule(.token(p))`; the rule loads them before the handler.
import Fluent
import SQLKit
import Vapor

extension Access {
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
        } else if req.sessionRow != nil, let signedIn = req.sessionBox.signedIn {
            // Read with the session's row (SessionStore.load): the person and their grants, or the household.
            req.access = signedIn
        }
        let access = req.access
        guard access.isSignedIn else { return try await next.respond(to: req) }
        return try await Audit.$actor.withValue(AuditActor(personID: access.personID, tokenID: access.tokenID, name: access.displayName)) {
            try await next.respond(to: req)
        }
    }
}

extension Person: ScopedRow {
    public static var scopeKind: String { "person" }
    public static func scoped(_ id: UUID, _ permission: Permission, for req: Request) async throws -> Person {
        try await req.access.person(id, permission, on: req.db)
    }
}

extension RoleGrant: ScopedRow {
    public static var scopeKind: String { "grant" }
    public static func scoped(_ id: UUID, _ permission: Permission, for req: Request) async throws -> RoleGrant {
        try await req.access.grant(id, permission, on: req.db)
    }
}

extension ApiToken: ScopedRow {
    public static var scopeKind: String { "token" }
    public static func scoped(_ id: UUID, _ permission: Permission, for req: Request) async throws -> ApiToken {
        try await req.access.token(id, permission, on: req.db)
    }
}

extension RouteRule {
    /// `:id` is a person: inside only when every one of their grants is on a unit inside the caller's.
    public static func person(_ p: Permission) -> RouteRule { .row(Person.self, p) }
    /// `:id` is a role grant: its person must be managed by the caller.
    public static func grant(_ p: Permission) -> RouteRule { .row(RoleGrant.self, p) }
    /// `:id` is an API token: its grant must lie inside the caller's units.
    public static func token(_ p: Permission) -> RouteRule { .row(ApiToken.self, p) }
}
