import Foundation
import Testing
@testable import App

/// `Day` writes its days without `String(format:)` and with one calendar made once (docs/benchmarks.md, "Outreach",
/// sixth run): the same text as before, on the days people type and at the calendar's edges.
@Suite("Days as text")
struct DayFormatTests {
    @Test("parse and today write yyyy-MM-dd with zero padding, as String(format: \"%04d-%02d-%02d\") did")
    func padding() {
        let samples = [("1/2/0033", "0033-02-01"), ("0001-01-01", "0001-01-01"), ("9999-12-31", "9999-12-31"), (" 2026-11-30 ", "2026-11-30"),
                       ("29/02/2024", "2024-02-29"), ("7/7/2025", "2025-07-07")]
        for (typed, iso) in samples {
            #expect(Day.parse(typed) == iso)
            let (y, m, d) = (Int(iso.prefix(4))!, Int(iso.dropFirst(5).prefix(2))!, Int(iso.suffix(2))!)
            #expect(Day.isoDay(y, m, d) == String(format: "%04d-%02d-%02d", y, m, d))
        }
        #expect(Day.parse("29/02/2025") == nil && Day.parse("2025-13-01") == nil)
        // 30/11/2026 01:00 in Hà Nội is 29/11 18:00 UTC.
        #expect(Day.today(Date(timeIntervalSince1970: 1_796_059_800 - 86_400 + 1_800)) == "2026-11-30")
        #expect(Day.adding(-366, to: "2026-11-30") == "2025-11-29")
        #expect(Day.adding(1, to: "2024-02-28") == "2024-02-29")
    }

    @Test("a day already written yyyy-MM-dd is taken as it is, and only a valid one")
    func canonicalDays() {
        for ok in ["2024-02-29", "0001-01-01", "9999-12-31", "2026-11-30", "2000-02-29"] { #expect(Day.canonical(ok) == ok && Day.parse(ok) == ok) }
        for bad in ["2025-02-29", "1900-02-29", "2026-13-01", "2026-00-10", "2026-04-31", "0000-01-01", "2026-1-01", "2026-01-1", "20261-01-01",
                    "2026-01-011", " 2026-01-01", "2026-01-01 ", "2026/01/01", "2026-01-0a", "--------10", ""] {
            #expect(Day.canonical(bad) == nil, "\(bad)")
        }
        // The long way still reads what the fast one leaves: spaces, dd/MM/yyyy.
        #expect(Day.parse(" 2026-01-01 ") == "2026-01-01" && Day.parse("1/2/2026") == "2026-02-01" && Day.parse("2025-02-29") == nil)
        var c = Checker()
        #expect(c.day("d", "2026-02-28") == "2026-02-28" && c.day("d", " 28/02/2026") == "2026-02-28" && c.issues.isEmpty)
        #expect(c.day("d", "2026-02-30") == nil && c.issues.count == 1)
    }

    @Test("today, from the last day's bounds kept: right at midnight in Hà Nội, forwards and back")
    func todayEdges() {
        // 2026-12-01 00:00 in Hà Nội is 2026-11-30 17:00 UTC.
        let midnight = Date(timeIntervalSince1970: 1_796_058_000)
        let calls: [(TimeInterval, String)] = [(-1, "2026-11-30"), (0, "2026-12-01"), (-0.001, "2026-11-30"), (86_399, "2026-12-01"),
                                              (86_400, "2026-12-02"), (-86_400 * 400, "2025-10-27"), (1, "2026-12-01"), (-1, "2026-11-30")]
        for (offset, day) in calls {
            let at = midnight.addingTimeInterval(offset)
            let c = Day.calendar.dateComponents([.year, .month, .day], from: at)
            #expect(Day.today(at) == day)
            #expect(Day.today(at) == Day.isoDay(c.year!, c.month!, c.day!))
        }
    }

    @Test("the sums' keys order uuids byte by byte, as their text orders them")
    func uuidOrder() {
        let ids = (0..<500).map { _ in UUID() }
        #expect(ids.sorted { OutreachPlaceSums.compare($0, $1) < 0 } == ids.sorted { $0.uuidString < $1.uuidString })
        #expect(OutreachPlaceSums.compare(ids[0], ids[0]) == 0)
    }
}
