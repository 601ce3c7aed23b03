import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting
@testable import App

@Suite("Procedures through messaging: answers, bookings and reminders reach the resident's phone")
struct NotifyTests {
    @Test("an answer and a booking go out by SMS with stable keys; a cancelled booking's reminder does not")
    func sms() async throws {
        let gateway = try await LocalServer.start { _, _ in json(["id": UUID().uuidString]) }
        defer { Task { await gateway.stop() } }
        try await withTestApp({ $0.messaging.sms = .init(url: gateway.base + "/send", user: "", password: "", sender: "UBND", template: "{unit}: {title}. {link}") }) { app in
            let f = try await ProcFixture.make(app)
            let sql = app.db as! any SQLDatabase
            let birth = try await f.procedure(app, "birthRegistration")
            let asked = try await app.api(.POST, "/api/v1/questions", json: QuestionInput(procedureId: birth.id.uuidString, question: "Cần mang giấy gì?", phone: "0999777111"), token: "")
            #expect(asked.status == .created || asked.status == .ok, "\(asked.text)")
            let q = try asked.decode(QuestionDTO.self)
            try await Jobs.runUntilIdle(app)
            #expect(gateway.received.isEmpty)
            _ = try await app.api(.POST, "/api/v1/questions/\(q.id)/answer", json: AnswerInput(answer: "Giấy chứng sinh."), token: f.officerToken)
            try await Jobs.runUntilIdle(app)
            #expect(gateway.received.count == 1)
            let text = try #require(try JSONSerialization.jsonObject(with: gateway.received[0].body) as? [String: String])
            #expect(text["to"] == "0999777111" && text["text"]?.contains("Câu hỏi \(q.code) đã có trả lời") == true && text["text"]?.hasSuffix("/lookup") == true)

            let day = Day.adding(3, to: Day.today())
            let slot = try await app.api(.POST, "/api/v1/communes/\(f.tree.commune.id)/slots", json: SlotInput(weekday: Day.weekday(day), startTime: "08:00", minutes: 60, capacity: 2), token: f.officerToken).decode(SlotDTO.self)
            let booked = try await app.api(.POST, "/api/v1/appointments", json: BookingInput(slotId: slot.id.uuidString, day: day, procedureId: birth.id.uuidString, name: "Trần Văn Bình", phone: "0999777222"), token: "")
            let a = try booked.decode(AppointmentDTO.self)
            try await Jobs.runUntilIdle(app)
            #expect(gateway.received.count == 2)
            #expect(String(decoding: gateway.received[1].body, as: UTF8.self).contains(a.code))
            let reminder = try #require(try await sql.raw("SELECT run_at FROM jobs WHERE unique_key = \(bind: "direct:reminder:\(a.id)")").first())
            #expect(try reminder.decode(column: "run_at", as: Date.self) > Date())
            // Cancelled before the evening before: the reminder comes due and sends nothing.
            _ = try await app.api(.POST, "/api/v1/lookup/cancel", json: LookupInput(phone: "0999777222", code: a.code), token: "")
            try await sql.raw("UPDATE jobs SET run_at = \(bind: Date().addingTimeInterval(-1)) WHERE unique_key = \(bind: "direct:reminder:\(a.id)")").run()
            #expect(try await Jobs.runUntilIdle(app) == 1)
            #expect(gateway.received.count == 2)
            // A job run twice sends under the same key.
            #expect(DirectMessage.messageID("a") == DirectMessage.messageID("a") && DirectMessage.messageID("a") != DirectMessage.messageID("b"))
        }
    }
}
