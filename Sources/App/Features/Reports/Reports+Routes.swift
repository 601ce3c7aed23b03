// Reports's routes, joined here (pages under SiteURL's "reports" section, JSON under APIURL's, Open311 under
// /open311/v2). Public: the form, the list and a report's page of a commune, the reporter's look-up. Officials
// (handleReports): the queue, a report, its changes, its photos.
import Fluent
import SQLKit
import Vapor

enum ReportsRoutes {
    static func add(open: any RoutesBuilder, signedIn web: any RoutesBuilder, openAPI: any RoutesBuilder,
                    signedInAPI api: any RoutesBuilder, config: AppConfig) {
        let w = ReportsWeb()
        open.get(SiteURL.reportNew(":commune").components, use: w.newPage).rule(.open)
        let limit = config.reports.photoMaxMB * ReportActions.maxPhotos * 1_048_576 + 262_144
        open.on(.POST, SiteURL.reportNew(":commune").components, body: .collect(maxSize: ByteCount(value: limit)), use: w.submit).rule(.open).maxBody(limit)
        open.get(SiteURL.reportsPublic(":commune").components, use: w.publicList).rule(.open)
        open.get(SiteURL.reportPublic(":commune", ":code").components, use: w.publicPage).rule(.open)
        open.get(SiteURL.reportLookup.components, use: w.lookup).rule(.open)
        web.get(SiteURL.myReports.components, use: w.mine).rule(.signedIn)
        web.get(SiteURL.reports.components, use: w.queue).rule(.list(.handleReports))
        web.get(SiteURL.report(.key).components, use: w.show).rule(.report(.handleReports))
        web.post(SiteURL.reportChange(.key).components, use: w.change).rule(.report(.handleReports))
        web.get(SiteURL.reportPhoto(.key).components, use: w.photo).rule(.reportPhoto(.handleReports))

        let a = ReportsAPI()
        openAPI.post(APIURL.reports.components, use: a.submit).rule(.open)
        openAPI.get(APIURL.reportLookup.components, use: a.lookup).rule(.open)
        openAPI.get(APIURL.reportAssets.components, use: a.nearby).rule(.open)
        api.get(APIURL.reports.components, use: a.queue).rule(.list(.handleReports))
        api.get(APIURL.report(.key).components, use: a.show).rule(.report(.handleReports))
        api.post(APIURL.reportChange(.key).components, use: a.change).rule(.report(.handleReports))

        Open311Routes().add(open)
    }
}

extension Lang {
    func category(_ c: ReportCategory) -> String { t("reports.category.\(c.rawValue)") }
    func status(_ s: ReportStatus) -> String { t("reports.status.\(s.rawValue)") }
    /// "3 ngày", "5 giờ": how long since `from`.
    func age(_ from: Date, now: Date) -> String {
        let hours = max(0, Int(now.timeIntervalSince(from) / 3600))
        return hours >= 48 ? t("reports.ageDays", [String(hours / 24)]) : t("reports.ageHours", [String(hours)])
    }
}

struct ReportsWeb {
    struct Choice: Encodable { var value: String; var label: String; var selected: Bool }
    struct FormPage: Encodable {
        var layout: Layout
        var commune: String
        var action: String
        var categories: [Choice]
        var villages: [Choice]
        var assets: [Choice]
        var searchedAssets: Bool
        var householdSignedIn: Bool
        var form: FormState
        var sent: String?
        var publicURL: String
        var lookupURL: String
        var confirm: ConfirmBox?
        var scriptURL: String
        var map: MapPicker
    }

    /// The map to pick the place on (Public/js/report.js with Leaflet): where it opens, the basemap when one is
    /// configured (MAP_TILE_URL; else a plain grid), and where it asks for the assets near the point picked.
    struct MapPicker: Encodable {
        var latitude: String
        var longitude: String
        var zoom: Int
        var tiles: String
        var nearbyURL: String
        var leafletJS: String
        var leafletCSS: String
    }

