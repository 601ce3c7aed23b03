// The profile pages: a household's profile on a date with its dated history and the form that records one; a unit's
// profile import (a file, all-or-nothing, every error with its line and column) and its export.
import Fluent
import Vapor

struct ProfilesWeb {
    let maxUploadBytes: Int

    func addRoutes(to web: any RoutesBuilder) {
        web.get(SiteURL.householdProfile(.key).components, use: page).rule(.household(.visitHouseholds))
        web.post(SiteURL.householdProfile(.key).components, use: record).rule(.household(.visitHouseholds))
        web.get(SiteURL.unitProfilesImport(.key).components, use: importForm).rule(.unit(.manageTeams))
        web.on(.POST, SiteURL.unitProfilesImport(.key).components, body: .collect(maxSize: ByteCount(value: maxUploadBytes + 65_536)), use: importUpload)
            .rule(.unit(.manageTeams)).maxBody(maxUploadBytes + 65_536)
        web.get(SiteURL.unitProfilesExport(.key).components, use: export).rule(.unit(.manageTeams))
    }

    // MARK: the profile page

    struct Fact: Encodable { var label: String; var value: String }
    struct HistoryLine: Encodable { var asOf: String; var source: String; var recordedBy: String; var recordedAt: String; var summary: String }
    struct Field: Encodable { var name: String; var label: String; var value: String; var error: String?; var hint: String?; var options: [SelectOption] }

    struct Page: Encodable {
        var layout: Layout
        var code: String
        var householdURL: String
        var action: String
        var asked: String
        var askedDisplay: String?
        var residents: Int
        var adults: Int
        var facts: [Fact]
        var profileAsOf: String?
        var profileSource: String?
        var history: [HistoryLine]
        var form: FormState
        var numbers: [Field]
        var choices: [Field]
        var consentInForce: Bool
        var consentChecked: Bool
    }

    static func yesNo(_ b: Bool?, _ lang: Lang) -> String { b.map { lang.t($0 ? "profile.yes" : "profile.no") } ?? lang.t("profile.unknown") }

    static func facts(_ p: ProfileDTO?, _ lang: Lang) -> [Fact] {
        func n(_ i: Int?) -> String { i.map(String.init) ?? lang.t("profile.unknown") }
        return [
            Fact(label: lang.t("profile.internet"), value: p?.internet.map { lang.t("outreach.internet.\($0.rawValue)") } ?? lang.t("profile.unknown")),
            Fact(label: lang.t("profile.smartphoneUsers"), value: n(p?.smartphoneUsers)),
            Fact(label: lang.t("profile.adultsVneid"), value: n(p?.adultsVneid)),
            Fact(label: lang.t("profile.adultsCashless"), value: n(p?.adultsCashless)),
            Fact(label: lang.t("profile.onlineServices"), value: yesNo(p?.onlineServices, lang)),
            Fact(label: lang.t("profile.eHealth"), value: yesNo(p?.eHealth, lang)),
            Fact(label: lang.t("profile.inVillageChannel"), value: yesNo(p?.inVillageChannel, lang)
                 + (p?.channel.map { " (" + lang.t("outreach.channel.\($0.rawValue)") + ")" } ?? "")),
            Fact(label: lang.t("profile.sellsOnline"), value: yesNo(p?.sellsOnline, lang)),
            Fact(label: lang.t("profile.ownCamera"), value: yesNo(p?.ownCamera, lang)),
        ]
    }

    /// The answers known in a profile, in a line ("Cáp quang · 3 dùng điện thoại thông minh · …").
    static func summary(_ p: ProfileDTO, _ lang: Lang) -> String {
        var parts: [String] = []
        if let i = p.internet { parts.append(lang.t("outreach.internet.\(i.rawValue)")) }
        if let n = p.smartphoneUsers { parts.append(lang.t("profile.short.smartphoneUsers", [String(n)])) }
        if let n = p.adultsVneid { parts.append(lang.t("profile.short.adultsVneid", [String(n)])) }
        if let n = p.adultsCashless { parts.append(lang.t("profile.short.adultsCashless", [String(n)])) }
        for (key, v) in [("onlineServices", p.onlineServices), ("eHealth", p.eHealth), ("inVillageChannel", p.inVillageChannel),
                         ("sellsOnline", p.sellsOnline), ("ownCamera", p.ownCamera)] {
            if let v { parts.append((v ? "" : lang.t("profile.short.not") + " ") + lang.t("profile.short.\(key)")) }
        }
        if let c = p.channel { parts.append(lang.t("outreach.channel.\(c.rawValue)")) }
        return parts.joined(separator: " · ")
    }

