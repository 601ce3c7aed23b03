// The demo commune's outreach: a community digital technology team for each of its four villages (residents of the
// village, the first named leader), five months of door-to-door visits recorded through the same batch action the
// phones use, whose profiles give about 97% of households a smartphone user (Song Phượng's figure), some households
// never visited (so the follow-up list has rows), and two trainings with attendance. Skipped when the commune has teams.
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

        // 2. Visits over the last five months: most households once or twice, about one in fifty never.
        let counts = try await ProfileRows.headcounts(of: households.map { $0.id! }, years: [year], on: db)
        var visits: [VisitInput] = []
        for h in households {
            let roll = rng.int(0...99)
            if roll < 2 { continue }
            guard let (team, names) = teamOf[h.villageID], !names.isEmpty else { continue }
            let c = counts[h.id!]?[year] ?? HouseholdHeadcount(residents: 0, adults: 0)
            let people = max(1, c.residents), adults = max(1, c.adults)
            let times = roll < 40 ? 2 : 1
            var day = Day.adding(-rng.int(20...150), to: today)
            for t in 0..<times {
                // About 97% of all households have someone with a smartphone (99% of those visited); the rest are
                // elderly people living alone.
                let smartphone = rng.int(0...99) < 99 ? min(people, 1 + rng.int(0...2)) : 0
                let vneid = smartphone == 0 ? 0 : min(adults, max(1, adults - rng.int(0...1)))
                let cashless = smartphone == 0 ? 0 : min(adults, rng.int(0...adults))
                let inChannel = smartphone > 0 && rng.int(0...99) < 95
                let profile = ProfileAnswers(
                    internet: smartphone == 0 ? "none" : (rng.int(0...99) < 86 ? "fibre" : "mobile"),
                    smartphoneUsers: smartphone, adultsVneid: vneid, adultsCashless: cashless,
                    onlineServices: smartphone > 0 && rng.int(0...99) < 62, eHealth: smartphone > 0 && rng.int(0...99) < 55,
                    inVillageChannel: inChannel, channel: inChannel ? "zalo" : nil,
                    sellsOnline: smartphone > 0 && rng.int(0...99) < 7, ownCamera: rng.int(0...99) < 30)
                var helped: [String] = []
                if t == 0 { helped.append(Demo.Rand.pickHelp(&rng)) }
                if rng.int(0...99) < 30 { helped.append("villageChannel") }
                let who = names[rng.int(0...(names.count - 1))] + (names.count > 1 ? ", " + names[rng.int(0...(names.count - 1))] : "")
                // A first visit always met someone (its answers are the profile); a second one sometimes found nobody.
                let outcome = t == 1 && rng.int(0...99) < 20 ? "notHome" : (t == 0 && times == 2 ? "followUp" : "done")
                visits.append(VisitInput(clientId: UUID().uuidString, householdId: h.id!.uuidString, teamId: team.uuidString, visitedOn: day,
                                         visitors: who, helped: outcome == "notHome" ? [] : helped, outcome: outcome,
                                         nextVisitOn: outcome == "followUp" ? Day.adding(14, to: day) : nil,
                                         profile: outcome == "notHome" ? nil : profile, consent: outcome != "notHome"))
                day = Day.adding(rng.int(14...40), to: day)
                if day > today { break }
            }
        }
        var recorded = 0
        var start = 0
        while start < visits.count {
            let batch = Array(visits[start..<min(visits.count, start + VisitActions.maxBatch)])
            start += batch.count
            recorded += try await VisitActions.record(batch, access: system, lang: .vi, on: db).recorded
        }

        // 3. Two trainings, with attendance.
        let seeds: [(String, Int, [Int], String)] = [
            ("Cài đặt và sử dụng VNeID mức 2", 45, [0], "Nhà văn hóa thôn Đông"),
            ("Thanh toán không dùng tiền mặt an toàn", 12, [1, 2], "Hội trường UBND xã"),
        ]
        var attended = 0
        for (topic, daysAgo, villageIndexes, place) in seeds {
            let invited = villageIndexes.compactMap { villageIndexes.count > 0 && $0 < villages.count ? villages[$0] : nil }
            let t = Training()
            t.id = UUID()
            t.communeID = commune.id!
            t.teamID = invited.first.flatMap { teamOf[$0.id!]?.0 }
            t.topic = topic
            t.heldOn = Day.adding(-daysAgo, to: today)
            t.startsAt = "19:30"
            t.place = place
            t.trainer = "Đoàn Thanh niên xã"
            try await t.create(on: db)
            let sql = try ProfileRows.sql(db)
            for v in invited {
                try await sql.insert(into: "training_units").columns("training_id", "unit_id").values(SQLBind(t.id!), SQLBind(v.id!)).run()
            }
            var rows: [[SQLValue]] = []
            for h in households where invited.contains(where: { $0.id == h.villageID }) {
                for r in byHousehold[h.id!] ?? [] where (r.birthYear ?? 0) >= year - 70 && (r.birthYear ?? 0) <= year - 16 && rng.int(0...99) < 12 {
                    rows.append([t.id!, r.id!, h.id!, true, UUID?.none, app.now])
                }
            }
            try await Bulk.insert(sql, into: "training_attendance", columns: ["training_id", "resident_id", "household_id", "attended", "recorded_by", "recorded_at"], rows: rows)
            attended += rows.count
        }
        log?("Outreach: \(villages.count) digital teams, \(recorded) visits, 2 trainings with \(attended) residents attending")
    }

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
