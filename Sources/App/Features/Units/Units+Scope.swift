// Units under the one scope rule: a route that names a unit by `:id` declares `.rule(.unit(p))` (or `.commune(p)`
// for commune-level pages), and the rule loads it before the handler runs; `req.scoped(AdminUnit.self)` reads it.
import Fluent
import Vapor

extension AdminUnit: ScopedRow {
    public static var scopeKind: String { "unit" }
    public static func scoped(_ id: UUID, _ permission: Permission, for req: Request) async throws -> AdminUnit {
        try await req.access.unit(id, permission, on: req.db)
    }
}

/// A unit named by `:id` that must be a commune (the commune-level pages of procedures): a village's or a province's
/// id there is not found.
public struct ScopedCommune: ScopedRow {
    public let unit: AdminUnit
    public static var scopeKind: String { "commune" }
    public static func scoped(_ id: UUID, _ permission: Permission, for req: Request) async throws -> ScopedCommune {
        let u = try await req.access.unit(id, permission, on: req.db)
        guard u.kind == .commune else { throw Abort(.notFound) }
        req.keepScoped(u)
        return ScopedCommune(unit: u)
    }
}

extension RouteRule {
    /// `:id` is a commune the caller must hold the permission on.
    public static func commune(_ p: Permission) -> RouteRule { .row(ScopedCommune.self, p) }
    /// `:id` is a unit the caller must hold the permission on (at or below one of their units).
    public static func unit(_ p: Permission) -> RouteRule { .row(AdminUnit.self, p) }
}
