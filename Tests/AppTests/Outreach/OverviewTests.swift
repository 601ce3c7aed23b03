import Foundation
import Testing
import Vapor
import VaporTesting
import SQLKit
@testable import App

/// Ten households of village T1 (commune 00001) whose figures are known: h0…h6 visited (h4 only 100 days ago), h7…h9
/// never; profiles on h0, h1, h2, h3, h5 (h5's later visit, which said "smartphone", is voided); h0 has two adults,
/// h1 one adult and a child, the others one adult each (11 adults).
struct OverviewFixture {
    var tree: Tree
    var households: [UUID]
    var codes: [String]
    var voided: UUID

    static func make(_ app: Application) async throws -> OverviewFixture {
        let t = try await Tree.make(app)
        var ids: [UUID] = [], codes: [String] = []
        for i in 0..<10 {
            let code = "OV-\(i)"
            let res = try await app.api(.POST, "/api/v1/households", json: householdInput(code, village: t.village1, group: i < 5 ? t.group11 : t.group12,
                                                                                         name: "Chủ hộ \(i)", phone: String(format: "09990000%02d", i)))
            #expect(res.status == .created, "\(res.text)")
            ids.append(try res.decode(HouseholdDetailDTO.self).household.id)
            codes.append(code)
        }
        let year = Int(Day.today(app.now).prefix(4))!
        let extra = [ResidentInput(householdId: ids[0].uuidString, fullName: "Vợ hộ 0", gender: "female", birthYear: 1975, relation: "spouse"),
                     ResidentInput(householdId: ids[1].uuidString, fullName: "Con hộ 1", gender: "male", birthYear: year - 5, relation: "child")]
        for r in extra { #expect(try await app.api(.POST, "/api/v1/residents", json: r).status == .created) }
        let today = Day.today(app.now)
        func day(_ n: Int) -> String { Day.adding(-n, to: today) }
        func visit(_ i: Int, _ on: String, _ p: ProfileAnswers?) -> VisitInput {
            VisitInput(clientId: UUID().uuidString, householdId: ids[i].uuidString, visitedOn: on, visitors: "Tổ CNS", helped: [], outcome: "done", profile: p)
        }
        let later = visit(5, day(10), ProfileAnswers(smartphoneUsers: 1, adultsVneid: 1))
        let batch = [
            visit(0, day(1), ProfileAnswers(smartphoneUsers: 2, adultsVneid: 2, adultsCashless: 1, onlineServices: true, sellsOnline: true)),
            visit(1, day(2), ProfileAnswers(smartphoneUsers: 1, adultsVneid: 1, adultsCashless: 0, onlineServices: false, sellsOnline: false)),
            visit(2, day(3), ProfileAnswers(smartphoneUsers: 0, adultsVneid: 0, onlineServices: false)),
            visit(3, day(4), ProfileAnswers(smartphoneUsers: 1, adultsVneid: 1, adultsCashless: 1, onlineServices: true)),
            visit(4, day(100), nil),
            visit(5, day(30), ProfileAnswers(smartphoneUsers: 0, adultsVneid: 0)),
            later,
            visit(6, day(5), nil),
        ]
        let res = try await app.api(.POST, "/api/v1/visits/sync", json: VisitBatchInput(visits: batch)).decode(VisitBatchResultDTO.self)
        #expect(res.recorded == 8, "\(res.results)")
        let voided = try #require(res.results.first { $0.clientId?.lowercased() == later.clientId?.lowercased() }?.visitId)
        return OverviewFixture(tree: t, households: ids, codes: codes, voided: voided)
    }
}

@Suite("Outreach overview")
struct OverviewTests {
    static func figure(_ f: OutreachFigureDTO) -> [Int] { [f.numerator, f.denominator] }

    /// The household codes a list page shows.
    static func codes(_ html: String) -> Set<String> {
        Set(html.components(separatedBy: "<td class=\"code\"").dropFirst().compactMap { part -> String? in
            guard let start = part.firstIndex(of: ">"), let end = part.range(of: "</td>") else { return nil }
            return String(part[part.index(after: start)..<end.lowerBound])
        })
    }

    /// The table row of one figure on the overview page.
    static func row(_ html: String, _ key: String) -> String {
        guard let r = html.range(of: "<tr id=\"figure-\(key)\">") else { return "" }
        let rest = html[r.lowerBound...]
        return String(rest[..<(rest.range(of: "</tr>")?.upperBound ?? rest.endIndex)])
    }

