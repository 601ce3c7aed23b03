// What a resident sees of their own procedures: a signed-in household representative on /my/procedures, and
// anyone with the phone number and code they were given on /lookup. Nobody sees another household's rows.
import Fluent
import Vapor

struct MyProceduresRoutes {
    func addRoutes(open: any RoutesBuilder, signedIn: any RoutesBuilder) {
        signedIn.get(SiteURL.myProcedures.components, use: mine).rule(.signedIn)
        open.get(SiteURL.lookup.components, use: lookup).rule(.open)
    }

    struct QuestionItem: Encodable { var procedure: String; var question: String; var code: String; var askedAt: String; var answer: String? }
    struct MinePage: Encodable {
        var layout: Layout
        var questions: [QuestionItem]
        var appointments: [AppointmentViews.AppointmentItem]
        var papers: [PaperViews.SetItem]
        var lookup: Bool
        var phone: String
        var code: String
        var searched: Bool
    }

    static func names(_ ids: [UUID], on db: any Database) async throws -> [UUID: String] {
        let procs = try await Procedure.query(on: db).filter(\.$id ~~ ids).all()
        return Dictionary(uniqueKeysWithValues: procs.map { ($0.id!, $0.name) })
    }

    static func questionItems(_ qs: [ProcedureQuestion], on db: any Database) async throws -> [QuestionItem] {
        let names = try await names(qs.map(\.procedureID), on: db)
        return qs.map { QuestionItem(procedure: names[$0.procedureID] ?? "", question: $0.question, code: $0.code,
                                     askedAt: Moment.display($0.askedAt), answer: $0.answer) }
    }

    func mine(req: Request) async throws -> Response {
        guard let hid = req.access.householdID else { return req.redirect(to: SiteURL.home.path, redirectType: .normal) }
        let qs = try await ProcedureQuestion.query(on: req.db).filter(\.$householdID == hid).sort(\.$askedAt, .descending).all()
        let appts = try await Appointment.query(on: req.db).filter(\.$householdID == hid).sort(\.$day, .descending).all()
        let sets = try await PaperSet.query(on: req.db).filter(\.$householdID == hid).sort(\.$createdAt, .descending).all()
        let view = try await req.view.render("procedures/mine", MinePage(
            layout: Layout(req, title: req.lang.t("proc.mine")), questions: try await Self.questionItems(qs, on: req.db),
            appointments: try await AppointmentViews.items(appts, req, mine: true),
            papers: try await PaperViews.items(sets, req, mine: true),
            lookup: false, phone: "", code: "", searched: false))
        return try await view.encodeResponse(for: req)
    }

    /// Phone + code: the question, appointment or papers with that code, if the phone matches; nothing otherwise.
    func lookup(req: Request) async throws -> View {
        let phoneRaw = req.queryValue("phone") ?? ""
        let code = (req.queryValue("code") ?? "").trimmingCharacters(in: .whitespaces).uppercased()
        var qs: [ProcedureQuestion] = [], appts: [Appointment] = [], sets: [PaperSet] = []
        let searched = !phoneRaw.isEmpty || !code.isEmpty
        if searched { try await LookupGuard.admit(req) }
        if let phone = Phone.normalize(phoneRaw), code.count == 8 {
            qs = try await ProcedureQuestion.query(on: req.db).filter(\.$code == code).filter(\.$phone == phone).all()
            appts = try await Appointment.query(on: req.db).filter(\.$code == code).filter(\.$phone == phone).all()
            sets = try await PaperSet.query(on: req.db).filter(\.$code == code).filter(\.$phone == phone).all()
        }
        if searched && qs.isEmpty && appts.isEmpty && sets.isEmpty { try await LookupGuard.miss(req) }
        return try await req.view.render("procedures/mine", MinePage(
            layout: Layout(req, title: req.lang.t("proc.lookup"), needsToken: true), questions: try await Self.questionItems(qs, on: req.db),
            appointments: try await AppointmentViews.items(appts, req, mine: false),
            papers: try await PaperViews.items(sets, req, mine: false),
            lookup: true, phone: phoneRaw, code: code, searched: searched))
    }
}
