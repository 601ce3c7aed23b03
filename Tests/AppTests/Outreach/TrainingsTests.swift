import Fluent
import Foundation
import NIOCore
import SQLKit
import Testing
import Vapor
import VaporTesting
@testable import App

/// Trainings through HTTP: planning with a meeting invitation, attendance on the phone page and through the API, the
/// printable sheet, the share of working-age residents trained per village, and the scope rule.
@Suite("Trainings")
struct TrainingsTests {
    /// Village.make's households (3 in T1-01, 3 in T1-02, 2 in T2), a commune official and their token.
    struct Fixture {
        var v: Village
        var official: Browser
        var officialToken: String
        var t: Tree { v.tree }
    }

    static func fixture(_ app: Application) async throws -> Fixture {
        let v = try await Village.make(app)
        let commune = try #require(await AdminUnit.find(v.tree.commune.id, on: app.db))
        _ = try await AccountActions.createPerson(username: "canboxa", displayName: "Cán bộ xã", password: testPassword, role: .communeOfficial, unit: commune, app: app)
        let (_, token) = try await AccountActions.createToken(name: "xa", role: .communeOfficial, unit: commune, on: app.db)
        return Fixture(v: v, official: try await app.signIn("canboxa"), officialToken: token)
    }

    /// A browser form post with repeated fields (`shown[]`, `present[]`), as a real form sends them.
    static func post(_ app: Application, _ path: String, _ pairs: [(String, String)], as b: Browser) async throws -> TestingHTTPResponse {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        let body = ([("_csrf", b.csrf)] + pairs).map { k, v in
            "\(k.addingPercentEncoding(withAllowedCharacters: allowed)!)=\(v.addingPercentEncoding(withAllowedCharacters: allowed)!)"
        }.joined(separator: "&")
        return try await app.testing().sendRequest(.POST, path, headers: b.headers(["Content-Type": "application/x-www-form-urlencoded"]),
                                                   body: ByteBuffer(string: body))
    }

    static func day(_ app: Application, _ offset: Int) -> String { Day.adding(offset, to: Day.today(app.now)) }

    static func training(_ app: Application, _ input: TrainingInput, token: String? = nil) async throws -> TrainingDTO {
        let res = try await app.api(.POST, "/api/v1/trainings", json: input, token: token)
        #expect(res.status == .created, "\(res.text)")
        return try res.decode(TrainingDTO.self)
    }

    static func deliveries(_ app: Application, _ announcement: UUID) async throws -> [UUID] {
        try await Delivery.query(on: app.db).filter(\.$announcementID == announcement).all().map(\.householdID)
    }

