// Assets's routes, joined here (pages under SiteURL's "assets" section, JSON under APIURL's).
import Vapor

enum AssetsRoutes {
    static func add(open: any RoutesBuilder, signedIn web: any RoutesBuilder, openAPI: any RoutesBuilder,
                    signedInAPI api: any RoutesBuilder, config: AppConfig) {
    }
}
