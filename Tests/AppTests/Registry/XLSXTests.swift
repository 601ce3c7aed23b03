import Foundation
import Testing
import Vapor
import VaporTesting
@testable import App

/// Fixtures made with LibreOffice 7.4 (Debian 12's `libreoffice-calc`), headless, from the CSV text in the comments:
/// - households-libreoffice.xlsx: `goodCSV` (ImportTests.swift) saved as households-libreoffice.csv, then
///   `soffice --headless --infilter="CSV:44,34,76,1,1/2/2/2/3/2/4/2/5/2/6/2/7/2/8/1/9/2/10/2/11/2" --convert-to xlsx households-libreoffice.csv`
///   (every column Text but birth_year, which is a number; columns left empty are skipped cells in the sheet).
/// - phone-as-number.ods and .xlsx: the CSV below opened with LibreOffice's own detection
///   (`--infilter="CSV:44,34,76,1,,1033,false,true" --convert-to ods`), so the phones became numbers, 1980-03-15 a
///   date and TRUE a boolean, then `soffice --headless --convert-to xlsx phone-as-number.ods`:
///       household_code,village_code,group_code,address,household_phone,full_name,gender,birth_year,relation,phone,representative
///       SP-7,T1,,Số 7,0999000007,Đỗ Văn Giang,nam,1980-03-15,chủ hộ,,
///       SP-8,T1,,Số 8,,Đỗ Thị Hằng,nữ,1985,chủ hộ,0999000018,TRUE
let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")
let xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

/// A workbook made by hand from its parts, as other producers write them.
func handMadeXLSX(sheet: String, strings: String? = nil, styles: String? = nil, extra: [(String, Data)] = []) throws -> Data {
    let ns = "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\""
    var parts: [(String, Data)] = [
        ("[Content_Types].xml", Data("<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>".utf8)),
        ("_rels/.rels", Data("<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>".utf8)),
        ("xl/workbook.xml", Data("<?xml version=\"1.0\"?><workbook \(ns) xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets><sheet name=\"Hộ\" sheetId=\"1\" r:id=\"rId7\"/></sheets></workbook>".utf8)),
        ("xl/_rels/workbook.xml.rels", Data("<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId7\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"/xl/worksheets/data.xml\"/><Relationship Id=\"rId8\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings\" Target=\"strings.xml\"/><Relationship Id=\"rId9\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/></Relationships>".utf8)),
        ("xl/worksheets/data.xml", Data("<?xml version=\"1.0\"?><worksheet \(ns)><sheetData>\(sheet)</sheetData></worksheet>".utf8)),
    ]
    if let strings { parts.append(("xl/strings.xml", Data("<?xml version=\"1.0\"?><sst \(ns)>\(strings)</sst>".utf8))) }
    if let styles { parts.append(("xl/styles.xml", Data("<?xml version=\"1.0\"?><styleSheet \(ns)>\(styles)</styleSheet>".utf8))) }
    return try XLSX.package(parts + extra)
}

/// Sets the uncompressed size the ZIP declares for `path` (local header and central directory) to `size`.
func declareSize(_ zip: Data, of path: String, as size: UInt32) -> Data {
    var d = [UInt8](zip)
    let name = Array(path.utf8)
    func le32(_ v: UInt32) -> [UInt8] { [UInt8(v & 0xff), UInt8(v >> 8 & 0xff), UInt8(v >> 16 & 0xff), UInt8(v >> 24)] }
    var i = 0
    while i + 46 < d.count {
        if d[i] == 0x50, d[i + 1] == 0x4B, d[i + 2] == 0x03, d[i + 3] == 0x04, Array(d[(i + 30)..<(i + 30 + name.count)]) == name {
            d.replaceSubrange((i + 22)..<(i + 26), with: le32(size))
        }
        if d[i] == 0x50, d[i + 1] == 0x4B, d[i + 2] == 0x01, d[i + 3] == 0x02, Array(d[(i + 46)..<min(d.count, i + 46 + name.count)]) == name {
            d.replaceSubrange((i + 24)..<(i + 28), with: le32(size))
        }
        i += 1
    }
    return Data(d)
}

