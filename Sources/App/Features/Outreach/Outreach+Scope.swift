// Outreach rows under the one scope rule. A team belongs to the unit it serves; its leader and current members also
// see it. A member belongs to their team; a visit and a profile to their household (its group, else its village); a
// training to its commune, and to every unit it invites for those who visit households there.
import Fluent
import SQLKit
import Vapor

extension Access {
    /// The team, if the caller may `permission` on the unit it serves, or is one of its current members (for
    /// `visitHouseholds`: a leader or member sees their own team).
    public func team(_ id: UUID, _ permission: Permission, on db: any Database) async throws -> DigitalTeam {
        guard let t = try await DigitalTeam.find(id, on: db) else { throw Abort(.notFound) }
        if try await allows(permission, unitID: t.unitID, on: db) { return t }
        if permission == .visitHouseholds, let me = personID,
           try await TeamMember.query(on: db).filter(\.$teamID == id).filter(\.$personID == me).filter(\.$leftOn == nil).first() != nil {
            return t
        }
        throw Abort(.notFound)
    }

    public func teamMember(_ id: UUID, _ permission: Permission, on db: any Database) async throws -> (TeamMember, DigitalTeam) {
        guard let m = try await TeamMember.find(id, on: db) else { throw Abort(.notFound) }
        return (m, try await team(m.teamID, permission, on: db))
    }

    public func visit(_ id: UUID, _ permission: Permission, on db: any Database) async throws -> (Visit, Household) {
        guard let v = try await Visit.find(id, on: db) else { throw Abort(.notFound) }
        return (v, try await household(v.householdID, permission, on: db))
    }

    /// The training, if the caller may `permission` on its commune, or on a unit it invites (at, below or above the
    /// caller's units: a village head sees a training that invites the whole commune).
    public func training(_ id: UUID, _ permission: Permission, on db: any Database) async throws -> Training {
        guard let t = try await Training.find(id, on: db) else { throw Abort(.notFound) }
        if try await allows(permission, unitID: t.communeID, on: db) { return t }
        guard let roots = roots(permission), !roots.isEmpty else { throw Abort(.notFound) }
        let invited = try await (db as! any SQLDatabase).select().column("unit_id").from("training_units")
            .where("training_id", .equal, id).where(UnitClosure.atOrAround("training_units", "unit_id", roots)).limit(1).first()
        if invited != nil { return t }
        throw Abort(.notFound)
    }
}

extension DigitalTeam: ScopedRow {
    public static var scopeKind: String { "team" }
    public static func scoped(_ id: UUID, _ permission: Permission, for req: Request) async throws -> DigitalTeam {
        try await req.access.team(id, permission, on: req.db)
    }
}

extension TeamMember: ScopedRow {
    public static var scopeKind: String { "teamMember" }
    public static func scoped(_ id: UUID, _ permission: Permission, for req: Request) async throws -> TeamMember {
        let (m, t) = try await req.access.teamMember(id, permission, on: req.db)
        req.keepScoped(t)
        return m
    }
}

extension Visit: ScopedRow {
    public static var scopeKind: String { "visit" }
    public static func scoped(_ id: UUID, _ permission: Permission, for req: Request) async throws -> Visit {
        let (v, h) = try await req.access.visit(id, permission, on: req.db)
        req.keepScoped(h)
        return v
    }
}

extension Training: ScopedRow {
    public static var scopeKind: String { "training" }
    public static func scoped(_ id: UUID, _ permission: Permission, for req: Request) async throws -> Training {
        try await req.access.training(id, permission, on: req.db)
    }
}

extension RouteRule {
    /// `:id` is a digital team: the caller holds the permission on the unit it serves, or belongs to it.
    public static func team(_ p: Permission) -> RouteRule { .row(DigitalTeam.self, p) }
    /// `:id` is a team member: the caller may `p` on the member's team.
    public static func teamMember(_ p: Permission) -> RouteRule { .row(TeamMember.self, p) }
    /// `:id` is a visit: the caller may `p` on its household.
    public static func visit(_ p: Permission) -> RouteRule { .row(Visit.self, p) }
    /// `:id` is a training: the caller may `p` on its commune or on a unit it invites.
    public static func training(_ p: Permission) -> RouteRule { .row(Training.self, p) }
}
