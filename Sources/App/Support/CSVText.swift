// CSV written to memory for downloads, and the one place every export's cells pass through: a cell a spreadsheet
// would read as a formula (it starts with =, +, -, @, a tab or a carriage return) is written with a single quote
// before it (OWASP's advice against CSV injection), and the importer takes exactly that quote off again, so an
// export imports back unchanged. Exports get a `CSVText.Sheet`, never the raw writer, so none can forget it.
import CSV
import Foundation

enum CSVText {
    /// The writer an export gets: every cell is neutralised on its way out.
    struct Sheet {
        fileprivate let writer: CSVWriter
        func write(row: [String]) throws { try writer.write(row: row.map(CSVText.neutralise)) }
    }

    /// The bytes written by `body`.
    static func data(_ body: (Sheet) throws -> Void) throws -> Data {
        let stream = OutputStream(toMemory: ())
        let writer = try CSVWriter(stream: stream)
        try body(Sheet(writer: writer))
        writer.stream.close()
        return stream.property(forKey: .dataWrittenToMemoryStreamKey) as? Data ?? Data()
    }

    /// Text with a BOM first, so spreadsheets read the diacritics as UTF-8 (the importer accepts it).
    static func forSpreadsheets(_ body: (Sheet) throws -> Void) throws -> String {
        "\u{FEFF}" + String(decoding: try data(body), as: UTF8.self)
    }

    /// = + - @ tab CR: what makes Excel, LibreOffice and Google Sheets start a formula.
    @inline(__always) static func triggers(_ b: UInt8) -> Bool {
        b == 0x3D || b == 0x2B || b == 0x2D || b == 0x40 || b == 0x09 || b == 0x0D
    }

    /// Quotes (') followed by a formula trigger: such a value gets one more quote, so that `restore` can take
    /// exactly one off ("'=x" stored is written "''=x" and reads back as "'=x").
    static func needsQuote(_ s: String) -> Bool {
        for b in s.utf8 {
            if b == 0x27 { continue }
            return triggers(b)
        }
        return false
    }

    /// The cell as written: `'` + value when a spreadsheet would take the value for a formula.
    static func neutralise(_ s: String) -> String { needsQuote(s) ? "'" + s : s }

    /// The inverse, for the importer: drops the one quote `neutralise` added, and nothing else.
    static func restore(_ s: String) -> String {
        guard s.utf8.first == 0x27, needsQuote(s) else { return s }
        return String(s.dropFirst())
    }
}
