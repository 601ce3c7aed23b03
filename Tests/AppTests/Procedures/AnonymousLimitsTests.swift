import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting
@testable import App

/// What someone without a sign-in can make the commune store and send: bounded per phone, per address, per commune.
@Suite("Anonymous edges of procedures: limits per address and per commune, no session rows, scans as counters")
struct AnonymousLimitsTests {
    func slot(_ app: Application, _ f: ProcFixture, capacity: Int = 50) async throws -> (SlotDTO, String) {
        let day = Day.adding(3, to: Day.today())
        let s = try await app.api(.POST, "/api/v1/communes/\(f.tree.commune.id)/slots", json: SlotInput(weekday: Day.weekday(day), startTime: "08:00", minutes: 60, capacity: capacity),
                                  token: f.officerToken).decode(SlotDTO.self)
        return (s, day)
    }

    @Test("one address, a new phone each time: PROC_PER_ADDRESS_DAY bookings, questions and paper sets, then 429 (API and pages), nothing more stored")
    func perAddress() async throws {
        try await withTestApp({ $0.procedures.perAddressDay = 3 }) { app in
            let f = try await ProcFixture.make(app)
            let birth = try await f.procedure(app, "birthRegistration")
            let (s, day) = try await slot(app, f)
            for i in 0..<4 {
                let phone = "09990011\(String(format: "%02d", i))"
                let booked = try await app.api(.POST, "/api/v1/appointments", json: BookingInput(slotId: s.id.uuidString, day: day, procedureId: birth.id.uuidString, name: "Người \(i)", phone: phone), token: "")
                let asked = try await app.api(.POST, "/api/v1/questions", json: QuestionInput(procedureId: birth.id.uuidString, question: "Câu hỏi số \(i)", phone: phone), token: "")
                let papers = try await app.api(.POST, "/api/v1/paper-sets", json: PaperSetInput(procedureId: birth.id.uuidString, phone: phone), token: "")
                for r in [booked, asked, papers] {
                    #expect(r.status == (i < 3 ? .created : .tooManyRequests), "\(i): \(r.status) \(r.text)")
                }
                if i == 3 {
                    let body = try booked.decode(ErrorBody.self)
                    #expect(body.error == "too_many" && body.message.contains("quá nhiều yêu cầu gửi từ mạng của bạn"))
                    #expect(Int(booked.headers.first(name: .retryAfter) ?? "") ?? 0 > 0)
                }
            }
            #expect(try await app.count("appointments") == 3)
            #expect(try await app.count("procedure_questions") == 3)
            #expect(try await app.count("paper_sets") == 3)
            // The pages re-render the form with the message, and 429.
            let (visitor, _) = try await app.visitor("/p/00001/birthRegistration")
            let ask = try await app.form("/p/00001/birthRegistration/ask", ["question": "Thêm một câu hỏi nữa?", "phone": "0999001199"], as: visitor)
            #expect(ask.status == .tooManyRequests && ask.text.contains("quá nhiều yêu cầu gửi từ mạng của bạn") && ask.text.contains("Thêm một câu hỏi nữa?"))
            let book = try await app.form("/p/00001/birthRegistration/book", ["opening": "\(s.id.uuidString)|\(day)", "name": "Người Nữa", "phone": "0999001199"], as: visitor)
            #expect(book.status == .tooManyRequests && book.text.contains("quá nhiều yêu cầu") && book.text.contains("value=\"Người Nữa\""))
            let papers = try await app.form("/p/00001/birthRegistration/papers", ["phone": "0999001199"], as: visitor)
            #expect(papers.status == .tooManyRequests && papers.text.contains("quá nhiều yêu cầu"))
            #expect(try await app.count("procedure_questions") == 3)
            // A signed-in household is not an anonymous sender.
            let (home, _) = try await app.householdBrowser(code: "HH-9", village: f.tree.village1)
            let mine = try await app.form("/p/00001/birthRegistration/ask", ["question": "Hộ tôi hỏi một câu?"], as: home)
            #expect(mine.status == .ok)
        }
    }

