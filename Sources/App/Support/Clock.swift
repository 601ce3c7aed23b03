// The one clock the app reads (docs/clock.md). Production reads the system time; tests install a `TestClock` and move
// it forward instead of rewriting rows or sleeping. The clock lives in `app.clock`; a request reads `req.now` /
// `req.today`, a job or command `app.now`. Code that only holds a database (actions, queries, `Audit.record`,
// `Jobs.enqueue`) reads `AppClock.now`: the clock bound to the current task, which the middleware below binds for each
// request, `Jobs.runOne` for each job, and the test harness for each test's body. Outside any of those it is the
// system time, which is what the production `app.clock` answers anyway.
// Measurements of elapsed time (benchmarks, metrics' durations, timeouts, `ContinuousClock`) stay on the system
// clock: they measure the machine, not the calendar.
import Foundation
import NIOConcurrencyHelpers
import FluentKit
import Vapor

/// Where the current time comes from.
public protocol TimeSource: Sendable {
    var now: Date { get }
}

/// The machine's clock (production).
public struct SystemTime: TimeSource {
    public init() {}
    public var now: Date { Date() }
}

/// The machine's clock shifted by a fixed offset (CLOCK_OFFSET_SECONDS): a process a test starts runs at the test's time.
public struct ShiftedTime: TimeSource {
    public let offset: TimeInterval
    public init(offset: TimeInterval) { self.offset = offset }
    public var now: Date { Date().addingTimeInterval(offset) }
}

/// A clock tests move: it runs with the system time from the moment it was set (so rows written one after another
/// keep their order), shifted by what `set` and `advance(by:)` asked for. Lock-protected: requests read it from
/// other threads while a test moves it.
public final class TestClock: TimeSource, @unchecked Sendable {
    private let lock = NIOLock()
    private var offset: TimeInterval

    /// Starts at `start` (by default the system time).
    public init(_ start: Date = Date()) { offset = start.timeIntervalSince(Date()) }

    public var now: Date { lock.withLock { Date().addingTimeInterval(offset) } }

    /// From now on the clock reads `date` (and goes on from there).
    public func set(_ date: Date) { lock.withLock { offset = date.timeIntervalSince(Date()) } }

    /// Moves the clock forward (or back, with a negative interval).
    public func advance(by seconds: TimeInterval) { lock.withLock { offset += seconds } }

    /// How far it runs from the machine's clock: what a child process started now is given as CLOCK_OFFSET_SECONDS.
    public var offsetFromSystem: TimeInterval { lock.withLock { offset } }
}

public enum AppClock {
    /// The clock of the application the current task works for (see the comment at the top of this file).
    @TaskLocal public static var source: any TimeSource = SystemTime()

    /// The current time on the app's clock, for code that holds no request or application.
    public static var now: Date { source.now }
}

struct AppClockKey: StorageKey { typealias Value = any TimeSource }

extension Application {
    /// Installs the clock CLOCK_OFFSET_SECONDS asks for (configure calls it): refused in production, where the app
    /// reads the machine's time and nothing else; ignored when a test already installed its own clock.
    func useConfiguredClock(_ config: AppConfig) throws {
        guard let offset = config.clockOffsetSeconds else { return }
        guard environment != .production else {
            throw ConfigError(message: "CLOCK_OFFSET_SECONDS is for tests; it is refused under --env production")
        }
        if clock is SystemTime { clock = ShiftedTime(offset: offset) }
    }

    /// Runs the command line's command (`serve` by default) with the app's clock bound, so that commands read it too.
    public func executeOnClock() async throws {
        try await AppClock.$source.withValue(clock) { try await execute() }
    }

    /// The app's clock: the system time unless a test installed another one (before `configure`).
    public var clock: any TimeSource {
        get { storage[AppClockKey.self] ?? SystemTime() }
        set { storage[AppClockKey.self] = newValue }
    }

    /// The current time on the app's clock.
    public var now: Date { clock.now }

    /// Runs `body` with the app's clock bound to the task, so that everything it calls reads `AppClock.now` from it.
    public func withClock<T>(_ body: () async throws -> T) async rethrows -> T {
        try await AppClock.$source.withValue(clock) { try await body() }
    }
}

extension Request {
    /// The current time on the app's clock.
    public var now: Date { application.clock.now }
    /// Today's date (Asia/Ho_Chi_Minh) on the app's clock, as "yyyy-MM-dd".
    public var today: String { Day.today(now) }
}

/// Binds the app's clock to the task that answers the request (first in the chain, so every later middleware and
/// handler reads it).
struct ClockMiddleware: AsyncMiddleware {
    func respond(to req: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        try await AppClock.$source.withValue(req.application.clock) { try await next.respond(to: req) }
    }
}

/// Fluent's `@Timestamp` stamps rows with the system time (`Date()` inside FluentKit); models declare
/// `format: .appClock` so that the stamp is moved by the app clock's distance from the system time, i.e. reads the
/// app's clock. No model sets these properties itself, so the only dates serialised here are Fluent's stamps.
public struct AppClockTimestampFormat: TimestampFormat {
    public typealias Value = Date
    public func parse(_ value: Date) -> Date? { value }
    public func serialize(_ date: Date) -> Date? {
        let clock = AppClock.source
        if clock is SystemTime { return date }
        return date.addingTimeInterval(clock.now.timeIntervalSince(Date()))
    }
}

extension TimestampFormatFactory {
    public static var appClock: TimestampFormatFactory<AppClockTimestampFormat> { .init { AppClockTimestampFormat() } }
}
