// The registry's rows under the one scope rule: a household belongs to its group (or village), a resident to their
// household. Routes name them with `.rule(.household(p))` / `.rule(.resident(p))`; the rule loads them before the
// handler runs (Support/Access.swift, RouteRuleMiddleware), and handlers read them with `req.scoped(Household.self)`.
import Fluent
import Vapor

extension Access {
    /// The household, if the caller may `permission` on its group (or village).
    public func household(_ id: UUID, _ permission: Permission, on db: any Database) async throws -> Household {
        guard let h = try await Household.find(id, on: db),
              try await allows(permission, unitID: h.groupID ?? h.villageID, on: db) else { throw Abort(.notFound) }
        return h
    }

    public func resident(_ id: UUID, _ permission: Permission, on db: any Database) async throws -> (Resident, Household) {
        guard let r = try await Resident.find(id, on: db) else { throw Abort(.notFound) }
        return (r, try await household(r.householdID, permission, on: db))
    }
}

extension Household: ScopedRow {
    public static var scopeKind: String { "household" }
    public static func scoped(_ id: UUID, _ permission: Permission, for req: Request) async throws -> Household {
        try await req.access.household(id, permission, on: req.db)
    }
}

extension Resident: ScopedRow {
    public static var scopeKind: String { "resident" }
    /// The resident, if the caller may `permission` on their household; the household is kept for the handler too.
    public static func scoped(_ id: UUID, _ permission: Permission, for req: Request) async throws -> Resident {
        let (r, h) = try await req.access.resident(id, permission, on: req.db)
        req.keepScoped(h)
        return r
    }
}

extension RouteRule {
    /// `:id` is a household: the caller must hold the permission on its group or village.
    public static func household(_ p: Permission) -> RouteRule { .row(Household.self, p) }
    /// `:id` is a resident: the caller must hold the permission on their household.
    public static func resident(_ p: Permission) -> RouteRule { .row(Resident.self, p) }
}
