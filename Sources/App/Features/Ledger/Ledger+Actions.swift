// The ledger's writes: open a campaign, record contributions (one, or a file of them), record an expense with the
// assets it paid for, reverse an entry. Each checks its input with one function shared by the form, the API and the
// import (fields and lines in the caller's language), then writes in `db.auditedTransaction` after locking the
// campaign row (`Writes.lockRow`: `SELECT … FOR UPDATE` on PostgreSQL; SQLite's write transaction is already exclusive), so two
// clerks at once cannot both spend the same balance, nor take the same receipt number.
import Fluent
import SQLKit
import Vapor

/// A contribution checked and ready to write.
struct ContributionDraft: Sendable {
    var householdID: UUID?
    var villageID: UUID?
    var name: String
    var organisation: Bool
    var amount: Int64
    var on: String
    var method: PaymentMethod
    var receiptNo: String?
    var anonymous: Bool
    var note: String?
    var line: Int?
}

/// The receipt numbers of a campaign: which are taken, and the next one after the last (its trailing digits plus
/// one, keeping their width: PT-0099 → PT-0100; 0001 for the first).
struct ReceiptNumbers {
    var taken: Set<String>
    var last: String?

    static func load(_ campaign: UUID, on db: any Database) async throws -> ReceiptNumbers {
        let sql = db as! any SQLDatabase
        let rows = try await sql.raw("SELECT receipt_no FROM ledger_entries WHERE campaign_id = \(bind: campaign) AND receipt_no IS NOT NULL ORDER BY created_at, id").all()
        let all = try rows.map { try $0.decode(column: "receipt_no", as: String.self) }
        return ReceiptNumbers(taken: Set(all), last: all.last)
    }

    static func after(_ last: String?) -> String {
        guard let last else { return "0001" }
        let digits = String(last.reversed().prefix { $0.isASCII && $0.isNumber }.reversed())
        guard !digits.isEmpty, digits.count <= 15, let n = Int64(digits) else { return last + "-1" }
        let next = String(n + 1)
        return String(last.dropLast(digits.count)) + String(repeating: "0", count: max(0, digits.count - next.count)) + next
    }

    mutating func next() -> String {
        var candidate = Self.after(last)
        while taken.contains(candidate) { candidate = Self.after(candidate) }
        return candidate
    }

    mutating func take(_ n: String) {
        taken.insert(n)
        last = n
    }
}

public enum LedgerActions {
    static let maxText = 200

    /// A positive amount of đồng from what was typed or sent; the issue under `field` otherwise.
    static func amount(_ field: String, _ text: String?, _ c: inout Checker, line: Int? = nil) -> Int64? {
        let t = (text ?? "").trimmingCharacters(in: .whitespaces)
        if t.isEmpty { c.add(field, "error.required", line: line); return nil }
        switch Money.parse(t) {
        case .success(let v):
            if v == 0 { c.add(field, "ledger.error.amountZero", line: line); return nil }
            return v
        case .failure(let e):
            c.add(field, e.key, line: line)
            return nil
        }
    }

    /// Locks the campaign's row until the transaction ends, so that its writers take turns (`Writes.lockRow`:
    /// PostgreSQL's row lock; SQLite's write transaction holds the database's write lock already).
    static func lock(_ campaign: UUID, on db: any Database) async throws {
        try await Writes.lockRow(Campaign.schema, campaign, on: db)
    }

    // MARK: campaigns

