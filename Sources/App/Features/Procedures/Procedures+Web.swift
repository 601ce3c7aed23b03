// HTML pages of the catalog, the public guide and the QR boards (posters, QR images, scan figures).
import Fluent
import Vapor

struct ProceduresWeb {
    func addRoutes(open: any RoutesBuilder, signedIn: any RoutesBuilder) {
        signedIn.get(SiteURL.catalog(.key).components, use: catalog).rule(.unit(.manageProcedures))
        // From a unit's page (units/show.leaf links `<unit url>/procedures`): on to the commune's catalog.
        signedIn.get(SiteURL.unitProcedures(.key).components) { req async throws -> Response in
            let u = try await req.access.unit(req.idParameter(), .manageProcedures, on: req.db)
            return req.redirect(to: SiteURL.catalog(.id(u.id!)).path, redirectType: .normal)
        }.rule(.unit(.manageProcedures))
        signedIn.get(SiteURL.procedureNew(.key).components, use: newProcedure).rule(.unit(.manageProcedures))
        signedIn.post(SiteURL.procedureNew(.key).components, use: createProcedure).rule(.unit(.manageProcedures))
        signedIn.get(SiteURL.procedureEdit(.key).components, use: editProcedure).rule(.communeRow(.manageProcedures))
        signedIn.post(SiteURL.procedureEdit(.key).components, use: updateProcedure).rule(.communeRow(.manageProcedures))
        open.get(SiteURL.guide(":commune", ":key").components, use: guide).rule(.open)
        signedIn.get(SiteURL.boards(.key).components, use: boards).rule(.unit(.manageProcedures))
        signedIn.post(SiteURL.boards(.key).components, use: createBoard).rule(.unit(.manageProcedures))
        signedIn.get(SiteURL.board(.key).components, use: board).rule(.communeRow(.manageProcedures))
        signedIn.get(SiteURL.boardPoster(.key).components, use: poster).rule(.communeRow(.manageProcedures))
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

    static func crumbs(_ req: Request, _ commune: AdminUnit, _ extra: Crumb? = nil) async throws -> [Crumb] {
        var c = try await UnitsWeb.crumbs(req, commune)
        c.append(Crumb(name: req.lang.t("proc.catalog"), url: SiteURL.catalog(.id(commune.id!)).path))
        if let extra { c.append(extra) }
        return c
    }

    func catalog(req: Request) async throws -> View {
        let commune = try await ProcScope.commune(req, .manageProcedures)
        let list = try await CatalogActions.list(commune, on: req.db)
        let id = Ref.id(commune.id!)
        return try await req.view.render("procedures/catalog", CatalogPage(
            layout: Layout(req, title: "\(req.lang.t("proc.catalog")) · \(commune.name)", crumbs: try await Self.crumbs(req, commune)),
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
            layout: Layout(req, title: title, crumbs: try await Self.crumbs(req, commune, Crumb(name: title, url: action))),
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
        let commune = try await ProcScope.commune(req, .manageProcedures)
        return try await formPage(req, commune: commune, values: ["handledBy": ProcedureCatalogSeed.handledBy, "onlineUrl": ProcedureCatalogSeed.portal, "workingDays": "0"],
                                  issues: [], isNew: true, action: req.url.path)
    }

    func createProcedure(req: Request) async throws -> Response {
        let commune = try await ProcScope.commune(req, .manageProcedures)
        let f = try req.content.decode([String: String].self)
        var issues: [FieldIssue] = []
        let input = Self.input(f, issues: &issues)
        do {
            if !issues.isEmpty { throw InvalidInput(issues) }
            _ = try await CatalogActions.list(commune, on: req.db)
            _ = try await CatalogActions.create(in: commune, input, on: req.db)
            return req.redirect(to: SiteURL.catalog(.id(commune.id!)).path, redirectType: .normal)
        } catch let e as InvalidInput {
            return try await formPage(req, commune: commune, values: f, issues: e.issues, isNew: true, action: req.url.path, status: e.status)
        }
    }

    func editProcedure(req: Request) async throws -> Response {
        let p = try await ProcScope.row(Procedure.self, req, .manageProcedures) { $0.communeID }
        guard let commune = try await AdminUnit.find(p.communeID, on: req.db) else { throw Abort(.notFound) }
        return try await formPage(req, commune: commune, values: Self.values(p), issues: [], isNew: false, action: req.url.path)
    }

    func updateProcedure(req: Request) async throws -> Response {
        let p = try await ProcScope.row(Procedure.self, req, .manageProcedures) { $0.communeID }
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
                                      action: req.url.path, status: e.status)
        }
    }

    // MARK: the public guide

    struct FAQ: Encodable { var question: String; var answer: String }
    struct GuidePage: Encodable {
        var layout: Layout
        var communeName: String
        var p: ProcedureDTO
        var faq: [FAQ]
        var askURL: String
        var bookURL: String
        var papersURL: String
        var form: FormState
        var asked: String?
        var confirm: ConfirmBox?
        var householdSignedIn: Bool
    }

    static func guideTarget(_ req: Request) async throws -> (AdminUnit, Procedure) {
        let commune = try await ProcScope.communeByCode(req.parameters.get("commune") ?? "", on: req.db)
        let key = req.parameters.get("key") ?? ""
        // No seeding here: a public visit writes nothing; a commune's guides appear once its catalog was opened.
        guard key.count <= 40, let p = try await Procedure.query(on: req.db).filter(\.$communeID == commune.id!).filter(\.$key == key).first() else {
            throw Abort(.notFound)
        }
        return (commune, p)
    }

    static func guidePage(_ req: Request, form: FormState = FormState(), asked: String? = nil, confirm: ConfirmBox? = nil, status: HTTPResponseStatus = .ok) async throws -> Response {
        let (commune, p) = try await guideTarget(req)
        let faq = try await ProcedureQuestion.query(on: req.db).filter(\.$procedureID == p.id!).filter(\.$published == true)
            .sort(\.$answeredAt, .descending).limit(20).all()
        let view = try await req.view.render("procedures/guide", GuidePage(
            layout: Layout(req, title: p.name, needsToken: true), communeName: commune.name, p: p.toDTO(communeCode: commune.code),
            faq: faq.map { FAQ(question: $0.question, answer: $0.answer ?? "") },
            askURL: SiteURL.guideAsk(commune.code, p.key).path, bookURL: SiteURL.guideBook(commune.code, p.key).path,
            papersURL: SiteURL.guidePapers(commune.code, p.key).path, form: form, asked: asked, confirm: confirm,
            householdSignedIn: req.access.householdID != nil))
        return try await view.encodeResponse(status: status, for: req)
    }

    func guide(req: Request) async throws -> Response { try await Self.guidePage(req) }

    // MARK: QR boards

    struct BoardRow: Encodable { var place: String; var village: String; var coordinates: String; var procedures: String; var url: String; var scans: Int }
    struct Option: Encodable { var value: String; var label: String; var selected: Bool }
    struct BoardsPage: Encodable {
        var layout: Layout
        var rows: [BoardRow]
        var villages: [Option]
        var procedures: [Option]
        var form: FormState
        var action: String
    }

    func boardsPage(_ req: Request, _ commune: AdminUnit, form: FormState = FormState(), chosen: Set<String> = [], status: HTTPResponseStatus = .ok) async throws -> Response {
        let catalog = try await CatalogActions.list(commune, on: req.db)
        let list = try await QrBoard.query(on: req.db).filter(\.$communeID == commune.id!).sort(\.$place).all()
        let villages = try await AdminUnit.query(on: req.db).filter(\.$communeID == commune.id!).filter(\.$kind == .village).sort(\.$code).all()
        let vname = Dictionary(uniqueKeysWithValues: villages.map { ($0.id!, $0.name) })
        var rows: [BoardRow] = []
        let scans = try await BoardActions.totals(communeID: commune.id!, since: Day.adding(-29, to: Day.today()), on: req.db)
        for b in list {
            let dto = try await BoardActions.dto(b, link: { $0.path }, on: req.db)
            rows.append(BoardRow(place: b.place, village: b.villageID.flatMap { vname[$0] } ?? "",
                                 coordinates: b.latitude.map { String(format: "%.5f, %.5f", $0, b.longitude ?? 0) } ?? "",
                                 procedures: dto.procedures.map(\.name).joined(separator: "; "), url: SiteURL.board(.id(b.id!)).path,
                                 scans: scans[b.id!] ?? 0))
        }
        let title = req.lang.t("proc.boards")
        let view = try await req.view.render("procedures/boards", BoardsPage(
            layout: Layout(req, title: "\(title) · \(commune.name)", crumbs: try await Self.crumbs(req, commune, Crumb(name: title, url: req.url.path))),
            rows: rows,
            villages: [Option(value: "", label: "—", selected: (form.values["villageId"] ?? "").isEmpty)]
                + villages.map { Option(value: $0.id!.uuidString, label: $0.name, selected: form.values["villageId"] == $0.id!.uuidString) },
            procedures: catalog.map { Option(value: $0.id!.uuidString, label: $0.name, selected: chosen.contains($0.id!.uuidString)) },
            form: form, action: SiteURL.boards(.id(commune.id!)).path))
        return try await view.encodeResponse(status: status, for: req)
    }

    func boards(req: Request) async throws -> Response {
        try await boardsPage(req, try await ProcScope.commune(req, .manageProcedures))
    }

    struct BoardForm: Content { var villageId: String?; var place: String?; var latitude: String?; var longitude: String?; var contact: String?; var procedureIds: [String]? }

    func createBoard(req: Request) async throws -> Response {
        let commune = try await ProcScope.commune(req, .manageProcedures)
        let f = (try? req.content.decode(BoardForm.self)) ?? BoardForm()
        let values = ["villageId": f.villageId ?? "", "place": f.place ?? "", "latitude": f.latitude ?? "", "longitude": f.longitude ?? "", "contact": f.contact ?? ""]
        do {
            var c = Checker()
            func coord(_ field: String, _ raw: String?) -> Double? {
                let s = (raw ?? "").trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ",", with: ".")
                if s.isEmpty { return nil }
                if let d = Double(s), d.isFinite { return d }
                c.add(field, field == "latitude" ? "error.proc.latitude" : "error.proc.longitude")
                return nil
            }
            let lat = coord("latitude", f.latitude), lon = coord("longitude", f.longitude)
            try c.check()
            _ = try await CatalogActions.list(commune, on: req.db)
            let b = try await BoardActions.create(in: commune, BoardInput(villageId: f.villageId, place: f.place, latitude: lat, longitude: lon,
                                                                          contact: f.contact, procedureIds: f.procedureIds), on: req.db)
            return req.redirect(to: SiteURL.board(.id(b.id!)).path, redirectType: .normal)
        } catch let e as InvalidInput {
            return try await boardsPage(req, commune, form: FormState(values: values, issues: e.issues, lang: req.lang),
                                        chosen: Set(f.procedureIds ?? []), status: e.status)
        }
    }

