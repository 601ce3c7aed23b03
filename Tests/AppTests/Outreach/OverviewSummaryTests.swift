import Foundation
import Testing
import Vapor
import VaporTesting
import SQLKit
@testable import App

/// A commune built through HTTP with every kind of write that changes the overview, on fixed dates (the clock is set to
/// 30/11/2026 10:00 in Hà Nội): twelve households, H0…H3 in group T1-01, H4…H7 in group T1-02, H8…H11 in village T2.
/// - residents: H0 a spouse (1975); H1 a child born 2009 (17 in 2026, 18 in 2027); H2 a child born 2021; H8 a resident
///   without a birth year (an adult); H3's head is changed to born 2016 after the form recorded 1 adult with VNeID
///   (so that answer is clipped to 0 adults);
/// - profiles by visit (one sync batch): H0, H1, H2 (100 days ago), H5 (twice: the later one voided), H8, H9 (200 days
///   ago); H4 visited without a profile; by the form: H3, H6, and an older one for H0 (the visit stays current);
///   by import: H6 (older than its form), H7, H10;
/// - H4 moved from T1-02 to village T2; H9 erased (its counts and answers stay); H11 untouched.
struct SummaryCommune {
    var tree: Tree
    var ids: [UUID]
    var codes: [String]

    static let today = "2026-11-30"
    /// 30/11/2026 10:00 in Hà Nội.
    static let start = Date(timeIntervalSince1970: 1_796_007_600)
    /// 15/01/2027 10:00 in Hà Nội: H1's child is an adult that year.
    static let nextYear = Date(timeIntervalSince1970: 1_799_982_000)

