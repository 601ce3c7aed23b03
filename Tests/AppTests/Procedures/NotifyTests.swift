import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting
@testable import App

@Suite("Procedures through messaging: answers, bookings and reminders reach the resident's phone")
struct NotifyTests {
    /// The six digits in the last message the gateway got for `phone`.
    static func code(_ gateway: LocalServer, to phone: String) throws -> String {
        let body = try #require(gateway.received.last { String(decoding: $0.body, as: UTF8.self).contains("\"\(phone)\"") }?.body)
        let text = try #require((try JSONSerialization.jsonObject(with: body) as? [String: String])?["text"])
        let r = try #require(text.range(of: "Mã xác nhận: "))
        return String(text[r.upperBound...].prefix(6))
    }

    @Test("an anonymous phone gets only a confirmation code until it is confirmed; then the answer and the booking go out by SMS with stable keys; a cancelled booking's reminder does not")
    func sms() async throws {
        let gateway = try await LocalServer.start { _, _ in json(["id": UUID().uuidString]) }
        defer { Task { await gateway.stop() } }
        try await withTestApp({ $0.messaging.sms = .init(url: gateway.base + "/send", user: "", password: "", sender: "UBND", template: "{unit}: {title}. {link}") }) { app in
            let f = try await ProcFixture.make(app)
            let sql = app.db as! any SQLDatabase
            let birth = try await f.procedure(app, "birthRegistration")
            let asked = try await app.api(.POST, "/api/v1/questions", json: QuestionInput(procedureId: birth.id.uuidString, question: "Cần mang giấy gì?", phone: "0999777111"), token: "")
            #expect(asked.status == .created, "\(asked.text)")
            let q = try asked.decode(QuestionDTO.self)
            #expect(!q.phoneConfirmed)
            let confirmation = try #require(q.confirmationId)
            try await Jobs.runUntilIdle(app)
            // One message: the code, and nothing else.
            #expect(gateway.received.count == 1)
            let code = try Self.code(gateway, to: "0999777111")
            #expect(code.count == 6)
            #expect(try await app.count("phone_confirmations") == 1)
            // The code is kept only as a hash.
            let stored = try #require(await PhoneConfirmation.find(confirmation, on: app.db))
            #expect(stored.codeHash != code && !stored.codeHash.contains(code))
            let confirmed = try await app.api(.POST, "/api/v1/phone-confirmations/\(confirmation)", json: ConfirmInput(code: code), token: "")
            #expect(confirmed.status == .ok, "\(confirmed.text)")
            #expect(try confirmed.decode(ConfirmationDTO.self).confirmed)
            _ = try await app.api(.POST, "/api/v1/questions/\(q.id)/answer", json: AnswerInput(answer: "Giấy chứng sinh."), token: f.officerToken)
            try await Jobs.runUntilIdle(app)
            #expect(gateway.received.count == 2)
            let text = try #require(try JSONSerialization.jsonObject(with: gateway.received[1].body) as? [String: String])
            #expect(text["to"] == "0999777111" && text["text"]?.contains("Câu hỏi \(q.code) đã có trả lời") == true && text["text"]?.hasSuffix("/lookup") == true)

            // A booking from the guide page: recorded and shown with its code, but no SMS job until the phone is confirmed.
            let day = Day.adding(3, to: Day.today())
            let slot = try await app.api(.POST, "/api/v1/communes/\(f.tree.commune.id)/slots", json: SlotInput(weekday: Day.weekday(day), startTime: "08:00", minutes: 60, capacity: 2), token: f.officerToken).decode(SlotDTO.self)
            let (visitor, _) = try await app.visitor("/p/00001/birthRegistration/book")
            let booked = try await app.form("/p/00001/birthRegistration/book", ["opening": "\(slot.id.uuidString)|\(day)", "name": "Trần Văn Bình", "phone": "0999777222"], as: visitor)
            #expect(booked.status == .ok && booked.text.contains("Đã đặt lịch") && booked.text.contains("0999•••222"))
            let a = try #require(await Appointment.query(on: app.db).filter(\.$phone == "0999777222").first())
            #expect(booked.text.contains(a.code))
            try await Jobs.runUntilIdle(app)
            #expect(try await sql.raw("SELECT id FROM jobs WHERE unique_key LIKE \(bind: "direct:booked:%") OR unique_key LIKE \(bind: "direct:reminder:%")").all().isEmpty)
            #expect(gateway.received.count == 3)
            #expect(!String(decoding: gateway.received[2].body, as: UTF8.self).contains(a.code))
            // The resident types the code on the page; the booking's SMS goes out.
            let action = try #require(booked.text.range(of: "action=\"/confirm/").map { r in String(booked.text[booked.text.index(r.lowerBound, offsetBy: 8)...].prefix { $0 != "\"" }) })
            let done = try await app.form(action, ["code": try Self.code(gateway, to: "0999777222")], as: visitor)
            #expect(done.status == .ok && done.text.contains("Đã xác nhận số điện thoại"), "\(done.text)")
            #expect(try await Appointment.find(a.id, on: app.db)?.phoneConfirmedAt != nil)
            try await Jobs.runUntilIdle(app)
            #expect(gateway.received.count == 4)
            #expect(String(decoding: gateway.received[3].body, as: UTF8.self).contains(a.code))
            let reminder = try #require(try await sql.raw("SELECT run_at FROM jobs WHERE unique_key = \(bind: "direct:reminder:\(a.id!)")").first())
            let remindAt = try reminder.decode(column: "run_at", as: Date.self)
            #expect(remindAt > app.now)
            // Cancelled before the evening before: the reminder comes due and sends nothing.
            _ = try await app.api(.POST, "/api/v1/lookup/cancel", json: LookupInput(phone: "0999777222", code: a.code), token: "")
            app.testClock.set(remindAt.addingTimeInterval(1))
            #expect(try await Jobs.runUntilIdle(app) == 1)
            #expect(gateway.received.count == 4)
            // A job run twice sends under the same key.
            #expect(DirectMessage.messageID("a") == DirectMessage.messageID("a") && DirectMessage.messageID("a") != DirectMessage.messageID("b"))
        }
    }

