// Criteria under the one scope rule. A set belongs to its owner unit: changing it (and its criteria) needs
// manageCriteria at or above the owner; the shipped set (no owner) is changed only by a system-wide caller. Reading
// a definition is wider: a village head reads the sets of the units above the village too (the commune's or the
// province's set that judges the village), and everyone with readCriteria reads the shipped set. Evaluations and
// manual values are about a unit and go through the unit's rule (`.unit(.readCriteria)`, `.unit(.manageCriteria)`).
import Fluent
import Vapor

extension Access {
    /// Whether the caller may `permission` on the set: at or above its owner, or (reading) below it.
    public func reaches(_ set: CriteriaSet, _ permission: Permission, on db: any Database) async throws -> Bool {
        guard let owner = set.ownerUnitID else { return permission == .readCriteria ? has(permission) : roots(permission) == nil }
        if try await allows(permission, unitID: owner, on: db) { return true }
        guard permission == .readCriteria, let roots = roots(permission) else { return false }
        for r in roots where try await UnitClosure.isBelow(r, roots: [owner], on: db) { return true }
        return false
    }

    public func criteriaSet(_ id: UUID, _ permission: Permission, on db: any Database) async throws -> CriteriaSet {
        guard let s = try await CriteriaSet.find(id, on: db), try await reaches(s, permission, on: db) else { throw Abort(.notFound) }
        return s
    }
}

extension CriteriaSet: ScopedRow {
    public static var scopeKind: String { "criteriaSet" }
    public static func scoped(_ id: UUID, _ permission: Permission, for req: Request) async throws -> CriteriaSet {
        try await req.access.criteriaSet(id, permission, on: req.db)
    }
}

extension Criterion: ScopedRow {
    public static var scopeKind: String { "criterion" }
    public static func scoped(_ id: UUID, _ permission: Permission, for req: Request) async throws -> Criterion {
        guard let c = try await Criterion.find(id, on: req.db) else { throw Abort(.notFound) }
        req.keepScoped(try await req.access.criteriaSet(c.setID, permission, on: req.db))
        return c
    }
}

extension RouteRule {
    /// `:id` is a criteria set: the caller may `p` on it (reading: at, above or below its owner).
    public static func criteriaSet(_ p: Permission) -> RouteRule { .row(CriteriaSet.self, p) }
    /// `:id` is a criterion: the caller may `p` on its set.
    public static func criterion(_ p: Permission) -> RouteRule { .row(Criterion.self, p) }
}
