// The outreach overview per village, commune and team (docs/outreach.md, "Overview"): the page (with the households
// behind each figure, `?show=`), the printable never-visited list, and the same figures as JSON.
import Vapor

struct OverviewRoutes {
    func add(web: any RoutesBuilder, api: any RoutesBuilder) {
        let pages = OverviewWeb()
        web.get(SiteURL.outreach.components, use: pages.index).rule(.list(.visitHouseholds))
        web.get(SiteURL.unitOutreach(.key).components, use: pages.show).rule(.unit(.visitHouseholds))
        web.get(SiteURL.unitNeverVisited(.key).components, use: pages.neverVisited).rule(.unit(.visitHouseholds))
        api.get(APIURL.unitOutreach(.key).components, use: Self.overview).rule(.unit(.visitHouseholds))
    }

    /// GET /api/v1/units/{id}/outreach: the figures of the households at or below the unit.
    static func overview(req: Request) async throws -> OutreachOverviewDTO {
        try await OverviewQueries.unit(try req.scoped(AdminUnit.self), on: req.db)
    }
}
