// The assets' pages: the register (filters, figures per village and kind, paged and printable), a new asset and
// its change, an asset's page (status, faults, maintenance, history, caretaker, campaign), the import, and the map
// beside its list (docs/assets.md). Everything works without JavaScript; the map only adds.
import Fluent
import SQLKit
import Vapor

struct AssetsWeb {
    let maxUploadBytes: Int
    /// MAP_TILE_URL: a basemap's tile address, or nil for points over a plain grid.
    let tileURL: String?

    func add(_ web: any RoutesBuilder) {
        web.get(SiteURL.assets.components, use: list).rule(.list(.manageAssets))
        web.get(SiteURL.assetsMap.components, use: map).rule(.list(.manageAssets))
        web.get(SiteURL.assetNew.components, use: newForm).rule(.action(.manageAssets))
        web.post(SiteURL.assets.components, use: create).rule(.action(.manageAssets))
        web.get(SiteURL.asset(.key).components, use: show).rule(.asset(.manageAssets))
        web.get(SiteURL.assetEdit(.key).components, use: editForm).rule(.asset(.manageAssets))
        web.post(SiteURL.assetEdit(.key).components, use: edit).rule(.asset(.manageAssets))
        web.post(SiteURL.assetStatus(.key).components, use: status).rule(.asset(.manageAssets))
        web.post(SiteURL.assetFaults(.key).components, use: openFault).rule(.asset(.manageAssets))
        web.post(SiteURL.assetMaintenance(.key).components, use: maintain).rule(.asset(.manageAssets))
        web.post(SiteURL.assetFault(.key).components, use: updateFault).rule(.assetFault(.handleReports))
        web.get(SiteURL.unitAssetsImport(.key).components, use: importForm).rule(.unit(.manageAssets))
        web.on(.POST, SiteURL.unitAssetsImport(.key).components, body: .collect(maxSize: ByteCount(value: maxUploadBytes + 65_536)), use: importUpload)
            .rule(.unit(.manageAssets)).maxBody(maxUploadBytes + 65_536)
        web.get(SiteURL.unitAssetsExport(.key).components, use: export).rule(.unit(.manageAssets))
    }

    // MARK: shared pieces

    /// The unit the register's figures, import and export speak of: the chosen village, else the caller's first
    /// root (a commune before a village), else (a system-wide caller) the first commune.
    static func home(_ req: Request, _ f: AssetFilter) async throws -> AdminUnit? {
        if let u = f.unit { return try await AdminUnit.find(u, on: req.db) }
        if let roots = req.access.roots(.manageAssets) {
            if roots.isEmpty { return nil }
            // Units in force today first (a commune merged away keeps its grant but has no assets of its own any more).
            let units = try await AdminUnit.query(on: req.db).filter(\.$id ~~ roots).all()
            let order: [UnitKind] = [.province, .commune, .village, .group]
            let today = req.today
            return units.sorted { a, b in
                (a.validTo > today ? 0 : 1, order.firstIndex(of: a.kind) ?? 9, a.name) < (b.validTo > today ? 0 : 1, order.firstIndex(of: b.kind) ?? 9, b.name)
            }.first
        }
        return try await AdminUnit.query(on: req.db).filter(\.$kind == .commune).filter(\.$validTo > req.today).sort(\.$name).first()
    }

    /// Villages (and communes, for the form: groups too) inside the caller's units for manageAssets, at most 500.
    static func unitOptions(_ req: Request, kinds: [UnitKind], selected: String) async throws -> [SelectOption] {
        let q = AdminUnit.query(on: req.db).filter(\.$kind ~~ kinds)
        if let roots = req.access.roots(.manageAssets) { q.filter(.sql(UnitClosure.below(AdminUnit.schema, "id", roots))) }
        let units = try await q.sort(\.$code).limit(500).all()
        return units.map { SelectOption(value: $0.id!.uuidString, label: "\($0.name) (\($0.code))", selected: $0.id!.uuidString.lowercased() == selected.lowercased()) }
    }

