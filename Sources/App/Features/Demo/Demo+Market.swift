// The demo commune's producers, products and batches (docs/market.md). Does nothing when its rows are there.
import Fluent
import Vapor

enum DemoMarket {
    static func load(_ commune: AdminUnit, households: [Household], app: Application, log: (@Sendable (String) -> Void)?) async throws {
    }
}
