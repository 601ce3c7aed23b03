// What the procedures' pages share: the breadcrumb trail under a commune's catalog and procedure names by id.
import Fluent
import Vapor

enum ProcedureViews {
    static func crumbs(_ req: Request, _ commune: AdminUnit, _ extra: Crumb? = nil) async throws -> [Crumb] {
        var c = try await UnitCrumbs.trail(req, commune)
        c.append(Crumb(name: req.lang.t("proc.catalog"), url: SiteURL.catalog(.id(commune.id!)).path))
        if let extra { c.append(extra) }
        return c
    }

    static func names(_ ids: [UUID], on db: any Database) async throws -> [UUID: String] {
        let procs = try await Procedure.query(on: db).filter(\.$id ~~ ids).all()
        return Dictionary(uniqueKeysWithValues: procs.map { ($0.id!, $0.name) })
    }
}
