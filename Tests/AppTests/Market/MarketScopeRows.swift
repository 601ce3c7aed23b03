import Foundation
import Vapor
@testable import App

/// Market's rows for the scope matrix (ScopeMatrixTests), by row kind.
enum MarketScopeRows {
    /// The row kinds the market's routes guard.
    static let kinds: Set<String> = ["producer", "product", "batch"]
    static func rows(_ app: Application, inside: ScopePlaces, outside: ScopePlaces) async throws -> [String: ScopeRowPair] {
        let admin = Access(personID: nil, tokenID: nil, displayName: "admin", grants: [Grant(role: .admin, unitID: nil)])
        func make(_ village: UUID) async throws -> (Producer, Product, Batch) {
            let p = try await MarketActions.createProducer(ProducerInput(kind: "household", name: "Cơ sở thử", villageId: village.uuidString, makes: "Miến dong"),
                                                           access: admin, on: app.db)
            let pr = try await MarketActions.createProduct(for: p, ProductInput(name: "Miến", category: "food", unit: "kg"), today: Day.today(), on: app.db)
            let b = try await MarketActions.createBatch(for: pr, producer: p, BatchInput(quantity: 10, producedOn: Day.today()), access: admin,
                                                        today: Day.today(), on: app.db)
            return (p, pr, b)
        }
        let (pi, pri, bi) = try await make(inside.village)
        let (po, pro, bo) = try await make(outside.village)
        return [
            "producer": ScopeRowPair(inside: pi.id!, insideUnit: inside.village, outside: po.id!, outsideUnit: outside.village),
            "product": ScopeRowPair(inside: pri.id!, insideUnit: inside.village, outside: pro.id!, outsideUnit: outside.village),
            "batch": ScopeRowPair(inside: bi.id!, insideUnit: inside.village, outside: bo.id!, outsideUnit: outside.village),
        ]
    }
}
