import Foundation
import Vapor
@testable import App

/// Ledger' rows for the scope matrix (ScopeMatrixTests), by row kind.
enum LedgerScopeRows {
    static func rows(_ app: Application, inside: ScopePlaces, outside: ScopePlaces) async throws -> [String: ScopeRowPair] {
        [:]
    }
}
