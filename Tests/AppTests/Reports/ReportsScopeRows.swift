import Foundation
import Vapor
@testable import App

/// Reports' rows for the scope matrix (ScopeMatrixTests), by row kind.
enum ReportsScopeRows {
    static func rows(_ app: Application, inside: ScopePlaces, outside: ScopePlaces) async throws -> [String: ScopeRowPair] {
        [:]
    }
}
