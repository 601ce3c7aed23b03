import Foundation
import Testing
@testable import App

/// The import's hand-written audit JSON is byte for byte what the encoder writes (AuditJSON.swift).
@Suite("Audit JSON written by hand")
struct AuditJSONTests {
    static func encoded(_ v: some Encodable) throws -> String {
        String(decoding: try Audit.encoder.encode(v), as: UTF8.self)
    }

    @Test("every control character, quotes, slashes, Vietnamese and emoji; nil fields left out")
    func sameBytes() throws {
        var nasty = ""
        for i in 0..<0x20 { nasty.unicodeScalars.append(UnicodeScalar(i)!) }
        nasty += "\"\\/ Nguyễn Thị Đào \u{7f} \u{2028} 😀 =cmd|' /C calc'!A0"
        let names = ["", "An", nasty, "a\"b", "\\", "/", "Trần Văn Đổi 12"]
        for (i, n) in names.enumerated() {
            let h = RegistryCSV.AuditedHousehold(code: "HH-\(n)", villageId: UUID(), groupId: i % 2 == 0 ? nil : UUID(),
                                                 address: n, phone: i % 3 == 0 ? nil : "09\(i)", representativeId: i % 2 == 0 ? UUID() : nil)
            #expect(h.auditJSON == (try Self.encoded(h)))
            let r = RegistryCSV.AuditedResident(householdId: UUID(), fullName: n, gender: Gender.allCases[i % 3],
                                                birthYear: i % 2 == 0 ? nil : 1900 + i * 17, relation: Relation.allCases[i % 7], phone: i % 2 == 0 ? n : nil)
            #expect(r.auditJSON == (try Self.encoded(r)))
            #expect(Audit.json(r) == (try Self.encoded(r)))
        }
    }

    @Test("a view's parameters ([String: String]): keys sorted as the encoder sorts them, both escaped alike")
    func dictionaries() throws {
        var nasty = ""
        for i in 0..<0x20 { nasty.unicodeScalars.append(UnicodeScalar(i)!) }
        nasty += "\"\\/ Nguyễn Thị Đào 😀"
        let maps: [[String: String]] = [[:], ["q": "", "rows": "50"], ["rows": "0", "q": nasty], ["Z": "1", "a": "2", "é": "3", "e": "4", nasty: "k"]]
        for m in maps {
            #expect(m.auditJSON == (try Self.encoded(m)))
            #expect(Audit.json(m) == (try Self.encoded(m)))
        }
    }
}
