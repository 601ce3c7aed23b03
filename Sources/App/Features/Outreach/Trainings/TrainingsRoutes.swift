// Digital-skills trainings: planning, invitations through messaging, attendance (docs/outreach.md).
import Vapor

struct TrainingsRoutes {
    func add(web: any RoutesBuilder, api: any RoutesBuilder) {}
}
