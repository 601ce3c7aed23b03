// The ledger's pages: the campaigns in the caller's units (and a new one), a campaign's page for staff (its figures,
// the forms to record a contribution or an expense, an import, each entry with its receipt and a reversal), the
// printable receipt, the public ledger (open, light, printable) and a household's own contributions (/my/contributions).
import Fluent
import SQLKit
import Vapor

struct LedgerWeb {
    let maxUploadBytes: Int

    func addRoutes(open: any RoutesBuilder, signedIn web: any RoutesBuilder) {
        web.get(SiteURL.campaigns.components, use: list).rule(.list(.manageLedger))
        web.post(SiteURL.campaigns.components, use: create).rule(.action(.manageLedger))
        web.get(SiteURL.campaign(.key).components, use: show).rule(.campaign(.manageLedger))
        web.post(SiteURL.campaignContributions(.key).components, use: contribute).rule(.campaign(.manageLedger))
        web.post(SiteURL.campaignExpenses(.key).components, use: spend).rule(.campaign(.manageLedger))
        web.on(.POST, SiteURL.campaignImport(.key).components, body: .collect(maxSize: ByteCount(value: maxUploadBytes + 65_536)), use: importUpload)
            .rule(.campaign(.manageLedger)).maxBody(maxUploadBytes + 65_536)
        web.get(SiteURL.campaignExport(.key).components, use: export).rule(.campaign(.manageLedger))
        web.get(SiteURL.ledgerReceipt(.key).components, use: receipt).rule(.ledgerEntry(.manageLedger))
        web.post(SiteURL.ledgerReverse(.key).components, use: reverse).rule(.ledgerEntry(.manageLedger))
        web.get(SiteURL.myContributions.components, use: mine).rule(.signedIn)
        open.get(SiteURL.publicLedger(.key).components, use: publicPage).rule(.open)
        open.get(SiteURL.contributionsTemplate.components, use: template).rule(.open)
    }

    static func money(_ v: Int64, _ req: Request) -> String { Money.format(v, req.lang) }

    // MARK: the list

    struct CampaignRow: Encodable { var url: String; var purpose: String; var unit: String; var period: String; var target: String; var raised: String; var balance: String }
    struct ListPage: Encodable {
        var layout: Layout
        var rows: [CampaignRow]
        var form: FormState
        var units: [SelectOption]
        var action: String
        var today: String
    }

    static func period(_ starts: String, _ ends: String?) -> String {
        Day.display(starts) + " – " + (ends.map(Day.display) ?? "…")
    }

    func list(req: Request) async throws -> View { try await renderList(req, FormState()) }

    func renderList(_ req: Request, _ form: FormState) async throws -> View {
        let campaigns = try await LedgerQueries.campaigns(req.access, on: req.db)
        let title = req.lang.t("ledger.title")
        let q = AdminUnit.query(on: req.db).group(.or) { $0.filter(\.$kind == .village).filter(\.$kind == .commune) }
        if let roots = req.access.roots(.manageLedger) { q.filter(.sql(UnitClosure.below(AdminUnit.schema, "id", roots))) }
        let units = try await q.sort(\.$kind).sort(\.$name).limit(500).all()
        let selected = form.values["unitId"] ?? ""
        return try await req.view.render("ledger/campaigns", ListPage(
            layout: Layout(req, title: title, crumbs: [Crumb(name: title, url: SiteURL.campaigns.path)]),
            rows: campaigns.map { c in CampaignRow(url: SiteURL.campaign(.id(c.id)).path, purpose: c.purpose, unit: c.unitName,
                                                   period: Self.period(c.startsOn, c.endsOn), target: Self.money(c.targetDong, req),
                                                   raised: Self.money(c.totals.raisedDong, req), balance: Self.money(c.totals.balanceDong, req)) },
            form: form, units: units.map { SelectOption(value: $0.id!.uuidString, label: $0.name, selected: $0.id!.uuidString == selected) },
            action: SiteURL.campaigns.path, today: req.today))
    }

