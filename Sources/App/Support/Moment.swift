// Dates and times as people type and read them in Vietnam time, and the integer calendar under them (CAP timestamps,
// XLSX dates and these all use `civilDate`).
import Foundation

/// A moment people type: "2026-11-25T08:00" (HTML datetime-local, Vietnam time), "25/11/2026 08:00", or ISO 8601
/// with a zone (API).
public enum Moment {
    public static func parse(_ raw: String) -> Date? {
        let t = raw.trimmingCharacters(in: .whitespaces)
        if t.isEmpty { return nil }
        let iso = ISO8601DateFormatter()
        if let d = iso.date(from: t) { return d }
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = Day.zone
        let parts = t.replacingOccurrences(of: "T", with: " ").split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 2, let day = Day.parse(String(parts[0])) else { return nil }
        let hm = parts[1].split(separator: ":")
        guard hm.count >= 2, let h = Int(hm[0]), let m = Int(hm[1]), (0...23).contains(h), (0...59).contains(m) else { return nil }
        let d = day.split(separator: "-").compactMap { Int($0) }
        return cal.date(from: DateComponents(year: d[0], month: d[1], day: d[2], hour: h, minute: m))
    }

    /// dd/MM/yyyy HH:mm in Vietnam time.
    public static func display(_ date: Date?) -> String {
        guard let date else { return "" }
        let c = civil(date)
        return "\(two(c.day))/\(two(c.month))/\(c.year) \(two(c.hour)):\(two(c.minute))"
    }

    /// The value an HTML datetime-local input shows.
    public static func input(_ date: Date?) -> String {
        guard let date else { return "" }
        let c = civil(date)
        return "\(c.year)-\(two(c.month))-\(two(c.day))T\(two(c.hour)):\(two(c.minute))"
    }

    private static func two(_ n: Int) -> String { n < 10 ? "0\(n)" : String(n) }

    /// The date and time in Vietnam time, computed (a DateFormatter made per call was a sixth of an inbox page's time).
    static func civil(_ date: Date) -> (year: Int, month: Int, day: Int, hour: Int, minute: Int) {
        let t = Int(date.timeIntervalSince1970.rounded(.down)) + Day.zone.secondsFromGMT(for: date)
        let days = t >= 0 ? t / 86_400 : (t - 86_399) / 86_400
        let rem = t - days * 86_400
        // The one integer calendar (below), also used by CAP's timestamps and XLSX dates.
        let (year, month, day) = civilDate(fromDaysSinceEpoch: Int64(days))
        return (Int(year), Int(month), Int(day), rem / 3600, rem % 3600 / 60)
    }
}

/// Proleptic Gregorian date from days since 1970-01-01 (H. Hinnant's "civil_from_days").
/// Done with plain integer arithmetic, so the result never depends on the machine's calendar or locale.
func civilDate(fromDaysSinceEpoch z0: Int64) -> (Int64, Int64, Int64) {
    let z = z0 + 719_468
    let era = floorDiv(z, 146_097)
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let day = doy - (153 * mp + 2) / 5 + 1
    let month = mp < 10 ? mp + 3 : mp - 9
    return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
}

func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}
