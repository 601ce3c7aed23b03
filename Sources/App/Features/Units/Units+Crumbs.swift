// The breadcrumb trail of a unit (units › province › commune › village › group), which every page about a unit or
// what belongs to it starts from: the registry's, personal data's and the procedures' pages add their own crumbs after it.
import SQLKit
import Vapor

enum UnitCrumbs {
    /// "Units" and then each unit from the top down to `unit`, each linking to its page.
    static func trail(_ req: Request, _ unit: AdminUnit?) async throws -> [Crumb] {
        var out = [Crumb(name: req.lang.t("nav.units"), url: SiteURL.units.path)]
        guard let unit else { return out }
        guard let parent = unit.parentID, let sql = req.db as? any SQLDatabase else {
            out.append(Crumb(name: unit.name, url: SiteURL.unit(unit.id!)))
            return out
        }
        // The units above it through current parents, top first, in one query as plain rows (names and ids only:
        // no model decoding on every page that shows the trail).
        let rows = try await sql.raw("""
            SELECT admin_units.id, admin_units.name FROM unit_closure c JOIN admin_units ON admin_units.id = c.ancestor_id
            WHERE c.descendant_id = \(bind: parent) AND c.is_current = \(bind: true) ORDER BY c.depth DESC
            """).all()
        for r in rows { out.append(Crumb(name: try r.decode(column: "name", as: String.self), url: SiteURL.unit(try r.decode(column: "id", as: UUID.self)))) }
        out.append(Crumb(name: unit.name, url: SiteURL.unit(unit.id!)))
        return out
    }
}