    @Test("every figure's numerator and denominator; a voided visit's profile stops counting; the page shows the JSON's figures")
    func figures() async throws {
        try await withTestApp { app in
            let f = try await OverviewFixture.make(app)
            let url = "/api/v1/units/\(f.tree.village1.id)/outreach"
            // Before the void, h5's later visit says "smartphone": 4 households.
            let before = try await app.api(.GET, url).decode(OutreachOverviewDTO.self)
            #expect(Self.figure(before.figures.smartphone) == [4, 10])
            #expect(Self.figure(before.figures.vneid) == [5, 11])
            let v = try await app.api(.POST, "/api/v1/visits/\(f.voided)/void", json: VoidInput(reason: "Ghi nhầm hộ"))
            #expect(v.status == .ok, "\(v.text)")

            let o = try await app.api(.GET, url).decode(OutreachOverviewDTO.self)
            #expect(o.households == 10 && o.adults == 11)
            #expect(Self.figure(o.visited90Days) == [6, 10])
            #expect(Self.figure(o.neverVisited) == [3, 10])
            #expect(Self.figure(o.profiled) == [5, 10])
            #expect(Self.figure(o.figures.smartphone) == [3, 10])
            #expect(o.figures.smartphone.percent == 30)
            #expect(Self.figure(o.figures.vneid) == [4, 11])
            #expect(o.figures.vneid.percent == 36.4)
            #expect(Self.figure(o.figures.cashless) == [2, 11])
            #expect(Self.figure(o.figures.onlineServices) == [2, 10])
            #expect(Self.figure(o.figures.sellsOnline) == [1, 10])
            // Visits per month: the seven not voided, all within 12 months, recorded by the token (no person).
            #expect(o.months.count == 12 && o.months.last == String(Day.today(app.now).prefix(7)))
            #expect(o.visitsPerMonth.reduce(0, +) == 7)
            #expect(o.members.count == 1 && o.members[0].total == 7 && o.members[0].personId == nil)

            // The commune holds the same households; village T2 none (no percentage, not a division by zero).
            let commune = try await app.api(.GET, "/api/v1/units/\(f.tree.commune.id)/outreach").decode(OutreachOverviewDTO.self)
            #expect(commune.figures == o.figures && commune.households == 10)
            let empty = try await app.api(.GET, "/api/v1/units/\(f.tree.village2.id)/outreach").decode(OutreachOverviewDTO.self)
            #expect(empty.households == 0 && empty.figures.smartphone.percent == nil)
            // Group T1-01 holds h0…h4.
            let group = try await app.api(.GET, "/api/v1/units/\(f.tree.group11.id)/outreach").decode(OutreachOverviewDTO.self)
            #expect(group.households == 5 && Self.figure(group.figures.smartphone) == [3, 5] && Self.figure(group.visited90Days) == [4, 5])

            // The page shows the same numbers (Vietnamese style), each with links to its rows.
            let page = try await app.page("/units/\(f.tree.village1.id)/outreach")
            #expect(page.status == .ok)
            let expected: [(String, OutreachFigureDTO, String)] = [
                ("smartphone", o.figures.smartphone, "30%"), ("vneid", o.figures.vneid, "36,4%"), ("cashless", o.figures.cashless, "18,2%"),
                ("onlineServices", o.figures.onlineServices, "20%"), ("sellsOnline", o.figures.sellsOnline, "10%"),
            ]
            for (key, fig, percent) in expected {
                let row = Self.row(page.text, key)
                #expect(row.contains("<strong>\(percent)</strong>"), "\(key): \(row)")
                #expect(row.contains(">\(fig.numerator)</td>") && row.contains(">\(fig.denominator) "), "\(key): \(row)")
                #expect(row.contains("?show="), "\(key): \(row)")
            }
            #expect(page.text.contains("<svg class=\"chart\"") && page.text.contains("<title id=\"fig-title\">"))
        }
    }

