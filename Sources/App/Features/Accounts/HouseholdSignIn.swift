// A household representative signs in without a password: with the QR code on the household's printed card
// (a token, hashed at rest, revoked by printing a new card or by revoking it), or with a phone number and a PIN
// they set. They then see their own household, and what later features address to it, nothing else.
import Fluent
import SQLKit
import Vapor

struct HouseholdSignIn {
    /// How long after a card sign-in a PIN may be set without the current PIN.
    static let freshCardMinutes = 10.0

    func addRoutes(open: any RoutesBuilder, signedIn: any RoutesBuilder) {
        signedIn.post(SiteURL.householdCard(.key).components, use: issueCard).rule(.household(.writeRegistry))
        signedIn.post(SiteURL.householdCardRevoke(.key).components, use: revokeCard).rule(.household(.writeRegistry))
        open.get(SiteURL.cardLink(.key).components, use: cardConfirm).rule(.open)
        open.post(SiteURL.cardLink(.key).components, use: cardSignIn).rule(.open)
        signedIn.get(SiteURL.myHousehold.components, use: mine).rule(.signedIn)
        signedIn.post(SiteURL.myPin.components, use: setPin).rule(.signedIn)
    }

    struct CardPage: Encodable {
        var layout: Layout
        var code: String
        var representative: String
        var village: String
        var group: String
        var qr: String
        var url: String
        var issued: String
    }

    /// Ends every way in for the household: its PIN and every session (the card is handled by the caller).
    static func endSignIns(_ h: Household, on db: any Database) async throws {
        h.pinPhone = nil
        h.pinHash = nil
        h.pinFailed = 0
        h.pinLockedUntil = nil
        try await h.update(on: db)
        try await SessionStore.end(household: h.id!, on: db)
    }

    /// Prints a new card: a new token replaces the old one, which stops working, and the PIN and every session of
    /// the household end with it (whoever held the old card is out). Needs the configured public address.
    func issueCard(req: Request) async throws -> View {
        let h = try req.scoped(Household.self)
        try req.config.requirePrintable()
        let secret = try await Self.newCard(h, on: req.db)
        let detail = try await RegistryQueries.detail(h.id!, on: req.db)
        let url = try req.config.printedURL(.cardLink(.value(secret)))
        return try await req.view.render("household/card", CardPage(
            layout: Layout(req, title: req.lang.t("card.title")), code: h.code,
            representative: detail.household.representativeName ?? "", village: try await AdminUnit.find(h.villageID, on: req.db)?.name ?? "",
            group: (try await h.groupID.asyncMap { try await AdminUnit.find($0, on: req.db)?.name ?? "" }) ?? "",
            qr: QRCode.svg(url, size: 260) ?? "", url: url, issued: Day.display(Day.today())))
    }

    /// A new card token for the household (answered once; only its hash is kept); the old card, the PIN and every
    /// session end. The card's link is `SiteURL.cardLink` under the public address.
    static func newCard(_ h: Household, on db: any Database) async throws -> String {
        let secret = Tokens.generate()
        h.cardTokenHash = Tokens.hash(secret)
        h.cardIssuedAt = AppClock.now
        try await db.auditedTransaction { db in
            try await Self.endSignIns(h, on: db)
            try await Audit.record("issueCard", Household.schema, row: h.id, unit: h.groupID ?? h.villageID, on: db)
        }
        return secret
    }

    /// Stores a checked phone and PIN hash for the household: its other sessions end (all but `keeping`), and the
    /// household's registered phone is told.
    static func storePin(_ h: Household, phone: String?, pinHash: String, keeping: UUID?, on db: any Database) async throws {
        let id = h.id!
        h.pinPhone = phone
        h.pinHash = pinHash
        h.pinFailed = 0
        h.pinLockedUntil = nil
        let unit = try await AdminUnit.find(h.villageID, on: db)
        try await db.auditedTransaction { db in
            try await h.update(on: db)
            // Other sessions of the household end: whoever set the PIN before is out.
            try await SessionStore.end(household: id, except: keeping, on: db)
            try await Audit.record("setPin", Household.schema, row: h.id, unit: h.groupID ?? h.villageID, on: db)
            // Told on the household's registered phone (not the one just typed), so an intruder is noticed.
            try await DirectMessage.enqueue(key: "pinSet:\(id):\(Int(AppClock.now.timeIntervalSince1970))", .init(
                householdID: id, phone: nil, unit: unit?.name ?? "", title: Lang.vi.t("mine.pinSetMessage"), path: SiteURL.myHousehold.path), on: db)
        }
    }

