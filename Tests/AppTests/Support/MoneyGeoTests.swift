import Foundation
import Testing
@testable import App

@Suite("Money in whole đồng and points inside Vietnam")
struct MoneyGeoTests {
    @Test("amounts are read the Vietnamese way; fractions, negatives, words and huge numbers are refused")
    func money() {
        #expect(Money.parse("236.000.000") == .success(236_000_000))
        #expect(Money.parse("236 000 000 đ") == .success(236_000_000))
        #expect(Money.parse("236,000,000") == .success(236_000_000))
        #expect(Money.parse("500000") == .success(500_000))
        #expect(Money.parse("0") == .success(0))
        #expect(Money.parse("1,5") == .failure(.fractional))
        #expect(Money.parse("1.5") == .failure(.fractional))
        #expect(Money.parse("12.50") == .failure(.fractional))
        #expect(Money.parse("-5000") == .failure(.negative))
        #expect(Money.parse("") == .failure(.empty))
        #expect(Money.parse("năm trăm") == .failure(.notANumber))
        #expect(Money.parse("1.000,000") == .failure(.notANumber))
        #expect(Money.parse("99999999999999999999999") == .failure(.tooLarge))
        #expect(Money.parse("1000000000000001") == .failure(.tooLarge))
        #expect(Money.format(236_000_000, .vi) == "236.000.000 đ")
        #expect(Money.format(1_500, .en) == "1,500 đ")
        #expect(Money.format(-20_000, .vi) == "−20.000 đ")
        #expect(Money.format(0, .vi) == "0 đ")
        // Ten thousand of the largest amounts pass Int64's limit: the sum holds there instead of stopping the process.
        #expect(Money.sum(Array(repeating: Money.maxDong, count: 10_000)) == .max)
        #expect(Money.sum(Array(repeating: -Money.maxDong, count: 10_000)) == .min)
        #expect(Money.sum([236_000_000, -6_370_000, 300_000]) == 229_930_000)
    }

    @Test("a point is inside Vietnam's box; swapped, zero, blank halves and words are refused with the field")
    func geo() throws {
        #expect(try GeoPoint.parse(latitude: "21,0856", longitude: "105.6712").get() == GeoPoint(latitude: 21.0856, longitude: 105.6712))
        #expect(try GeoPoint.parse(latitude: " ", longitude: "").get() == nil)
        func fields(_ r: Result<GeoPoint?, InvalidInput>) -> [String] {
            if case .failure(let e) = r { return e.issues.map { "\($0.field):\($0.key)" } }
            return []
        }
        #expect(fields(GeoPoint.parse(latitude: "105.67", longitude: "21.08")) == ["latitude:error.outsideVietnam", "longitude:error.outsideVietnam"])
        #expect(fields(GeoPoint.parse(latitude: "0", longitude: "0")) == ["latitude:error.outsideVietnam", "longitude:error.outsideVietnam"])
        #expect(fields(GeoPoint.parse(latitude: "21.08", longitude: "")) == ["longitude:error.required"])
        #expect(fields(GeoPoint.parse(latitude: "abc", longitude: "105.6")) == ["latitude:error.coordinate"])
        #expect(fields(GeoPoint.parse(latitude: "nan", longitude: "105.6")) == ["latitude:error.coordinate"])
        #expect(GeoPoint(latitude: .infinity, longitude: 105).check().map(\.field) == ["latitude"])
        let a = GeoPoint(latitude: 21.0, longitude: 105.0), b = GeoPoint(latitude: 21.001, longitude: 105.0)
        #expect(abs(a.metres(to: b) - 111.2) < 1)
    }
}
