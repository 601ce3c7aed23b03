import Foundation
import Testing
@testable import App

@Suite("Logic without a database")
struct LogicTests {
    @Test("folding ignores Vietnamese diacritics, đ and case", arguments: [
        ("Nguyễn Văn A", "nguyen van a"), ("Phượng", "phuong"), ("ĐẶNG  Thị   Ánh", "dang thi anh"), ("Thủy", "thuy"), ("  x ", "x"),
    ])
    func fold(input: String, expected: String) {
        #expect(Fold.key(input) == expected)
    }

    @Test func likePatternEscapesWildcards() {
        #expect(Fold.likePattern("50%_a") == "%50\\%\\_a%")
    }

    @Test func days() {
        #expect(Day.parse("2025-07-01") == "2025-07-01")
        #expect(Day.parse("01/07/2025") == "2025-07-01")
        #expect(Day.parse("29/02/2024") == "2024-02-29")
        #expect(Day.parse("29/02/2025") == nil)
        #expect(Day.parse("2025-13-01") == nil)
        #expect(Day.parse("hôm qua") == nil)
        #expect(Day.display("2025-07-01") == "01/07/2025")
        #expect(Day.display(Day.distantFuture) == "")
        // 17:30 UTC on 30 June is already 1 July in Hà Nội.
        #expect(Day.today(Date(timeIntervalSince1970: 1_751_304_600)) == "2025-07-01")
    }

    @Test func phones() {
        #expect(Phone.normalize("0912 345 678") == "0912345678")
        #expect(Phone.normalize("+84 912.345.678") == "0912345678")
        #expect(Phone.normalize("912345678") == nil)
        #expect(Phone.normalize("09123456789") == nil)
        #expect(Phone.normalize("09a2345678") == nil)
    }

    @Test func numbersAndTranslations() {
        #expect(Lang.vi.number(1216) == "1.216")
        #expect(Lang.en.number(1216) == "1,216")
        #expect(Lang.vi.number(2_400_000) == "2.400.000")
        #expect(Lang.vi.t("error.tooLong", ["200"]) == "Dài quá 200 ký tự.")
        // The feature parts join without a key lost.
        #expect(L10n.table.count == L10n.parts.map(\.count).reduce(0, +))
        // Every key has both languages, and Vietnamese is in NFC.
        for (key, entry) in L10n.table {
            #expect(!entry.vi.isEmpty && !entry.en.isEmpty, "\(key)")
            #expect(entry.vi == entry.vi.precomposedStringWithCanonicalMapping, "\(key) not NFC")
        }
    }

    @Test func trimming() {
        #expect(RegistryCSV.trimmed("  Nguyễn Văn An \r\n") == "Nguyễn Văn An")
        #expect(RegistryCSV.trimmed("\t") == "")
        #expect(RegistryCSV.trimmed("An") == "An")
    }

    @Test func codes() {
        #expect(Codes.isLocal("T1-01", max: 20))
        #expect(!Codes.isLocal("Thôn 1", max: 20))
        #expect(!Codes.isLocal("-T1", max: 20))
        #expect(!Codes.isLocal(String(repeating: "a", count: 21), max: 20))
    }

    @Test func configuration() throws {
        let dev = try AppConfig.fromEnvironment([:])
        #expect(dev.database == .sqlite(path: "thonso.sqlite"))
        #expect(dev.host == "127.0.0.1" && dev.port == 8080 && dev.pageSize == 50)
        let pg = try AppConfig.fromEnvironment(["DATABASE_URL": "postgres://u@127.0.0.1:5432/db", "PORT": "9000", "DEMO": "1"])
        #expect(pg.database == .postgres(url: "postgres://u@127.0.0.1:5432/db") && pg.port == 9000 && pg.demo)
        #expect(throws: ConfigError.self) { try AppConfig.fromEnvironment(["PORT": "eighty"]) }
        #expect(throws: ConfigError.self) { try AppConfig.fromEnvironment(["DATABASE_URL": "mysql://x"]) }
        #expect(throws: ConfigError.self) { try AppConfig.fromEnvironment(["DATABASE_SCHEMA": "Drop Table"]) }
    }

    @Test("the demo generator gives exactly the figures asked for")
    func demoRows() {
        let rows = Demo.rows(households: 1216, residents: 5300, villageCodes: ["T1", "T2", "T3", "T4"], groupsPerVillage: 9, codePrefix: "09829")
        #expect(rows.count == 5300)
        #expect(Set(rows.map(\.householdCode)).count == 1216)
        #expect(Set(rows.map(\.groupCode)).count == 36)
        #expect(rows.filter(\.representative).count == 1216)
        #expect(rows.allSatisfy { $0.householdPhone?.hasPrefix("0999") == true })
    }
}