    /// Opens on the point already in the form, else on the middle of the commune's assets, else on Vietnam.
    static func mapPicker(_ req: Request, _ commune: AdminUnit, _ values: [String: String]) async throws -> MapPicker {
        var lat = 16.0, lon = 106.0, zoom = 5
        if case .success(let p?) = GeoPoint.parse(latitude: values["latitude"], longitude: values["longitude"]) {
            (lat, lon, zoom) = (p.latitude, p.longitude, 17)
        } else if let sql = req.db as? any SQLDatabase, let row = try await sql.raw("""
            SELECT AVG(latitude) AS lat, AVG(longitude) AS lon FROM assets WHERE commune_id = \(bind: commune.id!) AND latitude IS NOT NULL AND longitude IS NOT NULL
            """).first(), let la = try row.decode(column: "lat", as: Double?.self), let lo = try row.decode(column: "lon", as: Double?.self) {
            (lat, lon, zoom) = (la, lo, 14)
        }
        return MapPicker(latitude: AssetGeoJSON.coordinate(lat), longitude: AssetGeoJSON.coordinate(lon), zoom: zoom, tiles: req.config.mapTileURL ?? "",
                         nearbyURL: APIURL.reportAssets.path + "?commune=" + commune.code, leafletJS: SiteURL.leafletScript.path, leafletCSS: SiteURL.leafletStyle.path)
    }

    struct Form: Decodable {
        var category, latitude, longitude, assetId, villageId, place, description, phone, name, step: String?
        var photos: [File]?
    }

    static func commune(_ req: Request) async throws -> AdminUnit {
        try await ProcScope.communeByCode(req.parameters.get("commune") ?? "", on: req.db)
    }

    func render(_ req: Request, _ commune: AdminUnit, form: FormState = FormState(), assets: [NearbyAssetDTO]? = nil, sent: String? = nil,
                confirm: ConfirmBox? = nil, status: HTTPResponseStatus = .ok) async throws -> Response {
        let lang = req.lang
        let villages = try await AdminUnit.query(on: req.db).filter(\.$parentID == commune.id!).filter(\.$kind == .village).sort(\.$name).all()
        let v = form.values
        var assetChoices = (assets ?? []).map { a in
            Choice(value: a.id.uuidString, label: "\(a.name) · \(lang.t("reports.metres", [String(a.metres)]))", selected: v["assetId"] == a.id.uuidString)
        }
        // An asset picked earlier stays offered when the form comes back with an error.
        if let raw = v["assetId"], !raw.isEmpty, !assetChoices.contains(where: { $0.value == raw }), let id = UUID(uuidString: raw),
           let a = try await Asset.find(id, on: req.db), a.communeID == commune.id {
            assetChoices.append(Choice(value: raw, label: a.name, selected: true))
        }
        let page = FormPage(
            layout: Layout(req, title: "\(lang.t("reports.new")) · \(commune.name)", needsToken: true), commune: commune.name,
            action: SiteURL.reportNew(commune.code).path,
            categories: ReportCategory.allCases.map { Choice(value: $0.rawValue, label: lang.category($0), selected: v["category"] == $0.rawValue) },
            villages: villages.map { Choice(value: $0.id!.uuidString, label: $0.name, selected: v["villageId"] == $0.id!.uuidString) },
            assets: assetChoices, searchedAssets: assets != nil, householdSignedIn: req.access.householdID != nil, form: form, sent: sent,
            publicURL: SiteURL.reportsPublic(commune.code).path, lookupURL: SiteURL.reportLookup.path, confirm: confirm, scriptURL: SiteURL.reportScript.path,
            map: try await Self.mapPicker(req, commune, v))
        return try await req.view.render("reports/new", page).encodeResponse(status: status, for: req)
    }

    /// `?latitude=…&longitude=…` (and `category`, `assetId`) fill the form in: a link from a map or an asset's
    /// board opens it on that point, and the page's map on it, with the assets near it.
    func newPage(req: Request) async throws -> Response {
        var values: [String: String] = [:]
        for k in ["latitude", "longitude", "category", "assetId"] {
            if let v = req.queryValue(k), !v.isEmpty { values[k] = String(v.prefix(64)) }
        }
        return try await render(req, try await Self.commune(req), form: FormState(values: values))
    }

