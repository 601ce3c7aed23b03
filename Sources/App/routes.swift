// The routes: HTML pages from the features, the JSON API under /api/v1, health and the OpenAPI document.
import Fluent
import SQLKit
import Vapor

func routes(_ app: Application) throws {
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
    }
    app.get(SiteURL.home.components, use: home)
    app.post(SiteURL.demo.components, use: loadDemo)
    app.get("lang", ":lang") { req -> Response in
        guard let lang = Lang(rawValue: req.parameters.get("lang") ?? "") else { throw Abort(.notFound) }
        var back = req.query[String.self, at: "back"] ?? "/"
        if !back.hasPrefix("/") || back.hasPrefix("//") { back = "/" }   // only our own pages
        let res = req.redirect(to: back, redirectType: .normal)
        res.cookies["lang"] = HTTPCookies.Value(string: lang.rawValue, maxAge: 31_536_000, path: "/", isHTTPOnly: true, sameSite: .lax)
        return res
    }

    UnitsWeb().addRoutes(to: app)
    RegistryWeb(maxUploadBytes: app.config.maxUploadMB * 1_048_576).addRoutes(to: app)

    let api = app.grouped("api", "v1")
    api.get("openapi.json") { req async throws -> Response in
        let path = req.application.directory.resourcesDirectory + "openapi.json"
        return try await req.fileio.asyncStreamFile(at: path, mediaType: .json)
    }
    UnitsAPI().addRoutes(to: api)
    RegistryAPI().addRoutes(to: api)
}

struct HomePage: Encodable {
    var layout: Layout
    var empty: Bool
    var communes: [UnitRow]
    var demoURL: String
    var unitsURL: String
}

func home(req: Request) async throws -> View {
    let households = try await Household.query(on: req.db).count()
    // Communes that hold villages: where an official most likely wants to go.
    let ids = try await AdminUnit.query(on: req.db).filter(\.$kind == .village).all(\.$communeID)
    let communes = try await AdminUnit.query(on: req.db).filter(\.$id ~~ Array(Set(ids.compactMap { $0 }))).sort(\.$code).limit(50).all()
    let today = Day.today()
    return try await req.view.render("home", HomePage(
        layout: Layout(req, title: "Thôn Số"), empty: households == 0, communes: communes.map { $0.row(today: today) },
        demoURL: SiteURL.demo.path, unitsURL: SiteURL.units.path))
}

func loadDemo(req: Request) async throws -> Response {
    guard try await Household.query(on: req.db).count() == 0 else { throw InvalidInput("demo", "error.demoNotEmpty", status: .conflict) }
    let commune = try await Demo.load(req.application)
    return req.redirect(to: SiteURL.unit(commune.id!), redirectType: .normal)
}
