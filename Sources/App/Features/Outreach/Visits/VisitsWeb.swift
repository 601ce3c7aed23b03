// A member's phone pages: the households to visit, the visit form, and the offline layer (docs/outreach.md).
import Vapor

struct VisitsWeb {
    func addRoutes(to web: any RoutesBuilder) {}
}
