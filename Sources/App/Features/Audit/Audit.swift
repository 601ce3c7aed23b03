// The audit log: append-only rows for every change (who, when, which unit, which row, the fields before and after)
// and every view of residents' personal data. The caller comes from a task-local set by AccessMiddleware for the
// whole request, so actions record without being handed the caller. Rows are written in the same transaction as
// the change; the database itself refuses DELETE and every UPDATE but the retention job's blanking of personal
// text (triggers in migrations 0004 and 0011).
import Fluent
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import Vapor

public final class AuditEvent: Model, @unchecked Sendable {
    public static let schema = "audit_events"

    @ID(key: .id) public var id: UUID?
    @Field(key: "at") public var at: Date
    @OptionalField(key: "person_id") public var personID: UUID?
    @OptionalField(key: "token_id") public var tokenID: UUID?
    @Field(key: "actor") public var actor: String
    /// create, update, view, list, import, export, signIn, signInFailed, signOut
    @Field(key: "action") public var action: String
    @Field(key: "table_name") public var tableName: String
    @OptionalField(key: "row_id") public var rowID: UUID?
    @OptionalField(key: "unit_id") public var unitID: UUID?
    @OptionalField(key: "before") public var before: String?
    @OptionalField(key: "after") public var after: String?
    /// When the retention job blanked the row's personal text (Audit+Retention.swift); nil until then.
    @OptionalField(key: "redacted_at") public var redactedAt: Date?

    public init() {}
}

public struct AuditActor: Sendable {
    public var personID: UUID?
    public var tokenID: UUID?
    public var name: String
}

public enum Audit {
    /// Who is acting in the current request (or command); nil outside of one.
    @TaskLocal public static var actor: AuditActor?

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }()

    static func json(_ value: (any Encodable)?) -> String? {
        if let fast = value as? any AuditJSONWritable { return fast.auditJSON }
        guard let value, let data = try? encoder.encode(value) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// Appends one event. `before`/`after` are DTOs (what the API shows), never models.
    public static func record(_ action: String, _ table: String, row: UUID? = nil, unit: UUID? = nil,
                              before: (any Encodable)? = nil, after: (any Encodable)? = nil, on db: any Database,
                              actor override: AuditActor? = nil) async throws {
        let who = override ?? actor ?? AuditActor(personID: nil, tokenID: nil, name: "system")
        let e = AuditEvent()
        e.at = AppClock.now
        e.id = UUID.timeOrdered(at: e.at)
        e.personID = who.personID
        e.tokenID = who.tokenID
        e.actor = who.name
        e.action = action
        e.tableName = table
        e.rowID = row
        e.unitID = unit
        e.before = json(before)
        e.after = json(after)
        try await e.create(on: db)
    }
}

public struct AuditEventDTO: Content {
    public var id: UUID
    public var at: Date
    public var personId: UUID?
    public var tokenId: UUID?
    public var actor: String
    public var action: String
    public var table: String
    public var rowId: UUID?
    public var unitId: UUID?
    public var before: String?
    public var after: String?
}

extension AuditEvent {
    func toDTO() -> AuditEventDTO {
        AuditEventDTO(id: id!, at: at, personId: personID, tokenId: tokenID, actor: actor, action: action, table: tableName,
                      rowId: rowID, unitId: unitID, before: before, after: after)
    }
}

public enum AuditQueries {
    public struct Filter: Sendable {
        public var personID: UUID?
        public var unitID: UUID?
        public var rowID: UUID?
        public var from: String?
        public var to: String?
        public var action: String?
    }

    public static func filter(_ req: Request) throws -> Filter {
        var c = Checker()
        func uuid(_ key: String) -> UUID? {
            guard let raw = req.queryValue(key), !raw.isEmpty else { return nil }
            if let u = UUID(uuidString: raw) { return u }
            c.add(key, "error.notAnId")
            return nil
        }
        let f = Filter(personID: uuid("person"), unitID: uuid("unit"), rowID: uuid("row"),
                       from: c.day("from", req.queryValue("from")), to: c.day("to", req.queryValue("to")),
                       action: req.queryValue("action").flatMap { $0.isEmpty ? nil : $0 })
        try c.check()
        return f
    }

    static func query(_ f: Filter, on db: any Database) -> QueryBuilder<AuditEvent> {
        let q = AuditEvent.query(on: db)
        if let p = f.personID { q.filter(\.$personID == p) }
        if let u = f.unitID { q.filter(\.$unitID == u) }
        if let r = f.rowID { q.filter(\.$rowID == r) }
        if let a = f.action { q.filter(\.$action == a) }
        // Days are in Asia/Ho_Chi_Minh: [from 00:00, to+1 00:00).
        if let from = f.from, let d = dayStart(from) { q.filter(\.$at >= d) }
        if let to = f.to, let d = dayStart(to) { q.filter(\.$at < d.addingTimeInterval(86_400)) }
        return q.sort(\.$at, .descending)
    }

    static func dayStart(_ iso: String) -> Date? { Day.start(iso) }

    public static func page(_ f: Filter, page: PageRequest, on db: any Database) async throws -> Paged<AuditEventDTO> {
        let q = query(f, on: db)
        let total = try await q.count()
        let rows = try await q.range(page.offset..<(page.offset + page.per)).all()
        return Paged(items: rows.map { $0.toDTO() }, page: page, total: total)
    }
}

