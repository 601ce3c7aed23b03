// Questions to the justice officer: a resident asks (signed in as their household, or with a phone number), the
// officer answers from a queue of their commune, good answers become the guide's frequent questions.
import Fluent
import Vapor

public struct QuestionInput: Content {
    public var procedureId: String?
    public var question: String?
    public var phone: String?
}

public struct AnswerInput: Content {
    public var answer: String?
    public var publish: Bool?
}

public struct QuestionDTO: Content, Equatable {
    public var id: UUID
    public var communeId: UUID
    public var procedureId: UUID
    public var code: String
    public var question: String
    public var phone: String?
    public var householdId: UUID?
    public var askedAt: Date
    public var answer: String?
    public var answeredAt: Date?
    public var published: Bool
    /// Whether messages go to the phone: a household's question, or an anonymous one whose phone was confirmed.
    public var phoneConfirmed: Bool
    /// When a code was sent to confirm the phone (the answer to an anonymous question only): where to send it.
    public var confirmationId: UUID?
}

public struct QuestionQueueDTO: Content {
    public var items: [QuestionDTO]
    public var unanswered: Int
    /// Median minutes from asking to answer over the commune's answered questions; nil when none is answered.
    public var medianMinutes: Double?
}

extension ProcedureQuestion {
    func toDTO() -> QuestionDTO {
        QuestionDTO(id: id!, communeId: communeID, procedureId: procedureID, code: code, question: question, phone: phone, householdId: householdID,
                    askedAt: askedAt, answer: answer, answeredAt: answeredAt, published: published,
                    phoneConfirmed: PhoneConfirm.mayNotify(householdID: householdID, confirmedAt: phoneConfirmedAt), confirmationId: nil)
    }
}

/// Where an answer, a booking or a check of papers leaves the procedures feature: the resident reads it on
/// `/my/procedures` (or the look-up, with phone and code), and messaging sends it by Zalo or SMS (DirectMessage),
/// queued in the same transaction as the change.
enum ProcedureNotify {
    static func communeName(_ id: UUID, on db: any Database) async throws -> String {
        try await AdminUnit.find(id, on: db)?.name ?? ""
    }

    static func answered(_ q: ProcedureQuestion, on db: any Database) async throws {
        guard PhoneConfirm.mayNotify(householdID: q.householdID, confirmedAt: q.phoneConfirmedAt) else { return }
        try await DirectMessage.enqueue(key: "answer:\(q.id!)", .init(
            householdID: q.householdID, phone: PhoneConfirm.recipient(q.householdID, q.phone), unit: try await communeName(q.communeID, on: db),
            title: Lang.vi.t("proc.notify.answered", [q.code]), path: q.householdID == nil ? SiteURL.lookup.path : SiteURL.myProcedures.path), on: db)
    }
}

public enum QuestionActions {
    /// An anonymous question (no household) is limited per phone (PROC_PER_PHONE_DAY, so a typo'd or hostile number
    /// cannot flood the queue), and, with its `origin`, per address and per commune (AnonymousLimit).
    public static func ask(_ p: Procedure, _ input: QuestionInput, householdID: UUID?, origin: Origin? = nil, on db: any Database, now: Date = AppClock.now) async throws -> ProcedureQuestion {
        var c = Checker()
        let text = c.text("question", input.question, max: 2000)
        if !text.isEmpty && text.count < 5 { c.add("question", "error.proc.questionShort") }
        let phone = c.phone("phone", input.phone, required: householdID == nil)
        try c.check()
        let perPhone = AnonymousLimit.perPhone(origin)
        if let phone, let start = AuditQueries.dayStart(Day.today(now)),
           try await ProcedureQuestion.query(on: db).filter(\.$phone == phone).filter(\.$askedAt >= start).count() >= perPhone {
            throw InvalidInput("phone", "error.proc.tooManyQuestions", [String(perPhone)], status: .tooManyRequests)
        }
        if householdID == nil, let origin { try await AnonymousLimit.admit("ask", communeID: p.communeID, origin: origin, on: db) }
        return try await db.auditedTransaction { db in
            let q = ProcedureQuestion()
            q.id = UUID.random()
            q.communeID = p.communeID
            q.procedureID = p.id!
            q.householdID = householdID
            q.phone = phone
            q.code = ProcCodes.reference()
            q.question = text
            q.askedAt = now
            q.published = false
            try await q.create(on: db)
            try await Audit.record("ask", ProcedureQuestion.schema, row: q.id, unit: p.communeID, after: ["procedure": p.key, "code": q.code], on: db)
            return q
        }
    }

    public static func answer(_ q: ProcedureQuestion, _ input: AnswerInput, by name: String, on db: any Database, now: Date = AppClock.now) async throws -> ProcedureQuestion {
        var c = Checker()
        let text = c.text("answer", input.answer, max: 4000)
        try c.check()
        if q.answer != nil { throw InvalidInput("answer", "error.proc.alreadyAnswered", status: .conflict) }
        return try await db.auditedTransaction { db in
            q.answer = text
            q.answeredAt = now
            q.answeredBy = name
            q.published = input.publish ?? false
            try await q.update(on: db)
            try await Audit.record("answer", ProcedureQuestion.schema, row: q.id, unit: q.communeID, after: q.toDTO(), on: db)
            try await ProcedureNotify.answered(q, on: db)
            return q
        }
    }

    public static func publish(_ q: ProcedureQuestion, _ on: Bool, db: any Database) async throws -> ProcedureQuestion {
        if q.answer == nil { throw InvalidInput("published", "error.proc.notAnswered") }
        if q.published == on { return q }
        return try await db.auditedTransaction { db in
            q.published = on
            try await q.update(on: db)
            try await Audit.record(on ? "publish" : "unpublish", ProcedureQuestion.schema, row: q.id, unit: q.communeID, on: db)
            return q
        }
    }

    /// The median of a list (nil when empty): the middle value, or the mean of the two middle ones.
    public static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let s = values.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    public static func queue(_ communeID: UUID, on db: any Database) async throws -> QuestionQueueDTO {
        let open = try await ProcedureQuestion.query(on: db).filter(\.$communeID == communeID).filter(\.$answeredAt == nil).sort(\.$askedAt).all()
        let done = try await ProcedureQuestion.query(on: db).filter(\.$communeID == communeID).filter(\.$answeredAt != nil).sort(\.$answeredAt, .descending).all()
        let minutes = done.compactMap { q in q.answeredAt.map { $0.timeIntervalSince(q.askedAt) / 60 } }
        return QuestionQueueDTO(items: (open + done.prefix(100)).map { $0.toDTO() }, unanswered: open.count, medianMinutes: median(minutes))
    }

    static func duration(_ minutes: Double, _ lang: Lang) -> String {
        minutes >= 90 ? lang.t("proc.hours", [String(format: lang == .vi ? "%.1f" : "%.1f", minutes / 60).replacingOccurrences(of: ".", with: lang == .vi ? "," : ".")])
            : lang.t("proc.minutes", [String(Int(minutes.rounded()))])
    }
}
