// Arithmetic on ISO days (Support/Day.swift): their start, n days later, the weekday.
import Foundation

extension Day {
    /// Midnight starting an ISO day, Vietnam time.
    static func start(_ iso: String) -> Date? {
        let p = iso.split(separator: "-").compactMap { Int($0) }
        guard p.count == 3 else { return nil }
        return Day.calendar.date(from: DateComponents(year: p[0], month: p[1], day: p[2]))
    }

    /// `n` days after an ISO day (negative: before).
    static func adding(_ n: Int, to iso: String) -> String {
        guard let d = start(iso) else { return iso }
        return today(d.addingTimeInterval(Double(n) * 86_400 + 3_600))
    }

    /// 1 Monday … 7 Sunday.
    static func weekday(_ iso: String) -> Int {
        guard let d = start(iso) else { return 0 }
        let w = Day.calendar.component(.weekday, from: d)   // 1 Sunday … 7 Saturday
        return w == 1 ? 7 : w - 1
    }
}
