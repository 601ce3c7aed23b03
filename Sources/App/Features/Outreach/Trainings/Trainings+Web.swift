// The training pages: the list (with the share of working-age residents trained per village), a new training, a
// training with its invitation and edit form, attendance on a phone (no JavaScript), and the printable sign-in sheet.
import Fluent
import Vapor

struct TrainingsWeb {
    func addRoutes(to web: any RoutesBuilder) {
        web.get(SiteURL.trainings.components, use: index).rule(.list(.visitHouseholds))
        web.get(SiteURL.trainingNew.components, use: newForm).rule(.action(.manageTeams))
        web.post(SiteURL.trainingNew.components, use: create).rule(.action(.manageTeams))
        web.get(SiteURL.training(.key).components, use: show).rule(.training(.visitHouseholds))
        web.post(SiteURL.training(.key).components, use: update).rule(.training(.manageTeams))
        web.get(SiteURL.trainingAttendance(.key).components, use: attendanceForm).rule(.training(.manageTeams))
        web.post(SiteURL.trainingAttendance(.key).components, use: attendance).rule(.training(.manageTeams))
        web.get(SiteURL.trainingSheet(.key).components, use: sheet).rule(.training(.manageTeams))
    }

    // MARK: view models

    struct Row: Encodable {
        var url: String
        var topic: String
        var when: String
        var place: String
        var units: String
        var attended: String
    }

    struct ShareRow: Encodable {
        var village: String
        var trained: String
        var workingAge: String
        var percent: String
        var width: Int
    }

    struct IndexPage: Encodable {
        var layout: Layout
        var rows: [Row]
        var pager: Pager
        var newURL: String
        var shares: [ShareRow]
        var asOf: String
    }

    static func when(_ t: TrainingDTO) -> String { Day.display(t.heldOn) + (t.startsAt.map { " " + $0 } ?? "") }
    static func units(_ t: TrainingDTO) -> String { t.units.map(\.name).joined(separator: ", ") }

    func index(req: Request) async throws -> View {
        let lang = req.lang
        let page = PageRequest(req, defaultPer: req.config.pageSize)
        let result = try await TrainingQueries.list(req.access, page: page, on: req.db)
        let villages = try await Self.shareVillages(req, listed: result.items)
        let shares = try await TrainingQueries.trainedShare(villageIDs: villages.map { $0.id! }, asOf: req.today, on: req.db)
        let shareRows = villages.map { v -> ShareRow in
            let s = shares[v.id!] ?? TrainedShare(trained: 0, workingAge: 0)
            return ShareRow(village: v.name, trained: lang.number(s.trained), workingAge: lang.number(s.workingAge),
                            percent: s.share.map { lang.percent($0 * 100) } ?? "–", width: Int(((s.share ?? 0) * 200).rounded()))
        }
        return try await req.view.render("outreach/trainings/index", IndexPage(
            layout: Layout(req, title: lang.t("training.title"), crumbs: [Crumb(name: lang.t("nav.home"), url: "/")]),
            rows: result.items.map { Row(url: SiteURL.training(.id($0.id)).path, topic: $0.topic, when: Self.when($0), place: $0.place,
                                         units: Self.units($0), attended: lang.number($0.attended)) },
            pager: Pager(req, page: page.page, per: page.per, total: result.total),
            newURL: req.access.has(.manageTeams) ? SiteURL.trainingNew.path : "", shares: shareRows, asOf: Day.display(req.today)))
    }

