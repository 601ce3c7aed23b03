// The routes: HTML pages from the features, the JSON API under /api/v1, health and the OpenAPI document.
import Fluent
import SQLKit
import Vapor

func routes(_ app: Application) throws {
    // Liveness: the process answers, touching nothing else (no database, no session); `/healthz` checks the database.
    app.get("livez") { req async throws -> Response in
        let res = Response(status: .ok, body: .init(staticString: #"{"status":"ok"}"#))
        res.headers.contentType = .json
        return res
    }.rule(.open)
    app.get(SiteURL.healthz.components) { req async throws -> Response in
        guard let sql = req.db as? any SQLDatabase else { throw Abort(.internalServerError) }
        do {
            _ = try await sql.raw("SELECT 1 AS ok").first()
            return try await ["status": "ok"].encodeResponse(for: req)
        } catch {
            req.logger.error("health check failed: \(String(reflecting: error))")
            let res = try await ["status": "database unavailable"].encodeResponse(status: .serviceUnavailable, for: req)
            return res
        }
    }.rule(.open)
    addMonitoringRoutes(app)  // /readyz, /metrics (Features/Operations/Metrics.swift)
    app.get(SiteURL.home.components, use: home).rule(.open)
    app.post(SiteURL.demo.components, use: loadDemo).rule(.open)
    AccountsWeb().addRoutes(to: app)
    app.get("lang", ":lang") { req -> Response in
        guard let lang = Lang(rawValue: req.parameters.get("lang") ?? "") else { throw Abort(.notFound) }
        let back = LocalPath.safe(req.queryValue("back"), or: "/")   // only our own pages
        let res = req.redirect(to: back, redirectType: .normal)
        res.cookies["lang"] = HTTPCookies.Value(string: lang.rawValue, maxAge: 31_536_000, path: "/", isHTTPOnly: true, sameSite: .lax)
        return res
    }.rule(.open)

    let signedIn = app.grouped(RequireSignIn())
    UnitsWeb().addRoutes(to: signedIn)
    RegistryWeb(maxUploadBytes: app.config.maxUploadMB * 1_048_576).addRoutes(to: signedIn)

    // JSON routes are registered with their whole path from APIURL (`/api/v1/…`), as pages are with SiteURL's.
    let api: any RoutesBuilder = app
    api.get(APIURL.openAPI.components) { req async throws -> Response in
        let path = req.application.directory.resourcesDirectory + "openapi.json"
        return try await req.fileio.asyncStreamFile(at: path, mediaType: .json)
    }.rule(.open)
    let signedInAPI = api.grouped(RequireSignIn())
    UnitsAPI().addRoutes(to: signedInAPI)
    RegistryAPI().addRoutes(to: signedInAPI)
    AuditRoutes().addRoutes(web: signedIn, api: signedInAPI)
    PersonalDataRoutes().addRoutes(web: signedIn, api: signedInAPI)
    AccountsAPI().addRoutes(to: signedInAPI)
    AccountsPages().addRoutes(to: signedIn)
    HouseholdSignIn().addRoutes(open: app, signedIn: signedIn)
    MessagingAPI().addRoutes(to: signedInAPI)
    MessagingWeb().addRoutes(open: app, signedIn: signedIn)
    MessagingHooks().addRoutes(to: app)
    ProceduresRoutes.add(open: app, signedIn: signedIn, openAPI: api, signedInAPI: signedInAPI, config: app.config)
    OutreachRoutes.add(signedIn: signedIn, signedInAPI: signedInAPI, config: app.config)
    AssetsRoutes.add(open: app, signedIn: signedIn, openAPI: api, signedInAPI: signedInAPI, config: app.config)
    if app.config.renderCacheMB > 0 && app.environment != .development {
        app.ledgerPages = LedgerPages(budget: max(1 << 20, (app.config.renderCacheMB << 20) / 4))
        app.signedInPages = SignedInPages(budget: max(1 << 20, (app.config.renderCacheMB << 20) / 4))
    }
    LedgerRoutes.add(open: app, signedIn: signedIn, openAPI: api, signedInAPI: signedInAPI, config: app.config)
    ReportsRoutes.add(open: app, signedIn: signedIn, openAPI: api, signedInAPI: signedInAPI, config: app.config)
    MarketRoutes.add(open: app, signedIn: signedIn, openAPI: api, signedInAPI: signedInAPI, config: app.config)
    CriteriaRoutes.add(signedIn: signedIn, signedInAPI: signedInAPI)
}

struct HomePage: Encodable {
    var layout: Layout
    var empty: Bool
    /// The demo button: an empty database on a server that offers it (see Demo.offered).
    var demo: Bool
    var signedIn: Bool
    var canManage: Bool
    var canAudit: Bool
    var communes: [UnitRow]
    var demoURL: String
    var unitsURL: String
    var signInURL: String
    /// For a person whose roles hold no unit's records (a household representative's or a producer's account):
    /// the public guides of their commune, and how a household signs in to its own pages.
    var guideCommune: String
    var guides: [GuideLink]
}

struct GuideLink: Encodable { var name: String; var url: String }

func home(req: Request) async throws -> View {
    let empty = try await Demo.isFresh(req.db)
    let demo = empty && Demo.offered(req.config)
    var units: [AdminUnit] = []
    if req.access.isSignedIn {
        if let roots = try await req.access.rootUnits(.readRegistry, on: req.db) {
            // The units the caller's roles are granted on: where they work.
            units = roots.sorted { $0.code < $1.code }
        } else {
            // Communes that hold villages: where an administrator most likely wants to go.
            let ids = try await AdminUnit.query(on: req.db).filter(\.$kind == .village).all(\.$communeID)
            units = try await AdminUnit.query(on: req.db).filter(\.$id ~~ Array(Set(ids.compactMap { $0 }))).sort(\.$code).limit(50).all()
        }
    }
    var guideCommune = "", guides: [GuideLink] = []
    if req.access.isSignedIn, units.isEmpty, req.access.householdID == nil {
        for id in req.access.grants.compactMap(\.unitID) {
            guard let u = try await AdminUnit.find(id, on: req.db), let cid = u.kind == .commune ? u.id : u.communeID,
                  let c = try await AdminUnit.find(cid, on: req.db) else { continue }
            guideCommune = c.name
            guides = try await Procedure.query(on: req.db).filter(\.$communeID == cid).sort(\.$position).all()
                .map { GuideLink(name: $0.name, url: SiteURL.guide(c.code, $0.key).path) }
            break
        }
    }
    let today = Day.today()
    return try await req.view.render("home", HomePage(
        layout: Layout(req, title: "Thôn Số", needsToken: demo), empty: empty, demo: demo, signedIn: req.access.isSignedIn,
        canManage: req.access.has(.manageAccounts), canAudit: req.access.roots(.readAudit) == nil && req.access.isSignedIn,
        communes: units.map { $0.row(today: today) }, demoURL: SiteURL.demo.path, unitsURL: SiteURL.units.path,
        signInURL: SiteURL.signIn.path, guideCommune: guideCommune, guides: guides))
}

func loadDemo(req: Request) async throws -> Response {
    // Not on a server reachable from elsewhere (unless DEMO is set): its administrator's password is published.
    guard Demo.offered(req.config) else { throw Abort(.notFound) }
    // Only into a database with no households and no accounts: the demo's accounts have a published password.
    guard try await Demo.isFresh(req.db) else { throw InvalidInput("demo", "error.demoNotEmpty", status: .conflict) }
    _ = try await Demo.load(req.application)
    for line in try await Demo.startLines(req.application) { req.logger.notice("\(line)") }
    // The demo's accounts are printed in the server log; the sign-in page says so.
    return req.redirect(to: SiteURL.signIn.path + "?demo=1", redirectType: .normal)
}
