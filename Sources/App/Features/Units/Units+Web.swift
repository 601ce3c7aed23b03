// HTML pages for the unit tree: browse (on a date), a unit with its children and history, forms to add, edit,
// move, merge and carry. Handlers stay thin: they call UnitQueries and UnitActions, as the JSON API does.
import Fluent
import Vapor

struct UnitRow: Encodable {
    var url: String
    var code: String
    var name: String
    var typeName: String
    var kind: String
    var validFrom: String
    var validTo: String
    var inForce: Bool
}

extension AdminUnit {
    func row(today: String) -> UnitRow {
        UnitRow(url: SiteURL.unit(id!), code: code, name: name, typeName: typeName, kind: kind.rawValue,
                validFrom: Day.display(validFrom), validTo: Day.display(validTo), inForce: isInForce(on: today))
    }
}

struct Pager: Encodable {
    var page: Int
    var pageCount: Int
    var total: Int
    var prev: String?
    var next: String?

    init(_ req: Request, page: Int, per: Int, total: Int) {
        self.page = page
        self.total = total
        pageCount = max(1, (total + per - 1) / per)
        func link(_ p: Int) -> String {
            var items = (req.url.query ?? "").split(separator: "&").filter { !$0.hasPrefix("page=") }.map(String.init)
            items.append("page=\(p)")
            return req.urlPath + "?" + items.joined(separator: "&")
        }
        prev = page > 1 ? link(page - 1) : nil
        next = page < pageCount ? link(page + 1) : nil
    }

    /// Links made by the caller (the public ledger's carry a cursor: Features/Ledger/Ledger+Public.swift).
    init(page: Int, pageCount: Int, total: Int, prev: String?, next: String?) {
        self.page = page; self.pageCount = pageCount; self.total = total; self.prev = prev; self.next = next
    }
}

struct UnitsWeb {
    func addRoutes(to app: any RoutesBuilder) {
        app.get(SiteURL.units.components, use: index).rule(.list(.readRegistry))
        app.get(SiteURL.unitNew.components, use: newForm).rule(.action(.manageUnits))
        app.post(SiteURL.unitNew.components, use: create).rule(.action(.manageUnits))
        app.get(SiteURL.unit(.key).components, use: show).rule(.unit(.readRegistry))
        app.get(SiteURL.unitEdit(.key).components, use: editForm).rule(.unit(.manageUnits))
        app.post(SiteURL.unitEdit(.key).components, use: update).rule(.unit(.manageUnits))
        app.get(SiteURL.unitMove(.key).components, use: moveForm).rule(.unit(.manageUnits))
        app.post(SiteURL.unitMove(.key).components, use: move).rule(.unit(.manageUnits))
        app.get(SiteURL.unitMerge(.key).components, use: mergeForm).rule(.unit(.manageUnits))
        app.post(SiteURL.unitMerge(.key).components, use: merge).rule(.unit(.manageUnits))
        app.post(SiteURL.unitCarry(.key).components, use: carry).rule(.unit(.manageUnits))
    }

    struct IndexPage: Encodable {
        var layout: Layout
        var units: [UnitRow]
        var q: String
        var on: String
        var pager: Pager
        var newURL: String
    }

    func index(req: Request) async throws -> View {
        let page = PageRequest(req, defaultPer: req.config.pageSize)
        var f = UnitQueries.Filter(search: req.queryValue("q"), scope: try await req.access.rootUnits(.readRegistry, on: req.db))
        if let on = req.queryValue("on"), let d = Day.parse(on) { f.day = d }
        let (units, total) = try await UnitQueries.list(f, page: page, on: req.db)
        let today = Day.today()
        return try await req.view.render("units/index", IndexPage(
            layout: Layout(req, title: req.lang.t("units.title"), crumbs: [Crumb(name: req.lang.t("nav.units"), url: SiteURL.units.path)]),
            units: units.map { $0.row(today: today) }, q: f.search ?? "", on: f.day, pager: Pager(req, page: page.page, per: page.per, total: total),
            newURL: SiteURL.unitNew.path))
    }

    struct ShowPage: Encodable {
        var layout: Layout
        var unit: UnitRow
        var kindLabel: String
        var summary: UnitSummary
        var units: [UnitRow]
        var pager: Pager
        var on: String
        var q: String
        var history: [HistoryRow]
        var predecessors: [SuccessionRow]
        var successors: [SuccessionRow]
        var canAddChild: Bool
        var childKind: String
        var newChildURL: String
        var editURL: String
        var moveURL: String?
        var mergeURL: String?
        var carryURL: String?
        /// The day listed by default for an ended unit: its last day in force.
        var lastDay: String?
        var householdsURL: String?
        var newHouseholdURL: String?
        var importURL: String?
        /// Outreach: the import of household digital profiles, for those who manage teams there.
        var profilesImportURL: String? = nil
        var exportURL: String?
        var apiURL: String
    }
    struct HistoryRow: Encodable { var parent: UnitRow; var from: String; var to: String }
    struct SuccessionRow: Encodable { var unit: UnitRow; var date: String; var whole: Bool; var note: String; var successorID: String }

