// Pages to manage people, their roles and API tokens (for roles with manageAccounts, within their units), and for
// anyone signed in to change their own password. They call the same AccountActions as the JSON API.
import Fluent
import Vapor

struct AccountsPages {
    func addRoutes(to app: any RoutesBuilder) {
        app.get(SiteURL.people.components, use: people).rule(.list(.manageAccounts))
        app.post(SiteURL.people.components, use: createPerson).rule(.action(.manageAccounts))
        app.get(SiteURL.person(.key).components, use: person).rule(.person(.manageAccounts))
        app.post(SiteURL.personGrants(.key).components, use: grant).rule(.person(.manageAccounts))
        app.post(SiteURL.personPassword(.key).components, use: reset).rule(.person(.manageAccounts))
        app.post(SiteURL.grantRevoke(.key).components, use: revoke).rule(.grant(.manageAccounts))
        app.get(SiteURL.tokens.components, use: tokens).rule(.list(.manageAccounts))
        app.post(SiteURL.tokens.components, use: createToken).rule(.action(.manageAccounts))
        app.post(SiteURL.tokenRevoke(.key).components, use: revokeToken).rule(.token(.manageAccounts))
        app.get(SiteURL.myPassword.components, use: passwordForm).rule(.signedIn)
        app.post(SiteURL.myPassword.components, use: changePassword).rule(.signedIn)
    }

    struct PersonRow: Encodable { var url: String; var username: String; var name: String; var roles: String; var locked: Bool }
    struct GrantRow: Encodable { var role: String; var unit: String; var revokeURL: String }
    struct TokenRow: Encodable { var name: String; var role: String; var unit: String; var lastUsed: String; var revoked: Bool; var revokeURL: String }

    struct PeoplePage: Encodable {
        var layout: Layout
        var people: [PersonRow]
        var roles: [SelectOption]
        var form: FormState
    }

    static func roleOptions(_ req: Request, selected: String?) -> [SelectOption] {
        Role.allCases.filter { $0 != .admin || req.access.roots(.manageAccounts) == nil }
            .map { SelectOption(value: $0.rawValue, label: req.lang.t("role.\($0.rawValue)"), selected: $0.rawValue == selected) }
    }

    func peoplePage(_ req: Request, form: FormState = FormState(), status: HTTPResponseStatus = .ok) async throws -> Response {
        try AccountsAPI.requirePermission(req)
        var rows: [PersonRow] = []
        for p in try await AccountActions.people(access: req.access, on: req.db) {
            let dto = try await AccountActions.toDTO(p, on: req.db)
            rows.append(PersonRow(url: SiteURL.person(.id(p.id!)).path, username: p.username, name: p.displayName,
                                  roles: dto.grants.map { "\(req.lang.t("role.\($0.role.rawValue)")) · \($0.unitName ?? req.lang.t("people.wholeSystem"))" }.joined(separator: "; "),
                                  locked: dto.locked))
        }
        let view = try await req.view.render("accounts/people", PeoplePage(
            layout: Layout(req, title: req.lang.t("people.title"), crumbs: [Crumb(name: req.lang.t("people.title"), url: SiteURL.people.path)]),
            people: rows, roles: Self.roleOptions(req, selected: form.values["role"]), form: form))
        return try await view.encodeResponse(status: status, for: req)
    }

    func people(req: Request) async throws -> Response { try await peoplePage(req) }

    func createPerson(req: Request) async throws -> Response {
        try AccountsAPI.requirePermission(req)
        let input = try req.content.decode(PersonInput.self)
        do {
            let (role, unit) = try await AccountActions.checkGrant(role: input.role, unitRaw: input.unitId, access: req.access, on: req.db)
            var c = Checker()
            let display = c.text("displayName", input.displayName, max: 120)
            let phone = c.phone("phone", input.phone)
            try c.check()
            let p = try await AccountActions.createPerson(username: input.username ?? "", displayName: display, password: input.password ?? "",
                                                          role: role, unit: unit, phone: phone, app: req.application)
            return req.redirect(to: SiteURL.person(.id(p.id!)).path, redirectType: .normal)
        } catch let e as InvalidInput {
            let values = ["username": input.username ?? "", "displayName": input.displayName ?? "", "phone": input.phone ?? "",
                          "role": input.role ?? "", "unitId": input.unitId ?? ""]
            return try await peoplePage(req, form: FormState(values: values, issues: e.issues, lang: req.lang), status: e.status)
        }
    }

    struct PersonPage: Encodable {
        var layout: Layout
        var username: String
        var name: String
        var phone: String
        var locked: Bool
        var grants: [GrantRow]
        var roles: [SelectOption]
        var grantURL: String
        var passwordURL: String
        var form: FormState
    }

    func personPage(_ req: Request, _ p: Person, form: FormState = FormState(), status: HTTPResponseStatus = .ok) async throws -> Response {
        let dto = try await AccountActions.toDTO(p, on: req.db)
        var grants: [GrantRow] = []
        for g in dto.grants where try await req.access.covers(.manageAccounts, unitID: g.unitId, on: req.db) {
            grants.append(GrantRow(role: req.lang.t("role.\(g.role.rawValue)"), unit: g.unitName ?? req.lang.t("people.wholeSystem"),
                                   revokeURL: SiteURL.grantRevoke(.id(g.id)).path))
        }
        let view = try await req.view.render("accounts/person", PersonPage(
            layout: Layout(req, title: p.displayName, crumbs: [Crumb(name: req.lang.t("people.title"), url: SiteURL.people.path),
                                                               Crumb(name: p.displayName, url: SiteURL.person(.id(p.id!)).path)]),
            username: p.username, name: p.displayName, phone: p.phone ?? "", locked: dto.locked, grants: grants,
            roles: Self.roleOptions(req, selected: form.values["role"]), grantURL: SiteURL.personGrants(.id(p.id!)).path,
            passwordURL: SiteURL.personPassword(.id(p.id!)).path, form: form))
        return try await view.encodeResponse(status: status, for: req)
    }

