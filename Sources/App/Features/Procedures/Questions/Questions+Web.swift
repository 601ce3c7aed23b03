// Pages and JSON routes for questions: ask from the guide, the officer's queue, answer and publish; the resident's
// own page and the look-up by phone and code.
import Fluent
import Vapor

struct QuestionsRoutes {
    func addRoutes(open: any RoutesBuilder, signedIn: any RoutesBuilder, openAPI: any RoutesBuilder, api: any RoutesBuilder) {
        open.post(SiteURL.guideAsk(":commune", ":key").components, use: askPage).rule(.open)
        signedIn.get(SiteURL.questions(.key).components, use: queuePage).rule(.commune(.serveProcedures))
        signedIn.post(SiteURL.questionAnswer(.key).components, use: answerPage).rule(.question(.serveProcedures))
        signedIn.post(SiteURL.questionPublish(.key).components, use: publishPage).rule(.question(.serveProcedures))
        openAPI.post(APIURL.questions.components, use: askAPI).rule(.open)
        api.get(APIURL.communeQuestions(.key).components, use: queueAPI).rule(.commune(.serveProcedures))
        api.post(APIURL.questionAnswer(.key).components, use: answerAPI).rule(.question(.serveProcedures))
    }

    // MARK: pages

    func askPage(req: Request) async throws -> Response {
        let (_, p) = try await Guide.target(req)
        struct Form: Content { var question: String?; var phone: String? }
        let f = (try? req.content.decode(Form.self)) ?? Form()
        let values = ["question": f.question ?? "", "phone": f.phone ?? ""]
        do {
            let q = try await QuestionActions.ask(p, QuestionInput(procedureId: nil, question: f.question, phone: f.phone), householdID: req.access.householdID,
                                                  origin: Origin(req), on: req.db)
            let outcome = try await PhoneConfirm.afterSubmit(.question(q.id!), phone: q.phone, householdID: q.householdID, communeID: q.communeID, req)
            return try await Guide.page(req, asked: q.code, confirm: PhoneConfirm.box(outcome, phone: q.phone, req))
        } catch let e as InvalidInput {
            return try await Guide.page(req, form: FormState(values: values, issues: e.issues, lang: req.lang), status: e.status)
        } catch let e as TooManyRequests {
            return try await Guide.page(req, form: FormState(values: values, errors: ["limit": req.lang.t(e.key)]), status: .tooManyRequests)
        }
    }

    struct QuestionRow: Encodable {
        var procedure: String
        var question: String
        var askedBy: String
        var askedAt: String
        var answer: String?
        var published: Bool
        var answerURL: String
        var publishURL: String
        var code: String
    }
    struct QueuePage: Encodable { var layout: Layout; var rows: [QuestionRow]; var unanswered: Int; var median: String }

    func queuePage(req: Request) async throws -> View {
        let commune = try req.scoped(ScopedCommune.self).unit
        let queue = try await QuestionActions.queue(commune.id!, on: req.db)
        let procs = try await Procedure.query(on: req.db).filter(\.$communeID == commune.id!).all()
        let names = Dictionary(uniqueKeysWithValues: procs.map { ($0.id!, $0.name) })
        let households = try await Household.query(on: req.db).filter(\.$id ~~ queue.items.compactMap(\.householdId)).all()
        let codes = Dictionary(uniqueKeysWithValues: households.map { ($0.id!, $0.code) })
        let title = req.lang.t("proc.questions")
        return try await req.view.render("procedures/questions", QueuePage(
            layout: Layout(req, title: "\(title) · \(commune.name)", crumbs: try await ProcedureViews.crumbs(req, commune, Crumb(name: title, url: req.urlPath))),
            rows: queue.items.map { q in
                QuestionRow(procedure: names[q.procedureId] ?? "", question: q.question,
                            askedBy: q.householdId.flatMap { codes[$0] }.map { req.lang.t("proc.household", [$0]) } ?? (q.phone ?? ""),
                            askedAt: Moment.display(q.askedAt), answer: q.answer, published: q.published,
                            answerURL: SiteURL.questionAnswer(.id(q.id)).path, publishURL: SiteURL.questionPublish(.id(q.id)).path, code: q.code)
            },
            unanswered: queue.unanswered,
            median: queue.medianMinutes.map { req.lang.t("proc.median", [QuestionActions.duration($0, req.lang)]) } ?? req.lang.t("proc.medianNone")))
    }

    func answerPage(req: Request) async throws -> Response {
        let q = try req.scoped(ProcedureQuestion.self)
        struct Form: Content { var answer: String?; var publish: String? }
        let f = (try? req.content.decode(Form.self)) ?? Form()
        _ = try await QuestionActions.answer(q, AnswerInput(answer: f.answer, publish: f.publish == "1" || f.publish == "on"), by: req.access.displayName, on: req.db)
        return req.redirect(to: SiteURL.questions(.id(q.communeID)).path, redirectType: .normal)
    }

    func publishPage(req: Request) async throws -> Response {
        let q = try req.scoped(ProcedureQuestion.self)
        struct Form: Content { var published: String? }
        let f = (try? req.content.decode(Form.self)) ?? Form()
        guard let v = f.published, v == "1" || v == "0" else { throw InvalidInput("published", "error.proc.status") }
        _ = try await QuestionActions.publish(q, v == "1", db: req.db)
        return req.redirect(to: SiteURL.questions(.id(q.communeID)).path, redirectType: .normal)
    }

    // MARK: JSON

    func askAPI(req: Request) async throws -> Response {
        let input = try req.content.decode(QuestionInput.self)
        var c = Checker()
        let raw = (input.procedureId ?? "").trimmingCharacters(in: .whitespaces)
        var procedure: Procedure? = nil
        if raw.isEmpty { c.add("procedureId", "error.required") }
        else if let id = UUID(uuidString: raw), let p = try await Procedure.find(id, on: req.db) { procedure = p }
        else { c.add("procedureId", "error.proc.unknownProcedure") }
        try c.check()
        let q = try await QuestionActions.ask(procedure!, input, householdID: req.access.householdID, origin: Origin(req), on: req.db)
        let outcome = try await PhoneConfirm.afterSubmit(.question(q.id!), phone: q.phone, householdID: q.householdID, communeID: q.communeID, req)
        var dto = q.toDTO()
        dto.confirmationId = PhoneConfirm.id(outcome)
        return try await dto.encodeResponse(status: .created, for: req)
    }

    func queueAPI(req: Request) async throws -> QuestionQueueDTO {
        let commune = try req.scoped(ScopedCommune.self).unit
        return try await QuestionActions.queue(commune.id!, on: req.db)
    }

    func answerAPI(req: Request) async throws -> QuestionDTO {
        let q = try req.scoped(ProcedureQuestion.self)
        return try await QuestionActions.answer(q, try req.content.decode(AnswerInput.self), by: req.access.displayName, on: req.db).toDTO()
    }
}
