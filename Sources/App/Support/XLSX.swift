// The .xlsx files officials keep in Excel or LibreOffice (Office Open XML spreadsheets, ECMA-376 part 1): a ZIP
// package (ZIPFoundation) of XML parts (Foundation's XMLParser). No Vapor here.
//
// Reading takes the workbook's first worksheet as rows of text cells, so an import checks them exactly as it checks
// a CSV file's: shared strings (rich text runs joined, phonetic runs left out), inline strings, numbers written back
// without ".0" or an exponent ("912345678", never "9.12345678E8"), booleans as TRUE/FALSE, dates (a number in a date
// format) as yyyy-mm-dd, formulas by their cached value, and cells skipped by their reference ("C7"). What is not an
// .xlsx is refused with its reason: an Excel 97–2003 .xls or a password-protected file (OLE2), an OpenDocument .ods,
// a ZIP without a workbook, parts larger than the bounds (a zip bomb stops at the bound, whatever sizes the ZIP
// claims), a sheet over Excel's own row and column limits, a document type declaration (entity expansion).
//
// Writing makes a minimal workbook Excel and LibreOffice open: one sheet, shared strings, a bold frozen header row,
// column widths from the content, every text cell a string in the text format (so a typed phone keeps its 0), never a
// formula: a value starting with = + - @ is a string like any other.
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import ZIPFoundation

public enum XLSX {
    /// The media type of .xlsx files.
    public static let mediaType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    public struct Limits: Sendable {
        /// Uncompressed bytes of any one part (the sheet, the shared strings).
        public var partBytes: Int
        /// Uncompressed bytes of all the parts read together.
        public var totalBytes: Int
        /// Excel's own limits: 1,048,576 rows, 16,384 columns (XFD).
        public var rows: Int
        public var columns: Int
        public init(partBytes: Int = 256 << 20, totalBytes: Int = 400 << 20, rows: Int = 1_048_576, columns: Int = 16_384) {
            self.partBytes = partBytes; self.totalBytes = totalBytes; self.rows = rows; self.columns = columns
        }
    }

    public enum Failure: Error, Equatable, Sendable {
        /// Not a ZIP package.
        case notZip
        /// An OLE2 compound file: an Excel 97–2003 .xls, or an .xlsx protected by a password.
        case legacyOrEncrypted
        /// An OpenDocument spreadsheet (.ods).
        case openDocument
        /// A ZIP package without a workbook.
        case notWorkbook
        /// A part (or all of them) larger than the limits once uncompressed.
        case tooLarge(part: String)
        /// More rows or columns than the limits allow; `row` is the sheet row where it was noticed.
        case tooManyRows(row: Int)
        case tooManyColumns(row: Int)
        /// A part that is not well-formed, or a cell that refers to nothing.
        case malformed(part: String, detail: String)
    }

    public enum Kind: Sendable, Equatable { case text, number, bool, date, error }

    public struct Cell: Sendable, Equatable {
        public var text: String
        public var kind: Kind
        public init(_ text: String, _ kind: Kind = .text) { self.text = text; self.kind = kind }
    }

    /// One sheet row: `number` as the sheet numbers it (1-based), `cells[i]` the cell in column i (A = 0); columns
    /// skipped in the file are empty text cells. Rows without any cell are left out.
    public struct Row: Sendable {
        public var number: Int
        public var cells: [Cell]
    }

    public struct Sheet: Sendable {
        public var name: String
        public var rows: [Row]
    }

    // MARK: recognising

    /// A ZIP local file header ("PK\u{3}\u{4}"), or an empty archive's end record.
    public static func isZip(_ data: Data) -> Bool {
        data.starts(with: [0x50, 0x4B, 0x03, 0x04]) || data.starts(with: [0x50, 0x4B, 0x05, 0x06])
    }

    /// An OLE2 compound file: what Excel 97–2003 writes (.xls), and what wraps a password-protected .xlsx.
    public static func isOLE2(_ data: Data) -> Bool {
        data.starts(with: [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1])
    }

    /// "A" for 0, "Z" for 25, "AA" for 26 … "XFD" for 16,383.
    public static func columnName(_ index: Int) -> String {
        var n = index + 1, s = ""
        while n > 0 {
            let r = (n - 1) % 26
            s = String(UnicodeScalar(UInt8(65 + r))) + s
            n = (n - 1) / 26
        }
        return s
    }

