// Batches: a producer (its linked account) or an official records a batch of a product — quantity, produced or
// harvested on, best before, notes and dated steps (inputs, field, feed, processing) — and may recall it with a
// reason. Each batch gets a short public code: `/b/{code}` is its traceability page and what its QR code holds.
// One check per batch (`checkBatch`), used by the API and the pages; nothing is written when a field is wrong.
import Fluent
import SQLKit
import Vapor

/// What a dated step of a batch is.
public enum BatchStepKind: String, Codable, Sendable, CaseIterable {
    case inputs, field, feed, processing, other
}

extension BatchStep {
    /// The step's kind (rows from before migration 0022 have none: `other`).
    var stepKind: BatchStepKind { kind.flatMap(BatchStepKind.init(rawValue:)) ?? .other }
}

public struct BatchStepDTO: Content, Sendable, Equatable {
    /// yyyy-MM-dd
    public var on: String
    public var kind: BatchStepKind
    public var text: String
}

public struct BatchDTO: Content, Sendable, Equatable {
    public var id: UUID
    public var productId: UUID
    /// The short public code; `publicUrl` is the traceability page its QR code holds.
    public var code: String
    public var publicUrl: String
    public var quantity: Double
    /// The product's unit ("kg", "gói 500 g").
    public var unit: String
    public var producedOn: String
    public var bestBefore: String?
    public var notes: String?
    public var steps: [BatchStepDTO]
    public var recalled: Bool
    public var recalledAt: Date?
    public var recallReason: String?
    /// Scans of its QR code (public page views) so far.
    public var scans: Int
}

public struct BatchStepInput: Content, Sendable {
    public var on: String?
    public var kind: String?
    public var text: String?
    public init(on: String? = nil, kind: String? = nil, text: String? = nil) { self.on = on; self.kind = kind; self.text = text }
}

public struct BatchInput: Content, Sendable {
    public var quantity: Double?
    public var producedOn: String?
    public var bestBefore: String?
    public var notes: String?
    /// Replaces the batch's steps.
    public var steps: [BatchStepInput]?
    public init(quantity: Double? = nil, producedOn: String? = nil, bestBefore: String? = nil, notes: String? = nil, steps: [BatchStepInput]? = nil) {
        self.quantity = quantity; self.producedOn = producedOn; self.bestBefore = bestBefore; self.notes = notes; self.steps = steps
    }
}

public struct RecallInput: Content, Sendable {
    public var reason: String?
    public init(reason: String? = nil) { self.reason = reason }
}

extension MarketActions {
    static let maxSteps = 30
    static let maxQuantity = 1_000_000_000.0

    struct BatchFields: Sendable {
        var quantity: Double
        var producedOn: String
        var bestBefore: String?
        var notes: String?
        var steps: [(on: String, kind: BatchStepKind, text: String)]?
    }

    /// Checks a batch: quantity above 0, produced on a day not after today, best before not before it, each step a
    /// day not after today, a known kind and a text (field `steps.on` / `steps.kind` / `steps.text` with its line).
    static func checkBatch(_ input: BatchInput, current: Batch?, today: String) throws -> BatchFields {
        var c = Checker()
        let quantity = input.quantity ?? current?.quantity
        if let q = quantity {
            if !q.isFinite || q <= 0 { c.add("quantity", "error.market.quantity") }
            else if q > maxQuantity { c.add("quantity", "error.market.quantityTooLarge") }
        } else { c.add("quantity", "error.required") }
        let produced = c.day("producedOn", input.producedOn ?? current?.producedOn, required: true)
        if let p = produced, p > today { c.add("producedOn", "error.future") }
        var best: String? = current?.bestBefore
        if let raw = input.bestBefore { best = raw.trimmingCharacters(in: .whitespaces).isEmpty ? nil : c.day("bestBefore", raw) }
        if let b = best, let p = produced, b < p { c.add("bestBefore", "error.market.bestBefore") }
        let notes = c.text("notes", input.notes ?? current?.notes, max: 2000, required: false, multiline: true)
        var steps: [(on: String, kind: BatchStepKind, text: String)]? = nil
        if let raw = input.steps {
            if raw.count > maxSteps { c.add("steps", "error.market.tooManySteps", [String(maxSteps)]) }
            var list: [(on: String, kind: BatchStepKind, text: String)] = []
            for (i, s) in raw.prefix(maxSteps).enumerated() {
                let line = i + 1
                let dayRaw = (s.on ?? "").trimmingCharacters(in: .whitespaces)
                let day = Day.parse(dayRaw)
                if dayRaw.isEmpty { c.add("steps.on", "error.required", line: line) }
                else if day == nil { c.add("steps.on", "error.date", line: line) }
                else if let d = day, d > today { c.add("steps.on", "error.future", line: line) }
                let kindRaw = (s.kind ?? "other").trimmingCharacters(in: .whitespaces)
                let kind = BatchStepKind(rawValue: kindRaw.isEmpty ? "other" : kindRaw)
                if kind == nil { c.add("steps.kind", "error.market.stepKind", line: line) }
                var one = Checker()
                let text = one.text("steps.text", s.text, max: 500, multiline: true)
                for issue in one.issues { c.add(issue.field, issue.key, issue.args, line: line) }
                if let d = day, let kind, one.issues.isEmpty { list.append((d, kind, text)) }
            }
            // In date order; steps of the same day keep the order they were sent in.
            steps = list.enumerated().sorted { ($0.element.on, $0.offset) < ($1.element.on, $1.offset) }.map(\.element)
        }
        try c.check()
        return BatchFields(quantity: quantity!, producedOn: produced!, bestBefore: best, notes: notes.isEmpty ? nil : notes, steps: steps)
    }

