// Pages and JSON routes for consent and data-subject requests, all on a household the caller holds
// `personalData` on (Support/Access.swift).
import Fluent
import Vapor

struct PersonalDataRoutes {
    func addRoutes(web: any RoutesBuilder, api: any RoutesBuilder) {
        web.get(SiteURL.householdData(.key).components, use: page).rule(.household(.personalData))
        web.get(SiteURL.householdDataJSON(.key).components, use: json).rule(.household(.personalData))
        web.get(SiteURL.consentNew(.key).components, use: consentForm).rule(.household(.personalData))
        web.post(SiteURL.consentNew(.key).components, use: consentCreate).rule(.household(.personalData))
        web.post(SiteURL.consentWithdraw(.key).components, use: consentWithdraw).rule(.household(.personalData))
        web.post(SiteURL.householdErase(.key).components, use: erase).rule(.household(.personalData))
        api.get(APIURL.householdConsents(.key).components, use: apiConsents).rule(.household(.personalData))
        api.post(APIURL.householdConsents(.key).components, use: apiConsentCreate).rule(.household(.personalData))
        api.post(APIURL.householdConsentsWithdraw(.key).components, use: apiWithdraw).rule(.household(.personalData))
        api.get(APIURL.householdPersonalData(.key).components, use: json).rule(.household(.personalData))
        api.post(APIURL.householdErase(.key).components, use: apiErase).rule(.household(.personalData))
    }

    static func household(_ req: Request) async throws -> Household {
        try req.scoped(Household.self)
    }

    // MARK: JSON

    func apiConsents(req: Request) async throws -> [ConsentDTO] {
        let h = try await Self.household(req)
        return try await PersonalData.consents(of: h.id!, on: req.db).map { $0.toDTO() }
    }

    func apiConsentCreate(req: Request) async throws -> Response {
        let h = try await Self.household(req)
        let c = try await PersonalData.record(try req.content.decode(ConsentInput.self), for: h, on: req.db)
        return try await c.toDTO().encodeResponse(status: .created, for: req)
    }

    func apiWithdraw(req: Request) async throws -> ConsentDTO {
        let h = try await Self.household(req)
        return try await PersonalData.withdraw(try req.content.decode(WithdrawInput.self), for: h, on: req.db).toDTO()
    }

    func json(req: Request) async throws -> Response {
        let h = try await Self.household(req)
        let export = try await PersonalData.export(h, on: req.db)
        try await Audit.record("export", Household.schema, row: h.id, unit: h.groupID ?? h.villageID, on: req.db)
        let res = try await export.encodeResponse(for: req)
        if req.urlPath.hasSuffix(".json") {
            res.headers.contentDisposition = .init(.attachment, filename: "du-lieu-ho-\(h.code).json")
        }
        return res
    }

    func apiErase(req: Request) async throws -> HouseholdDetailDTO {
        let h = try await Self.household(req)
        return try await PersonalData.erase(h, try req.content.decode(EraseInput.self), config: req.config, on: req.db)
    }

    // MARK: pages

    struct ConsentRow: Encodable { var id: String; var purpose: String; var givenOn: String; var collectedBy: String; var withdrawnOn: String }
    struct ResidentLine: Encodable { var name: String; var relation: String; var birthYear: String; var gender: String; var phone: String }
    struct LogLine: Encodable { var at: String; var actor: String; var action: String }
    struct ProfileLine: Encodable { var asOf: String; var source: String; var recordedBy: String; var summary: String }
    struct VisitLine: Encodable { var visitedOn: String; var visitors: String; var helped: String; var outcome: String; var notes: String; var voided: String }
    struct ContributionLine: Encodable { var day: String; var purpose: String; var amount: String; var method: String; var receiptNo: String; var anonymous: Bool; var reason: String }
    struct ReportLine: Encodable { var code: String; var submittedAt: String; var category: String; var status: String; var place: String; var description: String; var answer: String; var photos: Int }