    @Test("wrong confirmation codes are limited: after CONFIRM_ATTEMPTS the right code no longer works and nothing is sent")
    func wrongCodes() async throws {
        let gateway = try await LocalServer.start { _, _ in json(["id": UUID().uuidString]) }
        defer { Task { await gateway.stop() } }
        try await withTestApp({
            $0.messaging.sms = .init(url: gateway.base + "/send", user: "", password: "", sender: "UBND", template: "{unit}: {title}. {link}")
            $0.procedures.confirmAttempts = 3
        }) { app in
            let f = try await ProcFixture.make(app)
            let birth = try await f.procedure(app, "birthRegistration")
            let day = Day.adding(3, to: Day.today())
            let slot = try await app.api(.POST, "/api/v1/communes/\(f.tree.commune.id)/slots", json: SlotInput(weekday: Day.weekday(day), startTime: "08:00", minutes: 60, capacity: 2), token: f.officerToken).decode(SlotDTO.self)
            let a = try await app.api(.POST, "/api/v1/appointments", json: BookingInput(slotId: slot.id.uuidString, day: day, procedureId: birth.id.uuidString, name: "Đinh Văn Thử", phone: "0999777333"), token: "").decode(AppointmentDTO.self)
            let id = try #require(a.confirmationId)
            try await Jobs.runUntilIdle(app)
            let right = try Self.code(gateway, to: "0999777333")
            let wrong = right == "000000" ? "111111" : "000000"
            let format = try await app.api(.POST, "/api/v1/phone-confirmations/\(id)", json: ConfirmInput(code: "12"), token: "")
            #expect(format.status == .unprocessableEntity)
            #expect(try format.decode(ErrorBody.self).fields?.map(\.field) == ["code"])
            for left in [2, 1, 0] {
                let r = try await app.api(.POST, "/api/v1/phone-confirmations/\(id)", json: ConfirmInput(code: wrong), token: "")
                #expect(r.status == .unprocessableEntity)
                #expect(try r.decode(ErrorBody.self).fields?.first?.message.contains("Còn \(left) lần thử") == true)
            }
            let late = try await app.api(.POST, "/api/v1/phone-confirmations/\(id)", json: ConfirmInput(code: right), token: "")
            #expect(late.status == .tooManyRequests)
            #expect(try await Appointment.find(a.id, on: app.db)?.phoneConfirmedAt == nil)
            try await Jobs.runUntilIdle(app)
            #expect(gateway.received.count == 1)
            // The page says so too.
            let page = try await app.anonymousPage("/confirm/\(id)")
            #expect(page.text.contains("không còn dùng được"))
            #expect(try await app.api(.GET, "/api/v1/phone-confirmations/\(id)", token: "").decode(ConfirmationDTO.self).attemptsLeft == 0)
        }
    }

    @Test("a household's question is answered on the household's registered phone, never on a phone typed with its session")
    func householdPhone() async throws {
        let gateway = try await LocalServer.start { _, _ in json(["id": UUID().uuidString]) }
        defer { Task { await gateway.stop() } }
        try await withTestApp({ $0.messaging.sms = .init(url: gateway.base + "/send", user: "", password: "", sender: "UBND", template: "{unit}: {title}. {link}") }) { app in
            let f = try await ProcFixture.make(app)
            let birth = try await f.procedure(app, "birthRegistration")
            let (home, _) = try await app.householdBrowser(code: "HH-7", village: f.tree.village1)
            let asked = try await app.testing().sendRequest(.POST, "/api/v1/questions", headers: home.headers(["Content-Type": "application/json"])) { req in
                try req.content.encode(QuestionInput(procedureId: birth.id.uuidString, question: "Hộ tôi cần giấy gì?", phone: "0999888777"), as: .json)
            }
            #expect(asked.status == .created)
            let q = try asked.decode(QuestionDTO.self)
            #expect(q.householdId != nil && q.phoneConfirmed && q.confirmationId == nil)
            _ = try await app.api(.POST, "/api/v1/questions/\(q.id)/answer", json: AnswerInput(answer: "Giấy chứng sinh."), token: f.officerToken)
            try await Jobs.runUntilIdle(app)
            let sent = gateway.received.compactMap { try? JSONSerialization.jsonObject(with: $0.body) as? [String: String] }.map { $0["to"] ?? "" }
            #expect(sent == ["0999000001"])
        }
    }
}
