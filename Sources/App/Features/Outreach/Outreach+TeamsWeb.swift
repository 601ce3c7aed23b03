// The teams' pages: the list (with whether each team is active), a new team, a team with its members, their recent
// visits and trainings, and the forms to add a member and record one leaving.
import Fluent
import SQLKit
import Vapor

struct TeamsWeb {
    func addRoutes(to web: any RoutesBuilder) {
        web.get(SiteURL.teams.components, use: list).rule(.list(.visitHouseholds))
        web.get(SiteURL.teamNew.components, use: newForm).rule(.action(.manageTeams))
        web.post(SiteURL.teams.components, use: create).rule(.action(.manageTeams))
        web.get(SiteURL.team(.key).components, use: show).rule(.team(.visitHouseholds))
        web.post(SiteURL.teamMembers(.key).components, use: addMember).rule(.team(.manageTeams))
        web.post(SiteURL.teamMemberLeave(.key).components, use: leave).rule(.teamMember(.manageTeams))
    }

    struct TeamRow: Encodable {
        var name: String
        var url: String
        var unit: String
        var members: Int
        var active: Bool
        var lastActivity: String
    }
    struct ListPage: Encodable { var layout: Layout; var rows: [TeamRow]; var canCreate: Bool; var newURL: String }

    func list(req: Request) async throws -> View {
        let teams = try await TeamQueries.list(req.access, today: req.today, on: req.db)
        let title = req.lang.t("team.title")
        return try await req.view.render("outreach/teams/list", ListPage(
            layout: Layout(req, title: title, crumbs: [Crumb(name: title, url: SiteURL.teams.path)]),
            rows: teams.map { TeamRow(name: $0.name, url: SiteURL.team(.id($0.id)).path, unit: $0.unitName, members: $0.memberCount,
                                      active: $0.active, lastActivity: $0.lastActivityOn.map(Day.display) ?? "") },
            canCreate: req.access.has(.manageTeams), newURL: SiteURL.teamNew.path))
    }

    struct NewPage: Encodable { var layout: Layout; var form: FormState; var units: [SelectOption]; var action: String }

    /// The villages and communes a team may serve: those inside the caller's units for manageTeams (at most 500).
    func unitOptions(_ req: Request, selected: String) async throws -> [SelectOption] {
        let q = AdminUnit.query(on: req.db).group(.or) { $0.filter(\.$kind == .village).filter(\.$kind == .commune) }
        if let roots = req.access.roots(.manageTeams) { q.filter(.sql(UnitClosure.below(AdminUnit.schema, "id", roots))) }
        let units = try await q.sort(\.$kind).sort(\.$name).limit(500).all()
        return units.map { SelectOption(value: $0.id!.uuidString, label: $0.name, selected: $0.id!.uuidString == selected) }
    }

    func newForm(req: Request) async throws -> View {
        try await renderNew(req, FormState())
    }

    func renderNew(_ req: Request, _ form: FormState) async throws -> View {
        let title = req.lang.t("team.new")
        return try await req.view.render("outreach/teams/new", NewPage(
            layout: Layout(req, title: title, crumbs: [Crumb(name: req.lang.t("team.title"), url: SiteURL.teams.path), Crumb(name: title, url: SiteURL.teamNew.path)]),
            form: form, units: try await unitOptions(req, selected: form.values["unitId"] ?? ""), action: SiteURL.teams.path))
    }

    func create(req: Request) async throws -> Response {
        let input = (try? req.content.decode(TeamInput.self)) ?? TeamInput()
        do {
            let t = try await TeamActions.create(input, access: req.access, on: req.db)
            return req.redirect(to: SiteURL.team(.id(t.id!)).path, redirectType: .normal)
        } catch let e as InvalidInput {
            let form = FormState(values: ["name": input.name ?? "", "unitId": input.unitId ?? ""], issues: e.issues, lang: req.lang)
            return try await renderNew(req, form).encodeResponse(status: e.status, for: req)
        }
    }

    struct MemberRow: Encodable {
        var index: Int
        var name: String
        var leader: Bool
        var phone: String
        var joined: String
        var left: String
        var leaveURL: String?
    }
    struct VisitRow: Encodable { var day: String; var household: String; var url: String; var outcome: String; var visitors: String }
    struct TrainingRow: Encodable { var day: String; var topic: String; var url: String }
    struct ShowPage: Encodable {
        var layout: Layout
        var team: TeamDTO
        var unitURL: String
        var lastActivity: String
        var visits90: Int
        var members: [MemberRow]
        var former: [MemberRow]
        var visits: [VisitRow]
        var trainings: [TrainingRow]
        var canManage: Bool
        var addURL: String
        var form: FormState
        var today: String
    }

