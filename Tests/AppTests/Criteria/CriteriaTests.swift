// Criteria through HTTP as officials use them: the shipped starter set, a set of one's own, evaluations of a village
// and its commune as of a day (roll-ups summed exactly), the rows behind a figure, manual values, bad definitions
// refused with the field at fault, and the scope of every route (docs/criteria.md).
import Foundation
import Testing
import Vapor
import VaporTesting
@testable import App

@Suite("Criteria")
struct CriteriaTests {
    /// Households of village T1 (A1–A3) and T2 (B1, B2) with their profiles; a set "T" of the commune with one
    /// criterion: households with a smartphone user ≥ 60 %.
    struct Fixture {
        var tree: Tree
        var households: [String: UUID]
        var set: CriteriaSetDTO
        var criterion: CriterionDTO
    }

    static func fixture(_ app: Application) async throws -> Fixture {
        let t = try await Tree.make(app)
        var ids: [String: UUID] = [:]
        for (code, village) in [("A1", t.village1), ("A2", t.village1), ("A3", t.village1), ("B1", t.village2), ("B2", t.village2)] {
            let res = try await app.api(.POST, "/api/v1/households", json: householdInput(code, village: village, phone: nil))
            #expect(res.status == .created, "\(res.text)")
            ids[code] = try res.decode(HouseholdDetailDTO.self).household.id
        }
        for (code, day, phones) in [("A1", "2025-01-10", 1), ("A2", "2025-06-01", 1), ("A3", "2025-01-10", 0), ("B1", "2025-01-10", 1)] {
            let res = try await app.api(.POST, "/api/v1/households/\(ids[code]!)/profile",
                                        json: ProfileInput(asOf: day, profile: ProfileAnswers(internet: "mobile", smartphoneUsers: phones), consent: true))
            #expect(res.status.code < 300, "\(code): \(res.text)")
        }
        let set = try await app.api(.POST, "/api/v1/criteria/sets", json: CriteriaSetInput(ownerUnitId: t.commune.id.uuidString, code: "T", name: "Bộ thử của xã"))
        #expect(set.status == .created, "\(set.text)")
        let s = try set.decode(CriteriaSetDTO.self)
        let c = try await app.api(.POST, "/api/v1/criteria/sets/\(s.id)/criteria",
                                  json: CriterionInput(code: "C1", name: "Hộ có điện thoại thông minh", measureKey: "households.smartphone",
                                                       thresholdKind: "shareAtLeast", thresholdValue: 60, unitKind: "village", mandatory: true))
        #expect(c.status == .created, "\(c.text)")
        return Fixture(tree: t, households: ids, set: s, criterion: try c.decode(CriterionDTO.self))
    }

    static func evaluation(_ app: Application, _ unit: UUID, set: UUID? = nil, on day: String? = nil, token: String? = nil) async throws -> EvaluationDTO {
        var q: [String] = []
        if let set { q.append("set=\(set)") }
        if let day { q.append("on=\(day)") }
        let res = try await app.api(.GET, "/api/v1/criteria/units/\(unit)/evaluation" + (q.isEmpty ? "" : "?" + q.joined(separator: "&")), token: token)
        #expect(res.status == .ok, "\(res.text)")
        return try res.decode(EvaluationDTO.self)
    }