    static let flagNames = ["onlineServices", "eHealth", "inVillageChannel", "sellsOnline", "ownCamera"]

    func render(_ req: Request, _ h: Household, asOf: String?, form: FormState? = nil, status: HTTPResponseStatus = .ok) async throws -> Response {
        let lang = req.lang
        let shown = try await ProfileQueries.on(h, asOf: asOf, on: req.db)
        let history = try await ProfileQueries.history(of: h.id!, on: req.db)
        let current = asOf == nil ? shown.profile : try await ProfileRows.latest(of: [h.id!], on: req.db)[h.id!]
        // The form starts from the current answers, dated today.
        var values: [String: String] = ["asOf": req.today]
        if let p = current {
            values["internet"] = p.internet?.rawValue ?? ""
            values["smartphoneUsers"] = p.smartphoneUsers.map(String.init) ?? ""
            values["adultsVneid"] = p.adultsVneid.map(String.init) ?? ""
            values["adultsCashless"] = p.adultsCashless.map(String.init) ?? ""
            values["channel"] = p.channel?.rawValue ?? ""
            for (k, v) in zip(Self.flagNames, [p.onlineServices, p.eHealth, p.inVillageChannel, p.sellsOnline, p.ownCamera]) {
                values[k] = v.map { $0 ? "yes" : "no" } ?? ""
            }
        }
        let state = form ?? FormState(values: values)
        func field(_ name: String, hint: String? = nil, options: [SelectOption] = []) -> Field {
            let value = state.values[name] ?? ""
            return Field(name: name, label: lang.t("profile.\(name)"), value: value, error: state.errors[name], hint: hint,
                         options: options.map { var o = $0; o.selected = o.value == value; return o })
        }
        let flag = [SelectOption(value: "", label: lang.t("profile.unknown")), SelectOption(value: "yes", label: lang.t("profile.yes")),
                    SelectOption(value: "no", label: lang.t("profile.no"))]
        let consentInForce = try await Consent.query(on: req.db).filter(\.$householdID == h.id!)
            .filter(\.$purpose == OutreachConsent.purpose).filter(\.$withdrawnOn == nil).first() != nil
        var crumbs = try await UnitCrumbs.trail(req, try await AdminUnit.find(h.groupID ?? h.villageID, on: req.db))
        crumbs.append(Crumb(name: h.code, url: SiteURL.household(h.id!)))
        crumbs.append(Crumb(name: lang.t("profile.title"), url: SiteURL.householdProfile(.id(h.id!)).path))
        let view = try await req.view.render("outreach/profiles/profile", Page(
            layout: Layout(req, title: "\(lang.t("profile.title")) · \(h.code)", crumbs: crumbs),
            code: h.code, householdURL: SiteURL.household(h.id!), action: SiteURL.householdProfile(.id(h.id!)).path,
            asked: asOf ?? req.today, askedDisplay: asOf.map(Day.display),
            residents: shown.residents, adults: shown.adults, facts: Self.facts(shown.profile, lang),
            profileAsOf: shown.profile.map { Day.display($0.asOf) }, profileSource: shown.profile.map { lang.t("profile.source.\($0.source.rawValue)") },
            history: history.map { HistoryLine(asOf: Day.display($0.profile.asOf), source: lang.t("profile.source.\($0.profile.source.rawValue)"),
                                               recordedBy: $0.recordedBy ?? "", recordedAt: AuditRoutes.time($0.recordedAt), summary: Self.summary($0.profile, lang)) },
            form: state,
            numbers: [field("smartphoneUsers", hint: lang.t("profile.residentsHint", [String(shown.residents)])),
                      field("adultsVneid", hint: lang.t("profile.adultsHint", [String(shown.adults)])),
                      field("adultsCashless", hint: lang.t("profile.adultsHint", [String(shown.adults)]))],
            choices: [field("internet", options: [SelectOption(value: "", label: lang.t("profile.unknown"))]
                            + InternetAccess.allCases.map { SelectOption(value: $0.rawValue, label: lang.t("outreach.internet.\($0.rawValue)")) })]
                + Self.flagNames.prefix(3).map { field($0, options: flag) }
                + [field("channel", options: [SelectOption(value: "", label: lang.t("profile.unknown"))]
                         + VillageChannel.allCases.map { SelectOption(value: $0.rawValue, label: lang.t("outreach.channel.\($0.rawValue)")) })]
                + Self.flagNames.suffix(2).map { field($0, options: flag) },
            consentInForce: consentInForce, consentChecked: state.values["consent"] == "yes"))
        return try await view.encodeResponse(status: status, for: req)
    }