    public static func createCampaign(unitId: String?, purpose: String?, target: String?, startsOn: String?, endsOn: String?,
                                      access: Access, today: String, on db: any Database) async throws -> Campaign {
        var c = Checker()
        let purpose = c.text("purpose", purpose, max: maxText)
        let target = amount("targetDong", target, &c)
        let starts = c.day("startsOn", startsOn) ?? today
        let ends = c.day("endsOn", endsOn)
        if let e = ends, e < starts { c.add("endsOn", "ledger.error.endsBeforeStart") }
        var unit: AdminUnit? = nil
        if let raw = unitId?.trimmingCharacters(in: .whitespaces), let id = UUID(uuidString: raw), let u = try await AdminUnit.find(id, on: db),
           u.kind == .village || u.kind == .commune, try await access.allows(.manageLedger, u, on: db) {
            unit = u
        } else {
            c.add("unitId", (unitId ?? "").isEmpty ? "error.required" : "ledger.error.unit")
        }
        try c.check()
        let u = unit!
        guard let commune = u.kind == .commune ? u.id : u.parentID else { throw InvalidInput("unitId", "ledger.error.unit") }
        return try await db.auditedTransaction { db in
            let campaign = Campaign()
            campaign.id = UUID.random()
            campaign.unitID = u.id!
            campaign.communeID = commune
            campaign.purpose = purpose
            campaign.targetDong = target!
            campaign.startsOn = starts
            campaign.endsOn = ends
            campaign.createdBy = access.personID
            try await campaign.create(on: db)
            try await Audit.record("create", Campaign.schema, row: campaign.id, unit: u.id,
                                   after: ["purpose": purpose, "targetDong": String(target!), "startsOn": starts], on: db)
            return campaign
        }
    }

    // MARK: contributions

    /// The household a contribution names, if it belongs to the campaign's unit, and the name it is recorded under
    /// (its representative's).
    static func household(id: String?, code: String?, campaign: Campaign, on db: any Database) async throws -> (Household, String)? {
        var found: Household? = nil
        if let raw = id?.trimmingCharacters(in: .whitespaces), !raw.isEmpty {
            if let u = UUID(uuidString: raw) { found = try await Household.find(u, on: db) }
        } else if let raw = code?.trimmingCharacters(in: .whitespaces), !raw.isEmpty {
            found = try await Household.query(on: db).filter(\.$code == raw).first()
        }
        guard let h = found, h.villageID == campaign.unitID || h.communeID == campaign.unitID else { return nil }
        var name = h.code
        if let rid = h.representativeID, let r = try await Resident.find(rid, on: db) { name = r.fullName }
        return (h, name)
    }

    /// Checks one contribution's own fields; the household (found or not) was looked up by the caller.
    /// `field` names each field as the caller's input does (JSON keys, or the file's columns).
    static func draft(household: (Household, String)?, householdGiven: Bool, householdField: String, organisation: String?,
                      amount amountText: String?, receivedOn: String?, method: String?, receiptNo: String?, anonymous: Bool,
                      note: String?, today: String, field: (String) -> String, line: Int?, into c: inout Checker) -> ContributionDraft? {
        let before = c.issues.count
        let org = Checker.clean(organisation ?? "")
        if householdGiven {
            if household == nil { c.add(householdField, "ledger.error.household", line: line) }
            if !org.isEmpty { c.add(field("organisation"), "ledger.error.householdOrOrganisation", line: line) }
        } else if org.isEmpty {
            c.add(householdField, "ledger.error.householdOrOrganisation", line: line)
        } else if org.count > maxText {
            c.add(field("organisation"), "error.tooLong", [String(maxText)], line: line)
        } else if Checker.hasControl(org, multiline: false) {
            c.add(field("organisation"), "error.controlChars", line: line)
        }
        let value = amount(field("amountDong"), amountText, &c, line: line)
        var on = today
        let rawDay = (receivedOn ?? "").trimmingCharacters(in: .whitespaces)
        if !rawDay.isEmpty {
            if let d = Day.parse(rawDay) {
                if d > today { c.add(field("receivedOn"), "error.future", line: line) } else { on = d }
            } else { c.add(field("receivedOn"), "error.date", line: line) }
        }
        var how = PaymentMethod.cash
        let rawMethod = Fold.key(method ?? "")
        if !rawMethod.isEmpty {
            switch rawMethod {
            case "cash", "tien mat": how = .cash
            case "transfer", "chuyen khoan": how = .transfer
            default: c.add(field("method"), "ledger.error.method", line: line)
            }
        }
        let receipt = Checker.clean(receiptNo ?? "")
        if !receipt.isEmpty, !Codes.isLocal(receipt.replacingOccurrences(of: "/", with: "-"), max: 30) {
            c.add(field("receiptNo"), "ledger.error.receiptNo", line: line)
        }
        var noteText: String? = Checker.clean(note ?? "")
        if noteText!.isEmpty { noteText = nil } else if noteText!.count > 500 { c.add(field("note"), "error.tooLong", ["500"], line: line) }
        guard c.issues.count == before, let value else { return nil }
        return ContributionDraft(householdID: household?.0.id, villageID: household?.0.villageID, name: household?.1 ?? org,
                                 organisation: household == nil, amount: value, on: on, method: how,
                                 receiptNo: receipt.isEmpty ? nil : receipt, anonymous: household != nil && anonymous, note: noteText, line: line)
    }

