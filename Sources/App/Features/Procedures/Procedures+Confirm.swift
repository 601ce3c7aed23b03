// The anonymous edges of procedures: how much someone without a sign-in may send (per phone, per client address and
// per commune, each a day), and the phone's confirmation. An anonymous question, booking or paper set is recorded and
// shown with its code at once, but nothing (SMS, Zalo, reminders, answers) goes to its phone until that phone is
// confirmed: the resident types the short code sent to it once. Sending that code is itself limited per phone, per
// address and per commune, so a stranger can make the commune pay for at most CONFIRM_PER_ADDRESS_DAY messages from
// one address, and CONFIRM_PER_COMMUNE_DAY in all, a day. A household signed in needs no confirmation: its messages go
// to the household's own phone.
import Crypto
import Fluent
import SQLKit
import Vapor

/// Where an anonymous submission comes from: the client's address (for limits) and the configuration.
public struct Origin: Sendable {
    public var address: String
    public var config: AppConfig
    public init(address: String, config: AppConfig) {
        self.address = address
        self.config = config
    }
    init(_ req: Request) { self.init(address: req.clientAddress, config: req.config) }
}

enum AnonymousLimit {
    /// Counts an anonymous submission of `kind` (ask, book, papers) against its address's and its commune's budget for
    /// the day; throws 429 when one is spent. The address is counted first, so one address cannot spend the commune's.
    static func admit(_ kind: String, communeID: UUID, origin: Origin, on db: any Database) async throws {
        let limits = origin.config.procedures
        // The day's window ends at midnight UTC (RateLimit's fixed windows): Retry-After says how far off that is.
        let now = Int(AppClock.now.timeIntervalSince1970)
        let wait = RateLimit.day - now % RateLimit.day
        guard try await RateLimit.allow("proc:\(kind):addr:\(origin.address)", limit: limits.perAddressDay, window: RateLimit.day, on: db) else {
            throw TooManyRequests("error.proc.tooManyFromAddress", retryAfter: wait)
        }
        guard try await RateLimit.allow("proc:\(kind):commune:\(communeID)", limit: limits.perCommuneDay, window: RateLimit.day, on: db) else {
            throw TooManyRequests("error.proc.tooManyInCommune", retryAfter: wait)
        }
    }

    /// PROC_PER_PHONE_DAY (the default when called without an origin).
    static func perPhone(_ origin: Origin?) -> Int { origin?.config.procedures.perPhoneDay ?? ProceduresConfig().perPhoneDay }
}

public final class PhoneConfirmation: Model, @unchecked Sendable {
    public static let schema = "phone_confirmations"
    @ID(key: .id) public var id: UUID?
    @Field(key: "phone") public var phone: String
    @Field(key: "commune_id") public var communeID: UUID
    @Field(key: "subject_table") public var subjectTable: String
    @Field(key: "subject_id") public var subjectID: UUID
    /// SHA-256 of the id and the code: the code itself is kept nowhere.
    @Field(key: "code_hash") public var codeHash: String
    @Field(key: "attempts") public var attempts: Int
    @Field(key: "created_at") public var createdAt: Date
    @Field(key: "expires_at") public var expiresAt: Date
    @OptionalField(key: "confirmed_at") public var confirmedAt: Date?
    public init() {}
}

public struct ConfirmInput: Content {
    public var code: String?
}

public struct ConfirmationDTO: Content, Equatable {
    public var id: UUID
    public var confirmed: Bool
    public var expiresAt: Date
    public var attemptsLeft: Int
}

enum PhoneConfirm {
    /// What waits for a phone's confirmation.
    enum Subject: Sendable {
        /// `row`: another feature's row with `code`, `phone` and `phone_confirmed_at` columns (a resident's report),
        /// read afterwards at its feature's look-up (`lookupPath`) with the phone and the row's code.
        case question(UUID), appointment(UUID), papers(UUID), row(table: String, id: UUID)
        var table: String {
            switch self {
            case .question: return ProcedureQuestion.schema
            case .appointment: return Appointment.schema
            case .papers: return PaperSet.schema
            case .row(let t, _): return t
            }
        }
        var id: UUID {
            switch self { case .question(let i), .appointment(let i), .papers(let i), .row(_, let i): return i }
        }

    }

    enum Outcome: Sendable {
        /// A code is on its way; the page asks for it.
        case sent(PhoneConfirmation)
        /// No code today (a limit): the record stands, nothing will be sent to the phone.
        case limited(String)
        /// No SMS or Zalo is configured: nothing would be sent anyway.
        case notNeeded
    }

