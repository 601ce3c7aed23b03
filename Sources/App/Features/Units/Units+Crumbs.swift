// The breadcrumb trail of a unit (units › province › commune › village › group), which every page about a unit or
// what belongs to it starts from: the registry's, personal data's and the procedures' pages add their own crumbs after it.
import Vapor

enum UnitCrumbs {
    /// "Units" and then each unit from the top down to `unit`, each linking to its page.
    static func trail(_ req: Request, _ unit: AdminUnit?) async throws -> [Crumb] {
        var out = [Crumb(name: req.lang.t("nav.units"), url: SiteURL.units.path)]
        guard let unit else { return out }
        for u in try await UnitQueries.lineage(of: unit, on: req.db) { out.append(Crumb(name: u.name, url: SiteURL.unit(u.id!))) }
        return out
    }
}
