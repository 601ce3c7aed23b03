import Foundation
import Vapor
@testable import App

/// Assets' rows for the scope matrix (ScopeMatrixTests), by row kind: an asset of village T1 and one of village X1
/// (outside), each with an open fault (so a DELETE sent by the matrix is refused with 409 and the row stays).
enum AssetsScopeRows {
    /// The row kinds assets' routes guard (RouteRuleTests checks every route's kind is known).
    static let kinds: Set<String> = ["asset", "assetFault"]

    static func rows(_ app: Application, inside: ScopePlaces, outside: ScopePlaces) async throws -> [String: ScopeRowPair] {
        func make(_ unit: UUID, commune: UUID, _ name: String) async throws -> (UUID, UUID) {
            let a = Asset()
            a.id = UUID(); a.kind = .camera; a.name = name; a.unitID = unit; a.communeID = commune
            a.latitude = 21.08; a.longitude = 105.67; a.status = .working; a.statusSince = Day.today(app.now)
            try await a.create(on: app.db)
            let f = try await app.db.writeTransaction { db in
                try await AssetFaults.open(assetID: a.id!, description: "Mất tín hiệu", reportID: nil, by: nil, on: db)
            }
            return (a.id!, f.id!)
        }
        let (ai, fi) = try await make(inside.village, commune: inside.commune, "Camera trong")
        let (ao, fo) = try await make(outside.village, commune: outside.commune, "Camera ngoài")
        return ["asset": ScopeRowPair(inside: ai, insideUnit: inside.village, outside: ao, outsideUnit: outside.village),
                "assetFault": ScopeRowPair(inside: fi, insideUnit: inside.village, outside: fo, outsideUnit: outside.village)]
    }
}