    func page(req: Request) async throws -> Response {
        let h = try req.scoped(Household.self)
        let asOf: String?
        do { asOf = try ProfileQueries.asOf(req) } catch { asOf = nil }
        try await ProfilesRoutes.audited(req, h)
        return try await render(req, h, asOf: asOf)
    }

    struct ProfileForm: Content, ProfileFormFields {
        var asOf: String?
        var internet: String?
        var smartphoneUsers: String?
        var adultsVneid: String?
        var adultsCashless: String?
        var onlineServices: String?
        var eHealth: String?
        var inVillageChannel: String?
        var channel: String?
        var sellsOnline: String?
        var ownCamera: String?
        var consent: String?
    }

    func record(req: Request) async throws -> Response {
        let h = try req.scoped(Household.self)
        let f = try req.content.decode(ProfileForm.self)
        var c = Checker()
        let answers = f.answers
        var values = f.profileValues
        values["asOf"] = f.asOf ?? ""
        let consent = f.consentGiven
        let checked = try await ProfileActions.check(ProfileInput(asOf: f.asOf, profile: answers, consent: consent), household: h, into: &c, on: req.db)
        if let checked, c.issues.isEmpty {
            let p = try await ProfileActions.write(checked, household: h, consent: consent, access: req.access, on: req.db)
            return req.redirect(to: SiteURL.householdProfile(.id(h.id!)).path + "?asOf=\(p.asOf)", redirectType: .normal)
        }
        // The form names fields without the API's "profile." prefix.
        let issues = c.issues.map { i -> FieldIssue in
            var j = i
            if j.field.hasPrefix("profile.") { j.field = String(j.field.dropFirst(8)) }
            return j
        }
        var state = FormState(values: values, issues: issues, lang: req.lang)
        if let all = issues.first(where: { $0.field == "profile" }) { state.errors["summary"] = all.message(req.lang) }
        return try await render(req, h, asOf: nil, form: state, status: .unprocessableEntity)
    }

    // MARK: import and export

    struct ImportPage: Encodable {
        var layout: Layout
        var unitName: String
        var action: String
        var errors: [ErrorBody.Field]
        var moreErrors: Int
        var report: ProfileImportReport?
        var columns: [String]
        var templateURL: String
        var exportURL: String
    }

    func importPage(_ req: Request, _ unit: AdminUnit, errors: [FieldIssue] = [], report: ProfileImportReport? = nil, status: HTTPResponseStatus = .ok) async throws -> Response {
        var crumbs = try await UnitCrumbs.trail(req, unit)
        crumbs.append(Crumb(name: req.lang.t("profile.import.title"), url: req.urlPath))
        let shown = errors.prefix(200)
        let view = try await req.view.render("outreach/profiles/import", ImportPage(
            layout: Layout(req, title: req.lang.t("profile.import.title"), crumbs: crumbs), unitName: unit.name,
            action: SiteURL.unitProfilesImport(.id(unit.id!)).path,
            errors: shown.map { ErrorBody.Field(field: $0.field, message: $0.message(req.lang), line: $0.line) },
            moreErrors: errors.count - shown.count, report: report, columns: ProfilesCSV.columns,
            templateURL: SiteURL.profilesTemplate.path, exportURL: SiteURL.unitProfilesExport(.id(unit.id!)).path))
        return try await view.encodeResponse(status: status, for: req)
    }

    func importForm(req: Request) async throws -> Response {
        try await importPage(req, try ProfilesRoutes.unit(req, groups: false))
    }

    struct Upload: Content { var file: File? }

    func importUpload(req: Request) async throws -> Response {
        let unit = try ProfilesRoutes.unit(req, groups: false)
        do {
            let upload = try req.uploadForm(Upload.self)
            guard let file = upload.file, file.data.readableBytes > 0 else { throw InvalidInput("file", "error.required") }
            let report = try await ProfilesCSV.importFile(Data(buffer: file.data), into: unit, access: req.access, on: req.db)
            return try await importPage(req, unit, report: report)
        } catch let e as InvalidInput {
            return try await importPage(req, unit, errors: e.issues, status: e.status)
        }
    }

    func export(req: Request) async throws -> Response {
        let unit = try ProfilesRoutes.unit(req, groups: true)
        return try await Self.exportResponse(req, unit, format: SheetFile.Format(query: req.queryValue("format")))
    }

    static func exportResponse(_ req: Request, _ unit: AdminUnit, format: SheetFile.Format) async throws -> Response {
        let (data, profiles) = try await ProfilesCSV.export(unit: unit, format: format, on: req.db)
        try await Audit.record("export", HouseholdProfile.schema, unit: unit.id, after: ["profiles": String(profiles)], on: req.db)
        return SheetFile.response(data, format: format, name: "profiles-\(unit.code)")
    }
}
