// The ledger's reads, shared by the pages and the API: a campaign's totals (sums in SQL), the campaigns in the
// caller's units, a page of entries for staff, the public ledger (no personal data but the names of households that
// did not ask to be anonymous), and a household's own contributions.
import Fluent
import SQLKit
import Vapor

public enum LedgerQueries {
    static func sql(_ db: any Database) -> any SQLDatabase { db as! any SQLDatabase }

    /// raised − spent = balance, each a sum of the campaign's entries (reversals carry their negative amounts).
    public static func totals(_ campaign: UUID, on db: any Database) async throws -> LedgerTotals {
        try await totals([campaign], on: db)[campaign] ?? LedgerTotals(raisedDong: 0, spentDong: 0, balanceDong: 0, contributions: 0, expenses: 0)
    }

    public static func totals(_ campaigns: [UUID], on db: any Database) async throws -> [UUID: LedgerTotals] {
        try await totalsAndRows(campaigns, on: db).0
    }

    /// The totals, and how many contribution rows (reversals included) each campaign has, in one query: the sums
    /// kept per campaign and kind (`LedgerSums`, migration 0025), not a sum over every entry.
    static func totalsAndRows(_ campaigns: [UUID], on db: any Database) async throws -> ([UUID: LedgerTotals], [UUID: Int]) {
        guard !campaigns.isEmpty else { return ([:], [:]) }
        let rows = try await sql(db).raw("""
            SELECT campaign_id, kind, total_dong AS total, standing AS n, row_count AS rowcount
            FROM ledger_sums WHERE campaign_id IN (\(binds: campaigns))
            """).all()
        var counted: [UUID: Int] = [:]
        var out: [UUID: LedgerTotals] = [:]
        for id in campaigns { out[id] = LedgerTotals(raisedDong: 0, spentDong: 0, balanceDong: 0, contributions: 0, expenses: 0) }
        for r in rows {
            let id = try r.decode(column: "campaign_id", as: UUID.self)
            let total = try r.decode(column: "total", as: Int64.self), n = try r.decode(column: "n", as: Int.self)
            if try r.decode(column: "kind", as: String.self) == LedgerKind.contribution.rawValue {
                out[id]!.raisedDong = total; out[id]!.contributions = n
                counted[id] = try r.decode(column: "rowcount", as: Int.self)
            } else {
                out[id]!.spentDong = total; out[id]!.expenses = n
            }
        }
        for id in campaigns { out[id]!.balanceDong = out[id]!.raisedDong - out[id]!.spentDong }
        return (out, counted)
    }

    static func unitNames(_ ids: [UUID], on db: any Database) async throws -> [UUID: String] {
        guard !ids.isEmpty else { return [:] }
        var names: [UUID: String] = [:]
        for r in try await sql(db).raw("SELECT id, name FROM admin_units WHERE id IN (\(binds: Array(Set(ids))))").all() {
            names[try r.decode(column: "id", as: UUID.self)] = try r.decode(column: "name", as: String.self)
        }
        return names
    }

    /// Campaigns of units inside the caller's units for manageLedger, newest first.
    public static func campaigns(_ access: Access, on db: any Database) async throws -> [CampaignDTO] {
        let q = Campaign.query(on: db)
        if let roots = access.roots(.manageLedger) {
            if roots.isEmpty { return [] }
            q.filter(.sql(UnitClosure.below(Campaign.schema, "unit_id", roots)))
        }
        let list = try await q.sort(\.$startsOn, .descending).sort(\.$purpose).limit(500).all()
        return try await dtos(list, on: db)
    }

    public static func dtos(_ list: [Campaign], nextReceipt: Bool = false, on db: any Database) async throws -> [CampaignDTO] {
        let totals = try await totals(list.map { $0.id! }, on: db)
        let names = try await unitNames(list.map(\.unitID), on: db)
        var out: [CampaignDTO] = []
        for c in list {
            var next: String? = nil
            if nextReceipt { var r = try await ReceiptNumbers.load(c.id!, on: db); next = r.next() }
            out.append(CampaignDTO(id: c.id!, unitId: c.unitID, unitName: names[c.unitID] ?? "", communeId: c.communeID, purpose: c.purpose,
                                   targetDong: c.targetDong, startsOn: c.startsOn, endsOn: c.endsOn, totals: totals[c.id!]!, nextReceiptNo: next))
        }
        return out
    }

    public static func detail(_ c: Campaign, on db: any Database) async throws -> CampaignDTO {
        try await dtos([c], nextReceipt: true, on: db)[0]
    }

