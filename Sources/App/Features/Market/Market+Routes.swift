// Market's routes, joined here (pages under SiteURL's "market" section, JSON under APIURL's).
import Vapor

enum MarketRoutes {
    static func add(open: any RoutesBuilder, signedIn web: any RoutesBuilder, openAPI: any RoutesBuilder,
                    signedInAPI api: any RoutesBuilder, config: AppConfig) {
        MarketAPI().add(api: api)
        MarketBatchesAPI().add(api: api)
        MarketTraceWeb().add(open: open, openAPI: openAPI)
        MarketLabelsWeb().add(signedIn: web)
        MarketPagesWeb().add(signedIn: web)
        MarketPublicWeb().add(open: open, openAPI: openAPI)
        MarketSellsOnline().add(signedIn: web, api: api)
        MarketPhotosWeb().add(open: open, signedIn: web)
    }
}
