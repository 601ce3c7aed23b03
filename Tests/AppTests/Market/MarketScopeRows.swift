import Foundation
import Vapor
@testable import App

/// Market's rows for the scope matrix (ScopeMatrixTests), by row kind.
enum MarketScopeRows {
    static func rows(_ app: Application, inside: ScopePlaces, outside: ScopePlaces) async throws -> [String: ScopeRowPair] {
        [:]
    }
}
