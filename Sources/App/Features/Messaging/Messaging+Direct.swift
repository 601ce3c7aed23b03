// One message to one household or phone, outside a notice: the answer to a question, a booking's confirmation and
// its reminder, the papers still missing. A job per message (its key makes it idempotent, and is the gateway's
// idempotency key), sent by Zalo when configured, else SMS; with neither, the resident reads it on their page only.
import Crypto
import Fluent
import SQLKit
import Vapor

enum DirectMessage {
    struct Payload: Codable, Sendable {
        var householdID: UUID?
        var phone: String?
        /// Who it is from (the commune), for the text.
        var unit: String
        var title: String
        /// A path on this site; made absolute with BASE_URL when sent.
        var path: String
        /// A reminder for this appointment goes out only while it is still booked.
        var appointmentID: UUID?
        /// A phone confirmation's code (procedures): the text is made when sent, so the code is stored nowhere.
        var confirmationID: UUID?
    }

    static func enqueue(key: String, _ p: Payload, at: Date = AppClock.now, on db: any Database) async throws {
        let json = String(decoding: try JSONEncoder().encode(p), as: UTF8.self)
        try await Jobs.enqueue("direct", key: "direct:" + key, payload: json, at: at, on: db)
    }

    /// The same key gives the same message id, so a message sent again after a crash is recognised by the gateway.
    static func messageID(_ key: String) -> UUID {
        var b = Array(SHA256.hash(data: Data(key.utf8)).prefix(16))
        b[6] = (b[6] & 0x0f) | 0x50
        b[8] = (b[8] & 0x3f) | 0x80
        return UUID(uuid: (b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]))
    }

    static func run(_ job: JobRow, _ ctx: JobContext) async throws -> JobOutcome {
        guard let p = try? JSONDecoder().decode(Payload.self, from: Data(job.payload.utf8)) else { return .done }
        if let id = p.appointmentID {
            let row = try await MessagingActions.sql(ctx.db).raw("SELECT status FROM appointments WHERE id = \(bind: id)").first()
            guard try row?.decode(column: "status", as: String.self) == "booked" else { return .done }
        }
        var title = p.title
        if let id = p.confirmationID {
            guard let text = try await PhoneConfirm.message(id, app: ctx.app, on: ctx.db) else { return .done }
            title = text
        }
        var phone = p.phone
        if phone == nil, let h = p.householdID {
            let row = try await MessagingActions.sql(ctx.db).raw("""
                SELECT COALESCE(h.phone, r.phone) AS phone FROM households h LEFT JOIN residents r ON r.id = h.representative_id WHERE h.id = \(bind: h)
                """).first()
            phone = try row?.decode(column: "phone", as: String?.self)
        }
        guard let phone else { return .done }
        let m = OutgoingMessage(id: messageID(job.kind + job.payload), title: title, unit: p.unit,
                                link: ctx.app.config.externalURL(path: p.path), body: "")
        let config = ctx.app.config.messaging
        let result: SendResult
        if let zalo = config.zalo { result = try await ZaloGateway(config: zalo, client: ctx.app.client).send(to: phone, m) }
        else if let sms = config.sms { result = try await SMSGateway(config: sms, client: ctx.app.client).send(to: phone, m) }
        else { return .done }
        switch result {
        case .sent: return .done
        case .retry(let why): throw Abort(.serviceUnavailable, reason: why)
        case .permanent(let why):
            ctx.app.logger.warning("direct message \(job.id) not sent: \(why)")
            return .done
        }
    }
}