    /// "C7" → (column 2, row 7); nil when it is not a cell reference. `$` signs are allowed.
    static func reference(_ ref: String) -> (column: Int, row: Int)? {
        var col = 0, row = 0, letters = 0, digits = 0
        for b in ref.utf8 {
            switch b {
            case 0x24: continue
            case 0x41...0x5A, 0x61...0x7A:
                guard digits == 0, letters < 4 else { return nil }
                col = col * 26 + Int((b | 0x20) - 0x61) + 1; letters += 1
            case 0x30...0x39:
                guard letters > 0, digits < 8 else { return nil }
                row = row * 10 + Int(b - 0x30); digits += 1
            default: return nil
            }
        }
        guard letters > 0 else { return nil }
        return (col - 1, digits > 0 ? row : 0)
    }

    // MARK: reading

    /// The first worksheet of an .xlsx file.
    public static func read(_ data: Data, limits: Limits = Limits()) throws(Failure) -> Sheet {
        if isOLE2(data) { throw .legacyOrEncrypted }
        guard isZip(data) else { throw .notZip }
        let archive: Archive
        do { archive = try Archive(data: data, accessMode: .read) } catch { throw .notZip }
        var package = Package(archive: archive, limits: limits)
        if archive["mimetype"] != nil, let m = try? package.part("mimetype"), String(decoding: m, as: UTF8.self).contains("opendocument") {
            throw .openDocument
        }
        // The workbook: where the package's relationships say, else where every producer puts it.
        var workbookPath = "xl/workbook.xml"
        if let rels = try package.optionalPart("_rels/.rels") {
            let r = try Relationships.parse(rels, base: "", part: "_rels/.rels")
            if let t = r.first(where: { $0.type.hasSuffix("/officeDocument") })?.target { workbookPath = t }
        }
        guard let workbookXML = try package.optionalPart(workbookPath) else { throw .notWorkbook }
        let workbook = try WorkbookParser.parse(workbookXML, part: workbookPath)
        let dir = workbookPath.contains("/") ? String(workbookPath[..<workbookPath.lastIndex(of: "/")!]) : ""
        let relsPath = (dir.isEmpty ? "" : dir + "/") + "_rels/" + (workbookPath.split(separator: "/").last.map(String.init) ?? "") + ".rels"
        var rels: [Relationship] = []
        if let d = try package.optionalPart(relsPath) { rels = try Relationships.parse(d, base: dir, part: relsPath) }
        guard let first = workbook.sheets.first else { throw .notWorkbook }
        let prefix = dir.isEmpty ? "" : dir + "/"
        let sheetPath = rels.first(where: { $0.id == first.relationship })?.target ?? prefix + "worksheets/sheet1.xml"
        guard let sheetXML = try package.optionalPart(sheetPath) else { throw .malformed(part: sheetPath, detail: "missing") }
        var strings: [String] = []
        let stringsPath = rels.first(where: { $0.type.hasSuffix("/sharedStrings") })?.target ?? prefix + "sharedStrings.xml"
        if let d = try package.optionalPart(stringsPath) { strings = try SharedStringsParser.parse(d, part: stringsPath) }
        var dateStyles: [Bool] = []
        let stylesPath = rels.first(where: { $0.type.hasSuffix("/styles") })?.target ?? prefix + "styles.xml"
        if let d = try package.optionalPart(stylesPath) { dateStyles = try StylesParser.parse(d, part: stylesPath) }
        let rows = try SheetParser.parse(sheetXML, part: sheetPath, strings: strings, dateStyles: dateStyles,
                                         date1904: workbook.date1904, limits: limits)
        return Sheet(name: first.name, rows: rows)
    }

    /// One part of a package, uncompressed within the default limits (to look inside what the writer made).
    static func part(_ path: String, in data: Data) throws -> Data {
        var package = Package(archive: try Archive(data: data, accessMode: .read), limits: Limits())
        return try package.part(path)
    }

    /// Reads parts of the package within the limits: a part's bytes are counted as they are inflated and reading
    /// stops at the bound, so a part that claims a small size but inflates to gigabytes costs no more than the bound.
    struct Package {
        let archive: Archive
        let limits: Limits
        var total = 0

        mutating func optionalPart(_ path: String) throws(Failure) -> Data? {
            let clean = path.hasPrefix("/") ? String(path.dropFirst()) : path
            guard let entry = archive[clean] else { return nil }
            return try read(entry, clean)
        }