    /// The assets each expense paid for, with whether each works today.
    static func assets(of expenses: [UUID], on db: any Database) async throws -> [UUID: [AssetRefDTO]] {
        guard !expenses.isEmpty else { return [:] }
        let rows = try await sql(db).raw("""
            SELECT ea.expense_id, a.id, a.name, a.kind, a.status FROM expense_assets ea JOIN assets a ON a.id = ea.asset_id
            WHERE ea.expense_id IN (\(binds: expenses)) ORDER BY a.kind, a.name
            """).all()
        var out: [UUID: [AssetRefDTO]] = [:]
        for r in rows {
            out[try r.decode(column: "expense_id", as: UUID.self), default: []].append(AssetRefDTO(
                id: try r.decode(column: "id", as: UUID.self), name: try r.decode(column: "name", as: String.self),
                kind: try r.decode(column: "kind", as: String.self), status: try r.decode(column: "status", as: String.self)))
        }
        return out
    }

    /// Which of these entries were reversed, and by which entry (plain rows, through `ledger_entries_reverses`).
    static func reversals(of ids: [UUID], on db: any Database) async throws -> [UUID: UUID] {
        guard !ids.isEmpty else { return [:] }
        var out: [UUID: UUID] = [:]
        for r in try await sql(db).raw("SELECT id, reverses_id FROM ledger_entries WHERE reverses_id IN (\(binds: ids))").all() {
            out[try r.decode(column: "reverses_id", as: UUID.self)] = try r.decode(column: "id", as: UUID.self)
        }
        return out
    }

    /// A page of the campaign's entries of one kind, newest first (staff: names and households).
    public static func entries(_ c: Campaign, kind: LedgerKind, page: PageRequest, on db: any Database) async throws -> Paged<LedgerEntryDTO> {
        let base = LedgerEntry.query(on: db).filter(\.$campaignID == c.id!).filter(\.$kind == kind)
        let total = try await base.count()
        let list = try await LedgerEntry.query(on: db).filter(\.$campaignID == c.id!).filter(\.$kind == kind)
            .sort(\.$entryOn, .descending).sort(\.$createdAt, .descending).sort(\.$id, .descending).range(page.offset..<(page.offset + page.per)).all()
        return Paged(items: try await staffDTOs(list, on: db), page: page, total: total)
    }

    static func staffDTOs(_ list: [LedgerEntry], on db: any Database) async throws -> [LedgerEntryDTO] {
        let ids = list.map { $0.id! }
        let reversed = try await reversals(of: ids, on: db)
        let assets = try await assets(of: list.filter { $0.kind == .expense }.map { $0.id! }, on: db)
        var codes: [UUID: String] = [:]
        let hs = Array(Set(list.compactMap(\.householdID)))
        if !hs.isEmpty { for h in try await Household.query(on: db).filter(\.$id ~~ hs).all() { codes[h.id!] = h.code } }
        return list.map { e in
            LedgerEntryDTO(id: e.id!, campaignId: e.campaignID, kind: e.kind.rawValue, amountDong: e.amountDong, entryOn: e.entryOn,
                           reversesId: e.reversesID, reversedById: reversed[e.id!], reason: e.reason, householdId: e.householdID,
                           householdCode: e.householdID.flatMap { codes[$0] }, contributorName: e.contributorName, organisation: e.organisation,
                           method: e.method?.rawValue, receiptNo: e.receiptNo, anonymous: e.anonymous, supplier: e.supplier, invoiceNo: e.invoiceNo,
                           advance: e.advance, note: e.note, assets: assets[e.id!] ?? [], createdAt: e.createdAt)
        }
    }

    /// What the public ledger shows of an entry, whether a later entry reverses it, and its village.
    struct PublicRow {
        var id: UUID; var amountDong: Int64; var entryOn: String; var reversesID: UUID?; var reason: String?
        var reversed: Bool; var villageID: UUID?; var villageName: String?; var contributorName: String?; var organisation: Bool; var receiptNo: String?; var anonymous: Bool
        var supplier: String?; var invoiceNo: String?; var advance: Bool
    }

    /// Where a page of rows starts: after `offset` rows from the newest, or just after (older than) or just before
    /// (newer than) an entry.
    enum RowPosition { case offset(Int), after(UUID), before(UUID) }