    static func secret(_ app: Application) async throws -> SymmetricKey {
        if let k = app.storage[SecretKey.self] { return k }
        var g = SystemRandomNumberGenerator()
        let fresh = Data((0..<32).map { _ in UInt8.random(in: 0...255, using: &g) }).base64EncodedString()
        let stored = try await Settings.setOnce("phone_confirm_secret", fresh, on: app.db)
        let key = SymmetricKey(data: Data(base64Encoded: stored) ?? Data(stored.utf8))
        app.storage[SecretKey.self] = key
        return key
    }
    struct SecretKey: StorageKey { typealias Value = SymmetricKey }

    /// The six digits for a confirmation, derived from its id with the installation's secret, so that the code is
    /// stored nowhere (the job that sends it carries only the id).
    static func code(_ id: UUID, key: SymmetricKey) -> String {
        let mac = Array(HMAC<SHA256>.authenticationCode(for: Data(id.uuidString.lowercased().utf8), using: key))
        let n = (UInt32(mac[0]) << 24 | UInt32(mac[1]) << 16 | UInt32(mac[2]) << 8 | UInt32(mac[3])) % 1_000_000
        return String(format: "%06d", n)
    }

    /// Where a confirmed row is read with its phone and code: a resident's report at the reports' look-up, the
    /// procedures' rows at theirs.
    static func lookupPath(_ table: String) -> String {
        table == FeedbackReport.schema ? SiteURL.reportLookup.path : SiteURL.lookup.path
    }

    static func hash(_ id: UUID, _ code: String) -> String { Tokens.hash(id.uuidString.lowercased() + ":" + code) }

    /// After an anonymous submission with a phone: a code to that phone, if the limits allow it today.
    static func request(_ subject: Subject, phone: String?, communeID: UUID, origin: Origin, app: Application, on db: any Database,
                        now: Date = AppClock.now) async throws -> Outcome {
        guard let phone else { return .notNeeded }
        let config = origin.config
        guard config.messaging.sms != nil || config.messaging.zalo != nil else { return .notNeeded }
        let l = config.procedures
        // The phone first (no stranger's address budget is spent on a phone that has had enough), then the address,
        // then the commune.
        guard try await RateLimit.allow("confirm:phone:\(phone)", limit: l.confirmPerPhoneDay, window: RateLimit.day, on: db, now: now) else {
            return .limited("proc.confirm.limitPhone")
        }
        guard try await RateLimit.allow("confirm:addr:\(origin.address)", limit: l.confirmPerAddressDay, window: RateLimit.day, on: db, now: now) else {
            return .limited("proc.confirm.limitAddress")
        }
        guard try await RateLimit.allow("confirm:commune:\(communeID)", limit: l.confirmPerCommuneDay, window: RateLimit.day, on: db, now: now) else {
            return .limited("proc.confirm.limitCommune")
        }
        let key = try await secret(app)
        let c = PhoneConfirmation()
        c.id = UUID.random()
        c.phone = phone
        c.communeID = communeID
        c.subjectTable = subject.table
        c.subjectID = subject.id
        c.codeHash = hash(c.id!, code(c.id!, key: key))
        c.attempts = 0
        c.createdAt = now
        c.expiresAt = now.addingTimeInterval(Double(l.confirmMinutes * 60))
        let commune = try await ProcedureNotify.communeName(communeID, on: db)
        try await db.writeTransaction { db in
            try await c.create(on: db)
            try await DirectMessage.enqueue(key: "confirm:\(c.id!)", .init(householdID: nil, phone: phone, unit: commune, title: "",
                                                                           path: SiteURL.phoneConfirm(.id(c.id!)).path, confirmationID: c.id), on: db)
        }
        return .sent(c)
    }

    /// The text of the code's message, made when it is sent; nil when the confirmation is done, expired or gone.
    static func message(_ id: UUID, app: Application, on db: any Database, now: Date = AppClock.now) async throws -> String? {
        guard let c = try await PhoneConfirmation.find(id, on: db), c.confirmedAt == nil, c.expiresAt > now else { return nil }
        return Lang.vi.t("proc.confirm.sms", [code(id, key: try await secret(app))])
    }

