// A member's phone pages: the households to visit, the visit form, and the offline layer (docs/outreach.md).
// The pages work without JavaScript; `Public/js/visits.js` adds the offline layer on top (the households cached in
// IndexedDB, a queue of visits recorded with no signal, sent to the batch sync when the phone is back online) and
// `/visits/offline` is the app shell the service worker (`Public/sw.js`) answers when there is no network.
import Fluent
import Vapor

struct VisitsWeb {
    func addRoutes(to web: any RoutesBuilder) {
        web.get(SiteURL.visits.components, use: list).rule(.list(.visitHouseholds))
        web.get(SiteURL.visitsOffline.components, use: offline).rule(.list(.visitHouseholds))
        web.get(SiteURL.visitHousehold(.key).components, use: form).rule(.household(.visitHouseholds))
        web.post(SiteURL.visitRecord.components, use: record).rule(.action(.visitHouseholds))
        web.post(SiteURL.visitVoid(.key).components, use: void).rule(.visit(.visitHouseholds))
    }

    // MARK: what the views show

    struct TargetRow: Encodable {
        var url: String
        var code: String
        var representative: String
        var address: String
        var place: String
        var lastVisit: String
        /// nil when none (Leaf takes an empty text as true).
        var nextVisit: String?
        var never: Bool
    }

    /// What the offline layer needs to know, as data attributes of the page (Public/js/visits.js reads them).
    struct OfflineData: Encodable {
        var person: String
        var personName: String
        var targetsURL: String
        var syncURL: String
        var offlineURL: String
        var listURL: String
        var formURL: String
        var scriptURL: String
        var cssURL: String
        var serviceWorkerURL: String
        var signOutURL: String
        var cacheDays: Int
        var batch: Int
    }

    struct ListPage: Encodable {
        var layout: Layout
        var rows: [TargetRow]
        var units: [SelectOption]
        var unit: String
        var pager: Pager
        var empty: Bool
        var offline: OfflineData
    }

    struct HistoryRow: Encodable {
        var id: String
        var date: String
        var visitors: String
        var helped: String?
        var outcome: String
        var notes: String?
        var nextVisit: String?
        var voided: Bool
        var voidReason: String
        var voidURL: String
        var voidError: String?
        var voidValue: String
    }

    struct FormPage: Encodable {
        var layout: Layout
        var householdId: String
        var code: String
        var representative: String
        var address: String
        var place: String
        var headcount: String
        var profileAsOf: String?
        var form: FormState
        var helped: [SelectOption]
        var outcomes: [SelectOption]
        var internet: [SelectOption]
        var channels: [SelectOption]
        var yesNo: [YesNoField]
        var action: String
        var listURL: String
        var recorded: String?
        var voided: Bool
        var history: [HistoryRow]
        var offline: OfflineData
    }

    /// A yes/no/not-known answer of the profile.
    struct YesNoField: Encodable {
        var name: String
        var label: String
        var options: [SelectOption]
        var error: String?
    }

    struct OfflinePage: Encodable {
        var layout: Layout
        var helped: [SelectOption]
        var outcomes: [SelectOption]
        var internet: [SelectOption]
        var channels: [SelectOption]
        var yesNo: [YesNoField]
        var offline: OfflineData
    }

    /// The household id a link template carries; the script puts the real one in its place.
    static let placeholder = UUID(uuidString: "00000000-0000-0000-0000-000000000000")!

    static let yesNoFields = ["onlineServices", "eHealth", "inVillageChannel", "sellsOnline", "ownCamera"]
    static let countFields = ["smartphoneUsers", "adultsVneid", "adultsCashless"]

    func offlineData(_ req: Request) -> OfflineData {
        OfflineData(person: req.access.personID?.uuidString.lowercased() ?? "", personName: req.access.displayName,
                    targetsURL: APIURL.visitTargets.path, syncURL: APIURL.visitsSync.path, offlineURL: SiteURL.visitsOffline.path,
                    listURL: SiteURL.visits.path, formURL: SiteURL.visitHousehold(.id(Self.placeholder)).path,
                    scriptURL: SiteURL.visitsScript.path, cssURL: SiteURL.css.path, serviceWorkerURL: SiteURL.serviceWorker.path,
                    signOutURL: SiteURL.signOut.path, cacheDays: req.config.offlineCacheDays, batch: VisitActions.maxBatch)
    }

    static func crumbs(_ req: Request) -> [Crumb] { [Crumb(name: req.lang.t("visit.title"), url: SiteURL.visits.path)] }

    // MARK: the list

