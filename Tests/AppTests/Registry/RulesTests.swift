import Foundation
import Testing
import Vapor
import VaporTesting
@testable import App

/// One set of rules per record: a household and a resident are checked by `HouseholdInput.validate` and
/// `ResidentInput.validate` (Features/Registry/Registry+Rules.swift) on the web form, the JSON API and the import.
@Suite("Households and residents: one set of rules on every path")
struct RulesTests {
    static let vi = Lang.vi
    static let thisYear = Int(Day.today().prefix(4))!

    // MARK: the rules themselves

    @Test("a resident's rules: name required, at most 120 characters, no control characters; gender, relation, year, phone")
    func residentRules() throws {
        func issues(_ input: ResidentInput) -> [String] {
            var c = Checker()
            _ = input.validate(into: &c, thisYear: 2026)
            return c.issues.map { "\($0.field):\($0.key)" }
        }
        #expect(issues(ResidentInput(fullName: "  ")) == ["fullName:error.required"])
        #expect(issues(ResidentInput(fullName: String(repeating: "a", count: 121))) == ["fullName:error.tooLong"])
        #expect(issues(ResidentInput(fullName: "Nguyễn\u{7}Văn An")) == ["fullName:error.controlChars"])
        #expect(issues(ResidentInput(fullName: "Nguyễn\u{85}Văn An")) == ["fullName:error.controlChars"])
        #expect(issues(ResidentInput(fullName: "An", gender: "nam", relation: "cụ")) == ["gender:error.gender", "relation:error.relation"])
        #expect(issues(ResidentInput(fullName: "An", birthYear: 1899)) == ["birthYear:error.birthYear"])
        #expect(issues(ResidentInput(fullName: "An", birthYear: 2027)) == ["birthYear:error.birthYear"])
        #expect(issues(ResidentInput(fullName: "An", birthYearText: "19x0")) == ["birthYear:error.birthYear"])
        #expect(issues(ResidentInput(fullName: "An", phone: "0123")) == ["phone:error.phone"])
        // A blank typed year leaves the year as given; a typed one wins.
        let kept = try ResidentInput(fullName: "An", birthYear: 1970, birthYearText: " ").validate(thisYear: 2026)
        #expect(kept.birthYear == 1970)
        let typed = try ResidentInput(fullName: "  Lê Thi\u{301} Hoa ", gender: " female ", relation: "spouse", phone: "+84 912.345.678",
                                      birthYearText: " 1972 ").validate(thisYear: 2026)
        #expect(typed == ResidentFields(name: "Lê Thí Hoa", gender: .female, birthYear: 1972, relation: .spouse, phone: "0912345678"))
        // Blank choices take their defaults.
        let plain = try ResidentInput(fullName: "An", gender: "", relation: " ").validate(thisYear: 2026)
        #expect(plain.gender == .unknown && plain.relation == .other && plain.birthYear == nil && plain.phone == nil)
    }

