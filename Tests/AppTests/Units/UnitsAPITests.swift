import Foundation
import Testing
import Vapor
import VaporTesting
@testable import App

@Suite("Units through the JSON API")
struct UnitsAPITests {
    @Test("an official builds the tree, and the summary counts what is below")
    func treeAndSummary() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            for code in ["H1", "H2", "H3"] {
                let res = try await app.api(.POST, "/api/v1/households", json: householdInput(code, village: t.village1, group: t.group11))
                #expect(res.status == .created, "\(res.text)")
            }
            _ = try await app.api(.POST, "/api/v1/households", json: householdInput("H4", village: t.village2))
            let summary = try await app.api(.GET, "/api/v1/units/\(t.commune.id)/summary").decode(UnitSummary.self)
            #expect(summary == UnitSummary(communes: nil, villages: 2, groups: 2, households: 4, residents: 4))
            let province = try await app.api(.GET, "/api/v1/units/\(t.province.id)/summary").decode(UnitSummary.self)
            #expect(province.communes == 2)
            #expect(province.villages == 3)
            #expect(province.households == 4)
            let group = try await app.api(.GET, "/api/v1/units/\(t.group11.id)/summary").decode(UnitSummary.self)
            #expect(group.households == 3)

            let children = try await app.api(.GET, "/api/v1/units?parent=\(t.commune.id)").decode(Paged<UnitDTO>.self)
            #expect(children.items.map(\.code) == ["T1", "T2"])
            #expect(children.total == 2)
        }
    }

    @Test("bad units are refused with the field at fault, and nothing is written")
    func badInput() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            let before = try await app.count("admin_units")
            let cases: [(UnitInput, String)] = [
                (UnitInput(kind: "village", code: "T1", name: "Thôn trùng mã", parentId: t.commune.id.uuidString), "code"),
                (UnitInput(kind: "commune", code: "123", name: "Xã sai mã", parentId: t.province.id.uuidString), "code"),
                (UnitInput(kind: "village", code: "T9", name: "", parentId: t.commune.id.uuidString), "name"),
                (UnitInput(kind: "village", code: "T9", name: String(repeating: "a", count: 201), parentId: t.commune.id.uuidString), "name"),
                (UnitInput(kind: "village", code: "T9", name: "Thôn mới", parentId: UUID().uuidString), "parentId"),
                (UnitInput(kind: "group", code: "T9", name: "Tổ", parentId: t.commune.id.uuidString), "parentId"),
                (UnitInput(kind: "hamlet", code: "T9", name: "Xóm"), "kind"),
                (UnitInput(kind: "village", code: "T9", name: "Thôn", parentId: t.commune.id.uuidString, validFrom: "2025-07-01", validTo: "2025-01-01"), "validTo"),
                (UnitInput(kind: "village", code: "T9", name: "Thôn", parentId: t.commune.id.uuidString, validFrom: "31/02/2025"), "validFrom"),
            ]
            for (input, field) in cases {
                let res = try await app.api(.POST, "/api/v1/units", json: input)
                #expect(res.status == .unprocessableEntity, "\(input) → \(res.status)")
                let body = try res.decode(ErrorBody.self)
                #expect(body.fields?.contains { $0.field == field } == true, "expected \(field) in \(res.text)")
            }
            #expect(try await app.count("admin_units") == before)
            // The same code in another commune is fine: codes are unique within a commune.
            let ok = try await app.api(.POST, "/api/v1/units", json: UnitInput(kind: "village", code: "T2", name: "Thôn Hạ", parentId: t.otherCommune.id.uuidString))
            #expect(ok.status == .created)
        }
    }

    @Test("errors answer in English when the client asks for it")
    func englishErrors() async throws {
        try await withTestApp { app in
            var headers = HTTPHeaders()
            headers.replaceOrAdd(name: .acceptLanguage, value: "en")
            let res = try await app.api(.POST, "/api/v1/units", json: UnitInput(kind: "province", code: "1", name: ""), headers: headers)
            let body = try res.decode(ErrorBody.self)
            #expect(body.fields?.first { $0.field == "name" }?.message == "This field is required.")
            let vi = try await app.api(.POST, "/api/v1/units", json: UnitInput(kind: "province", code: "1", name: "")).decode(ErrorBody.self)
            #expect(vi.fields?.first { $0.field == "name" }?.message == "Vui lòng điền mục này.")
            let missing = try await app.api(.GET, "/api/v1/units/\(UUID())")
            #expect(missing.status == .notFound)
            #expect(try missing.decode(ErrorBody.self).error == "not_found")
            let malformed = try await app.api(.GET, "/api/v1/units/not-a-uuid")
            #expect(malformed.status == .notFound)
        }
    }

    @Test("search ignores diacritics and case")
    func search() async throws {
        try await withTestApp { app in
            _ = try await Tree.make(app)
            let found = try await app.api(.GET, "/api/v1/units?q=song%20phuong").decode(Paged<UnitDTO>.self)
            #expect(found.items.map(\.name) == ["Xã Song Phượng"])
            let byCode = try await app.api(.GET, "/api/v1/units?q=00002").decode(Paged<UnitDTO>.self)
            #expect(byCode.items.map(\.code) == ["00002"])
            let wildcard = try await app.api(.GET, "/api/v1/units?q=%25").decode(Paged<UnitDTO>.self)
            #expect(wildcard.total == 0)
        }
    }

    @Test("a village moves to another commune; households follow; the old parent is still known for earlier dates")
    func moveVillage() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            _ = try await app.api(.POST, "/api/v1/households", json: householdInput("H1", village: t.village2))
            let moved = try await app.api(.POST, "/api/v1/units/\(t.village2.id)/move", json: MoveInput(communeId: t.otherCommune.id.uuidString, date: "2026-01-01"))
            #expect(moved.status == .ok, "\(moved.text)")
            #expect(try moved.decode(MoveResult.self).householdsMoved == 1)
            let before = try await app.api(.GET, "/api/v1/units/\(t.village2.id)/parent?on=2025-12-31").decode(UnitDTO.self)
            #expect(before.id == t.commune.id)
            let after = try await app.api(.GET, "/api/v1/units/\(t.village2.id)/parent?on=2026-01-01").decode(UnitDTO.self)
            #expect(after.id == t.otherCommune.id)
            let hh = try await app.api(.GET, "/api/v1/households?unit=\(t.otherCommune.id)").decode(Paged<HouseholdDTO>.self)
            #expect(hh.items.map(\.code) == ["H1"])
            let history = try await app.api(.GET, "/api/v1/units/\(t.village2.id)/history").decode(UnitHistoryDTO.self)
            #expect(history.parents.map(\.parent.code) == ["00001", "00002"])
            #expect(history.parents.first?.validTo == "2026-01-01")

            // Village 1 cannot follow: its code T1 is already used in the other commune. Nothing changes.
            let clash = try await app.api(.POST, "/api/v1/units/\(t.village1.id)/move", json: MoveInput(communeId: t.otherCommune.id.uuidString, date: "2026-01-01"))
            #expect(clash.status == .unprocessableEntity)
            #expect(try await app.api(.GET, "/api/v1/units/\(t.village1.id)").decode(UnitDTO.self).parentId == t.commune.id)
        }
    }

    @Test("two communes merge into a new one: the old ones end, villages and households move, successions recorded")
    func merge() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            // Make codes distinct first, as the merge demands.
            let renamed = try await app.api(.PATCH, "/api/v1/units/\(t.otherVillage.id)", json: UnitInput(code: "TM1"))
            #expect(renamed.status == .ok)
            _ = try await app.api(.POST, "/api/v1/households", json: householdInput("H1", village: t.village1))
            _ = try await app.api(.POST, "/api/v1/households", json: householdInput("H2", village: t.otherVillage))
            let res = try await app.api(.POST, "/api/v1/units/merge", json: MergeInput(
                sourceIds: [t.commune.id.uuidString, t.otherCommune.id.uuidString], targetId: nil,
                newCommune: UnitInput(code: "00009", name: "Xã Đan Phượng", parentId: t.province.id.uuidString), date: "2025-07-01"))
            #expect(res.status == .ok, "\(res.text)")
            let result = try res.decode(MoveResult.self)
            #expect(result.villagesMoved == 3)
            #expect(result.householdsMoved == 2)
            let summary = try await app.api(.GET, "/api/v1/units/\(result.target.id)/summary").decode(UnitSummary.self)
            #expect(summary.villages == 3 && summary.households == 2 && summary.groups == 2)
            let old = try await app.api(.GET, "/api/v1/units/\(t.commune.id)").decode(UnitDTO.self)
            #expect(old.validTo == "2025-07-01")
            let history = try await app.api(.GET, "/api/v1/units/\(result.target.id)/history").decode(UnitHistoryDTO.self)
            #expect(Set(history.predecessors.map(\.predecessor.code)) == ["00001", "00002"])
            let onDate = try await app.api(.GET, "/api/v1/units/\(t.village1.id)/parent?on=2025-06-30").decode(UnitDTO.self)
            #expect(onDate.code == "00001")
            // The province lists the new commune today and the old ones on a date before the merge.
            let today = try await app.api(.GET, "/api/v1/units?parent=\(t.province.id)").decode(Paged<UnitDTO>.self)
            #expect(today.items.map(\.code) == ["00009"])
            let then = try await app.api(.GET, "/api/v1/units?parent=\(t.province.id)&on=2025-06-30").decode(Paged<UnitDTO>.self)
            #expect(then.items.map(\.code) == ["00001", "00002"])
        }
    }

    @Test("a merge whose village codes clash is refused whole")
    func mergeClash() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            let before = try await app.count("admin_units")
            let res = try await app.api(.POST, "/api/v1/units/merge", json: MergeInput(
                sourceIds: [t.commune.id.uuidString, t.otherCommune.id.uuidString], targetId: nil,
                newCommune: UnitInput(code: "00009", name: "Xã Mới", parentId: t.province.id.uuidString), date: "2025-07-01"))
            #expect(res.status == .unprocessableEntity)
            #expect(res.text.contains("T1"))
            #expect(try await app.count("admin_units") == before)
            #expect(try await app.count("unit_successions") == 0)
            #expect(try await app.api(.GET, "/api/v1/units/\(t.commune.id)").decode(UnitDTO.self).validTo == nil)
        }
    }
}
