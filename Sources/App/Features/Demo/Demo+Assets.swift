// The demo commune's assets (docs/assets.md): Song Phượng's figures. The residents' campaign (236,000,000 đ) bought 68
// cameras and 91 solar lights; the commune added 147 solar lights later; 24 of the campaign's cameras stand in the
// main lanes, each looked after by a lane head (a resident of the lane's group, as in Thượng Tháp); every village has
// its cultural house with free wifi; a few faults in several states with maintenance. Points lie within ~2 km of the
// commune (21.08 N, 105.67 E), by village. Does nothing when its rows are there.
import Fluent
import Vapor

enum DemoAssets {
    static func load(_ commune: AdminUnit, households: [Household], app: Application, log: (@Sendable (String) -> Void)?) async throws {
        let db = app.db
        if try await Asset.query(on: db).filter(\.$communeID == commune.id!).filter(\.$qrBoardID == nil).count() > 0 { return }
        let villages = try await AdminUnit.query(on: db).filter(\.$kind == .village).filter(\.$communeID == commune.id!).sort(\.$code).all()
        guard !villages.isEmpty else { return }
        let groups = try await AdminUnit.query(on: db).filter(\.$kind == .group).filter(\.$parentID ~~ villages.map { $0.id! }).sort(\.$code).all()
        let today = Day.today(app.now)
        let campaign = try await DemoCampaign.campaign(commune, today: today, on: db)
        // A lane head per group: the first resident of the group's first household.
        var laneHead: [UUID: UUID] = [:]
        for g in groups {
            if let h = households.first(where: { $0.groupID == g.id }),
               let r = try await Resident.query(on: db).filter(\.$householdID == h.id!).sort(\.$fullName).first() { laneHead[g.id!] = r.id }
        }
        var seed: UInt64 = 1405
        func next() -> Double {   // a fixed sequence, so every demo places its points alike
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Double(seed >> 11) / Double(1 << 53)
        }
        // Village centres around the commune's, about 1 km apart; points within ~700 m of their village's.
        func centre(_ i: Int) -> (Double, Double) {
            let offsets: [(Double, Double)] = [(0.006, -0.006), (0.006, 0.006), (-0.006, -0.006), (-0.006, 0.006)]
            let o = offsets[i % offsets.count]
            return (21.08 + o.0 + Double(i / offsets.count) * 0.004, 105.67 + o.1)
        }
        func near(_ i: Int) -> (Double, Double) {
            let c = centre(i)
            return (c.0 + (next() - 0.5) * 0.012, c.1 + (next() - 0.5) * 0.012)
        }
        var made: [Asset] = []
        func asset(_ kind: AssetKind, _ name: String, unit: AdminUnit, village: Int, at point: (Double, Double)? = nil, installed: String,
                   campaign: UUID? = nil, caretaker: UUID? = nil, place: String? = nil) {
            let a = Asset()
            a.id = UUID.random()
            a.kind = kind
            a.name = name
            a.unitID = unit.id!
            a.communeID = commune.id!
            let p = point ?? near(village)
            a.latitude = (p.0 * 1_000_000).rounded() / 1_000_000
            a.longitude = (p.1 * 1_000_000).rounded() / 1_000_000
            a.place = place
            a.installedOn = installed
            a.campaignID = campaign
            a.caretakerResidentID = caretaker
            a.status = .working
            a.statusSince = installed
            made.append(a)
        }
        let campaignDay = Day.adding(-420, to: today), communeDay = Day.adding(-200, to: today), houseDay = "2012-05-01"
        for (i, v) in villages.enumerated() {
            let c = centre(i)
            asset(.culturalHouse, "Nhà văn hóa \(v.name)", unit: v, village: i, at: c, installed: houseDay, place: "Nhà văn hóa \(v.name)")
            asset(.wifiPoint, "Wifi nhà văn hóa \(v.name)", unit: v, village: i, at: (c.0 + 0.00008, c.1 + 0.00008), installed: Day.adding(-500, to: today),
                  place: "Nhà văn hóa \(v.name)")
        }
        func villageIndex(of g: AdminUnit) -> Int { villages.firstIndex { $0.id == g.parentID } ?? 0 }
        // The campaign's cameras: the first 24 in the main lanes, each with its lane head.
        for k in 0..<DemoCampaign.cameras {
            let g = groups.isEmpty ? villages[k % villages.count] : groups[k % groups.count]
            let vi = groups.isEmpty ? k % villages.count : villageIndex(of: g)
            let lane = k < 24
            asset(.camera, lane ? "Camera ngõ \(k + 1) – \(g.name)" : "Camera \(k + 1)", unit: g, village: vi, installed: campaignDay, campaign: campaign.id,
                  caretaker: lane ? laneHead[g.id!] : nil, place: lane ? "Đầu ngõ chính, \(g.name)" : nil)
        }
        for k in 0..<DemoCampaign.solarLights {
            let g = groups.isEmpty ? villages[k % villages.count] : groups[k % groups.count]
            asset(.solarLight, "Đèn NLMT \(k + 1)", unit: g, village: groups.isEmpty ? k % villages.count : villageIndex(of: g), installed: campaignDay, campaign: campaign.id)
        }
        // The commune's own lights, added later.
        for k in 0..<147 {
            let v = k % villages.count
            asset(.solarLight, "Đèn NLMT xã \(k + 1)", unit: villages[v], village: v, installed: communeDay)
        }
        let assets = made
        try await db.writeTransaction { db in
            for a in assets {
                try await a.create(on: db)
                try await History.add(a.id!, .working, from: a.statusSince, fault: nil, by: nil, on: db)
            }
        }
        try await faults(assets, today: today, on: db)
        log?("demo assets of \(commune.name): \(assets.count) (\(DemoCampaign.cameras) cameras and \(DemoCampaign.solarLights) lights of the residents' campaign, 147 commune lights, \(villages.count) cultural houses with wifi)")
    }

