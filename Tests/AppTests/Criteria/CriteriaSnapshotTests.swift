// Snapshots, trends and the province page through HTTP as officials use them: a past month's snapshot holds the
// figures the live evaluation gives and the definition it was judged by (a later threshold change leaves it), is
// never taken twice, the monthly job takes last month's once, a moved village keeps its history, the pages draw the
// trend as SVG with its table, and the province page counts each commune's villages and the pre-2025 districts
// (docs/criteria.md).
import Fluent
import SQLKit
import Foundation
import Testing
import Vapor
import VaporTesting
@testable import App

@Suite("Criteria snapshots, trends and the province page")
struct CriteriaSnapshotTests {
    static func snapshots(_ app: Application, _ unit: UUID, set: UUID, token: String? = nil) async throws -> [SnapshotDTO] {
        let res = try await app.api(.GET, "/api/v1/criteria/units/\(unit)/snapshots?set=\(set)", token: token)
        #expect(res.status == .ok, "\(res.text)")
        return try res.decode([SnapshotDTO].self)
    }

    static func take(_ app: Application, _ unit: UUID, month: String?, set: UUID, token: String? = nil) async throws -> TestingHTTPResponse {
        try await app.api(.POST, "/api/v1/criteria/units/\(unit)/snapshots", json: SnapshotInput(month: month, setId: set.uuidString), token: token)
    }

    @Test("a past month's snapshot equals the evaluation of its last day, keeps the threshold it used when the criterion changes, and is never taken again")
    func pastMonth() async throws {
        try await withTestApp { app in
            let f = try await CriteriaTests.fixture(app)
            let t = f.tree
            let res = try await Self.take(app, t.commune.id, month: "2025-03", set: f.set.id)
            #expect(res.status == .created, "\(res.text)")
            let run = try res.decode(SnapshotRunDTO.self)
            #expect(run.final && run.on == "2025-03-31" && run.taken == 3 && run.kept == 0 && run.sets == ["T"])
            // Each snapshot holds what the live evaluation of 31 March gives.
            for unit in [t.village1.id, t.village2.id, t.commune.id] {
                let s = try #require(try await Self.snapshots(app, unit, set: f.set.id).first)
                let e = try await CriteriaTests.evaluation(app, unit, set: f.set.id, on: "2025-03-31")
                let c = try #require(s.criteria?.first), ec = try #require(e.criteria.first)
                #expect(s.month == "2025-03" && s.on == "2025-03-31" && s.final)
                #expect(c.numerator == ec.numerator && c.denominator == ec.denominator && c.value == ec.value && c.passes == ec.passes)
                #expect(c.unitsPassing == ec.unitsPassing && c.units == ec.units && c.rolledUp == ec.rolledUp)
                #expect(s.passes == e.passes && s.missing == e.missing)
            }
            let v1 = try #require(try await Self.snapshots(app, t.village1.id, set: f.set.id).first)
            #expect(v1.criteria?.first?.numerator == 1 && v1.criteria?.first?.denominator == 3 && v1.passes == false)
            #expect(v1.criteria?.first?.thresholdValue == 60 && v1.criteria?.first?.code == "C1")
            let commune = try #require(try await Self.snapshots(app, t.commune.id, set: f.set.id).first)
            #expect(commune.unitsPassing == 0 && commune.units == 2 && commune.belowKind == .village && commune.passes == nil)
            // The threshold goes down to 30 %: today's evaluation of 31 March passes, the snapshot still says 60 % and not met.
            let patch = try await app.api(.PATCH, "/api/v1/criteria/\(f.criterion.id)", json: CriterionInput(thresholdValue: 30))
            #expect(patch.status == .ok, "\(patch.text)")
            #expect(try await CriteriaTests.evaluation(app, t.village1.id, set: f.set.id, on: "2025-03-31").passes == true)
            let after = try #require(try await Self.snapshots(app, t.village1.id, set: f.set.id).first)
            #expect(after.criteria?.first?.thresholdValue == 60 && after.criteria?.first?.passes == false && after.passes == false && after.id == v1.id)
            // Taking March again keeps the final snapshots as they were.
            let again = try await Self.take(app, t.commune.id, month: "2025-03", set: f.set.id).decode(SnapshotRunDTO.self)
            #expect(again.taken == 0 && again.kept == 3)
            #expect(try await Self.snapshots(app, t.village1.id, set: f.set.id).map(\.id) == [v1.id])
            // Bad months: the field at fault, nothing written.
            let before = try await app.count("criteria_snapshots")
            for bad in ["2025-13", "03/2025", "2999-01"] {
                let r = try await Self.take(app, t.commune.id, month: bad, set: f.set.id)
                #expect(r.status == .unprocessableEntity, "\(bad)")
                #expect(try r.decode(ErrorBody.self).fields?.first?.field == "month", "\(bad)")
            }
            #expect(try await app.count("criteria_snapshots") == before)
        }
    }

