// Creating people, granting roles and issuing API tokens: used by the CLI, the demo and (next) the admin pages.
import Fluent
import Vapor

public enum AccountActions {
    /// Creates a person with one role on a unit (nil: the whole system, for administrators).
    public static func createPerson(username: String, displayName: String, password: String, role: Role, unit: AdminUnit?,
                                    phone: String? = nil, app: Application) async throws -> Person {
        var c = Checker()
        let name = c.text("username", username.lowercased(), max: 40)
        if !name.isEmpty && !Codes.isLocal(name, max: 40) { c.add("username", "error.localCode") }
        if password.count < 8 { c.add("password", "error.passwordShort") }
        if role == .admin && unit != nil { c.add("unit", "error.adminWholeSystem") }
        if role != .admin && unit == nil { c.add("unit", "error.required") }
        try c.check()
        if try await Person.query(on: app.db).filter(\.$username == name).count() > 0 {
            throw InvalidInput("username", "error.duplicateCode", [name])
        }
        let hash = try await app.password.async.hash(password)
        return try await app.db.auditedTransaction { db in
            let p = Person()
            p.id = UUID.random()
            p.username = name
            p.displayName = displayName
            p.phone = phone
            p.passwordHash = hash
            p.failedCount = 0
            p.active = true
            try await p.create(on: db)
            let grant = RoleGrant(personID: p.id!, role: role, unitID: unit?.id)
            try await grant.create(on: db)
            // Never the password or its hash.
            try await Audit.record("create", Person.schema, row: p.id, unit: unit?.id,
                                   after: ["username": name, "displayName": displayName, "role": role.rawValue], on: db)
            return p
        }
    }

    /// Issues a token; answers it once (only its hash is kept).
    public static func createToken(name: String, role: Role, unit: AdminUnit?, on db: any Database) async throws -> (ApiToken, String) {
        let secret = Tokens.generate()
        let t = ApiToken()
        t.id = UUID.random()
        t.name = name
        t.tokenHash = Tokens.hash(secret)
        t.role = role
        t.unitID = unit?.id
        try await t.create(on: db)
        return (t, secret)
    }
}

struct UserCommand: AsyncCommandGroup {
    var help: String { "Accounts: create" }
    var commands: [String: any AnyAsyncCommand] { ["create": UserCreateCommand()] }
}

struct UserCreateCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "username") var username: String?
        @Option(name: "name", help: "Display name (default: the username)") var name: String?
        @Option(name: "role", help: "admin, provinceCoordinator, communeOfficial, justiceOfficer, villageHead, groupHead, digitalTeamMember, householdRepresentative, producer") var role: String?
        @Option(name: "unit", help: "Official code of the unit (province or commune); none for admin") var unit: String?
    }
    var help: String { "Creates a person with a role; the password comes from THONSO_PASSWORD or is generated and printed once" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        guard let username = signature.username, let roleRaw = signature.role, let role = Role(rawValue: roleRaw) else {
            context.console.error("--username and --role (one of: \(Role.allCases.map(\.rawValue).joined(separator: ", "))) are required")
            throw ExitCode(2)
        }
        var unit: AdminUnit? = nil
        if let code = signature.unit {
            let kinds: [UnitKind] = code.count == 2 ? [.province] : [.commune]
            unit = try await UnitQueries.byCode(code, kind: kinds[0], on: app.db)
            if unit == nil { context.console.error("--unit: no province or commune with code \(code)"); throw ExitCode(2) }
        }
        let given = ProcessInfo.processInfo.environment["THONSO_PASSWORD"]
        let password = given ?? String(Tokens.generate().dropFirst(3).prefix(16))
        do {
            _ = try await AccountActions.createPerson(username: username, displayName: signature.name ?? username,
                                                      password: password, role: role, unit: unit, app: app)
        } catch let e as InvalidInput {
            for i in e.issues { context.console.error("\(i.field): \(i.message(.en))") }
            throw ExitCode(1)
        }
        context.console.print("Created \(username) (\(role.rawValue)\(unit.map { " on \($0.name)" } ?? ", whole system")).")
        if given == nil { context.console.print("Password (shown once): \(password)") }
    }
}

struct TokenCommand: AsyncCommandGroup {
    var help: String { "API tokens: create" }
    var commands: [String: any AnyAsyncCommand] { ["create": TokenCreateCommand()] }
}

struct TokenCreateCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "name") var name: String?
        @Option(name: "role") var role: String?
        @Option(name: "unit") var unit: String?
    }
    var help: String { "Creates an API token with a role on a unit and prints it once" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        guard let name = signature.name, let role = signature.role.flatMap(Role.init(rawValue:)) else {
            context.console.error("--name and --role are required")
            throw ExitCode(2)
        }
        var unit: AdminUnit? = nil
        if let code = signature.unit {
            unit = try await UnitQueries.byCode(code, kind: code.count == 2 ? .province : .commune, on: app.db)
            if unit == nil { context.console.error("--unit: no unit with code \(code)"); throw ExitCode(2) }
        }
        let (_, secret) = try await AccountActions.createToken(name: name, role: role, unit: unit, on: app.db)
        context.console.print("Token (shown once): \(secret)")
    }
}

extension AccountActions {
    /// The unit named by an id or an official code (province 2 digits, commune 5), inside the caller's scope for
    /// managing accounts; nil for an empty value.
    static func grantUnit(_ raw: String?, field: String, access: Access, on db: any Database) async throws -> AdminUnit? {
        let text = (raw ?? "").trimmingCharacters(in: .whitespaces)
        if text.isEmpty { return nil }
        var unit: AdminUnit? = nil
        if let id = UUID(uuidString: text) { unit = try await AdminUnit.find(id, on: db) }
        else if text.count == 2 || text.count == 5 { unit = try await UnitQueries.byCode(text, kind: text.count == 2 ? .province : .commune, on: db) }
        guard let unit, try await access.allows(.manageAccounts, unit, on: db) else { throw InvalidInput(field, "error.unknownUnit") }
        return unit
    }

