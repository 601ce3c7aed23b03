// Signing in and out. Passwords are checked with bcrypt; repeated failures slow the answer and then lock the
// account for a while (a locked account answers exactly as a wrong password does); each client address and each
// name typed has a budget of attempts, counted in the database so several app instances share it, as they share
// sessions (Support/Sessions.swift).
import Fluent
import SQLKit
import Vapor

struct AccountsWeb {
    static let lockAfter = 5
    static let lockMinutes = 15.0

    func addRoutes(to app: any RoutesBuilder) {
        app.get(SiteURL.signIn.components, use: form).rule(.open)
        app.post(SiteURL.signIn.components, use: signIn).rule(.open)
        app.post(SiteURL.signOut.components, use: signOut).rule(.open)
    }

    struct Page: Encodable {
        var layout: Layout
        var form: FormState
        var next: String
        var message: String?
        var demo: Bool
    }

    static func safeNext(_ raw: String?) -> String { LocalPath.safe(raw, or: "/") }

    func render(_ req: Request, form: FormState, next: String, message: String? = nil, status: HTTPResponseStatus = .ok) async throws -> Response {
        let view = try await req.view.render("accounts/signin", Page(
            layout: Layout(req, title: req.lang.t("signin.title"), needsToken: true), form: form, next: next, message: message,
            demo: try await Person.query(on: req.db).filter(\.$username == "quantri").count() > 0))
        return try await view.encodeResponse(status: status, for: req)
    }

    func form(req: Request) async throws -> Response {
        try await render(req, form: FormState(), next: Self.safeNext(req.queryValue("next")))
    }

    struct Credentials: Content {
        var username: String?
        var password: String?
        var next: String?
    }

    /// Attempts allowed per client address, and per name typed (whoever types it), in a 15-minute window; kept in the
    /// database so every instance counts against the same budget.
    static let perAddress = 30, perName = 15, window = 900

    func signIn(req: Request) async throws -> Response {
        let input = try req.content.decode(Credentials.self)
        let next = Self.safeNext(input.next)
        let name = String((input.username ?? "").trimmingCharacters(in: .whitespaces).lowercased().prefix(80))
        let values = ["username": name]
        let phone = Phone.normalize(name)
        let nameKey = "signin:name:" + (phone ?? name)
        // Both budgets are counted before anything is checked, so parallel guesses are counted too; the name's only
        // once the address is within its own, so one address cannot add a counter row per name it makes up.
        let byAddress = try await RateLimit.hit("signin:addr:" + req.clientAddress, window: Self.window, on: req.db)
        let byName = byAddress > Self.perAddress ? 0 : try await RateLimit.hit(nameKey, window: Self.window, on: req.db)
        if byAddress > Self.perAddress || byName > Self.perName {
            return try await render(req, form: FormState(values: values), next: next, message: req.lang.t("signin.tooMany"), status: .tooManyRequests)
        }
        let password = input.password ?? ""
        let person: Person?
        if let phone {
            person = try await Person.query(on: req.db).filter(\.$phone == phone).first()
            if person == nil, let h = try await HouseholdSignIn.verifyPin(phone: phone, pin: password, req: req) {
                // A household representative's phone and PIN.
                try await req.startSession(household: h.id!, method: "pin")
                try await Audit.record("signIn", Household.schema, row: h.id, unit: h.groupID ?? h.villageID, on: req.db,
                                       actor: AuditActor(personID: nil, tokenID: nil, name: h.code))
                return req.redirect(to: SiteURL.myHousehold.path, redirectType: .normal)
            }
        } else {
            person = try await Person.query(on: req.db).filter(\.$username == name).first()
        }
        let now = req.now
        let ok: Bool
        if let p = person, p.active, (p.lockedUntil ?? .distantPast) <= now {
            ok = (try? await req.password.async.verify(password, created: p.passwordHash)) ?? false
        } else {
            // The same work whether the name is unknown, inactive or locked, so neither the answer nor its timing
            // tells them apart.
            _ = try? await req.password.async.hash(password)
            ok = false
        }
        guard ok, let p = person else {
            var delay = 0.3
            if let p = person, (p.lockedUntil ?? .distantPast) <= now {
                let failed = try await Self.countFailure(p.id!, now: now, on: req.db)
                delay = min(3, 0.3 * Double(failed))
            }
            try await Audit.record("signInFailed", Person.schema, row: person?.id, on: req.db,
                                   actor: AuditActor(personID: person?.id, tokenID: nil, name: String(name.prefix(40))))
            try await Task.sleep(for: .milliseconds(Int(delay * 1000)))
            return try await render(req, form: FormState(values: values, errors: ["password": req.lang.t("signin.wrong")]),
                                    next: next, status: .unauthorized)
        }
        if p.failedCount != 0 || p.lockedUntil != nil {
            try await (req.db as! any SQLDatabase).raw("UPDATE people SET failed_count = 0, locked_until = NULL WHERE id = \(bind: p.id!)").run()
        }
        try await Audit.record("signIn", Person.schema, row: p.id, on: req.db, actor: AuditActor(personID: p.id, tokenID: nil, name: p.displayName))
        try await req.startSession(person: p.id!, method: "password")
        return req.redirect(to: next, redirectType: .normal)
    }

    /// Counts a failed password in one statement (parallel failures are all counted); the fifth in a row locks the
    /// account for `lockMinutes`. Answers the failures counted before the lock.
    static func countFailure(_ id: UUID, now: Date, on db: any Database) async throws -> Int {
        let until = now.addingTimeInterval(lockMinutes * 60)
        let row = try await (db as! any SQLDatabase).raw("""
            UPDATE people SET
              locked_until = CASE WHEN failed_count + 1 >= \(bind: lockAfter) THEN \(bind: until) ELSE locked_until END,
              failed_count = CASE WHEN failed_count + 1 >= \(bind: lockAfter) THEN 0 ELSE failed_count + 1 END
            WHERE id = \(bind: id)
            RETURNING failed_count
            """).first()
        let n = try row?.decode(column: "failed_count", as: Int.self) ?? 0
        return n == 0 ? lockAfter : n
    }

    func signOut(req: Request) async throws -> Response {
        try await req.endSession()
        return req.redirect(to: SiteURL.home.path, redirectType: .normal)
    }
}