    @Test("the current month's snapshot is provisional, as of today, and replaced when taken again")
    func provisional() async throws {
        try await withTestApp { app in
            let f = try await CriteriaTests.fixture(app)
            let t = f.tree
            let first = try await Self.take(app, t.village1.id, month: nil, set: f.set.id).decode(SnapshotRunDTO.self)
            #expect(!first.final && first.on == Day.today(app.now) && first.taken == 1)
            let s1 = try await Self.snapshots(app, t.village1.id, set: f.set.id)
            #expect(s1.count == 1 && s1.first?.final == false && s1.first?.criteria?.first?.numerator == 2)
            // A new profile, then the month again: one snapshot, with the new figure.
            let res = try await app.api(.POST, "/api/v1/households/\(f.households["A3"]!)/profile",
                                        json: ProfileInput(asOf: Day.today(app.now), profile: ProfileAnswers(internet: "mobile", smartphoneUsers: 1), consent: true))
            #expect(res.status.code < 300, "\(res.text)")
            _ = try await Self.take(app, t.village1.id, month: nil, set: f.set.id)
            let s2 = try await Self.snapshots(app, t.village1.id, set: f.set.id)
            #expect(s2.count == 1 && s2.first?.criteria?.first?.numerator == 3 && s2.first?.id != s1.first?.id)
        }
    }

    @Test("the monthly job takes last month's final snapshots of every set once; a village head reads them but takes none")
    func monthlyJob() async throws {
        try await withTestApp { app in
            let f = try await CriteriaTests.fixture(app)
            let t = f.tree
            let lines = try await Housekeeping.run(app)
            let line = try #require(lines.first { $0.hasPrefix("criteria snapshots") })
            let month = CriteriaSnapshots.previousMonth(CriteriaSnapshots.month(of: Day.today(app.now)))
            #expect(line.contains(month) && !line.hasPrefix("criteria snapshots: 0 "), "\(line)")
            let s = try await Self.snapshots(app, t.village1.id, set: f.set.id)
            #expect(s.map(\.month) == [month] && s.first?.final == true && s.first?.on == CriteriaSnapshots.lastDay(month))
            // The shipped set too, on every village of the province.
            let sv = try #require(try await app.api(.GET, "/api/v1/criteria/sets").decode([CriteriaSetDTO].self).first { $0.code == "SV" && $0.ownerUnitId == nil })
            #expect(try await Self.snapshots(app, t.otherVillage.id, set: sv.id).count == 1)
            let count = try await app.count("criteria_snapshots")
            let second = try await CriteriaSnapshots.monthly(app)
            let countAfter = try await app.count("criteria_snapshots")
            #expect(second.hasPrefix("0 ") && countAfter == count, "\(second)")
            // A village head reads the village's snapshots, and no other's; taking one needs manageCriteria.
            let village1 = try #require(await AdminUnit.find(t.village1.id, on: app.db))
            let (_, head) = try await AccountActions.createToken(name: "head", role: .villageHead, unit: village1, on: app.db)
            #expect(try await Self.snapshots(app, t.village1.id, set: f.set.id, token: head).count == 1)
            #expect(try await app.api(.GET, "/api/v1/criteria/units/\(t.village2.id)/snapshots", token: head).status == .notFound)
            let refused = try await Self.take(app, t.village1.id, month: nil, set: f.set.id, token: head)
            #expect(refused.status == .forbidden || refused.status == .notFound, "\(refused.status)")
            #expect(try await app.count("criteria_snapshots") == count)
        }
    }