    func show(req: Request) async throws -> View {
        let unit = try req.scoped(AdminUnit.self)
        let page = PageRequest(req, defaultPer: req.config.pageSize)
        var f = UnitQueries.Filter(parentID: unit.id, search: req.queryValue("q"))
        let today = Day.today()
        // An ended unit lists what it held on its last day (a commune carried into its successor keeps its villages
        // in its history); `?on=` asks for another day.
        var lastDay: String? = nil
        if let on = req.queryValue("on"), let d = Day.parse(on) { f.day = d }
        else if unit.validTo <= today, unit.validTo != Day.distantFuture { f.day = Day.adding(-1, to: unit.validTo); lastDay = f.day }
        let (children, total) = try await UnitQueries.list(f, page: page, on: req.db)
        // Carrying is offered while the ended commune still holds villages.
        var holdsVillages = false
        if unit.kind == .commune {
            holdsVillages = try await UnitQueries.list(UnitQueries.Filter(parentID: unit.id, kind: .village), page: PageRequest(page: 1, per: 1), on: req.db).1 > 0
        }
        let h = try await UnitQueries.history(of: unit, on: req.db)
        func row(_ d: UnitDTO) -> UnitRow {
            UnitRow(url: SiteURL.unit(d.id), code: d.code, name: d.name, typeName: d.typeName, kind: d.kind.rawValue,
                    validFrom: Day.display(d.validFrom ?? ""), validTo: Day.display(d.validTo ?? ""), inForce: d.inForce)
        }
        let id = Ref.id(unit.id!)
        let holdsHouseholds = [.commune, .village, .group].contains(unit.kind)
        let ctx = ShowPage(
            layout: Layout(req, title: unit.name, crumbs: try await UnitCrumbs.trail(req, unit)),
            unit: unit.row(today: today), kindLabel: req.lang.t("kind.\(unit.kind.rawValue)"),
            summary: try await UnitQueries.summary(of: unit, on: req.db),
            units: children.map { $0.row(today: today) }, pager: Pager(req, page: page.page, per: page.per, total: total),
            on: f.day, q: f.search ?? "",
            history: h.parents.map { HistoryRow(parent: row($0.parent), from: Day.display($0.validFrom ?? ""), to: Day.display($0.validTo ?? "")) },
            predecessors: h.predecessors.map { SuccessionRow(unit: row($0.predecessor), date: Day.display($0.date), whole: $0.whole, note: $0.note, successorID: $0.successor.id.uuidString) },
            successors: h.successors.map { SuccessionRow(unit: row($0.successor), date: Day.display($0.date), whole: $0.whole, note: $0.note, successorID: $0.successor.id.uuidString) },
            canAddChild: !unit.kind.childKinds.isEmpty,
            childKind: unit.kind.childKinds.last?.rawValue ?? "",
            newChildURL: SiteURL.unitNew.path + "?parent=\(unit.id!.uuidString.lowercased())",
            editURL: SiteURL.unitEdit(id).path,
            moveURL: unit.kind == .village ? SiteURL.unitMove(id).path : nil,
            mergeURL: unit.kind == .commune ? SiteURL.unitMerge(id).path : nil,
            carryURL: unit.kind == .commune && !h.successors.isEmpty && holdsVillages ? SiteURL.unitCarry(id).path : nil,
            lastDay: lastDay.map(Day.display),
            householdsURL: holdsHouseholds ? SiteURL.unitHouseholds(id).path : nil,
            newHouseholdURL: unit.kind == .village || unit.kind == .group ? SiteURL.householdNew(id).path : nil,
            importURL: unit.kind == .commune ? SiteURL.unitImport(id).path : nil,
            exportURL: holdsHouseholds ? SiteURL.unitExport(id).path : nil,
            apiURL: APIURL.unitSummary(.id(unit.id!)).path)
        var shown = ctx
        if [.commune, .village].contains(unit.kind), try await req.access.allows(.manageTeams, unit, on: req.db) {
            shown.profilesImportURL = SiteURL.unitProfilesImport(id).path
        }
        return try await req.view.render("units/show", shown)
    }

    struct FormPage: Encodable {
        var layout: Layout
        var form: FormState
        var action: String
        var isNew: Bool
        var parentName: String?
        var kinds: [SelectOption]
    }