    /// A page of the campaign's entries of one kind as the public ledger shows them (plain rows of the columns it
    /// shows: Fluent models' decoding was most of the page's time, docs/benchmarks.md "Ledger"), newest first. The
    /// page's ids come from `ledger_entries_page` alone (campaign, kind, day, time, id: a stable order), as an
    /// OFFSET over the index or, from a cursor, a range of it (the cursor's day and time read by scalar subqueries,
    /// which both databases take as the range's bound); then their rows, reversals and villages joined. Before a
    /// cursor, the `limit` rows nearest to it.
    static func publicRows(_ campaign: UUID, kind: LedgerKind, position: RowPosition, limit: Int, on db: any Database) async throws -> [PublicRow] {
        let ids: SQLQueryString
        let base: SQLQueryString = "SELECT id FROM ledger_entries WHERE campaign_id = \(bind: campaign) AND kind = \(bind: kind.rawValue)"
        let limit = SQLQueryString(String(max(0, limit)))
        func key(_ k: UUID) -> SQLQueryString {
            "((SELECT entry_on FROM ledger_entries WHERE id = \(bind: k) AND campaign_id = \(bind: campaign) AND kind = \(bind: kind.rawValue)), (SELECT created_at FROM ledger_entries WHERE id = \(bind: k)), \(bind: k))"
        }
        switch position {
        case .offset(let n):
            ids = base + " ORDER BY entry_on DESC, created_at DESC, id DESC LIMIT " + limit + " OFFSET " + SQLQueryString(String(max(0, n)))
        case .after(let k):
            ids = base + " AND (entry_on, created_at, id) < " + key(k) + " ORDER BY entry_on DESC, created_at DESC, id DESC LIMIT " + limit
        case .before(let k):
            ids = base + " AND (entry_on, created_at, id) > " + key(k) + " ORDER BY entry_on, created_at, id LIMIT " + limit
        }
        let rows = try await sql(db).raw("""
            SELECT e.id, e.amount_dong, e.entry_on, e.reverses_id, e.reason, e.village_id, v.name AS village_name, e.contributor_name, e.organisation,
                   e.receipt_no, e.anonymous, e.supplier, e.invoice_no, e.advance, r.id AS reversed_by
            FROM (\(ids)) p
            JOIN ledger_entries e ON e.id = p.id
            LEFT JOIN ledger_entries r ON r.reverses_id = e.id
            LEFT JOIN admin_units v ON v.id = e.village_id
            ORDER BY e.entry_on DESC, e.created_at DESC, e.id DESC
            """).all()
        return try rows.map { r in
            PublicRow(id: try r.decode(column: "id", as: UUID.self), amountDong: try r.decode(column: "amount_dong", as: Int64.self),
                      entryOn: try r.decode(column: "entry_on", as: String.self), reversesID: try r.decode(column: "reverses_id", as: UUID?.self),
                      reason: try r.decode(column: "reason", as: String?.self), reversed: try r.decode(column: "reversed_by", as: UUID?.self) != nil,
                      villageID: try r.decode(column: "village_id", as: UUID?.self), villageName: try r.decode(column: "village_name", as: String?.self),
                      contributorName: try r.decode(column: "contributor_name", as: String?.self), organisation: try r.decode(column: "organisation", as: Bool.self),
                      receiptNo: try r.decode(column: "receipt_no", as: String?.self), anonymous: try r.decode(column: "anonymous", as: Bool.self),
                      supplier: try r.decode(column: "supplier", as: String?.self), invoiceNo: try r.decode(column: "invoice_no", as: String?.self),
                      advance: try r.decode(column: "advance", as: Bool.self))
        }
    }

    /// A household's own contributions (and their reversals), newest first.
    public static func mine(_ household: UUID, on db: any Database) async throws -> [MyContributionDTO] {
        let list = try await LedgerEntry.query(on: db).filter(\.$householdID == household).filter(\.$kind == .contribution)
            .sort(\.$entryOn, .descending).sort(\.$createdAt, .descending).limit(500).all()
        var purposes: [UUID: String] = [:]
        let ids = Array(Set(list.map(\.campaignID)))
        if !ids.isEmpty { for c in try await Campaign.query(on: db).filter(\.$id ~~ ids).all() { purposes[c.id!] = c.purpose } }
        return list.map { e in
            MyContributionDTO(id: e.id!, campaignId: e.campaignID, purpose: purposes[e.campaignID] ?? "", amountDong: e.amountDong,
                              receivedOn: e.entryOn, method: e.method?.rawValue, receiptNo: e.receiptNo, anonymous: e.anonymous,
                              reversesId: e.reversesID, reason: e.reason)
        }
    }
}