    struct QRItem: Encodable { var name: String; var summary: String; var shortURL: String; var svg: String; var pngURL: String; var svgURL: String }
    struct FigureRow: Encodable { var period: String; var cells: [Int]; var total: Int }
    struct Bar: Encodable { var x: Int; var y: Int; var height: Int; var label: String; var value: Int }
    struct BoardPage: Encodable {
        var layout: Layout
        var board: BoardDTO
        var village: String
        var items: [QRItem]
        var posterURL: String
        var procedureNames: [String]
        var days: [FigureRow]
        var months: [FigureRow]
        var bars: [Bar]
        var chartWidth: Int
        var totalScans: Int
    }

    static func table(_ figs: [ScanFigureDTO], order: [UUID]) -> [FigureRow] {
        let periods = Array(Set(figs.map(\.period))).sorted()
        return periods.map { period in
            let cells = order.map { pid in figs.filter { $0.period == period && $0.procedureId == pid }.reduce(0) { $0 + $1.scans } }
            return FigureRow(period: period.count == 10 ? Day.display(period) : period, cells: cells, total: cells.reduce(0, +))
        }
    }

    func board(req: Request) async throws -> View {
        let b = try await ProcScope.row(QrBoard.self, req, .manageProcedures) { $0.communeID }
        guard let commune = try await AdminUnit.find(b.communeID, on: req.db) else { throw Abort(.notFound) }
        let dto = try await BoardActions.dto(b, link: req.config.printedURL, on: req.db)
        let since = Day.adding(-29, to: Day.today())
        let days = try await BoardActions.figures(boardID: b.id!, byMonth: false, since: since, on: req.db)
        let months = try await BoardActions.figures(boardID: b.id!, byMonth: true, since: Day.adding(-365, to: Day.today()), on: req.db)
        let order = dto.procedures.map(\.procedureId)
        // A bar per day of the last 30 days, highest = 100 px.
        var perDay: [String: Int] = [:]
        for f in days { perDay[f.period, default: 0] += f.scans }
        let top = max(1, perDay.values.max() ?? 1)
        let bars = (0..<30).map { i -> Bar in
            let d = Day.adding(i - 29, to: Day.today())
            let v = perDay[d] ?? 0
            let h = v * 100 / top
            return Bar(x: i * 12, y: 110 - h, height: h, label: Day.display(d), value: v)
        }
        let title = "\(req.lang.t("proc.board")) · \(b.place)"
        return try await req.view.render("procedures/board", BoardPage(
            layout: Layout(req, title: title, crumbs: try await Self.crumbs(req, commune, Crumb(name: req.lang.t("proc.boards"), url: SiteURL.boards(.id(commune.id!)).path))),
            board: dto, village: try await b.villageID.asyncMap { try await AdminUnit.find($0, on: req.db)?.name ?? "" } ?? "",
            items: dto.procedures.map { QRItem(name: $0.name, summary: "", shortURL: $0.shortUrl, svg: QRCode.svg($0.shortUrl, size: 160) ?? "",
                                                pngURL: SiteURL.scanPNG($0.shortCode).path, svgURL: SiteURL.scanSVG($0.shortCode).path) },
            posterURL: SiteURL.boardPoster(.id(b.id!)).path, procedureNames: dto.procedures.map(\.name),
            days: Self.table(days, order: order).reversed(), months: Self.table(months, order: order).reversed(),
            bars: bars, chartWidth: 360, totalScans: perDay.values.reduce(0, +)))
    }

