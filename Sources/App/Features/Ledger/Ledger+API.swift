// The ledger's JSON API under /api/v1 (Resources/openapi.json): campaigns, contributions (one, or imported from a
// file), expenses, reversals, the public ledger (open) and a household's own contributions. Every view of entries
// that name households is a row of the audit log.
import Fluent
import Vapor

struct LedgerAPI {
    let maxUploadBytes: Int

    func addRoutes(open: any RoutesBuilder, signedIn api: any RoutesBuilder) {
        api.get(APIURL.campaigns.components, use: list).rule(.list(.manageLedger))
        api.post(APIURL.campaigns.components, use: create).rule(.action(.manageLedger))
        api.get(APIURL.campaign(.key).components, use: show).rule(.campaign(.manageLedger))
        api.get(APIURL.campaignContributions(.key).components, use: contributions).rule(.campaign(.manageLedger))
        api.post(APIURL.campaignContributions(.key).components, use: contribute).rule(.campaign(.manageLedger))
        api.on(.POST, APIURL.campaignContributionsImport(.key).components, body: .collect(maxSize: ByteCount(value: maxUploadBytes + 65_536)),
               use: importContributions).rule(.campaign(.manageLedger)).maxBody(maxUploadBytes + 65_536)
        api.get(APIURL.campaignExpenses(.key).components, use: expenses).rule(.campaign(.manageLedger))
        api.post(APIURL.campaignExpenses(.key).components, use: spend).rule(.campaign(.manageLedger))
        api.post(APIURL.ledgerEntryReverse(.key).components, use: reverse).rule(.ledgerEntry(.manageLedger))
        api.get(APIURL.myContributions.components, use: mine).rule(.signedIn)
        open.get(APIURL.publicLedger(.key).components, use: publicLedger).rule(.open)
    }

    func list(req: Request) async throws -> [CampaignDTO] {
        try await LedgerQueries.campaigns(req.access, on: req.db)
    }

    func create(req: Request) async throws -> Response {
        try JSONAmounts.check(req.body.data, fields: ["targetDong"])
        let input = try req.content.decode(CampaignInput.self)
        let c = try await LedgerActions.createCampaign(unitId: input.unitId, purpose: input.purpose, target: input.targetDong.map(String.init),
                                                       startsOn: input.startsOn, endsOn: input.endsOn, access: req.access, today: req.today, on: req.db)
        let res = try await LedgerQueries.detail(c, on: req.db).encodeResponse(status: .created, for: req)
        res.headers.replaceOrAdd(name: .location, value: APIURL.campaign(.id(c.id!)).path)
        return res
    }

    func show(req: Request) async throws -> CampaignDTO {
        try await LedgerQueries.detail(try req.scoped(Campaign.self), on: req.db)
    }

    static func viewed(_ req: Request, _ c: Campaign) async throws {
        try await Audit.record("view", LedgerEntry.schema, row: c.id, unit: c.unitID, on: req.db)
    }

    func contributions(req: Request) async throws -> Paged<LedgerEntryDTO> {
        let c = try req.scoped(Campaign.self)
        try await Self.viewed(req, c)
        return try await LedgerQueries.entries(c, kind: .contribution, page: PageRequest(req, defaultPer: req.application.config.pageSize), on: req.db)
    }

    func expenses(req: Request) async throws -> Paged<LedgerEntryDTO> {
        let c = try req.scoped(Campaign.self)
        return try await LedgerQueries.entries(c, kind: .expense, page: PageRequest(req, defaultPer: req.application.config.pageSize), on: req.db)
    }

    func created(_ req: Request, _ e: LedgerEntry) async throws -> Response {
        let dto = try await LedgerQueries.staffDTOs([e], on: req.db)[0]
        let res = try await dto.encodeResponse(status: .created, for: req)
        res.headers.replaceOrAdd(name: .location, value: (e.kind == .contribution ? APIURL.campaignContributions(.id(e.campaignID)) : APIURL.campaignExpenses(.id(e.campaignID))).path)
        return res
    }

    func contribute(req: Request) async throws -> Response {
        let c = try req.scoped(Campaign.self)
        try JSONAmounts.check(req.body.data, fields: ["amountDong"])
        let input = try req.content.decode(ContributionInput.self)
        let e = try await LedgerActions.contribute(input, amountText: input.amountDong.map(String.init), campaign: c, access: req.access,
                                                   today: req.today, on: req.db)
        return try await created(req, e)
    }

    func spend(req: Request) async throws -> Response {
        let c = try req.scoped(Campaign.self)
        try JSONAmounts.check(req.body.data, fields: ["amountDong"])
        let input = try req.content.decode(ExpenseInput.self)
        let e = try await LedgerActions.spend(input, amountText: input.amountDong.map(String.init), campaign: c, access: req.access,
                                              today: req.today, on: req.db)
        return try await created(req, e)
    }

    func reverse(req: Request) async throws -> Response {
        let entry = try req.scoped(LedgerEntry.self)
        let input = try req.content.decode(ReversalInput.self)
        return try await created(req, try await LedgerActions.reverse(entry, input, access: req.access, today: req.today, on: req.db))
    }

    /// A CSV body (`text/csv`) or a multipart form with the file in `file`; all-or-nothing.
    func importContributions(req: Request) async throws -> ContributionImportReport {
        let c = try req.scoped(Campaign.self)
        let data: Data
        if req.headers.contentType?.type == "multipart" {
            struct Upload: Content { var file: File? }
            let upload = try req.uploadForm(Upload.self)
            guard let file = upload.file, file.data.readableBytes > 0 else { throw InvalidInput("file", "error.required") }
            data = Data(buffer: file.data)
        } else {
            guard let buffer = req.body.data, buffer.readableBytes > 0 else { throw InvalidInput("file", "error.required") }
            data = Data(buffer: buffer)
        }
        return try await LedgerCSV.importFile(data, into: c, access: req.access, today: req.today, on: req.db)
    }

    /// A household signed in: its own contributions. Anyone else: not found.
    func mine(req: Request) async throws -> [MyContributionDTO] {
        guard let h = req.access.householdID else { throw Abort(.notFound) }
        return try await LedgerQueries.mine(h, on: req.db)
    }

    /// The public ledger as JSON: the same for everyone, so kept (Ledger+Public.swift). A malformed or unknown id
    /// is not found; a bad page, size or cursor is 400 with its field.
    func publicLedger(req: Request) async throws -> Response {
        let id = try req.idParameter()
        let position = try LedgerPageRequest(req, defaultPer: req.application.config.pageSize)
        return try await LedgerPages.answer(req, format: .json, campaign: id, request: position, keep: true) { head in
            let built = try await LedgerPublic.build(head, position, on: req.db)
            return (built, try await built.ledger.encodeResponse(for: req))
        }
    }

    /// The campaign a public route names; a malformed or unknown id is not found.
    static func campaign(_ req: Request) async throws -> Campaign {
        guard let c = try await Campaign.find(try req.idParameter(), on: req.db) else { throw Abort(.notFound) }
        return c
    }
}