        mutating func part(_ path: String) throws(Failure) -> Data {
            guard let d = try optionalPart(path) else { throw .malformed(part: path, detail: "missing") }
            return d
        }

        private mutating func read(_ entry: Entry, _ path: String) throws(Failure) -> Data {
            if entry.uncompressedSize > UInt64(limits.partBytes) || total + Int(clamping: entry.uncompressedSize) > limits.totalBytes {
                throw .tooLarge(part: path)
            }
            var out = Data()
            let (partLimit, room) = (limits.partBytes, limits.totalBytes - total)
            struct Over: Error {}
            do {
                _ = try archive.extract(entry, skipCRC32: false) { chunk in
                    if out.count + chunk.count > partLimit || out.count + chunk.count > room { throw Over() }
                    out.append(chunk)
                }
            } catch is Over {
                throw .tooLarge(part: path)
            } catch {
                throw .malformed(part: path, detail: "\(error)")
            }
            total += out.count
            return out
        }
    }

    struct Relationship { var id: String; var type: String; var target: String }

    enum Relationships {
        /// Targets are resolved against `base` (the folder of the part they belong to) unless absolute.
        static func parse(_ xml: Data, base: String, part: String) throws(Failure) -> [Relationship] {
            var out: [Relationship] = []
            try XMLWalk.run(xml, part: part) { event in
                guard case .start("Relationship", let a) = event else { return }
                guard let target = a["Target"], a["TargetMode"] != "External" else { return }
                out.append(Relationship(id: a["Id"] ?? "", type: a["Type"] ?? "", target: resolve(target, base: base)))
            }
            return out
        }

        static func resolve(_ target: String, base: String) -> String {
            if target.hasPrefix("/") { return String(target.dropFirst()) }
            var parts = base.split(separator: "/").map(String.init)
            for p in target.split(separator: "/") {
                if p == ".." { if !parts.isEmpty { parts.removeLast() } } else if p != "." { parts.append(String(p)) }
            }
            return parts.joined(separator: "/")
        }
    }

    enum WorkbookParser {
        struct Result { var sheets: [(name: String, relationship: String)] = []; var date1904 = false }
        static func parse(_ xml: Data, part: String) throws(Failure) -> Result {
            var r = Result()
            try XMLWalk.run(xml, part: part) { event in
                switch event {
                case .start("sheet", let a):
                    let rid = a.first(where: { $0.key == "id" || $0.key.hasSuffix(":id") })?.value ?? ""
                    r.sheets.append((a["name"] ?? "", rid))
                case .start("workbookPr", let a):
                    r.date1904 = ["1", "true"].contains(a["date1904"] ?? "")
                default: break
                }
            }
            return r
        }
    }

    enum SharedStringsParser {
        static func parse(_ xml: Data, part: String) throws(Failure) -> [String] {
            var out: [String] = []
            var current = "", inText = false, phonetic = 0
            try XMLWalk.run(xml, part: part) { event in
                switch event {
                case .start("si", _): current = ""
                case .start("rPh", _): phonetic += 1
                case .end("rPh"): phonetic -= 1
                case .start("t", _): inText = phonetic == 0
                case .end("t"): inText = false
                case .text(let s): if inText { current += s }
                case .end("si"): out.append(unescape(current))
                default: break
                }
            }
            return out
        }
    }

    /// The cell formats (by index, as cells' `s` refers to them) that show a number as a date.
    enum StylesParser {
        static func parse(_ xml: Data, part: String) throws(Failure) -> [Bool] {
            var custom: [Int: String] = [:]
            var formats: [Int] = []
            var inCellXfs = false
            try XMLWalk.run(xml, part: part) { event in
                switch event {
                case .start("numFmt", let a):
                    if let id = a["numFmtId"].flatMap(Int.init) { custom[id] = a["formatCode"] ?? "" }
                case .start("cellXfs", _): inCellXfs = true
                case .end("cellXfs"): inCellXfs = false
                case .start("xf", let a) where inCellXfs:
                    formats.append(a["numFmtId"].flatMap(Int.init) ?? 0)
                default: break
                }
            }
            return formats.map { id in
                if let code = custom[id] { return isDateFormat(code) }
                return (14...22).contains(id) || (45...47).contains(id) || (27...36).contains(id) || (50...58).contains(id)
            }
        }

