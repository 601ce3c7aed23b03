// Precomputed dashboards (migration 0030, `criteria_dashboards`), for a province whose pages cannot count in time
// (docs/criteria.md, "Precomputed dashboards"; docs/benchmarks.md, "Criteria at province scale"). With
// `CRITERIA_PRECOMPUTE` on, the hourly housekeeping job counts, for every province in force, the province page's
// figures (`ProvinceEvaluationDTO`) and every commune's and village's evaluation of today on its default set (the
// first the unit's page offers), with exactly the code that counts them live, and keeps one row per unit and kind:
// the JSON and the time it was counted. A page or JSON evaluation asked for today (no `on`) on the default set is
// served from that row, says when it was counted, and links to the live count (`?on=` today); any other day or set
// counts live as before. Writes do not move the rows: they stay in step through the hourly job (and `thonso bench
// criteria` calls `refresh`); until then the page says how old its figures are and the live count is one click away.
// The pages served from these rows are also kept rendered per viewer while the units' and criteria's data version
// holds (Criteria+Web.swift `unitPage`, migration 0037): a request that counts live says so (`criteriaCountedLive`).
import Fluent
import SQLKit
import Vapor

enum CriteriaDashboards {
    static let schema = "criteria_dashboards"
    enum Kind: String { case evaluation, province }

    static func sql(_ db: any Database) -> any SQLDatabase { db as! any SQLDatabase }

    /// The row to serve for `unit` and `set`: precompute on, today asked for without `on`, and the row of that set.
    static func stored<T: Decodable>(_ req: Request, unit: UUID, set: UUID, kind: Kind, as: T.Type) async throws -> (T, Date)? {
        guard req.application.config.criteriaPrecompute, (req.queryValue("on") ?? "").isEmpty else { return nil }
        guard let row = try await sql(req.db).raw("""
            SELECT body, counted_at, set_id FROM criteria_dashboards WHERE unit_id = \(bind: unit) AND kind = \(bind: kind.rawValue)
            """).first(), try row.decode(column: "set_id", as: UUID.self) == set else { return nil }
        let body = try row.decode(column: "body", as: String.self)
        return (try JSONDecoder().decode(T.self, from: Data(body.utf8)), try row.decode(column: "counted_at", as: Date.self))
    }

    /// Today's evaluation of `unit` on `set`: precomputed when there is a row to serve, else counted live.
    static func evaluation(_ req: Request, _ unit: AdminUnit, set: CriteriaSet, day: String) async throws -> EvaluationDTO {
        if let r = try await stored(req, unit: unit.id!, set: set.id!, kind: .evaluation, as: EvaluationDTO.self) {
            var served = r.0
            served.countedAt = r.1
            return served
        }
        req.criteriaCountedLive = true
        return try await CriteriaViews.evaluate(unit, set: set, on: day, db: req.db)
    }

    /// The province page's figures for today: precomputed when there is a row to serve, else counted live.
    static func province(_ req: Request, _ unit: AdminUnit, set: CriteriaSet, day: String) async throws -> ProvinceEvaluationDTO {
        if let r = try await stored(req, unit: unit.id!, set: set.id!, kind: .province, as: ProvinceEvaluationDTO.self) {
            var served = r.0
            served.countedAt = r.1
            return served
        }
        req.criteriaCountedLive = true
        return try await CriteriaProvince.evaluate(unit, set: set, on: day, db: req.db)
    }

    /// The line under a precomputed page's title: when it was counted, and the link that counts it now.
    static func note(_ lang: Lang, countedAt: Date?, liveURL: String) -> (String, String)? {
        guard let at = countedAt else { return nil }
        return (lang.t("criteria.countedAt", [Moment.display(at)]), liveURL)
    }

    // MARK: counting ahead

    /// The housekeeping step: every province's rows counted again (precompute on), else nothing.
    static func hourly(_ app: Application) async throws -> String {
        guard app.config.criteriaPrecompute else { return "criteria dashboards: precompute off" }
        let n = try await refresh(root: nil, today: Day.today(app.now), on: app.db)
        return "\(n) criteria dashboards counted"
    }

    /// Counts the rows of `root` and every commune and village below it (nil: every province in force) as of `today`,
    /// each on its default set, one write transaction per commune. Answers the rows written.
    static func refresh(root: AdminUnit?, today: String, on db: any Database) async throws -> Int {
        let roots: [AdminUnit]
        if let root { roots = [root] } else {
            roots = try await AdminUnit.query(on: db).filter(\.$kind == .province).filter(\.$validFrom <= today).filter(\.$validTo > today).sort(\.$code).all()
        }
        var written = 0
        for root in roots {
            var rows: [(UUID, Kind, UUID, Data)] = []
            if root.kind == .province || root.kind == .district, let set = try await CriteriaViews.sets(for: root, on: db).first {
                rows.append((root.id!, .province, set.id!, try JSONEncoder().encode(try await CriteriaProvince.evaluate(root, set: set, on: today, db: db))))
            }
            try await store(rows, day: today, on: db)
            written += rows.count
            var communes: [AdminUnit] = []
            if root.kind != .village { communes = try await CriteriaViews.below(root, kind: .commune, on: today, db: db) }
            for c in communes {
                var rows: [(UUID, Kind, UUID, Data)] = []
                let villages = try await CriteriaViews.below(c, kind: .village, on: today, db: db)
                for u in [c] + villages {
                    guard let set = try await CriteriaViews.sets(for: u, on: db).first else { continue }
                    rows.append((u.id!, .evaluation, set.id!, try JSONEncoder().encode(try await CriteriaViews.evaluate(u, set: set, on: today, db: db))))
                }
                try await store(rows, day: today, on: db)
                written += rows.count
            }
            if root.kind == .village, let set = try await CriteriaViews.sets(for: root, on: db).first {
                try await store([(root.id!, .evaluation, set.id!, try JSONEncoder().encode(try await CriteriaViews.evaluate(root, set: set, on: today, db: db)))], day: today, on: db)
                written += 1
            }
        }
        return written
    }

    static func store(_ rows: [(UUID, Kind, UUID, Data)], day: String, on db: any Database) async throws {
        guard !rows.isEmpty else { return }
        let now = AppClock.now
        try await db.writeTransaction { db in
            let s = sql(db)
            for (unit, kind, _, _) in rows {
                try await s.raw("DELETE FROM criteria_dashboards WHERE unit_id = \(bind: unit) AND kind = \(bind: kind.rawValue)").run()
            }
            try await Bulk.insert(s, into: schema, columns: ["id", "unit_id", "kind", "set_id", "on_day", "counted_at", "body"],
                                  rows: rows.map { [UUID.random(), $0.0, $0.1.rawValue, $0.2, day, now, String(decoding: $0.3, as: UTF8.self)] })
        }
    }
}

extension Request {
    private struct CriteriaCountedLiveKey: StorageKey { typealias Value = Bool }

    /// Whether this request counted a unit's figures live (not from a row counted ahead): its page may not be kept,
    /// since the tables it counted are not among the kept pages' versions (Criteria+Web.swift).
    var criteriaCountedLive: Bool {
        get { storage[CriteriaCountedLiveKey.self] ?? false }
        set { storage[CriteriaCountedLiveKey.self] = newValue }
    }
}
