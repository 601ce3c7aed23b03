// Ledger's routes, joined here (pages under SiteURL's "ledger" section, JSON under APIURL's).
import Vapor

enum LedgerRoutes {
    static func add(open: any RoutesBuilder, signedIn web: any RoutesBuilder, openAPI: any RoutesBuilder,
                    signedInAPI api: any RoutesBuilder, config: AppConfig) {
        let bytes = config.maxUploadMB * 1_048_576
        LedgerWeb(maxUploadBytes: bytes).addRoutes(open: open, signedIn: web)
        LedgerAPI(maxUploadBytes: bytes).addRoutes(open: openAPI, signedIn: api)
    }
}
