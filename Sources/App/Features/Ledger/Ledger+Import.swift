// Contributions from an official's spreadsheet (CSV or XLSX), and the ledger out as CSV. An import is all-or-nothing:
// every bad cell is answered with its line and column in the caller's language and nothing is written; each row is
// checked by the same function as the form and the API (`LedgerActions.draft`), the households read with one query.
// The export writes every entry (amounts as plain integers of đồng, cells neutralised by CSVText).
import Fluent
import Foundation
import SQLKit
import Vapor

public enum LedgerCSV {
    public static let columns = ["household_code", "organisation", "amount", "received_on", "method", "receipt_no", "anonymous", "note"]
    static let columnOf: [String: String] = ["organisation": "organisation", "amountDong": "amount", "receivedOn": "received_on",
                                             "method": "method", "receiptNo": "receipt_no", "note": "note"]
    static let yes: Set<String> = ["yes", "y", "1", "co", "true", "x"]
    static let no: Set<String> = ["no", "n", "0", "khong", "false", ""]
    public static let maxRows = 50_000

    public static func importFile(_ data: Data, into campaign: Campaign, access: Access, today: String, on db: any Database) async throws -> ContributionImportReport {
        var c = Checker()
        let file = try SheetFile.read(data)
        var index: [String: Int] = [:]
        for (i, raw) in file.header.enumerated() {
            let h = raw.trimmingCharacters(in: .whitespaces).lowercased()
            if h.isEmpty && file.format == .xlsx { continue }
            if !columns.contains(h) { c.add(h, "error.csvUnknownColumn", [h], line: file.headerLine) }
            else if index[h] != nil { c.add(h, "error.csvDuplicateColumn", [h], line: file.headerLine) }
            else { index[h] = i }
        }
        if index["amount"] == nil { c.add("amount", "error.csvMissingColumn", ["amount"], line: file.headerLine) }
        if index["household_code"] == nil && index["organisation"] == nil {
            c.add("household_code", "error.csvMissingColumn", ["household_code"], line: file.headerLine)
        }
        try c.check()
        // The unit's households by code, with their representatives' names.
        let households = try await Household.query(on: db).group(.or) { $0.filter(\.$villageID == campaign.unitID).filter(\.$communeID == campaign.unitID) }.all()
        var byCode: [String: Household] = [:]
        for h in households { byCode[h.code] = h }
        var names: [UUID: String] = [:]
        let reps = households.compactMap(\.representativeID)
        var start = 0
        while start < reps.count {
            let chunk = Array(reps[start..<min(reps.count, start + 1000)])
            for r in try await Resident.query(on: db).filter(\.$id ~~ chunk).all() { names[r.id!] = r.fullName }
            start += chunk.count
        }
        var drafts: [ContributionDraft] = []
        var rows = 0
        var line = file.headerLine
        while let sheetRow = file.nextRow() {
            line = sheetRow.line
            let raw = sheetRow.cells
            if raw.allSatisfy({ RegistryCSV.trimmed($0).isEmpty }) { continue }
            rows += 1
            if rows > maxRows { c.add("file", "ledger.error.tooManyRows", [String(maxRows)], line: line); break }
            func cell(_ col: String) -> String {
                guard let i = index[col], i < raw.count else { return "" }
                return CSVText.restore(RegistryCSV.trimmed(raw[i]))
            }
            let code = cell("household_code")
            let h = byCode[code].map { ($0, $0.representativeID.flatMap { names[$0] } ?? $0.code) }
            let flag = Fold.key(cell("anonymous"))
            var anonymous = false
            if yes.contains(flag) { anonymous = true } else if !no.contains(flag) { c.add("anonymous", "ledger.error.yesNo", line: line) }
            if let d = LedgerActions.draft(household: h, householdGiven: !code.isEmpty, householdField: "household_code", organisation: cell("organisation"),
                                           amount: cell("amount"), receivedOn: cell("received_on"), method: cell("method"),
                                           receiptNo: cell("receipt_no"), anonymous: anonymous, note: cell("note"), today: today,
                                           field: { columnOf[$0] ?? $0 }, line: line, into: &c) {
                drafts.append(d)
            }
            if c.issues.count >= 1000 { break }
        }
        if let e = file.readError { c.add("file", "error.csvUnreadable", [e], line: line) }
        if rows == 0 && c.issues.isEmpty { c.add("file", "error.csvEmpty") }
        // The same receipt number twice in the file.
        var seen: [String: Int] = [:]
        for d in drafts {
            guard let r = d.receiptNo else { continue }
            if seen[r] != nil { c.add("receipt_no", "ledger.error.receiptTaken", [r], line: d.line) } else { seen[r] = d.line }
        }
        try c.check()
        let entries = try await LedgerActions.record(drafts, campaign: campaign, access: access, field: { columnOf[$0] ?? $0 }, audit: false, on: db)
        return ContributionImportReport(rows: rows, contributionsAdded: entries.count, raisedDong: Money.sum(entries.map(\.amountDong)))
    }

    /// Every entry of the campaign, oldest first: kind, date, amount (plain digits, never a sign: a cell starting
    /// with "-" would be neutralised as a formula), whether it is a reversal (which subtracts its amount), who,
    /// receipt, supplier, invoice, reversal link and reason, the assets an expense paid for.
    public static func export(_ campaign: Campaign, on db: any Database) async throws -> String {
        let list = try await LedgerEntry.query(on: db).filter(\.$campaignID == campaign.id!).sort(\.$createdAt).sort(\.$id).all()
        var dtos: [LedgerEntryDTO] = []
        var start = 0
        while start < list.count {
            dtos += try await LedgerQueries.staffDTOs(Array(list[start..<min(list.count, start + 1000)]), on: db)
            start += 1000
        }
        return try CSVText.forSpreadsheets { sheet in
            try sheet.write(row: ["id", "kind", "date", "amount", "reversal", "household_code", "contributor", "organisation", "anonymous", "method",
                                  "receipt_no", "supplier", "invoice_no", "advance", "reverses_id", "reason", "assets", "note"])
            for e in dtos {
                try sheet.write(row: [e.id.uuidString.lowercased(), e.kind, e.entryOn, Money.plain(abs(e.amountDong)),
                                      e.reversesId == nil ? "no" : "yes", e.householdCode ?? "",
                                      e.contributorName ?? "", e.organisation ? "yes" : "no", e.anonymous ? "yes" : "no", e.method ?? "",
                                      e.receiptNo ?? "", e.supplier ?? "", e.invoiceNo ?? "", e.advance ? "yes" : "no",
                                      e.reversesId?.uuidString.lowercased() ?? "", e.reason ?? "", e.assets.map(\.name).joined(separator: "; "), e.note ?? ""])
            }
        }
    }
}