    func submit(req: Request) async throws -> Response {
        let commune = try await Self.commune(req)
        let f = try req.uploadForm(Form.self)
        var values: [String: String] = [:]
        for (k, x) in [("category", f.category), ("latitude", f.latitude), ("longitude", f.longitude), ("assetId", f.assetId), ("villageId", f.villageId),
                       ("place", f.place), ("description", f.description), ("phone", f.phone), ("name", f.name)] { values[k] = x ?? "" }
        let point = GeoPoint.parse(latitude: f.latitude, longitude: f.longitude)
        if f.step == "near" {
            // Without JavaScript: the same form, with the assets near the point typed to pick from.
            switch point {
            case .success(let p?):
                return try await render(req, commune, form: FormState(values: values), assets: try await ReportActions.nearbyAssets(commune.id!, p, on: req.db))
            case .success(nil):
                return try await render(req, commune, form: FormState(values: values, issues: [FieldIssue("latitude", "error.required")], lang: req.lang), status: .unprocessableEntity)
            case .failure(let e):
                return try await render(req, commune, form: FormState(values: values, issues: e.issues, lang: req.lang), status: .unprocessableEntity)
            }
        }
        let photos = (f.photos ?? []).filter { !($0.filename.isEmpty && $0.data.readableBytes == 0) }.map { IncomingPhoto(filename: $0.filename, data: $0.data) }
        let input = ReportInput(category: f.category, assetId: f.assetId, villageId: f.villageId, place: f.place, description: f.description, phone: f.phone, name: f.name)
        do {
            let r = try await ReportActions.submit(input, point: point, commune: commune,
                                                   sender: ReportSender(householdID: req.access.householdID, origin: Origin(req), tokenID: nil, source: "web"),
                                                   photos: photos, config: req.config, on: req.db, now: req.now)
            let outcome = try await PhoneConfirm.afterSubmit(.row(table: FeedbackReport.schema, id: r.id!), phone: r.phone, householdID: r.householdID, communeID: r.communeID, req)
            return try await render(req, commune, sent: r.code, confirm: PhoneConfirm.box(outcome, phone: r.phone, req))
        } catch let e as InvalidInput {
            return try await render(req, commune, form: FormState(values: values, issues: e.issues, lang: req.lang), status: e.status)
        } catch let e as TooManyRequests {
            return try await render(req, commune, form: FormState(values: values, errors: ["limit": req.lang.t(e.key)]), status: .tooManyRequests)
        }
    }

    // MARK: public

    struct PublicRow: Encodable {
        var code: String; var url: String; var category: String; var unit: String; var age: String; var status: String; var statusKey: String
        var answer: String?; var closeReason: String?; var submitted: String; var point: String?; var asset: String?
    }
    struct PublicListPage: Encodable { var layout: Layout; var commune: String; var rows: [PublicRow]; var newURL: String; var lookupURL: String; var state: String }
    struct EventRow: Encodable { var at: String; var what: String; var note: String?; var by: String? }
    struct PublicPage: Encodable { var layout: Layout; var commune: String; var r: PublicRow; var events: [EventRow]; var listURL: String; var newURL: String }

    static func publicRow(_ d: PublicReportDTO, communeCode: String, _ req: Request) -> PublicRow {
        PublicRow(code: d.code, url: SiteURL.reportPublic(communeCode, d.code).path, category: req.lang.category(d.category), unit: d.unitName,
                  age: req.lang.age(d.submittedAt, now: req.now), status: req.lang.status(d.status), statusKey: d.status.rawValue, answer: d.answer,
                  closeReason: d.closeReason, submitted: Moment.display(d.submittedAt),
                  point: d.latitude.flatMap { la in d.longitude.map { String(format: "%.5f, %.5f", la, $0) } }, asset: d.assetName)
    }

    func publicList(req: Request) async throws -> View {
        let commune = try await Self.commune(req)
        let state = req.queryValue("state") ?? ""
        let q = FeedbackReport.query(on: req.db).filter(\.$communeID == commune.id!)
        if state == "open" { q.filter(\.$status ~~ ReportStatus.allCases.filter(\.isOpen)) }
        else if state == "closed" { q.filter(\.$status ~~ ReportStatus.allCases.filter { !$0.isOpen }) }
        let rows = try await q.sort(\.$submittedAt, .descending).limit(200).all()
        let dtos = try await ReportQueries.publicDTOs(rows, on: req.db)
        return try await req.view.render("reports/public-list", PublicListPage(
            layout: Layout(req, title: "\(req.lang.t("reports.publicList")) · \(commune.name)"), commune: commune.name,
            rows: dtos.map { Self.publicRow($0, communeCode: commune.code, req) }, newURL: SiteURL.reportNew(commune.code).path,
            lookupURL: SiteURL.reportLookup.path, state: state))
    }