    static func kindOptions(_ req: Request, selected: String, withBoards: Bool = true) -> [SelectOption] {
        AssetKind.allCases.filter { withBoards || $0 != .qrBoard }.map {
            SelectOption(value: $0.rawValue, label: req.lang.t("assets.kind.\($0.rawValue)"), selected: $0.rawValue == selected)
        }
    }

    static func statusOptions(_ req: Request, selected: String) -> [SelectOption] {
        AssetStatus.allCases.map { SelectOption(value: $0.rawValue, label: req.lang.t("assets.status.\($0.rawValue)"), selected: $0.rawValue == selected) }
    }

    struct Row: Encodable {
        var name: String
        var url: String
        var kind: String
        var status: String
        var statusKey: String
        var unit: String
        var latitude: String
        var longitude: String
        var caretaker: String
        var openFaults: Int
    }

    static func rows(_ req: Request, _ items: [AssetDTO]) -> [Row] {
        items.map { a in
            Row(name: a.name, url: SiteURL.asset(.id(a.id)).path, kind: req.lang.t("assets.kind.\(a.kind.rawValue)"),
                status: req.lang.t("assets.status.\(a.status.rawValue)"), statusKey: a.status.rawValue, unit: a.unitName,
                latitude: a.latitude.map { AssetGeoJSON.coordinate($0) } ?? "", longitude: a.longitude.map { AssetGeoJSON.coordinate($0) } ?? "",
                caretaker: a.caretakerName ?? "", openFaults: a.openFaults)
        }
    }

    struct Filters: Encodable {
        var kinds: [SelectOption]
        var statuses: [SelectOption]
        var villages: [SelectOption]
        var q: String
    }

    static func filters(_ req: Request, _ f: AssetFilter) async throws -> Filters {
        Filters(kinds: kindOptions(req, selected: f.kind?.rawValue ?? ""), statuses: statusOptions(req, selected: f.status?.rawValue ?? ""),
                villages: try await unitOptions(req, kinds: [.village], selected: f.unit?.uuidString ?? ""), q: f.q ?? "")
    }

    /// A filter read leniently for pages: an unknown value is ignored rather than an error page.
    static func pageFilter(_ req: Request) async -> AssetFilter {
        if let f = try? await AssetFilter.from(req) { return f }
        return AssetFilter()
    }

    // MARK: the register

    struct Figure: Encodable { var village: String; var kind: String; var total: Int; var working: Int; var share: String }
    struct ListPage: Encodable {
        var layout: Layout
        var rows: [Row]
        var pager: Pager
        var filters: Filters
        var figures: [Figure]
        var unitName: String
        var newURL: String
        var mapURL: String
        var importURL: String?
        var exportURL: String?
        var listURL: String
        var filterAction: String
    }

    static func figures(_ req: Request, _ list: [AssetFigureDTO]) -> [Figure] {
        list.map { f in
            Figure(village: f.villageName, kind: req.lang.t("assets.kind.\(f.kind.rawValue)"), total: f.total, working: f.workingToday,
                   share: f.workingShare90.map { Self.percent($0, req.lang) } ?? "—")
        }
    }

    static func percent(_ v: Double, _ lang: Lang) -> String {
        let s = String(format: "%.1f", v * 100)
        return (lang == .vi ? s.replacingOccurrences(of: ".", with: ",") : s) + "%"
    }

    func list(req: Request) async throws -> View {
        let f = await Self.pageFilter(req)
        let page = PageRequest(req, defaultPer: req.config.pageSize)
        let result = try await AssetQueries.list(req.access, f, page: page, on: req.db)
        let home = try await Self.home(req, f)
        let figures = try await home.asyncMap { try await AssetQueries.figures(below: $0, kind: f.kind, today: req.today, on: req.db) } ?? []
        let title = req.lang.t("assets.title")
        let query = req.url.query.map { "?" + $0 } ?? ""
        return try await req.view.render("assets/list", ListPage(
            layout: Layout(req, title: title, crumbs: [Crumb(name: title, url: SiteURL.assets.path)]),
            rows: Self.rows(req, result.items), pager: Pager(req, page: page.page, per: page.per, total: result.total),
            filters: try await Self.filters(req, f), figures: Self.figures(req, figures), unitName: home?.name ?? "",
            newURL: SiteURL.assetNew.path, mapURL: SiteURL.assetsMap.path + query,
            importURL: home.map { SiteURL.unitAssetsImport(.id($0.id!)).path }, exportURL: home.map { SiteURL.unitAssetsExport(.id($0.id!)).path },
            listURL: SiteURL.assets.path, filterAction: SiteURL.assets.path))
    }

