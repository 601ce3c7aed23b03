// A household representative signs in without a password: with the QR code on the household's printed card
// (a token, hashed at rest, revoked by printing a new card or by revoking it), or with a phone number and a PIN
// they set. They then see their own household, and what later features address to it, nothing else.
import Fluent
import Vapor

struct HouseholdSignIn {
    func addRoutes(open: any RoutesBuilder, signedIn: any RoutesBuilder) {
        signedIn.post(SiteURL.householdCard(.key).components, use: issueCard).rule(.household(.writeRegistry))
        signedIn.post(SiteURL.householdCardRevoke(.key).components, use: revokeCard).rule(.household(.writeRegistry))
        open.get("card", ":token", use: cardSignIn).rule(.open)
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

    /// Prints a new card: a new token replaces the old one, which stops working.
    func issueCard(req: Request) async throws -> View {
        let h = try await req.access.household(req.idParameter(), .writeRegistry, on: req.db)
        let secret = Tokens.generate()
        h.cardTokenHash = Tokens.hash(secret)
        h.cardIssuedAt = Date()
        try await req.db.auditedTransaction { db in
            try await h.update(on: db)
            try await Audit.record("issueCard", Household.schema, row: h.id, unit: h.groupID ?? h.villageID, on: db)
        }
        let detail = try await RegistryQueries.detail(h.id!, on: req.db)
        let host = req.headers.first(name: .host) ?? "\(req.config.host):\(req.config.port)"
        let url = "http://\(host)/card/\(secret)"
        return try await req.view.render("household/card", CardPage(
            layout: Layout(req, title: req.lang.t("card.title")), code: h.code,
            representative: detail.household.representativeName ?? "", village: try await AdminUnit.find(h.villageID, on: req.db)?.name ?? "",
            group: (try await h.groupID.asyncMap { try await AdminUnit.find($0, on: req.db)?.name ?? "" }) ?? "",
            qr: QRCode.svg(url, size: 260) ?? "", url: url, issued: Day.display(Day.today())))
    }

    func revokeCard(req: Request) async throws -> Response {
        let h = try await req.access.household(req.idParameter(), .writeRegistry, on: req.db)
        h.cardTokenHash = nil
        try await req.db.auditedTransaction { db in
            try await h.update(on: db)
            try await Audit.record("revokeCard", Household.schema, row: h.id, unit: h.groupID ?? h.villageID, on: db)
        }
        return req.redirect(to: SiteURL.household(h.id!), redirectType: .normal)
    }

    func cardSignIn(req: Request) async throws -> Response {
        guard let token = req.parameters.get("token"), token.count < 200,
              let h = try await Household.query(on: req.db).filter(\.$cardTokenHash == Tokens.hash(token)).first() else {
            throw Abort(.notFound)
        }
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
        var saved: Bool
    }

    func minePage(_ req: Request, form: FormState = FormState(), saved: Bool = false, status: HTTPResponseStatus = .ok) async throws -> Response {
        guard let id = req.access.householdID else { return req.redirect(to: SiteURL.home.path, redirectType: .normal) }
        let detail = try await RegistryQueries.detail(id, on: req.db)
        let h = try await Household.find(id, on: req.db)
        let view = try await req.view.render("household/mine", MinePage(
            layout: Layout(req, title: req.lang.t("mine.title")), code: detail.household.code, address: detail.household.address,
            residents: detail.residents.map { RegistryWeb.row($0, req.lang) }, form: form, pinSet: h?.pinHash != nil, saved: saved))
        return try await view.encodeResponse(status: status, for: req)
    }

    func mine(req: Request) async throws -> Response { try await minePage(req) }

    struct PinForm: Content { var phone: String?; var pin: String? }

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
        do { try c.check() } catch let e as InvalidInput {
            return try await minePage(req, form: FormState(values: ["phone": form.phone ?? ""], issues: e.issues, lang: req.lang), status: e.status)
        }
        h.pinPhone = phone
        h.pinHash = try await req.password.async.hash(pin)
        h.pinFailed = 0
        try await req.db.auditedTransaction { db in
            try await h.update(on: db)
            try await Audit.record("setPin", Household.schema, row: h.id, unit: h.groupID ?? h.villageID, on: db)
        }
        return try await minePage(req, saved: true)
    }

    /// Phone + PIN sign-in for a representative; answers the household, or nil when the phone has no PIN.
    /// Five wrong PINs lock it for fifteen minutes.
    static func verifyPin(phone: String, pin: String, req: Request) async throws -> (Household?, locked: Bool) {
        guard let h = try await Household.query(on: req.db).filter(\.$pinPhone == phone).first(), let hash = h.pinHash else { return (nil, false) }
        if let until = h.pinLockedUntil, until > Date() { return (nil, true) }
        if (try? await req.password.async.verify(pin, created: hash)) == true {
            h.pinFailed = 0
            h.pinLockedUntil = nil
            try await h.update(on: req.db)
            return (h, false)
        }
        h.pinFailed = (h.pinFailed ?? 0) + 1
        if (h.pinFailed ?? 0) >= AccountsWeb.lockAfter {
            h.pinLockedUntil = Date().addingTimeInterval(AccountsWeb.lockMinutes * 60)
            h.pinFailed = 0
        }
        try await h.update(on: req.db)
        return (nil, false)
    }
}

/// Logs each request's method and path, with card tokens replaced, so no secret reaches the logs.
struct RedactingRouteLogging: AsyncMiddleware {
    func respond(to req: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        var path = req.url.path
        if path.hasPrefix("/card/") { path = "/card/…" }
        req.logger.info("\(req.method) \(path)")
        return try await next.respond(to: req)
    }
}