    /// Revokes the card and every sign-in of the household: the card, the PIN, and its sessions.
    func revokeCard(req: Request) async throws -> Response {
        let h = try req.scoped(Household.self)
        h.cardTokenHash = nil
        try await req.db.auditedTransaction { db in
            try await Self.endSignIns(h, on: db)
            try await Audit.record("revokeCard", Household.schema, row: h.id, unit: h.groupID ?? h.villageID, on: db)
        }
        return req.redirect(to: SiteURL.household(h.id!), redirectType: .normal)
    }

    static func cardHousehold(_ req: Request) async throws -> (Household, String) {
        guard let token = req.parameters.get("token"), (20...200).contains(token.count),
              let h = try await Household.query(on: req.db).filter(\.$cardTokenHash == Tokens.hash(token)).first() else {
            throw Abort(.notFound)
        }
        return (h, token)
    }

    struct ConfirmPage: Encodable { var layout: Layout; var code: String; var action: String }

    /// The card's link only asks: signing in is a POST from this page (another site cannot sign a visitor in).
    func cardConfirm(req: Request) async throws -> Response {
        let (h, token) = try await Self.cardHousehold(req)
        let view = try await req.view.render("household/card-confirm", ConfirmPage(
            layout: Layout(req, title: req.lang.t("card.confirmTitle"), needsToken: true), code: h.code, action: SiteURL.cardLink(.value(token)).path))
        let res = try await view.encodeResponse(for: req)
        res.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return res
    }

    func cardSignIn(req: Request) async throws -> Response {
        let (h, _) = try await Self.cardHousehold(req)
        try await req.startSession(household: h.id!, method: "card")
        try await Audit.record("signIn", Household.schema, row: h.id, unit: h.groupID ?? h.villageID, on: req.db,
                               actor: AuditActor(personID: nil, tokenID: nil, name: h.code))
        return req.redirect(to: SiteURL.myHousehold.path, redirectType: .normal)
    }

    struct MinePage: Encodable {
        var layout: Layout
        var code: String
        var address: String
        var residents: [RegistryWeb.ResidentRow]
        var form: FormState
        var pinSet: Bool
        /// The current PIN is asked for: a PIN is set and this session did not come from the card just now.
        var needsCurrent: Bool
        var saved: Bool
        /// The household's contributions to campaigns (Features/Ledger).
        var contributionsURL = SiteURL.myContributions.path
    }

    /// Whether this session may set a PIN without the current one: it came from the card within the last minutes.
    static func freshCard(_ req: Request) -> Bool {
        guard let s = req.sessionRow, s.method == "card" else { return false }
        return req.now.timeIntervalSince(s.createdAt) < freshCardMinutes * 60
    }

    func minePage(_ req: Request, form: FormState = FormState(), saved: Bool = false, status: HTTPResponseStatus = .ok) async throws -> Response {
        guard let id = req.access.householdID else { return req.redirect(to: SiteURL.home.path, redirectType: .normal) }
        let detail = try await RegistryQueries.detail(id, on: req.db)
        let h = try await Household.find(id, on: req.db)
        let pinSet = h?.pinHash != nil
        let view = try await req.view.render("household/mine", MinePage(
            layout: Layout(req, title: req.lang.t("mine.title")), code: detail.household.code, address: detail.household.address,
            residents: detail.residents.map { RegistryWeb.row($0, req.lang) }, form: form, pinSet: pinSet,
            needsCurrent: pinSet && !Self.freshCard(req), saved: saved))
        return try await view.encodeResponse(status: status, for: req)
    }

    func mine(req: Request) async throws -> Response { try await minePage(req) }