    static func kindOptions(_ req: Request, allowed: [UnitKind], selected: String?) -> [SelectOption] {
        allowed.map { SelectOption(value: $0.rawValue, label: req.lang.t("kind.\($0.rawValue)"), selected: $0.rawValue == selected) }
    }

    func newForm(req: Request) async throws -> View {
        var values: [String: String] = [:]
        var parent: AdminUnit? = nil
        if let p = req.queryValue("parent"), let id = UUID(uuidString: p) {
            parent = try await req.access.unit(id, .manageUnits, on: req.db)
        }
        values["parentId"] = parent?.id?.uuidString ?? ""
        let kinds = parent?.kind.childKinds ?? [.province]
        values["kind"] = kinds.last?.rawValue ?? ""
        return try await renderForm(req, parent: parent, state: FormState(values: values), kinds: kinds, isNew: true, action: SiteURL.unitNew.path, status: .ok)
    }

    func renderForm(_ req: Request, parent: AdminUnit?, state: FormState, kinds: [UnitKind], isNew: Bool, action: String, status: HTTPResponseStatus) async throws -> View {
        try await req.view.render("units/form", FormPage(
            layout: Layout(req, title: req.lang.t(isNew ? "units.new" : "units.edit"), crumbs: try await UnitCrumbs.trail(req, parent)),
            form: state, action: action, isNew: isNew, parentName: parent?.name,
            kinds: Self.kindOptions(req, allowed: kinds, selected: state.values["kind"])))
    }

    static func formValues(_ input: UnitInput) -> [String: String] {
        ["kind": input.kind ?? "", "code": input.code ?? "", "name": input.name ?? "", "typeName": input.typeName ?? "",
         "parentId": input.parentId ?? "", "validFrom": input.validFrom ?? "", "validTo": input.validTo ?? ""]
    }

    func create(req: Request) async throws -> Response {
        let input = try req.content.decode(UnitInput.self)
        do {
            try await UnitsAPI.checkParent(input.parentId, req)
            let unit = try await UnitActions.create(input, on: req.db)
            return req.redirect(to: SiteURL.unit(unit.id!), redirectType: .normal)
        } catch let e as InvalidInput {
            let parent = try await input.parentId.flatMap(UUID.init(uuidString:)).asyncMap { try? await req.access.unit($0, .manageUnits, on: req.db) } ?? nil
            let view = try await renderForm(req, parent: parent, state: FormState(values: Self.formValues(input), issues: e.issues, lang: req.lang),
                                            kinds: parent?.kind.childKinds ?? [.province], isNew: true, action: SiteURL.unitNew.path, status: e.status)
            return try await view.encodeResponse(status: e.status, for: req)
        }
    }

    func editForm(req: Request) async throws -> View {
        let unit = try req.scoped(AdminUnit.self)
        let values = ["kind": unit.kind.rawValue, "code": unit.code, "name": unit.name, "typeName": unit.typeName,
                      "validFrom": unit.validFrom == Day.distantPast ? "" : unit.validFrom,
                      "validTo": unit.validTo == Day.distantFuture ? "" : unit.validTo]
        return try await renderForm(req, parent: unit, state: FormState(values: values), kinds: [unit.kind], isNew: false,
                                    action: SiteURL.unitEdit(.id(unit.id!)).path, status: .ok)
    }

    func update(req: Request) async throws -> Response {
        let unit = try req.scoped(AdminUnit.self)
        let input = try req.content.decode(UnitInput.self)
        do {
            _ = try await UnitActions.update(unit, input, on: req.db)
            return req.redirect(to: SiteURL.unit(unit.id!), redirectType: .normal)
        } catch let e as InvalidInput {
            var values = Self.formValues(input)
            values["kind"] = unit.kind.rawValue
            let view = try await renderForm(req, parent: unit, state: FormState(values: values, issues: e.issues, lang: req.lang),
                                            kinds: [unit.kind], isNew: false, action: SiteURL.unitEdit(.id(unit.id!)).path, status: e.status)
            return try await view.encodeResponse(status: e.status, for: req)
        }
    }

    struct ChangePage: Encodable {
        var layout: Layout
        var unit: UnitRow
        var form: FormState
        var action: String
        var mode: String
    }

    struct ChangeForm: Content {
        var communeCode: String?
        var sourceCodes: String?
        var targetCode: String?
        var newName: String?
        var newCode: String?
        var date: String?
    }

    func changePage(_ req: Request, _ unit: AdminUnit, mode: String, form: FormState, status: HTTPResponseStatus = .ok) async throws -> Response {
        let action = mode == "move" ? SiteURL.unitMove(.id(unit.id!)).path : SiteURL.unitMerge(.id(unit.id!)).path
        let view = try await req.view.render("units/change", ChangePage(
            layout: Layout(req, title: req.lang.t("units.\(mode)"), crumbs: try await UnitCrumbs.trail(req, unit)),
            unit: unit.row(today: Day.today()), form: form, action: action, mode: mode))
        return try await view.encodeResponse(status: status, for: req)
    }