    // MARK: the map

    struct FaultRow: Encodable { var asset: String; var url: String; var description: String; var status: String; var latitude: String; var longitude: String }
    struct MapPage: Encodable {
        var layout: Layout
        var rows: [Row]
        var faults: [FaultRow]
        var pager: Pager
        var filters: Filters
        var unitName: String
        var geojsonURL: String?
        var tileURL: String
        var leafletJS: String
        var leafletCSS: String
        var script: String
        var listURL: String
        var mapURL: String
        var legend: [SelectOption]
        var filterAction: String
    }

    func map(req: Request) async throws -> View {
        let f = await Self.pageFilter(req)
        let page = PageRequest(req, defaultPer: 200)
        let result = try await AssetQueries.list(req.access, f, page: page, on: req.db)
        let home = try await Self.home(req, f)
        // Unresolved faults with their asset's place (the same filters; at most 200).
        var faults: [FaultRow] = []
        var fq = AssetQueries.query(req.access, f, on: req.db)
        fq = fq.join(AssetFault.self, on: \Asset.$id == \AssetFault.$assetID).filter(AssetFault.self, \.$status ~~ [.open, .assigned])
        for a in try await fq.sort(\.$name).limit(200).all() {
            let fault = try a.joined(AssetFault.self)
            faults.append(FaultRow(asset: a.name, url: SiteURL.asset(.id(a.id!)).path, description: fault.description,
                                   status: req.lang.t("assets.fault.\(fault.status.rawValue)"),
                                   latitude: a.latitude.map { AssetGeoJSON.coordinate($0) } ?? "", longitude: a.longitude.map { AssetGeoJSON.coordinate($0) } ?? ""))
        }
        var geo: String? = nil
        if let u = home {
            var items: [String] = []
            if let k = f.kind { items.append("kind=\(k.rawValue)") }
            if let s = f.status { items.append("status=\(s.rawValue)") }
            geo = APIURL.unitAssetsGeoJSON(.id(u.id!)).path + (items.isEmpty ? "" : "?" + items.joined(separator: "&"))
        }
        let title = req.lang.t("assets.map.title")
        let query = req.url.query.map { "?" + $0 } ?? ""
        return try await req.view.render("assets/map", MapPage(
            layout: Layout(req, title: title, crumbs: [Crumb(name: req.lang.t("assets.title"), url: SiteURL.assets.path), Crumb(name: title, url: SiteURL.assetsMap.path)]),
            rows: Self.rows(req, result.items), faults: faults, pager: Pager(req, page: page.page, per: page.per, total: result.total),
            filters: try await Self.filters(req, f), unitName: home?.name ?? "", geojsonURL: geo, tileURL: tileURL ?? "",
            leafletJS: SiteURL.leafletScript.path, leafletCSS: SiteURL.leafletStyle.path, script: SiteURL.assetsMapScript.path,
            listURL: SiteURL.assets.path + query, mapURL: SiteURL.assetsMap.path,
            legend: AssetStatus.allCases.map { SelectOption(value: $0.rawValue, label: req.lang.t("assets.status.\($0.rawValue)")) }
                + [SelectOption(value: "fault", label: req.lang.t("assets.map.openFault"))], filterAction: SiteURL.assetsMap.path))
    }

    // MARK: new and change

    struct Form: Content {
        var kind: String?
        var name: String?
        var unitId: String?
        var latitude: String?
        var longitude: String?
        var place: String?
        var installedOn: String?
        var caretakerPerson: String?
        var caretakerName: String?
        var campaignId: String?
        var notes: String?

