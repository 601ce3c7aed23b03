// The follow-up list as a file for a group head who works from a spreadsheet or a printout: CSV or XLSX
// (Support/SheetFile.swift), every household of the list (not one page), the column titles in the reader's language.
// The same rows the follow-up page shows; downloading one is written to the audit log like viewing it.
import Fluent
import Foundation
import SQLKit

enum FollowUpExport {
    /// Every row of the list, fetched a page (500) at a time.
    static func rows(_ a: Announcement, unit: AdminUnit?, access: Access, on db: any Database) async throws -> [FollowUpRowDTO] {
        var out: [FollowUpRowDTO] = []
        var page = 1
        while true {
            let p = try await MessagingQueries.followUp(a, unit: unit, access: access, page: PageRequest(page: page, per: PageRequest.maxPer), on: db)
            out += p.items
            if p.items.count < PageRequest.maxPer || out.count >= p.total { break }
            page += 1
        }
        return out
    }

    static func file(_ a: Announcement, unit: AdminUnit?, access: Access, format: SheetFile.Format, lang: Lang, on db: any Database) async throws -> (Data, name: String, rows: Int) {
        let items = try await rows(a, unit: unit, access: access, on: db)
        let meeting = a.category == .meeting
        var header = [lang.t("household.code"), lang.t("announcement.representative"), lang.t("household.address"), lang.t("household.phone"),
                      lang.t("announcement.state"), lang.t("announcement.channels")]
        if meeting { header.append(lang.t("announcement.rsvp")) }
        header.append(lang.t("announcement.informedColumn"))   // left empty, for the list to come back (FollowUpImport)
        let rows = items.map { r -> [String] in
            var row = [r.code, r.representative ?? "", r.address, r.phone ?? "", lang.t("announcement.state.\(r.state.rawValue)"),
                       r.channels.sorted { $0.key < $1.key }.map { lang.t("announcement.channel.\($0.key)") + ": " + $0.value }.joined(separator: "; ")]
            if meeting { row.append(r.rsvp.map { lang.t("announcement.rsvp.\($0.rawValue)") } ?? "") }
            row.append("")
            return row
        }
        let name = "chua-nhan-" + (unit?.code ?? String(a.id!.uuidString.prefix(8)).lowercased())
        let data = try SheetFile.write(format, sheet: lang.t("announcement.followUp"), header: header, rows: rows)
        return (data, name, rows.count)
    }
}

/// The list coming back: the group head marks the households told in person in the last column ("Đã báo trực tiếp"
/// / "Informed in person": x, có, yes, 1 …) of the downloaded CSV or XLSX and uploads it. Rows are checked as a
/// household import's are (Support/SheetFile.swift): every bad row with its line and column, and then all marked
/// households are recorded as reached in person in one transaction, or none is.
enum FollowUpImport {
    static let codeHeaders: Set<String> = [Fold.key(Lang.vi.t("household.code")), Fold.key(Lang.en.t("household.code")), "household_code"]
    static let markHeaders: Set<String> = [Fold.key(Lang.vi.t("announcement.informedColumn")), Fold.key(Lang.en.t("announcement.informedColumn")), "informed"]

    struct Report: Sendable { var marked: Int; var already: Int }

    static func run(_ a: Announcement, data: Data, unit: AdminUnit?, access: Access, on db: any Database) async throws -> Report {
        guard a.status == .published else { throw InvalidInput("status", "error.announcement.notPublished", status: .conflict) }
        let file = try SheetFile.read(data)
        var c = Checker()
        let header = file.header.map { Fold.key($0.trimmingCharacters(in: .whitespaces)) }
        let codeCol = header.firstIndex(where: codeHeaders.contains), markCol = header.firstIndex(where: markHeaders.contains)
        if codeCol == nil { c.add("household_code", "error.csvMissingColumn", [Lang.vi.t("household.code")], line: file.headerLine) }
        if markCol == nil { c.add("informed", "error.csvMissingColumn", [Lang.vi.t("announcement.informedColumn")], line: file.headerLine) }
        try c.check()
        guard let codeCol, let markCol else { return Report(marked: 0, already: 0) }

        // The notice's deliveries the caller may follow up, in the unit asked for, by household code.
        let sql = try MessagingQueries.sql(db)
        let scoped = try await MessagingQueries.scope(a, access, alias: "d.", on: db)
        var filter: SQLQueryString = "d.announcement_id = \(bind: a.id!)"
        if let unit { filter = filter + (unit.kind == .group ? " AND d.group_id = \(bind: unit.id!)" : " AND d.village_id = \(bind: unit.id!)") }
        var byCode: [String: (id: UUID, state: String, unit: UUID)] = [:]
        for r in try await sql.raw("SELECT d.id, d.state, d.village_id, d.group_id, h.code FROM deliveries d JOIN households h ON h.id = d.household_id WHERE \(filter) \(scoped)").all() {
            byCode[try r.decode(column: "code", as: String.self)] = (try r.decode(column: "id", as: UUID.self), try r.decode(column: "state", as: String.self),
                                                                     try r.decode(column: "group_id", as: UUID?.self) ?? r.decode(column: "village_id", as: UUID.self))
        }
        var chosen: [(id: UUID, state: String, unit: UUID)] = []
        var seen = Set<UUID>()
        while let row = file.nextRow() {
            func cell(_ i: Int) -> String { i < row.cells.count ? RegistryCSV.trimmed(row.cells[i]) : "" }
            let code = cell(codeCol), mark = Fold.key(cell(markCol))
            if RegistryCSV.no.contains(mark) { continue }
            guard RegistryCSV.yes.contains(mark) else { c.add("informed", "error.yesNo", line: row.line); continue }
            guard let d = byCode[code] else { c.add("household_code", "error.announcement.importUnknownCode", [code], line: row.line); continue }
            if seen.insert(d.id).inserted { chosen.append(d) }
            if c.issues.count >= 1000 { break }
        }
        if let e = file.readError { c.add("file", "error.csvUnreadable", [e], line: nil) }
        try c.check()

        let reached: Set<String> = [DeliveryState.delivered.rawValue, DeliveryState.read.rawValue]
        let todo = chosen.filter { !reached.contains($0.state) }
        try await db.auditedTransaction { db in
            for d in todo {
                try await MessagingActions.advance(d.id, to: .delivered, via: .inPerson, informedBy: access.displayName, on: db)
                try await Audit.record("informInPerson", Delivery.schema, row: d.id, unit: d.unit, on: db)
            }
        }
        return Report(marked: todo.count, already: chosen.count - todo.count)
    }
}