        /// A format code shows a date when, outside quoted text, brackets and escapes, it has d, m, y (or h, s with them).
        static func isDateFormat(_ code: String) -> Bool {
            var quoted = false, bracket = false, escaped = false
            for ch in code.lowercased() {
                if escaped { escaped = false; continue }
                switch ch {
                case "\\": escaped = true
                case "\"": quoted.toggle()
                case "[": if !quoted { bracket = true }
                case "]": if !quoted { bracket = false }
                case "d", "m", "y": if !quoted && !bracket { return true }
                default: break
                }
            }
            return false
        }
    }

    enum SheetParser {
        static func parse(_ xml: Data, part: String, strings: [String], dateStyles: [Bool], date1904: Bool, limits: Limits) throws(Failure) -> [Row] {
            var rows: [Row] = []
            var rowNumber = 0, cells: [Cell] = []
            var col = -1, type = "", style = 0, value = "", inline = "", inValue = false, inInline = false, phonetic = 0
            var failure: Failure? = nil
            try XMLWalk.run(xml, part: part) { event in
                guard failure == nil else { return }
                switch event {
                case .start("row", let a):
                    rowNumber = a["r"].flatMap(Int.init) ?? rowNumber + 1
                    if rowNumber > limits.rows { failure = .tooManyRows(row: rowNumber) }
                    cells = []; col = -1
                case .start("c", let a):
                    if let ref = a["r"], let rc = reference(ref) {
                        col = rc.column
                    } else if a["r"] != nil {
                        failure = .malformed(part: part, detail: "cell reference \(a["r"]!)")
                    } else { col += 1 }
                    if col >= limits.columns { failure = .tooManyColumns(row: rowNumber) }
                    type = a["t"] ?? "n"; style = a["s"].flatMap(Int.init) ?? 0; value = ""; inline = ""
                case .start("v", _): inValue = true
                case .end("v"): inValue = false
                case .start("is", _): inInline = true
                case .end("is"): inInline = false
                case .start("rPh", _): phonetic += 1
                case .end("rPh"): phonetic -= 1
                case .text(let s):
                    if inValue { value += s } else if inInline && phonetic == 0 { inline += s }
                case .end("c"):
                    guard col >= 0 else { return }
                    let cell: Cell
                    switch type {
                    case "s":
                        guard let i = Int(value.trimmingCharacters(in: .whitespaces)), strings.indices.contains(i) else {
                            failure = .malformed(part: part, detail: "shared string \(value) in \(columnName(col))\(rowNumber)"); return
                        }
                        cell = Cell(strings[i])
                    case "inlineStr": cell = Cell(unescape(inline))
                    case "str": cell = Cell(unescape(value))
                    case "b": cell = Cell(value == "1" || value.lowercased() == "true" ? "TRUE" : value.isEmpty ? "" : "FALSE", value.isEmpty ? .text : .bool)
                    case "e": cell = Cell(value, .error)
                    case "d": cell = Cell(value, .date)
                    default:
                        if value.isEmpty { cell = Cell("") }
                        else if dateStyles.indices.contains(style) && dateStyles[style], let d = Double(value), let day = date(serial: d, date1904: date1904) {
                            cell = Cell(day, .date)
                        } else { cell = Cell(number(value), .number) }
                    }
                    if col >= cells.count {
                        if cell.text.isEmpty { return }
                        cells.append(contentsOf: repeatElement(Cell(""), count: col - cells.count + 1))
                    }
                    cells[col] = cell
                case .end("row"):
                    if cells.contains(where: { !$0.text.isEmpty }) { rows.append(Row(number: rowNumber, cells: cells)) }
                default: break
                }
            }
            if let failure { throw failure }
            return rows
        }
    }

    /// A number cell's text as a person would type it: "912345678" for 9.12345678E8, "1985" for 1985.0; a value
    /// that is not a whole number keeps its shortest decimal form ("0.5").
    static func number(_ raw: String) -> String {
        let s = raw.trimmingCharacters(in: .whitespaces)
        guard let d = Double(s), d.isFinite else { return s }
        if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
        if !s.contains("E") && !s.contains("e") { return s }
        let f = String(format: "%.15g", d)
        return f.contains("e") ? s : f
    }