    /// One contribution from the API or the form (JSON field names).
    public static func contribute(_ input: ContributionInput, amountText: String?, campaign: Campaign, access: Access, today: String,
                                  on db: any Database) async throws -> LedgerEntry {
        let given = !(input.householdId ?? "").trimmingCharacters(in: .whitespaces).isEmpty || !(input.householdCode ?? "").trimmingCharacters(in: .whitespaces).isEmpty
        let h = try await household(id: input.householdId, code: input.householdCode, campaign: campaign, on: db)
        var c = Checker()
        let field = (input.householdId ?? "").isEmpty ? "householdCode" : "householdId"
        let d = draft(household: h, householdGiven: given, householdField: given ? field : "householdId", organisation: input.organisation,
                      amount: amountText, receivedOn: input.receivedOn, method: input.method, receiptNo: input.receiptNo,
                      anonymous: input.anonymous ?? false, note: input.note, today: today, field: { $0 }, line: nil, into: &c)
        try c.check()
        return try await record([d!], campaign: campaign, access: access, field: { $0 }, audit: true, on: db)[0]
    }

    static let entryColumns = ["id", "campaign_id", "unit_id", "commune_id", "kind", "amount_dong", "entry_on", "reverses_id", "reason",
                               "household_id", "village_id", "contributor_name", "organisation", "method", "receipt_no", "anonymous",
                               "supplier", "invoice_no", "advance", "note", "created_by", "created_at"]

    /// Writes checked contributions in one transaction: receipt numbers given are checked (unique in the campaign and
    /// in the batch), missing ones take the next free number.
    static func record(_ drafts: [ContributionDraft], campaign: Campaign, access: Access, field: @escaping @Sendable (String) -> String,
                       audit: Bool, on db: any Database) async throws -> [LedgerEntry] {
        let campaignID = campaign.id!, unitID = campaign.unitID, communeID = campaign.communeID
        return try await db.auditedTransaction { db in
            try await lock(campaignID, on: db)
            var receipts = try await ReceiptNumbers.load(campaignID, on: db)
            var c = Checker()
            for d in drafts {
                if let r = d.receiptNo {
                    if receipts.taken.contains(r) { c.add(field("receiptNo"), "ledger.error.receiptTaken", [r], line: d.line) }
                    receipts.taken.insert(r)
                }
            }
            try c.check()
            let now = AppClock.now
            var entries: [LedgerEntry] = []
            for (i, d) in drafts.enumerated() {
                let e = LedgerEntry()
                e.id = UUID.random()
                e.campaignID = campaignID; e.unitID = unitID; e.communeID = communeID
                e.kind = .contribution
                e.amountDong = d.amount
                e.entryOn = d.on
                e.householdID = d.householdID; e.villageID = d.villageID
                e.contributorName = d.name
                e.organisation = d.organisation
                e.method = d.method
                let receipt = d.receiptNo ?? receipts.next()
                receipts.take(receipt)
                e.receiptNo = receipt
                e.anonymous = d.anonymous
                e.advance = false
                e.note = d.note
                e.createdBy = access.personID
                // Keeps the file's order when several rows share a date (created_at orders the ledger).
                e.createdAt = now.addingTimeInterval(Double(i) / 1000)
                entries.append(e)
            }
            let sql = db as! any SQLDatabase
            try await Bulk.insert(sql, into: LedgerEntry.schema, columns: entryColumns, rows: entries.map(row))
            if audit {
                for e in entries {
                    try await Audit.record("create", LedgerEntry.schema, row: e.id, unit: unitID,
                                           after: ["kind": "contribution", "amountDong": String(e.amountDong), "receiptNo": e.receiptNo ?? "",
                                                   "household": e.householdID?.uuidString ?? "", "organisation": e.organisation ? e.contributorName ?? "" : ""], on: db)
                }
            } else {
                try await Audit.record("import", LedgerEntry.schema, row: campaignID, unit: unitID,
                                       after: ["contributions": String(entries.count), "raisedDong": String(Money.sum(entries.map(\.amountDong)))], on: db)
            }
            return entries
        }
    }

