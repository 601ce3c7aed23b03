// The outreach overview per village, commune and team (docs/outreach.md).
import Vapor

struct OverviewRoutes {
    func add(web: any RoutesBuilder, api: any RoutesBuilder) {}
}