    func publicPage(req: Request) async throws -> View {
        let commune = try await Self.commune(req)
        let code = (req.parameters.get("code") ?? "").uppercased()
        guard code.count == 8, let r = try await FeedbackReport.query(on: req.db).filter(\.$code == code).filter(\.$communeID == commune.id!).first() else {
            throw Abort(.notFound)
        }
        let d = try await ReportQueries.publicDTOs([r], on: req.db)[0]
        // The history without who did it or what they wrote (an assignee's name, a note): only what happened when.
        let events = try await ReportEvent.query(on: req.db).filter(\.$reportID == r.id!).sort(\.$at).all()
        return try await req.view.render("reports/public", PublicPage(
            layout: Layout(req, title: "\(req.lang.t("reports.title")) \(r.code) · \(commune.name)"), commune: commune.name,
            r: Self.publicRow(d, communeCode: commune.code, req),
            events: events.map { EventRow(at: Moment.display($0.at), what: req.lang.t("reports.event.\($0.kind)"), note: nil, by: nil) },
            listURL: SiteURL.reportsPublic(commune.code).path, newURL: SiteURL.reportNew(commune.code).path))
    }

    // MARK: the reporter's own

    struct OwnReport: Encodable {
        var code: String; var category: String; var status: String; var statusKey: String; var unit: String; var submitted: String; var place: String?
        var description: String; var answer: String?; var closeReason: String?; var photos: Int; var events: [EventRow]; var publicURL: String
    }
    struct LookupPage: Encodable { var layout: Layout; var title: String; var reports: [OwnReport]; var form: FormState; var showForm: Bool }

    static func own(_ r: FeedbackReport, _ req: Request) async throws -> OwnReport {
        let d = try await ReportQueries.detail(r, on: req.db)
        let unit = try await AdminUnit.find(r.unitID, on: req.db)
        let commune = try await AdminUnit.find(r.communeID, on: req.db)
        return OwnReport(code: r.code, category: req.lang.category(r.category), status: req.lang.status(r.status), statusKey: r.status.rawValue,
                         unit: unit?.name ?? "", submitted: Moment.display(r.submittedAt), place: r.place, description: r.description, answer: r.answer,
                         closeReason: r.closeReason, photos: d.photos.count,
                         events: d.events.map { EventRow(at: Moment.display($0.at), what: req.lang.t("reports.event.\($0.kind)"), note: $0.kind == "assigned" ? nil : $0.note, by: nil) },
                         publicURL: SiteURL.reportPublic(commune?.code ?? "", r.code).path)
    }

    func lookup(req: Request) async throws -> Response {
        struct Q: Decodable { var phone: String?; var code: String? }
        let q = (try? req.query.decode(Q.self)) ?? Q()
        let values = ["phone": q.phone ?? "", "code": q.code ?? ""]
        let layout = Layout(req, title: req.lang.t("reports.lookup"))
        guard !(q.code ?? "").isEmpty else {
            return try await req.view.render("reports/lookup", LookupPage(layout: layout, title: req.lang.t("reports.lookup"), reports: [], form: FormState(values: values), showForm: true)).encodeResponse(for: req)
        }
        do {
            let r = try await ReportLookup.find(req, code: q.code, phone: q.phone)
            // Reading a report with its reporter's phone is a view of personal data: audited like the registry's.
            try await Audit.record("view", FeedbackReport.schema, row: r.id, unit: r.unitID, on: req.db)
            return try await req.view.render("reports/lookup", LookupPage(layout: layout, title: req.lang.t("reports.lookup"), reports: [try await Self.own(r, req)],
                                                                         form: FormState(values: values), showForm: true)).encodeResponse(for: req)
        } catch let e as InvalidInput {
            return try await req.view.render("reports/lookup", LookupPage(layout: layout, title: req.lang.t("reports.lookup"), reports: [],
                                                                         form: FormState(values: values, issues: e.issues, lang: req.lang), showForm: true)).encodeResponse(status: e.status, for: req)
        }
    }