    /// Checks a typed code. A right one confirms the phone of the row waiting for it and sends what was held back; a
    /// wrong one answers 422 on `code`; after CONFIRM_ATTEMPTS wrong ones (or after expiry) the code is void.
    static func confirm(_ c: PhoneConfirmation, code raw: String?, config: AppConfig, on db: any Database, now: Date = AppClock.now) async throws -> PhoneConfirmation {
        if c.confirmedAt != nil { return c }
        let typed = (raw ?? "").filter { !$0.isWhitespace }
        guard typed.count == 6, typed.allSatisfy({ $0.isASCII && $0.isNumber }) else { throw InvalidInput("code", "error.proc.confirmFormat") }
        if c.expiresAt <= now { throw InvalidInput("code", "error.proc.confirmExpired", status: .gone) }
        // One attempt is taken by a conditional UPDATE, so parallel guesses cannot exceed the allowance.
        let max = config.procedures.confirmAttempts
        let sql = try MessagingActions.sql(db)
        let row = try await sql.raw("""
            UPDATE phone_confirmations SET attempts = attempts + 1 WHERE id = \(bind: c.id!) AND attempts < \(bind: max) AND confirmed_at IS NULL
            RETURNING attempts
            """).first()
        guard let row else { throw TooManyRequests("error.proc.confirmAttempts") }
        let used = try row.decode(column: "attempts", as: Int.self)
        c.attempts = used
        guard Tokens.same(hash(c.id!, typed), c.codeHash) else {
            throw InvalidInput("code", "error.proc.confirmWrong", [String(max - used)])
        }
        return try await db.auditedTransaction { db in
            c.confirmedAt = now
            try await c.update(on: db)
            try await MessagingActions.sql(db).raw("UPDATE \(ident: c.subjectTable) SET phone_confirmed_at = \(bind: now) WHERE id = \(bind: c.subjectID) AND phone = \(bind: c.phone)").run()
            try await Audit.record("confirmPhone", c.subjectTable, row: c.subjectID, unit: c.communeID, on: db)
            try await release(table: c.subjectTable, id: c.subjectID, on: db)
            return c
        }
    }

    /// What was held back for an unconfirmed phone: the booking's confirmation and reminder, an answer already
    /// given, a check of papers already made.
    static func release(table: String, id: UUID, on db: any Database) async throws {
        switch table {
        case Appointment.schema:
            if let a = try await Appointment.find(id, on: db), a.status == .booked { try await ProcedureNotify.booked(a, on: db) }
        case ProcedureQuestion.schema:
            if let q = try await ProcedureQuestion.find(id, on: db), q.answer != nil { try await ProcedureNotify.answered(q, on: db) }
        case PaperSet.schema:
            if try await PaperItem.query(on: db).filter(\.$setID == id).filter(\.$status != .pending).count() > 0 {
                try await ProcedureNotify.papersChecked(setID: id, on: db)
            }
        default: break
        }
    }

    /// The phone a row's messages go to: a household's row goes to the household's registered phone (a phone typed
    /// with a household session is not confirmed, so it is not used); an anonymous row to its own (confirmed) phone.
    static func recipient(_ householdID: UUID?, _ phone: String?) -> String? { householdID == nil ? phone : nil }

    /// Whether messages may go to a row's phone: a household's row always (its own phone), an anonymous one once confirmed.
    static func mayNotify(householdID: UUID?, confirmedAt: Date?) -> Bool { householdID != nil || confirmedAt != nil }

    static func dto(_ c: PhoneConfirmation, config: AppConfig) -> ConfirmationDTO {
        ConfirmationDTO(id: c.id!, confirmed: c.confirmedAt != nil, expiresAt: c.expiresAt, attemptsLeft: max(0, config.procedures.confirmAttempts - c.attempts))
    }

    /// Confirmations whose time is long past (housekeeping).
    static func sweep(on db: any Database, now: Date = AppClock.now) async throws -> Int {
        let before = now.addingTimeInterval(-2 * 86_400)
        let n = try await PhoneConfirmation.query(on: db).filter(\.$expiresAt < before).count()
        try await PhoneConfirmation.query(on: db).filter(\.$expiresAt < before).delete()
        return n
    }
}

/// The box under a submission's confirmation on a page: the form for the code, or why no code was sent.
struct ConfirmBox: Encodable {
    /// A code was sent (the form shows); otherwise `message` says why not.
    var sent: Bool
    var url: String
    var phone: String
    var message: String
}

extension PhoneConfirm {
    /// After a submission through a route: a code for an anonymous sender's phone (nothing for a household).
    static func afterSubmit(_ subject: Subject, phone: String?, householdID: UUID?, communeID: UUID, _ req: Request) async throws -> Outcome {
        guard householdID == nil else { return .notNeeded }
        return try await request(subject, phone: phone, communeID: communeID, origin: Origin(req), app: req.application, on: req.db)
    }

