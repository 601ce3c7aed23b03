import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
@testable import App

/// Teams, members and visits through the JSON API, as a commune official and a team member would use them.
@Suite("Outreach: teams and visits")
struct OutreachTests {
    struct Fixture {
        var tree: Tree
        var h1: HouseholdDetailDTO   // village T1, group T1-01: one adult (born 1970)
        var h2: HouseholdDetailDTO   // village T1, group T1-02
        var h3: HouseholdDetailDTO   // village T2
        var official: String         // token of a commune official of 00001
        var member: String           // token of a digital-team member on village T1
        var memberPerson: UUID
    }

    static func fixture(_ app: Application) async throws -> Fixture {
        let t = try await Tree.make(app)
        let h1 = try await app.api(.POST, "/api/v1/households", json: householdInput("VH-1", village: t.village1, group: t.group11)).decode(HouseholdDetailDTO.self)
        let h2 = try await app.api(.POST, "/api/v1/households", json: householdInput("VH-2", village: t.village1, group: t.group12, name: "Trần Thị Bình")).decode(HouseholdDetailDTO.self)
        let h3 = try await app.api(.POST, "/api/v1/households", json: householdInput("VH-3", village: t.village2, name: "Lê Văn Cường")).decode(HouseholdDetailDTO.self)
        let commune = try #require(await AdminUnit.find(t.commune.id, on: app.db))
        let village = try #require(await AdminUnit.find(t.village1.id, on: app.db))
        let (_, official) = try await AccountActions.createToken(name: "xa", role: .communeOfficial, unit: commune, on: app.db)
        let person = try await AccountActions.createPerson(username: "congnghe1", displayName: "Phạm Văn Dũng", password: testPassword,
                                                           role: .digitalTeamMember, unit: village, app: app)
        let (_, member) = try await AccountActions.createToken(name: "tv", role: .digitalTeamMember, unit: village, on: app.db)
        return Fixture(tree: t, h1: h1, h2: h2, h3: h3, official: official, member: member, memberPerson: person.id!)
    }

