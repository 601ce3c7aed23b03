// Outreach's routes, joined here: teams and the visits API (this folder), the member's phone pages and offline layer
// (Visits/), profiles' form, import and export (Profiles/), the overview (Overview/), trainings (Trainings/).
import Vapor

enum OutreachRoutes {
    static func add(signedIn web: any RoutesBuilder, signedInAPI api: any RoutesBuilder, config: AppConfig) {
        TeamsRoutes().add(web: web, api: api)
        VisitsAPI().addRoutes(to: api)
        VisitsWeb().addRoutes(to: web)
        ProfilesRoutes(maxUploadBytes: config.maxUploadMB * 1_048_576).add(web: web, api: api)
        OverviewRoutes().add(web: web, api: api)
        TrainingsRoutes().add(web: web, api: api)
    }
}
