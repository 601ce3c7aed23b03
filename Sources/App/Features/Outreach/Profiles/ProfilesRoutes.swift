// A household's digital profile: its history and form, and the import and export of profiles (docs/outreach.md).
import Vapor

struct ProfilesRoutes {
    let maxUploadBytes: Int
    func add(web: any RoutesBuilder, api: any RoutesBuilder) {}
}
