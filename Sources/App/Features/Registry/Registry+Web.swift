// HTML pages for households and residents: a unit's household list with search, a household with its residents,
// forms, CSV upload and download, and search across the registry.
import Fluent
import Vapor

struct RegistryWeb {
    /// Uploads larger than this are refused with 413 before they are read into memory.
    var maxUploadBytes = 50 * 1_048_576

    func addRoutes(to app: any RoutesBuilder) {
        app.get(SiteURL.unitHouseholds(.key).components, use: list).rule(.unit(.readRegistry)).kept(Self.listPage)
        app.get(SiteURL.householdNew(.key).components, use: newHousehold).rule(.unit(.writeRegistry))
        app.post(SiteURL.householdNew(.key).components, use: createHousehold).rule(.unit(.writeRegistry))
        app.get(SiteURL.household(.key).components, use: show).rule(.household(.readRegistry))
        app.get(SiteURL.householdEdit(.key).components, use: editHousehold).rule(.household(.writeRegistry))
        app.post(SiteURL.householdEdit(.key).components, use: updateHousehold).rule(.household(.writeRegistry))
        app.get(SiteURL.residentNew(.key).components, use: newResident).rule(.household(.writeRegistry))
        app.post(SiteURL.residentNew(.key).components, use: createResident).rule(.household(.writeRegistry))
        app.get(SiteURL.residentEdit(.key).components, use: editResident).rule(.resident(.writeRegistry))
        app.post(SiteURL.residentEdit(.key).components, use: updateResident).rule(.resident(.writeRegistry))
        app.get(SiteURL.unitImport(.key).components, use: importForm).rule(.unit(.importExport))
        app.on(.POST, SiteURL.unitImport(.key).components, body: .collect(maxSize: ByteCount(value: maxUploadBytes + 65_536)), use: importUpload).rule(.unit(.importExport)).maxBody(maxUploadBytes + 65_536)
        app.get(SiteURL.unitExport(.key).components, use: export).rule(.unit(.importExport))
        app.get(SiteURL.search.components, use: search).rule(.list(.readRegistry))
    }

    struct HouseholdRow: Encodable {
        var url: String
        var code: String
        var address: String
        var phone: String
        var representative: String
    }

    static func row(_ h: HouseholdDTO) -> HouseholdRow {
        HouseholdRow(url: SiteURL.household(h.id), code: h.code, address: h.address, phone: h.phone ?? "",
                     representative: h.representativeName ?? "")
    }

    struct ResidentRow: Encodable {
        var name: String
        var gender: String
        var birthYear: String
        var relation: String
        var phone: String
        var isRepresentative: Bool
        var editURL: String
        var householdURL: String
    }

    static func row(_ r: ResidentDTO, _ lang: Lang) -> ResidentRow {
        ResidentRow(name: r.fullName, gender: lang.t("gender.\(r.gender.rawValue)"), birthYear: r.birthYear.map(String.init) ?? "",
                    relation: lang.t("relation.\(r.relation.rawValue)"), phone: r.phone ?? "", isRepresentative: r.isRepresentative,
                    editURL: SiteURL.residentEdit(.id(r.id)).path, householdURL: SiteURL.household(r.householdId))
    }

    struct ListPage: Encodable {
        var layout: Layout
        var unitName: String
        var unitURL: String
        var households: [HouseholdRow]
        var total: Int
        var q: String
        var pager: Pager
        var newURL: String?
        var exportURL: String
        var printAllURL: String?
    }

    func list(req: Request) async throws -> View {
        let unit = try req.scoped(AdminUnit.self)
        guard [.commune, .village, .group].contains(unit.kind) else { throw Abort(.notFound) }
        let page = PageRequest(req, defaultPer: req.config.pageSize)
        let q = req.queryValue("q") ?? ""
        // A list without a search is kept ready under the registry's and the units' version (Support/SignedInPages.swift);
        // its audit row is written on every view all the same, before the page is sent (docs/security.md).
        if let pages = req.application.signedInPages, Fold.key(q).isEmpty {
            let (view, rows) = try await pages.answer(req, Self.listPage) {
                // Read again after the version: the rule loaded the unit before it.
                guard let fresh = try await AdminUnit.find(unit.id!, on: req.db) else { throw Abort(.notFound) }
                return try await build(req, fresh, page: page, q: q)
            }
            try await Audit.recordRead("list", Household.schema, unit: unit.id, after: ["q": q, "rows": String(rows)], for: req)
            return view
        }
        let (view, rows) = try await build(req, unit, page: page, q: q)
        try await Audit.recordRead("list", Household.schema, unit: unit.id, after: ["q": q, "rows": String(rows)], for: req)
        return view
    }