    struct CampaignForm: Content { var unitId: String?; var purpose: String?; var targetDong: String?; var startsOn: String?; var endsOn: String? }

    func create(req: Request) async throws -> Response {
        let f = (try? req.content.decode(CampaignForm.self)) ?? CampaignForm()
        do {
            let c = try await LedgerActions.createCampaign(unitId: f.unitId, purpose: f.purpose, target: f.targetDong, startsOn: f.startsOn,
                                                           endsOn: f.endsOn, access: req.access, today: req.today, on: req.db)
            return req.redirect(to: SiteURL.campaign(.id(c.id!)).path, redirectType: .normal)
        } catch let e as InvalidInput {
            let values = ["unitId": f.unitId ?? "", "purpose": f.purpose ?? "", "targetDong": f.targetDong ?? "", "startsOn": f.startsOn ?? "", "endsOn": f.endsOn ?? ""]
            return try await renderList(req, FormState(values: values, issues: e.issues, lang: req.lang)).encodeResponse(status: e.status, for: req)
        }
    }

    // MARK: a campaign (staff)

    struct EntryRow: Encodable {
        var index: Int
        var day: String
        var amount: String
        var negative: Bool
        var who: String
        var code: String
        var anonymous: Bool
        var method: String
        var receiptNo: String
        var receiptURL: String?
        var reverseURL: String?
        var reversal: Bool
        var reversed: Bool
        var reason: String
        var supplier: String
        var invoiceNo: String
        var advance: Bool
        var assets: [AssetRow]
    }
    struct AssetRow: Encodable { var name: String; var kind: String; var status: String; var working: Bool }
    struct ShowPage: Encodable {
        var layout: Layout
        var campaign: CampaignDTO
        var period: String
        var target: String
        var raised: String
        var spent: String
        var balance: String
        var contributions: [EntryRow]
        var pager: Pager
        var expenses: [EntryRow]
        var contributionForm: FormState
        var expenseForm: FormState
        var importErrors: [String]
        var imported: String?
        var reverseError: String?
        var assets: [SelectOption]
        var nextReceipt: String
        var contributeURL: String
        var spendURL: String
        var importURL: String
        var exportURL: String
        var publicURL: String
        var templateURL: String
        var today: String
    }

    static func assetRows(_ list: [AssetRefDTO], _ lang: Lang) -> [AssetRow] {
        list.map { AssetRow(name: $0.name, kind: lang.t("ledger.assetKind.\($0.kind)"), status: lang.t("ledger.assetStatus.\($0.status)"), working: $0.status == "working") }
    }

    static func row(_ i: Int, _ e: LedgerEntryDTO, _ req: Request, staff: Bool) -> EntryRow {
        let lang = req.lang
        return EntryRow(index: i, day: Day.display(e.entryOn), amount: money(e.amountDong, req), negative: e.amountDong < 0,
                        who: e.contributorName ?? "", code: e.householdCode ?? "", anonymous: e.anonymous,
                        method: e.method.map { lang.t("ledger.method.\($0)") } ?? "", receiptNo: e.receiptNo ?? "",
                        receiptURL: e.kind == "contribution" && e.reversesId == nil ? SiteURL.ledgerReceipt(.id(e.id)).path : nil,
                        reverseURL: staff && e.reversesId == nil && e.reversedById == nil ? SiteURL.ledgerReverse(.id(e.id)).path : nil,
                        reversal: e.reversesId != nil, reversed: e.reversedById != nil, reason: e.reason ?? "",
                        supplier: e.supplier ?? "", invoiceNo: e.invoiceNo ?? "", advance: e.advance, assets: assetRows(e.assets, lang))
    }

    func show(req: Request) async throws -> Response {
        try await renderShow(req, try req.scoped(Campaign.self))
    }

