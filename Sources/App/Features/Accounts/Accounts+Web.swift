// Signing in and out. Passwords are checked with bcrypt; repeated failures slow the answer and then lock the
// account for a while; each client address has a budget of attempts. Sessions live in the database, so several
// app instances share them.
import Fluent
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

    static func safeNext(_ raw: String?) -> String {
        guard let raw, raw.hasPrefix("/"), !raw.hasPrefix("//"), !raw.contains("\\") else { return "/" }
        return raw
    }

    func render(_ req: Request, form: FormState, next: String, message: String? = nil, status: HTTPResponseStatus = .ok) async throws -> Response {
        let view = try await req.view.render("accounts/signin", Page(
            layout: Layout(req, title: req.lang.t("signin.title"), needsToken: true), form: form, next: next, message: message,
            demo: try await Person.query(on: req.db).filter(\.$username == "quantri").count() > 0))
        return try await view.encodeResponse(status: status, for: req)
    }

    func form(req: Request) async throws -> Response {
        try await render(req, form: FormState(), next: Self.safeNext(req.query[String.self, at: "next"]))
    }

    struct Credentials: Content {
        var username: String?
        var password: String?
        var next: String?
    }

    func signIn(req: Request) async throws -> Response {
        let input = try req.content.decode(Credentials.self)
        let next = Self.safeNext(input.next)
        let name = (input.username ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        let values = ["username": name]
        if !(await req.application.signInLimiter.allow(req.remoteAddress?.ipAddress ?? "?")) {
            return try await render(req, form: FormState(values: values), next: next, message: req.lang.t("signin.tooMany"), status: .tooManyRequests)
        }
        let person: Person?
        if let phone = Phone.normalize(name) {
            person = try await Person.query(on: req.db).filter(\.$phone == phone).first()
            if person == nil {
                // A household representative's phone and PIN.
                let (household, locked) = try await HouseholdSignIn.verifyPin(phone: phone, pin: input.password ?? "", req: req)
                if let h = household {
                    try await req.startSession(household: h.id!, method: "pin")
                    try await Audit.record("signIn", Household.schema, row: h.id, unit: h.groupID ?? h.villageID, on: req.db,
                                           actor: AuditActor(personID: nil, tokenID: nil, name: h.code))
                    return req.redirect(to: SiteURL.myHousehold.path, redirectType: .normal)
                }
                if locked {
                    return try await render(req, form: FormState(values: values), next: next, message: req.lang.t("signin.pinLocked"), status: .tooManyRequests)
                }
            }
        } else {
            person = try await Person.query(on: req.db).filter(\.$username == name).first()
        }
        let now = Date()
        if let p = person, let until = p.lockedUntil, until > now {
            let f = DateFormatter()
            f.dateFormat = "HH:mm"
            f.timeZone = Day.zone
            return try await render(req, form: FormState(values: values), next: next,
                                    message: req.lang.t("signin.locked", [f.string(from: until)]), status: .tooManyRequests)
        }
        let password = input.password ?? ""
        let ok: Bool
        if let p = person, p.active {
            ok = (try? await req.password.async.verify(password, created: p.passwordHash)) ?? false
        } else {
            // Same work whether or not the name exists, so timing does not tell which names are taken.
            _ = try? await req.password.async.hash(password)
            ok = false
        }
        guard ok, let p = person else {
            var delay = 0.3
            if let p = person {
                p.failedCount += 1
                delay = min(3, 0.3 * Double(p.failedCount))
                if p.failedCount >= Self.lockAfter {
                    p.lockedUntil = now.addingTimeInterval(Self.lockMinutes * 60)
                    p.failedCount = 0
                }
                try await p.update(on: req.db)
            }
            try await Audit.record("signInFailed", Person.schema, row: person?.id, on: req.db,
                                   actor: AuditActor(personID: person?.id, tokenID: nil, name: String(name.prefix(40))))
            try await Task.sleep(for: .milliseconds(Int(delay * 1000)))
            return try await render(req, form: FormState(values: values, errors: ["password": req.lang.t("signin.wrong")]),
                                    next: next, status: .unauthorized)
        }
        if p.failedCount != 0 || p.lockedUntil != nil {
            p.failedCount = 0
            p.lockedUntil = nil
            try await p.update(on: req.db)
        }
        try await Audit.record("signIn", Person.schema, row: p.id, on: req.db, actor: AuditActor(personID: p.id, tokenID: nil, name: p.displayName))
        try await req.startSession(person: p.id!, method: "password")
        return req.redirect(to: next, redirectType: .normal)
    }

    func signOut(req: Request) async throws -> Response {
        try await req.endSession()
        return req.redirect(to: SiteURL.home.path, redirectType: .normal)
    }
}

/// Attempts per client address in a sliding window (per app instance).
actor SignInLimiter {
    let limit: Int
    let window: TimeInterval
    private var attempts: [String: [Date]] = [:]

    init(limit: Int = 30, window: TimeInterval = 600) {
        self.limit = limit
        self.window = window
    }

    func allow(_ key: String, now: Date = Date()) -> Bool {
        var list = (attempts[key] ?? []).filter { now.timeIntervalSince($0) < window }
        guard list.count < limit else { attempts[key] = list; return false }
        list.append(now)
        attempts[key] = list
        if attempts.count > 10_000 { attempts = attempts.filter { !$0.value.isEmpty } }
        return true
    }
}

struct SignInLimiterKey: StorageKey { typealias Value = SignInLimiter }

extension Application {
    var signInLimiter: SignInLimiter {
        if let l = storage[SignInLimiterKey.self] { return l }
        let l = SignInLimiter()
        storage[SignInLimiterKey.self] = l
        return l
    }
}