    /// The villages whose share the list shows: those under the caller's units (for either permission), or, for a
    /// caller who holds them everywhere, the villages of the communes of the trainings listed.
    static func shareVillages(_ req: Request, listed: [TrainingDTO]) async throws -> [AdminUnit] {
        let manage = req.access.roots(.manageTeams), visit = req.access.roots(.visitHouseholds)
        let q = AdminUnit.query(on: req.db).filter(\.$kind == .village)
        if manage == nil || visit == nil {
            let communes = Array(Set(listed.map(\.communeId)))
            if communes.isEmpty { return [] }
            q.filter(\.$communeID ~~ communes)
        } else {
            let roots = Array(Set(manage! + visit!))
            if roots.isEmpty { return [] }
            let units = try await AdminUnit.query(on: req.db).filter(\.$id ~~ roots).all()
            // A village root, or the villages of a commune (or higher) root.
            q.group(.or) { or in
                or.filter(\.$id ~~ units.filter { $0.kind == .village }.map { $0.id! })
                or.filter(.sql(UnitClosure.below(AdminUnit.schema, "id", units.filter { $0.kind != .village && $0.kind != .group }.map { $0.id! })))
            }
        }
        let today = req.today
        return try await q.sort(\.$code).limit(500).all().filter { $0.isInForce(on: today) }
    }

    // MARK: the form

    struct FormPage: Encodable {
        var action: String
        var form: FormState
        var units: [SelectOption]
        var teams: [SelectOption]
        var channels: [SelectOption]
        var sendInvitation: Bool
        var invitationSent: Bool
    }

    struct NewPage: Encodable {
        var layout: Layout
        var form: FormPage
    }

    struct FormBody: Content {
        var topic: String?
        var heldOn: String?
        var startsAt: String?
        var place: String?
        var trainer: String?
        var teamId: String?
        var unitIds: [String]?
        var sendInvitation: String?
        var channels: [String]?

        var send: Bool { ["on", "true", "1", "yes"].contains(sendInvitation ?? "") }
        var input: TrainingInput {
            TrainingInput(topic: topic, heldOn: heldOn, startsAt: startsAt, place: place, trainer: trainer, teamId: teamId, unitIds: unitIds,
                          sendInvitation: send, channels: channels ?? [])
        }
        var values: [String: String] {
            ["topic": topic ?? "", "heldOn": heldOn ?? "", "startsAt": startsAt ?? "", "place": place ?? "", "trainer": trainer ?? ""]
        }
    }

    /// The commune, its villages and their groups, for each commune under the caller's `manageTeams` units.
    static func unitOptions(_ req: Request, selected: Set<String>) async throws -> [SelectOption] {
        var communes: [AdminUnit]
        if let roots = try await req.access.rootUnits(.manageTeams, on: req.db) {
            communes = []
            for r in roots {
                switch r.kind {
                case .commune: communes.append(r)
                case .province, .district:
                    communes += try await AdminUnit.query(on: req.db).filter(\.$kind == .commune)
                        .filter(.sql(UnitClosure.below(AdminUnit.schema, "id", [r.id!]))).sort(\.$code).limit(50).all()
                default: break
                }
            }
        } else {
            let ids = try await AdminUnit.query(on: req.db).filter(\.$kind == .village).all(\.$communeID)
            communes = try await AdminUnit.query(on: req.db).filter(\.$id ~~ Array(Set(ids.compactMap { $0 }))).sort(\.$code).limit(20).all()
        }
        let today = req.today
        var out: [SelectOption] = []
        func add(_ u: AdminUnit, depth: Int) {
            let id = u.id!.uuidString.lowercased()
            out.append(SelectOption(value: id, label: String(repeating: "— ", count: depth) + u.name, selected: selected.contains(id),
                                    note: req.lang.t("kind.\(u.kind.rawValue)")))
        }
        for c in communes.sorted(by: { $0.code < $1.code }) where c.isInForce(on: today) {
            add(c, depth: 0)
            for v in try await AdminUnit.query(on: req.db).filter(\.$parentID == c.id).sort(\.$code).all() where v.isInForce(on: today) {
                add(v, depth: 1)
                for g in try await AdminUnit.query(on: req.db).filter(\.$parentID == v.id).sort(\.$code).all() where g.isInForce(on: today) { add(g, depth: 2) }
            }
        }
        return out
    }