    func renderShow(_ req: Request, _ c: Campaign, contribution: FormState = FormState(), expense: FormState = FormState(),
                    importErrors: [FieldIssue] = [], imported: ContributionImportReport? = nil, reverseError: String? = nil,
                    status: HTTPResponseStatus = .ok) async throws -> Response {
        let dto = try await LedgerQueries.detail(c, on: req.db)
        let page = PageRequest(req, defaultPer: req.application.config.pageSize)
        let contributions = try await LedgerQueries.entries(c, kind: .contribution, page: page, on: req.db)
        let expenses = try await LedgerQueries.entries(c, kind: .expense, page: PageRequest(page: 1, per: PageRequest.maxPer), on: req.db)
        try await LedgerAPI.viewed(req, c)
        // The assets this campaign paid for (or may): those it names, in its unit.
        let assets = try await Asset.query(on: req.db).filter(\.$campaignID == c.id!).sort(\.$kind).sort(\.$name).limit(500).all()
        let chosen = Set((expense.values["assetIds"] ?? "").split(separator: ",").map(String.init))
        let lang = req.lang
        let view = try await req.view.render("ledger/campaign", ShowPage(
            layout: Layout(req, title: c.purpose, crumbs: [Crumb(name: lang.t("ledger.title"), url: SiteURL.campaigns.path),
                                                           Crumb(name: dto.unitName, url: SiteURL.campaign(.id(c.id!)).path)]),
            campaign: dto, period: Self.period(c.startsOn, c.endsOn), target: Self.money(c.targetDong, req),
            raised: Self.money(dto.totals.raisedDong, req), spent: Self.money(dto.totals.spentDong, req), balance: Self.money(dto.totals.balanceDong, req),
            contributions: contributions.items.enumerated().map { Self.row($0, $1, req, staff: true) },
            pager: Pager(req, page: contributions.page, per: contributions.per, total: contributions.total),
            expenses: expenses.items.enumerated().map { Self.row($0 + 10_000, $1, req, staff: true) },
            contributionForm: contribution, expenseForm: expense,
            importErrors: importErrors.map { i in (i.line.map { lang.t("ledger.import.line", [String($0)]) + " · " } ?? "") + i.field + ": " + i.message(lang) },
            imported: imported.map { lang.t("ledger.import.done", [String($0.contributionsAdded), Money.format($0.raisedDong, lang)]) },
            reverseError: reverseError,
            assets: assets.map { SelectOption(value: $0.id!.uuidString, label: $0.name + " · " + lang.t("ledger.assetStatus.\($0.status.rawValue)"),
                                              selected: chosen.contains($0.id!.uuidString)) },
            nextReceipt: dto.nextReceiptNo ?? "", contributeURL: SiteURL.campaignContributions(.id(c.id!)).path,
            spendURL: SiteURL.campaignExpenses(.id(c.id!)).path, importURL: SiteURL.campaignImport(.id(c.id!)).path,
            exportURL: SiteURL.campaignExport(.id(c.id!)).path, publicURL: SiteURL.publicLedger(.id(c.id!)).path,
            templateURL: SiteURL.contributionsTemplate.path, today: req.today))
        return try await view.encodeResponse(status: status, for: req)
    }

    struct ContributionForm: Content {
        var householdCode: String?; var organisation: String?; var amountDong: String?; var receivedOn: String?
        var method: String?; var receiptNo: String?; var anonymous: String?; var note: String?
    }