    static func make(_ app: Application) async throws -> SummaryCommune {
        app.testClock.set(start)
        #expect(Day.today(app.now) == today)
        let t = try await Tree.make(app)
        var ids: [UUID] = [], codes: [String] = []
        for i in 0..<12 {
            let code = "SC-\(i)"
            let village = i < 8 ? t.village1 : t.village2
            let group: UnitDTO? = i < 4 ? t.group11 : i < 8 ? t.group12 : nil
            let res = try await app.api(.POST, "/api/v1/households", json: householdInput(code, village: village, group: group, name: "Chủ hộ \(i)"))
            #expect(res.status == .created, "\(res.text)")
            ids.append(try res.decode(HouseholdDetailDTO.self).household.id)
            codes.append(code)
        }
        let extra = [ResidentInput(householdId: ids[0].uuidString, fullName: "Vợ hộ 0", gender: "female", birthYear: 1975, relation: "spouse"),
                     ResidentInput(householdId: ids[1].uuidString, fullName: "Con hộ 1", gender: "male", birthYear: 2009, relation: "child"),
                     ResidentInput(householdId: ids[2].uuidString, fullName: "Con hộ 2", gender: "female", birthYear: 2021, relation: "child"),
                     ResidentInput(householdId: ids[8].uuidString, fullName: "Ông hộ 8", gender: "male", birthYear: nil, relation: "other")]
        for r in extra {
            let res = try await app.api(.POST, "/api/v1/residents", json: r)
            #expect(res.status == .created, "\(res.text)")
        }
        func day(_ n: Int) -> String { Day.adding(-n, to: today) }
        func visit(_ i: Int, _ on: Int, _ p: ProfileAnswers?) -> VisitInput {
            VisitInput(clientId: UUID().uuidString, householdId: ids[i].uuidString, visitedOn: day(on), visitors: "Tổ CNS", helped: [], outcome: "done", profile: p)
        }
        let later = visit(5, 10, ProfileAnswers(smartphoneUsers: 0, adultsVneid: 0))
        let batch = [
            visit(0, 1, ProfileAnswers(smartphoneUsers: 2, adultsVneid: 2, adultsCashless: 1, onlineServices: true, sellsOnline: true)),
            visit(1, 2, ProfileAnswers(smartphoneUsers: 1, adultsVneid: 1, adultsCashless: 0, onlineServices: false, sellsOnline: false)),
            visit(2, 100, ProfileAnswers(smartphoneUsers: 0, adultsVneid: 0, onlineServices: false)),
            visit(4, 20, nil),
            visit(5, 40, ProfileAnswers(smartphoneUsers: 1, adultsVneid: 1, adultsCashless: 1, onlineServices: true)),
            later,
            visit(8, 3, ProfileAnswers(smartphoneUsers: 1, adultsVneid: 2, adultsCashless: 2, onlineServices: false, sellsOnline: true)),
            visit(9, 200, ProfileAnswers(smartphoneUsers: 1, onlineServices: true, sellsOnline: true)),
        ]
        let synced = try await app.api(.POST, "/api/v1/visits/sync", json: VisitBatchInput(visits: batch)).decode(VisitBatchResultDTO.self)
        #expect(synced.recorded == 8, "\(synced.results)")
        let voided = try #require(synced.results.first { $0.clientId?.lowercased() == later.clientId?.lowercased() }?.visitId)

        // The form.
        let forms: [(Int, Int, ProfileAnswers)] = [
            (3, 50, ProfileAnswers(smartphoneUsers: 1, adultsVneid: 1, onlineServices: true)),
            (6, 5, ProfileAnswers(smartphoneUsers: 1, adultsVneid: 1, adultsCashless: 1)),
            (0, 30, ProfileAnswers(smartphoneUsers: 0, adultsVneid: 0)),
        ]
        for (i, on, p) in forms {
            let res = try await app.api(.POST, "/api/v1/households/\(ids[i])/profile", json: ProfileInput(asOf: day(on), profile: p))
            #expect(res.status == .created, "\(res.text)")
        }
        // The import.
        let csv = """
            household_code,as_of,internet,smartphone_users,adults_vneid,adults_cashless,online_services,e_health,in_village_channel,channel,sells_online,own_camera
            SC-6,\(day(60)),none,0,0,0,no,,,,no,
            SC-7,\(day(1)),mobile,1,1,0,yes,,,,no,
            SC-10,\(day(30)),none,0,,,no,,,,yes,

            """
        var h = HTTPHeaders()
        h.replaceOrAdd(name: .authorization, value: "Bearer \(app.testAuth.token)")
        h.replaceOrAdd(name: .contentType, value: "text/csv; charset=utf-8")
        let imported = try await app.testing().sendRequest(.POST, "/api/v1/units/\(t.commune.id)/profiles/import", headers: h, body: ByteBuffer(string: csv))
        #expect(imported.status == .ok, "\(imported.text)")

        // The void, the head of H3 made a child, the move, the erasure.
        let v = try await app.api(.POST, "/api/v1/visits/\(voided)/void", json: VoidInput(reason: "Ghi nhầm hộ"))
        #expect(v.status == .ok, "\(v.text)")
        let h3 = try await app.api(.GET, "/api/v1/households/\(ids[3])").decode(HouseholdDetailDTO.self)
        let head = try #require(h3.residents.first)
        let changed = try await app.api(.PATCH, "/api/v1/residents/\(head.id)", json: ResidentInput(birthYear: 2016))
        #expect(changed.status == .ok, "\(changed.text)")
        let moved = try await app.api(.PATCH, "/api/v1/households/\(ids[4])",
                                      json: HouseholdInput(villageId: t.village2.id.uuidString, groupId: ""))
        #expect(moved.status == .ok, "\(moved.text)")
        #expect(try moved.decode(HouseholdDetailDTO.self).household.villageId == t.village2.id)
        let erased = try await app.api(.POST, "/api/v1/households/\(ids[9])/erase", json: EraseInput(confirm: true))
        #expect(erased.status == .ok, "\(erased.text)")
        return SummaryCommune(tree: t, ids: ids, codes: codes)
    }
}

@Suite("Outreach overview figures, pinned")
struct OverviewSummaryTests {
    /// households, adults, visited, never, profiled, smartphone, vneid, cashless, online services, sells online.
    static func figures(_ o: OutreachOverviewDTO) -> [Int] {
        #expect(o.visited90Days.denominator == o.households && o.figures.vneid.denominator == o.adults)
        return [o.households, o.adults, o.visited90Days.numerator, o.neverVisited.numerator, o.profiled.numerator,
                o.figures.smartphone.numerator, o.figures.vneid.numerator, o.figures.cashless.numerator,
                o.figures.onlineServices.numerator, o.figures.sellsOnline.numerator]
    }

