// The follow-up list as a file for a group head who works from a spreadsheet or a printout: CSV or XLSX
// (Support/SheetFile.swift), every household of the list (not one page), the column titles in the reader's language.
// The same rows the follow-up page shows; downloading one is written to the audit log like viewing it.
import Fluent
import Foundation

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
        var header = [lang.t("household.code"), lang.t("msg.representative"), lang.t("household.address"), lang.t("household.phone"),
                      lang.t("msg.state"), lang.t("msg.channels")]
        if meeting { header.append(lang.t("msg.rsvp")) }
        let rows = items.map { r -> [String] in
            var row = [r.code, r.representative ?? "", r.address, r.phone ?? "", lang.t("msg.state.\(r.state.rawValue)"),
                       r.channels.sorted { $0.key < $1.key }.map { lang.t("msg.channel.\($0.key)") + ": " + $0.value }.joined(separator: "; ")]
            if meeting { row.append(r.rsvp.map { lang.t("msg.rsvp.\($0.rawValue)") } ?? "") }
            return row
        }
        let name = "chua-nhan-" + (unit?.code ?? String(a.id!.uuidString.prefix(8)).lowercased())
        let data = try SheetFile.write(format, sheet: lang.t("msg.followUp"), header: header, rows: rows)
        return (data, name, rows.count)
    }
}