    @Test("the never-visited list holds exactly the households never visited; each show list exactly the rows counted")
    func lists() async throws {
        try await withTestApp { app in
            let f = try await OverviewFixture.make(app)
            _ = try await app.api(.POST, "/api/v1/visits/\(f.voided)/void", json: VoidInput(reason: "Ghi nhầm hộ"))
            let c = f.codes
            let never = try await app.page("/units/\(f.tree.village1.id)/outreach/never-visited")
            #expect(never.status == .ok)
            #expect(Self.codes(never.text) == [c[7], c[8], c[9]])
            #expect(never.text.contains("0999000007") && never.text.contains("Chủ hộ 8") && never.text.contains("☐"))
            let expected: [(String, [Int])] = [
                ("visited", [0, 1, 2, 3, 5, 6]), ("notVisited", [4, 7, 8, 9]), ("neverVisited", [7, 8, 9]),
                ("profiled", [0, 1, 2, 3, 5]), ("noProfile", [4, 6, 7, 8, 9]),
                ("smartphone", [0, 1, 3]), ("noSmartphone", [2, 4, 5, 6, 7, 8, 9]),
                ("vneid", [0, 1, 3]), ("noVneid", [2, 4, 5, 6, 7, 8, 9]),
                ("cashless", [0, 3]), ("noCashless", [0, 1, 2, 4, 5, 6, 7, 8, 9]),
                ("onlineServices", [0, 3]), ("noOnlineServices", [1, 2, 4, 5, 6, 7, 8, 9]),
                ("sellsOnline", [0]), ("noSellsOnline", [1, 2, 3, 4, 5, 6, 7, 8, 9]),
            ]
            #expect(Set(expected.map(\.0)) == Set(OutreachList.allCases.map(\.rawValue)))
            for (show, rows) in expected {
                let page = try await app.page("/units/\(f.tree.village1.id)/outreach?show=\(show)")
                #expect(page.status == .ok)
                #expect(Self.codes(page.text) == Set(rows.map { c[$0] }), "\(show)")
            }
            // A list a page long: the second page holds the rest.
            let p1 = try await app.page("/units/\(f.tree.village1.id)/outreach?show=noSmartphone&per=4")
            let p2 = try await app.page("/units/\(f.tree.village1.id)/outreach?show=noSmartphone&per=4&page=2")
            #expect(Self.codes(p1.text).count == 4 && Self.codes(p1.text).union(Self.codes(p2.text)) == Set([2, 4, 5, 6, 7, 8, 9].map { c[$0] }))
            #expect(try await app.page("/units/\(f.tree.village1.id)/outreach?show=everything").status == .notFound)
            // Viewing a list of households is logged.
            let logged = try await (app.db as! any SQLDatabase).raw("SELECT COUNT(*) AS n FROM \(ident: AuditEvent.schema) WHERE table_name = 'outreach_households'")
                .first()!.decode(column: "n", as: Int.self)
            #expect(logged == expected.count + 3)
        }
    }

    @Test("a caller outside the unit's scope gets 404; /outreach opens the caller's own unit")
    func scope() async throws {
        try await withTestApp { app in
            let f = try await OverviewFixture.make(app)
            let other = try #require(await AdminUnit.find(f.tree.otherCommune.id, on: app.db))
            let village2 = try #require(await AdminUnit.find(f.tree.village2.id, on: app.db))
            let (_, token) = try await AccountActions.createToken(name: "xa2", role: .communeOfficial, unit: other, on: app.db)
            #expect(try await app.api(.GET, "/api/v1/units/\(f.tree.village1.id)/outreach", token: token).status == .notFound)
            #expect(try await app.api(.GET, "/api/v1/units/\(f.tree.otherCommune.id)/outreach", token: token).status == .ok)
            _ = try await AccountActions.createPerson(username: "thanhvien2", displayName: "Thành viên thôn Đoài", password: testPassword,
                                                      role: .digitalTeamMember, unit: village2, app: app)
            let member = try await app.signIn("thanhvien2")
            for path in ["/units/\(f.tree.village1.id)/outreach", "/units/\(f.tree.village1.id)/outreach?show=noSmartphone",
                         "/units/\(f.tree.village1.id)/outreach/never-visited", "/units/\(f.tree.commune.id)/outreach"] {
                #expect(try await app.page(path, as: member).status == .notFound, "\(path)")
            }
            let mine = try await app.page("/outreach", as: member)
            #expect(mine.status == .seeOther && mine.headers.first(name: .location) == "/units/\(f.tree.village2.id.uuidString.lowercased())/outreach")
            #expect(try await app.page("/units/\(f.tree.village2.id)/outreach", as: member).status == .ok)
            #expect(try await app.anonymousPage("/units/\(f.tree.village1.id)/outreach").status != .ok)
        }
    }

    @Test("a team's overview: the households of its unit, and only the visits recorded for the team")
    func team() async throws {
        try await withTestApp { app in
            let f = try await OverviewFixture.make(app)
            let team = DigitalTeam()
            team.id = UUID(); team.name = "Tổ CNS thôn Đông"; team.unitID = f.tree.village1.id; team.communeID = f.tree.commune.id
            try await team.create(on: app.db)
            let today = Day.today(app.now)
            let visits = [7, 8].map { i in
                VisitInput(clientId: UUID().uuidString, householdId: f.households[i].uuidString, teamId: team.id!.uuidString, visitedOn: today,
                           visitors: "Tổ CNS", helped: [], outcome: "done")
            }
            let res = try await app.api(.POST, "/api/v1/visits/sync", json: VisitBatchInput(visits: visits)).decode(VisitBatchResultDTO.self)
            #expect(res.recorded == 2, "\(res.results)")
            let o = try await OverviewQueries.team(team, today: today, on: app.db)
            #expect(o.teamId == team.id && o.unitId == f.tree.village1.id && o.households == 10)
            #expect(Self.figure(o.neverVisited) == [1, 10])
            #expect(o.visitsPerMonth.reduce(0, +) == 2 && o.members.map(\.total) == [2])
        }
    }
}
