// The demo's criteria history: the shipped smart-village set's final snapshots of the six months before this one, and
// this month's provisional one, of the province and everything below it that has villages (the demo commune and its
// villages), so that the trends on the village, commune and province pages show something at once. Taken through the
// same step as the monthly job and the officials' button (CriteriaSnapshots.take); a month already taken is kept.
import Fluent
import Vapor

enum DemoCriteria {
    static let months = 6

    static func load(_ commune: AdminUnit, app: Application, log: (@Sendable (String) -> Void)?) async throws {
        let db = app.db
        guard let sv = try await CriteriaSet.query(on: db).filter(\.$ownerUnitID == nil).filter(\.$code == "SV").first() else { return }
        let today = Day.today(app.now)
        let root = try await CriteriaViews.above(commune, kind: .province, on: today, db: db) ?? commune
        var month = CriteriaSnapshots.month(of: today)
        var list: [String] = [month]
        for _ in 0..<months { month = CriteriaSnapshots.previousMonth(month); list.append(month) }
        var taken = 0
        for m in list.reversed() {
            taken += try await CriteriaSnapshots.take(set: sv, unit: root, month: m, today: today, by: "demo", db: db).0
        }
        log?("Criteria: \(taken) snapshots of \(sv.code) over \(list.count) months")
    }
}