    static func row(_ e: LedgerEntry) -> [SQLValue] {
        [e.id!, e.campaignID, e.unitID, e.communeID, e.kind.rawValue, e.amountDong, e.entryOn, e.reversesID, e.reason,
         e.householdID, e.villageID, e.contributorName, e.organisation, e.method?.rawValue, e.receiptNo, e.anonymous,
         e.supplier, e.invoiceNo, e.advance, e.note, e.createdBy, e.createdAt]
    }

    // MARK: expenses

    public static func spend(_ input: ExpenseInput, amountText: String?, campaign: Campaign, access: Access, today: String,
                             on db: any Database) async throws -> LedgerEntry {
        var c = Checker()
        let supplier = c.text("supplier", input.supplier, max: maxText)
        let invoice = c.text("invoiceNo", input.invoiceNo, max: 60)
        let value = amount("amountDong", amountText, &c)
        var on = today
        if let d = c.day("spentOn", input.spentOn) {
            if d > today { c.add("spentOn", "error.future") } else { on = d }
        }
        var noteText: String? = Checker.clean(input.note ?? "")
        if noteText!.isEmpty { noteText = nil } else if noteText!.count > 500 { c.add("note", "error.tooLong", ["500"]) }
        // Each asset exists and stands in the campaign's unit (at or below it).
        var assetIDs: [UUID] = []
        for raw in input.assetIds ?? [] {
            let t = raw.trimmingCharacters(in: .whitespaces)
            if t.isEmpty { continue }
            var inside = false
            let id = UUID(uuidString: t)
            if let id, let a = try await Asset.find(id, on: db) {
                inside = a.unitID == campaign.unitID
                if !inside { inside = try await UnitClosure.isBelow(a.unitID, roots: [campaign.unitID], on: db) }
            }
            guard inside, let id else {
                c.add("assetIds", "ledger.error.asset", [t])
                continue
            }
            if !assetIDs.contains(id) { assetIDs.append(id) }
        }
        if assetIDs.count > 5000 { c.add("assetIds", "ledger.error.tooManyAssets", ["5000"]) }
        try c.check()
        let advance = input.advance ?? false
        let campaignID = campaign.id!, unitID = campaign.unitID, communeID = campaign.communeID
        let ids = assetIDs, day = on, noteValue = noteText
        return try await db.auditedTransaction { db in
            try await lock(campaignID, on: db)
            let totals = try await LedgerQueries.totals(campaignID, on: db)
            if value! > totals.balanceDong && !advance {
                throw InvalidInput("amountDong", "ledger.error.overBalance", [Money.format(totals.balanceDong, .vi), Money.format(totals.balanceDong, .en)])
            }
            let e = LedgerEntry()
            e.id = UUID.random()
            e.campaignID = campaignID; e.unitID = unitID; e.communeID = communeID
            e.kind = .expense
            e.amountDong = value!
            e.entryOn = day
            e.organisation = false
            e.anonymous = false
            e.supplier = supplier
            e.invoiceNo = invoice
            e.advance = advance
            e.note = noteValue
            e.createdBy = access.personID
            e.createdAt = AppClock.now
            let sql = db as! any SQLDatabase
            try await Bulk.insert(sql, into: LedgerEntry.schema, columns: entryColumns, rows: [row(e)])
            try await Bulk.insert(sql, into: "expense_assets", columns: ["expense_id", "asset_id"], rows: ids.map { [e.id!, $0] })
            try await Audit.record("create", LedgerEntry.schema, row: e.id, unit: unitID,
                                   after: ["kind": "expense", "amountDong": String(e.amountDong), "supplier": supplier, "invoiceNo": invoice,
                                           "advance": advance ? "yes" : "no", "assets": String(ids.count)], on: db)
            return e
        }
    }