    /// A consent's purpose as people read it: a purpose the application knows by name gets its label.
    static func purposeLabel(_ purpose: String, _ lang: Lang) -> String {
        purpose == OutreachConsent.purpose ? lang.t("profile.consentPurpose") : purpose
    }

    struct DataPage: Encodable {
        var layout: Layout
        var code: String
        var address: String
        var phone: String
        var village: String
        var group: String
        var representative: String
        var residents: [ResidentLine]
        var consents: [ConsentRow]
        var profiles: [ProfileLine]
        var visits: [VisitLine]
        var contributions: [ContributionLine]
        var reports: [ReportLine]
        var log: [LogLine]
        var householdURL: String
        var jsonURL: String
        var consentURL: String
        var withdrawURL: String
        var eraseURL: String
        var form: FormState
    }

    func renderPage(_ req: Request, _ h: Household, form: FormState = FormState(), status: HTTPResponseStatus = .ok) async throws -> Response {
        let e = try await PersonalData.export(h, on: req.db)
        let id = Ref.id(h.id!)
        var crumbs = try await UnitCrumbs.trail(req, try await AdminUnit.find(h.groupID ?? h.villageID, on: req.db))
        crumbs.append(Crumb(name: h.code, url: SiteURL.household(h.id!)))
        let view = try await req.view.render("personal/data", DataPage(
            layout: Layout(req, title: req.lang.t("personal.title"), crumbs: crumbs),
            code: h.code, address: e.household.address, phone: e.household.phone ?? "", village: e.village, group: e.group ?? "",
            representative: e.household.representativeName ?? "",
            residents: e.residents.map { ResidentLine(name: $0.fullName, relation: req.lang.t("relation.\($0.relation.rawValue)"),
                                                      birthYear: $0.birthYear.map(String.init) ?? "", gender: req.lang.t("gender.\($0.gender.rawValue)"), phone: $0.phone ?? "") },
            consents: e.consents.map { ConsentRow(id: $0.id.uuidString, purpose: Self.purposeLabel($0.purpose, req.lang), givenOn: Day.display($0.givenOn), collectedBy: $0.collectedBy, withdrawnOn: Day.display($0.withdrawnOn ?? "")) },
            profiles: e.profiles.map { ProfileLine(asOf: Day.display($0.profile.asOf), source: req.lang.t("profile.source.\($0.profile.source.rawValue)"),
                                                   recordedBy: $0.recordedBy ?? "", summary: ProfilesWeb.summary($0.profile, req.lang)) },
            visits: e.visits.map { v in VisitLine(visitedOn: Day.display(v.visitedOn), visitors: v.visitors,
                                                  helped: v.helped.map { req.lang.t("outreach.help.\($0.rawValue)") }.joined(separator: ", "),
                                                  outcome: req.lang.t("outreach.outcome.\(v.outcome.rawValue)"), notes: v.notes ?? "",
                                                  voided: v.voided ? req.lang.t("profile.voided", [v.voidReason ?? ""]) : "") },
            contributions: e.contributions.map { c in ContributionLine(day: Day.display(c.receivedOn), purpose: c.purpose, amount: Money.format(c.amountDong, req.lang),
                                                                    method: c.method.map { req.lang.t("ledger.method.\($0)") } ?? "", receiptNo: c.receiptNo ?? "",
                                                                    anonymous: c.anonymous, reason: c.reason ?? "") },
            reports: e.reports.map { d in let r = d.report
                return ReportLine(code: r.code, submittedAt: AuditRoutes.time(r.submittedAt), category: req.lang.t("reports.category.\(r.category.rawValue)"),
                                  status: req.lang.t("reports.status.\(r.status.rawValue)"), place: r.place ?? "", description: r.description,
                                  answer: r.answer ?? r.closeReason ?? "", photos: d.photos.count) },
            log: e.accessLog.prefix(50).map { LogLine(at: AuditRoutes.time($0.at), actor: $0.actor, action: AuditRoutes.actionName($0.action, req.lang)) },
            householdURL: SiteURL.household(h.id!), jsonURL: SiteURL.householdDataJSON(id).path, consentURL: SiteURL.consentNew(id).path,
            withdrawURL: SiteURL.consentWithdraw(id).path, eraseURL: SiteURL.householdErase(id).path, form: form))
        return try await view.encodeResponse(status: status, for: req)
    }