    @Test("an official creates a team for a village and adds members; the team is active with 3 members and a recent visit")
    func teams() async throws {
        try await withTestApp { app in
            let f = try await Self.fixture(app)
            let created = try await app.api(.POST, "/api/v1/teams", json: TeamInput(name: "Tổ CNS thôn Đông", unitId: f.tree.village1.id.uuidString), token: f.official)
            #expect(created.status == .created, "\(created.text)")
            let team = try created.decode(TeamDetailDTO.self).team
            #expect(created.headers.first(name: .location) == "/api/v1/teams/\(team.id.uuidString.lowercased())")
            #expect(team.memberCount == 0 && !team.active && team.communeId == f.tree.commune.id)

            // A resident leads it; a person with an account joins and is given the member role in the same step.
            let leader = try await app.api(.POST, "/api/v1/teams/\(team.id)/members",
                                           json: TeamMemberInput(residentId: f.h1.residents[0].id.uuidString, leader: true), token: f.official)
            #expect(leader.status == .created, "\(leader.text)")
            #expect(try leader.decode(TeamMemberDTO.self).displayName == "Nguyễn Văn An")
            let other = try await AccountActions.createPerson(username: "thanhnien", displayName: "Đoàn Thanh Niên", password: testPassword,
                                                              role: .groupHead, unit: try #require(await AdminUnit.find(f.tree.group11.id, on: app.db)), app: app)
            let joined = try await app.api(.POST, "/api/v1/teams/\(team.id)/members",
                                           json: TeamMemberInput(personId: "thanhnien", phone: "0912 345 678", grantRole: true), token: f.official)
            #expect(joined.status == .created, "\(joined.text)")
            #expect(try joined.decode(TeamMemberDTO.self).phone == "0912345678")
            let grants = try await RoleGrant.query(on: app.db).filter(\.$personID == other.id!).all()
            #expect(grants.contains { $0.role == .digitalTeamMember && $0.unitID == f.tree.village1.id })
            _ = try await app.api(.POST, "/api/v1/teams/\(team.id)/members", json: TeamMemberInput(displayName: "Hoàng Thị Hoa"), token: f.official)

            // Bad members: nobody named, a resident of another commune, left before joining, the same person twice.
            let before = try await app.count("team_members")
            let bad = try await app.api(.POST, "/api/v1/teams/\(team.id)/members", json: TeamMemberInput(), token: f.official)
            #expect(bad.status == .unprocessableEntity && bad.text.contains("displayName"))
            let foreign = try await app.api(.POST, "/api/v1/households", json: householdInput("NGOAI-1", village: f.tree.otherVillage, name: "Người Xã Khác")).decode(HouseholdDetailDTO.self)
            let wrongCommune = try await app.api(.POST, "/api/v1/teams/\(team.id)/members",
                                                 json: TeamMemberInput(residentId: foreign.residents[0].id.uuidString), token: f.official)
            #expect(wrongCommune.status == .unprocessableEntity && wrongCommune.text.contains("residentId"))
            let dates = try await app.api(.POST, "/api/v1/teams/\(team.id)/members",
                                          json: TeamMemberInput(displayName: "Vũ Văn Em", joinedOn: "2026-05-01", leftOn: "2026-04-01"), token: f.official)
            #expect(dates.status == .unprocessableEntity && dates.text.contains("leftOn"))
            let twice = try await app.api(.POST, "/api/v1/teams/\(team.id)/members", json: TeamMemberInput(personId: "thanhnien"), token: f.official)
            #expect(twice.status == .unprocessableEntity && twice.text.contains("personId"))
            #expect(try await app.count("team_members") == before)

            // Three members, no work yet: idle. A visit by the team makes it active.
            var detail = try await app.api(.GET, "/api/v1/teams/\(team.id)", token: f.official).decode(TeamDetailDTO.self)
            #expect(detail.team.memberCount == 3 && !detail.team.active && detail.members.first?.leader == true)
            let visit = VisitInput(householdId: f.h1.household.id.uuidString, teamId: team.id.uuidString, visitedOn: app.today, visitors: "Tổ CNS")
            #expect(try await app.api(.POST, "/api/v1/visits", json: visit, token: f.member).status == .created)
            detail = try await app.api(.GET, "/api/v1/teams/\(team.id)", token: f.official).decode(TeamDetailDTO.self)
            #expect(detail.team.active && detail.visitsLast90Days == 1 && detail.team.lastActivityOn == app.today)
            // 91 days later the team is idle again.
            app.testClock.advance(by: 91 * 86_400)
            #expect(try await app.api(.GET, "/api/v1/teams/\(team.id)", token: f.official).decode(TeamDetailDTO.self).team.active == false)

            // A member leaves: two current members, not active.
            let leaving = try #require(detail.members.first { $0.displayName == "Hoàng Thị Hoa" })
            let left = try await app.api(.PATCH, "/api/v1/team-members/\(leaving.id)", json: ["leftOn": app.today], token: f.official)
            let leftMember = try left.decode(TeamMemberDTO.self)
            #expect(left.status == .ok && leftMember.leftOn == app.today)
            #expect(try await app.api(.GET, "/api/v1/teams/\(team.id)", token: f.official).decode(TeamDetailDTO.self).team.memberCount == 2)

            // The member of village T1 sees the team; a village head of T2 does not; the member may not create one.
            #expect(try await app.api(.GET, "/api/v1/teams", token: f.member).decode([TeamDTO].self).map(\.id) == [team.id])
            let v2 = try #require(await AdminUnit.find(f.tree.village2.id, on: app.db))
            let (_, head2) = try await AccountActions.createToken(name: "t2", role: .villageHead, unit: v2, on: app.db)
            #expect(try await app.api(.GET, "/api/v1/teams/\(team.id)", token: head2).status == .notFound)
            #expect(try await app.api(.GET, "/api/v1/teams", token: head2).decode([TeamDTO].self).isEmpty)
            let byMember = try await app.api(.POST, "/api/v1/teams", json: TeamInput(name: "Tổ khác", unitId: f.tree.village1.id.uuidString), token: f.member)
            #expect(byMember.status == .unprocessableEntity && byMember.text.contains("unitId"), "a member cannot lay out a team")
            // An official may not make a team for a unit outside their commune, nor for a group.
            let outside = try await app.api(.POST, "/api/v1/teams", json: TeamInput(name: "Tổ ngoài", unitId: f.tree.otherVillage.id.uuidString), token: f.official)
            #expect(outside.status == .unprocessableEntity && outside.text.contains("unitId"))
            let group = try await app.api(.POST, "/api/v1/teams", json: TeamInput(name: "Tổ nhóm", unitId: f.tree.group11.id.uuidString), token: f.official)
            #expect(group.status == .unprocessableEntity)
        }
    }

    @Test("the team pages: an official lays out a team and adds members by form (errors next to the field, nothing written); a member sees the team, another village's head gets 404")
    func teamPages() async throws {
        try await withTestApp { app in
            let f = try await Self.fixture(app)
            let commune = try #require(await AdminUnit.find(f.tree.commune.id, on: app.db))
            _ = try await AccountActions.createPerson(username: "canboxa", displayName: "Cán Bộ Xã", password: testPassword, role: .communeOfficial, unit: commune, app: app)
            let official = try await app.signIn("canboxa")
            let form = try await app.page("/teams/new", headers: ["Accept-Language": "vi"], as: official)
            #expect(form.status == .ok && form.text.contains("Thôn Đông") && !form.text.contains("Thôn Ngoài"))
            let bad = try await app.form("/teams", ["name": "", "unitId": f.tree.village1.id.uuidString], headers: ["Accept-Language": "vi"], as: official)
            #expect(bad.status == .unprocessableEntity && bad.text.contains("Vui lòng điền mục này."), "\(bad.text.prefix(300))")
            #expect(try await app.count("digital_teams") == 0)
            let made = try await app.form("/teams", ["name": "Tổ CNS thôn Đông", "unitId": f.tree.village1.id.uuidString], as: official)
            #expect(made.status == .seeOther)
            let url = try #require(made.headers.first(name: .location))
            for (name, leader) in [("Nguyễn Văn Hùng", "1"), ("Trần Thị Lan", ""), ("Lê Văn Minh", "")] {
                let r = try await app.form(url + "/members", ["displayName": name, "phone": "0912000111", "leader": leader], as: official)
                #expect(r.status == .seeOther, "\(r.text.prefix(300))")
            }
            let wrongPhone = try await app.form(url + "/members", ["displayName": "Vũ Văn Em", "phone": "12345"], headers: ["Accept-Language": "vi"], as: official)
            #expect(wrongPhone.status == .unprocessableEntity && wrongPhone.text.contains("class=\"error\""))
            let page = try await app.page(url, headers: ["Accept-Language": "vi"], as: official)
            #expect(page.status == .ok && page.text.contains("Nguyễn Văn Hùng") && page.text.contains("Tổ trưởng") && page.text.contains("Thêm thành viên"))
            #expect(try await TeamMember.query(on: app.db).count() == 3)
            // Leaving on a date.
            let hoa = try #require(try await TeamMember.query(on: app.db).filter(\.$displayName == "Lê Văn Minh").first())
            #expect(try await app.form("/team-members/\(hoa.id!)/leave", ["leftOn": app.today], as: official).status == .seeOther)
            #expect(try await TeamMember.find(hoa.id, on: app.db)?.leftOn == app.today)
            // The list shows it; a member of the village sees it without the forms; a head of village T2 gets 404.
            #expect(try await app.page("/teams", as: official).text.contains("Tổ CNS thôn Đông"))
            _ = try await AccountActions.createPerson(username: "truongt2", displayName: "Trưởng T2", password: testPassword, role: .villageHead,
                                                      unit: try #require(await AdminUnit.find(f.tree.village2.id, on: app.db)), app: app)
            let member = try await app.signIn("congnghe1")
            let seen = try await app.page(url, as: member)
            #expect(seen.status == .ok && !seen.text.contains("/members\""))
            #expect(try await app.page(url, as: try await app.signIn("truongt2")).status == .notFound)
            #expect(try await app.form(url + "/members", ["displayName": "X"], as: member).status == .notFound)
        }
    }

    @Test("a training for the whole commune reaches a village head's village; one for another village does not")
    func trainingScopeAroundUnits() async throws {
        try await withTestApp { app in
            let f = try await Self.fixture(app)
            func training(_ invited: [UnitDTO]) async throws -> UUID {
                let t = Training()
                t.id = UUID(); t.communeID = f.tree.commune.id; t.topic = "Cài VNeID"; t.heldOn = app.today; t.place = "Nhà văn hoá"; t.trainer = "Đoàn xã"
                try await t.create(on: app.db)
                for u in invited {
                    try await (app.db as! any SQLDatabase).insert(into: "training_units").columns("training_id", "unit_id").values(SQLBind(t.id!), SQLBind(u.id)).run()
                }
                return t.id!
            }
            let whole = try await training([f.tree.commune]), other = try await training([f.tree.village1])
            let (_, head2) = try await AccountActions.createToken(name: "t2", role: .villageHead, unit: try #require(await AdminUnit.find(f.tree.village2.id, on: app.db)), on: app.db)
            #expect(try await app.api(.GET, "/api/v1/trainings/\(whole)", token: head2).status == .ok)
            #expect(try await app.api(.GET, "/api/v1/trainings/\(other)", token: head2).status == .notFound)
            let listed = try await app.api(.GET, "/api/v1/trainings", token: head2)
            #expect(listed.status == .ok && listed.text.contains(whole.uuidString) && !listed.text.contains(other.uuidString))
        }
    }

    @Test("a member's households to visit: their village only, never visited first, then the oldest visit; profile answers kept as of the visit's date")
    func targetsAndProfiles() async throws {
        try await withTestApp { app in
            let f = try await Self.fixture(app)
            var list = try await app.api(.GET, "/api/v1/visits/households", token: f.member).decode(Paged<VisitTargetDTO>.self)
            #expect(Set(list.items.map(\.householdId)) == [f.h1.household.id, f.h2.household.id], "village T1 only")
            #expect(list.items.allSatisfy { $0.lastVisitOn == nil && $0.adults == 1 && $0.residents == 1 })
            let yesterday = Day.adding(-1, to: app.today)
            let profile = ProfileAnswers(internet: "fibre", smartphoneUsers: 1, adultsVneid: 1, adultsCashless: 0, inVillageChannel: true, channel: "zalo")
            let r = try await app.api(.POST, "/api/v1/visits", json: VisitInput(householdId: f.h1.household.id.uuidString, visitedOn: yesterday,
                                                                                  visitors: "Phạm Văn Dũng", helped: ["vneid", "villageChannel"],
                                                                                  nextVisitOn: Day.adding(30, to: app.today), profile: profile), token: f.member)
            #expect(r.status == .created, "\(r.text)")
            let v = try r.decode(VisitDTO.self)
            #expect(v.helped == [.vneid, .villageChannel] && v.profile?.internet == .fibre && v.profile?.asOf == yesterday && v.profile?.source == .visit)
            list = try await app.api(.GET, "/api/v1/visits/households", token: f.member).decode(Paged<VisitTargetDTO>.self)
            #expect(list.items.map(\.householdId) == [f.h2.household.id, f.h1.household.id], "never visited first")
            #expect(list.items[1].lastVisitOn == yesterday && list.items[1].profile?.adultsVneid == 1)
            // Narrowed to group T1-02; a group of another village is refused.
            let g = try await app.api(.GET, "/api/v1/visits/households?unit=\(f.tree.group12.id)", token: f.member).decode(Paged<VisitTargetDTO>.self)
            #expect(g.items.map(\.householdId) == [f.h2.household.id])
            #expect(try await app.api(.GET, "/api/v1/visits/households?unit=\(f.tree.village2.id)", token: f.member).status == .notFound)
            // An earlier date's answers do not replace a later profile.
            let old = ProfileAnswers(internet: "none", smartphoneUsers: 0)
            #expect(try await app.api(.POST, "/api/v1/visits", json: VisitInput(householdId: f.h1.household.id.uuidString, visitedOn: Day.adding(-10, to: app.today),
                                                                                 visitors: "Phạm Văn Dũng", profile: old), token: f.member).status == .created)
            let latest = try await ProfileRows.latest(of: [f.h1.household.id], on: app.db)[f.h1.household.id]
            #expect(latest?.internet == .fibre)
            let then = try await ProfileRows.latest(of: [f.h1.household.id], asOf: Day.adding(-5, to: app.today), on: app.db)[f.h1.household.id]
            #expect(then?.internet == InternetAccess.none)
            // The household's visits, newest first; audited as a view.
            let visits = try await app.api(.GET, "/api/v1/households/\(f.h1.household.id)/visits", token: f.member).decode([VisitDTO].self)
            #expect(visits.count == 2 && visits[0].visitedOn == yesterday)
            #expect(try await app.api(.GET, "/api/v1/households/\(f.h3.household.id)/visits", token: f.member).status == .notFound)
            let views = try await AuditEvent.query(on: app.db).filter(\.$action == "view").filter(\.$tableName == Visit.schema).count()
            #expect(views == 1)
        }
    }