    /// A village's (a group's, a commune's) household list without a search is kept ready per caller under the units'
    /// and the registry's version; answered from memory, its view is audited all the same, before it is sent.
    static let listPage = KeptPage(
        name: "households", parts: [.units, .registry],
        target: { req in req.parameters.get("id").flatMap(UUID.init(text:))?.text },
        canonical: { req in
            Fold.key(req.queryValue("q") ?? "").isEmpty ? canonicalQuery(req, PageRequest(req, defaultPer: req.config.pageSize)) : nil
        },
        onHit: { req, rows in
            let unit = try req.idParameter()
            try await Audit.recordRead("list", Household.schema, unit: unit, after: ["q": req.queryValue("q") ?? "", "rows": String(rows)], for: req)
        })

    /// The parameters that make a household list without a search, in one order and spelling: `lang` (when it names
    /// a language), `per` and `page` (when given, as parsed).
    static func canonicalQuery(_ req: Request, _ page: PageRequest) -> String {
        var parts: [String] = []
        if let lang = req.canonicalLangParameter { parts.append(lang) }
        if req.queryValue("per") != nil { parts.append("per=\(page.per)") }
        if req.queryValue("page") != nil { parts.append("page=\(page.page)") }
        return parts.joined(separator: "&")
    }

    /// The list's page and the number of rows it shows.
    private func build(_ req: Request, _ unit: AdminUnit, page: PageRequest, q: String) async throws -> (View, Int) {
        // The unit is inside the caller's scope (checked above), so its whole subtree is: no second scope filter.
        let result = try await RegistryQueries.households(.init(unit: unit, search: q, scope: nil), page: page, on: req.db)
        var crumbs = try await UnitCrumbs.trail(req, unit)
        crumbs.append(Crumb(name: req.lang.t("households.title"), url: SiteURL.unitHouseholds(.id(unit.id!)).path))
        let view = try await req.view.render("registry/list", ListPage(
            layout: Layout(req, title: "\(req.lang.t("households.title")) · \(unit.name)", crumbs: crumbs),
            unitName: unit.name, unitURL: SiteURL.unit(unit.id!), households: result.items.map(Self.row), total: result.total, q: q,
            pager: Pager(req, page: page.page, per: page.per, total: result.total),
            newURL: unit.kind == .commune ? nil : SiteURL.householdNew(.id(unit.id!)).path,
            exportURL: SiteURL.unitExport(.id(unit.id!)).path,
            printAllURL: result.total > page.per && result.total <= 500
                ? SiteURL.unitHouseholds(.id(unit.id!)).path + "?per=500" + (q.isEmpty ? "" : "&q=" + (q.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
                : nil))
        return (view, result.items.count)
    }

    struct ShowPage: Encodable {
        var layout: Layout
        var household: HouseholdRow
        var villageName: String
        var groupName: String
        var residents: [ResidentRow]
        var editURL: String
        var newResidentURL: String
        var dataURL: String?
        var cardURL: String
        /// The household's digital profile (outreach), for those who visit households there.
        var profileURL: String?
    }

    func show(req: Request) async throws -> View {
        let found = try req.scoped(Household.self)
        try await Audit.recordRead("view", Household.schema, row: found.id, unit: found.groupID ?? found.villageID, for: req)
        let detail = try await RegistryQueries.detail(found.id!, on: req.db)
        let h = detail.household
        let village = try await AdminUnit.find(h.villageId, on: req.db)
        let group = try await h.groupId.asyncMap { try await AdminUnit.find($0, on: req.db) } ?? nil
        var crumbs = try await UnitCrumbs.trail(req, group ?? village)
        crumbs.append(Crumb(name: h.code, url: SiteURL.household(h.id)))
        return try await req.view.render("registry/household", ShowPage(
            layout: Layout(req, title: "\(req.lang.t("household.title")) \(h.code)", crumbs: crumbs),
            household: Self.row(h), villageName: village?.name ?? "", groupName: group?.name ?? "",
            residents: detail.residents.map { Self.row($0, req.lang) },
            editURL: SiteURL.householdEdit(.id(h.id)).path, newResidentURL: SiteURL.residentNew(.id(h.id)).path,
            dataURL: try await req.access.allows(.personalData, try await AdminUnit.find(h.groupId ?? h.villageId, on: req.db)!, on: req.db)
                ? SiteURL.householdData(.id(h.id)).path : nil,
            cardURL: SiteURL.householdCard(.id(h.id)).path,
            profileURL: try await req.access.allows(.visitHouseholds, unitID: h.groupId ?? h.villageId, on: req.db)
                ? SiteURL.householdProfile(.id(h.id)).path : nil))
    }

    // MARK: household forms

    struct HouseholdForm: Content {
        var code: String?
        var groupId: String?
        var villageId: String?
        var address: String?
        var phone: String?
        var representativeId: String?
        var repName: String?
        var repGender: String?
        var repBirthYear: String?
    }

    struct HouseholdFormPage: Encodable {
        var layout: Layout
        var form: FormState
        var action: String
        var isNew: Bool
        var groups: [SelectOption]
        var residents: [SelectOption]
        var genders: [SelectOption]
    }

    static func options(_ req: Request, _ values: [String], prefix: String, selected: String?) -> [SelectOption] {
        values.map { SelectOption(value: $0, label: req.lang.t("\(prefix).\($0)"), selected: $0 == selected) }
    }

    func householdFormPage(_ req: Request, village: AdminUnit, state: FormState, isNew: Bool, action: String,
                           residents: [Resident] = [], status: HTTPResponseStatus = .ok) async throws -> Response {
        let groups = try await AdminUnit.query(on: req.db).filter(\.$parentID == village.id).filter(\.$kind == .group).sort(\.$code).all()
        var groupOptions = [SelectOption(value: "", label: "—", selected: (state.values["groupId"] ?? "").isEmpty)]
        groupOptions += groups.map { SelectOption(value: $0.id!.uuidString, label: $0.name, selected: $0.id!.uuidString == state.values["groupId"]) }
        var crumbs = try await UnitCrumbs.trail(req, village)
        crumbs.append(Crumb(name: req.lang.t(isNew ? "household.new" : "household.edit"), url: action))
        let view = try await req.view.render("registry/household-form", HouseholdFormPage(
            layout: Layout(req, title: req.lang.t(isNew ? "household.new" : "household.edit"), crumbs: crumbs),
            form: state, action: action, isNew: isNew, groups: groupOptions,
            residents: residents.map { SelectOption(value: $0.id!.uuidString, label: $0.fullName, selected: $0.id!.uuidString == state.values["representativeId"]) },
            genders: Self.options(req, Gender.allCases.map(\.rawValue), prefix: "gender", selected: state.values["repGender"])))
        return try await view.encodeResponse(status: status, for: req)
    }

    /// The village a new household goes into: the unit itself, or the group's village.
    func placementUnits(_ req: Request) async throws -> (village: AdminUnit, group: AdminUnit?) {
        let unit = try req.scoped(AdminUnit.self)
        switch unit.kind {
        case .village: return (unit, nil)
        case .group:
            guard let v = try await unit.parentID.asyncMap({ try await AdminUnit.find($0, on: req.db) }) ?? nil else { throw Abort(.notFound) }
            return (v, unit)
        default: throw Abort(.notFound)
        }
    }

    func newHousehold(req: Request) async throws -> Response {
        let (village, group) = try await placementUnits(req)
        return try await householdFormPage(req, village: village, state: FormState(values: ["groupId": group?.id?.uuidString ?? ""]),
                                           isNew: true, action: req.urlPath)
    }

    func createHousehold(req: Request) async throws -> Response {
        let (village, _) = try await placementUnits(req)
        let form = try req.content.decode(HouseholdForm.self)
        var values = ["code": form.code ?? "", "groupId": form.groupId ?? "", "address": form.address ?? "", "phone": form.phone ?? "",
                      "repName": form.repName ?? "", "repGender": form.repGender ?? "", "repBirthYear": form.repBirthYear ?? ""]
        do {
            // The form holds the first resident's fields, so a household created here always has its representative
            // (the rule is stated in Registry+Rules.swift).
            let rep = ResidentInput(fullName: form.repName ?? "", gender: form.repGender, relation: "head", isRepresentative: true,
                                    birthYearText: form.repBirthYear ?? "")
            try await RegistryAPI.checkPlacement(villageId: village.id!.uuidString, groupId: form.groupId, req)
            let h = try await RegistryActions.createHousehold(HouseholdInput(code: form.code, villageId: village.id!.uuidString, groupId: form.groupId,
                                                                             address: form.address, phone: form.phone, representative: rep), on: req.db)
            return req.redirect(to: SiteURL.household(h.id!), redirectType: .normal)
        } catch let e as InvalidInput {
            let map = ["representative.fullName": "repName", "representative.gender": "repGender", "representative.birthYear": "repBirthYear", "villageId": "groupId"]
            values["villageId"] = village.id!.uuidString
            return try await householdFormPage(req, village: village, state: FormState(values: values, issues: e.issues.map { FieldIssue(map[$0.field] ?? $0.field, $0.key, $0.args) }, lang: req.lang),
                                               isNew: true, action: req.urlPath, status: e.status)
        }
    }

    func editHousehold(req: Request) async throws -> Response {
        let (h, residents) = try await RegistryQueries.household(req.scoped(Household.self).id!, on: req.db)
        guard let village = try await AdminUnit.find(h.villageID, on: req.db) else { throw Abort(.notFound) }
        let values = ["code": h.code, "groupId": h.groupID?.uuidString ?? "", "address": h.address, "phone": h.phone ?? "",
                      "representativeId": h.representativeID?.uuidString ?? ""]
        return try await householdFormPage(req, village: village, state: FormState(values: values), isNew: false, action: req.urlPath, residents: residents)
    }

    func updateHousehold(req: Request) async throws -> Response {
        let (h, residents) = try await RegistryQueries.household(req.scoped(Household.self).id!, on: req.db)
        guard let village = try await AdminUnit.find(h.villageID, on: req.db) else { throw Abort(.notFound) }
        let form = try req.content.decode(HouseholdForm.self)
        do {
            try await RegistryAPI.checkPlacement(villageId: village.id!.uuidString, groupId: form.groupId, req)
            _ = try await RegistryActions.updateHousehold(h, HouseholdInput(code: form.code, villageId: village.id!.uuidString, groupId: form.groupId ?? "",
                                                                            address: form.address, phone: form.phone ?? "", representativeId: form.representativeId), on: req.db)
            return req.redirect(to: SiteURL.household(h.id!), redirectType: .normal)
        } catch let e as InvalidInput {
            let values = ["code": form.code ?? "", "groupId": form.groupId ?? "", "address": form.address ?? "", "phone": form.phone ?? "",
                          "representativeId": form.representativeId ?? ""]
            return try await householdFormPage(req, village: village, state: FormState(values: values, issues: e.issues, lang: req.lang),
                                               isNew: false, action: req.urlPath, residents: residents, status: e.status)
        }
    }

    // MARK: resident forms

    struct ResidentForm: Content {
        var fullName: String?
        var gender: String?
        var birthYear: String?
        var relation: String?
        var phone: String?
        var isRepresentative: String?
    }

    struct ResidentFormPage: Encodable {
        var layout: Layout
        var form: FormState
        var action: String
        var isNew: Bool
        var householdURL: String
        var genders: [SelectOption]
        var relations: [SelectOption]
    }

    func residentFormPage(_ req: Request, household: Household, state: FormState, isNew: Bool, status: HTTPResponseStatus = .ok) async throws -> Response {
        guard let village = try await AdminUnit.find(household.villageID, on: req.db) else { throw Abort(.notFound) }
        var crumbs = try await UnitCrumbs.trail(req, village)
        crumbs.append(Crumb(name: household.code, url: SiteURL.household(household.id!)))
        let view = try await req.view.render("registry/resident-form", ResidentFormPage(
            layout: Layout(req, title: req.lang.t(isNew ? "resident.new" : "resident.edit"), crumbs: crumbs),
            form: state, action: req.urlPath, isNew: isNew, householdURL: SiteURL.household(household.id!),
            genders: Self.options(req, Gender.allCases.map(\.rawValue), prefix: "gender", selected: state.values["gender"]),
            relations: Self.options(req, Relation.allCases.map(\.rawValue), prefix: "relation", selected: state.values["relation"])))
        return try await view.encodeResponse(status: status, for: req)
    }

    static func input(_ f: ResidentForm) -> ResidentInput {
        ResidentInput(fullName: f.fullName ?? "", gender: f.gender, relation: f.relation, phone: f.phone ?? "",
                      isRepresentative: f.isRepresentative == "on" || f.isRepresentative == "true", birthYearText: f.birthYear ?? "")
    }

    static func values(_ f: ResidentForm) -> [String: String] {
        ["fullName": f.fullName ?? "", "gender": f.gender ?? "", "birthYear": f.birthYear ?? "", "relation": f.relation ?? "",
         "phone": f.phone ?? "", "isRepresentative": f.isRepresentative ?? ""]
    }

    func newResident(req: Request) async throws -> Response {
        let (h, _) = try await RegistryQueries.household(req.scoped(Household.self).id!, on: req.db)
        return try await residentFormPage(req, household: h, state: FormState(values: ["relation": "child", "gender": "unknown"]), isNew: true)
    }

    func createResident(req: Request) async throws -> Response {
        let (h, _) = try await RegistryQueries.household(req.scoped(Household.self).id!, on: req.db)
        let form = try req.content.decode(ResidentForm.self)
        do {
            _ = try await RegistryActions.createResident(in: h, Self.input(form), on: req.db)
            return req.redirect(to: SiteURL.household(h.id!), redirectType: .normal)
        } catch let e as InvalidInput {
            return try await residentFormPage(req, household: h, state: FormState(values: Self.values(form), issues: e.issues, lang: req.lang), isNew: true, status: e.status)
        }
    }

    func editResident(req: Request) async throws -> Response {
        let (r, h) = (try req.scoped(Resident.self), try req.scoped(Household.self))
        let values = ["fullName": r.fullName, "gender": r.gender.rawValue, "birthYear": r.birthYear.map(String.init) ?? "",
                      "relation": r.relation.rawValue, "phone": r.phone ?? "", "isRepresentative": h.representativeID == r.id ? "on" : ""]
        return try await residentFormPage(req, household: h, state: FormState(values: values), isNew: false)
    }

    func updateResident(req: Request) async throws -> Response {
        let (r, h) = (try req.scoped(Resident.self), try req.scoped(Household.self))
        let form = try req.content.decode(ResidentForm.self)
        do {
            _ = try await RegistryActions.updateResident(r, Self.input(form), on: req.db)
            return req.redirect(to: SiteURL.household(h.id!), redirectType: .normal)
        } catch let e as InvalidInput {
            return try await residentFormPage(req, household: h, state: FormState(values: Self.values(form), issues: e.issues, lang: req.lang), isNew: false, status: e.status)
        }
    }

    // MARK: import / export

    struct ImportPage: Encodable {
        var layout: Layout
        var unitName: String
        var action: String
        var errors: [ErrorBody.Field]
        var moreErrors: Int
        var report: ImportReport?
        var columns: [String]
    }

    func importPage(_ req: Request, _ unit: AdminUnit, errors: [FieldIssue] = [], report: ImportReport? = nil, status: HTTPResponseStatus = .ok) async throws -> Response {
        var crumbs = try await UnitCrumbs.trail(req, unit)
        crumbs.append(Crumb(name: req.lang.t("import.title"), url: req.urlPath))
        let shown = errors.prefix(200)
        let view = try await req.view.render("registry/import", ImportPage(
            layout: Layout(req, title: req.lang.t("import.title"), crumbs: crumbs), unitName: unit.name,
            action: SiteURL.unitImport(.id(unit.id!)).path,
            errors: shown.map { ErrorBody.Field(field: $0.field, message: $0.message(req.lang), line: $0.line) },
            moreErrors: errors.count - shown.count, report: report, columns: RegistryCSV.columns))
        return try await view.encodeResponse(status: status, for: req)
    }

    func importForm(req: Request) async throws -> Response {
        let unit = try req.scoped(AdminUnit.self)
        guard unit.kind == .commune else { throw Abort(.notFound) }
        return try await importPage(req, unit)
    }

    struct Upload: Content { var file: File? }

    func importUpload(req: Request) async throws -> Response {
        let unit = try req.scoped(AdminUnit.self)
        guard unit.kind == .commune else { throw Abort(.notFound) }
        let limit = req.config.maxUploadMB * 1_048_576
        if let len = req.body.data?.readableBytes, len > limit + 65_536 {
            return try await importPage(req, unit, errors: [FieldIssue("file", "error.fileTooLarge", [String(req.config.maxUploadMB)])], status: .payloadTooLarge)
        }
        do {
            let upload = try req.uploadForm(Upload.self)
            guard let file = upload.file, file.data.readableBytes > 0 else { throw InvalidInput("file", "error.required") }
            let data = Data(buffer: file.data)
            let report = try await RegistryCSV.importFile(data, into: unit, on: req.db)
            return try await importPage(req, unit, report: report)
        } catch let e as InvalidInput {
            return try await importPage(req, unit, errors: e.issues, status: e.status)
        }
    }

    func export(req: Request) async throws -> Response {
        let unit = try req.scoped(AdminUnit.self)
        guard [.commune, .village, .group].contains(unit.kind) else { throw Abort(.notFound) }
        let format = SheetFile.Format(query: req.queryValue("format"))
        let data = try await RegistryCSV.export(unit: unit, format: format, on: req.db)
        try await Audit.record("export", Household.schema, unit: unit.id, on: req.db)
        return SheetFile.response(data, format: format, name: "households-\(unit.code)")
    }

    struct SearchPage: Encodable {
        var layout: Layout
        var q: String
        var households: [HouseholdRow]
        var householdTotal: Int
        var residents: [ResidentRow]
        var residentTotal: Int
        var unitName: String?
        var unitID: String
    }

    func search(req: Request) async throws -> View {
        let q = (req.queryValue("q") ?? "").trimmingCharacters(in: .whitespaces)
        var unit: AdminUnit? = nil
        if let u = req.queryValue("unit"), let id = UUID(uuidString: u) { unit = try? await req.access.unit(id, .readRegistry, on: req.db) }
        let scope = try await req.access.rootUnits(.readRegistry, on: req.db)
        var households: Paged<HouseholdDTO>? = nil
        var residents: Paged<ResidentDTO>? = nil
        if !Fold.key(q).isEmpty {
            households = try await RegistryQueries.households(.init(unit: unit, search: q, scope: scope), page: PageRequest(page: 1, per: 20), on: req.db)
            residents = try await RegistryQueries.residents(.init(unit: unit, search: q, scope: scope), page: PageRequest(page: 1, per: 20), on: req.db)
            try await Audit.recordRead("list", Resident.schema, unit: unit?.id, after: ["q": q, "rows": String((residents?.items.count ?? 0) + (households?.items.count ?? 0))], for: req)
        }
        return try await req.view.render("registry/search", SearchPage(
            layout: Layout(req, title: req.lang.t("search.title"), crumbs: [Crumb(name: req.lang.t("search.title"), url: SiteURL.search.path)]),
            q: q, households: households?.items.map(Self.row) ?? [], householdTotal: households?.total ?? 0,
            residents: residents?.items.map { Self.row($0, req.lang) } ?? [], residentTotal: residents?.total ?? 0,
            unitName: unit?.name, unitID: unit?.id?.uuidString ?? ""))
    }
}