    @Test("per commune per day: from many addresses (behind a trusted proxy) the commune's budget holds; another commune's is its own")
    func perCommune() async throws {
        try await withTestApp({
            $0.procedures.perCommuneDay = 3
            $0.trustedProxies = [AddressRange("127.0.0.1")!]
        }) { app in
            let f = try await ProcFixture.make(app)
            let birth = try await f.procedure(app, "birthRegistration")
            let foreign = try await app.api(.GET, "/api/v1/communes/\(f.tree.otherCommune.id)/procedures").decode([ProcedureDTO].self)[0]
            let live = try app.testing(method: .running(hostname: "127.0.0.1", port: 0))
            func ask(_ p: ProcedureDTO, from address: String, phone: String) async throws -> TestingHTTPResponse {
                var body = ByteBuffer()
                try body.writeJSONEncodable(QuestionInput(procedureId: p.id.uuidString, question: "Cần những giấy tờ gì?", phone: phone))
                return try await live.sendRequest(.POST, "/api/v1/questions", headers: ["Content-Type": "application/json", "X-Forwarded-For": address], body: body)
            }
            for i in 0..<3 {
                #expect(try await ask(birth, from: "203.0.113.\(i + 1)", phone: "099900220\(i)").status == .created)
            }
            let over = try await ask(birth, from: "203.0.113.99", phone: "0999002299")
            #expect(over.status == .tooManyRequests)
            #expect(try over.decode(ErrorBody.self).message.contains("xã đã nhận quá nhiều yêu cầu"))
            #expect(try await app.count("procedure_questions") == 3)
            #expect(try await ask(foreign, from: "203.0.113.99", phone: "0999002299").status == .created)
            // Each address was counted on its own.
            #expect(try await RateLimit.count("proc:ask:addr:203.0.113.1", window: RateLimit.day, on: app.db) == 1)
            #expect(try await RateLimit.count("proc:ask:addr:203.0.113.99", window: RateLimit.day, on: app.db) == 2)
        }
    }

    @Test("confirmation codes are limited per address: at most CONFIRM_PER_ADDRESS_DAY messages, however many phones are named")
    func codesPerAddress() async throws {
        let gateway = try await LocalServer.start { _, _ in json(["id": UUID().uuidString]) }
        defer { Task { await gateway.stop() } }
        try await withTestApp({
            $0.messaging.sms = .init(url: gateway.base + "/send", user: "", password: "", sender: "UBND", template: "{unit}: {title}. {link}")
            $0.procedures.confirmPerAddressDay = 2
        }) { app in
            let f = try await ProcFixture.make(app)
            let birth = try await f.procedure(app, "birthRegistration")
            let (s, day) = try await slot(app, f)
            var ids: [UUID?] = []
            for i in 0..<4 {
                let r = try await app.api(.POST, "/api/v1/appointments", json: BookingInput(slotId: s.id.uuidString, day: day, procedureId: birth.id.uuidString, name: "Người \(i)", phone: "099900330\(i)"), token: "")
                #expect(r.status == .created)
                ids.append(try r.decode(AppointmentDTO.self).confirmationId)
            }
            #expect(ids.map { $0 != nil } == [true, true, false, false])
            try await Jobs.runUntilIdle(app)
            #expect(gateway.received.count == 2)
            #expect(try await app.count("phone_confirmations") == 2)
            // The page says why no code came.
            let (visitor, _) = try await app.visitor("/p/00001/birthRegistration/book")
            let page = try await app.form("/p/00001/birthRegistration/book", ["opening": "\(s.id.uuidString)|\(day)", "name": "Người Cuối", "phone": "0999003399"], as: visitor)
            #expect(page.status == .ok && page.text.contains("Đã đặt lịch") && page.text.contains("không gửi thêm mã xác nhận từ mạng của bạn"))
        }
    }

