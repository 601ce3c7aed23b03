import Crypto
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
@testable import App

@Suite("Messaging logic")
struct MessagingLogicTests {
    @Test("moments people type, in Vietnam time")
    func moments() throws {
        let d = try #require(Moment.parse("25/11/2026 08:30"))
        #expect(Moment.display(d) == "25/11/2026 08:30")
        #expect(Moment.parse("2026-11-25T08:30") == d)
        #expect(Moment.parse("2026-11-25T01:30:00Z") == d)
        #expect(Moment.input(d) == "2026-11-25T08:30")
        for bad in ["", "25/13/2026 08:30", "25/11/2026 24:00", "mai", "2026-02-30T08:00"] { #expect(Moment.parse(bad) == nil, "\(bad)") }
    }

    @Test("percentages in the reader's style")
    func percent() {
        #expect(Lang.vi.percent(96.5) == "96,5%")
        #expect(Lang.en.percent(96.5) == "96.5%")
        #expect(Lang.vi.percent(25) == "25%")
        #expect(MessagingQueries.percent(1, 8) == 12.5)
        #expect(MessagingQueries.percent(0, 0) == 0)
        #expect(MessagingQueries.percent(2, 3) == 66.7)
    }

    @Test("channel texts and Zalo's signature")
    func channels() {
        let m = OutgoingMessage(id: UUID(uuidString: "0F2B7C1E-0000-4000-8000-000000000000")!, title: "Cắt điện", unit: "Thôn Đông", link: "http://x/my/announcements/1", body: "")
        #expect(SMSGateway.text("{unit}: {title}. Xem: {link} ({code})", m) == "Thôn Đông: Cắt điện. Xem: http://x/my/announcements/1 (0F2B7C1E)")
        #expect(ZaloGateway.international("0912345678") == "84912345678")
        let config = MessagingConfig.Zalo(url: "http://z", accessToken: "t", templateID: "1", appID: "app", secret: "s")
        let body = "{\"event_name\":\"user_received_message\"}"
        let mac = "mac=" + SHA256Hex.of("app" + body + "123" + "s")
        #expect(ZaloGateway.verify(body: body, timestamp: "123", signature: mac, config: config))
        #expect(!ZaloGateway.verify(body: body + " ", timestamp: "123", signature: mac, config: config))
        #expect(!ZaloGateway.verify(body: body, timestamp: "124", signature: mac, config: config))
        #expect(!ZaloGateway.verify(body: body, timestamp: "123", signature: nil, config: config))
        #expect(Sending.backoff(1) == 30 && Sending.backoff(2) == 120)
    }

    @Test("a WAV's length from its header")
    func wav() {
        var data = Data("RIFF".utf8) + Data([0, 0, 0, 0]) + Data("WAVEfmt ".utf8)
        func u32(_ v: Int) -> Data { Data([UInt8(v & 0xff), UInt8(v >> 8 & 0xff), UInt8(v >> 16 & 0xff), UInt8(v >> 24 & 0xff)]) }
        data += u32(16) + Data([1, 0, 1, 0]) + u32(22050) + u32(44100) + Data([2, 0, 16, 0])
        data += Data("data".utf8) + u32(88200) + Data(count: 88200)
        #expect(Speech.duration(wav: data) == 2)
        #expect(Speech.duration(wav: Data("not a wav".utf8)) == nil)
    }

    @Test("configuration: a channel is on only when configured, and bad values stop the start")
    func config() throws {
        let off = try AppConfig.fromEnvironment([:])
        #expect(off.messaging.sms == nil && off.messaging.zalo == nil && off.messaging.pushEnabled && off.messaging.defaultReminders == [1440, 120])
        let on = try AppConfig.fromEnvironment(["SMS_URL": "http://127.0.0.1:9/send", "REMINDERS": "60, 10", "BASE_URL": "https://xa.example/", "PUSH": "0"])
        #expect(on.messaging.sms?.url == "http://127.0.0.1:9/send" && on.messaging.defaultReminders == [60, 10] && on.linkBase == "https://xa.example" && !on.messaging.pushEnabled)
        for bad in [["SMS_URL": "ftp://x"], ["ZALO_URL": "http://z"], ["REMINDERS": "0"], ["JOB_LEASE_SECONDS": "0"], ["PUSH_SUBJECT": "admin"], ["BASE_URL": "xa"]] {
            #expect(throws: ConfigError.self, "\(bad)") { try AppConfig.fromEnvironment(bad) }
        }
    }

    @Test("a job re-armed while it runs runs once more; a failing job backs off and finally fails")
    func jobs() async throws {
        try await withTestApp { app in
            let count = NIOLockedCounter()
            app.jobHandlers.handlers["count"] = { _, ctx in
                count.add()
                if count.value == 1 { try await Jobs.enqueue("count", key: "count:1", on: ctx.db) }
                return .done
            }
            try await Jobs.enqueue("count", key: "count:1", on: app.db)
            try await Jobs.enqueue("count", key: "count:1", on: app.db)
            #expect(try await Jobs.runUntilIdle(app) == 2)
            #expect(count.value == 2)
            #expect(try await Jobs.counts(on: app.db) == ["done": 1])

            app.jobHandlers.handlers["boom"] = { _, _ in throw Abort(.internalServerError, reason: "gateway down") }
            try await Jobs.enqueue("boom", key: "boom:1", on: app.db)
            let before = app.now
            #expect(try await Jobs.runUntilIdle(app) == 1)
            let row = try #require(try await (app.db as! any SQLDatabase).raw("SELECT state, run_at, last_error FROM jobs WHERE unique_key = 'boom:1'").first())
            #expect(try row.decode(column: "state", as: String.self) == "queued")
            #expect(try row.decode(column: "run_at", as: Date.self) >= before.addingTimeInterval(9.9))
            #expect(try row.decode(column: "last_error", as: String.self).contains("gateway down"))
            for _ in 0..<8 {
                app.testClock.advance(by: 3601)   // past the longest back-off
                try await Jobs.runUntilIdle(app)
            }
            #expect(try await Jobs.counts(on: app.db)["failed"] == 1)
        }
    }
}

enum SHA256Hex {
    static func of(_ s: String) -> String { SHA256.hash(data: Data(s.utf8)).map { String(format: "%02x", $0) }.joined() }
}

final class NIOLockedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func add() { lock.lock(); n += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return n }
}