        var values: [String: String] {
            ["kind": kind ?? "", "name": name ?? "", "unitId": unitId ?? "", "latitude": latitude ?? "", "longitude": longitude ?? "",
             "place": place ?? "", "installedOn": installedOn ?? "", "caretakerPerson": caretakerPerson ?? "", "caretakerName": caretakerName ?? "",
             "campaignId": campaignId ?? "", "notes": notes ?? ""]
        }

        /// The action's input and the issues of the typed coordinates.
        func input() -> (AssetInput, [FieldIssue]) {
            var point: GeoPoint? = nil, issues: [FieldIssue] = []
            switch GeoPoint.parse(latitude: latitude, longitude: longitude) {
            case .success(let p): point = p
            case .failure(let e): issues = e.issues
            }
            return (AssetInput(kind: kind, name: name, unitId: unitId, latitude: point?.latitude, longitude: point?.longitude, place: place,
                               installedOn: installedOn, caretakerPersonId: caretakerPerson, caretakerResidentId: nil, caretakerName: caretakerName,
                               campaignId: campaignId, notes: notes), issues)
        }
    }

    struct FormPage: Encodable {
        var layout: Layout
        var form: FormState
        var kinds: [SelectOption]
        var units: [SelectOption]
        var campaigns: [SelectOption]
        var action: String
        var isBoard: Bool
        var cancelURL: String
    }

    func campaignOptions(_ req: Request, selected: String) async throws -> [SelectOption] {
        let q = Campaign.query(on: req.db)
        if let roots = req.access.roots(.manageAssets) {
            let communes = try await UnitClosure.ancestors(of: roots, on: req.db)
            q.group(.or) { or in
                or.filter(.sql(UnitClosure.below(Campaign.schema, "unit_id", roots)))
                or.filter(\.$communeID ~~ Array(communes))
            }
        }
        return try await q.sort(\.$startsOn, .descending).limit(200).all().map {
            SelectOption(value: $0.id!.uuidString, label: $0.purpose, selected: $0.id!.uuidString.lowercased() == selected.lowercased())
        }
    }

    func renderForm(_ req: Request, _ form: FormState, asset: Asset?, status: HTTPResponseStatus = .ok) async throws -> Response {
        let title = asset == nil ? req.lang.t("assets.new") : req.lang.t("assets.edit")
        var crumbs = [Crumb(name: req.lang.t("assets.title"), url: SiteURL.assets.path)]
        if let a = asset { crumbs.append(Crumb(name: a.name, url: SiteURL.asset(.id(a.id!)).path)) }
        crumbs.append(Crumb(name: title, url: req.urlPath))
        let view = try await req.view.render("assets/form", FormPage(
            layout: Layout(req, title: title, crumbs: crumbs), form: form,
            kinds: Self.kindOptions(req, selected: form.values["kind"] ?? "", withBoards: asset?.qrBoardID != nil),
            units: try await Self.unitOptions(req, kinds: [.commune, .village, .group], selected: form.values["unitId"] ?? ""),
            campaigns: try await campaignOptions(req, selected: form.values["campaignId"] ?? ""),
            action: asset.map { SiteURL.assetEdit(.id($0.id!)).path } ?? SiteURL.assets.path, isBoard: asset?.qrBoardID != nil,
            cancelURL: asset.map { SiteURL.asset(.id($0.id!)).path } ?? SiteURL.assets.path))
        return try await view.encodeResponse(status: status, for: req)
    }

    func newForm(req: Request) async throws -> Response {
        var values: [String: String] = ["installedOn": req.today]
        if let u = req.queryValue("unit") { values["unitId"] = u }
        return try await renderForm(req, FormState(values: values), asset: nil)
    }

    func create(req: Request) async throws -> Response {
        let f = (try? req.content.decode(Form.self)) ?? Form()
        let (input, issues) = f.input()
        do {
            let a = try await AssetActions.create(input, pointIssues: issues, access: req.access, today: req.today, on: req.db)
            return req.redirect(to: SiteURL.asset(.id(a.id!)).path, redirectType: .normal)
        } catch let e as InvalidInput {
            return try await renderForm(req, FormState(values: f.values, issues: Self.formIssues(e.issues), lang: req.lang), asset: nil, status: e.status)
        }
    }