    @Test("a village moved to another commune keeps its snapshots under its own id; its old commune's snapshot still counts it")
    func movedVillage() async throws {
        try await withTestApp { app in
            let f = try await CriteriaTests.fixture(app)
            let t = f.tree
            // The province's copy of the set judges both communes.
            let copy = try await app.api(.POST, "/api/v1/criteria/sets", json: CriteriaSetInput(ownerUnitId: t.province.id.uuidString, code: "P", name: "Của tỉnh", copyFrom: f.set.id.uuidString)).decode(CriteriaSetDTO.self)
            #expect(try await Self.take(app, t.province.id, month: "2025-03", set: copy.id).status == .created)
            let move = try await app.api(.POST, "/api/v1/units/\(t.village2.id)/move", json: MoveInput(communeId: t.otherCommune.id.uuidString, date: "2025-06-01"))
            #expect(move.status == .ok, "\(move.text)")
            #expect(try await Self.take(app, t.province.id, month: "2025-07", set: copy.id).status == .created)
            let v2 = try await Self.snapshots(app, t.village2.id, set: copy.id)
            #expect(v2.map(\.month) == ["2025-03", "2025-07"] && v2.allSatisfy { $0.criteria?.first?.denominator == 2 })
            let old = try await Self.snapshots(app, t.commune.id, set: copy.id)
            #expect(old.map(\.units) == [2, 1])
            let new = try await Self.snapshots(app, t.otherCommune.id, set: copy.id)
            #expect(new.map(\.units) == [1, 2])
            let province = try await Self.snapshots(app, t.province.id, set: copy.id)
            #expect(province.map(\.units) == [3, 3] && province.map(\.unitsPassing) == [0, 1])
            // The village's page draws its months from its own snapshots.
            let page = try await app.page("/criteria/units/\(t.village2.id)?set=\(copy.id)")
            #expect(page.status == .ok)
            #expect(page.body.string.contains("<svg class=\"chart crit-chart\"") && page.body.string.contains("03/25") && page.body.string.contains("07/25"))
        }
    }

    @Test("the village and commune pages show the trend as an SVG chart with its numbers in a table; the form takes a snapshot")
    func pages() async throws {
        try await withTestApp { app in
            let f = try await CriteriaTests.fixture(app)
            let t = f.tree
            let empty = try await app.page("/criteria/units/\(t.village1.id)?set=\(f.set.id)")
            #expect(empty.body.string.contains("Chưa có ảnh chụp số liệu") && !empty.body.string.contains("<svg class=\"chart crit-chart\""))
            let posted = try await app.form("/criteria/units/\(t.commune.id)/snapshots", ["month": "2025-06", "setId": f.set.id.uuidString])
            #expect(posted.status == .seeOther, "\(posted.status)")
            #expect(posted.headers.first(name: .location)?.contains("taken=3") == true)
            let bad = try await app.form("/criteria/units/\(t.commune.id)/snapshots", ["month": "tháng sáu", "setId": f.set.id.uuidString])
            #expect(bad.headers.first(name: .location)?.contains("snapshotError=month") == true)
            _ = try await Self.take(app, t.commune.id, month: "2025-03", set: f.set.id)
            let village = try await app.page("/criteria/units/\(t.village1.id)?set=\(f.set.id)").body.string
            #expect(village.contains("<svg class=\"chart crit-chart\"") && village.contains("Số tiêu chí bắt buộc đạt, theo tháng"))
            // March: 1 of 3 households (not met); June: 2 of 3 (met) — in the table and in the criterion's row.
            #expect(village.contains("03/25") && village.contains("06/25") && village.contains("0/1 tiêu chí bắt buộc đạt") && village.contains("1/1 tiêu chí bắt buộc đạt"))
            #expect(village.contains("33,3% ✗") && village.contains("66,7% ✓"))
            let commune = try await app.page("/criteria/units/\(t.commune.id)?set=\(f.set.id)").body.string
            #expect(commune.contains("Số thôn đạt, theo tháng") && commune.contains("0/2 thôn đạt") && commune.contains("1/2 thôn đạt"))
            // The chart's bars in the SVG: one pale total and one figure bar per month.
            let start = try #require(commune.range(of: "<svg class=\"chart crit-chart\""))
            let end = try #require(commune.range(of: "</svg>", range: start.upperBound..<commune.endIndex))
            let svg = String(commune[start.lowerBound..<end.upperBound])
            #expect(svg.components(separatedBy: "<rect").count - 1 >= 4)
        }
    }