    static func overview(_ app: Application, _ unit: UnitDTO) async throws -> OutreachOverviewDTO {
        let res = try await app.api(.GET, "/api/v1/units/\(unit.id)/outreach")
        #expect(res.status == .ok, "\(res.text)")
        return try res.decode(OutreachOverviewDTO.self)
    }

    /// The household codes a list of the overview page shows.
    static func list(_ app: Application, _ unit: UnitDTO, _ show: String, as browser: Browser? = nil) async throws -> Set<String> {
        let page = try await app.page("/units/\(unit.id)/outreach?show=\(show)", as: browser)
        #expect(page.status == .ok)
        return OverviewTests.codes(page.text)
    }

    @Test("a commune written through every path (visits, voids, the form, the import, residents, a move, an erasure) has exactly the figures counted by hand, this year and the next")
    func pinned() async throws {
        try await withTestApp { app in
            let c = try await SummaryCommune.make(app)
            let t = c.tree
            func codes(_ xs: [Int]) -> Set<String> { Set(xs.map { c.codes[$0] }) }

            let commune = try await Self.overview(app, t.commune)
            #expect(commune.asOf == SummaryCommune.today && commune.since == "2026-09-02")
            #expect(Self.figures(commune) == [12, 13, 5, 5, 10, 8, 8, 5, 5, 4])
            #expect(try await Self.figures(Self.overview(app, t.village1)) == [7, 7, 3, 3, 7, 6, 6, 3, 4, 1])
            #expect(try await Self.figures(Self.overview(app, t.village2)) == [5, 6, 2, 2, 3, 2, 2, 2, 1, 3])
            #expect(try await Self.figures(Self.overview(app, t.group12)) == [3, 3, 1, 2, 3, 3, 3, 2, 2, 0])
            #expect(try await Self.figures(Self.overview(app, t.province)) == Self.figures(commune))
            // Visits per month: the seven not voided, by the current place of their household.
            #expect(commune.months.first == "2025-12" && commune.months.last == "2026-11")
            let byMonth = Dictionary(uniqueKeysWithValues: zip(commune.months, commune.visitsPerMonth))
            #expect(byMonth["2026-11"] == 4 && byMonth["2026-10"] == 1 && byMonth["2026-08"] == 1 && byMonth["2026-05"] == 1)
            #expect(commune.visitsPerMonth.reduce(0, +) == 7 && commune.members.map(\.total) == [7])
            #expect(try await Self.overview(app, t.village1).visitsPerMonth.reduce(0, +) == 4)
            #expect(try await Self.overview(app, t.village2).visitsPerMonth.reduce(0, +) == 3)
            // The rows behind the figures.
            #expect(try await Self.list(app, t.commune, "smartphone") == codes([0, 1, 3, 5, 6, 7, 8, 9]))
            #expect(try await Self.list(app, t.commune, "neverVisited") == codes([3, 6, 7, 10, 11]))
            #expect(try await Self.list(app, t.commune, "visited") == codes([0, 1, 4, 5, 8]))
            #expect(try await Self.list(app, t.commune, "noProfile") == codes([4, 11]))
            #expect(try await Self.list(app, t.village1, "vneid") == codes([0, 1, 5, 6, 7]))
            #expect(try await Self.list(app, t.village1, "noVneid") == codes([2]))
            #expect(try await Self.list(app, t.village2, "sellsOnline") == codes([8, 9, 10]))
            #expect(try await Self.list(app, t.village2, "cashless") == codes([8]))
            #expect(try await OutreachSummary.check(on: app.db) == [])
            #expect(try await VisitMonths.check(on: app.db) == [])
            #expect(try await OutreachPlaceSums.check(on: app.db) == [])

            // In 2027 H1's child is an adult: one adult more, and H1 has an adult not counted for VNeID.
            app.testClock.set(SummaryCommune.nextYear)
            let next = try await Self.overview(app, t.commune)
            #expect(next.asOf == "2027-01-15" && next.since == "2026-10-18")
            #expect(Self.figures(next) == [12, 14, 5, 5, 10, 8, 8, 5, 5, 4])
            #expect(try await Self.figures(Self.overview(app, t.village1)) == [7, 8, 3, 3, 7, 6, 6, 3, 4, 1])
            // (The session of the first day has lapsed: a new sign-in.)
            let browser = try await app.signIn("admin")
            #expect(try await Self.list(app, t.village1, "noVneid", as: browser) == codes([1, 2]))
            #expect(next.visitsPerMonth.reduce(0, +) == 7)
        }
    }