    @Test("a commune official plans a training with an invitation: a meeting goes to the invited units' households; a change of place re-issues it")
    func createWithInvitation() async throws {
        try await withTestApp { app in
            let f = try await Self.fixture(app)
            let heldOn = Self.day(app, 7)
            let res = try await Self.post(app, "/trainings/new", [
                ("topic", "Cài đặt và dùng VNeID mức 2"), ("heldOn", heldOn), ("startsAt", "08:00"), ("place", "Nhà văn hoá thôn Đông"),
                ("trainer", "Nguyễn Thị Hoa"), ("unitIds[]", f.t.group11.id.uuidString), ("unitIds[]", f.t.village2.id.uuidString),
                ("sendInvitation", "true"), ("channels[]", "push"),
            ], as: f.official)
            #expect(res.status == .seeOther, "\(res.status) \(res.text.prefix(500))")
            let location = try #require(res.headers.first(name: .location))
            let id = try #require(UUID(uuidString: String(location.split(separator: "/").last!)))
            let dto = try await app.api(.GET, "/api/v1/trainings/\(id)", token: f.officialToken).decode(TrainingDTO.self)
            #expect(dto.units.map(\.id) == [f.t.group11.id, f.t.village2.id])
            #expect(dto.startsAt == "08:00" && dto.heldOn == heldOn)
            let aid = try #require(dto.announcementId)
            let a = try #require(await Announcement.find(aid, on: app.db))
            #expect(a.category == .meeting && a.status == .published && a.place == "Nhà văn hoá thôn Đông")
            #expect(Moment.input(a.startsAt) == "\(heldOn)T08:00")
            #expect(a.title.contains("Cài đặt và dùng VNeID mức 2"))
            #expect(Set(try await MessagingActions.audienceIDs(aid, on: app.db)) == [f.t.group11.id, f.t.village2.id])
            try await Jobs.runUntilIdle(app)
            // 3 households in T1-01 and 2 in T2; none of T1-02.
            let reached = Set(try await Self.deliveries(app, aid))
            let expected = Set(f.v.households.filter { $0.household.groupId == f.t.group11.id || $0.household.villageId == f.t.village2.id }.map(\.household.id))
            #expect(reached == expected && reached.count == 5)
            // The training page links to the invitation's reach.
            let page = try await app.page("/trainings/\(id)", as: f.official)
            #expect(page.status == .ok)
            #expect(page.text.contains("/announcements/\(aid.uuidString.lowercased())/reach") || page.text.contains("/announcements/\(aid)/reach"))

            // A new place: the invitation is withdrawn and a new one sent to the same households.
            let moved = try await app.api(.PUT, "/api/v1/trainings/\(id)", json: TrainingInput(
                topic: dto.topic, heldOn: heldOn, startsAt: "08:00", place: "Hội trường UBND xã", trainer: dto.trainer,
                unitIds: [f.t.group11.id.uuidString, f.t.village2.id.uuidString]), token: f.officialToken)
            #expect(moved.status == .ok, "\(moved.text)")
            let after = try moved.decode(TrainingDTO.self)
            let second = try #require(after.announcementId)
            #expect(second != aid && after.place == "Hội trường UBND xã")
            #expect(try await Announcement.find(aid, on: app.db)?.status == .withdrawn)
            try await Jobs.runUntilIdle(app)
            #expect(Set(try await Self.deliveries(app, second)) == expected)
            // Only the trainer changes: the invitation stands.
            let renamed = try await app.api(.PUT, "/api/v1/trainings/\(id)", json: TrainingInput(
                topic: dto.topic, heldOn: heldOn, startsAt: "08:00", place: "Hội trường UBND xã", trainer: "Trần Văn Bình",
                unitIds: [f.t.group11.id.uuidString, f.t.village2.id.uuidString]), token: f.officialToken).decode(TrainingDTO.self)
            #expect(renamed.announcementId == second && renamed.trainer == "Trần Văn Bình")
            #expect(try await app.count("announcements") == 2)
        }
    }

    @Test("bad input answers with the fields at fault, in the user's language, and writes nothing")
    func badInput() async throws {
        try await withTestApp { app in
            let f = try await Self.fixture(app)
            let res = try await app.api(.POST, "/api/v1/trainings", json: TrainingInput(
                topic: "  ", heldOn: "2026-02-30", startsAt: "25:00", place: "Nhà\u{7}văn hoá", trainer: "",
                unitIds: [f.t.otherVillage.id.uuidString], sendInvitation: true), headers: ["Accept-Language": "vi"], token: f.officialToken)
            #expect(res.status == .unprocessableEntity)
            let body = try res.decode(ErrorBody.self)
            let fields = Set((body.fields ?? []).map(\.field))
            #expect(fields == ["topic", "heldOn", "startsAt", "place", "trainer", "unitIds"], "\(fields)")
            #expect(body.fields?.first { $0.field == "startsAt" }?.message == "Giờ phải có dạng HH:mm, ví dụ 08:00.")
            // A unit of the commune and one of another: refused too.
            let mixed = try await app.api(.POST, "/api/v1/trainings", json: TrainingInput(
                topic: "Thanh toán không tiền mặt", heldOn: Self.day(app, 3), place: "Nhà văn hoá", trainer: "Cô Hoa",
                unitIds: [f.t.village1.id.uuidString, f.t.otherVillage.id.uuidString]), token: f.officialToken)
            #expect(mixed.status == .unprocessableEntity)
            #expect(try mixed.decode(ErrorBody.self).fields?.map(\.field) == ["unitIds"])
            // An invitation for a training in the past, or without a time.
            let past = try await app.api(.POST, "/api/v1/trainings", json: TrainingInput(
                topic: "Dịch vụ công trực tuyến", heldOn: Self.day(app, -2), startsAt: "08:00", place: "Nhà văn hoá", trainer: "Cô Hoa",
                unitIds: [f.t.village1.id.uuidString], sendInvitation: true), token: f.officialToken)
            #expect(past.status == .unprocessableEntity, "\(past.text)")
            #expect(try past.decode(ErrorBody.self).fields?.map(\.field) == ["startsAt"])
            let noTime = try await app.api(.POST, "/api/v1/trainings", json: TrainingInput(
                topic: "Dịch vụ công trực tuyến", heldOn: Self.day(app, 2), place: "Nhà văn hoá", trainer: "Cô Hoa",
                unitIds: [f.t.village1.id.uuidString], sendInvitation: true), token: f.officialToken)
            #expect(try noTime.decode(ErrorBody.self).fields?.map(\.field) == ["startsAt"])
            // The form keeps what was typed and says what is wrong next to the field.
            let form = try await Self.post(app, "/trainings/new", [("topic", "Sổ sức khỏe điện tử"), ("heldOn", "31/02/2026"), ("place", "Nhà văn hoá"),
                                                                    ("trainer", "Cô Hoa"), ("unitIds[]", f.t.village1.id.uuidString)], as: f.official)
            #expect(form.status == .unprocessableEntity)
            #expect(form.text.contains("Sổ sức khỏe điện tử") && form.text.contains("Ngày không hợp lệ"))
            #expect(try await app.count("trainings") == 0)
            #expect(try await app.count("training_units") == 0)
            #expect(try await app.count("announcements") == 0)
        }
    }

