// Reports under the one scope rule: a report belongs to the unit responsible for it (a village, or the commune); a
// photo to its report. An official sees a report when they hold handleReports at or above that unit.
import Fluent
import Vapor

extension Access {
    public func report(_ id: UUID, _ permission: Permission, on db: any Database) async throws -> FeedbackReport {
        guard let r = try await FeedbackReport.find(id, on: db), try await allows(permission, unitID: r.unitID, on: db) else { throw Abort(.notFound) }
        return r
    }

    public func reportPhoto(_ id: UUID, _ permission: Permission, on db: any Database) async throws -> (ReportPhoto, FeedbackReport) {
        guard let p = try await ReportPhoto.find(id, on: db) else { throw Abort(.notFound) }
        return (p, try await report(p.reportID, permission, on: db))
    }
}

extension FeedbackReport: ScopedRow {
    public static var scopeKind: String { "report" }
    public static func scoped(_ id: UUID, _ permission: Permission, for req: Request) async throws -> FeedbackReport {
        try await req.access.report(id, permission, on: req.db)
    }
}

extension ReportPhoto: ScopedRow {
    public static var scopeKind: String { "reportPhoto" }
    public static func scoped(_ id: UUID, _ permission: Permission, for req: Request) async throws -> ReportPhoto {
        let (p, r) = try await req.access.reportPhoto(id, permission, on: req.db)
        req.keepScoped(r)
        return p
    }
}

extension RouteRule {
    /// `:id` is a resident's report: the caller may `p` on the unit responsible for it.
    public static func report(_ p: Permission) -> RouteRule { .row(FeedbackReport.self, p) }
    /// `:id` is a report's photo: the caller may `p` on its report.
    public static func reportPhoto(_ p: Permission) -> RouteRule { .row(ReportPhoto.self, p) }
}