    func formPage(_ req: Request, action: String, values: [String: String], units: Set<String>, team: String, channels: Set<String>,
                  sendInvitation: Bool, invitationSent: Bool, issues: [FieldIssue] = [], status: HTTPResponseStatus = .ok, title: String) async throws -> Response {
        let lang = req.lang
        let teams = try await TeamQueries.list(req.access, today: req.today, on: req.db)
        let form = FormPage(
            action: action, form: FormState(values: values, issues: issues, lang: lang),
            units: try await Self.unitOptions(req, selected: units),
            teams: [SelectOption(value: "", label: lang.t("training.noTeam"), selected: team.isEmpty)]
                + teams.map { SelectOption(value: $0.id.uuidString.lowercased(), label: "\($0.name) · \($0.unitName)", selected: $0.id.uuidString.lowercased() == team.lowercased()) },
            channels: [Channel.push, .zalo, .sms, .loudspeaker].map { ch in
                let on = ch == .loudspeaker || MessagingActions.configured(ch, req.config.messaging)
                return SelectOption(value: ch.rawValue, label: lang.t("announcement.channel.\(ch.rawValue)"), selected: channels.contains(ch.rawValue),
                                    note: on ? "" : lang.t("announcement.channelOff"))
            },
            sendInvitation: sendInvitation, invitationSent: invitationSent)
        let page = NewPage(layout: Layout(req, title: title, crumbs: [Crumb(name: lang.t("training.title"), url: SiteURL.trainings.path)]), form: form)
        return try await req.view.render("outreach/trainings/form", page).encodeResponse(status: status, for: req)
    }

    func newForm(req: Request) async throws -> Response {
        try await formPage(req, action: SiteURL.trainingNew.path, values: ["heldOn": req.today], units: [], team: "",
                           channels: Set(TrainingRules.channelsByDefault), sendInvitation: true, invitationSent: false, title: req.lang.t("training.new"))
    }

    func create(req: Request) async throws -> Response {
        let f = try req.content.decode(FormBody.self)
        do {
            let t = try await TrainingActions.create(f.input, access: req.access, app: req.application, on: req.db)
            return req.redirect(to: SiteURL.training(.id(t.id!)).path, redirectType: .normal)
        } catch let e as InvalidInput {
            return try await formPage(req, action: SiteURL.trainingNew.path, values: f.values, units: Set((f.unitIds ?? []).map { $0.lowercased() }),
                                      team: f.teamId ?? "", channels: Set(f.channels ?? []), sendInvitation: f.send, invitationSent: false,
                                      issues: e.issues, status: e.status, title: req.lang.t("training.new"))
        }
    }

    // MARK: one training

    struct ShowPage: Encodable {
        var layout: Layout
        var training: TrainingDTO
        var when: String
        var units: String
        var reachURL: String
        var announcementURL: String
        var attendanceURL: String
        var sheetURL: String
        var attended: String
        var form: FormPage?
        var saved: Bool
    }