    /// Short public codes: lowercase, no look-alikes (0/o, 1/l/i); 31^7 ≈ 27 billion.
    static let batchAlphabet = Array("23456789abcdefghjkmnpqrstuvwxyz")
    static func batchCode() -> String {
        var g = SystemRandomNumberGenerator()
        return String((0..<7).map { _ in batchAlphabet[Int(g.next() % UInt64(batchAlphabet.count))] })
    }

    static func replaceSteps(_ f: BatchFields, batch: UUID, on db: any Database) async throws {
        guard let steps = f.steps else { return }
        try await BatchStep.query(on: db).filter(\.$batchID == batch).delete()
        for (i, s) in steps.enumerated() {
            let st = BatchStep()
            st.id = UUID.random()
            st.batchID = batch
            st.position = i + 1
            st.doneOn = s.on
            st.kind = s.kind.rawValue
            st.text = s.text
            try await st.create(on: db)
        }
    }

    public static func createBatch(for product: Product, producer: Producer, _ input: BatchInput, access: Access, today: String, on db: any Database) async throws -> Batch {
        let f = try checkBatch(input, current: nil, today: today)
        return try await db.auditedTransaction { db in
            let b = Batch()
            b.id = UUID.random()
            b.productID = product.id!
            b.code = batchCode()
            // A collision is rare (27 billion codes); the unique index would refuse it, so look once and draw again.
            if try await Batch.query(on: db).filter(\.$code == b.code).count() > 0 { b.code = batchCode() }
            b.quantity = f.quantity
            b.producedOn = f.producedOn
            b.bestBefore = f.bestBefore
            b.notes = f.notes
            b.scans = 0
            b.createdBy = access.personID
            try await b.create(on: db)
            try await replaceSteps(f, batch: b.id!, on: db)
            try await Audit.record("create", Batch.schema, row: b.id, unit: producer.villageID,
                                   after: ["product": product.name, "code": b.code, "producedOn": b.producedOn], on: db)
            return b
        }
    }

    public static func updateBatch(_ b: Batch, producer: Producer, _ input: BatchInput, today: String, on db: any Database) async throws -> Batch {
        let f = try checkBatch(input, current: b, today: today)
        return try await db.auditedTransaction { db in
            b.quantity = f.quantity
            b.producedOn = f.producedOn
            b.bestBefore = f.bestBefore
            b.notes = f.notes
            try await b.update(on: db)
            try await replaceSteps(f, batch: b.id!, on: db)
            try await Audit.record("update", Batch.schema, row: b.id, unit: producer.villageID, after: ["code": b.code], on: db)
            return b
        }
    }

    /// Recalls a batch with a reason (shown in red on its public page). A second recall changes the reason only.
    public static func recall(_ b: Batch, producer: Producer, _ input: RecallInput, now: Date, on db: any Database) async throws -> Batch {
        var c = Checker()
        let reason = c.text("reason", input.reason, max: 500, multiline: true)
        try c.check()
        return try await db.auditedTransaction { db in
            if b.recalledAt == nil { b.recalledAt = now }
            b.recallReason = reason
            try await b.update(on: db)
            try await Audit.record("recall", Batch.schema, row: b.id, unit: producer.villageID, after: ["code": b.code, "reason": reason], on: db)
            return b
        }
    }
}

extension MarketQueries {
    public static func batchDTOs(_ list: [Batch], product: Product, link: (SiteURL) -> String, pending: (UUID) -> Int = { _ in 0 },
                                 on db: any Database) async throws -> [BatchDTO] {
        guard !list.isEmpty else { return [] }
        let steps = try await BatchStep.query(on: db).filter(\.$batchID ~~ list.map { $0.id! }).sort(\.$position).all()
        var by: [UUID: [BatchStepDTO]] = [:]
        for s in steps { by[s.batchID, default: []].append(BatchStepDTO(on: s.doneOn, kind: s.stepKind, text: s.text)) }
        return list.map { b in
            BatchDTO(id: b.id!, productId: b.productID, code: b.code, publicUrl: link(.batchPublic(b.code)), quantity: b.quantity, unit: product.unit,
                     producedOn: b.producedOn, bestBefore: b.bestBefore, notes: b.notes, steps: by[b.id!] ?? [], recalled: b.recalledAt != nil,
                     recalledAt: b.recalledAt, recallReason: b.recallReason, scans: b.scans + pending(b.id!))
        }
    }
}
