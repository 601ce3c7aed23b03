import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting
@testable import App

@Suite("Erasure leaves no way in and no traces")
struct ErasureTests {
    /// A sign-in with phone + PIN from a fresh browser.
    static func pinSignIn(_ app: Application, phone: String, pin: String) async throws -> TestingHTTPResponse {
        let page = try await app.anonymousPage("/signin")
        let cookie = try #require(page.headers.setCookie?["thonso_session"]?.string)
        let csrf = try #require(scrapeCSRF(page.text))
        return try await app.testing().sendRequest(.POST, "/signin", headers: ["Cookie": "thonso_session=\(cookie)"]) { req in
            try req.content.encode(["username": phone, "password": pin, "_csrf": csrf], as: .urlEncodedForm)
        }
    }

    @Test("erasing a household ends its card, PIN and open session, and removes its push subscriptions, papers (files too) and the phones and text of its questions and bookings")
    func erase() async throws {
        // A busy SMS gateway: the household's message stays queued (to be retried), addressed to its phone.
        let gateway = try await LocalServer.start { _, _ in json(["error": "busy"], status: .serviceUnavailable) }
        defer { Task { await gateway.stop() } }
        try await withTestApp({ $0.messaging.sms = .init(url: gateway.base + "/send", user: "u", password: "p", sender: "UBND XA", template: "{title} {link}") }) { app in
            let f = try await ProcFixture.make(app)
            let h = try await app.api(.POST, "/api/v1/households", json: householdInput("HH-1", village: f.tree.village1, name: "Nguyễn Văn An", phone: "0999000001")).decode(HouseholdDetailDTO.self)
            let hid = h.household.id
            // The representative signs in with the printed card and sets a PIN.
            let card = try await app.form("/households/\(hid)/card", [:])
            let cardPath = try #require(card.text.range(of: "/card/ts_").map { r in String(card.text[r.lowerBound...].prefix { $0 != "<" && $0 != "\"" }) })
            let signedIn = try await app.cardSignIn(cardPath)
            #expect(signedIn.status == .seeOther)
            let cookie = try #require(signedIn.headers.setCookie?["thonso_session"]?.string)
            let mine = try await app.testing().sendRequest(.GET, "/my", headers: ["Cookie": "thonso_session=\(cookie)"])
            let home = Browser(cookie: cookie, csrf: try #require(scrapeCSRF(mine.text)))
            #expect(try await app.form("/my/pin", ["phone": "0999 777 888", "pin": "2468"], as: home).status == .ok)
            #expect(try await Self.pinSignIn(app, phone: "0999777888", pin: "2468").status == .seeOther)

            // Push, a question, a booking and papers with a file, from the household; a question and a booking
            // with its phone from a visitor; and another resident's, which must stay.
            let keys = PushSubscriberKeys()
            let sub = try await app.testing().sendRequest(.POST, "/api/v1/my/push-subscriptions", headers: home.headers(["Content-Type": "application/json"])) { req in
                try req.content.encode(PushSubscriptionInput(endpoint: "https://push.example/abc", keys: .init(p256dh: keys.p256dh, auth: keys.auth)), as: .json)
            }
            #expect(sub.status == .created, "\(sub.text)")
            #expect(try await app.form("/p/00001/birthRegistration/ask", ["question": "Cháu Nguyễn Văn Bé sinh ở nhà thì cần giấy gì?"], as: home).status == .ok)
            let (visitor, _) = try await app.visitor("/p/00001/birthRegistration")
            #expect(try await app.form("/p/00001/birthRegistration/ask", ["question": "Nhà tôi ở số 1 ngõ 2, hỏi về khai sinh", "phone": "0999000001"], as: visitor).status == .ok)
            #expect(try await app.form("/p/00001/birthRegistration/ask", ["question": "Câu hỏi của người khác", "phone": "0999555666"], as: visitor).status == .ok)
            let day = Day.adding(2, to: Day.today())
            let slot = try await app.api(.POST, "/api/v1/communes/\(f.tree.commune.id)/slots", json: SlotInput(weekday: Day.weekday(day), startTime: "08:00", minutes: 60, capacity: 5), token: f.officerToken).decode(SlotDTO.self)
            #expect(try await app.form("/p/00001/deathRegistration/book", ["opening": "\(slot.id.uuidString)|\(day)", "name": "Nguyễn Văn An"], as: home).status == .ok)
            let birth = try await f.procedure(app, "birthRegistration")
            #expect(try await app.api(.POST, "/api/v1/appointments", json: BookingInput(slotId: slot.id.uuidString, day: day, procedureId: birth.id.uuidString, name: "Nguyễn Văn An", phone: "0999000001"), token: "").status == .created)
            #expect(try await app.api(.POST, "/api/v1/appointments", json: BookingInput(slotId: slot.id.uuidString, day: day, procedureId: birth.id.uuidString, name: "Người Khác", phone: "0999555666"), token: "").status == .created)
            #expect(try await app.form("/p/00001/certificationCopy/papers", [:], as: home).status == .seeOther)
            let set = try #require(try await app.api(.GET, "/api/v1/communes/\(f.tree.commune.id)/paper-sets", token: f.officerToken).decode([PaperSetDTO].self).first)
            let up = try await app.multipart("/papers-ahead/upload", fields: ["code": set.code, "itemId": set.items[0].id.uuidString],
                                             file: ("file", "giay-khai-sinh.pdf", "application/pdf", ProceduresPapersTests.pdf), as: home)
            #expect(up.status == .seeOther)
            _ = try await publish(app, announcement("Cắt điện", units: [f.tree.village1], channels: ["sms"]))
            try await Jobs.runUntilIdle(app)
            let queued = try await ChannelDelivery.query(on: app.db).filter(\.$householdID == hid).all()
            #expect(queued.count == 1 && queued.first?.address == "0999000001" && queued.first?.state == .queued)
            #expect(try await app.count("push_subscriptions") == 1)
            #expect(try await app.count("paper_files") == 1)
            #expect(ProceduresPapersTests.stored(app) == 1)
            #expect(try await app.page("/my", as: home).status == .ok)
            #expect(try await app.count("sessions", household: hid) == 2)

            let erased = try await app.form("/households/\(hid)/erase", ["confirm": "yes"])
            #expect(erased.status == .seeOther)

            // No way in: the card link, the phone + PIN, the session that was open.
            let cardAgain = try await app.anonymousPage(cardPath)
            #expect(cardAgain.status == .notFound)
            #expect(try await Self.pinSignIn(app, phone: "0999777888", pin: "2468").status == .unauthorized)
            let next = try await app.page("/my", as: home)
            #expect(next.status == .seeOther && next.headers.first(name: .location)?.hasPrefix("/signin") == true)
            #expect(try await app.count("sessions", household: hid) == 0)
            // No traces: push subscriptions, papers (rows and bytes), the phones, names and text of its questions and bookings.
            #expect(try await app.count("push_subscriptions") == 0)
            #expect(try await app.count("paper_files") == 0)
            #expect(ProceduresPapersTests.stored(app) == 0)
            let questions = try await ProcedureQuestion.query(on: app.db).all()
            #expect(questions.count == 3)
            #expect(questions.filter { $0.phone == nil && $0.question == PersonalData.erasedName }.count == 2)
            #expect(questions.contains { $0.phone == "0999555666" && $0.question == "Câu hỏi của người khác" })
            let bookings = try await Appointment.query(on: app.db).all()
            #expect(bookings.filter { $0.phone == nil && $0.name == PersonalData.erasedName }.count == 2)
            #expect(bookings.contains { $0.phone == "0999555666" && $0.name == "Người Khác" })
            let sets = try await PaperSet.query(on: app.db).all()
            #expect(sets.allSatisfy { $0.phone == nil })
            let sent = try await ChannelDelivery.query(on: app.db).filter(\.$householdID == hid).all()
            #expect(sent.count == 1 && sent.allSatisfy { $0.address == PersonalData.erasedName && $0.state == .failed })
            let row = try #require(await Household.find(hid, on: app.db))
            #expect(row.cardTokenHash == nil && row.pinPhone == nil && row.pinHash == nil)
        }
    }
}

extension Application {
    func count(_ table: String, household: UUID) async throws -> Int {
        let row = try await (db as! any SQLDatabase).raw("SELECT COUNT(*) AS n FROM \(ident: table) WHERE household_id = \(bind: household)").first()
        return try row!.decode(column: "n", as: Int.self)
    }
}