@Suite("XLSX reader and writer")
struct XLSXReaderTests {
    @Test("shared strings (rich text, phonetic runs left out), inline strings, a numeric phone without .0 or exponent, booleans, dates, skipped cells and rows")
    func handMadeSheets() throws {
        let strings = """
            <si><t>household_code</t></si><si><r><rPr><b/></rPr><t>Nguyễn </t></r><r><t xml:space="preserve">Văn An</t></r><rPh sb="0" eb="1"><t>ignored</t></rPh></si>\
            <si><t>line_x000D_break _x005F_x0041_</t></si>
            """
        let styles = """
            <numFmts count="1"><numFmt numFmtId="165" formatCode="dd/mm/yyyy"/><numFmt numFmtId="166" formatCode="&quot;day&quot; 0"/></numFmts>\
            <cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="165"/><xf numFmtId="14"/><xf numFmtId="166"/></cellXfs>
            """
        let sheet = """
            <row r="1"><c r="A1" t="s"><v>0</v></c><c r="C1" t="inlineStr"><is><t>phone</t></is></c></row>\
            <row r="3"><c r="A3" t="s"><v>1</v></c><c r="C3"><v>9.12345678E8</v></c><c r="D3" t="b"><v>1</v></c><c r="E3" s="1"><v>29295</v></c>\
            <c r="F3" s="2"><v>45366.5</v></c><c r="G3" s="3"><v>7</v></c><c r="H3"><v>0.5</v></c><c r="I3" t="str"><f>A1</f><v>=x</v></c></row>\
            <row r="4"><c r="B4"/><c r="C4" t="s"><v>2</v></c></row>\
            <row r="5"><c t="inlineStr"><is><r><t>no</t></r><r><t>ref</t></r></is></c><c><v>1985</v></c></row>
            """
        let s = try XLSX.read(handMadeXLSX(sheet: sheet, strings: strings, styles: styles))
        #expect(s.name == "Hộ")
        #expect(s.rows.map(\.number) == [1, 3, 4, 5])
        #expect(s.rows[0].cells.map(\.text) == ["household_code", "", "phone"])
        let r = s.rows[1].cells
        #expect(r.map(\.text) == ["Nguyễn Văn An", "", "912345678", "TRUE", "1980-03-15", "2024-03-15 12:00", "7", "0.5", "=x"])
        #expect(r.map(\.kind) == [.text, .text, .number, .bool, .date, .date, .number, .number, .text])
        #expect(s.rows[2].cells.map(\.text) == ["", "", "line\rbreak _x0041_"])
        #expect(s.rows[3].cells.map(\.text) == ["noref", "1985"])
    }

    @Test("numbers read as typed; column names and references")
    func numbersAndReferences() {
        #expect(XLSX.number("9.99000011E8") == "999000011")
        #expect(XLSX.number("1985.0") == "1985")
        #expect(XLSX.number("84912345678") == "84912345678")
        #expect(XLSX.number("1.5E-3") == "0.0015")
        #expect([0, 25, 26, 701, 16_383].map(XLSX.columnName) == ["A", "Z", "AA", "ZZ", "XFD"])
        #expect(XLSX.reference("XFD1048576").map { [$0.column, $0.row] } == [16_383, 1_048_576])
        #expect(XLSX.reference("$C$7").map { [$0.column, $0.row] } == [2, 7])
        #expect(XLSX.reference("7C") == nil)
        #expect(XLSX.date(serial: 60, date1904: false) == nil)
        #expect(XLSX.date(serial: 61, date1904: false) == "1900-03-01")
        #expect(XLSX.date(serial: 0, date1904: true) == "1904-01-01")
    }

    @Test("what the writer makes reads back unchanged: strings never formulas, control characters kept, whole numbers only where asked")
    func writerRoundTrip() throws {
        let header = ["household_code", "address", "birth_year", "phone"]
        let rows = [["=1+2", "+84 912 345 678", "1970", "0912345678"],
                    ["-5", "@SUM(A1)", "", "x\u{1}y_x0041_"],
                    ["H<&>\"'", "  trailing space  ", "0123", "line\r\nbreak"]]
        let data = try XLSX.write(sheet: "Xã [Đan] Phượng", header: header, rows: rows, numberColumns: [2])
        let s = try XLSX.read(data)
        #expect(s.name == "Xã Đan Phượng")
        #expect(s.rows.map(\.number) == [1, 2, 3, 4])
        #expect(s.rows[0].cells.map(\.text) == header)
        for (i, r) in rows.enumerated() {
            var cells = s.rows[i + 1].cells.map(\.text)
            while cells.count < r.count { cells.append("") }
            #expect(cells == r)
        }
        #expect(s.rows[1].cells[2].kind == .number && s.rows[3].cells[2].kind == .text)   // "0123" stays text
        let sheet = String(decoding: try XLSX.part("xl/worksheets/sheet1.xml", in: data), as: UTF8.self)
        #expect(!sheet.contains("<f>") && !sheet.contains("<f "))
        #expect(sheet.contains("state=\"frozen\"") && sheet.contains("<col min=\"1\""))
        #expect(String(decoding: try XLSX.part("xl/styles.xml", in: data), as: UTF8.self).contains("<b/>"))
    }