    @Test("the consistency check finds every row that differs from the history; the hourly sweep counts a new year's adults and writes missing rows; a full recount gives the same figures")
    func consistency() async throws {
        try await withTestApp { app in
            let c = try await SummaryCommune.make(app)
            let sql = app.db as! any SQLDatabase
            #expect(try await OutreachSummary.check(on: app.db) == [])
            #expect(try await VisitMonths.check(on: app.db) == [])
            #expect(try await app.count(OutreachSummary.schema) == 12)
            let overview = try await Self.overview(app, c.tree.commune)
            let before = Self.figures(overview)

            // The visit counts: one taken away behind the app's back (from the village's row for the whole village, which
            // the commune's overview reads) is found, and a recount mends it.
            try await sql.raw("UPDATE visit_months SET visits = visits - 1 WHERE month = '2026-10' AND group_id = \(bind: VisitMonths.wholeVillage)").run()
            #expect(try await VisitMonths.check(on: app.db).count == 1)
            #expect(try await Self.overview(app, c.tree.commune).visitsPerMonth.reduce(0, +) == 6)
            try await VisitMonths.recount(villages: nil, on: app.db)
            #expect(try await VisitMonths.check(on: app.db) == [])
            #expect(try await Self.overview(app, c.tree.commune).visitsPerMonth == overview.visitsPerMonth)

            // The sums per place: one moved behind the app's back is found and changes the overview; a rebuild mends it.
            #expect(try await OutreachPlaceSums.check(on: app.db) == [])
            try await sql.raw("UPDATE outreach_place_sums SET smartphone = smartphone + 1 WHERE day = '-' AND village_id = \(bind: c.tree.village2.id)").run()
            #expect(try await OutreachPlaceSums.check(on: app.db).count == 1)
            #expect(Self.figures(try await Self.overview(app, c.tree.commune)) != before)
            try await OutreachPlaceSums.rebuild(on: app.db)
            #expect(try await OutreachPlaceSums.check(on: app.db) == [])
            #expect(Self.figures(try await Self.overview(app, c.tree.commune)) == before)

            // A row made wrong and a row removed behind the app's back are both named.
            try await sql.raw("UPDATE household_outreach SET smartphone = 0 WHERE household_id = \(bind: c.ids[0])").run()
            try await sql.raw("DELETE FROM household_outreach WHERE household_id = \(bind: c.ids[11])").run()
            let found = try await OutreachSummary.check(on: app.db)
            #expect(found.map(\.householdId) == [c.ids[0], c.ids[11]].sorted { $0.uuidString < $1.uuidString }, "\(found)")
            #expect(found.first { $0.householdId == c.ids[11] }?.stored == nil)
            // The figures come from the sums per place, which were not touched and still agree with the history; the
            // lists behind them read the rows.
            #expect(Self.figures(try await Self.overview(app, c.tree.commune)) == before)
            #expect(try await OutreachPlaceSums.check(on: app.db) == [])
            #expect(try await Self.list(app, c.tree.commune, "smartphone") == Set([1, 3, 5, 6, 7, 8, 9].map { c.codes[$0] }))
            // The sweep writes the missing row (not the wrong one: nothing tells it); a recount of every row mends all.
            #expect(try await OutreachSummary.sweep(on: app.db) == 1)
            #expect(try await OutreachSummary.check(on: app.db).map(\.householdId) == [c.ids[0]])
            try await sql.raw("DELETE FROM household_outreach").run()
            try await OutreachSummary.refresh(nil, on: app.db)
            #expect(try await OutreachSummary.check(on: app.db) == [])
            #expect(Self.figures(try await Self.overview(app, c.tree.commune)) == before)

            // A new year: the rows still hold 2026's adults, and the overview counts 2027's; the sweep recounts them.
            app.testClock.set(SummaryCommune.nextYear)
            #expect(try await OutreachSummary.check(on: app.db) == [])
            #expect(Self.figures(try await Self.overview(app, c.tree.commune)) == [12, 14, 5, 5, 10, 8, 8, 5, 5, 4])
            #expect(try await OutreachSummary.sweep(on: app.db) == 12)
            #expect(try await OutreachSummary.sweep(on: app.db) == 0)
            let years = try await sql.raw("SELECT DISTINCT adults_year AS y FROM household_outreach").all().map { try $0.decode(column: "y", as: Int.self) }
            #expect(years == [2027])
            #expect(try await OutreachSummary.check(on: app.db) == [])
            #expect(try await OutreachPlaceSums.check(on: app.db) == [])
            #expect(Self.figures(try await Self.overview(app, c.tree.commune)) == [12, 14, 5, 5, 10, 8, 8, 5, 5, 4])
        }
    }

