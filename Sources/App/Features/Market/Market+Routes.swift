// Market's routes, joined here (pages under SiteURL's "market" section, JSON under APIURL's).
import Vapor

enum MarketRoutes {
    static func add(open: any RoutesBuilder, signedIn web: any RoutesBuilder, openAPI: any RoutesBuilder,
                    signedInAPI api: any RoutesBuilder, config: AppConfig) {
        MarketAPI().add(api: api)
        MarketBatchesAPI().add(api: api)
        MarketTraceWeb().add(open: open, openAPI: openAPI)
        MarketLabelsWeb().add(signedIn: web)
    }
}
