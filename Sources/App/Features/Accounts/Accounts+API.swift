// JSON routes for people, role grants and API tokens (Resources/openapi.json), within the caller's scope.
import Fluent
import Vapor

struct AccountsAPI {
    func addRoutes(to api: any RoutesBuilder) {
        api.get(APIURL.people.components, use: list).rule(.list(.manageAccounts))
        api.post(APIURL.people.components, use: create).rule(.action(.manageAccounts))
        api.get(APIURL.person(.key).components, use: get).rule(.person(.manageAccounts))
        api.post(APIURL.personGrants(.key).components, use: addGrant).rule(.person(.manageAccounts))
        api.post(APIURL.personPassword(.key).components, use: resetPassword).rule(.person(.manageAccounts))
        api.delete(APIURL.grant(.key).components, use: revoke).rule(.grant(.manageAccounts))
        api.get(APIURL.tokens.components, use: tokens).rule(.list(.manageAccounts))
        api.post(APIURL.tokens.components, use: createToken).rule(.action(.manageAccounts))
        api.delete(APIURL.token(.key).components, use: revokeToken).rule(.token(.manageAccounts))
    }

    static func requirePermission(_ req: Request) throws {
        guard req.access.has(.manageAccounts) else { throw Abort(.notFound) }
    }

    func list(req: Request) async throws -> [PersonDTO] {
        try Self.requirePermission(req)
        var out: [PersonDTO] = []
        for p in try await AccountActions.people(access: req.access, on: req.db) { out.append(try await AccountActions.toDTO(p, on: req.db)) }
        return out
    }

    func create(req: Request) async throws -> Response {
        try Self.requirePermission(req)
        let input = try req.content.decode(PersonInput.self)
        let (role, unit) = try await AccountActions.checkGrant(role: input.role, unitRaw: input.unitId, access: req.access, on: req.db)
        var c = Checker()
        let display = c.text("displayName", input.displayName ?? input.username, max: 120)
        let phone = c.phone("phone", input.phone)
        try c.check()
        let p = try await AccountActions.createPerson(username: input.username ?? "", displayName: display, password: input.password ?? "",
                                                      role: role, unit: unit, phone: phone, app: req.application)
        return try await AccountActions.toDTO(p, on: req.db).encodeResponse(status: .created, for: req)
    }

    func get(req: Request) async throws -> PersonDTO {
        try await AccountActions.toDTO(req.scoped(Person.self), on: req.db)
    }

    func addGrant(req: Request) async throws -> Response {
        let p = try req.scoped(Person.self)
        _ = try await AccountActions.grant(p, try req.content.decode(GrantInput.self), access: req.access, on: req.db)
        return try await AccountActions.toDTO(p, on: req.db).encodeResponse(status: .created, for: req)
    }

    func resetPassword(req: Request) async throws -> HTTPStatus {
        let p = try req.scoped(Person.self)
        try await AccountActions.resetPassword(p, try req.content.decode(PasswordInput.self).password, app: req.application)
        return .noContent
    }

    func revoke(req: Request) async throws -> HTTPStatus {
        let g = try req.scoped(RoleGrant.self)
        try await AccountActions.revoke(g, on: req.db)
        return .noContent
    }

    func tokens(req: Request) async throws -> [TokenDTO] {
        try Self.requirePermission(req)
        var out: [TokenDTO] = []
        for t in try await ApiToken.query(on: req.db).sort(\.$createdAt, .descending).all()
            where try await req.access.covers(.manageAccounts, unitID: t.unitID, on: req.db) { out.append(t.toDTO()) }
        return out
    }

    func createToken(req: Request) async throws -> Response {
        try Self.requirePermission(req)
        let input = try req.content.decode(TokenInput.self)
        var c = Checker()
        let name = c.text("name", input.name, max: 80)
        try c.check()
        let (role, unit) = try await AccountActions.checkGrant(role: input.role, unitRaw: input.unitId, access: req.access, on: req.db)
        let (t, secret) = try await req.db.auditedTransaction { db in
            let made = try await AccountActions.createToken(name: name, role: role, unit: unit, on: db)
            try await Audit.record("create", ApiToken.schema, row: made.0.id, unit: unit?.id, after: ["name": name, "role": role.rawValue], on: db)
            return made
        }
        return try await t.toDTO(secret: secret).encodeResponse(status: .created, for: req)
    }

    func revokeToken(req: Request) async throws -> TokenDTO {
        let t = try req.scoped(ApiToken.self)
        try await AccountActions.revokeToken(t, on: req.db)
        return t.toDTO()
    }
}