    func mine(req: Request) async throws -> View {
        guard let h = req.access.householdID else { throw Abort(.notFound) }
        let rows = try await FeedbackReport.query(on: req.db).filter(\.$householdID == h).sort(\.$submittedAt, .descending).limit(100).all()
        var own: [OwnReport] = []
        for r in rows { own.append(try await Self.own(r, req)) }
        return try await req.view.render("reports/lookup", LookupPage(layout: Layout(req, title: req.lang.t("reports.mine")), title: req.lang.t("reports.mine"),
                                                                     reports: own, form: FormState(), showForm: false))
    }

    // MARK: officials

    struct QueueRow: Encodable {
        var url: String; var code: String; var category: String; var unit: String; var age: String; var status: String; var statusKey: String; var place: String
    }
    struct QueuePage: Encodable {
        var layout: Layout; var rows: [QueueRow]; var states: [Choice]; var categories: [Choice]; var villages: [Choice]; var action: String
    }

    struct Filter { var status: [ReportStatus]; var category: ReportCategory?; var unit: UUID?; var stateRaw: String }

    static func filter(_ req: Request) throws -> Filter {
        struct Q: Decodable { var state: String?; var category: String?; var village: String? }
        let q = (try? req.query.decode(Q.self)) ?? Q()
        let raw = q.state ?? "open"
        var status: [ReportStatus] = []
        if raw == "open" || raw.isEmpty { status = ReportStatus.allCases.filter(\.isOpen) }
        else if raw == "all" { status = [] }
        else if let s = ReportStatus(rawValue: raw) { status = [s] }
        else { throw InvalidInput("state", "reports.error.action", status: .badRequest) }
        var category: ReportCategory? = nil
        if let c = q.category, !c.isEmpty {
            guard let v = ReportCategory(rawValue: c) else { throw InvalidInput("category", "reports.error.category", status: .badRequest) }
            category = v
        }
        var unit: UUID? = nil
        if let v = q.village, !v.isEmpty {
            guard let id = UUID(uuidString: v) else { throw InvalidInput("village", "reports.error.unknownVillage", status: .badRequest) }
            unit = id
        }
        return Filter(status: status, category: category, unit: unit, stateRaw: raw.isEmpty ? "open" : raw)
    }

    func queue(req: Request) async throws -> View {
        let f = try Self.filter(req)
        let rows = try await ReportQueries.queue(roots: req.access.roots(.handleReports), status: f.status, category: f.category, unit: f.unit, on: req.db)
        let unitIDs = Array(Set(rows.map(\.unitID)))
        let units = try await AdminUnit.query(on: req.db).filter(\.$id ~~ unitIDs).all()
        let names = Dictionary(uniqueKeysWithValues: units.map { ($0.id!, $0.name) })
        // The villages the caller may filter by: those under their units.
        let vq = AdminUnit.query(on: req.db).filter(\.$kind == .village)
        if let roots = req.access.roots(.handleReports) { vq.filter(.sql(UnitClosure.below(AdminUnit.schema, "id", roots))) }
        let villages = try await vq.sort(\.$name).limit(300).all()
        let lang = req.lang
        return try await req.view.render("reports/queue", QueuePage(
            layout: Layout(req, title: lang.t("reports.queue")),
            rows: rows.map { r in QueueRow(url: SiteURL.report(.id(r.id!)).path, code: r.code, category: lang.category(r.category), unit: names[r.unitID] ?? "",
                                           age: lang.age(r.submittedAt, now: req.now), status: lang.status(r.status), statusKey: r.status.rawValue,
                                           place: r.place ?? r.latitude.map { String(format: "%.5f, %.5f", $0, r.longitude ?? 0) } ?? "") },
            states: [Choice(value: "open", label: lang.t("reports.open"), selected: f.stateRaw == "open"), Choice(value: "all", label: lang.t("reports.all"), selected: f.stateRaw == "all")]
                + ReportStatus.allCases.map { Choice(value: $0.rawValue, label: lang.status($0), selected: f.stateRaw == $0.rawValue) },
            categories: ReportCategory.allCases.map { Choice(value: $0.rawValue, label: lang.category($0), selected: f.category == $0) },
            villages: villages.map { Choice(value: $0.id!.uuidString, label: $0.name, selected: f.unit == $0.id) }, action: SiteURL.reports.path))
    }