    @Test("a household's rules: code required and local, address required unless a file's row continues a household, phone, the representative as a resident")
    func householdRules() throws {
        func issues(_ input: HouseholdInput, addressRequired: Bool = true) -> [String] {
            var c = Checker()
            _ = input.validate(into: &c, addressRequired: addressRequired, thisYear: 2026)
            return c.issues.map { "\($0.field):\($0.key)" }
        }
        #expect(issues(HouseholdInput(code: "", address: "")) == ["code:error.required", "address:error.required"])
        #expect(issues(HouseholdInput(code: "SP-1", address: ""), addressRequired: false) == [])
        #expect(issues(HouseholdInput(code: "SP 1/2", address: "Số 1")) == ["code:error.localCode"])
        #expect(issues(HouseholdInput(code: "SP-1", address: "Số\u{1B}1", phone: "12")) == ["address:error.controlChars", "phone:error.phone"])
        #expect(issues(HouseholdInput(code: "SP-1", address: String(repeating: "x", count: 301))) == ["address:error.tooLong"])
        #expect(issues(HouseholdInput(code: "SP-1", address: "Số 1", representative: ResidentInput(fullName: "", birthYear: 1800)))
                == ["representative.fullName:error.required", "representative.birthYear:error.birthYear"])
        let ok = try HouseholdInput(code: " SP-1 ", address: " Số 1 ", phone: "0912 345 678",
                                    representative: ResidentInput(fullName: "An")).validate(thisYear: 2026)
        #expect(ok.code == "SP-1" && ok.address == "Số 1" && ok.phone == "0912345678" && ok.representative?.name == "An")
        // The import's multi-line check and others keep their meaning: a line break is a control character in one line.
        var c = Checker()
        _ = c.text("note", "a\nb", max: 10, multiline: true)
        _ = c.text("name", "a\nb", max: 10)
        #expect(c.issues.map(\.field) == ["name"])
    }

    // MARK: the same input on every path

    /// The message shown under a form's field `id`, if any.
    static func formError(_ html: String, _ id: String) -> String? {
        guard let at = html.range(of: "id=\"\(id)\"") else { return nil }
        let rest = html[at.upperBound...]
        let end = rest.range(of: "</div>")?.lowerBound ?? rest.endIndex
        guard let open = rest.range(of: "<p class=\"error\">", range: rest.startIndex..<end),
              let close = rest.range(of: "</p>", range: open.upperBound..<end) else { return nil }
        return String(rest[open.upperBound..<close.lowerBound])
    }

    /// The API's message for `field`, if any.
    static func apiError(_ res: TestingHTTPResponse, _ field: String) throws -> String? {
        try res.decode(ErrorBody.self).fields?.first { $0.field == field }?.message
    }

    static let header = "household_code,village_code,group_code,address,household_phone,full_name,gender,birth_year,relation,phone,representative\n"

    @Test("a control character in a name or an address: the same field error on the form, the API and the import upload; nothing is written")
    func controlCharacters() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            let existing = try await app.api(.POST, "/api/v1/households", json: householdInput("SP-0", village: t.village1)).decode(HouseholdDetailDTO.self)
            let (households, residents) = (try await app.count("households"), try await app.count("residents"))
            let message = Self.vi.t("error.controlChars")
            #expect(message == "Có ký tự không hợp lệ.")
            let name = "Nguyễn\u{7}Văn An", address = "Số 1\u{1}ngõ 2"

            // A new household's representative and address.
            let api = try await app.api(.POST, "/api/v1/households", json: householdInput("SP-1", village: t.village1, name: name, address: address))
            #expect(api.status == .unprocessableEntity)
            #expect(try Self.apiError(api, "representative.fullName") == message)
            #expect(try Self.apiError(api, "address") == message)
            let form = try await app.form("/units/\(t.village1.id)/households/new", ["code": "SP-1", "address": address, "repName": name, "repGender": "male", "repBirthYear": "1970"])
            #expect(form.status == .unprocessableEntity)
            #expect(Self.formError(form.text, "repName") == message)
            #expect(Self.formError(form.text, "address") == message)
            let upload = try await app.upload("/units/\(t.commune.id)/import", filename: "ho.csv",
                                              data: Data((Self.header + "SP-1,T1,,\"\(address)\",,\(name),nam,1970,chủ hộ,,\n").utf8))
            #expect(upload.status == .unprocessableEntity)
            #expect(upload.text.contains("<td>2</td><td class=\"code\">full_name</td><td>\(message)</td>"), "\(upload.text)")
            #expect(upload.text.contains("<td>2</td><td class=\"code\">address</td><td>\(message)</td>"))
            do {
                _ = try await RegistryCSV.importFile(Data((Self.header + "SP-1,T1,,Số 1,,\(name),nam,1970,chủ hộ,,\n").utf8),
                                                     into: try #require(await AdminUnit.find(t.commune.id, on: app.db)), on: app.db)
                Issue.record("a control character must not import")
            } catch let e as InvalidInput {
                #expect(e.issues == [FieldIssue("full_name", "error.controlChars", line: 2)])
            }

            // A resident added to a household, and one changed.
            let hid = existing.household.id
            let newResident = try await app.api(.POST, "/api/v1/residents", json: ResidentInput(householdId: hid.uuidString, fullName: name))
            #expect(newResident.status == .unprocessableEntity)
            #expect(try Self.apiError(newResident, "fullName") == message)
            let residentForm = try await app.form("/households/\(hid)/residents/new", ["fullName": name, "gender": "male", "relation": "child"])
            #expect(residentForm.status == .unprocessableEntity)
            #expect(Self.formError(residentForm.text, "fullName") == message)
            let rid = existing.residents[0].id
            let patched = try await app.api(.PATCH, "/api/v1/residents/\(rid)", json: ResidentInput(fullName: name))
            #expect(try Self.apiError(patched, "fullName") == message)
            let edited = try await app.form("/residents/\(rid)/edit", ["fullName": name, "gender": "male", "relation": "head"])
            #expect(Self.formError(edited.text, "fullName") == message)
            let editedHousehold = try await app.form("/households/\(hid)/edit", ["code": "SP-0", "address": address, "representativeId": rid.uuidString])
            #expect(Self.formError(editedHousehold.text, "address") == message)
            let patchedHousehold = try await app.api(.PATCH, "/api/v1/households/\(hid)", json: HouseholdInput(address: address))
            #expect(try Self.apiError(patchedHousehold, "address") == message)

            #expect(try await app.count("households") == households)
            #expect(try await app.count("residents") == residents)
            let after = try await app.api(.GET, "/api/v1/households/\(hid)").decode(HouseholdDetailDTO.self)
            #expect(after.household.address == existing.household.address && after.residents.map(\.fullName) == existing.residents.map(\.fullName))
        }
    }

    @Test("a birth year out of range, or typed as no number, has the same message on the form, the API and the import")
    func birthYears() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            let message = Self.vi.t("error.birthYear", [String(Self.thisYear)])
            let api = try await app.api(.POST, "/api/v1/households", json: HouseholdInput(
                code: "SP-1", villageId: t.village1.id.uuidString, address: "Số 1",
                representative: ResidentInput(fullName: "An", birthYear: 1800)))
            #expect(try Self.apiError(api, "representative.birthYear") == message)
            for typed in ["1800", "mười"] {
                let form = try await app.form("/units/\(t.village1.id)/households/new", ["code": "SP-1", "address": "Số 1", "repName": "An", "repGender": "male", "repBirthYear": typed])
                #expect(form.status == .unprocessableEntity)
                #expect(Self.formError(form.text, "repBirthYear") == message, "\(typed)")
                let upload = try await app.upload("/units/\(t.commune.id)/import", filename: "ho.csv",
                                                  data: Data((Self.header + "SP-1,T1,,Số 1,,An,nam,\(typed),chủ hộ,,\n").utf8))
                #expect(upload.text.contains("<td>2</td><td class=\"code\">birth_year</td><td>\(message)</td>"), "\(typed)")
            }
            #expect(try await app.count("households") == 0)
        }
    }

    @Test("the representative: required on the new-household form, optional on the API and in a file, and a household's first resident becomes it on every path")
    func representative() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            // The form holds the first resident's fields: a household created there has its representative.
            let form = try await app.form("/units/\(t.village1.id)/households/new", ["code": "F-1", "address": "Số 1", "repName": " ", "repGender": "male"])
            #expect(form.status == .unprocessableEntity)
            #expect(Self.formError(form.text, "repName") == Self.vi.t("error.required"))
            // A gender that is not one of the choices (a changed form) is named on its own field.
            let gender = try await app.form("/units/\(t.village1.id)/households/new", ["code": "F-1", "address": "Số 1", "repName": "An", "repGender": "nam giới"])
            #expect(gender.status == .unprocessableEntity)
            #expect(Self.formError(gender.text, "repGender") == Self.vi.t("error.gender"))
            // The API and a file may register a household without residents: it has no representative.
            let api = try await app.api(.POST, "/api/v1/households", json: HouseholdInput(code: "A-1", villageId: t.village1.id.uuidString, address: "Số 2"))
            #expect(api.status == .created)
            #expect(try api.decode(HouseholdDetailDTO.self).household.representativeId == nil)
            let upload = try await app.upload("/units/\(t.commune.id)/import", filename: "ho.csv", data: Data((Self.header + "I-1,T1,,Số 3,,,,,,,\n").utf8))
            #expect(upload.status == .ok, "\(upload.text)")
            for code in ["A-1", "I-1"] {
                let h = try #require(try await app.api(.GET, "/api/v1/households?q=\(code)").decode(Paged<HouseholdDTO>.self).items.first)
                #expect(h.representativeId == nil)
                // Its first resident, added on the form, becomes its representative.
                let added = try await app.form("/households/\(h.id)/residents/new", ["fullName": "Người \(code)", "gender": "female", "relation": "head"])
                #expect(added.status == .seeOther)
                let detail = try await app.api(.GET, "/api/v1/households/\(h.id)").decode(HouseholdDetailDTO.self)
                #expect(detail.household.representativeName == "Người \(code)")
            }
            // A file naming two representatives of one household is refused at the second.
            let two = Self.header + "I-2,T1,,Số 4,,An,nam,1970,chủ hộ,,x\nI-2,,,,,Bình,nữ,1972,vợ,,x\n"
            let refused = try await app.upload("/units/\(t.commune.id)/import", filename: "ho.csv", data: Data(two.utf8))
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.text.contains("<td>3</td><td class=\"code\">representative</td>"))
        }
    }
}