    /// A date serial number as yyyy-mm-dd (with hh:mm when it has a time of day). 1900 system: serial 1 is
    /// 1900-01-01 and serial 60 is Lotus' 29 February 1900, which never was (nil).
    static func date(serial: Double, date1904: Bool) -> String? {
        guard serial >= 0, serial < 2_958_466 else { return nil }
        var days = Int(serial.rounded(.down))
        let minutes = Int(((serial - Double(days)) * 1440).rounded())
        if minutes == 1440 { days += 1 }
        let epoch: Int   // days from 1970-01-01 to the serial's day 0
        if date1904 { epoch = -24_107 }
        else {
            if days == 60 { return nil }
            epoch = days < 60 ? -25_568 : -25_569
        }
        let (y, m, d) = civil(days + epoch)
        var out = String(format: "%04d-%02d-%02d", y, m, d)
        if minutes % 1440 != 0 { out += String(format: " %02d:%02d", (minutes % 1440) / 60, minutes % 60) }
        return out
    }

    /// Days since 1970-01-01 → (year, month, day): the one integer calendar the app has (Support/Moment.swift).
    static func civil(_ z0: Int) -> (Int, Int, Int) {
        let (y, m, d) = civilDate(fromDaysSinceEpoch: Int64(z0))
        return (Int(y), Int(m), Int(d))
    }

    /// OOXML's escape for characters XML cannot hold: "_x000D_" is a carriage return, "_x005F_" an underscore.
    static func unescape(_ s: String) -> String {
        guard s.contains("_x") else { return s }
        var out = "", rest = Substring(s)
        while let r = rest.range(of: "_x") {
            out += rest[..<r.lowerBound]
            let after = rest[r.upperBound...]
            let hex = after.prefix(4)
            if hex.count == 4, after.dropFirst(4).first == "_", let v = UInt32(hex, radix: 16), let u = UnicodeScalar(v) {
                out.unicodeScalars.append(u)
                rest = after.dropFirst(5)
            } else {
                out += "_x"
                rest = after
            }
        }
        return out + rest
    }

    /// Events of a part, with element names without their namespace prefix. A document type declaration is refused
    /// before parsing (no entity can expand).
    enum XMLEvent { case start(String, [String: String]), end(String), text(String) }

    enum XMLWalk {
        static func run(_ xml: Data, part: String, _ handle: @escaping (XMLEvent) -> Void) throws(Failure) {
            if xml.range(of: Data("<!DOCTYPE".utf8)) != nil || xml.range(of: Data("<!doctype".utf8)) != nil {
                throw .malformed(part: part, detail: "document type declaration")
            }
            let parser = XMLParser(data: xml)
            parser.shouldProcessNamespaces = false
            parser.shouldResolveExternalEntities = false
            let delegate = Delegate(handle)
            parser.delegate = delegate
            if !parser.parse() {
                throw .malformed(part: part, detail: parser.parserError.map { "\($0.localizedDescription) (line \(parser.lineNumber))" } ?? "unreadable XML")
            }
        }