    // MARK: reversals

    /// A reversing entry: same kind, the opposite amount, a reason; an entry is reversed at most once, and a reversal
    /// is not reversed (record the entry again instead).
    public static func reverse(_ entry: LedgerEntry, _ input: ReversalInput, access: Access, today: String, on db: any Database) async throws -> LedgerEntry {
        var c = Checker()
        let reason = c.text("reason", input.reason, max: 500)
        if entry.reversesID != nil { c.add("entry", "ledger.error.reverseReversal") }
        try c.check()
        let original = entry
        return try await db.auditedTransaction { db in
            try await lock(original.campaignID, on: db)
            if try await LedgerEntry.query(on: db).filter(\.$reversesID == original.id!).first() != nil {
                throw InvalidInput("entry", "ledger.error.alreadyReversed")
            }
            let e = LedgerEntry()
            e.id = UUID.random()
            e.campaignID = original.campaignID; e.unitID = original.unitID; e.communeID = original.communeID
            e.kind = original.kind
            e.amountDong = -original.amountDong
            e.entryOn = today
            e.reversesID = original.id
            e.reason = reason
            e.householdID = original.householdID; e.villageID = original.villageID
            e.contributorName = original.contributorName
            e.organisation = original.organisation
            e.method = original.method
            e.anonymous = original.anonymous
            e.supplier = original.supplier
            e.invoiceNo = original.invoiceNo
            e.advance = original.advance
            e.createdBy = access.personID
            e.createdAt = AppClock.now
            try await Bulk.insert(db as! any SQLDatabase, into: LedgerEntry.schema, columns: entryColumns, rows: [row(e)])
            try await Audit.record("create", LedgerEntry.schema, row: e.id, unit: original.unitID,
                                   after: ["kind": e.kind.rawValue, "reverses": original.id!.uuidString, "amountDong": String(e.amountDong), "reason": reason], on: db)
            return e
        }
    }

    // MARK: erasure

    /// A household's personal data erased (Features/PersonalData): its contributions keep their amounts, dates and
    /// receipts, but lose the name they were recorded under and the link to the household (the village stays, so the
    /// public ledger shows "a household of village X").
    public static func erase(household id: UUID, on db: any Database) async throws -> Int {
        let rows = try await LedgerEntry.query(on: db).filter(\.$householdID == id).count()
        guard rows > 0 else { return 0 }
        // The update moves each campaign's sums row (`edits`, migration 0032's trigger): take the campaigns' rows
        // first, in one order, as every writer of their entries does, so two erasures cannot deadlock on them.
        let campaigns = Set(try await LedgerEntry.query(on: db).filter(\.$householdID == id).all(\.$campaignID))
        for campaign in campaigns.sorted(by: { $0.uuidString < $1.uuidString }) { try await lock(campaign, on: db) }
        try await LedgerEntry.query(on: db).filter(\.$householdID == id)
            .set(\.$contributorName, to: PersonalData.erasedName).set(\.$anonymous, to: true).set(\.$householdID, to: nil).update()
        return rows
    }
}
