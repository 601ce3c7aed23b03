// The demo commune's ledger (docs/ledger.md). Does nothing when its rows are there.
// Song Phượng's residents' campaign (DemoCampaign) raised 236,000,000 đ in all: 824 households 206,000,000 đ (200,000
// or 300,000 đ each, some anonymous, some by transfer) and three organisations 30,000,000 đ; the money bought the 68 cameras and the
// 91 solar lights (the campaign's assets, when the assets demo made them). A contribution recorded twice and an
// expense entered by mistake are corrected by reversals, as the ledger wants.
import Fluent
import SQLKit
import Vapor

enum DemoLedger {
    static let households = 824
    static let organisations: [(String, Int64)] = [("Công ty TNHH Thiết bị điện An Phát", 15_000_000),
                                                   ("Hợp tác xã nông nghiệp Song Phượng", 10_000_000),
                                                   ("Cán bộ, công chức xã", 5_000_000)]

    static func load(_ commune: AdminUnit, households: [Household], app: Application, log: (@Sendable (String) -> Void)?) async throws {
        let db = app.db
        var campaign = try await Campaign.query(on: db).filter(\.$purpose == DemoCampaign.purpose).first()
        if campaign == nil {
            let c = Campaign()
            c.id = UUID.random(); c.unitID = commune.id!; c.communeID = commune.id!; c.purpose = DemoCampaign.purpose
            c.targetDong = DemoCampaign.raisedDong; c.startsOn = "2024-03-01"; c.endsOn = "2024-06-30"
            try await c.create(on: db)
            campaign = c
        }
        guard let c = campaign, try await LedgerEntry.query(on: db).filter(\.$campaignID == c.id!).count() == 0 else { return }
        let admin = Access(personID: nil, tokenID: nil, displayName: "demo", grants: [Grant(role: .admin, unitID: nil)])
        let givers = Array(households.filter { $0.villageID == c.unitID || $0.communeID == c.unitID }.sorted { $0.code < $1.code }.prefix(Self.households))
        var names: [UUID: String] = [:]
        let reps = givers.compactMap(\.representativeID)
        var start = 0
        while start < reps.count {
            let chunk = Array(reps[start..<min(reps.count, start + 500)])
            for r in try await Resident.query(on: db).filter(\.$id ~~ chunk).all() { names[r.id!] = r.fullName }
            start += chunk.count
        }
        let first = c.startsOn
        func day(_ i: Int) -> String { Day.adding(i % 90, to: first) }
        var drafts: [ContributionDraft] = givers.enumerated().map { i, h in
            ContributionDraft(householdID: h.id, villageID: h.villageID, name: h.representativeID.flatMap { names[$0] } ?? h.code, organisation: false,
                              amount: i % 2 == 0 ? 200_000 : 300_000, on: day(i), method: i % 3 == 0 ? .transfer : .cash,
                              receiptNo: String(format: "PT-%04d", i + 1), anonymous: i % 7 == 3, note: nil, line: nil)
        }
        for (k, (name, amount)) in organisations.enumerated() {
            drafts.append(ContributionDraft(householdID: nil, villageID: nil, name: name, organisation: true, amount: amount, on: day(30 + k),
                                            method: .transfer, receiptNo: String(format: "PT-%04d", givers.count + k + 1), anonymous: false, note: nil, line: nil))
        }
        // One household's money entered twice by mistake (reversed below).
        if let twice = drafts.first {
            var d = twice
            d.receiptNo = String(format: "PT-%04d", drafts.count + 1)
            d.note = "Ghi trùng"
            drafts.append(d)
        }
        let entries = try await LedgerActions.record(drafts, campaign: c, access: admin, field: { $0 }, audit: false, on: db)
        if let duplicate = entries.last {
            _ = try await LedgerActions.reverse(duplicate, ReversalInput(reason: "Ghi trùng phiếu thu \(drafts[0].receiptNo ?? "")"), access: admin,
                                                today: Day.adding(95, to: first), on: db)
        }
        // The expenses: the cameras and the lights the campaign paid for, and a mistaken one reversed.
        let assets = try await Asset.query(on: db).filter(\.$campaignID == c.id!).all()
        let cameras = assets.filter { $0.kind == .camera }.map { $0.id!.uuidString }
        let lights = assets.filter { $0.kind == .solarLight }.map { $0.id!.uuidString }
        let today = Day.adding(100, to: first)
        _ = try await LedgerActions.spend(ExpenseInput(supplier: "Công ty CP Công nghệ An ninh Thủ đô", invoiceNo: "0001234", spentOn: Day.adding(60, to: first),
                                                       assetIds: cameras, note: "\(DemoCampaign.cameras) camera an ninh, lắp đặt và đầu ghi"),
                                          amountText: String(Int64(DemoCampaign.cameras) * 2_500_000), campaign: c, access: admin, today: today, on: db)
        let wrong = try await LedgerActions.spend(ExpenseInput(supplier: "Công ty TNHH Năng lượng Xanh", invoiceNo: "0000871", spentOn: Day.adding(70, to: first),
                                                               note: "Nhập nhầm số tiền"),
                                                  amountText: "6370000", campaign: c, access: admin, today: today, on: db)
        _ = try await LedgerActions.reverse(wrong, ReversalInput(reason: "Nhập nhầm số tiền hóa đơn 0000871"), access: admin, today: today, on: db)
        _ = try await LedgerActions.spend(ExpenseInput(supplier: "Công ty TNHH Năng lượng Xanh", invoiceNo: "0000871", spentOn: Day.adding(70, to: first),
                                                       assetIds: lights, note: "\(DemoCampaign.solarLights) đèn năng lượng mặt trời"),
                                          amountText: String(Int64(DemoCampaign.solarLights) * 700_000), campaign: c, access: admin, today: today, on: db)
        let totals = try await LedgerQueries.totals(c.id!, on: db)
        log?("demo ledger: \(givers.count) households and \(organisations.count) organisations gave \(totals.raisedDong) đ, \(totals.spentDong) đ spent on \(cameras.count) cameras and \(lights.count) lights")
    }
}
