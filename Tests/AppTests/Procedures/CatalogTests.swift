import Foundation
import Testing
import Vapor
import VaporTesting
@testable import App

@Suite("Procedures: the catalog and the public guide")
struct ProceduresCatalogTests {
    @Test("a commune's catalog is seeded once with the five procedures, and an official edits and adds to it")
    func catalog() async throws {
        try await withTestApp { app in
            let f = try await ProcFixture.make(app)
            let list = try await f.catalog(app)
            #expect(list.map(\.key) == ["birthRegistration", "deathRegistration", "marriageRegistration", "maritalStatusConfirmation", "certificationCopy", "certificationSignature"])
            let birth = try #require(list.first)
            #expect(birth.nationalCode == "1.001193" && birth.name == "Đăng ký khai sinh" && birth.workingDays == 0)
            #expect(birth.dossier.count == 4 && birth.guideUrl == "/p/00001/birthRegistration")
            #expect(try await f.catalog(app).count == 6)
            #expect(try await app.count("procedures") == 6)

            let patched = try await app.api(.PATCH, "/api/v1/procedures/\(birth.id)", json: ProcedureInput(fee: "Miễn phí"), token: f.officerToken)
            #expect(patched.status == .ok, "\(patched.text)")
            #expect(try patched.decode(ProcedureDTO.self).fee == "Miễn phí")

            let new = ProcedureInput(key: "adoption", name: "Đăng ký nuôi con nuôi", nationalCode: "1.003005", summary: "Nhận con nuôi trong nước.",
                                     steps: "Nộp hồ sơ\nNhận kết quả", dossier: "Tờ khai\nGiấy khám sức khỏe", timeLimit: "30 ngày", workingDays: 20, fee: "400.000 đ")
            let created = try await app.api(.POST, "/api/v1/communes/\(f.tree.commune.id)/procedures", json: new, token: f.officerToken)
            #expect(created.status == .created)
            #expect(try created.decode(ProcedureDTO.self).steps == ["Nộp hồ sơ", "Nhận kết quả"])

            // Bad input: the field at fault, in the reader's language, and nothing written.
            let before = try await app.count("procedures")
            let dup = try await app.api(.POST, "/api/v1/communes/\(f.tree.commune.id)/procedures", json: new, token: f.officerToken)
            #expect(dup.status == .unprocessableEntity)
            #expect(try dup.decode(ErrorBody.self).fields?.map(\.field) == ["key"])
            var bad = new
            bad.key = "other"; bad.onlineUrl = "ftp://x"; bad.workingDays = 99; bad.name = ""
            let badRes = try await app.api(.POST, "/api/v1/communes/\(f.tree.commune.id)/procedures", json: bad, headers: ["Accept-Language": "en"], token: f.officerToken)
            let body = try badRes.decode(ErrorBody.self)
            #expect(Set(body.fields?.map(\.field) ?? []) == ["name", "onlineUrl", "workingDays"])
            #expect(body.fields?.first { $0.field == "workingDays" }?.message == "Working days: a whole number from 0 to 60.")
            #expect(try await app.count("procedures") == before)

            // Another commune's justice officer does not see this catalog or its rows.
            #expect(try await app.api(.GET, "/api/v1/procedures/\(birth.id)", token: f.otherOfficerToken).status == .notFound)
            #expect(try await app.api(.GET, "/api/v1/communes/\(f.tree.commune.id)/procedures", token: f.otherOfficerToken).status == .notFound)
            #expect(try await app.count("audit_events") > 0)
        }
    }

    @Test("the catalog pages: list, add with errors kept next to the fields, edit")
    func pages() async throws {
        try await withTestApp { app in
            let f = try await ProcFixture.make(app)
            let page = try await app.page("/communes/\(f.tree.commune.id)/procedures", as: f.officer)
            #expect(page.status == .ok && page.text.contains("Đăng ký khai sinh") && page.text.contains("Chứng thực chữ ký"))
            let bad = try await app.form("/communes/\(f.tree.commune.id)/procedures/new", ["key": "x y", "name": "Thủ tục mới"], as: f.officer)
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.text.contains("Mã ngắn chỉ gồm chữ cái") && bad.text.contains("value=\"Thủ tục mới\""))
            #expect(try await app.count("procedures") == 6)
            let ok = try await app.form("/communes/\(f.tree.commune.id)/procedures/new", [
                "key": "homeReturn", "name": "Thủ tục thử", "summary": "Một dòng.", "steps": "Bước 1", "dossier": "Tờ khai",
                "timeLimit": "Trong ngày", "workingDays": "0", "fee": "Miễn phí"], as: f.officer)
            #expect(ok.status == .seeOther)
            let p = try await f.procedure(app, "homeReturn")
            let edit = try await app.form("/procedures/\(p.id)/edit", ["name": "Thủ tục đã sửa", "summary": "x", "steps": "a", "dossier": "b",
                                                                       "timeLimit": "c", "workingDays": "2", "fee": "d"], as: f.officer)
            #expect(edit.status == .seeOther)
            #expect(try await f.procedure(app, "homeReturn").name == "Thủ tục đã sửa")
            #expect(try await f.procedure(app, "homeReturn").workingDays == 2)
        }
    }

    @Test("the public guide needs no sign-in, no script, and prints on one page")
    func guide() async throws {
        try await withTestApp { app in
            _ = try await ProcFixture.make(app)
            let res = try await app.anonymousPage("/p/00001/marriageRegistration")
            #expect(res.status == .ok)
            #expect(res.text.contains("Đăng ký kết hôn") && res.text.contains("1.000894") && res.text.contains("Thành phần hồ sơ"))
            #expect(res.text.contains("Xã Song Phượng"))
            #expect(!res.text.contains("<script"))
            let en = try await app.anonymousPage("/p/00001/marriageRegistration?lang=en")
            #expect(en.text.contains("Papers of the dossier"))
            #expect(try await app.anonymousPage("/p/00001/noSuchThing").status == .notFound)
            #expect(try await app.anonymousPage("/p/99999/birthRegistration").status == .notFound)
            // A commune that has not opened its catalog has no guides yet, and a visit writes nothing.
            let before = try await app.count("procedures")
            #expect(try await app.anonymousPage("/p/00002/birthRegistration").status == .notFound)
            #expect(try await app.count("procedures") == before)
        }
    }
}
