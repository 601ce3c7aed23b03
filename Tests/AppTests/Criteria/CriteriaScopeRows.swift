import Foundation
import Testing
import Vapor
@testable import App

/// Criteria's rows for the scope matrix (ScopeMatrixTests), by row kind: a set of village T1 and one of village X1
/// (outside), each with a criterion holding a manual value (so a DELETE sent by the matrix is refused with 409).
enum CriteriaScopeRows {
    static let kinds: Set<String> = ["criteriaSet", "criterion"]

    static func rows(_ app: Application, inside: ScopePlaces, outside: ScopePlaces) async throws -> [String: ScopeRowPair] {
        let admin = Access(personID: nil, tokenID: nil, displayName: "admin", grants: [Grant(role: .admin, unitID: nil)])
        func make(_ village: UUID) async throws -> (UUID, UUID) {
            let s = try await CriteriaActions.createSet(CriteriaSetInput(ownerUnitId: village.uuidString, code: "S", name: "Bộ thử"), access: admin, on: app.db)
            let c = try await CriteriaActions.createCriterion(in: s, CriterionInput(code: "M", name: "Thủ công", thresholdKind: "yesNo", unitKind: "village"), on: app.db)
            let unit = try #require(await AdminUnit.find(village, on: app.db))
            _ = try await CriteriaActions.recordValue(ManualValueInput(criterionId: c.id!.uuidString, on: "2025-01-01", value: 1, source: "Thử"),
                                                      unit: unit, access: admin, today: Day.today(app.now), on: app.db)
            return (s.id!, c.id!)
        }
        let (si, ci) = try await make(inside.village)
        let (so, co) = try await make(outside.village)
        return [
            "criteriaSet": ScopeRowPair(inside: si, insideUnit: inside.village, outside: so, outsideUnit: outside.village),
            "criterion": ScopeRowPair(inside: ci, insideUnit: inside.village, outside: co, outsideUnit: outside.village),
        ]
    }
}