    func moveForm(req: Request) async throws -> Response {
        let unit = try req.scoped(AdminUnit.self)
        guard unit.kind == .village else { throw Abort(.notFound) }
        return try await changePage(req, unit, mode: "move", form: FormState(values: ["date": Day.today()]))
    }

    func move(req: Request) async throws -> Response {
        let unit = try req.scoped(AdminUnit.self)
        guard unit.kind == .village else { throw Abort(.notFound) }
        let form = try req.content.decode(ChangeForm.self)
        let values = ["communeCode": form.communeCode ?? "", "date": form.date ?? ""]
        do {
            let code = (form.communeCode ?? "").trimmingCharacters(in: .whitespaces)
            guard !code.isEmpty else { throw InvalidInput("communeCode", "error.required") }
            guard let target = try await UnitQueries.byCode(code, kind: .commune, on: req.db),
                  try await req.access.allows(.manageUnits, target, on: req.db) else {
                throw InvalidInput("communeCode", "error.unknownCommune")
            }
            _ = try await UnitActions.move(village: unit, input: MoveInput(communeId: target.id!.uuidString, date: form.date), on: req.db)
            return req.redirect(to: SiteURL.unit(unit.id!), redirectType: .normal)
        } catch let e as InvalidInput {
            let issues = e.issues.map { FieldIssue($0.field == "communeId" ? "communeCode" : $0.field, $0.key, $0.args) }
            return try await changePage(req, unit, mode: "move", form: FormState(values: values, issues: issues, lang: req.lang), status: e.status)
        }
    }

    func mergeForm(req: Request) async throws -> Response {
        let unit = try req.scoped(AdminUnit.self)
        guard unit.kind == .commune else { throw Abort(.notFound) }
        return try await changePage(req, unit, mode: "merge", form: FormState(values: ["date": Day.today(), "sourceCodes": unit.code]))
    }

    func merge(req: Request) async throws -> Response {
        let unit = try req.scoped(AdminUnit.self)
        guard unit.kind == .commune else { throw Abort(.notFound) }
        let form = try req.content.decode(ChangeForm.self)
        let values = ["sourceCodes": form.sourceCodes ?? "", "targetCode": form.targetCode ?? "", "newName": form.newName ?? "",
                      "newCode": form.newCode ?? "", "date": form.date ?? ""]
        do {
            var c = Checker()
            var ids: [String] = []
            for code in (form.sourceCodes ?? "").split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init) {
                if let u = try await UnitQueries.byCode(code, kind: .commune, on: req.db), try await req.access.allows(.manageUnits, u, on: req.db) { ids.append(u.id!.uuidString) }
                else { c.add("sourceCodes", "error.unknownCommuneCode", [code]) }
            }
            if ids.isEmpty && c.issues.isEmpty { c.add("sourceCodes", "error.required") }
            var input = MergeInput(sourceIds: ids, targetId: nil, newCommune: nil, date: form.date)
            let target = (form.targetCode ?? "").trimmingCharacters(in: .whitespaces)
            if !target.isEmpty {
                if let t = try await UnitQueries.byCode(target, kind: .commune, on: req.db), try await req.access.allows(.manageUnits, t, on: req.db) { input.targetId = t.id!.uuidString }
                else { c.add("targetCode", "error.unknownCommuneCode", [target]) }
            } else {
                input.newCommune = UnitInput(kind: "commune", code: form.newCode, name: form.newName, parentId: unit.parentID?.uuidString)
                do { try await UnitsAPI.checkParent(unit.parentID?.uuidString, req) }
                catch is InvalidInput { c.add("newName", "error.newCommuneNotAllowed") }
            }
            try c.check()
            let result = try await UnitActions.merge(input, on: req.db)
            return req.redirect(to: SiteURL.unit(result.target.id), redirectType: .normal)
        } catch let e as InvalidInput {
            let map = ["newCommune.name": "newName", "newCommune.code": "newCode", "targetId": "targetCode", "sourceIds": "sourceCodes"]
            let issues = e.issues.map { FieldIssue(map[$0.field] ?? $0.field, $0.key, $0.args) }
            return try await changePage(req, unit, mode: "merge", form: FormState(values: values, issues: issues, lang: req.lang), status: e.status)
        }
    }

    func carry(req: Request) async throws -> Response {
        let unit = try req.scoped(AdminUnit.self)
        let input = try req.content.decode(CarryInput.self)
        let result = try await UnitActions.carry(unit, input: input, access: req.access, on: req.db)
        return req.redirect(to: SiteURL.unit(result.target.id), redirectType: .normal)
    }
}