extension Database {
    /// A write transaction (`writeTransaction`: survives concurrent writers) that keeps the request's caller for the
    /// audit log: Fluent runs the closure in a new task, which does not inherit task-local values by itself.
    public func auditedTransaction<T: Sendable>(_ closure: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        let actor = Audit.actor
        return try await writeTransaction { db in
            try await Audit.$actor.withValue(actor) { try await closure(db) }
        }
    }
}

// MARK: views and lists, committed together

extension Audit {
    /// Appends the event of a read of personal data (a list or a view) made by a request, outside any transaction.
    /// The request waits until its row is committed, as with `record`, but rows of requests that arrive while a
    /// commit is running are written together by the next one, a multi-row INSERT in one commit: under load, one
    /// commit (one fsync with SQLITE_SYNCHRONOUS=full) serves many views instead of one each. Nothing is kept in
    /// memory past the response: a page is sent only once its audit row is in the database (docs/security.md).
    public static func recordRead(_ action: String, _ table: String, row: UUID? = nil, unit: UUID? = nil,
                                  after: (any Encodable)? = nil, for req: Request) async throws {
        let who = actor ?? AuditActor(personID: nil, tokenID: nil, name: "system")
        let at = AppClock.now
        let e = AuditBatch.Row(id: UUID.timeOrdered(at: at), at: at, personID: who.personID, tokenID: who.tokenID, actor: who.name,
                               action: action, table: table, rowID: row, unitID: unit, after: json(after))
        try await AuditBatch.of(req.application).append(e, on: req.db)
    }
}

/// Group commit of audit rows (`Audit.recordRead`): one writer at a time per app; rows that arrive while it writes
/// wait for the next write, which takes them all (at most `maxRows` per INSERT). Under load (the last write took more
/// than one row) the writer first waits `linger`, so that one commit serves the views of a few milliseconds rather
/// than the two or three that arrived during the last commit: each commit costs the same (SQLite: the write-ahead
/// log's pages, an `fsync` with SQLITE_SYNCHRONOUS=full, checkpoints) whatever its number of rows. A lone view is
/// written at once.
final class AuditBatch: @unchecked Sendable {
    struct Row: Sendable {
        var id: UUID, at: Date, personID: UUID?, tokenID: UUID?, actor: String, action: String, table: String
        var rowID: UUID?, unitID: UUID?, after: String?
    }
    private struct Key: StorageKey { typealias Value = AuditBatch }
    private static let appLock = NIOLock()
    /// 11 parameters a row: well under SQLite's 32,766 and PostgreSQL's 65,535 binds per statement.
    static let maxRows = 500
    /// How long a writer under load lets rows gather before it takes them.
    static let linger: Duration = .milliseconds(4)

    static func of(_ app: Application) -> AuditBatch {
        appLock.withLock {
            if let b = app.storage[Key.self] { return b }
            let b = AuditBatch()
            app.storage[Key.self] = b
            return b
        }
    }

    private let lock = NIOLock()
    private var pending: [(Row, CheckedContinuation<Void, any Error>)] = []
    private var writing = false
    private var lastRows = 0

    func append(_ row: Row, on db: any Database) async throws {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
            let start = lock.withLock {
                pending.append((row, c))
                if writing { return false }
                writing = true
                return true
            }
            // The first row of an idle batch writes: the rows that come while it does wait for its next round.
            if start { Task { await self.drain(on: db) } }
        }
    }

    private func drain(on db: any Database) async {
        while true {
            if lock.withLock({ lastRows > 1 && pending.count < Self.maxRows }) { try? await Task.sleep(for: Self.linger) }
            let batch: [(Row, CheckedContinuation<Void, any Error>)] = lock.withLock {
                let n = min(pending.count, Self.maxRows)
                let taken = Array(pending.prefix(n))
                pending.removeFirst(n)
                if taken.isEmpty { writing = false }
                lastRows = taken.count
                return taken
            }
            if batch.isEmpty { return }
            do {
                try await Self.insert(batch.map(\.0), on: db)
                for (_, c) in batch { c.resume() }
            } catch {
                for (_, c) in batch { c.resume(throwing: error) }
            }
        }
    }

    static func insert(_ rows: [Row], on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { throw Abort(.internalServerError, reason: "audit needs an SQL database") }
        // SQLite keeps ids as their text: written here by `UUID.text` rather than by the encoder's formatter.
        let sqlite = sql.dialect.name == "sqlite"
        func id(_ u: UUID?) -> SQLBind { sqlite ? SQLBind(u?.text) : SQLBind(u) }
        var values: [any SQLExpression] = []
        for r in rows {
            values.append(SQLGroupExpression([id(r.id), SQLBind(r.at), id(r.personID), id(r.tokenID), SQLBind(r.actor),
                                              SQLBind(r.action), SQLBind(r.table), id(r.rowID), id(r.unitID),
                                              SQLBind(r.after)] as [any SQLExpression]))
        }
        try await sql.raw("""
            INSERT INTO audit_events (id, at, person_id, token_id, actor, action, table_name, row_id, unit_id, after)
            VALUES \(SQLList(values))
            """).run()
    }
}