    struct DetailPage: Encodable {
        var layout: Layout; var r: OwnReport; var reporter: String; var phone: String?; var photos: [Choice]; var events: [EventRow]
        var assignees: [Choice]; var changeURL: String; var isOpen: Bool; var canAcknowledge: Bool; var form: FormState; var asset: String?; var point: String?
    }

    func renderShow(_ req: Request, _ r: FeedbackReport, form: FormState = FormState(), status: HTTPResponseStatus = .ok) async throws -> Response {
        let d = try await ReportQueries.detail(r, on: req.db)
        var reporter = r.reporterName ?? ""
        if let h = r.householdID, let hh = try await Household.find(h, on: req.db) { reporter = req.lang.t("reports.household", [hh.code]) }
        let people = try await ReportActions.assignees(r, on: req.db)
        var asset: Asset? = nil
        if let id = r.assetID { asset = try await Asset.find(id, on: req.db) }
        // An official opening a report sees its reporter's phone and words: a view of personal data, audited.
        try await Audit.record("view", FeedbackReport.schema, row: r.id, unit: r.unitID, on: req.db)
        let page = DetailPage(
            layout: Layout(req, title: "\(req.lang.t("reports.title")) \(r.code)", crumbs: [Crumb(name: req.lang.t("reports.queue"), url: SiteURL.reports.path)]),
            r: try await Self.own(r, req), reporter: reporter, phone: r.phone,
            photos: d.photos.enumerated().map { Choice(value: SiteURL.reportPhoto(.id($1.id)).path, label: req.lang.t("reports.photo", [String($0 + 1)]), selected: false) },
            events: d.events.map { EventRow(at: Moment.display($0.at), what: req.lang.t("reports.event.\($0.kind)"), note: $0.note, by: $0.byName) },
            assignees: people.map { Choice(value: $0.id.uuidString, label: $0.name, selected: r.assigneePersonID == $0.id) },
            changeURL: SiteURL.reportChange(.id(r.id!)).path, isOpen: r.status.isOpen, canAcknowledge: r.status == .submitted, form: form,
            asset: asset?.name, point: r.latitude.map { String(format: "%.5f, %.5f", $0, r.longitude ?? 0) })
        return try await req.view.render("reports/report", page).encodeResponse(status: status, for: req)
    }

    func show(req: Request) async throws -> Response { try await renderShow(req, try req.scoped(FeedbackReport.self)) }

    func change(req: Request) async throws -> Response {
        let r = try req.scoped(FeedbackReport.self)
        let input = (try? req.content.decode(ReportChangeInput.self)) ?? ReportChangeInput()
        do {
            _ = try await ReportActions.change(r, input, by: req.access, on: req.db, now: req.now)
            return req.redirect(to: SiteURL.report(.id(r.id!)).path, redirectType: .normal)
        } catch let e as InvalidInput {
            return try await renderShow(req, r, form: FormState(values: ["answer": input.answer ?? "", "reason": input.reason ?? ""], issues: e.issues, lang: req.lang), status: e.status)
        }
    }

    func photo(req: Request) async throws -> Response {
        let p = try req.scoped(ReportPhoto.self)
        let r = try req.scoped(FeedbackReport.self)
        try await Audit.record("viewPhoto", ReportPhoto.schema, row: p.id, unit: r.unitID, on: req.db)
        let res = try await req.fileio.asyncStreamFile(at: ReportActions.photoPath(p.storedName, config: req.config))
        res.headers.replaceOrAdd(name: .contentType, value: p.contentType)
        res.headers.replaceOrAdd(name: .cacheControl, value: "private, no-store")
        res.headers.replaceOrAdd(name: .contentDisposition, value: "inline")
        return res
    }
}

