// Ledger rows under the one scope rule: a campaign belongs to its unit (a commune or a village); an entry to its
// campaign's unit (kept on the entry). A household signed in sees its own contributions, nothing else.
import Fluent
import Vapor

extension Access {
    public func campaign(_ id: UUID, _ permission: Permission, on db: any Database) async throws -> Campaign {
        guard let c = try await Campaign.find(id, on: db), try await allows(permission, unitID: c.unitID, on: db) else { throw Abort(.notFound) }
        return c
    }

    public func ledgerEntry(_ id: UUID, _ permission: Permission, on db: any Database) async throws -> (LedgerEntry, Campaign) {
        guard let e = try await LedgerEntry.find(id, on: db), try await allows(permission, unitID: e.unitID, on: db),
              let c = try await Campaign.find(e.campaignID, on: db) else { throw Abort(.notFound) }
        return (e, c)
    }
}

extension Campaign: ScopedRow {
    public static var scopeKind: String { "campaign" }
    public static func scoped(_ id: UUID, _ permission: Permission, for req: Request) async throws -> Campaign {
        try await req.access.campaign(id, permission, on: req.db)
    }
}

extension LedgerEntry: ScopedRow {
    public static var scopeKind: String { "ledgerEntry" }
    public static func scoped(_ id: UUID, _ permission: Permission, for req: Request) async throws -> LedgerEntry {
        let (e, c) = try await req.access.ledgerEntry(id, permission, on: req.db)
        req.keepScoped(c)
        return e
    }
}

extension RouteRule {
    /// `:id` is a campaign: the caller holds the permission on its unit.
    public static func campaign(_ p: Permission) -> RouteRule { .row(Campaign.self, p) }
    /// `:id` is a ledger entry: the caller holds the permission on its campaign's unit.
    public static func ledgerEntry(_ p: Permission) -> RouteRule { .row(LedgerEntry.self, p) }
}
