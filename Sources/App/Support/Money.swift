// Money is a whole number of đồng, an Int64, everywhere: storage, arithmetic, JSON, CSV. Never a floating-point
// number. Officials type amounts the Vietnamese way ("236.000.000", "236 000 000", "236000000 đ"); a fraction
// ("1,5", "1.5", "1.50") or anything larger than a trillion đồng is refused with its own message.
import Foundation

public enum Money {
    /// The largest amount accepted: 10^15 đồng, far above any village campaign and far below Int64's limit, so
    /// sums of millions of entries cannot overflow.
    public static let maxDong: Int64 = 1_000_000_000_000_000

    public enum ParseError: Error, Equatable {
        case empty, notANumber, fractional, negative, tooLarge
        /// The translation key of its message.
        public var key: String {
            switch self {
            case .empty: return "error.required"
            case .notANumber: return "error.money"
            case .fractional: return "error.moneyFraction"
            case .negative: return "error.moneyNegative"
            case .tooLarge: return "error.moneyTooLarge"
            }
        }
    }

    /// Reads an amount in đồng as typed: digits with optional thousands separators (".", " ", "," in groups of
    /// three), an optional "đ", "đồng" or "VND" after it. Zero is allowed here; a caller that needs a positive amount
    /// checks it.
    public static func parse(_ text: String) -> Result<Int64, ParseError> {
        var s = text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        for suffix in ["đồng", "vnđ", "vnd", "đ", "d"] where s.hasSuffix(suffix) {
            s = String(s.dropLast(suffix.count)).trimmingCharacters(in: .whitespaces)
            break
        }
        if s.isEmpty { return .failure(.empty) }
        var negative = false
        if s.hasPrefix("-") || s.hasPrefix("−") { negative = true; s.removeFirst() }
        s = s.replacingOccurrences(of: "\u{00A0}", with: " ")
        let separators: Set<Character> = [".", ",", " "]
        guard s.allSatisfy({ $0.isASCII && ($0.isNumber || separators.contains($0)) }), s.first?.isNumber == true, s.last?.isNumber == true else {
            return .failure(.notANumber)
        }
        if s.contains(where: { separators.contains($0) }) {
            // Thousands separators: every group after the first has exactly three digits, and one kind of separator.
            let groups = s.split(omittingEmptySubsequences: false, whereSeparator: { separators.contains($0) })
            let used = Set(s.filter { separators.contains($0) })
            let grouped = used.count == 1 && groups.count > 1 && (1...3).contains(groups[0].count) && groups.dropFirst().allSatisfy { $0.count == 3 }
            if !grouped {
                // "1,5", "1.50", "12.5": a decimal fraction.
                if groups.count == 2, used.count == 1, used.first != " " { return .failure(.fractional) }
                return .failure(.notANumber)
            }
            s = groups.joined()
        }
        if negative { return .failure(.negative) }
        guard s.count <= 16, let v = Int64(s), v <= maxDong else { return .failure(.tooLarge) }
        return .success(v)
    }

    /// "236.000.000 đ" (Vietnamese) or "236,000,000 đ" (English).
    public static func format(_ dong: Int64, _ lang: Lang) -> String {
        let sep: Character = lang == .vi ? "." : ","
        let digits = String(dong.magnitude)
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(sep) }
            out.append(ch)
        }
        return (dong < 0 ? "−" : "") + out + " đ"
    }

    /// The sum of amounts, held at Int64's limit instead of overflowing (which would stop the process): every amount
    /// is at most `maxDong`, but ten thousand of them could pass the limit.
    public static func sum<S: Sequence>(_ amounts: S) -> Int64 where S.Element == Int64 {
        var total: Int64 = 0
        for a in amounts {
            let (r, over) = total.addingReportingOverflow(a)
            if over { return a < 0 ? .min : .max }
            total = r
        }
        return total
    }

    /// The amount as CSV and JSON carry it: plain digits.
    public static func plain(_ dong: Int64) -> String { String(dong) }
}
