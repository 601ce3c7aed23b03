import Foundation
import Vapor
@testable import App

/// The units and the household a feature's scope rows are made in: inside (commune 00001, village T1, group T1-01
/// and its household) and outside (commune 00003, village X1 and its household).
struct ScopePlaces: Sendable {
    var commune: UUID
    var village: UUID
    var group: UUID?
    var household: UUID
}

/// One row kind's rows for the scope matrix: a row inside and its unit (where a caller's grant must reach for the
/// route to let them through), and a row outside and its unit.
struct ScopeRowPair: Sendable {
    var inside: UUID
    var insideUnit: UUID
    var outside: UUID
    var outsideUnit: UUID
}

/// The rows of the features that keep their own (assets, ledger, reports, market), by row kind (`ScopedRow.scopeKind`).
enum FeatureScopeRows {
    /// Every row kind the features' routes guard (RouteRuleTests checks each route's kind is one of them or a core one).
    static let kinds: Set<String> = AssetsScopeRows.kinds.union(LedgerScopeRows.kinds).union(ReportsScopeRows.kinds).union(MarketScopeRows.kinds)
        .union(CriteriaScopeRows.kinds)

    static func all(_ app: Application, inside: ScopePlaces, outside: ScopePlaces) async throws -> [String: ScopeRowPair] {
        var all: [String: ScopeRowPair] = [:]
        for part in [try await AssetsScopeRows.rows(app, inside: inside, outside: outside),
                     try await LedgerScopeRows.rows(app, inside: inside, outside: outside),
                     try await ReportsScopeRows.rows(app, inside: inside, outside: outside),
                     try await MarketScopeRows.rows(app, inside: inside, outside: outside),
                     try await CriteriaScopeRows.rows(app, inside: inside, outside: outside)] {
            all.merge(part) { first, _ in first }
        }
        return all
    }
}
