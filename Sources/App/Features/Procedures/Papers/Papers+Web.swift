// Pages and JSON routes for papers sent ahead: start a set from the guide, upload per checklist item, the officer's
// list and check, and the files, served only to the household that sent them and to the commune's officers.
import Fluent
import Vapor

struct PapersRoutes {
    var maxBody: Int

    func addRoutes(open: any RoutesBuilder, signedIn: any RoutesBuilder, openAPI: any RoutesBuilder, api: any RoutesBuilder) {
        let limit = ByteCount(value: maxBody)
        open.get(SiteURL.guidePapers(":commune", ":key").components, use: startPage).rule(.open)
        open.post(SiteURL.guidePapers(":commune", ":key").components, use: start).rule(.open)
        open.on(.POST, SiteURL.papersUpload.components, body: .collect(maxSize: limit), use: upload).rule(.open).maxBody(maxBody)
        signedIn.get(SiteURL.paperSets(.key).components, use: list).rule(.commune(.serveProcedures))
        signedIn.get(SiteURL.paperSet(.key).components, use: show).rule(.paperSet(.serveProcedures))
        signedIn.post(SiteURL.paperItemMark(.key).components, use: mark).rule(.paperItem(.serveProcedures))
        signedIn.get(SiteURL.paperFile(.key).components, use: file).rule(.paperFile(.serveProcedures))
        signedIn.get(SiteURL.myPaperFile(.key).components, use: myFile).rule(.signedIn)

        openAPI.post(APIURL.paperSets.components, use: startAPI).rule(.open)
        openAPI.on(.POST, APIURL.paperSetFiles(.key).components, body: .collect(maxSize: limit), use: uploadAPI).rule(.open).maxBody(maxBody)
        api.get(APIURL.communePaperSets(.key).components, use: listAPI).rule(.commune(.serveProcedures))
        api.get(APIURL.paperSet(.key).components, use: showAPI).rule(.paperSet(.serveProcedures))
        api.post(APIURL.paperItem(.key).components, use: markAPI).rule(.paperItem(.serveProcedures))
        api.get(APIURL.paperFile(.key).components, use: file).rule(.paperFile(.serveProcedures))
    }

    // MARK: resident

    struct StartPage: Encodable { var layout: Layout; var procedure: String; var dossier: [String]; var form: FormState; var householdSignedIn: Bool; var action: String; var guideURL: String }

    func startPageResponse(_ req: Request, form: FormState = FormState(), status: HTTPResponseStatus = .ok) async throws -> Response {
        let (commune, p) = try await Guide.target(req)
        let view = try await req.view.render("procedures/papers-start", StartPage(
            layout: Layout(req, title: "\(req.lang.t("proc.sendPapers")) · \(p.name)", needsToken: true), procedure: p.name, dossier: p.dossierList,
            form: form, householdSignedIn: req.access.householdID != nil, action: req.urlPath, guideURL: SiteURL.guide(commune.code, p.key).path))
        return try await view.encodeResponse(status: status, for: req)
    }

    func startPage(req: Request) async throws -> Response { try await startPageResponse(req) }

    func start(req: Request) async throws -> Response {
        let (_, p) = try await Guide.target(req)
        let f = (try? req.content.decode([String: String].self)) ?? [:]
        do {
            let s = try await PaperActions.start(p, PaperSetInput(phone: f["phone"], appointmentCode: f["appointmentCode"]), householdID: req.access.householdID,
                                                 origin: Origin(req), on: req.db)
            // An anonymous sender confirms the phone first (the page then leads on to the upload); without a code, straight on.
            let outcome = try await PhoneConfirm.afterSubmit(.papers(s.id!), phone: s.phone, householdID: s.householdID, communeID: s.communeID, req)
            if let id = PhoneConfirm.id(outcome) { return req.redirect(to: SiteURL.phoneConfirm(.id(id)).path, redirectType: .normal) }
            return req.redirect(to: Self.back(s, req), redirectType: .normal)
        } catch let e as InvalidInput {
            return try await startPageResponse(req, form: FormState(values: f, issues: e.issues, lang: req.lang), status: e.status)
        } catch let e as TooManyRequests {
            return try await startPageResponse(req, form: FormState(values: f, errors: ["limit": req.lang.t(e.key)]), status: .tooManyRequests)
        }
    }

    static func back(_ s: PaperSet, _ req: Request) -> String {
        if let h = req.access.householdID, s.householdID == h { return SiteURL.myProcedures.path }
        return SiteURL.lookup.path + "?phone=\(s.phone ?? "")&code=\(s.code)"
    }

    struct UploadForm: Content { var code: String?; var phone: String?; var itemId: String?; var file: File? }

    func upload(req: Request) async throws -> Response {
        let f = try req.uploadForm(UploadForm.self)
        let s = try await PaperActions.owned(code: f.code ?? "", phone: f.phone, householdID: req.access.householdID, on: req.db)
        _ = try await PaperActions.upload(to: s, itemRaw: f.itemId, filename: f.file?.filename ?? "", data: f.file?.data ?? ByteBuffer(), config: req.config, on: req.db)
        return req.redirect(to: Self.back(s, req), redirectType: .normal)
    }

    func myFile(req: Request) async throws -> Response {
        guard let h = req.access.householdID, let f = try await PaperFile.find(req.idParameter(), on: req.db),
              let s = try await PaperSet.find(f.setID, on: req.db), s.householdID == h else { throw Abort(.notFound) }
        return try await PaperActions.serve(f, req)
    }

