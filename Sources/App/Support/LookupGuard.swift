// Phone + code look-ups (a procedure's question, appointment or papers on /lookup; a resident's report): the code is
// the only secret, so a guesser trying codes from one address is stopped after a number of misses in an hour, whatever
// phone numbers it sends. Only a miss is counted (a found row costs no write), and the count is kept in the database
// (`rate_counters`), so it holds across instances.
import Fluent
import Vapor

enum LookupGuard {
    /// Misses allowed per address and hour before look-ups answer 429 (a resident who mistypes a code a few times is
    /// far below it; a guesser of an 8-character code is far above).
    static let missesPerHour = 30

    static func key(_ address: String) -> String { "lookup:miss:addr:\(address)" }

    /// Throws 429 when this address has spent its misses for the hour.
    static func admit(_ req: Request, now: Date = AppClock.now) async throws {
        guard try await RateLimit.count(key(req.clientAddress), window: RateLimit.hour, on: req.db, now: now) >= missesPerHour else { return }
        let wait = RateLimit.hour - Int(now.timeIntervalSince1970) % RateLimit.hour
        throw TooManyRequests("error.lookup.tooMany", retryAfter: wait)
    }

    /// Counts one miss of this address.
    static func miss(_ req: Request, now: Date = AppClock.now) async throws {
        try await RateLimit.hit(key(req.clientAddress), window: RateLimit.hour, on: req.db, now: now)
    }
}
