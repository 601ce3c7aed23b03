// The demo commune's reports (docs/reports.md). Does nothing when its rows are there.
import Fluent
import Vapor

enum DemoReports {
    static func load(_ commune: AdminUnit, households: [Household], app: Application, log: (@Sendable (String) -> Void)?) async throws {
    }
}
