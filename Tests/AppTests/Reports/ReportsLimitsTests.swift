import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting
@testable import App

/// What someone without a sign-in can make the commune store: bounded per phone, per client address and per commune.
@Suite("Anonymous reports and photos: limits per phone, per address and per commune a day; 429 with a clear message")
struct ReportsLimitsTests {
    @Test("one address, a new phone each time: REPORTS_PER_ADDRESS_DAY reports, then 429 (API and page), nothing more stored; a household is not limited")
    func perAddress() async throws {
        try await withTestApp({ $0.reports.perAddressDay = 3 }) { app in
            let f = try await ReportsFixture.make(app)
            for i in 0..<4 {
                let r = try await app.api(.POST, "/api/v1/reports", json: ReportInput(communeCode: "00001", category: "rubbish", place: "Bờ ao", description: "Rác ở bờ ao số \(i)",
                                                                                        phone: "091200100\(i)"), token: "")
                #expect(r.status == (i < 3 ? .created : .tooManyRequests), "\(i): \(r.status)")
                if i == 3 {
                    #expect(try r.decode(ErrorBody.self).message.contains("quá nhiều phản ánh gửi từ mạng của bạn"))
                    #expect(Int(r.headers.first(name: .retryAfter) ?? "") ?? 0 > 0)
                }
            }
            let (visitor, _) = try await app.visitor("/r/00001/new")
            let page = try await app.reportForm("00001", ["category": "road", "place": "Ngõ 3", "description": "Ổ gà ngõ 3", "phone": "0912001099"], as: visitor)
            #expect(page.status == .tooManyRequests && page.text.contains("quá nhiều phản ánh gửi từ mạng của bạn") && page.text.contains("Ổ gà ngõ 3"))
            #expect(try await app.count("feedback_reports") == 3)
            let (home, _) = try await app.householdBrowser(code: "HH-5", village: f.tree.village1)
            #expect(try await app.reportForm("00001", ["category": "road", "place": "Ngõ 3", "description": "Ổ gà ngõ 3"], as: home).status == .ok)
        }
    }

    @Test("per phone: REPORTS_PER_PHONE_DAY from one number, on the phone field")
    func perPhone() async throws {
        try await withTestApp({ $0.reports.perPhoneDay = 2 }) { app in
            _ = try await ReportsFixture.make(app)
            for i in 0..<3 {
                let r = try await app.api(.POST, "/api/v1/reports", json: ReportInput(communeCode: "00001", category: "other", place: "Chợ", description: "Việc số \(i) ở chợ", phone: "0912002000"), token: "")
                #expect(r.status == (i < 2 ? .created : .tooManyRequests))
                if i == 2 { #expect(try r.decode(ErrorBody.self).fields?.first?.field == "phone") }
            }
        }
    }

    @Test("per commune: from many addresses (behind a trusted proxy) the commune's budget holds; photos have their own budget per address")
    func perCommuneAndPhotos() async throws {
        try await withTestApp({
            $0.reports.perUnitDay = 3
            $0.reports.perAddressDay = 2
            $0.trustedProxies = [AddressRange("127.0.0.1")!]
        }) { app in
            _ = try await ReportsFixture.make(app)
            let live = try app.testing(method: .running(hostname: "127.0.0.1", port: 0))
            func send(from address: String, phone: String) async throws -> TestingHTTPResponse {
                var body = ByteBuffer()
                try body.writeJSONEncodable(ReportInput(communeCode: "00001", category: "security", place: "Cổng chợ", description: "Mất trộm xe đạp", phone: phone))
                return try await live.sendRequest(.POST, "/api/v1/reports", headers: ["Content-Type": "application/json", "X-Forwarded-For": address], body: body)
            }
            for i in 0..<3 { #expect(try await send(from: "203.0.113.\(i + 1)", phone: "091200300\(i)").status == .created) }
            let over = try await send(from: "203.0.113.99", phone: "0912003099")
            #expect(try over.status == .tooManyRequests && (over.decode(ErrorBody.self).message.contains("xã đã nhận quá nhiều phản ánh")))
            #expect(try await app.count("feedback_reports") == 3)
            #expect(try await RateLimit.count("report:addr:203.0.113.1", window: RateLimit.day, on: app.db) == 1)
        }
        try await withTestApp({ $0.reports.perAddressDay = 2 }) { app in
            _ = try await ReportsFixture.make(app)
            let (visitor, _) = try await app.visitor("/r/00001/new")
            // Two photos from this address are the day's budget; a third report with photos is refused, without writing.
            #expect(try await app.reportForm("00001", ["category": "road", "place": "Ngõ 1", "description": "Ổ gà ngõ 1", "phone": "0912004001"], photos: [("a.png", pngBytes), ("b.png", pngBytes)], as: visitor).status == .ok)
            let more = try await app.reportForm("00001", ["category": "road", "place": "Ngõ 2", "description": "Ổ gà ngõ 2", "phone": "0912004002"], photos: [("c.png", pngBytes)], as: visitor)
            #expect(more.status == .tooManyRequests && more.text.contains("quá nhiều ảnh"))
            #expect(try await app.count("feedback_reports") == 1)
            #expect(try await app.count("feedback_report_photos") == 2)
        }
    }
}
