// The audit rows of an import, written as JSON by hand. An import of 20,000 households writes over 100,000 audit
// rows, and Foundation's JSONEncoder spent tens of microseconds on each small object (seconds in all, the largest
// part of the import's time above its raw-insert baseline: docs/benchmarks.md). The writer below produces the same
// bytes as `Audit.encoder` (sorted keys, nil fields left out, UUIDs upper-case, the encoder's escapes), which
// AuditJSONTests compare on every kind of character.
import Foundation

/// A value whose audit JSON is written by hand; `Audit.json` uses it instead of the encoder.
protocol AuditJSONWritable: Encodable {
    var auditJSON: String { get }
}

/// One JSON object, fields added in sorted key order by the caller.
struct JSONObjectWriter {
    private var out = "{"
    private var empty = true

    private mutating func key(_ k: String) {
        if !empty { out.append(",") }
        empty = false
        out.append("\"")
        out.append(k)
        out.append("\":")
    }

    mutating func field(_ k: String, _ v: String?) {
        guard let v else { return }
        key(k)
        Self.appendString(v, to: &out)
    }

    mutating func field(_ k: String, _ v: UUID?) {
        guard let v else { return }
        key(k)
        out.append("\"")
        out.append(v.uuidString)
        out.append("\"")
    }

    mutating func field(_ k: String, _ v: Int?) {
        guard let v else { return }
        key(k)
        out.append(String(v))
    }

    func finish() -> String { out + "}" }

    /// A JSON string as Foundation's JSONEncoder writes it: `"`, `\` and `/` escaped, the short escapes for
    /// backspace, tab, newline, form feed and carriage return, `\u00xx` for other control characters, the rest as is.
    static func appendString(_ s: String, to out: inout String) {
        out.append("\"")
        var plainStart = s.utf8.startIndex
        let utf8 = s.utf8
        var i = utf8.startIndex
        while i != utf8.endIndex {
            let b = utf8[i]
            let escape: String?
            switch b {
            case 0x22: escape = "\\\""
            case 0x5C: escape = "\\\\"
            case 0x2F: escape = "\\/"
            case 0x08: escape = "\\b"
            case 0x09: escape = "\\t"
            case 0x0A: escape = "\\n"
            case 0x0C: escape = "\\f"
            case 0x0D: escape = "\\r"
            case 0x00..<0x20:
                let hex = Array("0123456789abcdef")
                escape = "\\u00" + String(hex[Int(b >> 4)]) + String(hex[Int(b & 0xF)])
            default: escape = nil
            }
            if let escape {
                out.append(contentsOf: s[plainStart..<i])
                out.append(escape)
                plainStart = utf8.index(after: i)
            }
            i = utf8.index(after: i)
        }
        out.append(contentsOf: s[plainStart..<utf8.endIndex])
        out.append("\"")
    }
}

extension RegistryCSV.AuditedHousehold: AuditJSONWritable {
    var auditJSON: String {
        var w = JSONObjectWriter()
        w.field("address", address)
        w.field("code", code)
        w.field("groupId", groupId)
        w.field("phone", phone)
        w.field("representativeId", representativeId)
        w.field("villageId", villageId)
        return w.finish()
    }
}

extension RegistryCSV.AuditedResident: AuditJSONWritable {
    var auditJSON: String {
        var w = JSONObjectWriter()
        w.field("birthYear", birthYear)
        w.field("fullName", fullName)
        w.field("gender", gender.rawValue)
        w.field("householdId", householdId)
        w.field("phone", phone)
        w.field("relation", relation.rawValue)
        return w.finish()
    }
}

/// A list's or a view's `after` (`["q": …, "rows": …]`), written on every view of a page: keys sorted as the encoder
/// sorts them (by their UTF-8 bytes), both escaped as it escapes strings.
extension Dictionary: AuditJSONWritable where Key == String, Value == String {
    var auditJSON: String {
        var out = "{"
        for (n, k) in keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }).enumerated() {
            if n > 0 { out.append(",") }
            JSONObjectWriter.appendString(k, to: &out)
            out.append(":")
            JSONObjectWriter.appendString(self[k]!, to: &out)
        }
        return out + "}"
    }
}