    @Test("the province page: communes side by side with their villages passing, and the villages of a pre-2025 district; scoped")
    func province() async throws {
        try await withTestApp { app in
            let f = try await CriteriaTests.fixture(app)
            let t = f.tree
            // A district and its commune ended by the reform, whose village went into Xã Song Phượng on 1 July 2025.
            let d = try await app.api(.POST, "/api/v1/units", json: UnitInput(kind: "district", code: "273", name: "Huyện Đan Phượng", parentId: t.province.id.uuidString, validTo: "2025-07-01"))
            #expect(d.status == .created, "\(d.text)")
            let oc = try await app.api(.POST, "/api/v1/units", json: UnitInput(kind: "commune", code: "09829", name: "Xã Cũ", parentId: try d.decode(UnitDTO.self).id.uuidString, validTo: "2025-07-01"))
            #expect(oc.status == .created, "\(oc.text)")
            let oldCommune = try oc.decode(UnitDTO.self)
            let ov = try await app.api(.POST, "/api/v1/units", json: UnitInput(kind: "village", code: "C9", name: "Thôn Cũ", parentId: oldCommune.id.uuidString)).decode(UnitDTO.self)
            let h = try await app.api(.POST, "/api/v1/households", json: householdInput("C1", village: ov, phone: nil))
            #expect(h.status == .created, "\(h.text)")
            let hid = try h.decode(HouseholdDetailDTO.self).household.id
            _ = try await app.api(.POST, "/api/v1/households/\(hid)/profile", json: ProfileInput(asOf: "2025-01-10", profile: ProfileAnswers(internet: "mobile", smartphoneUsers: 1), consent: true))
            let merge = try await app.api(.POST, "/api/v1/units/merge", json: MergeInput(sourceIds: [oldCommune.id.uuidString], targetId: t.commune.id.uuidString, newCommune: nil, date: "2025-07-01"))
            #expect(merge.status == .ok, "\(merge.text)")
            let copy = try await app.api(.POST, "/api/v1/criteria/sets", json: CriteriaSetInput(ownerUnitId: t.province.id.uuidString, code: "P", name: "Của tỉnh", copyFrom: f.set.id.uuidString)).decode(CriteriaSetDTO.self)
            let res = try await app.api(.GET, "/api/v1/criteria/units/\(t.province.id)/communes?set=\(copy.id)")
            #expect(res.status == .ok, "\(res.text)")
            let p = try res.decode(ProvinceEvaluationDTO.self)
            // Song Phượng: Thôn Đông (2/3) and Thôn Cũ (1/1) pass, Thôn Đoài (1/2) does not; Thượng Mỗ's village has no households.
            #expect(p.villages == 4 && p.villagesPassing == 2)
            #expect(p.communes.map { $0.unit?.name } == ["Xã Song Phượng", "Xã Thượng Mỗ"])
            #expect(p.communes.map(\.villagesPassing) == [2, 0] && p.communes.map(\.villages) == [3, 1] && p.communes[0].holdsBack == ["C1"])
            #expect(p.districts.map { $0.unit?.name } == ["Huyện Đan Phượng", nil])
            #expect(p.districts.map(\.villagesPassing) == [1, 1] && p.districts.map(\.villages) == [1, 3], "\(p.districts)")
            // Before the merge, the old commune is one of the province's communes (under its district).
            let june = try await app.api(.GET, "/api/v1/criteria/units/\(t.province.id)/communes?set=\(copy.id)&on=2025-06-30").decode(ProvinceEvaluationDTO.self)
            #expect(Set(june.communes.compactMap { $0.unit?.name }) == ["Xã Song Phượng", "Xã Thượng Mỗ", "Xã Cũ"])
            // The page, as the province coordinator sees it; a commune official sees neither the province nor another commune.
            let province = try #require(await AdminUnit.find(t.province.id, on: app.db))
            let commune = try #require(await AdminUnit.find(t.commune.id, on: app.db))
            _ = try await AccountActions.createPerson(username: "tinh", displayName: "Tỉnh", password: testPassword, role: .provinceCoordinator, unit: province, app: app)
            _ = try await AccountActions.createPerson(username: "xa", displayName: "Xã", password: testPassword, role: .communeOfficial, unit: commune, app: app)
            let tinh = try await app.signIn("tinh"), xa = try await app.signIn("xa")
            let page = try await app.page("/criteria/units/\(t.province.id)?set=\(copy.id)", as: tinh)
            #expect(page.status == .ok)
            let html = page.body.string
            #expect(html.contains("2/4 thôn đạt") && html.contains("2/3 thôn") && html.contains("Huyện Đan Phượng") && html.contains("1/1 thôn"))
            #expect(html.contains("<svg class=\"chart crit-chart\"") && html.contains("Số thôn đạt ở mỗi xã"))
            #expect(try await app.page("/criteria/units/\(t.province.id)", as: xa).status == .notFound)
            #expect(try await app.page("/criteria/units/\(t.otherCommune.id)", as: xa).status == .notFound)
            let (_, xaToken) = try await AccountActions.createToken(name: "xa", role: .communeOfficial, unit: commune, on: app.db)
            #expect(try await app.api(.GET, "/api/v1/criteria/units/\(t.province.id)/communes", token: xaToken).status == .notFound)
            let own = try await app.api(.GET, "/api/v1/criteria/units/\(t.commune.id)/communes?set=\(f.set.id)", token: xaToken)
            #expect(own.status == .ok)
            #expect(try own.decode(ProvinceEvaluationDTO.self).communes.count == 1)
            #expect(try await app.api(.GET, "/api/v1/criteria/units/\(t.village1.id)/communes", token: xaToken).status == .unprocessableEntity)
        }
    }

