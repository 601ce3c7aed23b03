import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting
@testable import App

@Suite("Pages, as an official uses them in a browser")
struct WebTests {
    @Test("an empty database offers the demo; the pages of a commune, village, household render")
    func pages() async throws {
        try await withTestApp { app in
            let home = try await app.page("/")
            #expect(home.status == .ok)
            // Accounts exist, so the demo (whose accounts have a published password) is not offered, nor loadable.
            #expect(!home.text.contains("Tải xã mẫu"))
            #expect(try await app.form("/demo", [:]).status == .conflict)
            #expect(home.headers.first(name: "X-Frame-Options") == "DENY")
            #expect(home.headers.first(name: "Content-Security-Policy")?.contains("script-src 'self'") == true)

            let t = try await Tree.make(app)
            let h = try await app.api(.POST, "/api/v1/households", json: householdInput("SP-9", village: t.village1, name: "Phùng Thị Phượng")).decode(HouseholdDetailDTO.self)
            let commune = try await app.page("/units/\(t.commune.id)")
            #expect(commune.status == .ok)
            #expect(commune.text.contains("Xã Song Phượng") && commune.text.contains("Thôn Đông"))
            #expect(commune.text.contains("lang=\"vi\""))
            let list = try await app.page("/units/\(t.village1.id)/households?q=phuong")
            #expect(list.text.contains("SP-9"))
            let page = try await app.page("/households/\(h.household.id)")
            #expect(page.status == .ok && page.text.contains("Phùng Thị Phượng") && page.text.contains("Chủ hộ"))
            let search = try await app.page("/search?q=phung%20thi")
            #expect(search.text.contains("SP-9"))
            for path in ["/units", "/units/new?parent=\(t.commune.id)", "/units/\(t.commune.id)/edit", "/units/\(t.commune.id)/merge",
                         "/units/\(t.village1.id)/move", "/units/\(t.village1.id)/households/new", "/households/\(h.household.id)/edit",
                         "/households/\(h.household.id)/residents/new", "/units/\(t.commune.id)/import"] {
                let res = try await app.page(path)
                #expect(res.status == .ok, "\(path): \(res.status)")
            }
        }
    }

    @Test("a form with errors comes back with the messages next to the fields and the input kept; nothing is written")
    func formErrors() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            let before = try await app.count("households")
            let res = try await app.form("/units/\(t.village1.id)/households/new", ["code": "SP-1", "address": "", "phone": "0912", "repName": "Đỗ Văn Hùng", "repGender": "male", "repBirthYear": "1960"])
            #expect(res.status == .unprocessableEntity)
            #expect(res.text.contains("Số điện thoại phải có 10 chữ số"))
            #expect(res.text.contains("Vui lòng điền mục này."))
            #expect(res.text.contains("value=\"Đỗ Văn Hùng\""))
            #expect(try await app.count("households") == before)

            let ok = try await app.form("/units/\(t.village1.id)/households/new", ["code": "SP-1", "address": "Số 3", "phone": "0912345678", "repName": "Đỗ Văn Hùng", "repGender": "male", "repBirthYear": "1960", "groupId": t.group12.id.uuidString])
            #expect(ok.status == .seeOther)
            #expect(try await app.count("households") == before + 1)

