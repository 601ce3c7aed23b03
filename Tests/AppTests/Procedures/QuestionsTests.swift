import Foundation
import Testing
import Vapor
import VaporTesting
@testable import App

@Suite("Procedures: questions to the justice officer")
struct ProceduresQuestionsTests {
    @Test("median of answer times")
    func median() {
        #expect(QuestionActions.median([]) == nil)
        #expect(QuestionActions.median([3, 1, 2]) == 2)
        #expect(QuestionActions.median([4, 1, 3, 2]) == 2.5)
        #expect(QuestionActions.duration(45, .vi) == "45 phút")
        #expect(QuestionActions.duration(150, .vi) == "2,5 giờ")
    }

    @Test("an anonymous resident asks with a phone, the officer answers and publishes, the resident reads it with phone and code")
    func anonymous() async throws {
        try await withTestApp { app in
            let f = try await ProcFixture.make(app)
            let (visitor, guide) = try await app.visitor("/p/00001/birthRegistration")
            #expect(guide.text.contains("Hỏi công chức tư pháp"))
            // Bad input: the phone named, the question kept, nothing stored.
            let bad = try await app.form("/p/00001/birthRegistration/ask", ["question": "Cháu sinh ở nhà thì cần giấy gì?", "phone": "12345"], as: visitor)
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.text.contains("Số điện thoại phải có 10 chữ số") && bad.text.contains("Cháu sinh ở nhà thì cần giấy gì?"))
            #expect(try await app.count("procedure_questions") == 0)
            let ok = try await app.form("/p/00001/birthRegistration/ask", ["question": "Cháu sinh ở nhà thì cần giấy gì?", "phone": "0999 123 456"], as: visitor)
            #expect(ok.status == .ok)
            let code = try #require(ok.text.range(of: "Mã câu hỏi của bạn: ").map { String(ok.text[$0.upperBound...].prefix(8)) })
            #expect(try await app.count("procedure_questions") == 1)

            let queue = try await app.api(.GET, "/api/v1/communes/\(f.tree.commune.id)/questions", token: f.officerToken).decode(QuestionQueueDTO.self)
            #expect(queue.unanswered == 1 && queue.items[0].code == code && queue.items[0].phone == "0999123456" && queue.medianMinutes == nil)
            let page = try await app.page("/communes/\(f.tree.commune.id)/questions", as: f.officer)
            #expect(page.text.contains("Cháu sinh ở nhà thì cần giấy gì?") && page.text.contains("Chưa có câu hỏi nào được trả lời."))
            // Another commune's officer: not found.
            #expect(try await app.api(.POST, "/api/v1/questions/\(queue.items[0].id)/answer", json: AnswerInput(answer: "x"), token: f.otherOfficerToken).status == .notFound)
            #expect(try await app.api(.GET, "/api/v1/communes/\(f.tree.commune.id)/questions", token: f.otherOfficerToken).status == .notFound)

            let answer = "Mang giấy cam đoan và văn bản của người làm chứng."
            let answered = try await app.form("/questions/\(queue.items[0].id)/answer", ["answer": answer, "publish": "1"], as: f.officer)
            #expect(answered.status == .seeOther)
            let again = try await app.api(.POST, "/api/v1/questions/\(queue.items[0].id)/answer", json: AnswerInput(answer: "khác"), token: f.officerToken)
            #expect(again.status == .conflict)
            // Published: on the public guide.
            let faq = try await app.anonymousPage("/p/00001/birthRegistration")
            #expect(faq.text.contains("Câu hỏi thường gặp") && faq.text.contains(answer))
            _ = try await app.form("/questions/\(queue.items[0].id)/publish", ["published": "0"], as: f.officer)
            #expect(!(try await app.anonymousPage("/p/00001/birthRegistration")).text.contains(answer))

            // The resident reads it with phone + code; a wrong phone reads nothing.
            let look = try await app.anonymousPage("/lookup?phone=0999123456&code=\(code)")
            #expect(look.text.contains(answer))
            let wrong = try await app.anonymousPage("/lookup?phone=0999000000&code=\(code)")
            #expect(!wrong.text.contains(answer) && wrong.text.contains("Không tìm thấy"))
            let viaAPI = try await app.api(.GET, "/api/v1/lookup?phone=0999123456&code=\(code)", token: "").decode(ResidentViewDTO.self)
            #expect(viaAPI.questions.map(\.answer) == [answer])
            #expect(try await app.api(.GET, "/api/v1/lookup?phone=0999123457&code=\(code)", token: "").decode(ResidentViewDTO.self).questions.isEmpty)
            let republished = try await app.api(.POST, "/api/v1/questions/\(queue.items[0].id)/publish", json: PublishInput(published: true), token: f.officerToken)
            #expect(try republished.decode(QuestionDTO.self).published)
            #expect(try await app.api(.POST, "/api/v1/questions/\(queue.items[0].id)/publish", json: PublishInput(published: true), token: f.otherOfficerToken).status == .notFound)
            #expect(try await app.count("audit_events") > 0)
        }
    }

    @Test("a signed-in household sees its own questions and answers only; one phone may not flood the queue")
    func household() async throws {
        try await withTestApp { app in
            let f = try await ProcFixture.make(app)
            let (home, _) = try await app.householdBrowser(code: "HH-1", village: f.tree.village1)
            let (other, _) = try await app.householdBrowser(code: "HH-2", village: f.tree.village2)
            let guide = try await app.page("/p/00001/deathRegistration", as: home)
            #expect(!guide.text.contains("name=\"phone\""))
            let asked = try await app.form("/p/00001/deathRegistration/ask", ["question": "Ông mất ở bệnh viện tỉnh, đăng ký ở đâu?"], as: home)
            #expect(asked.status == .ok)
            let q = try await app.api(.GET, "/api/v1/communes/\(f.tree.commune.id)/questions", token: f.officerToken).decode(QuestionQueueDTO.self).items[0]
            #expect(q.householdId != nil && q.phone == nil)
            _ = try await app.api(.POST, "/api/v1/questions/\(q.id)/answer", json: AnswerInput(answer: "Đăng ký tại xã nơi cư trú cuối cùng."), token: f.officerToken)
            let mine = try await app.page("/my/procedures", as: home)
            #expect(mine.text.contains("Ông mất ở bệnh viện tỉnh") && mine.text.contains("Đăng ký tại xã nơi cư trú cuối cùng."))
            let theirs = try await app.page("/my/procedures", as: other)
            #expect(!theirs.text.contains("Ông mất ở bệnh viện tỉnh"))
            let mineJSON = try await app.page("/api/v1/my/procedures", as: home).decode(ResidentViewDTO.self)
            #expect(mineJSON.questions.map(\.answer) == ["Đăng ký tại xã nơi cư trú cuối cùng."])
            #expect(try await app.page("/api/v1/my/procedures", as: other).decode(ResidentViewDTO.self).questions.isEmpty)

            // Five a day per phone, then a clear refusal, nothing stored.
            let procedure = try await f.procedure(app, "deathRegistration")
            for i in 1...5 {
                let r = try await app.api(.POST, "/api/v1/questions", json: QuestionInput(procedureId: procedure.id.uuidString, question: "Câu hỏi số \(i)", phone: "0999555666"), token: "")
                #expect(r.status == .created)
            }
            let before = try await app.count("procedure_questions")
            let sixth = try await app.api(.POST, "/api/v1/questions", json: QuestionInput(procedureId: procedure.id.uuidString, question: "Câu hỏi số 6", phone: "0999555666"), token: "")
            #expect(sixth.status == .tooManyRequests)
            #expect(try sixth.decode(ErrorBody.self).fields?.first?.field == "phone")
            let unknown = try await app.api(.POST, "/api/v1/questions", json: QuestionInput(procedureId: UUID().uuidString, question: "Câu hỏi", phone: "0999555667"), token: "")
            #expect(try unknown.decode(ErrorBody.self).fields?.first?.message == "Không có thủ tục này trong danh mục của xã.")
            #expect(try await app.count("procedure_questions") == before)
        }
    }

    @Test("the median time to answer is counted from the rows")
    func medianFigure() async throws {
        try await withTestApp { app in
            let f = try await ProcFixture.make(app)
            let p = try #require(await Procedure.find(try await f.procedure(app, "certificationCopy").id, on: app.db))
            let t0 = app.now.addingTimeInterval(-86_400)
            for (i, minutes) in [30.0, 60.0, 240.0].enumerated() {
                let q = try await QuestionActions.ask(p, QuestionInput(question: "Câu hỏi \(i)", phone: "099900000\(i)"), householdID: nil, on: app.db, now: t0)
                _ = try await QuestionActions.answer(q, AnswerInput(answer: "Trả lời"), by: "test", on: app.db, now: t0.addingTimeInterval(minutes * 60))
            }
            let queue = try await app.api(.GET, "/api/v1/communes/\(f.tree.commune.id)/questions", token: f.officerToken).decode(QuestionQueueDTO.self)
            #expect(queue.medianMinutes == 60 && queue.unanswered == 0)
            let page = try await app.page("/communes/\(f.tree.commune.id)/questions?lang=en", as: f.officer)
            #expect(page.text.contains("Median time to answer: 60 min"))
        }
    }
}
