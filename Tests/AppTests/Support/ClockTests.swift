// The app's one clock (Support/Clock.swift, docs/clock.md): the test clock moves what requests, jobs and
// `Day.today` read, and nothing else does.
import Foundation
import Testing
import Vapor
@testable import App

@Suite("One clock")
struct ClockTests {
    /// 23:00 on 31 December 2025 in Hà Nội (16:00 UTC). The test clock runs on from there with the system time, so
    /// a test keeps an hour's margin before midnight however slow the machine is.
    static let lastHourOf2025 = Date(timeIntervalSince1970: 1_767_196_800)

    @Test func testClockSetsAndAdvances() {
        let clock = TestClock(Self.lastHourOf2025)
        #expect(abs(clock.now.timeIntervalSince(Self.lastHourOf2025)) < 60)
        clock.advance(by: 3600)
        #expect(abs(clock.now.timeIntervalSince(Self.lastHourOf2025.addingTimeInterval(3600))) < 60)
        clock.set(Date(timeIntervalSince1970: 0))
        #expect(clock.now.timeIntervalSince1970 < 60)
        // Outside an app's task the clock is the system's.
        #expect(abs(AppClock.now.timeIntervalSinceNow) < 5)
    }

    /// CLOCK_OFFSET_SECONDS (what a test gives the processes it starts): read as seconds, bounded, refused in
    /// production, and a clock a test installed wins over it.
    @Test func clockOffsetFromTheEnvironment() async throws {
        #expect(try AppConfig.fromEnvironment([:]).clockOffsetSeconds == nil)
        let config = try AppConfig.fromEnvironment(["CLOCK_OFFSET_SECONDS": "86400.5"])
        #expect(config.clockOffsetSeconds == 86_400.5)
        for bad in ["abc", "1e12", "nan", "-400000000"] {
            #expect(throws: ConfigError.self, "'\(bad)'") { try AppConfig.fromEnvironment(["CLOCK_OFFSET_SECONDS": bad]) }
            do { _ = try AppConfig.fromEnvironment(["CLOCK_OFFSET_SECONDS": bad]) } catch let e as ConfigError {
                #expect(e.message.contains("CLOCK_OFFSET_SECONDS"))
            }
        }

        let dev = try await Application.make(.development)
        try dev.useConfiguredClock(config)
        #expect(dev.clock is ShiftedTime)
        #expect(abs(dev.now.timeIntervalSinceNow - 86_400.5) < 5)
        try await dev.asyncShutdown()

        let production = try await Application.make(.production)
        #expect(throws: ConfigError.self) { try production.useConfiguredClock(config) }
        #expect(production.clock is SystemTime)
        try await production.asyncShutdown()

        let tested = try await Application.make(.testing)
        let mine = TestClock(Self.lastHourOf2025)
        tested.clock = mine
        try tested.useConfiguredClock(config)
        #expect(tested.clock as? TestClock === mine)
        #expect(abs(mine.offsetFromSystem - Self.lastHourOf2025.timeIntervalSinceNow) < 5)
        try await tested.asyncShutdown()
    }

    @Test func advanceMovesRequestNow() async throws {
        try await withTestApp { app in
            let req = Request(application: app, on: app.eventLoopGroup.next())
            let before = req.now
            #expect(abs(before.timeIntervalSinceNow) < 60)
            app.testClock.advance(by: 7 * 86_400)
            #expect(req.now.timeIntervalSince(before) >= 7 * 86_400)
            #expect(app.now.timeIntervalSince(before) >= 7 * 86_400)
            // Code that holds only a database reads the same clock inside the test's task.
            #expect(AppClock.now.timeIntervalSince(before) >= 7 * 86_400)
            #expect(req.today == Day.today(req.now))
        }
    }

    @Test func todayFollowsTheClockAcrossMidnightInHaNoi() async throws {
        try await withTestApp { app in
            app.testClock.set(Self.lastHourOf2025)
            #expect(Day.today() == "2025-12-31")
            // The page footer's date is the app's today (a page reads it while answering the request).
            let before = try await app.page("/")
            #expect(before.status == .ok)
            #expect(before.text.contains("31/12/2025"))
            #expect(!before.text.contains("01/01/2026"))

            app.testClock.advance(by: 3600)   // just past midnight on 1 January 2026 in Hà Nội, still 31 December in UTC
            #expect(Day.today() == "2026-01-01")
            let after = try await app.page("/")
            #expect(after.text.contains("01/01/2026"))
            #expect(!after.text.contains("31/12/2025"))
        }
    }

    @Test func jobsRunWhenTheClockReachesThem() async throws {
        try await withTestApp { app in
            let ran = RanCounter()
            app.jobHandlers.handlers["clock-test"] = { _, _ in ran.add(); return .done }
            try await Jobs.enqueue("clock-test", key: "clock-test:1", at: app.now.addingTimeInterval(3600), on: app.db)
            try await Jobs.runUntilIdle(app)
            #expect(ran.value == 0)
            app.testClock.advance(by: 3601)
            try await Jobs.runUntilIdle(app)
            #expect(ran.value == 1)
        }
    }
}

private final class RanCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func add() { lock.lock(); n += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return n }
}