    @Test("attendance on the phone page (search, tick, save) and through the API; an unknown or uninvited resident refuses the whole list")
    func attendance() async throws {
        try await withTestApp { app in
            let f = try await Self.fixture(app)
            // Village T1 only: the 6 households of T1-01 and T1-02.
            let dto = try await Self.training(app, TrainingInput(topic: "Dùng ví điện tử", heldOn: Self.day(app, -1), startsAt: "14:00",
                                                                 place: "Nhà văn hoá thôn Đông", trainer: "Anh Minh", unitIds: [f.t.village1.id.uuidString]),
                                              token: f.officialToken)
            let inT1 = f.v.households.filter { $0.household.villageId == f.t.village1.id }
            let inT2 = f.v.households.filter { $0.household.villageId == f.t.village2.id }
            let r = inT1.map { $0.residents[0] }

            // Searching without diacritics finds "Hộ Thử 2" only.
            let found = try await app.page("/trainings/\(dto.id)/attendance?q=ho%20thu%202", as: f.official)
            #expect(found.status == .ok)
            #expect(found.text.contains("Hộ Thử 2") && !found.text.contains("Hộ Thử 3"))
            let all = try await app.page("/trainings/\(dto.id)/attendance", as: f.official)
            for h in inT1 { #expect(all.text.contains(h.residents[0].fullName)) }
            for h in inT2 { #expect(!all.text.contains(h.residents[0].fullName)) }
            #expect(!all.text.contains("<script"))

            // Two residents shown, the first ticked.
            let saved = try await Self.post(app, "/trainings/\(dto.id)/attendance", [
                ("shown[]", r[0].id.uuidString), ("shown[]", r[1].id.uuidString), ("present[]", r[0].id.uuidString), ("q", "ho thu"),
            ], as: f.official)
            #expect(saved.status == .seeOther)
            #expect(saved.headers.first(name: .location)?.contains("q=ho%20thu") == true)
            var att = try await app.api(.GET, "/api/v1/trainings/\(dto.id)/attendance", token: f.officialToken).decode(AttendanceDTO.self)
            #expect(att.invited == 6 && att.attended == 1)
            #expect(att.residents.first { $0.residentId == r[0].id }?.attended == true)
            #expect(att.residents.first { $0.residentId == r[1].id }?.attended == false)
            #expect(att.residents.first { $0.residentId == r[2].id }?.attended == nil)
            let row = try #require(await (app.db as! any SQLDatabase).select().column("household_id").from("training_attendance")
                .where("resident_id", .equal, r[0].id).first())
            #expect(try row.decode(column: "household_id", as: UUID.self) == inT1[0].household.id)

            // The API: one turned absent, two present (upsert per resident).
            let put = try await app.api(.PUT, "/api/v1/trainings/\(dto.id)/attendance", json: AttendanceInput(attendance: [
                AttendanceEntryInput(residentId: r[0].id.uuidString, attended: false),
                AttendanceEntryInput(residentId: r[2].id.uuidString, attended: true),
                AttendanceEntryInput(residentId: r[3].id.uuidString, attended: true),
            ]), token: f.officialToken)
            #expect(put.status == .ok, "\(put.text)")
            att = try put.decode(AttendanceDTO.self)
            #expect(att.attended == 2 && att.residents.first { $0.residentId == r[0].id }?.attended == false)
            #expect(try await app.count("training_attendance") == 4)

            // An unknown resident, and one of village T2 (not invited): 422 naming each by its index; nothing written.
            let bad = try await app.api(.PUT, "/api/v1/trainings/\(dto.id)/attendance", json: AttendanceInput(attendance: [
                AttendanceEntryInput(residentId: r[4].id.uuidString, attended: true),
                AttendanceEntryInput(residentId: UUID().uuidString, attended: true),
                AttendanceEntryInput(residentId: inT2[0].residents[0].id.uuidString, attended: true),
                AttendanceEntryInput(residentId: r[5].id.uuidString, attended: nil),
            ]), headers: ["Accept-Language": "en"], token: f.officialToken)
            #expect(bad.status == .unprocessableEntity)
            let fields = try bad.decode(ErrorBody.self).fields ?? []
            #expect(fields.map(\.field) == ["attendance[3].attended", "attendance[1].residentId", "attendance[2].residentId"], "\(fields)")
            #expect(fields.first { $0.field == "attendance[1].residentId" }?.message == "No such resident in the invited units.")
            #expect(try await app.count("training_attendance") == 4)
            let after = try await app.api(.GET, "/api/v1/trainings/\(dto.id)/attendance", token: f.officialToken).decode(AttendanceDTO.self)
            #expect(after.attended == 2 && after.residents.first { $0.residentId == r[4].id }?.attended == nil)
            // An empty form post (nothing shown) changes nothing either.
            let empty = try await Self.post(app, "/trainings/\(dto.id)/attendance", [], as: f.official)
            #expect(empty.status == .unprocessableEntity)
            #expect(try await app.count("training_attendance") == 4)
        }
    }

    @Test("the printable sheet lists the invited residents with a signature column and A4 print styles")
    func sheet() async throws {
        try await withTestApp { app in
            let f = try await Self.fixture(app)
            let dto = try await Self.training(app, TrainingInput(topic: "An toàn trên mạng", heldOn: Self.day(app, 5), place: "Nhà văn hoá thôn Đoài",
                                                                 trainer: "Cô Lan", unitIds: [f.t.village2.id.uuidString]), token: f.officialToken)
            let res = try await app.page("/trainings/\(dto.id)/sheet", as: f.official)
            #expect(res.status == .ok)
            #expect(res.text.contains("An toàn trên mạng") && res.text.contains("Ký tên") && res.text.contains("class=\"sheet\""))
            for h in f.v.households where h.household.villageId == f.t.village2.id { #expect(res.text.contains(h.residents[0].fullName)) }
            for h in f.v.households where h.household.villageId == f.t.village1.id { #expect(!res.text.contains(h.residents[0].fullName)) }
            let css = try await app.anonymousPage("/css/app.css")
            #expect(css.text.contains(".sheet-table td.sign") && css.text.contains("size: A4 portrait"))
            // Viewing residents' names is audited.
            #expect(try await AuditEvent.query(on: app.db).filter(\.$tableName == "training_attendance").count() == 1)
        }
    }

    @Test("residents trained ÷ working-age residents per village (15–60 in the year; present at a training in the last 12 months)")
    func share() async throws {
        try await withTestApp { app in
            let f = try await Self.fixture(app)
            let today = Day.today(app.now)
            let year = Int(today.prefix(4))!
            // In village T1, one household gets four more residents: 20, 10 and 70 years old, and one without a birth year.
            let h = f.v.households[0]
            var extra: [ResidentDTO] = []
            for (name, born) in [("Con Hai Mươi", Optional(year - 20)), ("Cháu Mười", Optional(year - 10)), ("Ông Bảy Mươi", Optional(year - 70)), ("Chưa Rõ Tuổi", nil)] {
                let res = try await app.api(.POST, "/api/v1/residents", json: ResidentInput(householdId: h.household.id.uuidString, fullName: name, gender: "male",
                                                                                           birthYear: born, relation: "child", phone: nil, isRepresentative: false))
                #expect(res.status == .created, "\(res.text)")
                extra.append(try res.decode(ResidentDTO.self))
            }
            // Working age in T1: the 6 representatives (born 1970) and the 20-year-old = 7; in T2: 2.
            let recent = try await Self.training(app, TrainingInput(topic: "VNeID", heldOn: Day.adding(-30, to: today), place: "Nhà văn hoá", trainer: "Cô Hoa",
                                                                    unitIds: [f.t.commune.id.uuidString]), token: f.officialToken)
            let old = try await Self.training(app, TrainingInput(topic: "Zalo", heldOn: Day.adding(-400, to: today), place: "Nhà văn hoá", trainer: "Cô Hoa",
                                                                 unitIds: [f.t.commune.id.uuidString]), token: f.officialToken)
            let rep = h.residents[0].id, rep2 = f.v.households[1].residents[0].id, rep3 = f.v.households[2].residents[0].id
            // Recent: the representative (twice over two calls), the 20-year-old, the child and the elder (not working age), rep2 absent.
            for body in [[(rep, true), (extra[0].id, true), (extra[1].id, true), (extra[2].id, true), (rep2, false)], [(rep, true)]] {
                let res = try await app.api(.PUT, "/api/v1/trainings/\(recent.id)/attendance",
                                            json: AttendanceInput(attendance: body.map { AttendanceEntryInput(residentId: $0.0.uuidString, attended: $0.1) }), token: f.officialToken)
                #expect(res.status == .ok, "\(res.text)")
            }
            // More than 12 months ago: rep3 does not count.
            _ = try await app.api(.PUT, "/api/v1/trainings/\(old.id)/attendance", json: AttendanceInput(attendance: [AttendanceEntryInput(residentId: rep3.uuidString, attended: true)]),
                                  token: f.officialToken)
            let shares = try await TrainingQueries.trainedShare(villageIDs: [f.t.village1.id, f.t.village2.id, f.t.otherVillage.id], asOf: today, on: app.db)
            #expect(shares[f.t.village1.id] == TrainedShare(trained: 2, workingAge: 7))
            #expect(shares[f.t.village2.id] == TrainedShare(trained: 0, workingAge: 2))
            #expect(shares[f.t.otherVillage.id] == TrainedShare(trained: 0, workingAge: 0))
            // A day before the old training fell out of the window it still counted: asked as of 400 days ago, rep3 is trained.
            let then = try await TrainingQueries.trainedShare(villageIDs: [f.t.village1.id], asOf: Day.adding(-400, to: today), on: app.db)
            #expect(then[f.t.village1.id]?.trained == 1)
            // The list shows it per village of the commune: 2 of 7 = 28,6%.
            let page = try await app.page("/trainings", as: f.official)
            #expect(page.status == .ok)
            #expect(page.text.contains(">28,6%<") && page.text.contains("Thôn Đoài"))
            #expect(!page.text.contains("Thôn Thượng"))
        }
    }

    @Test("a village head sees trainings inviting their village; the head of another village gets 404 and an empty list")
    func scope() async throws {
        try await withTestApp { app in
            let f = try await Self.fixture(app)
            let dto = try await Self.training(app, TrainingInput(topic: "Bán hàng trực tuyến", heldOn: Self.day(app, 4), place: "Nhà văn hoá thôn Đông",
                                                                 trainer: "Anh Minh", unitIds: [f.t.group11.id.uuidString]), token: f.officialToken)
            for (name, village) in [("truongthon1", f.t.village1), ("truongthon2", f.t.village2)] {
                _ = try await AccountActions.createPerson(username: name, displayName: name, password: testPassword, role: .villageHead,
                                                          unit: try #require(await AdminUnit.find(village.id, on: app.db)), app: app)
            }
            let own = try await app.signIn("truongthon1"), other = try await app.signIn("truongthon2")
            #expect(try await app.page("/trainings/\(dto.id)", as: own).status == .ok)
            #expect(try await app.page("/trainings", as: own).text.contains("Bán hàng trực tuyến"))
            // A village head may not take attendance (a commune official's task).
            #expect(try await app.page("/trainings/\(dto.id)/attendance", as: own).status == .notFound)
            #expect(try await app.page("/trainings/\(dto.id)", as: other).status == .notFound)
            #expect(try await app.page("/trainings/\(dto.id)/sheet", as: other).status == .notFound)
            let list = try await app.page("/trainings", as: other)
            #expect(list.status == .ok && !list.text.contains("Bán hàng trực tuyến"))
            let village2 = try #require(await AdminUnit.find(f.t.village2.id, on: app.db))
            let (_, token) = try await AccountActions.createToken(name: "t2", role: .villageHead, unit: village2, on: app.db)
            #expect(try await app.api(.GET, "/api/v1/trainings/\(dto.id)", token: token).status == .notFound)
            #expect(try await app.api(.GET, "/api/v1/trainings", token: token).decode(Paged<TrainingDTO>.self).total == 0)
            // An official of another commune cannot invite this commune's units, nor see the training.
            let otherCommune = try #require(await AdminUnit.find(f.t.otherCommune.id, on: app.db))
            let (_, far) = try await AccountActions.createToken(name: "xa2", role: .communeOfficial, unit: otherCommune, on: app.db)
            #expect(try await app.api(.GET, "/api/v1/trainings/\(dto.id)", token: far).status == .notFound)
            let res = try await app.api(.POST, "/api/v1/trainings", json: TrainingInput(topic: "X", heldOn: Self.day(app, 4), place: "Y", trainer: "Z",
                                                                                       unitIds: [f.t.village1.id.uuidString]), token: far)
            #expect(res.status == .unprocessableEntity)
            #expect(try await app.count("trainings") == 1)
        }
    }
}