            let unit = try await app.form("/units/new", ["kind": "village", "code": "T1", "name": "Thôn trùng", "parentId": t.commune.id.uuidString])
            #expect(unit.status == .unprocessableEntity)
            #expect(unit.text.contains("Mã T1 đã được dùng."))
        }
    }

    @Test("an official moves a village and merges communes through the forms")
    func moveAndMergeForms() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            let wrong = try await app.form("/units/\(t.village2.id)/move", ["communeCode": "99999", "date": "01/01/2026"])
            #expect(wrong.status == .unprocessableEntity)
            #expect(wrong.text.contains("Không có xã/phường này."))
            #expect(wrong.text.contains("value=\"99999\""))
            let moved = try await app.form("/units/\(t.village2.id)/move", ["communeCode": "00002", "date": "01/01/2026"])
            #expect(moved.status == .seeOther)
            #expect(try await app.api(.GET, "/api/v1/units/\(t.village2.id)").decode(UnitDTO.self).parentId == t.otherCommune.id)
            let page = try await app.page("/units/\(t.village2.id)")
            #expect(page.text.contains("01/01/2026") && page.text.contains("Xã Song Phượng"))

            let clash = try await app.form("/units/\(t.commune.id)/merge", ["sourceCodes": "00001, 00002", "newName": "Xã Mới", "newCode": "00009", "date": "2025-07-01"])
            #expect(clash.status == .unprocessableEntity)
            #expect(clash.text.contains("Mã trùng"))
            let merged = try await app.form("/units/\(t.commune.id)/merge", ["sourceCodes": "00001", "targetCode": "00002", "date": "2026-02-01"])
            #expect(merged.status == .unprocessableEntity, "T1 exists in both")
            _ = try await app.api(.PATCH, "/api/v1/units/\(t.otherVillage.id)", json: UnitInput(code: "TM1"))
            let ok = try await app.form("/units/\(t.commune.id)/merge", ["sourceCodes": "00001", "targetCode": "00002", "date": "2026-02-01"])
            #expect(ok.status == .seeOther)
            #expect(ok.headers.first(name: .location) == "/units/\(t.otherCommune.id.uuidString.lowercased())")
        }
    }

    @Test("the language switch turns the interface to English and back")
    func language() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            let sw = try await app.page("/lang/en?back=/units/\(t.commune.id)")
            #expect(sw.status == .seeOther)
            #expect(sw.headers.first(name: .location) == "/units/\(t.commune.id)")
            let cookie = try #require(sw.headers.setCookie?["lang"]?.string)
            let en = try await app.page("/units/\(t.commune.id)", headers: ["Cookie": "lang=\(cookie)"])
            #expect(en.text.contains("Households") && en.text.contains("lang=\"en\""))
            let vi = try await app.page("/units/\(t.commune.id)")
            #expect(vi.text.contains("Hộ gia đình"))
            let offsite = try await app.page("/lang/en?back=//evil.example")
            #expect(offsite.headers.first(name: .location) == "/")
        }
    }

    @Test("a missing or malformed id is a 404 page, not a crash")
    func notFound() async throws {
        try await withTestApp { app in
            for path in ["/units/\(UUID())", "/households/\(UUID())", "/households/nope", "/residents/\(UUID())/edit", "/nowhere"] {
                let res = try await app.page(path)
                #expect(res.status == .notFound, "\(path)")
                #expect(res.text.contains("Không tìm thấy"))
            }
        }
    }

    @Test("healthz answers when the database does")
    func health() async throws {
        try await withTestApp { app in
            let res = try await app.page("/healthz")
            #expect(res.status == .ok)
            #expect(res.text.contains("ok"))
        }
    }
}

@Suite("The demo, offered only by a fresh database")
struct DemoOfferTests {
    @Test("with no households and no accounts, the home page loads the demo and its accounts sign in")
    func fresh() async throws {
        try await withTestApp { app in
            try await ApiToken.query(on: app.db).delete()
            try await Person.query(on: app.db).delete()
            let home = try await app.anonymousPage("/")
            #expect(home.text.contains("Tải xã mẫu"))
            let cookie = try #require(home.headers.setCookie?["thonso_session"]?.string)
            let csrf = try #require(scrapeCSRF(home.text))
            let load = try await app.testing().sendRequest(.POST, "/demo", headers: ["Cookie": "thonso_session=\(cookie)"]) { req in
                try req.content.encode(["_csrf": csrf], as: .urlEncodedForm)
            }
            #expect(load.status == .seeOther)
            #expect(try await app.count("households") == 1216)
            let browser = try await app.signIn("xa", password: Demo.demoPassword)
            #expect(try await app.page("/", as: browser).text.contains("Xã Song Phượng"))
            let again = try await app.anonymousPage("/")
            #expect(!again.text.contains("Tải xã mẫu"))
        }
    }
}
