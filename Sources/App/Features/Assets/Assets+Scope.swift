// Assets under the one scope rule: an asset belongs to its unit (a group, a village or the commune); a fault, to its
// asset's unit. A caller holding the permission at or above that unit sees it; anyone else gets 404.
import Fluent
import Vapor

extension Access {
    public func asset(_ id: UUID, _ permission: Permission, on db: any Database) async throws -> Asset {
        guard let a = try await Asset.find(id, on: db), try await allows(permission, unitID: a.unitID, on: db) else { throw Abort(.notFound) }
        return a
    }

    public func assetFault(_ id: UUID, _ permission: Permission, on db: any Database) async throws -> (AssetFault, Asset) {
        guard let f = try await AssetFault.find(id, on: db) else { throw Abort(.notFound) }
        return (f, try await asset(f.assetID, permission, on: db))
    }
}

extension Asset: ScopedRow {
    public static var scopeKind: String { "asset" }
    public static func scoped(_ id: UUID, _ permission: Permission, for req: Request) async throws -> Asset {
        try await req.access.asset(id, permission, on: req.db)
    }
}

extension AssetFault: ScopedRow {
    public static var scopeKind: String { "assetFault" }
    public static func scoped(_ id: UUID, _ permission: Permission, for req: Request) async throws -> AssetFault {
        let (f, a) = try await req.access.assetFault(id, permission, on: req.db)
        req.keepScoped(a)
        return f
    }
}

extension RouteRule {
    /// `:id` is an asset: the caller may `p` on its unit.
    public static func asset(_ p: Permission) -> RouteRule { .row(Asset.self, p) }
    /// `:id` is an asset's fault: the caller may `p` on the asset's unit.
    public static func assetFault(_ p: Permission) -> RouteRule { .row(AssetFault.self, p) }
}
