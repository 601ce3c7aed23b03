// The demo commune's reports (docs/reports.md): a few residents' reports in several states — some by households, some
// by phone, one about an asset when the commune has assets — placed around the commune. Does nothing when its rows
// are there.
import Fluent
import Vapor

enum DemoReports {
    static func load(_ commune: AdminUnit, households: [Household], app: Application, log: (@Sendable (String) -> Void)?) async throws {
        let db = app.db
        guard try await FeedbackReport.query(on: db).filter(\.$communeID == commune.id!).count() == 0 else { return }
        let villages = try await AdminUnit.query(on: db).filter(\.$parentID == commune.id!).filter(\.$kind == .village).sort(\.$code).all()
        let now = AppClock.now
        let official = Access(personID: nil, tokenID: nil, displayName: "Cán bộ xã (mẫu)", grants: [])
        func at(_ daysAgo: Double) -> Date { now.addingTimeInterval(-daysAgo * 86_400) }
        func submit(_ input: ReportInput, lat: Double?, lon: Double?, household: Household?, daysAgo: Double) async throws -> FeedbackReport {
            let point: Result<GeoPoint?, InvalidInput> = .success(lat.flatMap { la in lon.map { GeoPoint(latitude: la, longitude: $0) } })
            return try await ReportActions.submit(input, point: point, commune: commune,
                                                  sender: ReportSender(householdID: household?.id, origin: nil, tokenID: nil, source: "web"),
                                                  config: app.config, on: db, now: at(daysAgo))
        }
        let h = households
        let v = villages.map { $0.id!.uuidString }
        var made = 0
        // A household's report, answered and resolved.
        if h.count > 0 {
            let r = try await submit(ReportInput(category: "drainage", place: "Cống đầu ngõ 4", description: "Cống đầu ngõ bị tắc, mưa to là nước tràn vào nhà dân."),
                                     lat: 21.0892, lon: 105.6688, household: h[0], daysAgo: 9)
            _ = try await ReportActions.change(r, ReportChangeInput(action: "acknowledge"), by: official, on: db, now: at(8.8))
            _ = try await ReportActions.change(r, ReportChangeInput(action: "answer", answer: "Thôn đã cử đội thanh niên nạo vét cống vào sáng Chủ nhật."), by: official, on: db, now: at(8))
            _ = try await ReportActions.change(r, ReportChangeInput(action: "resolve"), by: official, on: db, now: at(6))
            made += 1
        }
        // A household's report, acknowledged and assigned to someone with a role there.
        if h.count > 1 {
            let r = try await submit(ReportInput(category: "road", place: "Đường trục thôn, đoạn qua điếm canh", description: "Ổ gà lớn giữa đường, xe máy đi tối dễ ngã."),
                                     lat: 21.0931, lon: 105.6735, household: h[1], daysAgo: 4)
            _ = try await ReportActions.change(r, ReportChangeInput(action: "acknowledge"), by: official, on: db, now: at(3.5))
            if let who = try await ReportActions.assignees(r, on: db).first {
                _ = try await ReportActions.change(r, ReportChangeInput(action: "assign", assigneeId: who.id.uuidString), by: official, on: db, now: at(3))
            }
            made += 1
        }
        // By phone: one just sent, one closed with a reason.
        _ = try await submit(ReportInput(category: "rubbish", villageId: v.first, place: "Bờ mương cạnh cánh đồng", description: "Có người đổ rác thải xây dựng ra bờ mương.",
                                         phone: "0999100201", name: "Người dân (mẫu)"), lat: nil, lon: nil, household: nil, daysAgo: 0.5)
        let closed = try await submit(ReportInput(category: "security", villageId: v.count > 1 ? v[1] : nil, place: "Cổng chợ",
                                                  description: "Đề nghị lắp thêm camera ở cổng chợ.", phone: "0999100202"), lat: 21.0878, lon: 105.6751, household: nil, daysAgo: 12)
        _ = try await ReportActions.change(closed, ReportChangeInput(action: "reject", reason: "Cổng chợ đã có camera số 12 của xã; đã chuyển đề nghị vào kế hoạch năm sau."), by: official, on: db, now: at(10))
        made += 2
        // About an asset, when the register has one (the assets feature's demo runs first): opens a fault on it.
        var asset = try await Asset.query(on: db).filter(\.$communeID == commune.id!).filter(\.$status == .working).filter(\.$kind == .solarLight).first()
        if asset == nil { asset = try await Asset.query(on: db).filter(\.$communeID == commune.id!).filter(\.$status == .working).first() }
        if let a = asset {
            _ = try await submit(ReportInput(category: a.kind == .camera ? "camera" : a.kind == .wifiPoint ? "wifi" : "brokenLight", assetId: a.id!.uuidString,
                                             description: "Thiết bị không hoạt động từ tối hôm qua.", phone: "0999100203"), lat: nil, lon: nil, household: nil, daysAgo: 1)
            made += 1
        }
        log?("reports: \(made)")
    }
}
