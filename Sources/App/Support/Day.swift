// Calendar days as ISO strings ("2025-07-01"). Stored as text so that comparisons are the same on both databases
// and an effective period is [validFrom, validTo) with sentinels for "always" and "still in force".
import Foundation
import NIOConcurrencyHelpers

public enum Day {
    public static let distantPast = "0001-01-01"
    public static let distantFuture = "9999-12-31"
    public static let reform2025 = "2025-07-01"
    public static let zone = TimeZone(identifier: "Asia/Ho_Chi_Minh")!

    /// Today on the app's clock (Support/Clock.swift), in Vietnam's calendar day.
    public static func today(_ now: Date = AppClock.now) -> String {
        // Every kept page's key names the day: the last day's bounds are kept, so most calls compare two numbers
        // instead of asking the calendar.
        let t = now.timeIntervalSinceReferenceDate
        if let hit = lastDay.withLockedValue({ d in d.flatMap { t >= $0.start && t < $0.end ? $0.day : nil } }) { return hit }
        let c = calendar.dateComponents([.year, .month, .day], from: now)
        let day = isoDay(c.year!, c.month!, c.day!)
        if let start = calendar.date(from: DateComponents(year: c.year, month: c.month, day: c.day)),
           let end = calendar.date(byAdding: .day, value: 1, to: start) {
            lastDay.withLockedValue { $0 = (start.timeIntervalSinceReferenceDate, end.timeIntervalSinceReferenceDate, day) }
        }
        return day
    }

    private static let lastDay = NIOLockedValueBox<(start: Double, end: Double, day: String)?>(nil)

    /// The Gregorian calendar in Vietnam's time zone, made once (making one per call was most of a sync batch's
    /// date checks: docs/benchmarks.md, "Outreach", sixth run).
    static let calendar: Calendar = {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = zone
        return cal
    }()

    /// "yyyy-MM-dd", as `String(format: "%04d-%02d-%02d")` writes it, without going through `String(format:)`.
    static func isoDay(_ y: Int, _ m: Int, _ d: Int) -> String {
        func pad(_ n: Int, _ width: Int) -> String {
            let s = String(n)
            return n >= 0 && s.count < width ? String(repeating: "0", count: width - s.count) + s : s
        }
        return pad(y, 4) + "-" + pad(m, 2) + "-" + pad(d, 2)
    }

    /// Accepts "yyyy-MM-dd" (API, HTML date inputs) and "dd/MM/yyyy" (what people type); answers ISO or nil.
    public static func parse(_ text: String) -> String? {
        if let d = canonical(text) { return d }
        let t = text.trimmingCharacters(in: .whitespaces)
        var y = 0, m = 0, d = 0
        let iso = t.split(separator: "-", omittingEmptySubsequences: false)
        let vn = t.split(separator: "/", omittingEmptySubsequences: false)
        if iso.count == 3, iso[0].count == 4, let yy = Int(iso[0]), let mm = Int(iso[1]), let dd = Int(iso[2]) {
            (y, m, d) = (yy, mm, dd)
        } else if vn.count == 3, vn[2].count == 4, let dd = Int(vn[0]), let mm = Int(vn[1]), let yy = Int(vn[2]) {
            (y, m, d) = (yy, mm, dd)
        } else { return nil }
        guard (1...9999).contains(y), (1...12).contains(m), d >= 1 else { return nil }
        let days = [31, (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard d <= days[m - 1] else { return nil }
        return isoDay(y, m, d)
    }

    /// `text` itself when it is already a valid day written yyyy-MM-dd (what phones and the API send), without
    /// trimming or splitting it; nil otherwise (then `parse` reads it the long way).
    static func canonical(_ text: String) -> String? {
        var u = text.utf8.makeIterator()
        var n = [Int](repeating: 0, count: 3), part = 0, digits = 0, count = 0
        while let c = u.next() {
            count += 1
            if count > 10 { return nil }
            if c == 0x2D {
                guard (part == 0 && digits == 4) || (part == 1 && digits == 2) else { return nil }
                part += 1
                digits = 0
            } else if c >= 0x30 && c <= 0x39 {
                n[part] = n[part] * 10 + Int(c - 0x30)
                digits += 1
            } else {
                return nil
            }
        }
        guard count == 10, part == 2, digits == 2 else { return nil }
        let (y, m, d) = (n[0], n[1], n[2])
        guard (1...9999).contains(y), (1...12).contains(m), d >= 1 else { return nil }
        let days = [31, (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return d <= days[m - 1] ? text : nil
    }

    /// dd/MM/yyyy for display; sentinels display as empty.
    public static func display(_ iso: String) -> String {
        if iso == distantPast || iso == distantFuture || iso.isEmpty { return "" }
        let p = iso.split(separator: "-")
        guard p.count == 3 else { return iso }
        return "\(p[2])/\(p[1])/\(p[0])"
    }
}