    /// The action names the person "caretakerPersonId"; the form, "caretakerPerson".
    static func formIssues(_ issues: [FieldIssue]) -> [FieldIssue] {
        issues.map { $0.field == "caretakerPersonId" ? FieldIssue("caretakerPerson", $0.key, $0.args) : $0 }
    }

    func editForm(req: Request) async throws -> Response {
        let a = try req.scoped(Asset.self)
        var person = ""
        if let p = a.caretakerPersonID { person = try await Person.find(p, on: req.db)?.username ?? "" }
        let values = ["kind": a.kind.rawValue, "name": a.name, "unitId": a.unitID.uuidString, "latitude": a.latitude.map { AssetGeoJSON.coordinate($0) } ?? "",
                      "longitude": a.longitude.map { AssetGeoJSON.coordinate($0) } ?? "", "place": a.place ?? "", "installedOn": a.installedOn ?? "",
                      "caretakerPerson": person, "caretakerName": a.caretakerResidentID == nil && a.caretakerPersonID == nil ? (a.caretakerName ?? "") : "",
                      "campaignId": a.campaignID?.uuidString ?? "", "notes": a.notes ?? ""]
        return try await renderForm(req, FormState(values: values), asset: a)
    }

    func edit(req: Request) async throws -> Response {
        let a = try req.scoped(Asset.self)
        let f = (try? req.content.decode(Form.self)) ?? Form()
        var (input, issues) = f.input()
        // A resident caretaker stays unless the form names someone else.
        if (f.caretakerPerson ?? "").isEmpty && (f.caretakerName ?? "").isEmpty, let r = a.caretakerResidentID { input.caretakerResidentId = r.uuidString }
        do {
            _ = try await AssetActions.update(a, input, pointIssues: issues, keepMissing: false, access: req.access, today: req.today, on: req.db)
            return req.redirect(to: SiteURL.asset(.id(a.id!)).path, redirectType: .normal)
        } catch let e as InvalidInput {
            issues = e.issues
            return try await renderForm(req, FormState(values: f.values, issues: Self.formIssues(issues), lang: req.lang), asset: a, status: e.status)
        }
    }

    // MARK: one asset

    struct FaultView: Encodable {
        var index: Int
        var description: String
        var status: String
        var statusKey: String
        var opened: String
        var assignee: String
        var closeReason: String
        var updateURL: String?
        var fromReport: Bool
    }
    struct WorkView: Encodable { var day: String; var work: String; var cost: String }
    struct HistoryView: Encodable { var day: String; var status: String }
    struct ShowPage: Encodable {
        var layout: Layout
        var asset: AssetDTO
        var kind: String
        var status: String
        var statusSince: String
        var installedOn: String
        var latitude: String
        var longitude: String
        var campaign: String?
        var caretaker: String
        var faults: [FaultView]
        var work: [WorkView]
        var workTotal: String
        var history: [HistoryView]
        var editURL: String
        var statusURL: String
        var faultURL: String
        var maintenanceURL: String
        var boardURL: String?
        var canHandle: Bool
        var statuses: [SelectOption]
        var forms: [String: FormState]
        var today: String
    }

    func show(req: Request) async throws -> Response {
        try await renderShow(req, try req.scoped(Asset.self), forms: [:])
    }