    @Test("bad visits answer with the field at fault and write nothing")
    func badVisits() async throws {
        try await withTestApp { app in
            let f = try await Self.fixture(app)
            let h = f.h1.household.id.uuidString
            let cases: [(VisitInput, String)] = [
                (VisitInput(householdId: UUID().uuidString, visitedOn: app.today, visitors: "A"), "householdId"),
                (VisitInput(householdId: f.h3.household.id.uuidString, visitedOn: app.today, visitors: "A"), "householdId"),   // outside the member's village
                (VisitInput(householdId: h, visitedOn: Day.adding(1, to: app.today), visitors: "A"), "visitedOn"),
                (VisitInput(householdId: h, visitedOn: "2020-13-45", visitors: "A"), "visitedOn"),
                (VisitInput(householdId: h, visitedOn: app.today, visitors: ""), "visitors"),
                (VisitInput(householdId: h, visitedOn: app.today, visitors: "A", helped: ["magic"]), "helped"),
                (VisitInput(householdId: h, visitedOn: app.today, visitors: "A", outcome: "maybe"), "outcome"),
                (VisitInput(householdId: h, visitedOn: app.today, visitors: "A", nextVisitOn: Day.adding(-3, to: app.today)), "nextVisitOn"),
                (VisitInput(householdId: h, visitedOn: app.today, visitors: "A", profile: ProfileAnswers(adultsVneid: 2)), "profile.adultsVneid"),
                (VisitInput(householdId: h, visitedOn: app.today, visitors: "A", profile: ProfileAnswers(smartphoneUsers: Int.max)), "profile.smartphoneUsers"),
                (VisitInput(householdId: h, visitedOn: app.today, visitors: "A", profile: ProfileAnswers(internet: "satellite")), "profile.internet"),
                (VisitInput(householdId: h, visitedOn: app.today, visitors: "A", profile: ProfileAnswers(inVillageChannel: false, channel: "zalo")), "profile.channel"),
                (VisitInput(clientId: "not-a-uuid", householdId: h, visitedOn: app.today, visitors: "A"), "clientId"),
                (VisitInput(householdId: h, visitedOn: app.today, visitors: "A\u{0007}"), "visitors"),
            ]
            for (input, field) in cases {
                let r = try await app.api(.POST, "/api/v1/visits", json: input, headers: ["Accept-Language": "vi"], token: f.member)
                #expect(r.status == .unprocessableEntity, "\(field): \(r.status) \(r.text)")
                let body = try r.decode(ErrorBody.self)
                #expect(body.fields?.contains { $0.field == field } == true, "\(field): \(r.text)")
            }
            #expect(try await app.count("visits") == 0)
            #expect(try await app.count("household_profiles") == 0)
            // A void needs a reason; a voided visit's profile stops counting; voiding twice is refused.
            let v = try await app.api(.POST, "/api/v1/visits", json: VisitInput(householdId: h, visitedOn: app.today, visitors: "A",
                                                                                 profile: ProfileAnswers(smartphoneUsers: 1)), token: f.member).decode(VisitDTO.self)
            #expect(try await app.api(.POST, "/api/v1/visits/\(v.id)/void", json: VoidInput(reason: " "), token: f.member).status == .unprocessableEntity)
            let voided = try await app.api(.POST, "/api/v1/visits/\(v.id)/void", json: VoidInput(reason: "Ghi nhầm hộ"), token: f.member)
            let voidedDTO = try voided.decode(VisitDTO.self)
            #expect(voided.status == .ok && voidedDTO.voided)
            #expect(try await ProfileRows.latest(of: [f.h1.household.id], on: app.db).isEmpty)
            #expect(try await app.api(.POST, "/api/v1/visits/\(v.id)/void", json: VoidInput(reason: "Lần nữa"), token: f.member).status == .conflict)
            #expect(try await app.count("visits") == 1, "voided, not deleted")
        }
    }