        final class Delegate: NSObject, XMLParserDelegate {
            let handle: (XMLEvent) -> Void
            init(_ handle: @escaping (XMLEvent) -> Void) { self.handle = handle }
            static func local(_ name: String) -> String {
                guard let i = name.lastIndex(of: ":") else { return name }
                return String(name[name.index(after: i)...])
            }
            func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
                handle(.start(Self.local(elementName), attributeDict))
            }
            func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
                handle(.end(Self.local(elementName)))
            }
            func parser(_ parser: XMLParser, foundCharacters string: String) { handle(.text(string)) }
        }
    }

    // MARK: writing

    /// A workbook of one sheet: `header` in bold (frozen when scrolling), then `rows`. Cells of `numberColumns`
    /// holding a plain whole number (no leading zero) are written as numbers; every other cell is a string.
    public static func write(sheet name: String, header: [String], rows: [[String]], numberColumns: Set<Int> = []) throws -> Data {
        var strings: [String] = [], index: [String: Int] = [:]
        func shared(_ s: String) -> Int {
            if let i = index[s] { return i }
            index[s] = strings.count; strings.append(s)
            return strings.count - 1
        }
        let width = max(header.count, rows.map(\.count).max() ?? 0)
        var widths = [Int](repeating: 8, count: width)
        func measure(_ row: [String]) {
            for (i, v) in row.enumerated() { widths[i] = min(60, max(widths[i], v.count + 2)) }
        }
        measure(header)
        for r in rows.prefix(2000) { measure(r) }

        var sheet = """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
            """
        sheet += "<dimension ref=\"A1:\(columnName(max(width, 1) - 1))\(rows.count + 1)\"/>"
        sheet += "<sheetViews><sheetView workbookViewId=\"0\"><pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/></sheetView></sheetViews>"
        sheet += "<sheetFormatPr defaultRowHeight=\"15\"/>"
        if width > 0 {
            sheet += "<cols>"
            for (i, w) in widths.enumerated() { sheet += "<col min=\"\(i + 1)\" max=\"\(i + 1)\" width=\"\(w)\" customWidth=\"1\" style=\"2\"/>" }
            sheet += "</cols>"
        }
        sheet += "<sheetData>"
        func row(_ cells: [String], number: Int, header: Bool) {
            sheet += "<row r=\"\(number)\">"
            for (i, v) in cells.enumerated() where !v.isEmpty {
                let ref = columnName(i) + String(number)
                if !header, numberColumns.contains(i), isPlainInteger(v) {
                    sheet += "<c r=\"\(ref)\" s=\"3\"><v>\(v)</v></c>"
                } else {
                    sheet += "<c r=\"\(ref)\" s=\"\(header ? 1 : 2)\" t=\"s\"><v>\(shared(v))</v></c>"
                }
            }
            sheet += "</row>"
        }
        row(header, number: 1, header: true)
        for (n, r) in rows.enumerated() { row(r, number: n + 2, header: false) }
        sheet += "</sheetData><pageMargins left=\"0.7\" right=\"0.7\" top=\"0.75\" bottom=\"0.75\" header=\"0.3\" footer=\"0.3\"/></worksheet>"

        var sst = """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="\(strings.count)" uniqueCount="\(strings.count)">
            """
        for s in strings { sst += "<si><t xml:space=\"preserve\">\(escape(s))</t></si>" }
        sst += "</sst>"

        let sheetName = escape(String(name.filter { !"[]:*?/\\".contains($0) }.prefix(31)))
        return try package([
            ("[Content_Types].xml", Data("""
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>
                """.utf8)),
            ("_rels/.rels", Data("""
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>
                """.utf8)),
            ("xl/workbook.xml", Data("""
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><bookViews><workbookView/></bookViews><sheets><sheet name="\(sheetName.isEmpty ? "Sheet1" : sheetName)" sheetId="1" r:id="rId1"/></sheets></workbook>
                """.utf8)),
            ("xl/_rels/workbook.xml.rels", Data("""
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>
                """.utf8)),
            // Formats: 0 default, 1 bold text (header), 2 text "@" (data), 3 a whole number.
            ("xl/styles.xml", Data("""
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font><font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="49" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" applyNumberFormat="1"/><xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="1" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>
                """.utf8)),
            ("xl/worksheets/sheet1.xml", Data(sheet.utf8)),
            ("xl/sharedStrings.xml", Data(sst.utf8)),
        ])
    }

    /// Digits only, at most 15 (a double holds them exactly), no leading zero: what may be a number cell.
    static func isPlainInteger(_ s: String) -> Bool {
        let u = s.utf8
        guard let first = u.first, u.count <= 15, first != 0x30 || u.count == 1 else { return false }
        return u.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    /// Text for XML: the five entities; characters XML 1.0 cannot hold (control characters but tab and line
    /// breaks) and a literal "_xHHHH_" in OOXML's escape, so they read back as they were.
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        var rest = s.unicodeScalars[...]
        while let u = rest.first {
            rest = rest.dropFirst()
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "_" where rest.starts(with: "x".unicodeScalars) && rest.dropFirst().prefix(4).allSatisfy(\.properties.isASCIIHexDigit)
                        && rest.dropFirst().prefix(4).count == 4 && rest.dropFirst(5).first == "_":
                out += "_x005F_"
            default:
                if (u.value < 0x20 && u != "\t" && u != "\n" && u != "\r") || u.value == 0xFFFE || u.value == 0xFFFF {
                    out += String(format: "_x%04X_", u.value)
                } else if u == "\r" {
                    out += "_x000D_"
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out
    }

    /// A ZIP package of the given parts, deflated, in memory.
    static func package(_ parts: [(String, Data)]) throws -> Data {
        let archive = try Archive(accessMode: .create)
        for (path, data) in parts {
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), modificationDate: Date(timeIntervalSince1970: 1_704_067_200),
                                 compressionMethod: .deflate) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        return archive.data ?? Data()
    }
}