    /// "0999•••111": enough for the resident to recognise, not enough to read a stranger's number off the screen.
    static func masked(_ phone: String) -> String { phone.count < 8 ? phone : String(phone.prefix(4)) + "•••" + String(phone.suffix(3)) }

    static func box(_ o: Outcome, phone: String?, _ req: Request) -> ConfirmBox? {
        switch o {
        case .notNeeded: return nil
        case .sent(let c): return ConfirmBox(sent: true, url: SiteURL.phoneConfirm(.id(c.id!)).path, phone: masked(c.phone), message: "")
        case .limited(let key): return ConfirmBox(sent: false, url: "", phone: masked(phone ?? ""), message: req.lang.t(key))
        }
    }

    static func id(_ o: Outcome) -> UUID? { if case .sent(let c) = o { return c.id } else { return nil } }
}

/// The confirm step: GET /confirm/{id} asks for the code, POST checks it; POST /api/v1/phone-confirmations/{id} is the same in JSON.
struct ConfirmRoutes {
    func addRoutes(open: any RoutesBuilder, openAPI: any RoutesBuilder) {
        open.get(SiteURL.phoneConfirm(.key).components, use: page).rule(.open)
        open.post(SiteURL.phoneConfirm(.key).components, use: submit).rule(.open)
        openAPI.get(APIURL.phoneConfirmation(.key).components, use: showAPI).rule(.open)
        openAPI.post(APIURL.phoneConfirmation(.key).components, use: confirmAPI).rule(.open)
    }

    struct Page: Encodable {
        var layout: Layout
        var phone: String
        var confirmed: Bool
        var expired: Bool
        var form: FormState
        var action: String
        var nextURL: String
    }

    static func find(_ req: Request) async throws -> PhoneConfirmation {
        guard let c = try await PhoneConfirmation.find(req.idParameter(), on: req.db) else { throw Abort(.notFound) }
        return c
    }

    /// Where the resident reads the row afterwards: the look-up with phone and the row's code.
    static func next(_ c: PhoneConfirmation, on db: any Database) async throws -> String {
        let row = try await MessagingActions.sql(db).raw("SELECT code FROM \(ident: c.subjectTable) WHERE id = \(bind: c.subjectID)").first()
        let code = try row?.decode(column: "code", as: String.self) ?? ""
        return (PhoneConfirm.lookupPath(c.subjectTable)) + "?phone=\(c.phone)&code=\(code)"
    }

    func render(_ req: Request, _ c: PhoneConfirmation, form: FormState = FormState(), status: HTTPResponseStatus = .ok) async throws -> Response {
        let view = try await req.view.render("procedures/confirm", Page(
            layout: Layout(req, title: req.lang.t("proc.confirm.title"), needsToken: true), phone: PhoneConfirm.masked(c.phone),
            confirmed: c.confirmedAt != nil, expired: c.confirmedAt == nil && (c.expiresAt <= req.now || c.attempts >= req.config.procedures.confirmAttempts),
            form: form, action: req.urlPath, nextURL: try await Self.next(c, on: req.db)))
        return try await view.encodeResponse(status: status, for: req)
    }

    func page(req: Request) async throws -> Response { try await render(req, try await Self.find(req)) }

    func submit(req: Request) async throws -> Response {
        let c = try await Self.find(req)
        let code = try? req.content.get(String.self, at: "code")
        do {
            _ = try await PhoneConfirm.confirm(c, code: code, config: req.config, on: req.db)
            return try await render(req, c)
        } catch let e as InvalidInput {
            return try await render(req, c, form: FormState(values: [:], issues: e.issues, lang: req.lang), status: e.status)
        } catch let e as TooManyRequests {
            return try await render(req, c, form: FormState(values: [:], errors: ["limit": req.lang.t(e.key)]), status: .tooManyRequests)
        }
    }

    func showAPI(req: Request) async throws -> ConfirmationDTO { PhoneConfirm.dto(try await Self.find(req), config: req.config) }

    func confirmAPI(req: Request) async throws -> ConfirmationDTO {
        let c = try await Self.find(req)
        let input = try req.content.decode(ConfirmInput.self)
        return PhoneConfirm.dto(try await PhoneConfirm.confirm(c, code: input.code, config: req.config, on: req.db), config: req.config)
    }
}
