// An official's file, CSV or XLSX alike: a header and data rows of text cells, each row with the number errors name
// (the CSV record's line, the sheet's row number; the header is 1). Imports check these rows, so a rule is written
// once for both formats. The format is decided by the file's content, never its name: a ZIP is an .xlsx (its first
// sheet, Support/XLSX.swift), anything else is CSV (strict UTF-8, a byte-order mark allowed, comma or semicolon as
// the header shows). Exports go the other way: `SheetFile.Format` chooses how the same rows are written.
import CSV
import Foundation
import Vapor

struct SheetFile {
    enum Format: String, Sendable {
        case csv, xlsx
        var mediaType: HTTPMediaType {
            switch self {
            case .csv: return HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
            case .xlsx: return HTTPMediaType(type: "application", subType: "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            }
        }
        /// `?format=xlsx` (or a file name ending in .xlsx); CSV otherwise.
        init(query: String?) { self = query?.lowercased() == "xlsx" ? .xlsx : .csv }
    }

    struct Row {
        var line: Int
        var cells: [String]
        /// Columns whose cell was a number in the sheet (XLSX only): a phone typed into a number cell lost its 0.
        var numbers: Set<Int> = []
    }

    let format: Format
    let header: [String]
    /// The header's row: 1 in a CSV file, the first non-empty row of a sheet.
    var headerLine = 1
    private let next: () -> Row?
    private let failure: () -> String?

    /// The next data row, or nil at the end.
    func nextRow() -> Row? { next() }
    /// What stopped the CSV reader early, if anything.
    var readError: String? { failure() }

    /// Reads either format; a file that is neither answers with why, naming the field `file`.
    static func read(_ data: Data, limits: XLSX.Limits = XLSX.Limits()) throws -> SheetFile {
        if XLSX.isZip(data) || XLSX.isOLE2(data) { return try xlsx(data, limits: limits) }
        return try csv(data)
    }

    static func xlsx(_ data: Data, limits: XLSX.Limits) throws -> SheetFile {
        let sheet: XLSX.Sheet
        do { sheet = try XLSX.read(data, limits: limits) }
        catch {
            switch error {
            case .notZip, .notWorkbook: throw InvalidInput("file", "error.xlsxNotWorkbook")
            case .legacyOrEncrypted: throw InvalidInput("file", "error.xlsxLegacy")
            case .openDocument: throw InvalidInput("file", "error.xlsxOpenDocument")
            case .tooLarge: throw InvalidInput("file", "error.xlsxTooLarge", [String(limits.partBytes >> 20)])
            case .tooManyRows(let row), .tooManyColumns(let row):
                throw InvalidInput([FieldIssue("file", "error.xlsxTooManyCells", line: row)])
            case .malformed(let part, let detail): throw InvalidInput("file", "error.xlsxUnreadable", ["\(part): \(detail)"])
            }
        }
        // The header is the sheet's first non-empty row, wherever it is; rows above it are none.
        var rows = sheet.rows[...]
        guard let first = rows.popFirst() else { throw InvalidInput("file", "error.csvEmpty") }
        let header = first.cells.map(\.text)
        return SheetFile(format: .xlsx, header: header, headerLine: first.number, next: {
            guard let r = rows.popFirst() else { return nil }
            var numbers = Set<Int>()
            for (i, c) in r.cells.enumerated() where c.kind == .number { numbers.insert(i) }
            return Row(line: r.number, cells: r.cells.map(\.text), numbers: numbers)
        }, failure: { nil })
    }

    static func csv(_ data: Data) throws -> SheetFile {
        // Strict UTF-8 (a spreadsheet saved in another encoding, or a binary file, is refused) without a NUL byte.
        guard !data.contains(0), var text = String(validating: data, as: UTF8.self) else {
            throw InvalidInput("file", looksWindows1258(data) ? "error.csvWindows1258" : "error.csvEncoding")
        }
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }   // spreadsheet BOM
        let reader: CSVReader
        do { reader = try CSVReader(string: text, hasHeaderRow: true, delimiter: delimiter(of: text)) }
        catch { throw InvalidInput("file", "error.csvUnreadable") }
        var line = 1
        return SheetFile(format: .csv, header: reader.headerRow ?? [], next: {
            guard let raw = reader.next() else { return nil }
            line += 1
            // An exported cell that looked like a formula carries a quote before it (Support/CSVText.swift).
            return Row(line: line, cells: raw.map(CSVText.restore))
        }, failure: { reader.error.map { String(describing: $0) } })
    }

    /// The separator the header uses: a comma, or a semicolon (what Excel writes where the decimal mark is a comma,
    /// as in a Vietnamese locale).
    static func delimiter(of text: String) -> UnicodeScalar {
        let header = text.prefix { $0 != "\n" && $0 != "\r" }
        return header.filter { $0 == ";" }.count > header.filter { $0 == "," }.count ? ";" : ","
    }

    /// Whether bytes that are not UTF-8 look like Windows-1258 (older Vietnamese Excel and Windows tools): its tone
    /// marks are combining characters at 0xCC, 0xEC, 0xD2, 0xDE and 0xF2, which follow a letter.
    static func looksWindows1258(_ data: Data) -> Bool {
        let marks: Set<UInt8> = [0xCC, 0xEC, 0xD2, 0xDE, 0xF2]
        var previous: UInt8 = 0
        for b in data.prefix(65_536) {
            if marks.contains(b), (previous >= 0x41 && previous <= 0x7A) || previous >= 0xC0 { return true }
            previous = b
        }
        return false
    }

    // MARK: writing

    /// `header` and `rows` in the format: CSV through CSVText (formula-looking cells quoted, a BOM first), or an
    /// .xlsx sheet named `sheet` (every cell a string, never a formula; `numberColumns` as numbers when whole).
    static func write(_ format: Format, sheet: String, header: [String], rows: [[String]], numberColumns: Set<Int> = []) throws -> Data {
        switch format {
        case .csv:
            return Data(try CSVText.forSpreadsheets { w in
                try w.write(row: header)
                for r in rows { try w.write(row: r) }
            }.utf8)
        case .xlsx:
            return try XLSX.write(sheet: sheet, header: header, rows: rows, numberColumns: numberColumns)
        }
    }

    /// A download of `data` as `name.csv` or `name.xlsx`.
    static func response(_ data: Data, format: Format, name: String) -> Response {
        var headers = HTTPHeaders()
        headers.contentType = format.mediaType
        headers.contentDisposition = .init(.attachment, filename: "\(name).\(format.rawValue)")
        return Response(status: .ok, headers: headers, body: .init(data: data))
    }
}
