// HTML pages of the catalog and the public guide; the QR boards' pages are in Boards/Boards+Web.swift, registered here.
import Fluent
import Vapor

struct ProceduresWeb {
    func addRoutes(open: any RoutesBuilder, signedIn: any RoutesBuilder) {
        signedIn.get(SiteURL.catalog(.key).components, use: catalog).rule(.commune(.manageProcedures))
        // From a unit's page (units/show.leaf links `<unit url>/procedures`): on to the commune's catalog.
        signedIn.get(SiteURL.unitProcedures(.key).components) { req async throws -> Response in
            let u = try req.scoped(ScopedCommune.self).unit
            return req.redirect(to: SiteURL.catalog(.id(u.id!)).path, redirectType: .normal)
        }.rule(.commune(.manageProcedures))
        signedIn.get(SiteURL.procedureNew(.key).components, use: newProcedure).rule(.commune(.manageProcedures))
        signedIn.post(SiteURL.procedureNew(.key).components, use: createProcedure).rule(.commune(.manageProcedures))
        signedIn.get(SiteURL.procedureEdit(.key).components, use: editProcedure).rule(.procedure(.manageProcedures))
        signedIn.post(SiteURL.procedureEdit(.key).components, use: updateProcedure).rule(.procedure(.manageProcedures))
        open.get(SiteURL.guide(":commune", ":key").components, use: guide).rule(.open).kept(Guide.keptPage)
        signedIn.get(SiteURL.boards(.key).components, use: boards).rule(.commune(.manageProcedures))
        signedIn.post(SiteURL.boards(.key).components, use: createBoard).rule(.commune(.manageProcedures))
        signedIn.get(SiteURL.board(.key).components, use: board).rule(.board(.manageProcedures))
        signedIn.get(SiteURL.boardPoster(.key).components, use: poster).rule(.board(.manageProcedures))
        open.get(SiteURL.scan(":code").components, use: scan).rule(.open)
        open.get(SiteURL.scanSVG(":code").components, use: qrSVG).rule(.open)
        open.get(SiteURL.scanPNG(":code").components, use: qrPNG).rule(.open)
    }

    // MARK: catalog

    struct CatalogRow: Encodable { var name: String; var code: String; var timeLimit: String; var editURL: String; var guideURL: String }
    struct CatalogPage: Encodable {
        var layout: Layout
        var communeName: String
        var rows: [CatalogRow]
        var newURL: String
        var boardsURL: String
        var questionsURL: String
        var appointmentsURL: String
        var papersURL: String
        var dossiersURL: String
    }

    func catalog(req: Request) async throws -> View {
        let commune = try req.scoped(ScopedCommune.self).unit
        let list = try await CatalogActions.list(commune, on: req.db)
        let id = Ref.id(commune.id!)
        return try await req.view.render("procedures/catalog", CatalogPage(
            layout: Layout(req, title: "\(req.lang.t("proc.catalog")) · \(commune.name)", crumbs: try await ProcedureViews.crumbs(req, commune)),
            communeName: commune.name,
            rows: list.map { CatalogRow(name: $0.name, code: $0.nationalCode, timeLimit: $0.timeLimit, editURL: SiteURL.procedureEdit(.id($0.id!)).path,
                                        guideURL: SiteURL.guide(commune.code, $0.key).path) },
            newURL: SiteURL.procedureNew(id).path, boardsURL: SiteURL.boards(id).path, questionsURL: SiteURL.questions(id).path,
            appointmentsURL: SiteURL.appointmentsDesk(id).path, papersURL: SiteURL.paperSets(id).path, dossiersURL: SiteURL.dossiers(id).path))
    }

    struct Field: Encodable { var name: String; var label: String; var hint: String; var value: String; var error: String?; var multiline: Bool }
    struct ProcedureFormPage: Encodable { var layout: Layout; var hasErrors: Bool; var fields: [Field]; var action: String }

    static let formFields: [(String, Bool)] = [
        ("key", false), ("name", false), ("nationalCode", false), ("summary", false), ("steps", true), ("dossier", true),
        ("timeLimit", false), ("workingDays", false), ("fee", false), ("legalBasis", true), ("onlineUrl", false), ("online", false), ("handledBy", false),
    ]