    func showPage(_ req: Request, _ t: Training, edit: (values: [String: String], units: Set<String>, team: String, channels: Set<String>, send: Bool, issues: [FieldIssue])?,
                  status: HTTPResponseStatus = .ok) async throws -> Response {
        let lang = req.lang
        let dto = try await TrainingQueries.detail(t, on: req.db)
        let manage = try await req.access.allows(.manageTeams, unitID: t.communeID, on: req.db)
        var form: FormPage? = nil
        if manage {
            let e = edit ?? (values: ["topic": t.topic, "heldOn": t.heldOn, "startsAt": t.startsAt ?? "", "place": t.place, "trainer": t.trainer],
                             units: Set(dto.units.map { $0.id.uuidString.lowercased() }), team: t.teamID?.uuidString ?? "",
                             channels: Set(TrainingRules.channelsByDefault), send: false, issues: [])
            let teams = try await TeamQueries.list(req.access, today: req.today, on: req.db)
            form = FormPage(action: SiteURL.training(.id(t.id!)).path,
                            form: FormState(values: e.values, issues: e.issues, lang: lang), units: try await Self.unitOptions(req, selected: e.units),
                            teams: [SelectOption(value: "", label: lang.t("training.noTeam"), selected: e.team.isEmpty)]
                                + teams.map { SelectOption(value: $0.id.uuidString.lowercased(), label: "\($0.name) · \($0.unitName)", selected: $0.id.uuidString.lowercased() == e.team.lowercased()) },
                            channels: [Channel.push, .zalo, .sms, .loudspeaker].map { SelectOption(value: $0.rawValue, label: lang.t("announcement.channel.\($0.rawValue)"), selected: e.channels.contains($0.rawValue)) },
                            sendInvitation: e.send, invitationSent: t.announcementID != nil)
        }
        var reach = "", announcement = ""
        if let a = t.announcementID, req.access.has(.publishAnnouncements),
           let row = try await Announcement.find(a, on: req.db), try await req.access.allows(.publishAnnouncements, unitID: row.unitID, on: req.db) {
            reach = SiteURL.announcementReach(.id(a)).path
            announcement = SiteURL.announcement(.id(a)).path
        }
        let page = ShowPage(layout: Layout(req, title: t.topic, crumbs: [Crumb(name: lang.t("training.title"), url: SiteURL.trainings.path)]),
                            training: dto, when: Self.when(dto), units: Self.units(dto), reachURL: reach, announcementURL: announcement,
                            attendanceURL: manage ? SiteURL.trainingAttendance(.id(t.id!)).path : "",
                            sheetURL: manage ? SiteURL.trainingSheet(.id(t.id!)).path : "", attended: lang.number(dto.attended), form: form,
                            saved: req.queryValue("saved") != nil)
        return try await req.view.render("outreach/trainings/show", page).encodeResponse(status: status, for: req)
    }

    func show(req: Request) async throws -> Response {
        try await showPage(req, try req.scoped(Training.self), edit: nil)
    }

    func update(req: Request) async throws -> Response {
        let t = try req.scoped(Training.self)
        let f = try req.content.decode(FormBody.self)
        do {
            try await TrainingActions.update(t, f.input, access: req.access, app: req.application, on: req.db)
            return req.redirect(to: SiteURL.training(.id(t.id!)).path + "?saved=1", redirectType: .normal)
        } catch let e as InvalidInput {
            // The row as stored (the action changed nothing).
            guard let fresh = try await Training.find(t.id, on: req.db) else { throw Abort(.notFound) }
            return try await showPage(req, fresh, edit: (values: f.values, units: Set((f.unitIds ?? []).map { $0.lowercased() }), team: f.teamId ?? "",
                                                         channels: Set(f.channels ?? []), send: f.send, issues: e.issues), status: e.status)
        }
    }

    // MARK: attendance on a phone

    struct AttendeeRow: Encodable {
        var id: String
        var name: String
        var household: String
        var unit: String
        var attended: Bool
        var recorded: Bool
    }

    struct AttendancePage: Encodable {
        var layout: Layout
        var topic: String
        var when: String
        var action: String
        var backURL: String
        var q: String
        var page: Int
        var rows: [AttendeeRow]
        var pager: Pager
        var attended: String
        var invited: String
        var saved: String
    }

    static func row(_ a: AttendeeDTO) -> AttendeeRow {
        AttendeeRow(id: a.residentId.uuidString.lowercased(), name: a.fullName, household: "\(a.householdCode) · \(a.address)",
                    unit: a.villageName + (a.groupName.map { " › " + $0 } ?? ""), attended: a.attended == true, recorded: a.attended != nil)
    }