    func contribute(req: Request) async throws -> Response {
        let c = try req.scoped(Campaign.self)
        let f = (try? req.content.decode(ContributionForm.self)) ?? ContributionForm()
        let input = ContributionInput(householdCode: f.householdCode, organisation: f.organisation, receivedOn: f.receivedOn, method: f.method,
                                      receiptNo: f.receiptNo, anonymous: f.anonymous == "1", note: f.note)
        do {
            _ = try await LedgerActions.contribute(input, amountText: f.amountDong, campaign: c, access: req.access, today: req.today, on: req.db)
            return req.redirect(to: SiteURL.campaign(.id(c.id!)).path, redirectType: .normal)
        } catch let e as InvalidInput {
            let values = ["householdCode": f.householdCode ?? "", "organisation": f.organisation ?? "", "amountDong": f.amountDong ?? "",
                          "receivedOn": f.receivedOn ?? "", "method": f.method ?? "", "receiptNo": f.receiptNo ?? "", "anonymous": f.anonymous ?? "",
                          "note": f.note ?? ""]
            return try await renderShow(req, c, contribution: FormState(values: values, issues: e.issues, lang: req.lang), status: e.status)
        }
    }

    struct ExpenseForm: Content {
        var supplier: String?; var invoiceNo: String?; var amountDong: String?; var spentOn: String?
        var assetIds: [String]?; var advance: String?; var note: String?
    }

    func spend(req: Request) async throws -> Response {
        let c = try req.scoped(Campaign.self)
        let f = (try? req.content.decode(ExpenseForm.self)) ?? ExpenseForm()
        let input = ExpenseInput(supplier: f.supplier, invoiceNo: f.invoiceNo, spentOn: f.spentOn, assetIds: f.assetIds, advance: f.advance == "1", note: f.note)
        do {
            _ = try await LedgerActions.spend(input, amountText: f.amountDong, campaign: c, access: req.access, today: req.today, on: req.db)
            return req.redirect(to: SiteURL.campaign(.id(c.id!)).path, redirectType: .normal)
        } catch let e as InvalidInput {
            let values = ["supplier": f.supplier ?? "", "invoiceNo": f.invoiceNo ?? "", "amountDong": f.amountDong ?? "", "spentOn": f.spentOn ?? "",
                          "assetIds": (f.assetIds ?? []).joined(separator: ","), "advance": f.advance ?? "", "note": f.note ?? ""]
            return try await renderShow(req, c, expense: FormState(values: values, issues: e.issues, lang: req.lang), status: e.status)
        }
    }

    struct Upload: Content { var file: File? }

    func importUpload(req: Request) async throws -> Response {
        let c = try req.scoped(Campaign.self)
        do {
            let upload = try req.uploadForm(Upload.self)
            guard let file = upload.file, file.data.readableBytes > 0 else { throw InvalidInput("file", "error.required") }
            let report = try await LedgerCSV.importFile(Data(buffer: file.data), into: c, access: req.access, today: req.today, on: req.db)
            return try await renderShow(req, c, imported: report)
        } catch let e as InvalidInput {
            return try await renderShow(req, c, importErrors: e.issues, status: e.status)
        }
    }

