import Foundation
import Vapor
@testable import App

/// Assets' rows for the scope matrix (ScopeMatrixTests), by row kind.
enum AssetsScopeRows {
    static func rows(_ app: Application, inside: ScopePlaces, outside: ScopePlaces) async throws -> [String: ScopeRowPair] {
        [:]
    }
}
