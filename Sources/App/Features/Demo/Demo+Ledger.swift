// The demo commune's ledger (docs/ledger.md). Does nothing when its rows are there.
import Fluent
import Vapor

enum DemoLedger {
    static func load(_ commune: AdminUnit, households: [Household], app: Application, log: (@Sendable (String) -> Void)?) async throws {
    }
}