    struct PinForm: Content { var phone: String?; var pin: String?; var current: String? }

    /// Sets or changes the PIN: needs the current PIN, or (to set the first one, or after forgetting it) a card
    /// sign-in within the last minutes. The household's registered phone is told.
    func setPin(req: Request) async throws -> Response {
        guard let id = req.access.householdID, let h = try await Household.find(id, on: req.db) else { throw Abort(.notFound) }
        let form = try req.content.decode(PinForm.self)
        var c = Checker()
        let phone = c.phone("phone", form.phone, required: true)
        let pin = (form.pin ?? "").trimmingCharacters(in: .whitespaces)
        if !(4...8).contains(pin.count) || !pin.allSatisfy({ $0.isASCII && $0.isNumber }) { c.add("pin", "error.pin") }
        if let phone, let other = try await Household.query(on: req.db).filter(\.$pinPhone == phone).first(), other.id != id {
            c.add("phone", "error.phoneTaken")
        }
        if !Self.freshCard(req) {
            if let hash = h.pinHash {
                let current = String((form.current ?? "").prefix(16))
                if !(try await RateLimit.allow("pin:change:\(id)", limit: AccountsWeb.lockAfter, window: RateLimit.hour, on: req.db)) {
                    c.add("current", "error.pinTooMany")
                } else if !((try? await req.password.async.verify(current, created: hash)) ?? false) {
                    c.add("current", "error.pinWrong")
                }
            } else {
                c.add("current", "error.pinNeedsCard")
            }
        }
        do { try c.check() } catch let e as InvalidInput {
            return try await minePage(req, form: FormState(values: ["phone": form.phone ?? ""], issues: e.issues, lang: req.lang), status: e.status)
        }
        try await Self.storePin(h, phone: phone, pinHash: try await req.password.async.hash(pin), keeping: req.sessionRow?.id, on: req.db)
        return try await minePage(req, saved: true)
    }

    /// Phone + PIN sign-in for a representative: answers the household, or nil for a wrong PIN, a phone without a
    /// PIN, or a PIN locked after five failures (for fifteen minutes) — alike, so nothing tells them apart.
    static func verifyPin(phone: String, pin: String, req: Request) async throws -> Household? {
        guard let h = try await Household.query(on: req.db).filter(\.$pinPhone == phone).first(), let hash = h.pinHash else { return nil }
        let now = req.now
        if let until = h.pinLockedUntil, until > now { return nil }
        if (try? await req.password.async.verify(String(pin.prefix(16)), created: hash)) == true {
            if (h.pinFailed ?? 0) != 0 || h.pinLockedUntil != nil {
                try await (req.db as! any SQLDatabase).raw("UPDATE households SET pin_failed = 0, pin_locked_until = NULL WHERE id = \(bind: h.id!)").run()
            }
            return h
        }
        // One statement, so parallel guesses are all counted.
        let until = now.addingTimeInterval(AccountsWeb.lockMinutes * 60)
        try await (req.db as! any SQLDatabase).raw("""
            UPDATE households SET
              pin_locked_until = CASE WHEN COALESCE(pin_failed, 0) + 1 >= \(bind: AccountsWeb.lockAfter) THEN \(bind: until) ELSE pin_locked_until END,
              pin_failed = CASE WHEN COALESCE(pin_failed, 0) + 1 >= \(bind: AccountsWeb.lockAfter) THEN 0 ELSE COALESCE(pin_failed, 0) + 1 END
            WHERE id = \(bind: h.id!)
            """).run()
        return nil
    }
}

/// Logs each request's method and path at debug level (`LOG_LEVEL=debug`), redacted by the URL map (the secret of
/// every route `SiteURL.isSecret` marks, such as a card's token, replaced), so no secret reaches the logs. At the default level nothing is formatted or written: a line per request was a large share of a
/// request's time under load.
struct RedactingRouteLogging: AsyncMiddleware {
    func respond(to req: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if req.logger.logLevel <= .debug {
            let path = SiteURL.redacted(req.urlPath)
            req.logger.debug("\(req.method) \(path)")
        }
        return try await next.respond(to: req)
    }
}
