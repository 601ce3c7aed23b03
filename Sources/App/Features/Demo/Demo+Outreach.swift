// The demo commune's outreach: a community digital technology team for each of its four villages (residents of the
// village, the first named leader), a door-to-door round in each village over the last five months recorded through the
// same batch action the phones use, a village meeting that recorded the households the team never found at home (so the
// follow-up list still has never-visited rows), and trainings: a VNeID evening, a cashless-payment evening and each
// village's course in basic digital skills. The profiles are shaped for the smart-village criteria (docs/criteria.md,
// "The demo"): by now Thôn Đông, Thôn Đoài and Thôn Nam meet every mandatory criterion, and Thôn Bắc misses one, SV-03,
// with twelve households of its outlying groups not yet in the village group; each village got there in its own month,
// so the trends climb. Skipped when the commune has teams.
import Fluent
import Foundation
import SQLKit
import Vapor

enum DemoOutreach {
    static func load(_ commune: AdminUnit, households: [Household], app: Application, log: (@Sendable (String) -> Void)?) async throws {
        let db = app.db
        if try await DigitalTeam.query(on: db).filter(\.$communeID == commune.id!).count() > 0 { return }
        let villages = try await AdminUnit.query(on: db).filter(\.$parentID == commune.id!).filter(\.$kind == .village).sort(\.$code).all()
        guard !villages.isEmpty, !households.isEmpty else { return }
        let today = Day.today(app.now)
        let year = Int(today.prefix(4))!
        var rng = Demo.Rand(state: 1015)
        let system = Access(personID: nil, tokenID: nil, displayName: "demo", grants: [Grant(role: .admin, unitID: nil)])
        let residents = try await Resident.query(on: db).filter(\.$householdID ~~ households.map { $0.id! }).all()
        var byHousehold: [UUID: [Resident]] = [:]
        for r in residents { byHousehold[r.householdID, default: []].append(r) }

        // 1. Teams: 8 to 16 adults of each village, the first one leading.
        var teamOf: [UUID: (UUID, [String])] = [:]   // village → team, member names
        for v in villages {
            let team = try await TeamActions.create(TeamInput(name: "Tổ công nghệ số cộng đồng \(v.name)", unitId: v.id!.uuidString), access: system, on: db)
            let pool = households.filter { $0.villageID == v.id }.compactMap { h in
                byHousehold[h.id!]?.first { ($0.birthYear ?? 0) <= year - 20 && ($0.birthYear ?? 0) >= year - 60 }
            }
            let size = min(pool.count, 8 + rng.int(0...8))
            var names: [String] = []
            for (i, r) in pool.prefix(size).enumerated() {
                let m = try await TeamActions.addMember(to: team, TeamMemberInput(residentId: r.id!.uuidString, leader: i == 0,
                                                                                  joinedOn: Day.adding(-200 - rng.int(0...100), to: today)),
                                                        access: system, today: today, on: db)
                names.append(m.displayName)
            }
            teamOf[v.id!] = (team.id!, names)
        }

        // 2. The profiles the teams find. Every household has fibre or 4G (the elderly without a smartphone have the
        // cable TV's fibre) and is in the village group (through a child's phone when nobody at home has a smartphone),
        // except `notInGroup` households of Thôn Bắc's outlying groups. Six households a village have nobody with a
        // smartphone (about 98%; Song Phượng's figure is 97%). Most adults have VNeID and cashless payment. The producer
        // households the market lists (the first `DemoMarket.perVillage` of each village by code) sell online, and a few
        // others say they do (the sells-online check has rows).
        let groupCodes = Dictionary(uniqueKeysWithValues: try await AdminUnit.query(on: db).filter(\.$communeID == commune.id!)
            .filter(\.$kind == .group).all().map { ($0.id!, $0.code) })
        let counts = try await ProfileRows.headcounts(of: households.map { $0.id! }, years: [year - 1, year], on: db)
        var finals: [UUID: ProfileAnswers] = [:]
        for v in villages {
            let own = households.filter { $0.villageID == v.id }.sorted { $0.code < $1.code }
            let producers = Set(own.prefix(DemoMarket.perVillage).map { $0.id! })
            var others = own.filter { !producers.contains($0.id!) }.map { $0.id! }
            var noPhone = Set<UUID>()
            while noPhone.count < min(Self.withoutSmartphone, others.count) { noPhone.insert(others.remove(at: rng.int(0...(others.count - 1)))) }
            var outlying = own.filter { h in
                !noPhone.contains(h.id!) && (h.groupID.flatMap { groupCodes[$0] }.map { $0.hasSuffix("-08") || $0.hasSuffix("-09") } ?? false)
            }.map { $0.id! }
            var outOfGroup = Set<UUID>()
            while v.code == Self.lagging, outOfGroup.count < min(Self.notInGroup, outlying.count) {
                outOfGroup.insert(outlying.remove(at: rng.int(0...(outlying.count - 1))))
            }
            for h in own {
                let c = counts[h.id!]?[year] ?? HouseholdHeadcount(residents: 0, adults: 0)
                let people = max(1, c.residents), adults = c.adults
                let phone = !noPhone.contains(h.id!)
                let inGroup = !outOfGroup.contains(h.id!)
                let r = rng.int(0...99)
                finals[h.id!] = ProfileAnswers(
                    internet: !phone || rng.int(0...99) < 86 ? "fibre" : "mobile",
                    smartphoneUsers: phone ? min(people, 1 + rng.int(0...2)) : 0,
                    adultsVneid: phone ? max(0, adults - (rng.int(0...99) < 25 ? 1 : 0)) : 0,
                    adultsCashless: phone ? max(0, adults - (r < 35 ? 1 : 0) - (r < 10 ? 1 : 0)) : 0,
                    onlineServices: phone && rng.int(0...99) < 62, eHealth: phone && rng.int(0...99) < 55,
                    inVillageChannel: inGroup, channel: inGroup ? "zalo" : nil,
                    sellsOnline: producers.contains(h.id!) || (phone && rng.int(0...99) < 1), ownCamera: rng.int(0...99) < 30)
            }
        }
        // A profile as it may be recorded on `day`: counts within the household's residents of that year.
        func fitted(_ p: ProfileAnswers, _ h: Household, on day: String) -> ProfileAnswers {
            let c = counts[h.id!]?[Int(day.prefix(4))!] ?? HouseholdHeadcount(residents: 0, adults: 0)
            var p = p
            if c.residents > 0 {
                p.smartphoneUsers = p.smartphoneUsers.map { min($0, c.residents) }
                p.adultsVneid = p.adultsVneid.map { min($0, c.adults) }
                p.adultsCashless = p.adultsCashless.map { min($0, c.adults) }
            }
            return p
        }

        // 3. Visits: each village's round (first visits between `rounds` days ago), a second visit for about four in
        // ten households two to six weeks later (the first found one adult fewer paying cashless, and the team helped),
        // about one household in fifty never found at home.
        var visits: [VisitInput] = []
        var unvisited: [(Household, ProfileAnswers, String)] = []
        for (vi, v) in villages.enumerated() {
            guard let (team, names) = teamOf[v.id!], !names.isEmpty else { continue }
            let round = Self.rounds[vi % Self.rounds.count]
            for h in households where h.villageID == v.id {
                guard let final = finals[h.id!] else { continue }
                let roll = rng.int(0...99)
                if roll < 2 {
                    unvisited.append((h, final, Day.adding(-(round.to - 2), to: today)))
                    continue
                }
                let times = roll < 40 ? 2 : 1
                var day = Day.adding(-rng.int(round.to...round.from), to: today)
                for t in 0..<times {
                    var profile = fitted(final, h, on: day)
                    var helped: [String] = []
                    if t == 0 { helped.append(Demo.Rand.pickHelp(&rng)) }
                    if times == 2 && t == 0, let cashless = profile.adultsCashless, cashless > 0 {
                        profile.adultsCashless = cashless - 1
                        helped.append("cashless")
                    }
                    let who = names[rng.int(0...(names.count - 1))] + (names.count > 1 ? ", " + names[rng.int(0...(names.count - 1))] : "")
                    // A first visit always met someone (its answers are the profile); a second one sometimes found nobody.
                    let outcome = t == 1 && rng.int(0...99) < 20 ? "notHome" : (t == 0 && times == 2 ? "followUp" : "done")
                    visits.append(VisitInput(clientId: UUID.random().uuidString, householdId: h.id!.uuidString, teamId: team.uuidString, visitedOn: day,
                                             visitors: who, helped: outcome == "notHome" ? [] : Array(Set(helped)).sorted(), outcome: outcome,
                                             nextVisitOn: outcome == "followUp" ? Day.adding(14, to: day) : nil,
                                             profile: outcome == "notHome" ? nil : profile, consent: outcome != "notHome"))
                    day = Day.adding(rng.int(14...40), to: day)
                    if day >= today { break }
                }
            }
        }
        var recorded = 0
        var start = 0
        while start < visits.count {
            let batch = Array(visits[start..<min(visits.count, start + VisitActions.maxBatch)])
            start += batch.count
            recorded += try await VisitActions.record(batch, access: system, lang: .vi, on: db).recorded
        }
        // The households never found at home: the village head recorded their answers at the village meeting that
        // closed the round (the profile form), so they are counted and still first on the team's list to visit.
        let head = Access(personID: nil, tokenID: nil, displayName: "Trưởng thôn (mẫu)", grants: [Grant(role: .admin, unitID: nil)])
        for (h, final, day) in unvisited {
            _ = try await ProfileActions.record(ProfileInput(asOf: day, profile: fitted(final, h, on: day), consent: true), household: h, access: head, on: db)
        }

        // 4. Trainings, with attendance: two evenings on VNeID and cashless payment, and each village's course in basic
        // digital skills at its cultural house, four evenings four weeks apart led by its team, each for an eighth of
        // its working-age residents (15-64) who had not come before: about 37% of them by the third evening (SV-11's 30%).
        var trainings = 0
        var attended = 0
        let sql = try ProfileRows.sql(db)
        func training(_ topic: String, daysAgo: Int, villages invited: [AdminUnit], place: String, trainer: String,
                      attendees: [(UUID, UUID)]) async throws {
            let t = Training()
            t.id = UUID.random()
            t.communeID = commune.id!
            t.teamID = invited.first.flatMap { teamOf[$0.id!]?.0 }
            t.topic = topic
            t.heldOn = Day.adding(-daysAgo, to: today)
            t.startsAt = "19:30"
            t.place = place
            t.trainer = trainer
            try await t.create(on: db)
            for v in invited {
                try await sql.insert(into: "training_units").columns("training_id", "unit_id").values(SQLBind(t.id!), SQLBind(v.id!)).run()
            }
            let rows: [[SQLValue]] = attendees.map { [t.id!, $0.0, $0.1, true, UUID?.none, app.now] }
            try await Bulk.insert(sql, into: "training_attendance", columns: ["training_id", "resident_id", "household_id", "attended", "recorded_by", "recorded_at"], rows: rows)
            trainings += 1
            attended += rows.count
        }
        let evenings: [(String, Int, [Int], String)] = [
            ("Cài đặt và sử dụng VNeID mức 2", 45, [0], "Nhà văn hóa thôn Đông"),
            ("Thanh toán không dùng tiền mặt an toàn", 12, [1, 2], "Hội trường UBND xã"),
        ]
        for (topic, daysAgo, villageIndexes, place) in evenings {
            let invited = villageIndexes.filter { $0 < villages.count }.map { villages[$0] }
            var who: [(UUID, UUID)] = []
            for h in households where invited.contains(where: { $0.id == h.villageID }) {
                for r in byHousehold[h.id!] ?? [] where (r.birthYear ?? 0) >= year - 70 && (r.birthYear ?? 0) <= year - 16 && rng.int(0...99) < 12 {
                    who.append((r.id!, h.id!))
                }
            }
            try await training(topic, daysAgo: daysAgo, villages: invited, place: place, trainer: "Đoàn Thanh niên xã", attendees: who)
        }
        for (vi, v) in villages.enumerated() {
            var pool: [(UUID, UUID)] = []
            for h in households where h.villageID == v.id {
                for r in byHousehold[h.id!] ?? [] where r.birthYear.map({ Measures.workingAge.contains(year - $0) }) ?? true { pool.append((r.id!, h.id!)) }
            }
            let each = (pool.count + 7) / 8
            let first = Self.courseStarts[vi % Self.courseStarts.count]
            for k in 0..<Self.courseEvenings {
                var who: [(UUID, UUID)] = []
                while who.count < each, !pool.isEmpty { who.append(pool.remove(at: rng.int(0...(pool.count - 1)))) }
                try await training("Phổ cập kỹ năng số cơ bản, buổi \(k + 1): \(Self.courseTopics[k % Self.courseTopics.count])",
                                   daysAgo: first - 28 * k, villages: [v], place: "Nhà văn hóa \(v.name)",
                                   trainer: "Tổ công nghệ số cộng đồng \(v.name)", attendees: who)
            }
        }
        log?("Outreach: \(villages.count) digital teams, \(recorded) visits, \(unvisited.count) profiles recorded at village meetings, \(trainings) trainings with \(attended) residents attending")
    }