    @Test("not an .xlsx: an .xls, an .ods, a ZIP without a workbook, a document type, a zip bomb, too many rows")
    func refusals() throws {
        func failure(_ data: Data, _ limits: XLSX.Limits = XLSX.Limits()) -> XLSX.Failure? {
            do { _ = try XLSX.read(data, limits: limits); return nil } catch { return error }
        }
        var xls = Data([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]); xls.append(Data(count: 504))
        #expect(failure(xls) == .legacyOrEncrypted)
        #expect(failure(Data("household_code\n".utf8)) == .notZip)
        #expect(failure(Data([0x50, 0x4B, 0x03, 0x04, 0, 0])) == .notZip)
        #expect(failure(try XLSX.package([("mimetype", Data("application/vnd.oasis.opendocument.spreadsheet".utf8))])) == .openDocument)
        #expect(failure(try XLSX.package([("word/document.xml", Data("<w/>".utf8))])) == .notWorkbook)
        let lol = try XLSX.package([
            ("xl/workbook.xml", Data("<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">]><workbook><sheets><sheet name=\"a\" r:id=\"x\"/></sheets></workbook>".utf8))])
        if case .malformed(_, let detail)? = failure(lol) { #expect(detail.contains("document type")) } else { Issue.record("a DOCTYPE must be refused") }

        // A sheet of 2 MB that deflates to a few kilobytes: refused at the bound, whether the ZIP tells its size
        // honestly (refused before inflating) or claims 1,000 bytes (inflating stops at the bound).
        let big = "<row><c t=\"inlineStr\"><is><t>\(String(repeating: "0", count: 2_000_000))</t></is></c></row>"
        let bomb = try handMadeXLSX(sheet: big)
        #expect(bomb.count < 100_000)
        let small = XLSX.Limits(partBytes: 1_000_000, totalBytes: 1_500_000)
        #expect(failure(bomb, small) == .tooLarge(part: "xl/worksheets/data.xml"))
        #expect(failure(declareSize(bomb, of: "xl/worksheets/data.xml", as: 1_000), small) == .tooLarge(part: "xl/worksheets/data.xml"))
        #expect(failure(bomb) == nil)
        // Over the row or column limits.
        #expect(failure(try handMadeXLSX(sheet: "<row r=\"1\"><c><v>1</v></c></row><row r=\"9\"><c><v>1</v></c></row>"), XLSX.Limits(rows: 5)) == .tooManyRows(row: 9))
        #expect(failure(try handMadeXLSX(sheet: "<row r=\"2\"><c r=\"XFE2\"><v>1</v></c></row>")) == .tooManyColumns(row: 2))
        #expect(failure(try handMadeXLSX(sheet: "<row><c t=\"s\"><v>3</v></c></row>", strings: "<si><t>a</t></si>")) != nil)
    }

    @Test("the LibreOffice files read as LibreOffice saved them: the phone typed as a number is a number, the date a date")
    func libreOfficeFixtures() throws {
        let s = try XLSX.read(Data(contentsOf: fixtures.appendingPathComponent("phone-as-number.xlsx")))
        #expect(s.rows.count == 3)
        let r2 = s.rows[1].cells, r3 = s.rows[2].cells
        #expect(r2[4] == XLSX.Cell("999000007", .number) && r2[7] == XLSX.Cell("1980-03-15", .date))
        #expect(r2[2].text.isEmpty)   // skipped cell
        #expect(r3[9] == XLSX.Cell("999000018", .number) && r3[10] == XLSX.Cell("TRUE", .bool) && r3[7] == XLSX.Cell("1985", .number))
        #expect(XLSX.isZip(try Data(contentsOf: fixtures.appendingPathComponent("phone-as-number.ods"))))
        #expect(throws: XLSX.Failure.openDocument) { try XLSX.read(Data(contentsOf: fixtures.appendingPathComponent("phone-as-number.ods"))) }
    }
}