    struct PosterPage: Encodable {
        var layout: Layout
        var communeName: String
        var place: String
        var items: [QRItem]
        var contact: String
    }

    func poster(req: Request) async throws -> View {
        let b = try await ProcScope.row(QrBoard.self, req, .manageProcedures) { $0.communeID }
        guard let commune = try await AdminUnit.find(b.communeID, on: req.db) else { throw Abort(.notFound) }
        let dto = try await BoardActions.dto(b, link: req.config.printedURL, on: req.db)
        let procs = try await Procedure.query(on: req.db).filter(\.$id ~~ dto.procedures.map(\.procedureId)).all()
        let summary = Dictionary(uniqueKeysWithValues: procs.map { ($0.id!, $0.summary) })
        let handledBy = procs.first?.handledBy ?? ProcedureCatalogSeed.handledBy
        return try await req.view.render("procedures/poster", PosterPage(
            layout: Layout(req, title: "\(req.lang.t("proc.poster")) · \(b.place)"), communeName: commune.name, place: b.place,
            items: dto.procedures.map { QRItem(name: $0.name, summary: summary[$0.procedureId] ?? "", shortURL: $0.shortUrl,
                                               svg: QRCode.svg($0.shortUrl, size: 150, level: .quartile) ?? "", pngURL: "", svgURL: "") },
            contact: b.contact.isEmpty ? "\(handledBy) · \(commune.name)" : b.contact))
    }

