import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting
@testable import App

/// A household representative's browser: a card is printed for the household and its QR link opened.
func householdBrowser(_ app: Application, _ household: UUID) async throws -> Browser {
    let card = try await app.form("/households/\(household)/card", [:])
    let at = try #require(card.text.range(of: "/card/ts_"))
    let path = String(card.text[at.lowerBound...].prefix { $0 != "<" && $0 != "\"" })
    let signIn = try await app.cardSignIn(path)
    let cookie = try #require(signIn.headers.setCookie?["thonso_session"]?.string)
    let mine = try await app.testing().sendRequest(.GET, "/my", headers: ["Cookie": "thonso_session=\(cookie)"])
    return Browser(cookie: cookie, csrf: try #require(scrapeCSRF(mine.text)))
}

/// Households for messaging tests: `perGroup` in each of T1-01 and T1-02, and `inT2` in village T2 (no group).
struct Village {
    var tree: Tree
    var households: [HouseholdDetailDTO]

    static func make(_ app: Application, perGroup: Int = 3, inT2: Int = 2) async throws -> Village {
        let t = try await Tree.make(app)
        var hs: [HouseholdDetailDTO] = []
        var n = 0
        for (village, group) in [(t.village1, Optional(t.group11)), (t.village1, Optional(t.group12)), (t.village2, nil)] {
            for _ in 0..<(group == nil ? inT2 : perGroup) {
                n += 1
                let phone = String(format: "09990%05d", n)
                let res = try await app.api(.POST, "/api/v1/households", json: householdInput(String(format: "HH-%03d", n), village: village, group: group,
                                                                                             name: "Hộ Thử \(n)", phone: phone))
                #expect(res.status == .created, "\(res.text)")
                hs.append(try res.decode(HouseholdDetailDTO.self))
            }
        }
        return Village(tree: t, households: hs)
    }
}

func announcement(_ title: String = "Tiêm phòng dại", units: [UnitDTO], category: String = "notice", channels: [String] = [], startsAt: String? = nil,
            place: String? = nil, publishAt: String? = nil) -> AnnouncementInput {
    AnnouncementInput(title: title, body: "Sáng thứ Bảy tại nhà văn hóa.\nĐề nghị các hộ đến đúng giờ.", category: category, unitIds: units.map(\.id.uuidString),
                      channels: channels, publishAt: publishAt, startsAt: startsAt, place: place)
}

func publish(_ app: Application, _ input: AnnouncementInput, token: String? = nil) async throws -> AnnouncementDTO {
    let created = try await app.api(.POST, "/api/v1/announcements", json: input, token: token)
    #expect(created.status == .created, "\(created.text)")
    let a = try created.decode(AnnouncementDTO.self)
    let published = try await app.api(.POST, "/api/v1/announcements/\(a.id)/publish", token: token)
    #expect(published.status == .ok, "\(published.text)")
    return try published.decode(AnnouncementDTO.self)
}

@Suite("Messaging: notices reach every household, and show who was not reached")
struct MessagingTests {
    @Test("publishing freezes the audience into one delivery per household; the inbox, acknowledgement and reach follow")
    func publishAndReach() async throws {
        try await withTestApp { app in
            let v = try await Village.make(app)
            let t = v.tree
            let preview = try await app.api(.POST, "/api/v1/announcements/preview", json: ["unitIds": [t.village1.id.uuidString]])
            #expect(try preview.decode(PreviewDTO.self).households == 6)

            let a = try await publish(app, announcement(units: [t.commune]))
            #expect(a.status == .published && a.publishedAt != nil)
            // A household added after publishing is not in the frozen audience.
            app.testClock.advance(by: 1)
            _ = try await app.api(.POST, "/api/v1/households", json: householdInput("HH-LATE", village: t.village2))
            #expect(try await Jobs.runUntilIdle(app) >= 2)
            #expect(try await app.count("deliveries") == 8)
            // Running the fan-out again writes nothing more.
            try await Jobs.enqueue("fanout", key: "fanout:\(a.id)", payload: a.id.uuidString, on: app.db)
            try await Jobs.runUntilIdle(app)
            #expect(try await app.count("deliveries") == 8)
            let stored = try await app.api(.GET, "/api/v1/announcements/\(a.id)").decode(AnnouncementDTO.self)
            #expect(stored.audienceCount == 8)

            var reach = try await app.api(.GET, "/api/v1/announcements/\(a.id)/reach").decode(ReachDTO.self)
            #expect(reach.households == 8 && reach.delivered == 0 && reach.read == 0)
            #expect(reach.villages.map(\.code) == ["T1", "T2"])
            #expect(reach.villages[0].groups?.map(\.households) == [3, 3])

            // The representative of HH-001 opens the inbox (delivered) and acknowledges (read).
            let h1 = v.households[0].household
            let b = try await householdBrowser(app, h1.id)
            let inbox = try await app.page("/my/announcements", as: b)
            #expect(inbox.status == .ok && inbox.text.contains("Tiêm phòng dại"))
            reach = try await app.api(.GET, "/api/v1/announcements/\(a.id)/reach").decode(ReachDTO.self)
            #expect(reach.delivered == 1 && reach.read == 0 && reach.reachedVia["inbox"] == 1)
            let page = try await app.page("/my/announcements/\(a.id)", as: b)
            #expect(page.text.contains("Đề nghị các hộ đến đúng giờ") && page.text.contains("Đã nhận thông báo"))
            let ack = try await app.form("/my/announcements/\(a.id)/read", [:], as: b)
            #expect(ack.status == .seeOther)
            reach = try await app.api(.GET, "/api/v1/announcements/\(a.id)/reach").decode(ReachDTO.self)
            #expect(reach.delivered == 1 && reach.read == 1 && reach.readPercent == 12.5)
            #expect(reach.villages[0].groups?[0].read == 1)

            // The follow-up list of group T1-01 names the two households not reached, and one is told in person.
            let follow = try await app.api(.GET, "/api/v1/announcements/\(a.id)/follow-up?unit=\(t.group11.id)").decode(Paged<FollowUpRowDTO>.self)
            #expect(follow.items.map(\.code) == ["HH-002", "HH-003"])
            let told = try await app.api(.POST, "/api/v1/announcements/\(a.id)/informed", json: ["householdId": follow.items[0].householdId.uuidString])
            #expect(told.status == .ok)
            reach = try await app.api(.GET, "/api/v1/announcements/\(a.id)/reach").decode(ReachDTO.self)
            #expect(reach.delivered == 2 && reach.reachedVia["inPerson"] == 1)
            let printed = try await app.page("/announcements/\(a.id)/follow-up?unit=\(t.group11.id)")
            #expect(printed.status == .ok && printed.text.contains("HH-003") && !printed.text.contains("HH-002") && !printed.text.contains("HH-001"))
            let reachPage = try await app.page("/announcements/\(a.id)/reach")
            #expect(reachPage.status == .ok && reachPage.text.contains("25%") && reachPage.text.contains("<svg"))
        }
    }

    @Test("a group head publishes only to their group, sees only their group's households, and a household only its own notices")
    func scope() async throws {
        try await withTestApp { app in
            let v = try await Village.make(app)
            let t = v.tree
            let group = try #require(await AdminUnit.find(t.group11.id, on: app.db))
            let (_, head) = try await AccountActions.createToken(name: "to1", role: .groupHead, unit: group, on: app.db)
            let before = try await app.count("announcements")
            let wide = try await app.api(.POST, "/api/v1/announcements", json: announcement(units: [t.village1]), token: head)
            #expect(wide.status == .unprocessableEntity)
            #expect(try wide.decode(ErrorBody.self).fields?.first?.field == "unitIds")
            #expect(try await app.count("announcements") == before)
            let own = try await publish(app, announcement("Họp tổ 1", units: [t.group11]), token: head)
            #expect(own.unitId == t.group11.id)

            // A commune-wide notice: the group head sees it, but only their group's rows.
            let communeWide = try await publish(app, announcement("Toàn xã", units: [t.commune]))
            try await Jobs.runUntilIdle(app)
            let seen = try await app.api(.GET, "/api/v1/announcements/\(communeWide.id)/reach", token: head).decode(ReachDTO.self)
            #expect(seen.households == 3)
            let list = try await app.api(.GET, "/api/v1/announcements", token: head).decode(Paged<AnnouncementDTO>.self)
            #expect(Set(list.items.map(\.title)) == ["Họp tổ 1", "Toàn xã"])
            #expect(list.items.first { $0.title == "Họp tổ 1" }?.unitIds == [t.group11.id])
            #expect(list.items.first { $0.title == "Toàn xã" }?.unitIds == [t.commune.id])
            // …but may not change it.
            let withdraw = try await app.api(.POST, "/api/v1/announcements/\(communeWide.id)/withdraw", json: ["reason": "nhầm"], token: head)
            #expect(withdraw.status == .notFound)
            // A household of T2 is not told about group T1-01's meeting.
            let t2 = try await householdBrowser(app, v.households[6].household.id)
            let other = try await app.page("/my/announcements/\(own.id)", as: t2)
            #expect(other.status == .notFound)
            let inbox = try await app.page("/my/announcements", as: t2)
            #expect(inbox.text.contains("Toàn xã") && !inbox.text.contains("Họp tổ 1"))
            // An official's pages are not a household's.
            #expect(try await app.page("/announcements/\(own.id)", as: t2).status == .notFound)
        }
    }

    @Test("bad input answers with the field and writes nothing")
    func badInput() async throws {
        try await withTestApp { app in
            let v = try await Village.make(app, perGroup: 1, inT2: 0)
            let t = v.tree
            let before = try await app.count("announcements")
            var bad = announcement(units: [t.commune, t.otherVillage], category: "meeting", startsAt: "01/01/2020 08:00")
            bad.title = " "
            let res = try await app.api(.POST, "/api/v1/announcements", json: bad)
            #expect(res.status == .unprocessableEntity)
            let fields = Set(try res.decode(ErrorBody.self).fields?.map(\.field) ?? [])
            #expect(fields == ["title", "unitIds", "startsAt", "place"])
            let unknown = try await app.api(.POST, "/api/v1/announcements", json: AnnouncementInput(title: "A", body: "B", category: "gossip", unitIds: [UUID().uuidString], channels: ["fax"]))
            #expect(Set(try unknown.decode(ErrorBody.self).fields?.map(\.field) ?? []) == ["category", "unitIds", "channels"])
            #expect(try await app.count("announcements") == before)
            // The form answers in Vietnamese next to the field and keeps what was typed.
            let form = try await app.form("/announcements/new", ["title": "Giữ lại", "body": "", "category": "notice", "intent": "publish"])
            #expect(form.status == .unprocessableEntity && form.text.contains("Giữ lại") && form.text.contains("Chọn ít nhất một đơn vị nhận"))
            #expect(try await app.count("announcements") == before)
        }
    }

    @Test("a draft is edited; a published notice is only corrected in the open or withdrawn")
    func correctAndWithdraw() async throws {
        try await withTestApp { app in
            let v = try await Village.make(app, perGroup: 1, inT2: 1)
            let t = v.tree
            let draft = try await app.api(.POST, "/api/v1/announcements", json: announcement("Nháp", units: [t.commune])).decode(AnnouncementDTO.self)
            var change = announcement("Bản đã sửa", units: [t.village1])
            change.body = "Nội dung mới"
            let edited = try await app.api(.PATCH, "/api/v1/announcements/\(draft.id)", json: change).decode(AnnouncementDTO.self)
            #expect(edited.title == "Bản đã sửa" && edited.unitIds == [t.village1.id] && edited.unitId == t.village1.id)
            _ = try await app.api(.POST, "/api/v1/announcements/\(draft.id)/publish")
            try await Jobs.runUntilIdle(app)
            let again = try await app.api(.PATCH, "/api/v1/announcements/\(draft.id)", json: change)
            #expect(again.status == .conflict)

            let fix = try await app.api(.POST, "/api/v1/announcements/\(draft.id)/correct", json: ["title": "Bản đã sửa", "body": "Nội dung đúng", "note": "Sai giờ"])
            #expect(fix.status == .ok, "\(fix.text)")
            let fixed = try fix.decode(AnnouncementDTO.self)
            #expect(fixed.body == "Nội dung đúng" && fixed.corrections?.first?.previousBody == "Nội dung mới")
            let b = try await householdBrowser(app, v.households[0].household.id)
            let seen = try await app.page("/my/announcements/\(draft.id)", as: b)
            #expect(seen.text.contains("Nội dung đúng") && seen.text.contains("Nội dung mới") && seen.text.contains("Sai giờ"))

            let noReason = try await app.api(.POST, "/api/v1/announcements/\(draft.id)/withdraw", json: ["reason": ""])
            #expect(noReason.status == .unprocessableEntity)
            let gone = try await app.api(.POST, "/api/v1/announcements/\(draft.id)/withdraw", json: ["reason": "Hoãn lịch"]).decode(AnnouncementDTO.self)
            #expect(gone.status == .withdrawn)
            let inbox = try await app.page("/my/announcements/\(draft.id)", as: b)
            #expect(inbox.text.contains("Hoãn lịch") && !inbox.text.contains("Đã nhận thông báo</button>"))
            // The audit log holds each step.
            let actions = try await AuditEvent.query(on: app.db).filter(\.$tableName == Announcement.schema).all().map(\.action)
            #expect(actions.contains("update") && actions.contains("correct") && actions.contains("withdraw"))
        }
    }

    @Test("a notice scheduled for later goes out when its job comes due, not before")
    func scheduled() async throws {
        try await withTestApp { app in
            let v = try await Village.make(app, perGroup: 1, inT2: 0)
            let later = Moment.input(app.now.addingTimeInterval(3600))
            let a = try await publish(app, announcement("Hẹn giờ", units: [v.tree.commune], publishAt: later))
            #expect(a.status == .scheduled)
            try await Jobs.runUntilIdle(app)
            #expect(try await app.count("deliveries") == 0)
            // An hour passes.
            app.testClock.advance(by: 3600)
            try await Jobs.runUntilIdle(app)
            #expect(try await app.count("deliveries") == 2)
            #expect(try await app.api(.GET, "/api/v1/announcements/\(a.id)").decode(AnnouncementDTO.self).status == .published)
        }
    }

    @Test("a meeting: households answer, reminders go to those coming, attendance is taken")
    func meeting() async throws {
        try await withTestApp { app in
            let v = try await Village.make(app, perGroup: 2, inT2: 0)
            let t = v.tree
            let starts = app.now.addingTimeInterval(3 * 86_400)
            var input = announcement("Họp thôn Đông", units: [t.village1], category: "meeting", channels: ["push"], startsAt: Moment.input(starts), place: "Nhà văn hóa thôn Đông")
            input.reminders = [1440, 120]
            let m = try await publish(app, input)
            try await Jobs.runUntilIdle(app)
            let due = try await (app.db as! any SQLDatabase).raw("SELECT unique_key, run_at FROM jobs WHERE kind = 'remind' ORDER BY run_at").all()
            #expect(due.count == 2)
            let first = try due[0].decode(column: "run_at", as: Date.self)
            #expect(abs(first.timeIntervalSince(starts.addingTimeInterval(-86_400))) < 61)

            let hs = v.households.map(\.household)
            for (h, answer) in zip(hs, ["yes", "no", "maybe"]) {
                let b = try await householdBrowser(app, h.id)
                let res = try await app.form("/my/announcements/\(m.id)/rsvp", ["rsvp": answer], as: b)
                #expect(res.status == .seeOther)
            }
            let badAnswer = try await app.form("/my/announcements/\(m.id)/rsvp", ["rsvp": "perhaps"], as: try await householdBrowser(app, hs[3].id))
            #expect(badAnswer.status == .unprocessableEntity && badAnswer.text.contains("Chọn Sẽ dự"))
            let reach = try await app.api(.GET, "/api/v1/announcements/\(m.id)/reach").decode(ReachDTO.self)
            #expect(reach.rsvp == ["yes": 1, "no": 1, "maybe": 1] && reach.read == 3)

            // A household subscribed to push; the reminder a day before goes to everyone not declining.
            for h in hs { _ = try await PushSender.subscribe(household: h.id, PushSubscriptionInput(endpoint: "https://push.invalid/\(h.code)", keys: .init(p256dh: PushSubscriberKeys().p256dh, auth: PushSubscriberKeys().auth)), config: app.config.messaging, on: app.db) }
            app.testClock.set(first.addingTimeInterval(1))   // a day before the meeting: the first reminder is due
            app.testAuth.browser = nil                        // the administrator's session has lapsed meanwhile: sign in again
            try await (app.db as! any SQLDatabase).raw("UPDATE jobs SET state = 'done' WHERE kind = 'send'").run()
            _ = try await Jobs.runOne(app, worker: "t")
            let reminded = try await ChannelDelivery.query(on: app.db).filter(\.$purpose == "reminder-1440").all()
            #expect(Set(reminded.map(\.householdID)) == Set([hs[0].id, hs[2].id, hs[3].id]))

            struct Attendance: Content { var unitId: String; var householdIds: [String] }
            let both = try await app.api(.POST, "/api/v1/announcements/\(m.id)/attendance", json: Attendance(unitId: t.group11.id.uuidString, householdIds: [hs[0].id.uuidString, hs[1].id.uuidString]))
            #expect(both.status == .ok)
            #expect(try await app.api(.GET, "/api/v1/announcements/\(m.id)/reach").decode(ReachDTO.self).attended == 2)
            let taken = try await app.form("/announcements/\(m.id)/attendance", ["unitId": t.group11.id.uuidString, "householdIds[]": hs[0].id.uuidString])
            #expect(taken.status == .seeOther)
            let stranger = try await app.form("/announcements/\(m.id)/attendance", ["unitId": t.group11.id.uuidString, "householdIds[]": hs[2].id.uuidString])
            #expect(stranger.status == .unprocessableEntity)
            let after = try await app.api(.GET, "/api/v1/announcements/\(m.id)/reach").decode(ReachDTO.self)
            #expect(after.attended == 1)
        }
    }

    @Test("loudspeaker: the notice and the day's bulletin as Vietnamese speech (a WAV that lasts)")
    func loudspeaker() async throws {
        let audio = FileManager.default.temporaryDirectory.appendingPathComponent("thonso-audio-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: audio) }
        try await withTestApp({ $0.messaging.audioDir = audio }) { app in
            let v = try await Village.make(app, perGroup: 1, inT2: 0)
            let a = try await publish(app, announcement("Lịch cắt điện", units: [v.tree.village1], channels: ["loudspeaker"]))
            let wav = try await app.page("/announcements/\(a.id)/audio.wav")
            #expect(wav.status == .ok && wav.headers.contentType?.subType == "wav")
            let seconds = try #require(Speech.duration(wav: Data(buffer: wav.body)))
            #expect(seconds > 2)
            let bulletin = try await app.page("/units/\(v.tree.village1.id)/bulletin.wav?date=\(Day.today())")
            #expect(bulletin.status == .ok)
            #expect((Speech.duration(wav: Data(buffer: bulletin.body)) ?? 0) > seconds)
            let empty = try await app.page("/units/\(v.tree.village1.id)/bulletin.wav?date=2020-01-01")
            #expect(empty.status == .unprocessableEntity)
        }
    }

    @Test("urgent alerts are a CAP 1.2 feed; each alert validates against the CAP 1.2 schema, a withdrawal is a Cancel")
    func cap() async throws {
        try await withTestApp { app in
            let v = try await Village.make(app, perGroup: 1, inT2: 0)
            var input = announcement("Bão số 3 đổ bộ", units: [v.tree.village1, v.tree.village2], category: "urgent")
            input.severity = "Extreme"
            let a = try await publish(app, input)
            let feed = try await app.anonymousPage("/cap/alerts.atom")
            #expect(feed.status == .ok && feed.text.contains("Bão số 3 đổ bộ") && feed.text.contains("/cap/alerts/\(a.id.uuidString.lowercased())"))
            let xml = try await app.anonymousPage("/cap/alerts/\(a.id)")
            #expect(xml.headers.contentType?.subType == "cap+xml")
            #expect(xml.text.contains("<severity>Extreme</severity>") && xml.text.contains("<areaDesc>Thôn Đông, Xã Song Phượng</areaDesc>") && xml.text.contains("<value>00001</value>"))
            try await CAPSchema.validate(xml.text)
            _ = try await app.api(.POST, "/api/v1/announcements/\(a.id)/withdraw", json: ["reason": "Bão đã đổi hướng"])
            let cancel = try await app.anonymousPage("/cap/alerts/\(a.id)")
            #expect(cancel.text.contains("<msgType>Cancel</msgType>") && cancel.text.contains("<references>"))
            try await CAPSchema.validate(cancel.text)
            // Ordinary notices are not alerts.
            let plain = try await publish(app, announcement(units: [v.tree.village1]))
            #expect(try await app.anonymousPage("/cap/alerts/\(plain.id)").status == .notFound)
        }
    }

    @Test("the former /notices and /my/notices links move on to /announcements with a 301, query kept")
    func formerPathsRedirect() async throws {
        try await withTestApp { app in
            let v = try await Village.make(app)
            let a = try await publish(app, announcement(units: [v.tree.village1]))
            try await Jobs.runUntilIdle(app)
            let unit = v.tree.group11.id.uuidString
            let moves = ["/notices": "/announcements", "/notices/new": "/announcements/new",
                         "/notices/\(a.id)/follow-up?unit=\(unit)": "/announcements/\(a.id)/follow-up?unit=\(unit)"]
            for (old, new) in moves {
                let res = try await app.anonymousPage(old)
                #expect(res.status == .movedPermanently && res.headers.first(name: .location) == new, "\(old): \(res.status)")
                #expect(try await app.page(new).status == .ok, "\(new)")
            }
            let b = try await householdBrowser(app, v.households[0].household.id)
            for (old, new) in ["/my/notices": "/my/announcements", "/my/notices/\(a.id)": "/my/announcements/\(a.id)"] {
                let res = try await app.page(old, as: b)
                #expect(res.status == .movedPermanently && res.headers.first(name: .location) == new, "\(old): \(res.status)")
                let page = try await app.page(new, as: b)
                #expect(page.status == .ok && page.text.contains("Tiêm phòng dại"), "\(new)")
            }
        }
    }

    @Test("a household's JSON inbox is /api/v1/my/announcements; its first path, /api/v1/my/notices, still answers the same")
    func inboxAPIPaths() async throws {
        try await withTestApp { app in
            let v = try await Village.make(app)
            let a = try await publish(app, announcement(units: [v.tree.village1]))
            try await Jobs.runUntilIdle(app)
            let b = try await householdBrowser(app, v.households[0].household.id)
            let now = try await app.page(APIURL.myAnnouncements.path, as: b).decode(Paged<InboxItemDTO>.self)
            let before = try await app.page("/api/v1/my/notices", as: b).decode(Paged<InboxItemDTO>.self)
            #expect(now.items.map(\.id) == [a.id] && before.items.map(\.id) == [a.id])
            for path in ["/api/v1/my/notices/\(a.id)/read", "/api/v1/my/announcements/\(a.id)/read"] {
                let r = try await app.testing().sendRequest(.POST, path, headers: b.headers(["Content-Type": "application/json"]))
                #expect(r.status == .ok && r.body.string.contains("\"read\""), "\(path): \(r.status) \(r.body.string)")
            }
            let reach = try await app.api(.GET, "/api/v1/announcements/\(a.id)/reach").decode(ReachDTO.self)
            #expect(reach.read == 1)
        }
    }
}

/// Validates with xmllint against the CAP 1.2 schema in Tests/AppTests/Fixtures.
enum CAPSchema {
    struct Invalid: Error, CustomStringConvertible { var description: String }

    static func validate(_ xml: String) async throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("cap-\(UUID().uuidString).xml")
        try xml.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/xmllint")
        p.arguments = ["--noout", "--schema", dir.appendingPathComponent("CAP-v1.2.xsd").path, file.path]
        let r = try await Subprocess.run(p, mergeErrors: true)
        if r.status != 0 { throw Invalid(description: r.text) }
    }
}