    @Test("phone + code look-ups: after LookupGuard.missesPerHour misses from one address, /lookup and its API answer 429 even for a right code; a hit counts nothing")
    func lookupMisses() async throws {
        try await withTestApp { app in
            // The limit's window is the clock hour: start just after one begins, so a slow run stays inside it.
            let t = app.now.timeIntervalSince1970
            app.testClock.set(Date(timeIntervalSince1970: (t / 3600).rounded(.down) * 3600 + 3601))
            let f = try await ProcFixture.make(app)
            let birth = try await f.procedure(app, "birthRegistration")
            let q = try await app.api(.POST, "/api/v1/questions", json: QuestionInput(procedureId: birth.id.uuidString, question: "Làm giấy khai sinh ở đâu?", phone: "0999004501"), token: "").decode(QuestionDTO.self)
            // A right code is found, as often as asked, and counts no miss.
            for _ in 0..<3 {
                let found = try await app.api(.GET, "/api/v1/lookup?phone=0999004501&code=\(q.code)", token: "").decode(ResidentViewDTO.self)
                #expect(found.questions.count == 1)
            }
            let sql = app.db as! any SQLDatabase
            #expect(try await sql.raw("SELECT COUNT(*) AS n FROM rate_counters WHERE key LIKE 'lookup:miss:%'").first()!.decode(column: "n", as: Int.self) == 0)
            // Guesses with a new phone each time: each is a miss, through the page, the API and the cancel route.
            for i in 0..<LookupGuard.missesPerHour {
                let phone = "09990046\(String(format: "%02d", i))"
                switch i % 3 {
                case 0: #expect(try await app.anonymousPage("/lookup?phone=\(phone)&code=ZZZZ\(String(format: "%04d", i))").status == .ok)
                case 1: #expect(try await app.api(.GET, "/api/v1/lookup?phone=\(phone)&code=ZZZZ\(String(format: "%04d", i))", token: "").status == .ok)
                default: #expect(try await app.api(.POST, "/api/v1/lookup/cancel", json: LookupInput(phone: phone, code: "ZZZZ\(String(format: "%04d", i))"), token: "").status == .notFound)
                }
            }
            let api = try await app.api(.GET, "/api/v1/lookup?phone=0999004501&code=\(q.code)", token: "")
            #expect(api.status == .tooManyRequests && Int(api.headers.first(name: .retryAfter) ?? "") ?? 0 > 0)
            #expect(try api.decode(ErrorBody.self).message.contains("tra cứu sai mã quá nhiều lần"))
            let page = try await app.anonymousPage("/lookup?phone=0999004501&code=\(q.code)")
            #expect(page.status == .tooManyRequests && page.text.contains("tra cứu sai mã quá nhiều lần") && !page.text.contains("Làm giấy khai sinh ở đâu?"))
            #expect(try await app.api(.POST, "/api/v1/lookup/cancel", json: LookupInput(phone: "0999004501", code: q.code), token: "").status == .tooManyRequests)
            // The next hour starts afresh.
            try await sql.raw("DELETE FROM rate_counters WHERE key LIKE 'lookup:miss:%'").run()
            #expect(try await app.api(.GET, "/api/v1/lookup?phone=0999004501&code=\(q.code)", token: "").decode(ResidentViewDTO.self).questions.count == 1)
        }
    }

    @Test("a public guide, the booking, asking and papers pages and their submissions write no sessions row")
    func noSessions() async throws {
        try await withTestApp { app in
            let f = try await ProcFixture.make(app)
            let (s, day) = try await slot(app, f)
            let before = try await app.count("sessions")
            let (visitor, guide) = try await app.visitor("/p/00001/birthRegistration")
            #expect(guide.status == .ok)
            for path in ["/p/00001/birthRegistration/book", "/p/00001/birthRegistration/papers", "/lookup"] {
                #expect(try await app.page(path, as: visitor).status == .ok)
            }
            #expect(try await app.form("/p/00001/birthRegistration/ask", ["question": "Sinh con ở nhà thì sao?", "phone": "0999004401"], as: visitor).status == .ok)
            #expect(try await app.form("/p/00001/birthRegistration/book", ["opening": "\(s.id.uuidString)|\(day)", "name": "Khách", "phone": "0999004401"], as: visitor).status == .ok)
            #expect(try await app.form("/p/00001/birthRegistration/papers", ["phone": "0999004401"], as: visitor).status == .seeOther)
            let counts = [try await app.count("procedure_questions"), try await app.count("appointments"), try await app.count("paper_sets")]
            #expect(counts == [1, 1, 1])
            #expect(try await app.count("sessions") == before)
        }
    }

    @Test("repeated GETs of a scan URL add no rows: one counter per board, procedure and day goes up")
    func scansAsCounters() async throws {
        try await withTestApp { app in
            let f = try await ProcFixture.make(app)
            let birth = try await f.procedure(app, "birthRegistration")
            let board = try await app.api(.POST, "/api/v1/communes/\(f.tree.commune.id)/boards", json: BoardInput(place: "Cổng làng", procedureIds: [birth.id.uuidString]), token: f.officerToken).decode(BoardDTO.self)
            let code = board.procedures[0].shortCode
            #expect(try await app.anonymousPage("/q/\(code)").status == .seeOther)
            #expect(try await app.count("procedure_scan_counts") == 1)
            for _ in 0..<10 { _ = try await app.anonymousPage("/q/\(code)") }
            #expect(try await app.count("procedure_scan_counts") == 1)
            let row = try #require(try await (app.db as! any SQLDatabase).raw("SELECT scans FROM procedure_scan_counts").first())
            #expect(try row.decode(column: "scans", as: Int.self) == 11)
            let detail = try await app.api(.GET, "/api/v1/boards/\(board.id)", token: f.officerToken).decode(BoardDetailDTO.self)
            #expect(detail.byDay.first?.scans == 11 && detail.byMonth.first?.scans == 11)
            #expect(try await app.count("sessions") == 1)   // the officer's, from the fixture
        }
    }
}
