// The public guide of one procedure (/p/<commune code>/<key>): how it is found from the URL and how its page is drawn,
// for the guide itself and for the pages that start from it (asking, booking, sending papers).
import Fluent
import Vapor

enum Guide {
    struct FAQ: Encodable { var question: String; var answer: String }
    struct GuidePage: Encodable {
        var layout: Layout
        var communeName: String
        var p: ProcedureDTO
        var faq: [FAQ]
        var askURL: String
        var bookURL: String
        var papersURL: String
        var form: FormState
        var asked: String?
        var confirm: ConfirmBox?
        var householdSignedIn: Bool
        /// The commune's residents' reports: the form to report a problem, and the public list (Features/Reports).
        var reportURL: String
        var reportsURL: String
    }

    static func target(_ req: Request) async throws -> (AdminUnit, Procedure) {
        let commune = try await ProcScope.communeByCode(req.parameters.get("commune") ?? "", on: req.db)
        let key = req.parameters.get("key") ?? ""
        // No seeding here: a public visit writes nothing; a commune's guides appear once its catalog was opened.
        guard key.count <= 40, let p = try await Procedure.query(on: req.db).filter(\.$communeID == commune.id!).filter(\.$key == key).first() else {
            throw Abort(.notFound)
        }
        return (commune, p)
    }

    static func page(_ req: Request, form: FormState = FormState(), asked: String? = nil, confirm: ConfirmBox? = nil, status: HTTPResponseStatus = .ok) async throws -> Response {
        let (commune, p) = try await target(req)
        let faq = try await ProcedureQuestion.query(on: req.db).filter(\.$procedureID == p.id!).filter(\.$published == true)
            .sort(\.$answeredAt, .descending).limit(20).all()
        let view = try await req.view.render("procedures/guide", GuidePage(
            layout: Layout(req, title: p.name, needsToken: true), communeName: commune.name, p: p.toDTO(communeCode: commune.code),
            faq: faq.map { FAQ(question: $0.question, answer: $0.answer ?? "") },
            askURL: SiteURL.guideAsk(commune.code, p.key).path, bookURL: SiteURL.guideBook(commune.code, p.key).path,
            papersURL: SiteURL.guidePapers(commune.code, p.key).path, form: form, asked: asked, confirm: confirm,
            householdSignedIn: req.access.householdID != nil,
            reportURL: SiteURL.reportNew(commune.code).path, reportsURL: SiteURL.reportsPublic(commune.code).path))
        return try await view.encodeResponse(status: status, for: req)
    }
}