    func list(req: Request) async throws -> View {
        var unit: AdminUnit? = nil
        var unitText = ""
        if let raw = req.queryValue("unit"), !raw.isEmpty {
            // A unit outside the caller's area is not found, as on every page.
            guard let id = UUID(uuidString: raw) else { throw Abort(.notFound) }
            unit = try await req.access.unit(id, .visitHouseholds, on: req.db)
            unitText = id.uuidString
        }
        let page = PageRequest(req, defaultPer: req.config.pageSize)
        let result = try await VisitQueries.targets(req.access, unit: unit, page: page, on: req.db)
        try await Audit.record("view", "visit_targets", unit: unit?.id, after: ["households": String(result.items.count)], on: req.db)
        let rows = result.items.map { t in
            TargetRow(url: SiteURL.visitHousehold(.id(t.householdId)).path, code: t.code, representative: t.representative ?? "—",
                      address: t.address, place: [t.villageName, t.groupName].compactMap { $0 }.joined(separator: " › "),
                      lastVisit: t.lastVisitOn.map(Day.display) ?? "", nextVisit: t.nextVisitOn.map(Day.display),
                      never: t.lastVisitOn == nil)
        }
        var units = [SelectOption(value: "", label: req.lang.t("visit.allUnits"), selected: unitText.isEmpty)]
        units += try await Self.unitChoices(req).map { SelectOption(value: $0.0.uuidString, label: $0.1, selected: $0.0.uuidString == unitText) }
        return try await req.view.render("outreach/visits/list", ListPage(
            layout: Layout(req, title: req.lang.t("visit.title"), crumbs: Self.crumbs(req)),
            rows: rows, units: units, unit: unitText, pager: Pager(req, page: result.page, per: result.per, total: result.total),
            empty: rows.isEmpty, offline: offlineData(req)))
    }

    /// The villages and groups of the caller's area, for the filter (none for someone whose area is everywhere).
    static func unitChoices(_ req: Request) async throws -> [(UUID, String)] {
        guard let roots = req.access.roots(.visitHouseholds), !roots.isEmpty else { return [] }
        let top = try await AdminUnit.query(on: req.db).filter(\.$id ~~ roots).all()
        var villages = top.filter { $0.kind == .village }
        let communes = top.filter { $0.kind == .commune }.compactMap(\.id)
        if !communes.isEmpty {
            villages += try await AdminUnit.query(on: req.db).filter(\.$parentID ~~ communes).filter(\.$kind == .village).sort(\.$code).limit(200).all()
        }
        let groups = top.filter { $0.kind == .group }
        let villageIDs = villages.compactMap(\.id)
        let below = villageIDs.isEmpty ? [] : try await AdminUnit.query(on: req.db).filter(\.$parentID ~~ villageIDs).filter(\.$kind == .group).sort(\.$code).limit(400).all()
        var out: [(UUID, String)] = []
        for v in villages.sorted(by: { $0.code < $1.code }) {
            out.append((v.id!, v.name))
            for g in below where g.parentID == v.id { out.append((g.id!, "\(v.name) › \(g.name)")) }
        }
        for g in groups where !out.contains(where: { $0.0 == g.id }) { out.append((g.id!, g.name)) }
        return out
    }

    // MARK: the offline shell

    func offline(req: Request) async throws -> Response {
        let view = try await req.view.render("outreach/visits/offline", OfflinePage(
            layout: Layout(req, title: req.lang.t("offline.title"), crumbs: Self.crumbs(req) + [Crumb(name: req.lang.t("offline.title"), url: SiteURL.visitsOffline.path)]),
            helped: Self.helpedOptions(req, []), outcomes: Self.outcomeOptions(req, VisitOutcome.done.rawValue),
            internet: Self.choiceOptions(req, InternetAccess.allCases.map(\.rawValue), prefix: "outreach.internet", selected: ""),
            channels: Self.choiceOptions(req, VillageChannel.allCases.map(\.rawValue), prefix: "outreach.channel", selected: ""),
            yesNo: Self.yesNo(req, [:], [:]), offline: offlineData(req)))
        let res = try await view.encodeResponse(for: req)
        // The shell holds no household: the script fills it from the phone's own store.
        res.headers.replaceOrAdd(name: .cacheControl, value: "no-cache")
        return res
    }

    // MARK: the form

    static func helpedOptions(_ req: Request, _ chosen: [String]) -> [SelectOption] {
        VisitHelp.allCases.map { SelectOption(value: $0.rawValue, label: req.lang.t("outreach.help.\($0.rawValue)"), selected: chosen.contains($0.rawValue)) }
    }

