// Search keys that ignore Vietnamese diacritics and case: "Nguyễn Văn A" and "nguyen van a" fold to the same key,
// so one LIKE on a stored key column works the same on SQLite and PostgreSQL.
import Foundation

public enum Fold {
    /// Lowercases, strips combining marks (after canonical decomposition), maps đ/Đ to d and collapses whitespace.
    public static func key(_ text: String) -> String {
        // Fast path for plain ASCII (codes, phones, most CSV keywords): no decomposition needed.
        if text.utf8.allSatisfy({ $0 < 0x80 }) {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(text.utf8.count)
            var lastWasSpace = true
            for b in text.utf8 {
                if b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D {
                    if !lastWasSpace { bytes.append(0x20); lastWasSpace = true }
                } else {
                    bytes.append(b >= 0x41 && b <= 0x5A ? b + 0x20 : b)
                    lastWasSpace = false
                }
            }
            if bytes.last == 0x20 { bytes.removeLast() }
            return String(decoding: bytes, as: UTF8.self)
        }
        var out = String.UnicodeScalarView()
        var lastWasSpace = true
        for scalar in text.decomposedStringWithCanonicalMapping.unicodeScalars {
            switch scalar.value {
            case 0x0300...0x036F: continue  // combining diacritical marks
            case 0x0110, 0x0111: out.append("d"); lastWasSpace = false
            default:
                if scalar.properties.isWhitespace {
                    if !lastWasSpace { out.append(" "); lastWasSpace = true }
                } else {
                    for lower in scalar.properties.lowercaseMapping.unicodeScalars { out.append(lower) }
                    lastWasSpace = false
                }
            }
        }
        var result = String(out)
        if result.hasSuffix(" ") { result.removeLast() }
        return result
    }

    /// Joins several fields into one key, separated so a search cannot match across two fields.
    public static func key(_ parts: [String?]) -> String {
        parts.compactMap { $0 }.filter { !$0.isEmpty }.map(key).joined(separator: " | ")
    }

    /// A LIKE pattern for a user's query, with LIKE's own wildcards escaped (escape char `\`).
    public static func likePattern(_ query: String) -> String {
        let k = key(query)
            .replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_")
        return "%\(k)%"
    }
}

import FluentKit
import FluentSQL
import SQLKit

extension Fold {
    /// `table.column LIKE '%key%' ESCAPE '\'` — the same on SQLite (which has no default escape) and PostgreSQL.
    static func matches(_ table: String, _ query: String, column: String = "search_key") -> DatabaseQuery.Filter {
        .sql(embed: "\(ident: table).\(ident: column) LIKE \(bind: likePattern(query)) ESCAPE '\\'")
    }
}