@Suite("XLSX import and export")
struct XLSXImportTests {
    @Test("export as XLSX, import the file back: nothing changes, counts equal; the API export gives the same rows")
    func roundTrip() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            let first = try await app.upload("/units/\(t.commune.id)/import", filename: "ho.csv", data: Data(goodCSV.utf8))
            #expect(first.status == .ok)
            let export = try await app.page("/units/\(t.commune.id)/households.csv?format=xlsx")
            #expect(export.status == .ok)
            #expect(export.headers.contentType?.description.hasPrefix(xlsxType) == true)
            #expect(export.headers.first(name: .contentDisposition)?.contains("households-\(t.commune.code).xlsx") == true)
            let data = Data(buffer: export.body)
            let sheet = try XLSX.read(data)
            #expect(sheet.rows.first?.cells.map(\.text) == RegistryCSV.columns)
            #expect(sheet.rows.count == 5)
            #expect(sheet.rows.contains { $0.cells.map(\.text).contains("0999000011") })

            let again = try await app.upload("/units/\(t.commune.id)/import", filename: "ho.xlsx", contentType: xlsxType, data: data)
            #expect(again.status == .ok, "\(again.text)")
            #expect(again.text.contains("Đã nhập xong"))
            let report = try await RegistryCSV.importFile(data, into: try #require(await AdminUnit.find(t.commune.id, on: app.db)), on: app.db)
            #expect(report == ImportReport(rows: 4, householdsAdded: 0, householdsUpdated: 0, householdsUnchanged: 2, residentsAdded: 0, residentsUpdated: 0, residentsUnchanged: 4))
            #expect(try await app.count("households") == 2)
            #expect(try await app.count("residents") == 4)
            // The XLSX and CSV exports hold the same rows.
            let csv = try RegistryCSV.parse(Data(try await app.page("/units/\(t.commune.id)/households.csv").body.readableBytesView))
            let xlsx = try RegistryCSV.parse(data)
            #expect(csv.map { "\($0.householdCode)|\($0.fullName)|\($0.phone ?? "")|\($0.birthYear ?? 0)|\($0.representative)" }
                    == xlsx.map { "\($0.householdCode)|\($0.fullName)|\($0.phone ?? "")|\($0.birthYear ?? 0)|\($0.representative)" })