    /// Checks that the caller may grant `role` there: inside their scope, and administrators only by administrators.
    static func checkGrant(role raw: String?, unitRaw: String?, access: Access, on db: any Database) async throws -> (Role, AdminUnit?) {
        guard let role = Role(rawValue: (raw ?? "").trimmingCharacters(in: .whitespaces)) else {
            throw InvalidInput("role", (raw ?? "").isEmpty ? "error.required" : "error.role")
        }
        let unit = try await grantUnit(unitRaw, field: "unitId", access: access, on: db)
        if role == .admin {
            if access.roots(.manageAccounts) != nil { throw InvalidInput("role", "error.role") }
            if unit != nil { throw InvalidInput("unitId", "error.adminWholeSystem") }
        } else if unit == nil {
            throw InvalidInput("unitId", "error.required")
        }
        return (role, unit)
    }

    public static func grant(_ person: Person, _ input: GrantInput, access: Access, on db: any Database) async throws -> RoleGrant {
        let (role, unit) = try await checkGrant(role: input.role, unitRaw: input.unitId, access: access, on: db)
        return try await db.auditedTransaction { db in
            if let existing = try await RoleGrant.query(on: db).filter(\.$personID == person.id!).filter(\.$role == role)
                .filter(\.$unitID == unit?.id).first() { return existing }
            let g = RoleGrant(personID: person.id!, role: role, unitID: unit?.id)
            try await g.create(on: db)
            try await Audit.record("create", RoleGrant.schema, row: g.id, unit: unit?.id, after: ["person": person.username, "role": role.rawValue], on: db)
            return g
        }
    }

    /// Revokes an API token (once); it stops working at once.
    public static func revokeToken(_ t: ApiToken, on db: any Database) async throws {
        guard t.revokedAt == nil else { return }
        t.revokedAt = AppClock.now
        try await db.auditedTransaction { db in
            try await t.update(on: db)
            try await Audit.record("revoke", ApiToken.schema, row: t.id, unit: t.unitID, on: db)
        }
    }

    /// Revokes a grant; the person's sessions end with it (they sign in again with what they still hold).
    public static func revoke(_ g: RoleGrant, on db: any Database) async throws {
        try await db.auditedTransaction { db in
            try await g.delete(on: db)
            try await SessionStore.end(person: g.personID, on: db)
            try await Audit.record("delete", RoleGrant.schema, row: g.id, unit: g.unitID, before: ["person": g.personID.uuidString, "role": g.role.rawValue], on: db)
        }
    }

    /// A manager sets a new password: it also unlocks the account and ends every session of the person.
    public static func resetPassword(_ p: Person, _ password: String?, app: Application) async throws {
        let pw = password ?? ""
        if pw.count < 8 { throw InvalidInput("password", "error.passwordShort") }
        p.passwordHash = try await app.password.async.hash(pw)
        p.failedCount = 0
        p.lockedUntil = nil
        try await app.db.auditedTransaction { db in
            try await p.update(on: db)
            try await SessionStore.end(person: p.id!, on: db)
            try await Audit.record("resetPassword", Person.schema, row: p.id, on: db)
        }
    }

    /// The person changes their own password: their other sessions end, the one they are using stays.
    public static func changePassword(_ p: Person, _ input: PasswordInput, keeping session: UUID?, app: Application) async throws {
        var c = Checker()
        if !((try? await app.password.async.verify(input.current ?? "", created: p.passwordHash)) ?? false) { c.add("current", "error.wrongPassword") }
        if (input.password ?? "").count < 8 { c.add("password", "error.passwordShort") }
        try c.check()
        p.passwordHash = try await app.password.async.hash(input.password!)
        try await app.db.auditedTransaction { db in
            try await p.update(on: db)
            try await SessionStore.end(person: p.id!, except: session, on: db)
            try await Audit.record("changePassword", Person.schema, row: p.id, on: db)
        }
    }

    public static func toDTO(_ p: Person, on db: any Database) async throws -> PersonDTO {
        let grants = try await RoleGrant.query(on: db).filter(\.$personID == p.id!).all()
        let units = try await AdminUnit.query(on: db).filter(\.$id ~~ grants.compactMap(\.unitID)).all()
        let names = Dictionary(uniqueKeysWithValues: units.map { ($0.id!, $0.name) })
        return PersonDTO(id: p.id!, username: p.username, displayName: p.displayName, phone: p.phone, active: p.active,
                         locked: (p.lockedUntil ?? .distantPast) > AppClock.now,
                         grants: grants.map { GrantDTO(id: $0.id!, personId: $0.personID, role: $0.role, unitId: $0.unitID,
                                                       unitName: $0.unitID.flatMap { names[$0] }) })
    }

    /// People the caller manages: every grant inside the caller's scope (everyone for a system-wide caller).
    public static func people(access: Access, on db: any Database) async throws -> [Person] {
        let all = try await Person.query(on: db).sort(\.$username).all()
        if access.roots(.manageAccounts) == nil { return all }
        let grants = Dictionary(grouping: try await RoleGrant.query(on: db).all(), by: \.personID)
        var out: [Person] = []
        for p in all where try await access.manages(grants: grants[p.id!] ?? [], .manageAccounts, on: db) { out.append(p) }
        return out
    }
}
