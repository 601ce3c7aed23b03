import Foundation
import Vapor
@testable import App

/// Ledger's rows for the scope matrix (ScopeMatrixTests), by row kind: a campaign of village T1 (inside) and of
/// village X1 (outside), and a contribution in each.
enum LedgerScopeRows {
    /// The row kinds the ledger's routes guard.
    static let kinds: Set<String> = ["campaign", "ledgerEntry"]
    static func rows(_ app: Application, inside: ScopePlaces, outside: ScopePlaces) async throws -> [String: ScopeRowPair] {
        func campaign(_ p: ScopePlaces, _ purpose: String) async throws -> (UUID, UUID) {
            let c = Campaign()
            c.id = UUID(); c.unitID = p.village; c.communeID = p.commune; c.purpose = purpose; c.targetDong = 10_000_000; c.startsOn = "2026-01-01"
            try await c.create(on: app.db)
            let e = LedgerEntry()
            e.id = UUID(); e.campaignID = c.id!; e.unitID = p.village; e.communeID = p.commune; e.kind = .contribution; e.amountDong = 500_000
            e.entryOn = "2026-01-02"; e.householdID = p.household; e.villageID = p.village; e.contributorName = "Hộ thử"; e.organisation = false
            e.method = .cash; e.receiptNo = "0001"; e.anonymous = false; e.advance = false; e.createdAt = app.now
            try await e.create(on: app.db)
            return (c.id!, e.id!)
        }
        let (ci, ei) = try await campaign(inside, "Đợt thử trong")
        let (co, eo) = try await campaign(outside, "Đợt thử xa")
        return [
            "campaign": ScopeRowPair(inside: ci, insideUnit: inside.village, outside: co, outsideUnit: outside.village),
            "ledgerEntry": ScopeRowPair(inside: ei, insideUnit: inside.village, outside: eo, outsideUnit: outside.village),
        ]
    }
}