    func attendanceForm(req: Request) async throws -> View {
        let lang = req.lang
        let t = try req.scoped(Training.self)
        let dto = try await TrainingQueries.detail(t, on: req.db)
        let q = req.queryValue("q") ?? ""
        let page = PageRequest(req, defaultPer: req.config.pageSize)
        let (items, total) = try await TrainingQueries.attendees(t, search: q, page: page, on: req.db)
        let invited = q.isEmpty ? total : try await TrainingQueries.attendees(t, page: PageRequest(page: 1, per: 1), on: req.db).total
        try await Audit.record("view", "training_attendance", row: t.id, unit: t.communeID, after: ["residents": String(items.count)], on: req.db)
        let saved = req.queryValue("saved").flatMap { PageRequest.number($0) }
        return try await req.view.render("outreach/trainings/attendance", AttendancePage(
            layout: Layout(req, title: lang.t("training.attendance"), crumbs: [Crumb(name: lang.t("training.title"), url: SiteURL.trainings.path),
                                                                               Crumb(name: t.topic, url: SiteURL.training(.id(t.id!)).path)]),
            topic: t.topic, when: Self.when(dto), action: SiteURL.trainingAttendance(.id(t.id!)).path, backURL: SiteURL.training(.id(t.id!)).path,
            q: q, page: page.page, rows: items.map(Self.row), pager: Pager(req, page: page.page, per: page.per, total: total),
            attended: lang.number(dto.attended), invited: lang.number(invited), saved: saved.map { lang.t("training.attendanceSaved", [lang.number($0)]) } ?? ""))
    }

    struct AttendanceBody: Content {
        /// The residents the page showed (only they change).
        var shown: [String]?
        /// Those ticked as present.
        var present: [String]?
        var q: String?
        var page: String?
    }

    func attendance(req: Request) async throws -> Response {
        let t = try req.scoped(Training.self)
        let f = try req.content.decode(AttendanceBody.self)
        let present = Set((f.present ?? []).map { $0.lowercased() })
        let entries = (f.shown ?? []).map { AttendanceEntryInput(residentId: $0, attended: present.contains($0.lowercased())) }
        let n = try await TrainingActions.recordAttendance(t, entries, access: req.access, now: req.now, on: req.db)
        var query = ["saved=\(entries.count)"]
        if let q = f.q, !q.isEmpty { query.append("q=" + (q.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")) }
        if let p = f.page.flatMap({ PageRequest.number($0) }), p > 1 { query.append("page=\(min(p, PageRequest.maxPage))") }
        _ = n
        return req.redirect(to: SiteURL.trainingAttendance(.id(t.id!)).path + "?" + query.joined(separator: "&"), redirectType: .normal)
    }

    // MARK: the printable sheet

    struct SheetRow: Encodable {
        var n: Int
        var name: String
        var birthYear: String
        var household: String
        var unit: String
    }

    struct SheetPage: Encodable {
        var layout: Layout
        var training: TrainingDTO
        var when: String
        var units: String
        var rows: [SheetRow]
        var backURL: String
    }

    func sheet(req: Request) async throws -> View {
        let lang = req.lang
        let t = try req.scoped(Training.self)
        let dto = try await TrainingQueries.detail(t, on: req.db)
        let (items, _) = try await TrainingQueries.attendees(t, on: req.db)
        try await Audit.record("view", "training_attendance", row: t.id, unit: t.communeID, after: ["residents": String(items.count), "sheet": "yes"], on: req.db)
        let rows = items.enumerated().map { i, a in
            SheetRow(n: i + 1, name: a.fullName, birthYear: a.birthYear.map(String.init) ?? "", household: "\(a.householdCode) · \(a.address)",
                     unit: a.villageName + (a.groupName.map { " › " + $0 } ?? ""))
        }
        return try await req.view.render("outreach/trainings/sheet", SheetPage(
            layout: Layout(req, title: lang.t("training.sheet"), crumbs: [Crumb(name: lang.t("training.title"), url: SiteURL.trainings.path),
                                                                          Crumb(name: t.topic, url: SiteURL.training(.id(t.id!)).path)]),
            training: dto, when: Self.when(dto), units: Self.units(dto), rows: rows, backURL: SiteURL.training(.id(t.id!)).path))
    }
}
