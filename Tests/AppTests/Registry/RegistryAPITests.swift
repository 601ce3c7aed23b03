import Foundation
import Testing
import Vapor
import VaporTesting
@testable import App

@Suite("Households and residents through the JSON API")
struct RegistryAPITests {
    @Test("a household is created with its representative, found, paginated and updated")
    func lifecycle() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            let res = try await app.api(.POST, "/api/v1/households", json: householdInput("SP-001", village: t.village1, group: t.group11, name: "Nguyễn Văn A", address: "Xóm Phượng, ngõ 3", phone: "0912 345 678"))
            #expect(res.status == .created)
            let detail = try res.decode(HouseholdDetailDTO.self)
            #expect(detail.household.phone == "0912345678")
            #expect(detail.household.representativeName == "Nguyễn Văn A")
            #expect(detail.residents.count == 1 && detail.residents[0].isRepresentative)
            #expect(detail.household.communeId == t.commune.id)

            // A second resident becomes the representative.
            let r2 = try await app.api(.POST, "/api/v1/residents", json: ResidentInput(householdId: detail.household.id.uuidString, fullName: "Trần Thị Bình", gender: "female", birthYear: 1975, relation: "spouse", phone: "0999000002", isRepresentative: true))
            #expect(r2.status == .created)
            let bình = try r2.decode(ResidentDTO.self)
            let after = try await app.api(.GET, "/api/v1/households/\(detail.household.id)").decode(HouseholdDetailDTO.self)
            #expect(after.household.representativeId == bình.id)
            #expect(after.residents.filter(\.isRepresentative).map(\.fullName) == ["Trần Thị Bình"])

            // Search: no diacritics, any case, by name, address or phone.
            for q in ["nguyen%20van%20a", "NGUYEN", "tran%20thi", "phuong", "0912345678"] {
                let found = try await app.api(.GET, "/api/v1/households?unit=\(t.commune.id)&q=\(q)").decode(Paged<HouseholdDTO>.self)
                #expect(found.items.map(\.code) == ["SP-001"], "query \(q)")
            }
            let residents = try await app.api(.GET, "/api/v1/residents?q=tran%20thi%20binh").decode(Paged<ResidentDTO>.self)
            #expect(residents.items.map(\.fullName) == ["Trần Thị Bình"])

            let patched = try await app.api(.PATCH, "/api/v1/households/\(detail.household.id)", json: HouseholdInput(address: "Số 9, ngõ 9"))
            #expect(patched.status == .ok)
            #expect(try patched.decode(HouseholdDetailDTO.self).household.address == "Số 9, ngõ 9")
            let rp = try await app.api(.PATCH, "/api/v1/residents/\(bình.id)", json: ResidentInput(phone: "12345"))
            #expect(rp.status == .unprocessableEntity)
        }
    }

    @Test("lists paginate")
    func pagination() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            for i in 1...5 { _ = try await app.api(.POST, "/api/v1/households", json: householdInput("H\(i)", village: t.village1)) }
            let p1 = try await app.api(.GET, "/api/v1/households?unit=\(t.village1.id)&per=2").decode(Paged<HouseholdDTO>.self)
            let p3 = try await app.api(.GET, "/api/v1/households?unit=\(t.village1.id)&per=2&page=3").decode(Paged<HouseholdDTO>.self)
            #expect(p1.total == 5 && p1.items.map(\.code) == ["H1", "H2"])
            #expect(p3.items.map(\.code) == ["H5"])
            // The total comes with the page's rows (a window count), on every page; a page past the end counts apart.
            #expect(p3.total == 5)
            let p4 = try await app.api(.GET, "/api/v1/households?unit=\(t.village1.id)&per=2&page=4").decode(Paged<HouseholdDTO>.self)
            #expect(p4.items.isEmpty && p4.total == 5)
            let found = try await app.api(.GET, "/api/v1/households?unit=\(t.village1.id)&per=1&q=H3").decode(Paged<HouseholdDTO>.self)
            #expect(found.total == 1 && found.items.map(\.code) == ["H3"])
            let none = try await app.api(.GET, "/api/v1/households?unit=\(t.village2.id)&per=2").decode(Paged<HouseholdDTO>.self)
            #expect(none.total == 0 && none.items.isEmpty)
        }
    }

    @Test("bad households are refused with the field at fault, and nothing is written")
    func badInput() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            _ = try await app.api(.POST, "/api/v1/households", json: householdInput("H1", village: t.village1))
            let hh = try await app.count("households"), rs = try await app.count("residents")
            let cases: [(HouseholdInput, String)] = [
                (householdInput("H1", village: t.village1), "code"),
                (householdInput("H2", village: t.village2, group: t.group11), "groupId"),
                (householdInput("H2", village: t.village1, phone: "09123"), "phone"),
                (householdInput("H2", village: t.village1, name: ""), "representative.fullName"),
                (householdInput("H2", village: t.village1, address: String(repeating: "x", count: 301)), "address"),
                (householdInput("H 2", village: t.village1), "code"),
                (HouseholdInput(code: "H2", villageId: t.commune.id.uuidString, address: "x"), "villageId"),
            ]
            for (input, field) in cases {
                let res = try await app.api(.POST, "/api/v1/households", json: input)
                #expect(res.status == .unprocessableEntity, "\(field): \(res.status)")
                #expect(try res.decode(ErrorBody.self).fields?.contains { $0.field == field } == true, "\(field): \(res.text)")
            }
            #expect(try await app.count("households") == hh)
            #expect(try await app.count("residents") == rs)
            let notJSON = try await app.testing().sendRequest(.POST, "/api/v1/households", headers: ["Content-Type": "application/json", "Authorization": "Bearer \(app.testAuth.token)"], body: ByteBuffer(string: "{oops"))
            #expect(notJSON.status == .badRequest)
        }
    }
}