    @Test("the starter set SV-01…SV-14 is shipped, every criterion on a measure of the library valid for its unit kind")
    func starter() async throws {
        try await withTestApp { app in
            let measures = try await app.api(.GET, "/api/v1/criteria/measures").decode([MeasureDTO].self)
            let byKey = Dictionary(uniqueKeysWithValues: measures.map { ($0.key, $0) })
            #expect(byKey["households.smartphone"]?.nameVi == "Hộ có người dùng điện thoại thông minh")
            let sets = try await app.api(.GET, "/api/v1/criteria/sets").decode([CriteriaSetDTO].self)
            let sv = try #require(sets.first { $0.code == "SV" && $0.ownerUnitId == nil })
            let full = try await app.api(.GET, "/api/v1/criteria/sets/\(sv.id)").decode(CriteriaSetDTO.self)
            let criteria = try #require(full.criteria)
            #expect(criteria.map(\.code) == (1...14).map { String(format: "SV-%02d", $0) })
            for c in criteria {
                let m = try #require(byKey[c.measureKey ?? ""], "\(c.code)")
                #expect(m.unitKinds.contains(c.unitKind), "\(c.code)")
                if c.thresholdKind == .shareAtLeast { #expect(m.hasDenominator && (0...100).contains(c.thresholdValue ?? -1), "\(c.code)") }
            }
            #expect(criteria.first { $0.code == "SV-01" }?.thresholdValue == 100)
            #expect(criteria.first { $0.code == "SV-13" }?.unitKind == .commune)
            // A village is judged on it with the commune's figure for SV-13; with no records every mandatory one fails.
            let t = try await Tree.make(app)
            let e = try await Self.evaluation(app, t.village1.id, set: sv.id)
            #expect(e.criteria.count == 14)
            #expect(e.criteria.first { $0.criterion.code == "SV-13" }?.judgedOn?.id == t.commune.id)
            #expect(e.passes == false)
            #expect(e.missing.contains("SV-01") && !e.missing.contains("SV-13") && !e.missing.contains("SV-14"))
        }
    }

    @Test("a village is counted from its profiles as of a day; its commune's figure is the sum of its villages' numerators and denominators")
    func rollUp() async throws {
        try await withTestApp { app in
            let f = try await Self.fixture(app)
            let t = f.tree
            let v1 = try await Self.evaluation(app, t.village1.id, set: f.set.id)
            let c1 = try #require(v1.criteria.first)
            #expect(c1.numerator == 2 && c1.denominator == 3 && c1.passes == true && v1.passes == true)
            #expect(abs((c1.value ?? 0) - 200.0 / 3) < 1e-9)
            let v2 = try await Self.evaluation(app, t.village2.id, set: f.set.id)
            let c2 = try #require(v2.criteria.first)
            #expect(c2.numerator == 1 && c2.denominator == 2 && c2.passes == false && v2.passes == false && v2.missing == ["C1"])
            // The commune: 3 of 5 households, not the average of 66.7 % and 50 %; one village of two passes.
            let commune = try await Self.evaluation(app, t.commune.id, set: f.set.id)
            let cc = try #require(commune.criteria.first)
            #expect(cc.rolledUp && cc.numerator == c1.numerator! + c2.numerator! && cc.denominator == c1.denominator! + c2.denominator!)
            #expect(cc.value == 60 && cc.unitsPassing == 1 && cc.units == 2 && commune.passes == nil)
            #expect(commune.below.map(\.unit.id) == [t.village1.id, t.village2.id])
            #expect(commune.below.map(\.passes) == [true, false] && commune.below[1].failing == ["C1"])
            // The province (with a copy of the set, owned by the province: the commune's does not judge it): the same
            // sums over its communes' villages (the other commune's village has no households).
            let copy = try await app.api(.POST, "/api/v1/criteria/sets", json: CriteriaSetInput(ownerUnitId: t.province.id.uuidString, code: "P", name: "Của tỉnh", copyFrom: f.set.id.uuidString))
            #expect(copy.status == .created, "\(copy.text)")
            let notHere = try await app.api(.GET, "/api/v1/criteria/units/\(t.province.id)/evaluation?set=\(f.set.id)")
            #expect(try notHere.status == .unprocessableEntity && notHere.decode(ErrorBody.self).fields?.first?.field == "set")
            let province = try await Self.evaluation(app, t.province.id, set: try copy.decode(CriteriaSetDTO.self).id)
            #expect(province.criteria.first?.numerator == 3 && province.criteria.first?.denominator == 5 && province.criteria.first?.units == 3)
            // As of 1 March 2025, A2's profile (June) is not there yet.
            let march = try await Self.evaluation(app, t.village1.id, set: f.set.id, on: "2025-03-01")
            #expect(march.criteria.first?.numerator == 1 && march.passes == false && march.on == "2025-03-01")
            // The rows behind the figure and those it leaves out.
            let missing = try #require(c1.missingURL)
            let left = try await app.api(.GET, missing).decode(MeasureRowsDTO.self)
            #expect(left.rows.map(\.code) == ["A3"] && left.rows.first?.url == SiteURL.household(f.households["A3"]!))
            let counted = try await app.api(.GET, try #require(c1.rowsURL)).decode(MeasureRowsDTO.self)
            #expect(counted.rows.map(\.code) == ["A1", "A2"])
            // The commune's rows of a village measure: the field at fault.
            let wrong = try await app.api(.GET, "/api/v1/criteria/units/\(t.commune.id)/rows?measure=households.smartphone")
            #expect(try wrong.status == .unprocessableEntity && (wrong.decode(ErrorBody.self).fields?.first?.field) == "measure")
            let badDay = try await app.api(.GET, "/api/v1/criteria/units/\(t.village1.id)/evaluation?on=31/02/2025")
            #expect(try badDay.status == .unprocessableEntity && (badDay.decode(ErrorBody.self).fields?.first?.field) == "on")
        }
    }

    @Test("the village page says what passes and what is missing, in Vietnamese, each figure a link to its rows; the commune page sets its villages side by side")
    func pages() async throws {
        try await withTestApp { app in
            let f = try await Self.fixture(app)
            let t = f.tree
            // The commune's own set is the nearest: it is the default.
            let village = try await app.page("/criteria/units/\(t.village2.id)")
            #expect(village.status == .ok)
            #expect(village.text.contains("Thôn thông minh: chưa đạt") && village.text.contains("Còn thiếu: C1"))
            #expect(village.text.contains("1/2 (50%)") && village.text.contains("≥ 60%"))
            #expect(village.text.contains("/criteria/units/\(t.village2.id.uuidString.lowercased())/rows?measure=households.smartphone"))
            let rows = try await app.page("/criteria/units/\(t.village2.id)/rows?measure=households.smartphone&missing=1")
            #expect(rows.status == .ok && rows.text.contains("B2") && !rows.text.contains(">B1<"))
            let commune = try await app.page("/criteria/units/\(t.commune.id)")
            #expect(commune.text.contains("1/2 thôn đạt") && commune.text.contains("Thôn Đông") && commune.text.contains("Thôn Đoài"))
            let english = try await app.page("/criteria/units/\(t.village1.id)", headers: ["Cookie": "lang=en"])
            #expect(english.text.contains("Smart village: passes") && english.text.contains("2/3 (66.7%)"))
            let index = try await app.page("/criteria")
            #expect(index.status == .ok && index.text.contains("Bộ thử của xã"))
        }
    }

    @Test("assets are counted when working on the day; the faulty one is in the rows left out")
    func assets() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            for (name, unit) in [("Camera đầu ngõ", t.group11), ("Camera nhà văn hóa", t.village1)] {
                let res = try await app.api(.POST, "/api/v1/assets", json: AssetInput(kind: "camera", name: name, unitId: unit.id.uuidString, latitude: 21.08, longitude: 105.67))
                #expect(res.status == .created, "\(res.text)")
                if name == "Camera nhà văn hóa" {
                    let id = try res.decode(AssetDetailDTO.self).asset.id
                    #expect(try await app.api(.POST, "/api/v1/assets/\(id)/status", json: AssetStatusInput(status: "faulty")).status == .ok)
                }
            }
            let set = try await app.api(.POST, "/api/v1/criteria/sets", json: CriteriaSetInput(ownerUnitId: t.commune.id.uuidString, code: "CAM", name: "Camera")).decode(CriteriaSetDTO.self)
            let made = try await app.api(.POST, "/api/v1/criteria/sets/\(set.id)/criteria",
                                         json: CriterionInput(code: "CAM-1", name: "Camera", measureKey: "assets.camera.working", thresholdKind: "countAtLeast", thresholdValue: 2, unitKind: "village"))
            #expect(made.status == .created, "\(made.text)")
            let e = try await Self.evaluation(app, t.village1.id, set: set.id)
            #expect(e.criteria.first?.numerator == 1 && e.criteria.first?.passes == false)
            let left = try await app.api(.GET, try #require(e.criteria.first?.missingURL)).decode(MeasureRowsDTO.self)
            #expect(left.rows.map(\.code) == ["Camera nhà văn hóa"] && left.rows.first?.detail == "status.faulty")
        }
    }

    @Test("a bad definition is refused with the field at fault and writes nothing")
    func badDefinitions() async throws {
        try await withTestApp { app in
            let f = try await Self.fixture(app)
            let path = "/api/v1/criteria/sets/\(f.set.id)/criteria"
            func field(_ input: CriterionInput) async throws -> String? {
                let res = try await app.api(.POST, path, json: input)
                #expect(res.status == .unprocessableEntity, "\(res.text)")
                return try res.decode(ErrorBody.self).fields?.first?.field
            }
            #expect(try await field(CriterionInput(code: "X1", name: "Tỷ lệ", measureKey: "households.internet", thresholdKind: "shareAtLeast", thresholdValue: 150, unitKind: "village")) == "thresholdValue")
            #expect(try await field(CriterionInput(code: "X2", name: "Âm", measureKey: "households.internet", thresholdKind: "shareAtLeast", thresholdValue: -1, unitKind: "village")) == "thresholdValue")
            #expect(try await field(CriterionInput(code: "X3", name: "Hồ sơ", measureKey: "dossiers.online", thresholdKind: "shareAtLeast", thresholdValue: 60, unitKind: "village")) == "measureKey")
            #expect(try await field(CriterionInput(code: "X4", name: "Camera", measureKey: "assets.camera.working", thresholdKind: "shareAtLeast", thresholdValue: 60, unitKind: "village")) == "thresholdKind")
            #expect(try await field(CriterionInput(code: "X5", name: "Lạ", measureKey: "select 1", thresholdKind: "countAtLeast", thresholdValue: 1, unitKind: "village")) == "measureKey")
            #expect(try await field(CriterionInput(code: "C1", name: "Trùng mã", measureKey: "households.internet", thresholdKind: "countAtLeast", thresholdValue: 1, unitKind: "village")) == "code")
            #expect(try await field(CriterionInput(code: "X6", name: "Tổ", measureKey: "households.internet", thresholdKind: "countAtLeast", thresholdValue: 1, unitKind: "group")) == "unitKind")
            let patch = try await app.api(.PATCH, "/api/v1/criteria/\(f.criterion.id)", json: CriterionInput(thresholdValue: 101))
            #expect(try patch.status == .unprocessableEntity && (patch.decode(ErrorBody.self).fields?.first?.field) == "thresholdValue")
            #expect(try await app.api(.GET, "/api/v1/criteria/\(f.criterion.id)").decode(CriterionDTO.self).thresholdValue == 60)
            let vi = try await app.api(.POST, path, json: CriterionInput(code: "X7", name: "Tỷ lệ", measureKey: "households.internet", thresholdKind: "shareAtLeast", thresholdValue: 101, unitKind: "village"),
                                       headers: ["Accept-Language": "vi"])
            #expect(vi.text.contains("Tỷ lệ phải từ 0 đến 100%"))
            #expect(try await app.api(.GET, "/api/v1/criteria/sets/\(f.set.id)").decode(CriteriaSetDTO.self).criteria?.count == 1)
            // A set needs an owner inside the caller's units (a system-wide caller may ship one), and a free code.
            let taken = try await app.api(.POST, "/api/v1/criteria/sets", json: CriteriaSetInput(ownerUnitId: f.tree.commune.id.uuidString, code: "T", name: "Lại"))
            #expect(try taken.status == .unprocessableEntity && (taken.decode(ErrorBody.self).fields?.first?.field) == "code")
            // A change that is right is kept.
            let ok = try await app.api(.PATCH, "/api/v1/criteria/\(f.criterion.id)", json: CriterionInput(thresholdValue: 50))
            #expect(try ok.status == .ok && (ok.decode(CriterionDTO.self).thresholdValue) == 50)
            #expect(try await Self.evaluation(app, f.tree.village2.id, set: f.set.id).passes == true)
        }
    }

    @Test("a criterion records cannot give takes dated manual values with their source, shown as manual; a set copied from the starter keeps its criteria")
    func manualValues() async throws {
        try await withTestApp { app in
            let f = try await Self.fixture(app)
            let t = f.tree
            let made = try await app.api(.POST, "/api/v1/criteria/sets/\(f.set.id)/criteria",
                                         json: CriterionInput(code: "M1", name: "Có loa truyền thanh thông minh", thresholdKind: "yesNo", unitKind: "village", mandatory: true))
            #expect(made.status == .created, "\(made.text)")
            let m1 = try made.decode(CriterionDTO.self)
            let before = try await Self.evaluation(app, t.village1.id, set: f.set.id)
            #expect(before.passes == false && before.missing == ["M1"])
            let path = "/api/v1/criteria/units/\(t.village1.id)/values"
            let bad = try await app.api(.POST, path, json: ManualValueInput(criterionId: m1.id.uuidString, on: "2025-05-01", value: 2, source: "Biên bản"))
            #expect(try bad.status == .unprocessableEntity && (bad.decode(ErrorBody.self).fields?.first?.field) == "value")
            let future = try await app.api(.POST, path, json: ManualValueInput(criterionId: m1.id.uuidString, on: Day.adding(2, to: Day.today(app.now)), value: 1, source: "Biên bản"))
            #expect(try future.status == .unprocessableEntity && (future.decode(ErrorBody.self).fields?.first?.field) == "on")
            let wrongKind = try await app.api(.POST, "/api/v1/criteria/units/\(t.commune.id)/values", json: ManualValueInput(criterionId: m1.id.uuidString, on: "2025-05-01", value: 1, source: "Biên bản"))
            #expect(try wrongKind.status == .unprocessableEntity && (wrongKind.decode(ErrorBody.self).fields?.first?.field) == "criterionId")
            let ok = try await app.api(.POST, path, json: ManualValueInput(criterionId: m1.id.uuidString, on: "2025-05-01", value: 1, source: "Biên bản kiểm tra của xã"))
            #expect(ok.status == .created, "\(ok.text)")
            let after = try await Self.evaluation(app, t.village1.id, set: f.set.id)
            let r = try #require(after.criteria.first { $0.criterion.code == "M1" })
            #expect(r.passes == true && r.manual?.source == "Biên bản kiểm tra của xã" && after.passes == true)
            // Before the value's day it does not hold.
            #expect(try await Self.evaluation(app, t.village1.id, set: f.set.id, on: "2025-04-30").criteria.first { $0.criterion.code == "M1" }?.passes == false)
            let page = try await app.page("/criteria/units/\(t.village1.id)")
            #expect(page.text.contains("Nhập tay ngày 01/05/2025, nguồn: Biên bản kiểm tra của xã"))
            #expect(try await app.api(.GET, path).decode([ManualValueDTO].self).count == 1)
            // A criterion (and a set) holding manual values is kept.
            #expect(try await app.api(.DELETE, "/api/v1/criteria/\(m1.id)").status == .conflict)
            #expect(try await app.api(.DELETE, "/api/v1/criteria/sets/\(f.set.id)").status == .conflict)
            // A copy of the starter set, owned by the province, with its own threshold.
            let sv = try #require(try await app.api(.GET, "/api/v1/criteria/sets").decode([CriteriaSetDTO].self).first { $0.code == "SV" })
            let copy = try await app.api(.POST, "/api/v1/criteria/sets", json: CriteriaSetInput(ownerUnitId: t.province.id.uuidString, code: "SV", name: "Thôn thông minh Hà Nội", copyFrom: sv.id.uuidString))
            #expect(copy.status == .created, "\(copy.text)")
            let copied = try copy.decode(CriteriaSetDTO.self)
            #expect(copied.criteria?.count == 14 && copied.ownerUnitId == t.province.id)
            let sv05 = try #require(copied.criteria?.first { $0.code == "SV-05" })
            #expect(try await app.api(.PATCH, "/api/v1/criteria/\(sv05.id)", json: CriterionInput(thresholdValue: 24)).status == .ok)
            let original = try await app.api(.GET, "/api/v1/criteria/sets/\(sv.id)").decode(CriteriaSetDTO.self)
            #expect(original.criteria?.first { $0.code == "SV-05" }?.thresholdValue == 5)
        }
    }

    @Test("a village head sees their village's evaluation and no other; a commune official the commune's; only those who manage criteria define them")
    func scope() async throws {
        try await withTestApp { app in
            let f = try await Self.fixture(app)
            let t = f.tree
            let village1 = try #require(await AdminUnit.find(t.village1.id, on: app.db))
            let commune = try #require(await AdminUnit.find(t.commune.id, on: app.db))
            let other = try #require(await AdminUnit.find(t.otherCommune.id, on: app.db))
            let (_, head) = try await AccountActions.createToken(name: "head", role: .villageHead, unit: village1, on: app.db)
            let (_, official) = try await AccountActions.createToken(name: "official", role: .communeOfficial, unit: commune, on: app.db)
            let (_, stranger) = try await AccountActions.createToken(name: "stranger", role: .communeOfficial, unit: other, on: app.db)
            #expect(try await Self.evaluation(app, t.village1.id, token: head).criteria.first?.criterion.code == "C1")
            #expect(try await app.api(.GET, "/api/v1/criteria/units/\(t.village2.id)/evaluation", token: head).status == .notFound)
            #expect(try await app.api(.GET, "/api/v1/criteria/units/\(t.commune.id)/evaluation", token: head).status == .notFound)
            #expect(try await app.api(.GET, "/api/v1/criteria/units/\(t.village2.id)/rows?measure=households.smartphone", token: head).status == .notFound)
            // The commune's set judges the village: the head reads it, cannot change it.
            #expect(try await app.api(.GET, "/api/v1/criteria/sets/\(f.set.id)", token: head).status == .ok)
            #expect(try await app.api(.PATCH, "/api/v1/criteria/\(f.criterion.id)", json: CriterionInput(thresholdValue: 10), token: head).status == .notFound)
            #expect(try await app.api(.POST, "/api/v1/criteria/units/\(t.village1.id)/values", json: ManualValueInput(), token: head).status == .notFound)
            // The commune official evaluates the commune and changes its set; the other commune's official sees neither.
            #expect(try await Self.evaluation(app, t.commune.id, token: official).below.count == 2)
            #expect(try await app.api(.PATCH, "/api/v1/criteria/\(f.criterion.id)", json: CriterionInput(thresholdValue: 70), token: official).status == .ok)
            #expect(try await app.api(.GET, "/api/v1/criteria/units/\(t.commune.id)/evaluation", token: stranger).status == .notFound)
            #expect(try await app.api(.GET, "/api/v1/criteria/sets/\(f.set.id)", token: stranger).status == .notFound)
            let theirSets = try await app.api(.GET, "/api/v1/criteria/sets", token: stranger).decode([CriteriaSetDTO].self)
            #expect(theirSets.map(\.code) == ["SV", "XA-CDS"])   // the shipped sets only
            // The shipped set is changed only by a system-wide caller; a set is owned inside one's units.
            let sv = try #require(theirSets.first { $0.code == "SV" })
            #expect(try await app.api(.PATCH, "/api/v1/criteria/sets/\(sv.id)", json: CriteriaSetInput(name: "Đổi"), token: official).status == .notFound)
            let foreign = try await app.api(.POST, "/api/v1/criteria/sets", json: CriteriaSetInput(ownerUnitId: t.otherCommune.id.uuidString, code: "Z", name: "Của xã khác"), token: official)
            #expect(try foreign.status == .unprocessableEntity && (foreign.decode(ErrorBody.self).fields?.first?.field) == "ownerUnitId")
            let noOwner = try await app.api(.POST, "/api/v1/criteria/sets", json: CriteriaSetInput(code: "Z", name: "Cho mọi nơi"), token: official)
            #expect(try noOwner.status == .unprocessableEntity && (noOwner.decode(ErrorBody.self).fields?.first?.field) == "ownerUnitId")
            // A signed-in caller who manages no criteria is refused before the body is read: 403 for a good body and a
            // bad one alike, and nothing written.
            let before = try await CriteriaSet.query(on: app.db).count()
            let good = try await app.api(.POST, "/api/v1/criteria/sets", json: CriteriaSetInput(ownerUnitId: t.village1.id.uuidString, code: "H", name: "Của thôn"), token: head)
            #expect(good.status == .forbidden, "\(good.text)")
            let bad = try await app.api(.POST, "/api/v1/criteria/sets", json: CriteriaSetInput(), token: head)
            #expect(bad.status == .forbidden, "\(bad.text)")
            #expect(try await CriteriaSet.query(on: app.db).count() == before)
        }
    }
}