struct ReportsAPI {
    func submit(req: Request) async throws -> Response {
        let input = try req.content.decode(ReportInput.self)
        var commune: AdminUnit? = nil
        if let h = req.access.householdID, let hh = try await Household.find(h, on: req.db) {
            commune = try await AdminUnit.find(hh.communeID, on: req.db)
        } else {
            let code = (input.communeCode ?? "").trimmingCharacters(in: .whitespaces)
            if code.isEmpty { throw InvalidInput("communeCode", "error.required") }
            commune = try? await ProcScope.communeByCode(code, on: req.db)
            if commune == nil { throw InvalidInput("communeCode", "reports.error.commune") }
        }
        var point: Result<GeoPoint?, InvalidInput> = .success(nil)
        switch (input.latitude, input.longitude) {
        case (nil, nil): break
        case (let la?, let lo?):
            let p = GeoPoint(latitude: la, longitude: lo)
            let issues = p.check()
            point = issues.isEmpty ? .success(p) : .failure(InvalidInput(issues))
        case (nil, _): point = .failure(InvalidInput("latitude", "error.required"))
        case (_, nil): point = .failure(InvalidInput("longitude", "error.required"))
        }
        let r = try await ReportActions.submit(input, point: point, commune: commune!,
                                               sender: ReportSender(householdID: req.access.householdID, origin: Origin(req), tokenID: nil, source: "api"),
                                               config: req.config, on: req.db, now: req.now)
        let outcome = try await PhoneConfirm.afterSubmit(.row(table: FeedbackReport.schema, id: r.id!), phone: r.phone, householdID: r.householdID, communeID: r.communeID, req)
        var dto = r.toDTO()
        dto.confirmationId = PhoneConfirm.id(outcome)
        return try await dto.encodeResponse(status: .created, for: req)
    }

    func lookup(req: Request) async throws -> ReportDetailDTO {
        struct Q: Decodable { var phone: String?; var code: String? }
        let q = (try? req.query.decode(Q.self)) ?? Q()
        let r = try await ReportLookup.find(req, code: q.code, phone: q.phone)
        try await Audit.record("view", FeedbackReport.schema, row: r.id, unit: r.unitID, on: req.db)
        return try await ReportQueries.detail(r, on: req.db)
    }

    func nearby(req: Request) async throws -> [NearbyAssetDTO] {
        struct Q: Decodable { var commune: String?; var latitude: String?; var longitude: String? }
        let q = (try? req.query.decode(Q.self)) ?? Q()
        guard let commune = try? await ProcScope.communeByCode(q.commune ?? "", on: req.db) else { throw InvalidInput("commune", "reports.error.commune") }
        switch GeoPoint.parse(latitude: q.latitude, longitude: q.longitude) {
        case .success(let p?): return try await ReportActions.nearbyAssets(commune.id!, p, on: req.db)
        case .success(nil): throw InvalidInput("latitude", "error.required")
        case .failure(let e): throw e
        }
    }

    func queue(req: Request) async throws -> [ReportDTO] {
        let f = try ReportsWeb.filter(req)
        return try await ReportQueries.queue(roots: req.access.roots(.handleReports), status: f.status, category: f.category, unit: f.unit, on: req.db).map { $0.toDTO() }
    }

    func show(req: Request) async throws -> ReportDetailDTO {
        let r = try req.scoped(FeedbackReport.self)
        try await Audit.record("view", FeedbackReport.schema, row: r.id, unit: r.unitID, on: req.db)
        return try await ReportQueries.detail(r, on: req.db)
    }

    func change(req: Request) async throws -> ReportDetailDTO {
        let r = try req.scoped(FeedbackReport.self)
        let input = try req.content.decode(ReportChangeInput.self)
        return try await ReportQueries.detail(try await ReportActions.change(r, input, by: req.access, on: req.db, now: req.now), on: req.db)
    }
}

/// A report found by its code and the reporter's phone (or the signed-in household), behind the look-up limit shared
/// with the procedures' `/lookup` (LookupGuard): a miss counts against the caller's address; past the limit, 429.
enum ReportLookup {
    static func find(_ req: Request, code: String?, phone: String?) async throws -> FeedbackReport {
        try await LookupGuard.admit(req)
        do {
            return try await ReportActions.lookup(code: code, phone: phone, householdID: req.access.householdID, on: req.db)
        } catch let e as InvalidInput {
            try await LookupGuard.miss(req)
            throw e
        }
    }
}
