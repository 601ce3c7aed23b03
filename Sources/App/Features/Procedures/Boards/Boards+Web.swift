// HTML pages of the QR boards (list, poster, scan figures, the QR images and the short scan address), registered with
// the catalog's pages in ProceduresWeb.addRoutes.
import Fluent
import Vapor

extension ProceduresWeb {
    struct BoardRow: Encodable { var place: String; var village: String; var coordinates: String; var procedures: String; var url: String; var scans: Int }
    struct BoardsPage: Encodable {
        var layout: Layout
        var rows: [BoardRow]
        var villages: [SelectOption]
        var procedures: [SelectOption]
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
            layout: Layout(req, title: "\(title) · \(commune.name)", crumbs: try await ProcedureViews.crumbs(req, commune, Crumb(name: title, url: req.urlPath))),
            rows: rows,
            villages: [SelectOption(value: "", label: "—", selected: (form.values["villageId"] ?? "").isEmpty)]
                + villages.map { SelectOption(value: $0.id!.uuidString, label: $0.name, selected: form.values["villageId"] == $0.id!.uuidString) },
            procedures: catalog.map { SelectOption(value: $0.id!.uuidString, label: $0.name, selected: chosen.contains($0.id!.uuidString)) },
            form: form, action: SiteURL.boards(.id(commune.id!)).path))
        return try await view.encodeResponse(status: status, for: req)
    }

    func boards(req: Request) async throws -> Response {
        try await boardsPage(req, try req.scoped(ScopedCommune.self).unit)
    }

    struct BoardForm: Content { var villageId: String?; var place: String?; var latitude: String?; var longitude: String?; var contact: String?; var procedureIds: [String]? }

    func createBoard(req: Request) async throws -> Response {
        let commune = try req.scoped(ScopedCommune.self).unit
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
        let b = try req.scoped(QrBoard.self)
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
            layout: Layout(req, title: title, crumbs: try await ProcedureViews.crumbs(req, commune, Crumb(name: req.lang.t("proc.boards"), url: SiteURL.boards(.id(commune.id!)).path))),
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
        let b = try req.scoped(QrBoard.self)
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