    static func outcomeOptions(_ req: Request, _ selected: String) -> [SelectOption] {
        VisitOutcome.allCases.map { SelectOption(value: $0.rawValue, label: req.lang.t("outreach.outcome.\($0.rawValue)"), selected: $0.rawValue == selected) }
    }

    static func choiceOptions(_ req: Request, _ values: [String], prefix: String, selected: String) -> [SelectOption] {
        [SelectOption(value: "", label: req.lang.t("visit.unknown"), selected: selected.isEmpty)]
            + values.map { SelectOption(value: $0, label: req.lang.t("\(prefix).\($0)"), selected: $0 == selected) }
    }

    static func yesNo(_ req: Request, _ values: [String: String], _ errors: [String: String]) -> [YesNoField] {
        yesNoFields.map { name in
            let v = values[name] ?? ""
            return YesNoField(name: name, label: req.lang.t("visit.profile.\(name)"), options: [
                SelectOption(value: "", label: req.lang.t("visit.unknown"), selected: v.isEmpty),
                SelectOption(value: "yes", label: req.lang.t("visit.yes"), selected: v == "yes"),
                SelectOption(value: "no", label: req.lang.t("visit.no"), selected: v == "no"),
            ], error: errors[name])
        }
    }

    /// The form's values before anything is typed: today, the member's name, the current profile.
    static func initialValues(_ req: Request, profile: ProfileDTO?) -> [String: String] {
        var v = ["visitedOn": req.today, "visitors": req.access.displayName, "outcome": VisitOutcome.done.rawValue]
        if let p = profile {
            v["internet"] = p.internet?.rawValue ?? ""
            v["smartphoneUsers"] = p.smartphoneUsers.map(String.init) ?? ""
            v["adultsVneid"] = p.adultsVneid.map(String.init) ?? ""
            v["adultsCashless"] = p.adultsCashless.map(String.init) ?? ""
            v["channel"] = p.channel?.rawValue ?? ""
            func yn(_ b: Bool?) -> String { b.map { $0 ? "yes" : "no" } ?? "" }
            v["onlineServices"] = yn(p.onlineServices)
            v["eHealth"] = yn(p.eHealth)
            v["inVillageChannel"] = yn(p.inVillageChannel)
            v["sellsOnline"] = yn(p.sellsOnline)
            v["ownCamera"] = yn(p.ownCamera)
        }
        return v
    }

    func form(req: Request) async throws -> Response {
        let h = try req.scoped(Household.self)
        let profile = try await ProfileRows.latest(of: [h.id!], on: req.db)[h.id!]
        return try await formPage(req, h, state: FormState(values: Self.initialValues(req, profile: profile)), helped: [],
                                  recorded: req.queryValue("recorded"), voided: req.queryValue("voided") != nil)
    }

    func formPage(_ req: Request, _ h: Household, state: FormState, helped: [String], recorded: String? = nil, voided: Bool = false,
                  voidState: (visit: UUID, reason: String, error: String)? = nil, status: HTTPResponseStatus = .ok) async throws -> Response {
        let profile = try await ProfileRows.latest(of: [h.id!], on: req.db)[h.id!]
        let year = Int(req.today.prefix(4))!
        let count = try await ProfileRows.headcounts(of: [h.id!], years: [year], on: req.db)[h.id!]?[year] ?? HouseholdHeadcount(residents: 0, adults: 0)
        let rep = try await h.representativeID.asyncMap { try await Resident.find($0, on: req.db) } ?? nil
        let village = try await AdminUnit.find(h.villageID, on: req.db)
        let group = try await h.groupID.asyncMap { try await AdminUnit.find($0, on: req.db) } ?? nil
        let visits = try await VisitQueries.of(household: h.id!, on: req.db)
        try await Audit.record("view", Visit.schema, row: h.id, unit: h.groupID ?? h.villageID, on: req.db)
        let history = visits.map { v in
            HistoryRow(id: v.id.uuidString, date: Day.display(v.visitedOn), visitors: v.visitors,
                       helped: v.helped.isEmpty ? nil : v.helped.map { req.lang.t("outreach.help.\($0.rawValue)") }.joined(separator: ", "),
                       outcome: req.lang.t("outreach.outcome.\(v.outcome.rawValue)"), notes: v.notes,
                       nextVisit: v.nextVisitOn.map(Day.display), voided: v.voided, voidReason: v.voidReason ?? "",
                       voidURL: SiteURL.visitVoid(.id(v.id)).path,
                       voidError: voidState?.visit == v.id ? voidState?.error : nil,
                       voidValue: voidState?.visit == v.id ? voidState?.reason ?? "" : "")
        }
        var crumbs = Self.crumbs(req)
        crumbs.append(Crumb(name: h.code, url: SiteURL.visitHousehold(.id(h.id!)).path))
        let values = state.values
        let view = try await req.view.render("outreach/visits/form", FormPage(
            layout: Layout(req, title: req.lang.t("visit.record"), crumbs: crumbs),
            householdId: h.id!.uuidString, code: h.code, representative: rep?.fullName ?? "—", address: h.address,
            place: [village?.name, group?.name].compactMap { $0 }.joined(separator: " › "),
            headcount: req.lang.t("visit.headcount", [String(count.residents), String(count.adults)]),
            profileAsOf: profile.map { Day.display($0.asOf) },
            form: state, helped: Self.helpedOptions(req, helped), outcomes: Self.outcomeOptions(req, values["outcome"] ?? ""),
            internet: Self.choiceOptions(req, InternetAccess.allCases.map(\.rawValue), prefix: "outreach.internet", selected: values["internet"] ?? ""),
            channels: Self.choiceOptions(req, VillageChannel.allCases.map(\.rawValue), prefix: "outreach.channel", selected: values["channel"] ?? ""),
            yesNo: Self.yesNo(req, values, state.errors), action: SiteURL.visitRecord.path, listURL: SiteURL.visits.path,
            recorded: recorded.flatMap(Day.parse).map(Day.display), voided: voided, history: history, offline: offlineData(req)))
        return try await view.encodeResponse(status: status, for: req)
    }