    @Test("a sync batch with several visits of one household (two on one day, each with a profile; one dated before the profile the row holds; two without a profile) moves the rows and sums as a recount from the history does")
    func batchFromItsOwnValues() async throws {
        try await withTestApp { app in
            let c = try await SummaryCommune.make(app)
            func day(_ n: Int) -> String { Day.adding(-n, to: SummaryCommune.today) }
            func visit(_ i: Int, _ on: Int, _ p: ProfileAnswers?) -> VisitInput {
                VisitInput(clientId: UUID().uuidString, householdId: c.ids[i].uuidString, visitedOn: day(on), visitors: "Tổ CNS", helped: [],
                           outcome: "done", profile: p)
            }
            let batch = [
                // H11: two profiles on one day, with different answers: the later id wins, as in `ProfileRows.latest`.
                visit(11, 2, ProfileAnswers(smartphoneUsers: 0, adultsVneid: 0, onlineServices: false)),
                visit(11, 2, ProfileAnswers(smartphoneUsers: 1, adultsVneid: 1, adultsCashless: 1, onlineServices: true, sellsOnline: true)),
                visit(11, 9, ProfileAnswers(smartphoneUsers: 1, sellsOnline: false)),
                // H0: its current profile (a visit yesterday) stays; its last visit too.
                visit(0, 5, ProfileAnswers(smartphoneUsers: 0, adultsVneid: 0, adultsCashless: 0, onlineServices: false)),
                // H7: a visit today replaces yesterday's imported profile.
                visit(7, 0, ProfileAnswers(smartphoneUsers: 0, adultsVneid: 0, onlineServices: false)),
                // H6: two visits without a profile, the later one counts as its last visit.
                visit(6, 95, nil), visit(6, 4, nil),
            ]
            let synced = try await app.api(.POST, "/api/v1/visits/sync", json: VisitBatchInput(visits: batch)).decode(VisitBatchResultDTO.self)
            #expect(synced.recorded == batch.count, "\(synced.results)")
            #expect(try await OutreachSummary.check(on: app.db) == [])
            #expect(try await OutreachPlaceSums.check(on: app.db) == [])
            let rows = try await (app.db as! any SQLDatabase).raw("SELECT household_id, last_visit FROM household_outreach").all()
            var last: [UUID: String] = [:]
            for r in rows { last[try r.decode(column: "household_id", as: UUID.self)] = try r.decode(column: "last_visit", as: String?.self) }
            #expect(last[c.ids[0]] == day(1) && last[c.ids[6]] == day(4) && last[c.ids[7]] == day(0) && last[c.ids[11]] == day(2))
            let h11 = try await ProfileRows.latest(of: [c.ids[11]], on: app.db)[c.ids[11]]
            #expect(h11?.asOf == day(2))
            // The same figures as every row and sum counted again from the history.
            let after = Self.figures(try await Self.overview(app, c.tree.commune))
            try await (app.db as! any SQLDatabase).raw("DELETE FROM household_outreach").run()
            try await OutreachSummary.refresh(nil, on: app.db)
            #expect(Self.figures(try await Self.overview(app, c.tree.commune)) == after)
            // H7 answered no smartphone today; H11 counts as its latest profile says.
            let smartphone = try await Self.list(app, c.tree.commune, "smartphone")
            #expect(!smartphone.contains(c.codes[7]))
            #expect(smartphone.contains(c.codes[11]) == ((h11?.smartphoneUsers ?? 0) > 0))
        }
    }