    func renderShow(_ req: Request, _ a: Asset, forms: [String: FormState], status: HTTPResponseStatus = .ok) async throws -> Response {
        let d = try await AssetsAPI.detail(req, a)
        var canHandle = false
        if req.access.has(.handleReports) { canHandle = try await req.access.allows(.handleReports, unitID: a.unitID, on: req.db) }
        let time: (Date) -> String = { Moment.display($0) }
        let faults = d.faults.enumerated().map { i, f in
            FaultView(index: i, description: f.description, status: req.lang.t("assets.fault.\(f.status.rawValue)"), statusKey: f.status.rawValue,
                      opened: time(f.openedAt), assignee: f.assigneeName ?? "", closeReason: f.closeReason ?? "",
                      updateURL: canHandle && (f.status == .open || f.status == .assigned) ? SiteURL.assetFault(.id(f.id)).path : nil,
                      fromReport: f.reportId != nil)
        }
        var all = forms
        for k in ["status", "fault", "maintenance"] where all[k] == nil { all[k] = FormState() }
        let view = try await req.view.render("assets/show", ShowPage(
            layout: Layout(req, title: a.name, crumbs: [Crumb(name: req.lang.t("assets.title"), url: SiteURL.assets.path), Crumb(name: a.name, url: SiteURL.asset(.id(a.id!)).path)]),
            asset: d.asset, kind: req.lang.t("assets.kind.\(a.kind.rawValue)"), status: req.lang.t("assets.status.\(a.status.rawValue)"),
            statusSince: Day.display(a.statusSince), installedOn: a.installedOn.map(Day.display) ?? "",
            latitude: a.latitude.map { AssetGeoJSON.coordinate($0) } ?? "", longitude: a.longitude.map { AssetGeoJSON.coordinate($0) } ?? "",
            campaign: d.campaignPurpose, caretaker: d.asset.caretakerName ?? "", faults: faults,
            work: d.maintenance.map { WorkView(day: Day.display($0.doneOn), work: $0.work, cost: Money.format($0.costDong, req.lang)) },
            workTotal: Money.format(d.maintenanceCostDong, req.lang),
            history: d.history.map { HistoryView(day: Day.display($0.fromDay), status: req.lang.t("assets.status.\($0.status.rawValue)")) },
            editURL: SiteURL.assetEdit(.id(a.id!)).path, statusURL: SiteURL.assetStatus(.id(a.id!)).path, faultURL: SiteURL.assetFaults(.id(a.id!)).path,
            maintenanceURL: SiteURL.assetMaintenance(.id(a.id!)).path, boardURL: a.qrBoardID.map { SiteURL.board(.id($0)).path },
            canHandle: canHandle, statuses: Self.statusOptions(req, selected: ""), forms: all, today: req.today))
        return try await view.encodeResponse(status: status, for: req)
    }

    struct StatusForm: Content { var status: String?; var from: String? }

    func status(req: Request) async throws -> Response {
        let a = try req.scoped(Asset.self)
        let f = (try? req.content.decode(StatusForm.self)) ?? StatusForm()
        do {
            _ = try await AssetActions.setStatus(a, AssetStatusInput(status: f.status, from: f.from), access: req.access, today: req.today, on: req.db)
            return req.redirect(to: SiteURL.asset(.id(a.id!)).path, redirectType: .normal)
        } catch let e as InvalidInput {
            return try await renderShow(req, a, forms: ["status": FormState(values: ["status": f.status ?? "", "from": f.from ?? ""], issues: e.issues, lang: req.lang)], status: e.status)
        }
    }

    struct FaultForm: Content { var description: String? }

    func openFault(req: Request) async throws -> Response {
        let a = try req.scoped(Asset.self)
        let f = (try? req.content.decode(FaultForm.self)) ?? FaultForm()
        do {
            _ = try await AssetFaults.report(a, AssetFaultInput(description: f.description), access: req.access, on: req.db)
            return req.redirect(to: SiteURL.asset(.id(a.id!)).path, redirectType: .normal)
        } catch let e as InvalidInput {
            return try await renderShow(req, a, forms: ["fault": FormState(values: ["description": f.description ?? ""], issues: e.issues, lang: req.lang)], status: e.status)
        }
    }

    struct WorkForm: Content { var doneOn: String?; var work: String?; var cost: String? }

    func maintain(req: Request) async throws -> Response {
        let a = try req.scoped(Asset.self)
        let f = (try? req.content.decode(WorkForm.self)) ?? WorkForm()
        var amount: DongAmount? = nil
        var costIssue: String? = nil
        let raw = (f.cost ?? "").trimmingCharacters(in: .whitespaces)
        if !raw.isEmpty {
            switch Money.parse(raw) {
            case .success(let v): amount = .dong(v)
            case .failure(let e): costIssue = e.key
            }
        }
        do {
            _ = try await AssetActions.maintain(a, MaintenanceInput(doneOn: f.doneOn, work: f.work, costDong: amount), costIssue: costIssue,
                                                access: req.access, today: req.today, on: req.db)
            return req.redirect(to: SiteURL.asset(.id(a.id!)).path, redirectType: .normal)
        } catch let e as InvalidInput {
            let values = ["doneOn": f.doneOn ?? "", "work": f.work ?? "", "cost": f.cost ?? ""]
            let issues = e.issues.map { $0.field == "costDong" ? FieldIssue("cost", $0.key, $0.args) : $0 }
            return try await renderShow(req, a, forms: ["maintenance": FormState(values: values, issues: issues, lang: req.lang)], status: e.status)
        }
    }