    /// The village that misses one criterion (SV-03): `notInGroup` households of its outlying groups are not in its group.
    static let lagging = "T4"
    static let notInGroup = 12
    /// Households a village with nobody using a smartphone.
    static let withoutSmartphone = 6
    /// Each village's door-to-door round: first visits between `from` and `to` days before today, by village code order.
    static let rounds: [(from: Int, to: Int)] = [(150, 100), (135, 80), (115, 55), (105, 45)]
    /// Each village's course in basic digital skills: its first evening, days before today; then one every four weeks.
    static let courseStarts = [145, 120, 100, 90]
    static let courseEvenings = 4
    static let courseTopics = ["điện thoại thông minh và Zalo", "VNeID và dịch vụ công trực tuyến", "thanh toán điện tử, phòng lừa đảo",
                               "sổ sức khỏe điện tử, bán hàng trên mạng"]

    /// Adds the demo's digital-team member account to its village's team (the accounts are made after the load).
    static func linkMember(_ person: Person, village: AdminUnit, today: String, on db: any Database) async throws {
        guard let team = try await DigitalTeam.query(on: db).filter(\.$unitID == village.id!).first(),
              try await TeamMember.query(on: db).filter(\.$teamID == team.id!).filter(\.$personID == person.id!).count() == 0 else { return }
        let system = Access(personID: nil, tokenID: nil, displayName: "demo", grants: [Grant(role: .admin, unitID: nil)])
        _ = try await TeamActions.addMember(to: team, TeamMemberInput(personId: person.id!.uuidString, joinedOn: Day.adding(-30, to: today)),
                                            access: system, today: today, on: db)
    }
}

extension Demo.Rand {
    static func pickHelp(_ rng: inout Demo.Rand) -> String {
        rng.pick(["vneid", "vneid", "cashless", "onlineProcedure", "villageChannel", "webPush", "other"])
    }
}