    /// A few faults in several states: two open, one assigned, one fixed (with its repair and cost), one closed with a
    /// reason; and a light that was out for twelve days last month, so the 90-day share is below 100%.
    static func faults(_ assets: [Asset], today: String, on db: any Database) async throws {
        let cameras = assets.filter { $0.kind == .camera }, lights = assets.filter { $0.kind == .solarLight }
        guard cameras.count > 5, lights.count > 5 else { return }
        try await db.writeTransaction { db in
            _ = try await AssetFaults.open(assetID: cameras[2].id!, description: "Camera mất tín hiệu từ tối qua", reportID: nil, by: nil, on: db)
            _ = try await AssetFaults.open(assetID: lights[4].id!, description: "Đèn không sáng, có thể hỏng pin", reportID: nil, by: nil, on: db)
            let assigned = try await AssetFaults.open(assetID: cameras[5].id!, description: "Ống kính bị che, hình mờ", reportID: nil, by: nil, on: db)
            assigned.status = .assigned
            assigned.assignedAt = AppClock.now
            try await assigned.update(on: db)
            // Out for twelve days, then repaired: the history as it happened.
            let light = lights[1]
            let out = Day.adding(-40, to: today), back = Day.adding(-28, to: today)
            let fixed = try await AssetFaults.open(assetID: light.id!, description: "Tấm pin bị nứt sau mưa đá", reportID: nil, by: nil, on: db)
            fixed.status = .fixed
            fixed.openedAt = Day.start(out) ?? AppClock.now
            fixed.fixedAt = Day.start(back) ?? AppClock.now
            try await fixed.update(on: db)
            try await AssetStatusChange.query(on: db).filter(\.$assetID == light.id!).filter(\.$status == .faulty).delete()
            try await History.add(light.id!, .faulty, from: out, fault: fixed.id, by: nil, on: db)
            try await History.add(light.id!, .working, from: back, fault: fixed.id, by: nil, on: db)
            light.status = .working
            light.statusSince = back
            try await light.update(on: db)
            let m = AssetMaintenance()
            m.id = UUID.random(); m.assetID = light.id!; m.communeID = light.communeID; m.faultID = fixed.id
            m.doneOn = back; m.work = "Thay tấm pin năng lượng mặt trời"; m.costDong = 1_850_000
            try await m.create(on: db)
            let closed = try await AssetFaults.open(assetID: cameras[9].id!, description: "Báo camera hỏng", reportID: nil, by: nil, on: db)
            closed.status = .closed
            closed.closedAt = AppClock.now
            closed.closeReason = "Camera vẫn hoạt động: mất điện khu vực trong 2 giờ"
            try await closed.update(on: db)
            let cam = cameras[9]
            try await History.change(cam, to: .working, from: cam.statusSince, fault: closed.id, by: nil, on: db)
            let m2 = AssetMaintenance()
            m2.id = UUID.random(); m2.assetID = cameras[0].id!; m2.communeID = cameras[0].communeID
            m2.doneOn = Day.adding(-15, to: today); m2.work = "Vệ sinh ống kính, kiểm tra nguồn"; m2.costDong = 0
            try await m2.create(on: db)
        }
    }
}

/// What the assets demo and the ledger demo agree on: the residents' campaign of Song Phượng (236,000,000 đ for 68
/// cameras and 91 solar lights). The assets demo creates it (and its assets, with `campaign_id`); the ledger demo
/// records its contributions and expenses, creating it too if it is missing.
enum DemoCampaign {
    static let purpose = "Lắp camera an ninh và đèn năng lượng mặt trời cho các thôn"
    static let raisedDong: Int64 = 236_000_000
    static let cameras = 68
    static let solarLights = 91

    /// The commune's campaign with this purpose, created (by nobody: `created_by` nil) when missing.
    static func campaign(_ commune: AdminUnit, today: String, on db: any Database) async throws -> Campaign {
        if let c = try await Campaign.query(on: db).filter(\.$communeID == commune.id!).filter(\.$purpose == purpose).first() { return c }
        let c = Campaign()
        c.id = UUID.random()
        c.unitID = commune.id!
        c.communeID = commune.id!
        c.purpose = purpose
        c.targetDong = raisedDong
        c.startsOn = Day.adding(-540, to: today)
        c.endsOn = Day.adding(-450, to: today)
        c.createdBy = nil
        try await c.create(on: db)
        return c
    }
}