    @Test("the phone's batch sync: good visits recorded, a bad one answered with its fields, the same batch again adds nothing (also after a household left the member's scope), two members' visits both kept")
    func sync() async throws {
        try await withTestApp { app in
            let f = try await Self.fixture(app)
            let ids = (0..<4).map { _ in UUID().uuidString.lowercased() }
            var batch = [
                VisitInput(clientId: ids[0], householdId: f.h1.household.id.uuidString, visitedOn: app.today, visitors: "A",
                           profile: ProfileAnswers(smartphoneUsers: 1), consent: true),
                VisitInput(clientId: ids[1], householdId: f.h2.household.id.uuidString, visitedOn: app.today, visitors: "A", outcome: "notHome"),
                VisitInput(clientId: ids[2], householdId: f.h3.household.id.uuidString, visitedOn: app.today, visitors: "A"),   // outside
            ]
            let first = try await app.api(.POST, "/api/v1/visits/sync", json: VisitBatchInput(visits: batch), token: f.member)
            #expect(first.status == .ok, "\(first.text)")
            let r1 = try first.decode(VisitBatchResultDTO.self)
            #expect(r1.recorded == 2 && r1.refused == 1 && r1.duplicates == 0)
            #expect(r1.results.map(\.status) == [.recorded, .recorded, .refused])
            #expect(r1.results[2].errors?.map(\.field) == ["householdId"] && r1.results[2].clientId == ids[2])
            #expect(try await app.count("visits") == 2)
            #expect(try await app.count("household_profiles") == 1)
            let consent = try await Consent.query(on: app.db).filter(\.$householdID == f.h1.household.id).all()
            #expect(consent.map(\.purpose) == [OutreachConsent.purpose])
            // Sent again (the phone did not hear the answer): nothing more.
            let again = try await app.api(.POST, "/api/v1/visits/sync", json: VisitBatchInput(visits: batch), token: f.member).decode(VisitBatchResultDTO.self)
            #expect(again.recorded == 0 && again.duplicates == 2 && again.refused == 1)
            #expect(again.results[0].visitId == r1.results[0].visitId)
            #expect(try await app.count("visits") == 2)
            #expect(try await app.count("household_profiles") == 1)
            #expect(try await app.count("consents") == 1)
            // One household moved out of the member's village since: its visit sent again is still a duplicate, not refused.
            let moved = try await app.api(.PATCH, "/api/v1/households/\(f.h2.household.id)",
                                          json: HouseholdInput(villageId: f.tree.village2.id.uuidString, groupId: ""))
            #expect(moved.status == .ok, "\(moved.text)")
            let afterMove = try await app.api(.POST, "/api/v1/visits/sync", json: VisitBatchInput(visits: batch), token: f.member).decode(VisitBatchResultDTO.self)
            #expect(afterMove.results.map(\.status) == [.duplicate, .duplicate, .refused])
            #expect(afterMove.results[1].visitId == r1.results[1].visitId)
            #expect(try await app.count("visits") == 2)
            // Another member visited the same household offline: a visit of its own.
            batch = [VisitInput(clientId: ids[3], householdId: f.h1.household.id.uuidString, visitedOn: app.today, visitors: "B")]
            let other = try await app.api(.POST, "/api/v1/visits/sync", json: VisitBatchInput(visits: batch)).decode(VisitBatchResultDTO.self)
            #expect(other.recorded == 1)
            #expect(try await Visit.query(on: app.db).filter(\.$householdID == f.h1.household.id).count() == 2)
            // Too many in one batch: 413, nothing written; no list at all: 422.
            let many = (0...VisitActions.maxBatch).map { _ in VisitInput(householdId: f.h1.household.id.uuidString, visitedOn: app.today, visitors: "C") }
            #expect(try await app.api(.POST, "/api/v1/visits/sync", json: VisitBatchInput(visits: many), token: f.member).status == .payloadTooLarge)
            #expect(try await app.api(.POST, "/api/v1/visits/sync", json: VisitBatchInput(visits: nil), token: f.member).status == .unprocessableEntity)
            #expect(try await app.count("visits") == 3)
        }
    }