    /// A scan: counted, then on to the guide.
    func scan(req: Request) async throws -> Response {
        guard let (p, commune) = try await BoardActions.scan(req.parameters.get("code") ?? "", on: req.db) else { throw Abort(.notFound) }
        return req.redirect(to: SiteURL.guide(commune.code, p.key).path, redirectType: .normal)
    }

    static func shortURL(_ req: Request) async throws -> String {
        let code = req.parameters.get("code") ?? ""
        guard code.count <= 12, try await BoardProcedure.query(on: req.db).filter(\.$shortCode == code).count() > 0 else { throw Abort(.notFound) }
        return try req.config.printedURL(.scan(code))
    }

    func qrSVG(req: Request) async throws -> Response {
        guard let svg = QRCode.svg(try await Self.shortURL(req), size: 300) else { throw Abort(.notFound) }
        return Response(status: .ok, headers: ["Content-Type": "image/svg+xml", "Cache-Control": "public, max-age=86400"], body: .init(string: svg))
    }

    func qrPNG(req: Request) async throws -> Response {
        guard let png = QRCode.png(try await Self.shortURL(req), scale: 8) else { throw Abort(.notFound) }
        return Response(status: .ok, headers: ["Content-Type": "image/png", "Cache-Control": "public, max-age=86400"], body: .init(data: Data(png)))
    }
}
