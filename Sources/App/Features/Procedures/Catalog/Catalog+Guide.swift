// The public guide of one procedure (/p/<commune code>/<key>): how it is found from the URL and how its page is drawn,
// for the guide itself and for the pages that start from it (asking, booking, sending papers).
import Fluent
import SQLKit
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

    /// The guide's commune and procedure in one query, as plain rows (no model decoding): the commune with the code
    /// that is in force today (else the one that ended last, as `UnitQueries.byCode`), and its procedure with the key.
    static func targetRows(_ req: Request) async throws -> (communeName: String, communeCode: String, Procedure) {
        let code = req.parameters.get("commune") ?? "", key = req.parameters.get("key") ?? ""
        guard code.count <= 10, key.count <= 40, let sql = req.db as? any SQLDatabase else { throw Abort(.notFound) }
        let today = Day.today()
        guard let r = try await sql.raw("""
            SELECT c.name AS commune_name, c.code AS commune_code, p.id, p.commune_id, p.key, p.name, p.national_code, p.summary,
                   p.steps, p.dossier, p.time_limit, p.working_days, p.fee, p.legal_basis, p.online_url, p.online, p.handled_by
            FROM (SELECT id, name, code FROM admin_units WHERE kind = 'commune' AND code = \(bind: code)
                  ORDER BY CASE WHEN valid_from <= \(bind: today) AND \(bind: today) < valid_to THEN 0 ELSE 1 END, valid_to DESC
                  LIMIT 1) c
            JOIN procedures p ON p.commune_id = c.id AND p.key = \(bind: key)
            """).first() else { throw Abort(.notFound) }
        let p = Procedure()
        p.id = try r.decode(column: "id", as: UUID.self)
        p.communeID = try r.decode(column: "commune_id", as: UUID.self)
        p.key = try r.decode(column: "key", as: String.self)
        p.name = try r.decode(column: "name", as: String.self)
        p.nationalCode = try r.decode(column: "national_code", as: String.self)
        p.summary = try r.decode(column: "summary", as: String.self)
        p.steps = try r.decode(column: "steps", as: String.self)
        p.dossier = try r.decode(column: "dossier", as: String.self)
        p.timeLimit = try r.decode(column: "time_limit", as: String.self)
        p.workingDays = try r.decode(column: "working_days", as: Int.self)
        p.fee = try r.decode(column: "fee", as: String.self)
        p.legalBasis = try r.decode(column: "legal_basis", as: String.self)
        p.onlineURL = try r.decode(column: "online_url", as: String.self)
        p.online = try r.decode(column: "online", as: String.self)
        p.handledBy = try r.decode(column: "handled_by", as: String.self)
        return (try r.decode(column: "commune_name", as: String.self), try r.decode(column: "commune_code", as: String.self), p)
    }

    /// A guide as it is first shown (no form sent) is kept ready per visitor kind, under the units' and the
    /// procedures' version (Support/SignedInPages.swift): a visitor who has not signed in costs one statement.
    static let keptPage = KeptPage(
        name: "guide", parts: [.units, .procedures],
        target: { req in
            guard let code = req.parameters.get("commune"), let key = req.parameters.get("key"), code.count <= 10, key.count <= 40 else { return nil }
            return code + "/" + key
        },
        canonical: { req in req.canonicalLangParameter ?? "" })

    static func page(_ req: Request, form: FormState = FormState(), asked: String? = nil, confirm: ConfirmBox? = nil, status: HTTPResponseStatus = .ok) async throws -> Response {
        try await view(req, form: form, asked: asked, confirm: confirm).encodeResponse(status: status, for: req)
    }

    static func view(_ req: Request, form: FormState = FormState(), asked: String? = nil, confirm: ConfirmBox? = nil) async throws -> View {
        let (communeName, communeCode, p) = try await targetRows(req)
        // The published answers, newest first, as plain rows.
        let faqRows = try await (req.db as! any SQLDatabase).raw("""
            SELECT question, answer FROM procedure_questions WHERE procedure_id = \(bind: p.id!) AND published = \(bind: true)
            ORDER BY answered_at DESC LIMIT 20
            """).all()
        let faq = try faqRows.map { FAQ(question: try $0.decode(column: "question", as: String.self), answer: try $0.decode(column: "answer", as: String?.self) ?? "") }
        return try await req.view.render("procedures/guide", GuidePage(
            layout: Layout(req, title: p.name, needsToken: true), communeName: communeName, p: p.toDTO(communeCode: communeCode),
            faq: faq,
            askURL: SiteURL.guideAsk(communeCode, p.key).path, bookURL: SiteURL.guideBook(communeCode, p.key).path,
            papersURL: SiteURL.guidePapers(communeCode, p.key).path, form: form, asked: asked, confirm: confirm,
            householdSignedIn: req.access.householdID != nil,
            reportURL: SiteURL.reportNew(communeCode).path, reportsURL: SiteURL.reportsPublic(communeCode).path))
    }
}