    struct FaultUpdateForm: Content { var status: String?; var assignee: String?; var reason: String? }

    func updateFault(req: Request) async throws -> Response {
        let fault = try req.scoped(AssetFault.self), a = try req.scoped(Asset.self)
        let f = (try? req.content.decode(FaultUpdateForm.self)) ?? FaultUpdateForm()
        do {
            _ = try await AssetFaults.update(fault, asset: a, FaultUpdateInput(status: f.status, assignee: f.assignee, reason: f.reason), access: req.access, on: req.db)
            return req.redirect(to: SiteURL.asset(.id(a.id!)).path, redirectType: .normal)
        } catch let e as InvalidInput {
            return try await renderShow(req, a, forms: ["faultUpdate": FormState(values: ["assignee": f.assignee ?? "", "reason": f.reason ?? ""], issues: e.issues, lang: req.lang)],
                                        status: e.status)
        }
    }

    // MARK: import and export

    struct Upload: Content { var file: File? }
    struct ImportPage: Encodable {
        var layout: Layout
        var unitName: String
        var action: String
        var errors: [ErrorBody.Field]
        var moreErrors: Int
        var report: AssetImportReport?
        var columns: [String]
        var kinds: [SelectOption]
        var exportURL: String
    }

    func importPage(_ req: Request, _ unit: AdminUnit, errors: [FieldIssue] = [], report: AssetImportReport? = nil, status: HTTPResponseStatus = .ok) async throws -> Response {
        let title = req.lang.t("assets.import.title")
        let shown = errors.prefix(200)
        let view = try await req.view.render("assets/import", ImportPage(
            layout: Layout(req, title: title, crumbs: [Crumb(name: req.lang.t("assets.title"), url: SiteURL.assets.path), Crumb(name: title, url: req.urlPath)]),
            unitName: unit.name, action: SiteURL.unitAssetsImport(.id(unit.id!)).path,
            errors: shown.map { ErrorBody.Field(field: $0.field, message: $0.message(req.lang), line: $0.line) },
            moreErrors: errors.count - shown.count, report: report, columns: AssetsCSV.columns,
            kinds: Self.kindOptions(req, selected: "", withBoards: false), exportURL: SiteURL.unitAssetsExport(.id(unit.id!)).path))
        return try await view.encodeResponse(status: status, for: req)
    }

    func importForm(req: Request) async throws -> Response {
        try await importPage(req, try req.scoped(AdminUnit.self))
    }

    func importUpload(req: Request) async throws -> Response {
        let unit = try req.scoped(AdminUnit.self)
        do {
            let upload = try req.uploadForm(Upload.self)
            guard let file = upload.file, file.data.readableBytes > 0 else { throw InvalidInput("file", "error.required") }
            let report = try await AssetsCSV.importFile(Data(buffer: file.data), into: unit, access: req.access, today: req.today, on: req.db)
            return try await importPage(req, unit, report: report)
        } catch let e as InvalidInput {
            return try await importPage(req, unit, errors: e.issues, status: e.status)
        }
    }

    func export(req: Request) async throws -> Response {
        try await Self.exportResponse(req, try req.scoped(AdminUnit.self), format: SheetFile.Format(query: req.queryValue("format")))
    }

    static func exportResponse(_ req: Request, _ unit: AdminUnit, format: SheetFile.Format) async throws -> Response {
        let (data, n) = try await AssetsCSV.export(unit: unit, format: format, on: req.db)
        try await Audit.record("export", Asset.schema, unit: unit.id, after: ["assets": String(n)], on: req.db)
        return SheetFile.response(data, format: format, name: "assets-\(unit.code)")
    }
}