            let api = try await app.api(.GET, "/api/v1/units/\(t.village1.id)/households/export?format=xlsx")
            #expect(api.status == .ok && api.headers.contentType?.description.hasPrefix(xlsxType) == true)
            #expect(try XLSX.read(Data(buffer: api.body)).rows.count == 4)   // village T1: header + SP-1's three residents
            let apiCSV = try await app.api(.GET, "/api/v1/units/\(t.commune.id)/households/export")
            #expect(apiCSV.status == .ok && apiCSV.text.hasPrefix("\u{FEFF}household_code,"))
            let wrong = try await app.api(.GET, "/api/v1/units/\(t.commune.id)/households/export?format=pdf", headers: ["Accept-Language": "en"])
            #expect(wrong.status == .unprocessableEntity && wrong.text.contains("csv or xlsx"))
            // The unit page offers both downloads.
            let page = try await app.page("/units/\(t.commune.id)")
            #expect(page.text.contains("households.csv?format=xlsx") && page.text.contains("Tải Excel (.xlsx)"))
        }
    }

    @Test("a file saved by LibreOffice imports; one where LibreOffice made the phones numbers and a birth year a date names each cell and writes nothing")
    func libreOfficeFiles() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            let bad = try await app.upload("/units/\(t.commune.id)/import", filename: "so.xlsx", contentType: xlsxType,
                                           data: Data(contentsOf: fixtures.appendingPathComponent("phone-as-number.xlsx")))
            #expect(bad.status == .unprocessableEntity)
            for fragment in ["<td>2</td><td class=\"code\">household_phone</td><td>Số điện thoại được lưu dạng số",
                             "<td>2</td><td class=\"code\">birth_year", "<td>3</td><td class=\"code\">phone</td><td>Số điện thoại được lưu dạng số"] {
                #expect(bad.text.contains(fragment), "\(fragment)")
            }
            #expect(try await app.count("households") == 0)

            let good = try await app.upload("/units/\(t.commune.id)/import", filename: "ho.xlsx", contentType: xlsxType,
                                            data: Data(contentsOf: fixtures.appendingPathComponent("households-libreoffice.xlsx")))
            #expect(good.status == .ok, "\(good.text)")
            #expect(try await app.count("households") == 2)
            #expect(try await app.count("residents") == 4)
            let hh = try await app.api(.GET, "/api/v1/households?q=SP-1").decode(Paged<HouseholdDTO>.self)
            #expect(hh.items.first?.representativeName == "Lê Thị Hoa" && hh.items.first?.groupId == t.group11.id)
            // The same as importing the CSV it was made from: nothing changes.
            let commune = try #require(await AdminUnit.find(t.commune.id, on: app.db))
            let same = try await RegistryCSV.importFile(Data(goodCSV.utf8), into: commune, on: app.db)
            #expect(same.householdsUnchanged == 2 && same.residentsUnchanged == 4)
        }
    }

    @Test("a bad cell names its sheet row and column, in Vietnamese first, and nothing is written")
    func badCell() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            let rows = [["X-1", "T1", "", "Số 1", "", "Nguyễn Văn An", "nam", "1970", "chủ hộ", "", ""],
                        ["X-2", "T1", "", "Số 2", "", "Lê Văn Bình", "nam", "1870", "chủ hộ", "", ""],
                        ["X-3", "T9", "", "Số 3", "", "Trần Văn Cường", "nam", "1980", "chủ hộ", "", ""]]
            let data = try XLSX.write(sheet: "Hộ", header: RegistryCSV.columns, rows: rows, numberColumns: [7])
            let res = try await app.upload("/units/\(t.commune.id)/import", filename: "ho.xlsx", contentType: xlsxType, data: data)
            #expect(res.status == .unprocessableEntity)
            #expect(res.text.contains("<td>3</td><td class=\"code\">birth_year</td><td>Năm sinh"), "\(res.text)")
            #expect(try await app.count("households") == 0)
            #expect(try await app.count("residents") == 0)
            let fixed = try XLSX.write(sheet: "Hộ", header: RegistryCSV.columns, rows: [rows[0], rows[2]])
            let res2 = try await app.upload("/units/\(t.commune.id)/import", filename: "ho.xlsx", contentType: xlsxType, data: fixed)
            #expect(res2.text.contains("<td>3</td><td class=\"code\">village_code"), "\(res2.text)")
            #expect(try await app.count("households") == 0)
        }
    }

    @Test("an .xls, a ZIP that is no workbook, and a ZIP that declares a 300 MB sheet are refused with their reason")
    func notXLSX() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            var xls = Data([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]); xls.append(Data(count: 2048))
            let old = try await app.upload("/units/\(t.commune.id)/import", filename: "ho.xls", contentType: "application/vnd.ms-excel", data: xls)
            #expect(old.status == .unprocessableEntity && old.text.contains("tệp Excel cũ (.xls)"))
            let zip = try await app.upload("/units/\(t.commune.id)/import", filename: "ho.zip", contentType: "application/zip",
                                           data: try XLSX.package([("ho.csv", Data(goodCSV.utf8))]))
            #expect(zip.status == .unprocessableEntity && zip.text.contains("không phải bảng tính Excel"))
            let good = try XLSX.write(sheet: "Hộ", header: RegistryCSV.columns, rows: [["X-1", "T1", "", "Số 1", "", "An", "", "", "", "", ""]])
            let bomb = declareSize(good, of: "xl/worksheets/sheet1.xml", as: 300 << 20)
            let refused = try await app.upload("/units/\(t.commune.id)/import", filename: "ho.xlsx", contentType: xlsxType, data: bomb)
            #expect(refused.status == .unprocessableEntity && refused.text.contains("quá lớn khi giải nén"))
            #expect(try await app.count("households") == 0)
        }
    }

    @Test("a follow-up list downloads as XLSX and CSV, the XLSX opens with the reader, and the list marked and uploaded back records the households told in person, all or nothing")
    func followUpList() async throws {
        try await withTestApp { app in
            let v = try await Village.make(app)
            let t = v.tree
            let a = try await publish(app, announcement(units: [t.commune]))
            try await Jobs.runUntilIdle(app)
            let page = try await app.page("/announcements/\(a.id)/follow-up?unit=\(t.group11.id)")
            #expect(page.text.contains("format=xlsx") && page.text.contains("Tải Excel (.xlsx)"))
            let file = try await app.page("/announcements/\(a.id)/follow-up?unit=\(t.group11.id)&format=xlsx")
            #expect(file.status == .ok && file.headers.contentType?.description.hasPrefix(xlsxType) == true)
            let sheet = try XLSX.read(Data(buffer: file.body))
            #expect(sheet.rows.first?.cells.map(\.text).prefix(5) == ["Mã hộ", "Người đại diện", "Địa chỉ", "Số điện thoại của hộ", "Trạng thái"])
            #expect(sheet.rows.dropFirst().map { $0.cells[0].text } == ["HH-001", "HH-002", "HH-003"])
            #expect(sheet.rows[1].cells[3] == XLSX.Cell("0999000001"))   // a phone is text: its 0 stays
            let api = try await app.api(.GET, "/api/v1/announcements/\(a.id)/follow-up?format=csv", headers: ["Accept-Language": "en"])
            #expect(api.status == .ok && api.headers.contentType?.subType == "csv")
            #expect(api.text.hasPrefix("\u{FEFF}Household code,") && api.text.contains("HH-008"))
            let wrong = try await app.api(.GET, "/api/v1/announcements/\(a.id)/follow-up?format=pdf")
            #expect(wrong.status == .unprocessableEntity)
            let json = try await app.api(.GET, "/api/v1/announcements/\(a.id)/follow-up").decode(Paged<FollowUpRowDTO>.self)
            #expect(json.total == 8)

            // The group head marks two households told in person in the downloaded sheet and uploads it back.
            let header = try #require(sheet.rows.first).cells.map(\.text)
            #expect(header.last == "Đã báo trực tiếp")
            let marks = ["HH-001": "x", "HH-002": "", "HH-003": "có"]
            let marked = try XLSX.write(sheet: "Hộ", header: header, rows: sheet.rows.dropFirst().map { r in
                var cells = r.cells.map(\.text)
                while cells.count < header.count { cells.append("") }
                cells[header.count - 1] = marks[cells[0]] ?? ""
                return cells
            })
            let back = try await app.upload("/announcements/\(a.id)/follow-up/import?unit=\(t.group11.id)", filename: "list.xlsx", contentType: xlsxType, data: marked)
            #expect(back.status == .ok && back.text.contains("Đã ghi nhận 2 hộ được báo trực tiếp"), "\(back.text)")
            var reach = try await app.api(.GET, "/api/v1/announcements/\(a.id)/reach").decode(ReachDTO.self)
            #expect(reach.delivered == 2 && reach.reachedVia["inPerson"] == 2)
            let left = try await app.api(.GET, "/api/v1/announcements/\(a.id)/follow-up?unit=\(t.group11.id)").decode(Paged<FollowUpRowDTO>.self)
            #expect(left.items.map(\.code) == ["HH-002"])
            // A list with a bad mark and a household not on it names both rows and records nothing.
            let csv = "Mã hộ,Đã báo trực tiếp\nHH-002,có lẽ\nHH-004,x\nHH-002,x\n"
            let refused = try await app.upload("/announcements/\(a.id)/follow-up/import?unit=\(t.group11.id)", filename: "list.csv", data: Data(csv.utf8))
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.text.contains("<td>2</td><td class=\"code\">informed") && refused.text.contains("<td>3</td><td class=\"code\">household_code</td><td>Hộ HH-004 không có trong danh sách này."), "\(refused.text)")
            reach = try await app.api(.GET, "/api/v1/announcements/\(a.id)/reach").decode(ReachDTO.self)
            #expect(reach.delivered == 2)
        }
    }

    static let soffice: String? = ["/usr/bin/soffice", "/usr/local/bin/soffice"].first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test("LibreOffice opens what the export writes (run when soffice is installed)", .enabled(if: soffice != nil))
    func libreOfficeOpensExport() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            _ = try await app.upload("/units/\(t.commune.id)/import", filename: "ho.csv", data: Data(goodCSV.utf8))
            let export = try await app.page("/units/\(t.commune.id)/households.csv?format=xlsx")
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("xlsx-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            try Data(buffer: export.body).write(to: dir.appendingPathComponent("ho.xlsx"))
            let p = Process()
            p.executableURL = URL(fileURLWithPath: try #require(Self.soffice))
            p.arguments = ["-env:UserInstallation=file://\(dir.path)/profile", "--headless", "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir", dir.path, dir.appendingPathComponent("ho.xlsx").path]
            let r = try await Subprocess.run(p, mergeErrors: true)
            #expect(r.status == 0, "\(r.text)")
            let csv = try Data(contentsOf: dir.appendingPathComponent("ho.csv"))
            let rows = try RegistryCSV.parse(csv)
            #expect(rows.count == 4 && rows.contains { $0.phone == "0999000011" && $0.representative })
        }
    }
}
