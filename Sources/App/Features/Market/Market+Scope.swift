// Market rows under the one scope rule. A producer belongs to its village: callers holding the permission there see
// it, and so do the accounts linked to it that hold `sellProducts` (the producer role) over that village — a producer
// granted on the whole commune sees only the producers it is linked to. A product and a batch belong to their producer.
import Fluent
import SQLKit
import Vapor

extension Access {
    public func producer(_ id: UUID, _ permission: Permission, on db: any Database) async throws -> Producer {
        guard let p = try await Producer.find(id, on: db) else { throw Abort(.notFound) }
        if try await allows(permission, unitID: p.villageID, on: db) { return p }
        if permission == .manageMarket, try await managesOwn(p, on: db) { return p }
        throw Abort(.notFound)
    }

    /// Whether the caller is a producer account linked to `p` (holding `sellProducts` over its village).
    public func managesOwn(_ p: Producer, on db: any Database) async throws -> Bool {
        guard let me = personID, has(.sellProducts), try await allows(.sellProducts, unitID: p.villageID, on: db) else { return false }
        return try await MarketQueries.linkedProducerIDs(me, on: db).contains(p.id!)
    }

    /// Whether the caller manages the market of `p`'s village as an official (not only as its producer).
    public func officiates(_ p: Producer, on db: any Database) async throws -> Bool {
        try await allows(.manageMarket, unitID: p.villageID, on: db)
    }

    public func product(_ id: UUID, _ permission: Permission, on db: any Database) async throws -> (Product, Producer) {
        guard let pr = try await Product.find(id, on: db) else { throw Abort(.notFound) }
        return (pr, try await producer(pr.producerID, permission, on: db))
    }

    public func batch(_ id: UUID, _ permission: Permission, on db: any Database) async throws -> (Batch, Product, Producer) {
        guard let b = try await Batch.find(id, on: db) else { throw Abort(.notFound) }
        let (pr, p) = try await product(b.productID, permission, on: db)
        return (b, pr, p)
    }
}

extension Producer: ScopedRow {
    public static var scopeKind: String { "producer" }
    public static func scoped(_ id: UUID, _ permission: Permission, for req: Request) async throws -> Producer {
        try await req.access.producer(id, permission, on: req.db)
    }
}

extension Product: ScopedRow {
    public static var scopeKind: String { "product" }
    public static func scoped(_ id: UUID, _ permission: Permission, for req: Request) async throws -> Product {
        let (pr, p) = try await req.access.product(id, permission, on: req.db)
        req.keepScoped(p)
        return pr
    }
}

extension Batch: ScopedRow {
    public static var scopeKind: String { "batch" }
    public static func scoped(_ id: UUID, _ permission: Permission, for req: Request) async throws -> Batch {
        let (b, pr, p) = try await req.access.batch(id, permission, on: req.db)
        req.keepScoped(pr)
        req.keepScoped(p)
        return b
    }
}

extension RouteRule {
    /// `:id` is a producer: the caller may `p` on its village, or (for `manageMarket`) is an account linked to it.
    public static func producer(_ p: Permission) -> RouteRule { .row(Producer.self, p) }
    /// `:id` is a product: the caller may `p` on its producer.
    public static func product(_ p: Permission) -> RouteRule { .row(Product.self, p) }
    /// `:id` is a batch: the caller may `p` on its product's producer.
    public static func batch(_ p: Permission) -> RouteRule { .row(Batch.self, p) }
}