    /// What the visit form posts (`helped[]`: checkboxes; yes/no answers as "yes", "no" or "").
    struct VisitForm: Content, ProfileFormFields {
        var householdId: String?
        var visitedOn: String?
        var visitors: String?
        var helped: [String]?
        var outcome: String?
        var notes: String?
        var nextVisitOn: String?
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

        var values: [String: String] {
            profileValues.merging(["visitedOn": visitedOn ?? "", "visitors": visitors ?? "", "outcome": outcome ?? "",
                                   "notes": notes ?? "", "nextVisitOn": nextVisitOn ?? ""]) { _, own in own }
        }

        /// As the rules take it.
        var input: VisitInput {
            let profile = answers
            return VisitInput(householdId: householdId, visitedOn: visitedOn, visitors: visitors, helped: helped, outcome: outcome,
                              notes: notes, nextVisitOn: nextVisitOn, profile: profile.isEmpty ? nil : profile, consent: consentGiven)
        }
    }

    func record(req: Request) async throws -> Response {
        let f = try req.content.decode(VisitForm.self)
        // The household must be one the caller may visit (else 404, as for its page).
        guard let raw = f.householdId, let hid = UUID(uuidString: raw.trimmingCharacters(in: .whitespaces)) else { throw Abort(.notFound) }
        let h = try await req.access.household(hid, .visitHouseholds, on: req.db)
        let result = try await VisitActions.record([f.input], access: req.access, lang: req.lang, on: req.db).results[0]
        switch result.status {
        case .recorded, .duplicate:
            let day = f.visitedOn.flatMap(Day.parse) ?? req.today
            return req.redirect(to: SiteURL.visitHousehold(.id(h.id!)).path + "?recorded=\(day)", redirectType: .normal)
        case .refused:
            var errors: [String: String] = [:]
            for e in result.errors ?? [] {
                let field = e.field.hasPrefix("profile.") ? String(e.field.dropFirst("profile.".count)) : e.field
                if errors[field] == nil { errors[field] = e.message }
            }
            return try await formPage(req, h, state: FormState(values: f.values, errors: errors), helped: f.helped ?? [],
                                      status: .unprocessableEntity)
        }
    }

    struct VoidForm: Content { var reason: String? }

    func void(req: Request) async throws -> Response {
        let v = try req.scoped(Visit.self)
        let h = try req.scoped(Household.self)
        let reason = try req.content.decode(VoidForm.self).reason
        do {
            _ = try await VisitActions.void(v, household: h, VoidInput(reason: reason), access: req.access, on: req.db)
            return req.redirect(to: SiteURL.visitHousehold(.id(h.id!)).path + "?voided=1", redirectType: .normal)
        } catch let e as InvalidInput {
            let profile = try await ProfileRows.latest(of: [h.id!], on: req.db)[h.id!]
            return try await formPage(req, h, state: FormState(values: Self.initialValues(req, profile: profile)), helped: [],
                                      voidState: (v.id!, reason ?? "", e.issues.first?.message(req.lang) ?? ""), status: e.status)
        }
    }
}