    @Test("a sync batch reads its households' residents once: counts checked per household, one consent per household, none over one in force")
    func syncBatchReads() async throws {
        try await withTestApp { app in
            let f = try await Self.fixture(app)
            let h1 = f.h1.household.id.uuidString, h2 = f.h2.household.id.uuidString
            // Each household has one adult (its representative, born 1970).
            let batch = [
                VisitInput(clientId: UUID().uuidString, householdId: h1, visitedOn: app.today, visitors: "A",
                           profile: ProfileAnswers(adultsVneid: 2), consent: true),
                VisitInput(clientId: UUID().uuidString, householdId: h1, visitedOn: app.today, visitors: "A",
                           profile: ProfileAnswers(smartphoneUsers: 1, adultsVneid: 1), consent: true),
                VisitInput(clientId: UUID().uuidString, householdId: h2, visitedOn: app.today, visitors: "A", consent: true),
                VisitInput(clientId: UUID().uuidString, householdId: h2, visitedOn: app.today, visitors: "B", consent: true),
            ]
            let r = try await app.api(.POST, "/api/v1/visits/sync", json: VisitBatchInput(visits: batch), token: f.member).decode(VisitBatchResultDTO.self)
            #expect(r.results.map(\.status) == [.refused, .recorded, .recorded, .recorded])
            #expect(r.results[0].errors?.map(\.field) == ["profile.adultsVneid"])
            #expect(try await Consent.query(on: app.db).filter(\.$householdID == f.h1.household.id).count() == 1)
            #expect(try await Consent.query(on: app.db).filter(\.$householdID == f.h2.household.id).count() == 1)
            // A consent already in force: none more.
            let again = [VisitInput(clientId: UUID().uuidString, householdId: h2, visitedOn: app.today, visitors: "C", consent: true)]
            #expect(try await app.api(.POST, "/api/v1/visits/sync", json: VisitBatchInput(visits: again), token: f.member)
                .decode(VisitBatchResultDTO.self).recorded == 1)
            #expect(try await app.count("consents") == 2)
            // The overview's rows and sums moved as a recount from the history gives them.
            #expect(try await OutreachSummary.check(on: app.db).isEmpty)
            #expect(try await OutreachPlaceSums.check(on: app.db).isEmpty)
        }
    }

    @Test("officials adding members at once: the same person joins once, and the team ends with one leader")
    func concurrentMembers() async throws {
        try await withTestApp({ $0.postgresPoolPerLoop = 4 }) { app in
            let f = try await Self.fixture(app)
            let team = try await app.api(.POST, "/api/v1/teams", json: TeamInput(name: "Tổ đông người", unitId: f.tree.village1.id.uuidString),
                                         token: f.official).decode(TeamDetailDTO.self).team
            // Eight requests add the same person at the same moment: one is recorded, seven are told they are a member.
            let statuses = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        try await app.api(.POST, "/api/v1/teams/\(team.id)/members", json: TeamMemberInput(personId: "congnghe1"), token: f.official).status
                    }
                }
                return try await group.reduce(into: [HTTPStatus]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .created }.count == 1, "\(statuses)")
            #expect(statuses.filter { $0 == .unprocessableEntity }.count == 7, "\(statuses)")
            // Six leaders named at once: each is recorded, and exactly one leads at the end.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<6 {
                    group.addTask {
                        let r = try await app.api(.POST, "/api/v1/teams/\(team.id)/members", json: TeamMemberInput(displayName: "Trưởng tổ \(i)", leader: true),
                                                  token: f.official)
                        #expect(r.status == .created, "\(r.text)")
                    }
                }
                try await group.waitForAll()
            }
            let members = try await TeamMember.query(on: app.db).filter(\.$teamID == team.id).all()
            #expect(members.count == 7)
            #expect(members.filter(\.leader).count == 1)
        }
    }

    @Test("several phones sync at once: every visit recorded once, none lost")
    func concurrentSync() async throws {
        try await withTestApp({ $0.postgresPoolPerLoop = 4 }) { app in
            let f = try await Self.fixture(app)
            let ids = (0..<40).map { _ in UUID().uuidString.lowercased() }
            // Four phones send overlapping queues at the same time (each visit is in two of them).
            try await withThrowingTaskGroup(of: Void.self) { group in
                for phone in 0..<4 {
                    let mine = (0..<20).map { ids[(phone * 10 + $0) % 40] }
                    let batch = mine.map { VisitInput(clientId: $0, householdId: f.h1.household.id.uuidString, visitedOn: app.today, visitors: "P\(phone)") }
                    group.addTask {
                        let r = try await app.api(.POST, "/api/v1/visits/sync", json: VisitBatchInput(visits: batch), token: f.member)
                        #expect(r.status == .ok, "\(r.text)")
                        let d = try r.decode(VisitBatchResultDTO.self)
                        #expect(d.refused == 0 && d.recorded + d.duplicates == 20)
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await app.count("visits") == 40)
            // The overview's rows moved by batches at once (each visit once, the whole village's month rows too).
            #expect(try await VisitMonths.check(on: app.db) == [])
            #expect(try await OutreachPlaceSums.check(on: app.db) == [])
        }
    }
}

extension Application {
    /// Today's date in Hà Nội on the app's clock.
    var today: String { Day.today(now) }
}