    func export(req: Request) async throws -> Response {
        let c = try req.scoped(Campaign.self)
        let text = try await LedgerCSV.export(c, on: req.db)
        try await Audit.record("export", LedgerEntry.schema, row: c.id, unit: c.unitID, on: req.db)
        let res = Response(status: .ok, body: .init(string: text))
        res.headers.contentType = HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
        res.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"ledger-\(c.startsOn).csv\"")
        return res
    }

    func reverse(req: Request) async throws -> Response {
        let entry = try req.scoped(LedgerEntry.self)
        let c = try req.scoped(Campaign.self)
        struct Form: Content { var reason: String? }
        let f = (try? req.content.decode(Form.self)) ?? Form()
        do {
            _ = try await LedgerActions.reverse(entry, ReversalInput(reason: f.reason), access: req.access, today: req.today, on: req.db)
            return req.redirect(to: SiteURL.campaign(.id(c.id!)).path, redirectType: .normal)
        } catch let e as InvalidInput {
            return try await renderShow(req, c, reverseError: e.issues.first?.message(req.lang), status: e.status)
        }
    }

    // MARK: the receipt

    struct ReceiptPage: Encodable {
        var layout: Layout
        var commune: String
        var unit: String
        var purpose: String
        var receiptNo: String
        var day: String
        var who: String
        var code: String
        var amount: String
        var words: String
        var method: String
        var note: String
        var reversed: Bool
    }

    func receipt(req: Request) async throws -> View {
        let e = try req.scoped(LedgerEntry.self)
        let c = try req.scoped(Campaign.self)
        guard e.kind == .contribution, e.reversesID == nil else { throw Abort(.notFound) }
        let names = try await LedgerQueries.unitNames([c.unitID, c.communeID], on: req.db)
        let dto = try await LedgerQueries.staffDTOs([e], on: req.db)[0]
        try await Audit.record("view", LedgerEntry.schema, row: e.id, unit: c.unitID, on: req.db)
        let lang = req.lang
        return try await req.view.render("ledger/receipt", ReceiptPage(
            layout: Layout(req, title: lang.t("ledger.receipt.title") + " " + (e.receiptNo ?? "")),
            commune: names[c.communeID] ?? "", unit: names[c.unitID] ?? "", purpose: c.purpose, receiptNo: e.receiptNo ?? "",
            day: Day.display(e.entryOn), who: e.contributorName ?? "", code: dto.householdCode ?? "", amount: Money.format(e.amountDong, lang),
            words: VietnameseWords.dongCapitalised(e.amountDong), method: e.method.map { lang.t("ledger.method.\($0.rawValue)") } ?? "",
            note: e.note ?? "", reversed: dto.reversedById != nil))
    }

    // MARK: the public ledger

    struct PublicRow: Encodable {
        var day: String
        var amount: String
        var negative: Bool
        var who: String
        var receiptNo: String
        var reversed: Bool
        var reason: String
    }
    struct PublicExpenseRow: Encodable {
        var day: String
        var amount: String
        var negative: Bool
        var supplier: String
        var invoiceNo: String
        var advance: Bool
        var reversed: Bool
        var reason: String
        var assets: [AssetRow]
        var working: Int
        var assetCount: Int
    }
    struct PublicPage: Encodable {
        var layout: Layout
        var ledger: PublicLedgerDTO
        var period: String
        var target: String
        var raised: String
        var spent: String
        var balance: String
        var contributions: [PublicRow]
        var pager: Pager
        var expenses: [PublicExpenseRow]
    }

    /// The public ledger's page: kept for visitors who are not signed in (Ledger+Public.swift); the pager's links
    /// carry a cursor (`after`/`before`) and the page's number.
    func publicPage(req: Request) async throws -> Response {
        let id = try req.idParameter()
        let position = try LedgerPageRequest(req, defaultPer: req.application.config.pageSize)
        return try await LedgerPages.answer(req, format: .page, campaign: id, request: position, keep: !req.access.isSignedIn) { head in
            let built = try await LedgerPublic.build(head, position, on: req.db)
            return (built, try await Self.render(req, head, built.ledger).encodeResponse(for: req))
        }
    }

    static func render(_ req: Request, _ head: LedgerPublic.Head, _ ledger: PublicLedgerDTO) async throws -> View {
        let lang = req.lang
        func who(_ e: PublicContributionDTO) -> String {
            if e.organisation { return e.contributor ?? "" }
            if e.anonymous || e.contributor == nil { return lang.t("ledger.public.anonymousHousehold", [e.village ?? ledger.unitName]) }
            return lang.t("ledger.public.household", [e.contributor!, e.village ?? ledger.unitName])
        }
        let title = lang.t("ledger.public.title")
        let path = SiteURL.publicLedger(.id(head.id)).path
        let paged = ledger.contributions
        // The pager's links: the other parameters kept (the size, the language), the cursor and number replaced.
        let kept = (req.url.query ?? "").split(separator: "&").filter { p in !["page=", "after=", "before="].contains { p.hasPrefix($0) } }.map(String.init)
        func link(_ cursor: String, _ id: UUID, _ page: Int) -> String { path + "?" + (kept + ["\(cursor)=\(id.uuidString.lowercased())", "page=\(page)"]).joined(separator: "&") }
        let pager = Pager(page: paged.page, pageCount: max(1, (paged.total + paged.per - 1) / paged.per), total: paged.total,
                          prev: ledger.contributionsBefore.map { link("before", $0, paged.page - 1) },
                          next: ledger.contributionsAfter.map { link("after", $0, paged.page + 1) })
        return try await req.view.render("ledger/public", PublicPage(
            layout: Layout(req, title: title + " · " + head.purpose, crumbs: [Crumb(name: title, url: path)]),
            ledger: ledger, period: Self.period(head.startsOn, head.endsOn), target: Self.money(head.targetDong, req),
            raised: Self.money(ledger.totals.raisedDong, req), spent: Self.money(ledger.totals.spentDong, req),
            balance: Self.money(ledger.totals.balanceDong, req),
            contributions: paged.items.map { e in
                PublicRow(day: Day.display(e.receivedOn), amount: Self.money(e.amountDong, req), negative: e.amountDong < 0, who: who(e),
                          receiptNo: e.receiptNo ?? "", reversed: e.reversed, reason: e.reason ?? "")
            },
            pager: pager,
            expenses: ledger.expenses.map { e in
                PublicExpenseRow(day: Day.display(e.spentOn), amount: Self.money(e.amountDong, req), negative: e.amountDong < 0, supplier: e.supplier,
                                 invoiceNo: e.invoiceNo ?? "", advance: e.advance, reversed: e.reversed, reason: e.reason ?? "",
                                 assets: Self.assetRows(e.assets, lang), working: e.assets.filter { $0.status == "working" }.count,
                                 assetCount: e.assets.count)
            }))
    }

    // MARK: a household's own

    struct MineRow: Encodable { var day: String; var purpose: String; var publicURL: String; var amount: String; var negative: Bool; var method: String; var receiptNo: String; var anonymous: Bool; var reason: String }
    struct MinePage: Encodable { var layout: Layout; var rows: [MineRow]; var total: String }

    func mine(req: Request) async throws -> Response {
        guard let h = req.access.householdID else { return req.redirect(to: SiteURL.home.path, redirectType: .normal) }
        let list = try await LedgerQueries.mine(h, on: req.db)
        let lang = req.lang
        let title = lang.t("ledger.mine.title")
        return try await req.view.render("ledger/mine", MinePage(
            layout: Layout(req, title: title, crumbs: [Crumb(name: lang.t("mine.title"), url: SiteURL.myHousehold.path), Crumb(name: title, url: SiteURL.myContributions.path)]),
            rows: list.map { e in MineRow(day: Day.display(e.receivedOn), purpose: e.purpose, publicURL: SiteURL.publicLedger(.id(e.campaignId)).path,
                                         amount: Self.money(e.amountDong, req), negative: e.amountDong < 0,
                                         method: e.method.map { lang.t("ledger.method.\($0)") } ?? "", receiptNo: e.receiptNo ?? "",
                                         anonymous: e.anonymous, reason: e.reason ?? "") },
            total: Self.money(Money.sum(list.map(\.amountDong)), req))).encodeResponse(for: req)
    }

    func template(req: Request) async throws -> Response {
        let text = try CSVText.forSpreadsheets { sheet in
            try sheet.write(row: LedgerCSV.columns)
            try sheet.write(row: ["09829-0001", "", "500000", "2026-03-01", "cash", "", "no", ""])
            try sheet.write(row: ["", "Công ty TNHH Ví Dụ", "20000000", "2026-03-02", "transfer", "", "no", ""])
        }
        let res = Response(status: .ok, body: .init(string: text))
        res.headers.contentType = HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
        res.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"contributions.csv\"")
        return res
    }
}