    @Test("the province page charts every commune however many there are: a row each, sorted by the share of villages passing, in parts of 30; the table beside lists them all")
    func provinceChartEveryCommune() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            // 30 more communes with a village each; only the village of the last one has a household.
            var names = ["Xã Song Phượng", "Xã Thượng Mỗ"]
            var lastVillage: UnitDTO? = nil
            for i in 1...30 {
                let name = "Xã Thử \(String(format: "%02d", i))"
                let c = try await app.api(.POST, "/api/v1/units", json: UnitInput(kind: "commune", code: String(format: "90%03d", i), name: name, parentId: t.province.id.uuidString))
                #expect(c.status == .created, "\(c.text)")
                let v = try await app.api(.POST, "/api/v1/units", json: UnitInput(kind: "village", code: "V1", name: "Thôn \(i)", parentId: try c.decode(UnitDTO.self).id.uuidString))
                #expect(v.status == .created, "\(v.text)")
                lastVillage = try v.decode(UnitDTO.self)
                names.append(name)
            }
            let h = try await app.api(.POST, "/api/v1/households", json: householdInput("Z1", village: try #require(lastVillage), phone: nil))
            #expect(h.status == .created, "\(h.text)")
            // The province's own set: a village passes with at least one household.
            let set = try await app.api(.POST, "/api/v1/criteria/sets", json: CriteriaSetInput(ownerUnitId: t.province.id.uuidString, code: "P", name: "Của tỉnh")).decode(CriteriaSetDTO.self)
            let c = try await app.api(.POST, "/api/v1/criteria/sets/\(set.id)/criteria",
                                      json: CriterionInput(code: "P1", name: "Có hộ", measureKey: "households.count", thresholdKind: "countAtLeast", thresholdValue: 1, unitKind: "village", mandatory: true))
            #expect(c.status == .created, "\(c.text)")
            let page = try await app.page("/criteria/units/\(t.province.id)?set=\(set.id)")
            #expect(page.status == .ok)
            let html = page.body.string
            // Two parts (30 rows and 2), every commune a row: its full name in the row's tooltip.
            let svgs = html.components(separatedBy: "<svg ").dropFirst().map { $0.components(separatedBy: "</svg>")[0] }.filter { $0.contains("data-chart=\"rows\"") }
            #expect(svgs.count == 2)
            let rows = svgs.flatMap { $0.components(separatedBy: "<g><title>").dropFirst().map { $0.components(separatedBy: "</title>")[0] } }
            #expect(rows.count == 32)
            #expect(Set(rows.map { $0.components(separatedBy: ": ")[0] }) == Set(names), "\(rows)")
            // Sorted by the share passing: the one commune whose village passes first, then the others by name.
            #expect(rows.first == "Xã Thử 30: 1/1", "\(rows.prefix(3))")
            #expect(rows.dropFirst().map { $0.components(separatedBy: ": ")[0] } == names.filter { $0 != "Xã Thử 30" }.sorted())
            #expect(html.contains("xã thứ 1–30 trong 32") && html.contains("xã thứ 31–32 trong 32"))
            // The table beside: every commune, with its figure.
            let table = try #require(html.components(separatedBy: "<table class=\"list\">").dropFirst().first)
            for n in names { #expect(table.contains(">\(n)</a>"), "\(n)") }
        }
    }

    @Test("measures counted together, a family in one grouped query, give each measure's own figures")
    func groupedMeasures() async throws {
        try await withTestApp { app in
            let f = try await CriteriaTests.fixture(app)
            let sql = app.db as! any SQLDatabase
            let v1 = f.tree.village1.id, units = [v1, f.tree.village2.id, f.tree.otherVillage.id]
            let measures = Measures.all.filter { $0.base == .village }
            for day in ["2025-03-01", Day.today()] {
                let together = try await Measures.count(measures, units, day, sql)
                #expect(Set(together.keys) == Set(measures.map(\.key)))
                for m in measures {
                    let alone = try await m.count(units, day, sql)
                    #expect((together[m.key] ?? [:]) == alone, "\(m.key) on \(day)")
                }
                // Thôn Đông: A1 and A3 answered in January (one smartphone user, none), A2 in June (one).
                let phones = day == "2025-03-01" ? 1 : 2
                #expect(together["households.smartphone"]?[v1] == MeasureCount(phones, 3))
                #expect(together["households.internet"]?[v1] == MeasureCount(day == "2025-03-01" ? 2 : 3, 3))
                #expect(together["households.count"]?[v1] == MeasureCount(3, nil))
                #expect(together["adults.smartphone"]?[v1] == MeasureCount(phones, 3))
            }
        }
    }

    @Test("the demo: seven months of the shipped set's snapshots; the province coordinator's page shows Xã Đan Phượng's villages and former district Đan Phượng; three villages pass, Thôn Bắc fails on SV-03 with its households one click away, and the trend climbs")
    func demo() async throws {
        try await withTestApp { app in
            try await ApiToken.query(on: app.db).delete()
            try await Person.query(on: app.db).delete()
            let commune = try await Demo.load(app)
            _ = try await Demo.startLines(app)
            // The harness's administrator token went with the people above: a system-wide token of the test's own.
            let (_, admin) = try await AccountActions.createToken(name: "demo-test", role: .admin, unit: nil, on: app.db)
            let sv = try #require(try await CriteriaSet.query(on: app.db).filter(\.$ownerUnitID == nil).filter(\.$code == "SV").first())
            let province = try #require(try await UnitQueries.byCode("01", kind: .province, on: app.db))
            let villages = try await CriteriaViews.below(commune, kind: .village, on: Day.today(app.now), db: app.db)
            #expect(villages.count == 4)
            let history = try await Self.snapshots(app, province.id!, set: sv.id!, token: admin)
            #expect(history.count == 7 && history.last?.final == false && history.dropLast().allSatisfy(\.final))
            #expect(history.allSatisfy { $0.units == 4 }, "\(history.map(\.units))")
            #expect(try await Self.snapshots(app, villages[0].id!, set: sv.id!, token: admin).count == 7)
            // Loading again changes nothing.
            let count = try await app.count("criteria_snapshots")
            _ = try await Demo.load(app)
            #expect(try await app.count("criteria_snapshots") == count)
            let tinh = try await app.signIn("tinh", password: Demo.demoPassword)
            let page = try await app.page("/criteria/units/\(province.id!)", as: tinh)
            #expect(page.status == .ok)
            let html = page.body.string
            #expect(html.contains("Xã Đan Phượng") && html.contains("Huyện Đan Phượng") && html.contains("class=\"chart crit-chart\""))
            let p = try await app.api(.GET, "/api/v1/criteria/units/\(province.id!)/communes", token: admin).decode(ProvinceEvaluationDTO.self)
            #expect(p.villages == 4 && p.communes.map { $0.unit?.code } == ["09784"])
            #expect(p.districts.count == 1 && p.districts.first?.unit?.name == "Huyện Đan Phượng" && p.districts.first?.villages == 4, "\(p.districts)")
            // The province's chart names its communes in full (not their last word).
            #expect(html.contains(">Đan Phượng</text>"))
            try await CriteriaDemoShape.check(app, commune: commune, set: sv, token: admin)
        }
    }
}