    func show(req: Request) async throws -> View {
        try await renderShow(req, try req.scoped(DigitalTeam.self), FormState())
    }

    func renderShow(_ req: Request, _ team: DigitalTeam, _ form: FormState) async throws -> View {
        let detail = try await TeamQueries.detail(team, today: req.today, on: req.db)
        var canManage = false
        if req.access.has(.manageTeams) { canManage = try await req.access.allows(.manageTeams, unitID: team.unitID, on: req.db) }
        func row(_ i: Int, _ m: TeamMemberDTO) -> MemberRow {
            MemberRow(index: i, name: m.displayName, leader: m.leader, phone: m.phone ?? "", joined: Day.display(m.joinedOn), left: m.leftOn.map(Day.display) ?? "",
                      leaveURL: canManage && m.leftOn == nil ? SiteURL.teamMemberLeave(.id(m.id)).path : nil)
        }
        let visits = try await Visit.query(on: req.db).filter(\.$teamID == team.id!).filter(\.$voidedAt == nil)
            .sort(\.$visitedOn, .descending).sort(\.$createdAt, .descending).limit(20).all()
        let households = try await Household.query(on: req.db).filter(\.$id ~~ visits.map(\.householdID)).all()
        var codes: [UUID: String] = [:]
        for h in households { codes[h.id!] = h.code }
        let trainings = try await Training.query(on: req.db).filter(\.$teamID == team.id!).sort(\.$heldOn, .descending).limit(20).all()
        let title = team.name
        return try await req.view.render("outreach/teams/show", ShowPage(
            layout: Layout(req, title: title, crumbs: [Crumb(name: req.lang.t("team.title"), url: SiteURL.teams.path), Crumb(name: title, url: SiteURL.team(.id(team.id!)).path)]),
            team: detail.team, unitURL: SiteURL.unit(.id(team.unitID)).path, lastActivity: detail.team.lastActivityOn.map(Day.display) ?? "",
            visits90: detail.visitsLast90Days,
            members: detail.members.filter { $0.leftOn == nil }.enumerated().map(row),
            former: detail.members.filter { $0.leftOn != nil }.enumerated().map(row),
            visits: visits.map { v in VisitRow(day: Day.display(v.visitedOn), household: codes[v.householdID] ?? "", url: SiteURL.visitHousehold(.id(v.householdID)).path,
                                               outcome: req.lang.t("outreach.outcome.\(v.outcome.rawValue)"), visitors: v.visitors) },
            trainings: trainings.map { TrainingRow(day: Day.display($0.heldOn), topic: $0.topic, url: SiteURL.training(.id($0.id!)).path) },
            canManage: canManage, addURL: SiteURL.teamMembers(.id(team.id!)).path, form: form, today: req.today))
    }

    struct MemberForm: Content {
        var displayName: String?
        var phone: String?
        var username: String?
        var leader: String?
        var grantRole: String?
        var joinedOn: String?
    }

    func addMember(req: Request) async throws -> Response {
        let team = try req.scoped(DigitalTeam.self)
        let f = (try? req.content.decode(MemberForm.self)) ?? MemberForm()
        let input = TeamMemberInput(personId: f.username, displayName: f.displayName, phone: f.phone, leader: f.leader == "1",
                                    joinedOn: f.joinedOn, grantRole: f.grantRole == "1")
        do {
            _ = try await TeamActions.addMember(to: team, input, access: req.access, today: req.today, on: req.db)
            return req.redirect(to: SiteURL.team(.id(team.id!)).path, redirectType: .normal)
        } catch let e as InvalidInput {
            // The form names the account "username"; the action, "personId".
            let issues = e.issues.map { i in i.field == "personId" || i.field == "unitId" ? FieldIssue("username", i.key, i.args) : i }
            let values = ["displayName": f.displayName ?? "", "phone": f.phone ?? "", "username": f.username ?? "", "joinedOn": f.joinedOn ?? "",
                          "leader": f.leader ?? "", "grantRole": f.grantRole ?? ""]
            return try await renderShow(req, team, FormState(values: values, issues: issues, lang: req.lang)).encodeResponse(status: e.status, for: req)
        }
    }

    func leave(req: Request) async throws -> Response {
        let m = try req.scoped(TeamMember.self)
        let team = try req.scoped(DigitalTeam.self)
        struct Form: Content { var leftOn: String? }
        let f = (try? req.content.decode(Form.self)) ?? Form()
        _ = try await TeamActions.leave(m, team: team, on: f.leftOn, today: req.today, on: req.db)
        return req.redirect(to: SiteURL.team(.id(team.id!)).path, redirectType: .normal)
    }
}
