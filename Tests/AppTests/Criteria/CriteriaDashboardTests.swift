// Precomputed dashboards (CRITERIA_PRECOMPUTE, docs/criteria.md "Precomputed dashboards"), through HTTP as officials
// use them: before the hourly job counts, pages count live; after it, today's village, commune and province figures
// are served from the rows it counted, equal to the live count and saying when they were counted; a write after the
// count shows in the live count at once and on the served page after the next count; another day or set counts live.
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting
@testable import App

@Suite("Criteria dashboards counted ahead")
struct CriteriaDashboardTests {
    static func same(_ a: EvaluationDTO, _ b: EvaluationDTO) {
        #expect(a.unit.id == b.unit.id && a.on == b.on && a.set.id == b.set.id && a.passes == b.passes && a.missing == b.missing)
        #expect(a.criteria.map(\.numerator) == b.criteria.map(\.numerator) && a.criteria.map(\.denominator) == b.criteria.map(\.denominator))
        #expect(a.criteria.map(\.passes) == b.criteria.map(\.passes) && a.criteria.map(\.unitsPassing) == b.criteria.map(\.unitsPassing))
        #expect(a.criteria.map(\.rowsURL) == b.criteria.map(\.rowsURL))
        #expect(a.below.map(\.unit.id) == b.below.map(\.unit.id) && a.below.map(\.passes) == b.below.map(\.passes) && a.below.map(\.failing) == b.below.map(\.failing))
    }

    static func count(_ app: Application) async throws {
        let lines = try await Housekeeping.run(app)
        #expect(lines.contains { $0.contains("criteria dashboards counted") }, "\(lines)")
    }

    @Test("today's pages are served from the figures the hourly job counted, equal to the live count; a write shows after the next count")
    func precomputed() async throws {
        try await withTestApp({ $0.criteriaPrecompute = true }) { app in
            let f = try await CriteriaTests.fixture(app)
            let t = f.tree
            let today = Day.today()
            // Nothing counted ahead yet: counted live.
            #expect(try await CriteriaTests.evaluation(app, t.village1.id).countedAt == nil)
            try await Self.count(app)
            // Served from the rows: the same figures as the live count of today, with the time they were counted.
            for unit in [t.village1.id, t.village2.id, t.commune.id] {
                let served = try await CriteriaTests.evaluation(app, unit)
                let live = try await CriteriaTests.evaluation(app, unit, on: today)
                #expect(served.countedAt != nil && live.countedAt == nil)
                Self.same(served, live)
            }
            let v1 = try await CriteriaTests.evaluation(app, t.village1.id)
            #expect(v1.criteria.first?.numerator == 2 && v1.criteria.first?.denominator == 3 && v1.passes == true)
            let province = try await app.api(.GET, "/api/v1/criteria/units/\(t.province.id)/communes").decode(ProvinceEvaluationDTO.self)
            let provinceLive = try await app.api(.GET, "/api/v1/criteria/units/\(t.province.id)/communes?on=\(today)").decode(ProvinceEvaluationDTO.self)
            #expect(province.countedAt != nil && provinceLive.countedAt == nil)
            #expect(province.villages == provinceLive.villages && province.villagesPassing == provinceLive.villagesPassing)
            #expect(province.communes.map(\.villagesPassing) == provinceLive.communes.map(\.villagesPassing) && province.communes.count == provinceLive.communes.count)
            // Another set than the one counted ahead counts live.
            let sets = try await app.api(.GET, "/api/v1/criteria/sets").decode([CriteriaSetDTO].self)
            let sv = try #require(sets.first { $0.code == "SV" && $0.ownerUnitId == nil })
            #expect(try await CriteriaTests.evaluation(app, t.village1.id, set: sv.id).countedAt == nil)

            // A3 gets a smartphone user today: the live count shows it at once, the served figure after the next count.
            let res = try await app.api(.POST, "/api/v1/households/\(f.households["A3"]!)/profile",
                                        json: ProfileInput(asOf: today, profile: ProfileAnswers(internet: "mobile", smartphoneUsers: 1), consent: true))
            #expect(res.status.code < 300, "\(res.text)")
            #expect(try await CriteriaTests.evaluation(app, t.village1.id, on: today).criteria.first?.numerator == 3)
            #expect(try await CriteriaTests.evaluation(app, t.village1.id).criteria.first?.numerator == 2)
            let page = try await app.page("/criteria/units/\(t.village1.id)")
            #expect(page.status == .ok)
            #expect(page.text.contains("Số liệu tính sẵn lúc") && page.text.contains("2/3"))
            // The link to the live count: this page as of today on the same set (the path's id as the site writes it, lower case).
            #expect(page.text.lowercased().contains("/criteria/units/\(t.village1.id.uuidString.lowercased())?on=\(today)&amp;set=\(f.set.id.uuidString.lowercased())"))
            let livePage = try await app.page("/criteria/units/\(t.village1.id)?on=\(today)&set=\(f.set.id.uuidString)")
            #expect(livePage.text.contains("3/3") && !livePage.text.contains("Số liệu tính sẵn lúc"))
            try await Self.count(app)
            let after = try await CriteriaTests.evaluation(app, t.village1.id)
            #expect(after.countedAt != nil && after.criteria.first?.numerator == 3 && after.criteria.first?.denominator == 3)
            Self.same(after, try await CriteriaTests.evaluation(app, t.village1.id, on: today))
            Self.same(try await CriteriaTests.evaluation(app, t.commune.id), try await CriteriaTests.evaluation(app, t.commune.id, on: today))
        }
    }

    @Test("with precompute off (the default) the hourly job counts nothing ahead and pages count live")
    func off() async throws {
        try await withTestApp { app in
            let f = try await CriteriaTests.fixture(app)
            let lines = try await Housekeeping.run(app)
            #expect(lines.contains { $0.contains("criteria dashboards: precompute off") }, "\(lines)")
            #expect(try await app.count("criteria_dashboards") == 0)
            #expect(try await CriteriaTests.evaluation(app, f.tree.village1.id).countedAt == nil)
        }
    }
}
