// The teams' pages: the list, a new team, a team with its members.
import Vapor

struct TeamsWeb {
    func addRoutes(to web: any RoutesBuilder) {}
}