    func person(req: Request) async throws -> Response {
        try await personPage(req, try req.scoped(Person.self))
    }

    func grant(req: Request) async throws -> Response {
        let p = try req.scoped(Person.self)
        let input = try req.content.decode(GrantInput.self)
        do {
            _ = try await AccountActions.grant(p, input, access: req.access, on: req.db)
            return req.redirect(to: SiteURL.person(.id(p.id!)).path, redirectType: .normal)
        } catch let e as InvalidInput {
            return try await personPage(req, p, form: FormState(values: ["role": input.role ?? "", "unitId": input.unitId ?? ""], issues: e.issues, lang: req.lang), status: e.status)
        }
    }

    func reset(req: Request) async throws -> Response {
        let p = try req.scoped(Person.self)
        do {
            try await AccountActions.resetPassword(p, try req.content.decode(PasswordInput.self).password, app: req.application)
            return req.redirect(to: SiteURL.person(.id(p.id!)).path, redirectType: .normal)
        } catch let e as InvalidInput {
            return try await personPage(req, p, form: FormState(values: [:], issues: e.issues, lang: req.lang), status: e.status)
        }
    }

    func revoke(req: Request) async throws -> Response {
        let g = try req.scoped(RoleGrant.self)
        try await AccountActions.revoke(g, on: req.db)
        return req.redirect(to: SiteURL.person(.id(g.personID)).path, redirectType: .normal)
    }

    struct TokensPage: Encodable {
        var layout: Layout
        var tokens: [TokenRow]
        var roles: [SelectOption]
        var form: FormState
        var secret: String?
    }

    func tokensPage(_ req: Request, form: FormState = FormState(), secret: String? = nil, status: HTTPResponseStatus = .ok) async throws -> Response {
        try AccountsAPI.requirePermission(req)
        var rows: [TokenRow] = []
        for t in try await ApiToken.query(on: req.db).sort(\.$createdAt, .descending).all()
            where try await req.access.covers(.manageAccounts, unitID: t.unitID, on: req.db) {
            let unit = try await t.unitID.asyncMap { try await AdminUnit.find($0, on: req.db) } ?? nil
            rows.append(TokenRow(name: t.name, role: req.lang.t("role.\(t.role.rawValue)"), unit: unit?.name ?? req.lang.t("people.wholeSystem"),
                                 lastUsed: t.lastUsedAt.map(AuditRoutes.time) ?? "—", revoked: t.revokedAt != nil,
                                 revokeURL: SiteURL.tokenRevoke(.id(t.id!)).path))
        }
        let view = try await req.view.render("accounts/tokens", TokensPage(
            layout: Layout(req, title: req.lang.t("tokens.title"), crumbs: [Crumb(name: req.lang.t("tokens.title"), url: SiteURL.tokens.path)]),
            tokens: rows, roles: Self.roleOptions(req, selected: form.values["role"]), form: form, secret: secret))
        return try await view.encodeResponse(status: status, for: req)
    }

    func tokens(req: Request) async throws -> Response { try await tokensPage(req) }

    func createToken(req: Request) async throws -> Response {
        try AccountsAPI.requirePermission(req)
        let input = try req.content.decode(TokenInput.self)
        do {
            var c = Checker()
            let name = c.text("name", input.name, max: 80)
            try c.check()
            let (role, unit) = try await AccountActions.checkGrant(role: input.role, unitRaw: input.unitId, access: req.access, on: req.db)
            let (t, secret) = try await AccountActions.createToken(name: name, role: role, unit: unit, on: req.db)
            try await Audit.record("create", ApiToken.schema, row: t.id, unit: unit?.id, after: ["name": name, "role": role.rawValue], on: req.db)
            return try await tokensPage(req, secret: secret)
        } catch let e as InvalidInput {
            return try await tokensPage(req, form: FormState(values: ["name": input.name ?? "", "role": input.role ?? "", "unitId": input.unitId ?? ""], issues: e.issues, lang: req.lang), status: e.status)
        }
    }

    func revokeToken(req: Request) async throws -> Response {
        let t = try req.scoped(ApiToken.self)
        try await AccountActions.revokeToken(t, on: req.db)
        return req.redirect(to: SiteURL.tokens.path, redirectType: .normal)
    }

    struct PasswordPage: Encodable { var layout: Layout; var form: FormState; var done: Bool }

    func passwordPage(_ req: Request, form: FormState = FormState(), done: Bool = false, status: HTTPResponseStatus = .ok) async throws -> Response {
        let view = try await req.view.render("accounts/password", PasswordPage(layout: Layout(req, title: req.lang.t("password.title")), form: form, done: done))
        return try await view.encodeResponse(status: status, for: req)
    }

    func passwordForm(req: Request) async throws -> Response {
        guard req.access.personID != nil else { throw Abort(.notFound) }
        return try await passwordPage(req)
    }

    func changePassword(req: Request) async throws -> Response {
        guard let id = req.access.personID, let p = try await Person.find(id, on: req.db) else { throw Abort(.notFound) }
        do {
            try await AccountActions.changePassword(p, try req.content.decode(PasswordInput.self), keeping: req.sessionRow?.id, app: req.application)
            return try await passwordPage(req, done: true)
        } catch let e as InvalidInput {
            return try await passwordPage(req, form: FormState(values: [:], issues: e.issues, lang: req.lang), status: e.status)
        }
    }
}