    // MARK: officer

    struct ListPage: Encodable { var layout: Layout; var sets: [PaperViews.SetItem] }

    func list(req: Request) async throws -> View {
        let commune = try req.scoped(ScopedCommune.self).unit
        let sets = try await PaperSet.query(on: req.db).filter(\.$communeID == commune.id!).sort(\.$createdAt, .descending).limit(200).all()
        let title = req.lang.t("proc.papers")
        return try await req.view.render("procedures/papers", ListPage(
            layout: Layout(req, title: "\(title) · \(commune.name)", crumbs: try await ProcedureViews.crumbs(req, commune, Crumb(name: title, url: req.urlPath))),
            sets: try await PaperViews.items(sets, req, mine: false, officer: true)))
    }

    struct ShowPage: Encodable { var layout: Layout; var set: PaperViews.SetItem; var statuses: [SelectOption] }

    func show(req: Request) async throws -> View {
        let s = try req.scoped(PaperSet.self)
        guard let commune = try await AdminUnit.find(s.communeID, on: req.db) else { throw Abort(.notFound) }
        try await Audit.recordRead("view", PaperSet.schema, row: s.id, unit: s.communeID, for: req)
        let item = try await PaperViews.items([s], req, mine: false, officer: true)[0]
        return try await req.view.render("procedures/paper-set", ShowPage(
            layout: Layout(req, title: "\(req.lang.t("proc.papers")) · \(s.code)",
                           crumbs: try await ProcedureViews.crumbs(req, commune, Crumb(name: req.lang.t("proc.papers"), url: SiteURL.paperSets(.id(commune.id!)).path))),
            set: item, statuses: PaperStatus.allCases.map { SelectOption(value: $0.rawValue, label: req.lang.t("proc.paper.\($0.rawValue)")) }))
    }

    /// The item the route's rule loaded, with its set.
    static func item(_ req: Request) throws -> (PaperItem, PaperSet) {
        (try req.scoped(PaperItem.self), try req.scoped(PaperSet.self))
    }

    func mark(req: Request) async throws -> Response {
        let (i, s) = try Self.item(req)
        let f = (try? req.content.decode([String: String].self)) ?? [:]
        _ = try await PaperActions.mark(i, PaperMarkInput(status: f["status"], note: f["note"]), communeID: s.communeID, on: req.db)
        return req.redirect(to: SiteURL.paperSet(.id(s.id!)).path, redirectType: .normal)
    }

    func file(req: Request) async throws -> Response {
        let (f, s) = (try req.scoped(PaperFile.self), try req.scoped(PaperSet.self))
        try await Audit.recordRead("view", PaperFile.schema, row: f.id, unit: s.communeID, for: req)
        return try await PaperActions.serve(f, req)
    }

    // MARK: JSON

    func startAPI(req: Request) async throws -> Response {
        let input = try req.content.decode(PaperSetInput.self)
        var c = Checker()
        var procedure: Procedure? = nil
        let raw = (input.procedureId ?? "").trimmingCharacters(in: .whitespaces)
        if raw.isEmpty { c.add("procedureId", "error.required") }
        else if let id = UUID(uuidString: raw), let p = try await Procedure.find(id, on: req.db) { procedure = p }
        else { c.add("procedureId", "error.proc.unknownProcedure") }
        try c.check()
        let s = try await PaperActions.start(procedure!, input, householdID: req.access.householdID, origin: Origin(req), on: req.db)
        let outcome = try await PhoneConfirm.afterSubmit(.papers(s.id!), phone: s.phone, householdID: s.householdID, communeID: s.communeID, req)
        var dto = try await PaperActions.dto(s, on: req.db)
        dto.confirmationId = PhoneConfirm.id(outcome)
        return try await dto.encodeResponse(status: .created, for: req)
    }

    func uploadAPI(req: Request) async throws -> Response {
        let f = try req.uploadForm(UploadForm.self)
        let s = try await PaperActions.owned(code: req.parameters.get("id") ?? "", phone: f.phone, householdID: req.access.householdID, on: req.db)
        let file = try await PaperActions.upload(to: s, itemRaw: f.itemId, filename: f.file?.filename ?? "", data: f.file?.data ?? ByteBuffer(), config: req.config, on: req.db)
        return try await file.toDTO().encodeResponse(status: .created, for: req)
    }

    func listAPI(req: Request) async throws -> [PaperSetDTO] {
        let commune = try req.scoped(ScopedCommune.self).unit
        var out: [PaperSetDTO] = []
        for s in try await PaperSet.query(on: req.db).filter(\.$communeID == commune.id!).sort(\.$createdAt, .descending).limit(200).all() {
            out.append(try await PaperActions.dto(s, on: req.db))
        }
        return out
    }

    func showAPI(req: Request) async throws -> PaperSetDTO {
        let s = try req.scoped(PaperSet.self)
        return try await PaperActions.dto(s, on: req.db)
    }

    func markAPI(req: Request) async throws -> PaperItemDTO {
        let (i, s) = try Self.item(req)
        let done = try await PaperActions.mark(i, try req.content.decode(PaperMarkInput.self), communeID: s.communeID, on: req.db)
        let files = try await PaperFile.query(on: req.db).filter(\.$itemID == done.id!).all()
        return PaperItemDTO(id: done.id!, position: done.position, label: done.label, status: done.status, note: done.note, files: files.map { $0.toDTO() })
    }
}
