// The demo as the criteria judge it (docs/criteria.md, "The demo"): on the shipped smart-village set, Thôn Đông, Thôn
// Đoài and Thôn Nam pass; Thôn Bắc fails on SV-03 alone, and the households at fault (not in the village group) are one
// click from the commune's page; the trend climbs from no village passing to three; every producer household's profile
// says it sells online, so SV-14 holds whether it counts profiles or producers. Called by CriteriaSnapshotTests.demo,
// which loads the demo once.
import Fluent
import Foundation
import Testing
import Vapor
@testable import App

enum CriteriaDemoShape {
    static func check(_ app: Application, commune: AdminUnit, set sv: CriteriaSet, token: String) async throws {
        let today = Day.today(app.now)
        let xa = try await app.signIn("xa", password: Demo.demoPassword)
        let e = try await app.api(.GET, "/api/v1/criteria/units/\(commune.id!)/evaluation", token: token).decode(EvaluationDTO.self)
        #expect(e.set.id == sv.id)
        #expect(e.below.map(\.unit.name) == Demo.villageNames)
        #expect(e.below.map(\.passes) == [true, true, true, false], "\(e.below.map { ($0.unit.name, $0.failing) })")
        #expect(e.below.last?.failing == ["SV-03"], "\(e.below.last?.failing ?? [])")
        #expect(e.below.last?.unit.code == DemoOutreach.lagging)
        let sv14 = try #require(e.criteria.first { $0.criterion.code == "SV-14" })
        #expect(sv14.unitsPassing == 4 && sv14.units == 4)

        // Thôn Bắc: SV-03 counts every household but twelve; its rows left out are exactly the households whose
        // latest profile is not in the village group (read from the profiles, not from the measure).
        let bac = try #require(try await AdminUnit.find(e.below.last?.unit.id, on: app.db))
        let households = try await Household.query(on: app.db).filter(\.$villageID == bac.id!).all()
        let profiles = try await ProfileRows.latest(of: households.map { $0.id! }, on: app.db)
        let outside = Set(households.filter { profiles[$0.id!]?.inVillageChannel != true }.map(\.code))
        #expect(outside.count == DemoOutreach.notInGroup)
        let village = try await app.api(.GET, "/api/v1/criteria/units/\(bac.id!)/evaluation", token: token).decode(EvaluationDTO.self)
        #expect(village.passes == false && village.missing == ["SV-03"])
        let sv03 = try #require(village.criteria.first { $0.criterion.code == "SV-03" })
        #expect(sv03.numerator == households.count - DemoOutreach.notInGroup && sv03.denominator == households.count)
        let missingURL = try #require(sv03.missingURL)
        let rows = try await app.api(.GET, missingURL, token: token).decode(MeasureRowsDTO.self)
        #expect(Set(rows.rows.map(\.code)) == outside)

        // One click from the commune's page: Thôn Bắc's "SV-03" opens the households at fault.
        let page = try await app.page(SiteURL.unitCriteria(.id(commune.id!)).path, as: xa)
        #expect(page.status == .ok)
        #expect(page.text.contains(Lang.vi.t("criteria.belowPassing", ["3", "4"])))
        let link = SiteURL.unitCriteriaRows(.id(bac.id!)).path + "?measure=households.villageChannel&on=\(today)&missing=1"
        #expect(page.text.contains("href=\"\(link.replacingOccurrences(of: "&", with: "&amp;"))\">SV-03</a>"))
        let list = try await app.page(link, as: xa)
        #expect(list.status == .ok)
        for code in outside { #expect(list.text.contains(code), "\(code) listed") }
        let inGroup = try #require(households.first { !outside.contains($0.code) })
        #expect(!list.text.contains(inGroup.code + "<"), "a household in the group is not listed")

        // A passing village's page says so; the village head sees it.
        let head = try await app.signIn("truongthon", password: Demo.demoPassword)
        let dong = try #require(e.below.first)
        let own = try await app.page(SiteURL.unitCriteria(.id(dong.unit.id)).path, as: head)
        #expect(own.status == .ok && own.text.contains(Lang.vi.t("criteria.verdictPass", [Lang.vi.t("criteria.smartVillage")])))

        // The trend: no village passed six months ago, three do now, and the count never fell.
        let history = try await CriteriaSnapshotTests.snapshots(app, commune.id!, set: sv.id!, token: token)
        let passing = history.map { $0.unitsPassing ?? -1 }
        #expect(passing.first == 0 && passing.last == 3 && zip(passing, passing.dropFirst()).allSatisfy { $0 <= $1 }, "\(passing)")

        // SV-14 either way: every producer household's latest profile says it sells online, and so do at least 20 a village.
        let producers = try await Producer.query(on: app.db).filter(\.$kind == .household).all().compactMap(\.householdID)
        let theirs = try await ProfileRows.latest(of: producers, on: app.db)
        #expect(producers.count == 4 * DemoMarket.perVillage && producers.allSatisfy { theirs[$0]?.sellsOnline == true })
    }
}