    func page(req: Request) async throws -> Response {
        let h = try await Self.household(req)
        try await Audit.record("export", Household.schema, row: h.id, unit: h.groupID ?? h.villageID, on: req.db)
        return try await renderPage(req, h)
    }

    struct ConsentForm: Encodable {
        var layout: Layout
        var form: FormState
        /// The purposes the application knows by name (digital support), offered as choices beside a written one.
        var purposes: [SelectOption]
        var action: String
        var householdURL: String
    }

    func consentPage(_ req: Request, _ h: Household, form: FormState, status: HTTPResponseStatus = .ok) async throws -> Response {
        let view = try await req.view.render("personal/consent", ConsentForm(
            layout: Layout(req, title: req.lang.t("consent.new")), form: form,
            purposes: [SelectOption(value: OutreachConsent.purpose, label: req.lang.t("profile.consentPurpose")),
                       SelectOption(value: "", label: req.lang.t("profile.consentOther"))].map {
                var o = $0; o.selected = (form.values["purposeChoice"] ?? "") == o.value; return o
            },
            action: SiteURL.consentNew(.id(h.id!)).path,
            householdURL: SiteURL.householdData(.id(h.id!)).path))
        return try await view.encodeResponse(status: status, for: req)
    }

    func consentForm(req: Request) async throws -> Response {
        let h = try await Self.household(req)
        return try await consentPage(req, h, form: FormState(values: ["givenOn": Day.today(), "collectedBy": req.access.displayName]))
    }

    func consentCreate(req: Request) async throws -> Response {
        let h = try await Self.household(req)
        var input = try req.content.decode(ConsentInput.self)
        // A purpose chosen from the known ones wins over the written one.
        let choice = (try? req.content.get(String.self, at: "purposeChoice")) ?? ""
        if choice == OutreachConsent.purpose { input.purpose = choice }
        do {
            _ = try await PersonalData.record(input, for: h, on: req.db)
            return req.redirect(to: SiteURL.householdData(.id(h.id!)).path, redirectType: .normal)
        } catch let e as InvalidInput {
            let values = ["purposeChoice": choice, "purpose": choice.isEmpty ? input.purpose ?? "" : "", "givenOn": input.givenOn ?? "", "collectedBy": input.collectedBy ?? ""]
            return try await consentPage(req, h, form: FormState(values: values, issues: e.issues, lang: req.lang), status: e.status)
        }
    }

    func consentWithdraw(req: Request) async throws -> Response {
        let h = try await Self.household(req)
        do {
            _ = try await PersonalData.withdraw(try req.content.decode(WithdrawInput.self), for: h, on: req.db)
            return req.redirect(to: SiteURL.householdData(.id(h.id!)).path, redirectType: .normal)
        } catch let e as InvalidInput {
            return try await renderPage(req, h, form: FormState(values: [:], issues: e.issues, lang: req.lang), status: e.status)
        }
    }

    struct EraseForm: Content { var confirm: String? }

    func erase(req: Request) async throws -> Response {
        let h = try await Self.household(req)
        let form = try req.content.decode(EraseForm.self)
        do {
            _ = try await PersonalData.erase(h, EraseInput(confirm: form.confirm == "yes" || form.confirm == "on"), config: req.config, on: req.db)
            return req.redirect(to: SiteURL.householdData(.id(h.id!)).path, redirectType: .normal)
        } catch let e as InvalidInput {
            return try await renderPage(req, h, form: FormState(values: [:], issues: e.issues, lang: req.lang), status: e.status)
        }
    }
}