    func formPage(_ req: Request, commune: AdminUnit, values: [String: String], issues: [FieldIssue], isNew: Bool, action: String,
                  status: HTTPResponseStatus = .ok) async throws -> Response {
        let state = FormState(values: values, issues: issues, lang: req.lang)
        let fields = Self.formFields.filter { isNew || $0.0 != "key" }.map { name, multi in
            Field(name: name, label: req.lang.t("proc.field.\(name)"), hint: L10n.table["proc.hint.\(name)"] == nil ? "" : req.lang.t("proc.hint.\(name)"), value: values[name] ?? "",
                  error: state.errors[name], multiline: multi)
        }
        let title = req.lang.t(isNew ? "proc.new" : "proc.edit")
        let view = try await req.view.render("procedures/form", ProcedureFormPage(
            layout: Layout(req, title: title, crumbs: try await ProcedureViews.crumbs(req, commune, Crumb(name: title, url: action))),
            hasErrors: !issues.isEmpty, fields: fields, action: action))
        return try await view.encodeResponse(status: status, for: req)
    }

    static func values(_ p: Procedure) -> [String: String] {
        ["key": p.key, "name": p.name, "nationalCode": p.nationalCode, "summary": p.summary, "steps": p.steps, "dossier": p.dossier,
         "timeLimit": p.timeLimit, "workingDays": String(p.workingDays), "fee": p.fee, "legalBasis": p.legalBasis,
         "onlineUrl": p.onlineURL, "online": p.online, "handledBy": p.handledBy]
    }

    static func input(_ f: [String: String], issues: inout [FieldIssue]) -> ProcedureInput {
        var days: Int? = nil
        if let raw = f["workingDays"]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty {
            if let d = Int(raw) { days = d } else { issues.append(FieldIssue("workingDays", "error.proc.workingDays")) }
        }
        return ProcedureInput(key: f["key"], name: f["name"], nationalCode: f["nationalCode"] ?? "", summary: f["summary"], steps: f["steps"],
                              dossier: f["dossier"], timeLimit: f["timeLimit"], workingDays: days ?? 0, fee: f["fee"],
                              legalBasis: f["legalBasis"] ?? "", onlineUrl: f["onlineUrl"] ?? "", online: f["online"] ?? "", handledBy: f["handledBy"] ?? "")
    }

    func newProcedure(req: Request) async throws -> Response {
        let commune = try req.scoped(ScopedCommune.self).unit
        return try await formPage(req, commune: commune, values: ["handledBy": ProcedureCatalogSeed.handledBy, "onlineUrl": ProcedureCatalogSeed.portal, "workingDays": "0"],
                                  issues: [], isNew: true, action: req.urlPath)
    }

    func createProcedure(req: Request) async throws -> Response {
        let commune = try req.scoped(ScopedCommune.self).unit
        let f = try req.content.decode([String: String].self)
        var issues: [FieldIssue] = []
        let input = Self.input(f, issues: &issues)
        do {
            if !issues.isEmpty { throw InvalidInput(issues) }
            _ = try await CatalogActions.list(commune, on: req.db)
            _ = try await CatalogActions.create(in: commune, input, on: req.db)
            return req.redirect(to: SiteURL.catalog(.id(commune.id!)).path, redirectType: .normal)
        } catch let e as InvalidInput {
            return try await formPage(req, commune: commune, values: f, issues: e.issues, isNew: true, action: req.urlPath, status: e.status)
        }
    }

    func editProcedure(req: Request) async throws -> Response {
        let p = try req.scoped(Procedure.self)
        guard let commune = try await AdminUnit.find(p.communeID, on: req.db) else { throw Abort(.notFound) }
        return try await formPage(req, commune: commune, values: Self.values(p), issues: [], isNew: false, action: req.urlPath)
    }

    func updateProcedure(req: Request) async throws -> Response {
        let p = try req.scoped(Procedure.self)
        guard let commune = try await AdminUnit.find(p.communeID, on: req.db) else { throw Abort(.notFound) }
        let f = try req.content.decode([String: String].self)
        var issues: [FieldIssue] = []
        var input = Self.input(f, issues: &issues)
        input.key = nil
        do {
            if !issues.isEmpty { throw InvalidInput(issues) }
            _ = try await CatalogActions.update(p, input, communeCode: commune.code, on: req.db)
            return req.redirect(to: SiteURL.catalog(.id(commune.id!)).path, redirectType: .normal)
        } catch let e as InvalidInput {
            return try await formPage(req, commune: commune, values: f.merging(["key": p.key]) { a, _ in a }, issues: e.issues, isNew: false,
                                      action: req.urlPath, status: e.status)
        }
    }

    // MARK: the public guide (Catalog+Guide.swift)

    func guide(req: Request) async throws -> Response {
        guard let pages = req.application.signedInPages else { return try await Guide.page(req) }
        return try await pages.answer(req, Guide.keptPage) { (try await Guide.view(req), 0) }.0.encodeResponse(for: req)
    }
}
