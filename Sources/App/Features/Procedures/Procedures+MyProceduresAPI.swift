// The resident's side in JSON: what a phone + code (or the household's session) may read, cancelling one's own
// appointment, and the officer's publish toggle and closed days.
import Fluent
import Vapor

public struct ResidentViewDTO: Content {
    public var questions: [QuestionDTO]
    public var appointments: [AppointmentDTO]
    public var paperSets: [PaperSetDTO]
}

public struct LookupInput: Content {
    public var phone: String?
    public var code: String?
}

public struct PublishInput: Content {
    public var published: Bool?
}

struct MyProceduresAPI {
    func addRoutes(openAPI: any RoutesBuilder, api: any RoutesBuilder) {
        openAPI.get(APIURL.lookup.components, use: lookup).rule(.open)
        openAPI.post(APIURL.lookupCancel.components, use: cancel).rule(.open)
        api.get(APIURL.myProcedures.components, use: mine).rule(.signedIn)
        api.post(APIURL.questionPublish(.key).components, use: publish).rule(.question(.serveProcedures))
        api.get(APIURL.communeClosedDays(.key).components, use: closedDays).rule(.commune(.serveProcedures))
    }

    static func view(questions: [ProcedureQuestion], appointments: [Appointment], sets: [PaperSet], on db: any Database) async throws -> ResidentViewDTO {
        var papers: [PaperSetDTO] = []
        for s in sets { papers.append(try await PaperActions.dto(s, on: db)) }
        return ResidentViewDTO(questions: questions.map { $0.toDTO() }, appointments: appointments.map { $0.toDTO() }, paperSets: papers)
    }

    /// Phone and code together; either wrong finds nothing (an empty answer, not an error, so nothing is revealed).
    func lookup(req: Request) async throws -> ResidentViewDTO {
        let phone = Phone.normalize(req.queryValue("phone") ?? "")
        let code = (req.queryValue("code") ?? "").trimmingCharacters(in: .whitespaces).uppercased()
        try await LookupGuard.admit(req)
        guard let phone, code.count == 8 else {
            try await LookupGuard.miss(req)
            return ResidentViewDTO(questions: [], appointments: [], paperSets: [])
        }
        let qs = try await ProcedureQuestion.query(on: req.db).filter(\.$code == code).filter(\.$phone == phone).all()
        let appts = try await Appointment.query(on: req.db).filter(\.$code == code).filter(\.$phone == phone).all()
        let sets = try await PaperSet.query(on: req.db).filter(\.$code == code).filter(\.$phone == phone).all()
        if qs.isEmpty && appts.isEmpty && sets.isEmpty { try await LookupGuard.miss(req) }
        return try await Self.view(questions: qs, appointments: appts, sets: sets, on: req.db)
    }

    func cancel(req: Request) async throws -> AppointmentDTO {
        let input = try req.content.decode(LookupInput.self)
        let code = (input.code ?? "").trimmingCharacters(in: .whitespaces).uppercased()
        try await LookupGuard.admit(req)
        guard let phone = Phone.normalize(input.phone ?? ""), code.count == 8,
              let a = try await Appointment.query(on: req.db).filter(\.$code == code).filter(\.$phone == phone).first() else {
            try await LookupGuard.miss(req)
            throw InvalidInput("code", "error.proc.unknownAppointment", status: .notFound)
        }
        return try await AppointmentActions.cancel(a, on: req.db).toDTO()
    }

    /// A household representative's own rows (session); other callers have none.
    func mine(req: Request) async throws -> ResidentViewDTO {
        guard let h = req.access.householdID else { return ResidentViewDTO(questions: [], appointments: [], paperSets: []) }
        return try await Self.view(
            questions: try await ProcedureQuestion.query(on: req.db).filter(\.$householdID == h).sort(\.$askedAt, .descending).all(),
            appointments: try await Appointment.query(on: req.db).filter(\.$householdID == h).sort(\.$day, .descending).all(),
            sets: try await PaperSet.query(on: req.db).filter(\.$householdID == h).sort(\.$createdAt, .descending).all(), on: req.db)
    }

    func publish(req: Request) async throws -> QuestionDTO {
        let q = try req.scoped(ProcedureQuestion.self)
        let input = try req.content.decode(PublishInput.self)
        guard let on = input.published else { throw InvalidInput("published", "error.required") }
        return try await QuestionActions.publish(q, on, db: req.db).toDTO()
    }

    func closedDays(req: Request) async throws -> [ClosedDayDTO] {
        let commune = try req.scoped(ScopedCommune.self).unit
        return try await ClosedDay.query(on: req.db).filter(\.$communeID == commune.id!).filter(\.$day >= Day.today()).sort(\.$day).all()
            .map { ClosedDayDTO(id: $0.id!, day: $0.day, reason: $0.reason) }
    }
}