    @Test("a sync batch mixing new visits, visits recorded before, one sent twice in the batch, refused ones and a household without an overview row moves the rows, sums and month counts exactly as a recount from the history; sent again, it moves nothing")
    func mixedBatch() async throws {
        try await withTestApp { app in
            let c = try await SummaryCommune.make(app)
            let sql = app.db as! any SQLDatabase
            func day(_ n: Int) -> String { Day.adding(-n, to: SummaryCommune.today) }
            func visit(_ i: Int, _ on: Int, _ p: ProfileAnswers?, id: String = UUID().uuidString) -> VisitInput {
                VisitInput(clientId: id, householdId: c.ids[i].uuidString, visitedOn: day(on), visitors: "Tổ CNS", helped: [], outcome: "done", profile: p)
            }
            func sync(_ batch: [VisitInput]) async throws -> VisitBatchResultDTO {
                let res = try await app.api(.POST, "/api/v1/visits/sync", json: VisitBatchInput(visits: batch))
                #expect(res.status == .ok, "\(res.text)")
                return try res.decode(VisitBatchResultDTO.self)
            }
            func consistent() async throws {
                #expect(try await OutreachSummary.check(on: app.db) == [])
                #expect(try await OutreachPlaceSums.check(on: app.db) == [])
                #expect(try await VisitMonths.check(on: app.db) == [])
            }
            let earlier = [visit(10, 3, ProfileAnswers(smartphoneUsers: 1, adultsVneid: 1, onlineServices: true)), visit(11, 6, nil)]
            let first = try await sync(earlier)
            #expect(first.recorded == 2)
            // H7's overview row lost behind the actions' backs (a household written before the table existed), and
            // the sums counted again without it: the batch counts that household from the history.
            try await sql.raw("DELETE FROM household_outreach WHERE household_id = \(bind: c.ids[7])").run()
            try await app.db.transaction { try await OutreachPlaceSums.rebuild(on: $0) }
            let twice = UUID().uuidString
            let batch = [
                earlier[0],                                                                                    // recorded before
                visit(1, 0, ProfileAnswers(smartphoneUsers: 0, adultsVneid: 0, onlineServices: false), id: twice),
                visit(1, 0, ProfileAnswers(smartphoneUsers: 1), id: twice),                                    // twice in the batch
                visit(6, 2, ProfileAnswers(smartphoneUsers: 1, adultsVneid: 1, adultsCashless: 1, sellsOnline: true)),
                visit(7, 1, ProfileAnswers(smartphoneUsers: 1, onlineServices: true)),                         // no overview row
                visit(2, 1, ProfileAnswers(adultsVneid: 5)),                                                   // more than its adults
                VisitInput(clientId: UUID().uuidString, householdId: UUID().uuidString, visitedOn: day(1), visitors: "Tổ CNS", outcome: "done"),
                visit(3, -2, nil),                                                                             // in the future
                earlier[1],                                                                                    // recorded before
                visit(11, 4, ProfileAnswers(smartphoneUsers: 1, adultsVneid: 1)),                              // after its earlier visit
            ]
            let r = try await sync(batch)
            #expect(r.results.map(\.status) == [.duplicate, .recorded, .duplicate, .recorded, .recorded, .refused, .refused, .refused, .duplicate, .recorded])
            #expect(r.recorded == 4 && r.duplicates == 3 && r.refused == 3)
            #expect(r.results[0].visitId == first.results[0].visitId && r.results[8].visitId == first.results[1].visitId)
            #expect(r.results[2].visitId == r.results[1].visitId)
            #expect(r.results[5].errors?.map(\.field) == ["profile.adultsVneid"])
            #expect(r.results[6].errors?.map(\.field) == ["householdId"])
            #expect(r.results[7].errors?.map(\.field) == ["visitedOn"])
            try await consistent()
            let after = Self.figures(try await Self.overview(app, c.tree.commune))
            // Sent again (the phone did not hear the answer): every visit a duplicate of the one recorded, the refused
            // ones refused again, nothing written, nothing moved.
            let visits = try await app.count("visits"), profiles = try await app.count("household_profiles")
            let again = try await sync(batch)
            #expect(again.recorded == 0 && again.duplicates == 7 && again.refused == 3)
            #expect(again.results.map(\.visitId) == r.results.map(\.visitId))
            #expect(try await app.count("visits") == visits)
            #expect(try await app.count("household_profiles") == profiles)
            try await consistent()
            #expect(Self.figures(try await Self.overview(app, c.tree.commune)) == after)
            // The same figures as every row, sum and month counted again from the history.
            try await sql.raw("DELETE FROM household_outreach").run()
            try await OutreachSummary.refresh(nil, on: app.db)
            try await VisitMonths.recount(villages: nil, on: app.db)
            #expect(Self.figures(try await Self.overview(app, c.tree.commune)) == after)
        }
    }

