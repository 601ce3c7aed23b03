// Channel callbacks are accepted once, and only while fresh: each carries a timestamp covered by its signature
// (Zalo signs the body's `timestamp`; the SMS gateway signs `X-Timestamp` with the body), which must be within
// `HookReplay.window` of now, and the event's key is stored in `hook_events` (unique) in the same transaction as
// the change it makes, so a second delivery of the same event, concurrent or later, changes nothing (409). Keys
// are forgotten by the housekeeping job once their timestamp is older than the window: the timestamp check alone
// refuses them from then on.
import Crypto
import Fluent
import Foundation
import Vapor

final class HookEvent: Model, @unchecked Sendable {
    static let schema = "hook_events"
    @ID(key: .id) var id: UUID?
    /// channel + ":" + SHA-256 of the signed material.
    @Field(key: "key") var key: String
    /// The event's own (signed) timestamp.
    @Field(key: "at") var at: Date
    init() {}
}

public enum HookReplay {
    /// How far a callback's signed timestamp may be from now, either way: five minutes.
    public static let window: TimeInterval = 300

    /// The signed timestamp (Unix seconds, or milliseconds as Zalo sends them) when it is within the window;
    /// nil when it is missing, unreadable, too old or too far ahead.
    static func fresh(_ raw: String?, now: Date = AppClock.now) -> Date? {
        guard let raw, let n = Int64(raw.trimmingCharacters(in: .whitespaces)), n > 0 else { return nil }
        let at = Date(timeIntervalSince1970: n > 100_000_000_000 ? Double(n) / 1000 : Double(n))
        return abs(at.timeIntervalSince(now)) <= window ? at : nil
    }

    static func key(channel: String, signed: String) -> String {
        channel + ":" + SHA256.hash(data: Data(signed.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Applies a verified, fresh event once: its key and its change are written in one transaction; an event
    /// already seen answers 409 and writes nothing.
    static func once(channel: String, signed: String, at: Date, on db: any Database,
                     _ apply: @escaping @Sendable (any Database) async throws -> Void) async throws {
        let key = key(channel: channel, signed: signed)
        if try await HookEvent.query(on: db).filter(\.$key == key).first() != nil { throw Self.replayed }
        do {
            try await db.transaction { db in
                let e = HookEvent()
                e.id = UUID.random()
                e.key = key
                e.at = at
                try await e.create(on: db)
                try await apply(db)
            }
        } catch let e as any DatabaseError where e.isConstraintFailure {
            throw Self.replayed
        }
    }

    static var replayed: HookRefusal { HookRefusal(status: .conflict, code: "replayed", key: "error.messaging.hookReplayed") }
    static var stale: HookRefusal { HookRefusal(status: .badRequest, code: "stale", key: "error.messaging.hookStale") }

    /// Forgets keys whose timestamp left the window (the housekeeping job).
    static func sweep(on db: any Database, now: Date = AppClock.now) async throws -> Int {
        let cutoff = now.addingTimeInterval(-window)
        let n = try await HookEvent.query(on: db).filter(\.$at < cutoff).count()
        try await HookEvent.query(on: db).filter(\.$at < cutoff).delete()
        return n
    }
}

/// A refused callback: answered as JSON (`{"error": "stale"|"replayed", "message": …}`) in the caller's language.
struct HookRefusal: Error {
    var status: HTTPResponseStatus
    var code: String
    var key: String

    func response(_ req: Request) throws -> Response {
        let res = Response(status: status)
        try res.content.encode(ErrorBody(error: code, message: req.lang.t(key)))
        return res
    }
}