    @Test("values written into a sync batch's statements come back as they went in: uuids, days and months as literals, anything else bound")
    func batchLiterals() async throws {
        try await withTestApp { app in
            let sql = app.db as! any SQLDatabase
            let lit = BatchSQL(postgres: sql.dialect.name == "postgresql")
            let u = UUID()
            for d in ["2026-11-30", "2026-11", "2026-11-30'; DELETE FROM households; --", "ngày 1", ""] {
                let r = try #require(try await sql.raw("SELECT \(lit.day(d)) AS d, \(unsafeRaw: lit.uuid(u)) AS u, \(unsafeRaw: lit.uuid(nil)) AS n").first())
                #expect(try r.decode(column: "d", as: String.self) == d)
                #expect(try r.decode(column: "u", as: UUID.self) == u)
                #expect(try r.decode(column: "n", as: UUID?.self) == nil)
            }
        }
    }

    @Test("several clients write the same village at once (sync batches, the profile form, an import, residents, voids): the per-household rows and the sums per place never drift from the history")
    func concurrentWriters() async throws {
        try await withTestApp({ $0.postgresPoolPerLoop = 4 }) { app in
            app.testClock.set(SummaryCommune.start)
            let t = try await Tree.make(app)
            func day(_ n: Int) -> String { Day.adding(-n, to: SummaryCommune.today) }
            var ids: [UUID] = []
            for i in 0..<8 {
                let res = try await app.api(.POST, "/api/v1/households",
                                            json: householdInput("CW-\(i)", village: t.village1, group: i < 6 ? t.group11 : nil, name: "Chủ hộ \(i)"))
                #expect(res.status == .created, "\(res.text)")
                ids.append(try res.decode(HouseholdDetailDTO.self).household.id)
            }
            let households = ids
            func visit(_ i: Int, _ on: Int, _ k: Int) -> VisitInput {
                VisitInput(clientId: UUID().uuidString, householdId: households[i].uuidString, visitedOn: day(on), visitors: "Tổ CNS", helped: [],
                           outcome: "done", profile: k % 4 == 3 ? nil : ProfileAnswers(smartphoneUsers: k % 2, adultsVneid: k % 2, adultsCashless: (k / 2) % 2,
                                                                                       onlineServices: k % 2 == 0, sellsOnline: k % 5 == 0))
            }
            var h = HTTPHeaders()
            h.replaceOrAdd(name: .authorization, value: "Bearer \(app.testAuth.token)")
            h.replaceOrAdd(name: .contentType, value: "text/csv; charset=utf-8")
            let csv = """
                household_code,as_of,internet,smartphone_users,adults_vneid,adults_cashless,online_services,e_health,in_village_channel,channel,sells_online,own_camera
                CW-4,\(day(2)),none,0,0,0,no,,,,no,
                CW-5,\(day(45)),mobile,1,1,1,yes,,,,yes,
                CW-7,\(day(3)),mobile,1,1,0,yes,,,,no,

                """
            let headers = h
            // A request the server answers 503 (busy: on a loaded machine, the pool's wait ran out) is sent again, as
            // the phone's queue does; nothing was written for it, and a visit sent twice is recorded once.
            @Sendable func send(_ method: HTTPMethod, _ path: String, _ json: any Content) async throws -> TestingHTTPResponse {
                var r = try await app.api(method, path, json: json)
                for _ in 0..<5 where r.status == .serviceUnavailable { r = try await app.api(method, path, json: json) }
                return r
            }
            // Round 1: four phones sync at once (each visits every household, two of them twice, on dates that cross),
            // beside the profile form, an import and new residents of the same households.
            let synced = try await withThrowingTaskGroup(of: [UUID].self) { group in
                for phone in 0..<4 {
                    group.addTask {
                        let batch = (0..<8).map { visit($0, (phone * 17 + $0 * 11) % 150, phone + $0) } + [visit(phone, 1, 3 * phone + 1), visit(phone + 4, 1, phone)]
                        let r = try await send(.POST, "/api/v1/visits/sync", VisitBatchInput(visits: batch))
                        #expect(r.status == .ok, "\(r.text)")
                        let d = try r.decode(VisitBatchResultDTO.self)
                        #expect(d.recorded == batch.count, "\(d.results)")
                        return d.results.compactMap(\.visitId)
                    }
                }
                for (i, on) in [(0, 0), (2, 200), (6, 1)] {
                    group.addTask {
                        let r = try await send(.POST, "/api/v1/households/\(households[i])/profile", ProfileInput(asOf: day(on), profile: ProfileAnswers(smartphoneUsers: 1, adultsVneid: 1, adultsCashless: 1)))
                        #expect(r.status == .created, "\(r.text)")
                        return []
                    }
                }
                group.addTask {
                    let r = try await app.testing().sendRequest(.POST, "/api/v1/units/\(t.commune.id)/profiles/import", headers: headers, body: ByteBuffer(string: csv))
                    #expect(r.status == .ok, "\(r.text)")
                    return []
                }
                for i in [1, 3, 7] {
                    group.addTask {
                        let r = try await send(.POST, "/api/v1/residents", ResidentInput(householdId: households[i].uuidString, fullName: "Người \(i)", gender: "female", birthYear: 1990, relation: "spouse"))
                        #expect(r.status == .created, "\(r.text)")
                        return []
                    }
                }
                return try await group.reduce(into: [UUID]()) { $0 += $1 }
            }
            #expect(synced.count == 40)
            #expect(try await OutreachSummary.check(on: app.db) == [])
            #expect(try await OutreachPlaceSums.check(on: app.db) == [])
            #expect(try await VisitMonths.check(on: app.db) == [])

            // Round 2: voids of the latest visits beside more batches, older than the profiles the rows hold.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for v in synced.prefix(6) {
                    group.addTask {
                        let r = try await send(.POST, "/api/v1/visits/\(v)/void", VoidInput(reason: "Ghi nhầm"))
                        #expect(r.status == .ok, "\(r.text)")
                    }
                }
                for phone in 0..<3 {
                    group.addTask {
                        let batch = (0..<8).map { visit($0, 300 + phone * 5 + $0, phone * 2 + $0) }
                        let r = try await send(.POST, "/api/v1/visits/sync", VisitBatchInput(visits: batch))
                        #expect(r.status == .ok, "\(r.text)")
                        #expect(try r.decode(VisitBatchResultDTO.self).recorded == batch.count, "\(r.text)")
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await OutreachSummary.check(on: app.db) == [])
            #expect(try await OutreachPlaceSums.check(on: app.db) == [])
            #expect(try await VisitMonths.check(on: app.db) == [])
            // The figures read from the sums are those of every row counted again from the history.
            let kept = try await Self.overview(app, t.village1)
            #expect(kept.households == 8 && kept.adults == 11)
            try await app.db.writeTransaction { db in try await OutreachSummary.refresh(nil, on: db) }
            #expect(Self.figures(try await Self.overview(app, t.village1)) == Self.figures(kept))
            #expect(Self.figures(try await Self.overview(app, t.group11)).first == 6)
        }
    }
}
