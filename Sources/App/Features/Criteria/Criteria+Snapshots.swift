// Snapshots: each unit's evaluation on a set, kept month by month so that trends survive later edits (migration
// 0024). A snapshot holds every criterion's figure and a copy of the definition it was judged by (code, name, measure,
// threshold, unit kind, mandatory): changing a threshold or a set later never rewrites it. A month's *final*
// snapshot is counted as of its last day, by the hourly housekeeping job from the first day of the next month (once:
// a final snapshot is never taken again), or on demand for a past month; a snapshot of the current month, taken on
// demand as of today, is provisional and is replaced by the next one until the month's final one. A unit's snapshots
// stay under its own id: a village merged or moved later keeps its history, and a commune's snapshot counts the
// villages it held on the day. Counting is `CriteriaBulk` (one grouped query per family of measures for every unit at once).
import Fluent
import SQLKit
import Vapor

public struct SnapshotCriterionDTO: Content, Sendable {
    public var criterionId: UUID
    public var code: String
    public var name: String
    public var nameEn: String?
    public var measureKey: String?
    /// The threshold the figure was judged by when the snapshot was taken (a copy: later changes leave it).
    public var thresholdKind: ThresholdKind
    public var thresholdValue: Double?
    public var unitKind: UnitKind
    public var mandatory: Bool
    public var judgedOnId: UUID?
    public var rolledUp: Bool
    public var numerator: Int?
    public var denominator: Int?
    public var value: Double?
    public var passes: Bool?
    public var unitsPassing: Int?
    public var units: Int?
    /// The source of the manual value the figure came from, if it did.
    public var manualSource: String?
}

public struct SnapshotDTO: Content, Sendable {
    public var id: UUID
    public var unit: UnitRefDTO
    public var setId: UUID
    public var setCode: String
    public var setName: String
    /// yyyy-MM
    public var month: String
    /// The day it was counted as of: the month's last day for a final snapshot, the day taken for a provisional one.
    public var on: String
    public var final: Bool
    public var passes: Bool?
    public var missing: [String]
    /// The units below judged (villages of a commune): how many pass, of how many.
    public var belowKind: UnitKind?
    public var unitsPassing: Int?
    public var units: Int?
    public var takenAt: Date
    public var takenBy: String
    public var criteria: [SnapshotCriterionDTO]?
}

public struct SnapshotInput: Content, Sendable {
    /// yyyy-MM; the current month when absent (a provisional snapshot as of today).
    public var month: String?
    /// One set (else every set that judges the unit).
    public var setId: String?
    public init(month: String? = nil, setId: String? = nil) { self.month = month; self.setId = setId }
}

public struct SnapshotRunDTO: Content, Sendable {
    public var month: String
    public var on: String
    public var final: Bool
    public var sets: [String]
    /// Snapshots written.
    public var taken: Int
    /// Final snapshots already there, left as they were.
    public var kept: Int
}

public enum CriteriaSnapshots {
    static func sql(_ db: any Database) -> any SQLDatabase { db as! any SQLDatabase }

    /// yyyy-MM of a day.
    static func month(of day: String) -> String { String(day.prefix(7)) }
    /// The last day of a month (yyyy-MM).
    static func lastDay(_ month: String) -> String {
        let next = String(Day.adding(32, to: month + "-01").prefix(7)) + "-01"
        return Day.adding(-1, to: next)
    }
    static func previousMonth(_ month: String) -> String { String(Day.adding(-1, to: month + "-01").prefix(7)) }
    static func validMonth(_ m: String) -> Bool {
        m.count == 7 && Day.parse(m + "-01") == m + "-01"
    }

    /// The communes to count for a unit: itself, its communes on the day, or (a village) the commune that held it.
    static func communes(for unit: AdminUnit, on day: String, db: any Database) async throws -> [AdminUnit] {
        switch unit.kind {
        case .commune: return [unit]
        case .village, .group:
            return try await CriteriaViews.above(unit, kind: .commune, on: day, db: db).map { [$0] } ?? []
        default: return try await CriteriaViews.below(unit, kind: .commune, on: day, db: db)
        }
    }

    /// Takes `set`'s snapshots for `month` of `unit` and every unit below it (a village: itself only). A final one
    /// (a past month, as of its last day) is written only where the month has none yet; a provisional one (the
    /// current month, as of `today`) replaces the month's provisional one. Answers (written, kept).
    static func take(set: CriteriaSet, unit: AdminUnit, month: String, today: String, by: String, db: any Database, grouped: Bool = true) async throws -> (Int, Int) {
        let final = month < Self.month(of: today)
        let day = final ? lastDay(month) : today
        let communes = try await communes(for: unit, on: day, db: db)
        let root: AdminUnit? = (unit.kind == .province || unit.kind == .district) ? unit : nil
        let r = try await CriteriaBulk.evaluate(set: set, communes: communes, root: root, on: day, db: db, grouped: grouped)
        let results: [CriteriaBulk.UnitResult]
        switch unit.kind {
        case .village, .group: results = r.villages.filter { $0.unit.id == unit.id }
        case .commune: results = r.communes + r.villages
        default: results = (r.root.map { [$0] } ?? []) + r.communes.filter { ($0.units ?? 0) > 0 } + r.villages
        }
        if results.isEmpty { return (0, 0) }
        let setID = set.id!
        let criteria = r.criteria
        return try await db.writeTransaction { db in
            let s = sql(db)
            // What the month has already, by unit.
            var existing: [UUID: (UUID, Bool)] = [:]
            for chunk in results.map(\.unit.id).chunked(900) {
                for row in try await s.raw("""
                    SELECT id, unit_id, final FROM criteria_snapshots WHERE set_id = \(bind: setID) AND month = \(bind: month) AND unit_id IN (\(binds: chunk))
                    """).all() {
                    existing[try row.decode(column: "unit_id", as: UUID.self)] = (try row.decode(column: "id", as: UUID.self), try row.decode(column: "final", as: Bool.self))
                }
            }
            var kept = 0
            var replace: [UUID] = []
            var write: [CriteriaBulk.UnitResult] = []
            for res in results {
                if let (id, wasFinal) = existing[res.unit.id] {
                    if wasFinal { kept += 1; continue }
                    replace.append(id)
                }
                write.append(res)
            }
            for chunk in replace.chunked(900) {
                try await s.raw("DELETE FROM criteria_snapshot_values WHERE snapshot_id IN (\(binds: chunk))").run()
                try await s.raw("DELETE FROM criteria_snapshots WHERE id IN (\(binds: chunk))").run()
            }
            let now = AppClock.now
            var heads: [[SQLValue]] = []
            var values: [[SQLValue]] = []
            for res in write {
                let id = UUID.random()
                heads.append([id, res.unit.id, res.unit.kind.rawValue, setID, set.code, set.name, month, day, final, res.passes,
                              res.belowKind?.rawValue, res.unitsPassing, res.units, res.missing.joined(separator: ","), now, by])
                for (c, f) in zip(criteria, res.figures) {
                    values.append([UUID.random(), id, c.id!, c.code, c.name, c.nameEn, c.measureKey, c.thresholdKind.rawValue, c.thresholdValue,
                                   c.unitKind.rawValue, c.mandatory, c.position, f.judgedOn, f.rolledUp, f.manual == nil ? f.count?.numerator : nil,
                                   f.manual == nil ? f.count?.denominator : nil, f.value, f.passes, f.unitsPassing, f.units, f.manual?.source])
                }
            }
            try await Bulk.insert(s, into: "criteria_snapshots", columns: ["id", "unit_id", "unit_kind", "set_id", "set_code", "set_name", "month", "on_day",
                                                                            "final", "passes", "below_kind", "units_passing", "units", "missing", "taken_at", "taken_by"], rows: heads)
            try await Bulk.insert(s, into: "criteria_snapshot_values", columns: ["id", "snapshot_id", "criterion_id", "code", "name", "name_en", "measure_key",
                                                                                  "threshold_kind", "threshold_value", "criterion_unit_kind", "mandatory", "position",
                                                                                  "judged_on_id", "rolled_up", "numerator", "denominator", "value", "passes",
                                                                                  "units_passing", "units", "manual_source"], rows: values)
            return (write.count, kept)
        }
    }

    /// The monthly job's step (housekeeping, hourly): from the first day of a month, the previous month's final
    /// snapshots of every set on every unit it judges — the shipped sets on every province, a unit's own set on its
    /// unit. Idempotent: a set and root whose final snapshot is there is skipped.
    static func monthly(_ app: Application) async throws -> String {
        let db = app.db
        let today = Day.today(app.now)
        let month = previousMonth(Self.month(of: today))
        let day = lastDay(month)
        var taken = 0
        for set in try await CriteriaSet.query(on: db).sort(\.$code).all() {
            var roots: [AdminUnit] = []
            if let owner = set.ownerUnitID {
                if let u = try await AdminUnit.find(owner, on: db) { roots = [u] }
            } else {
                roots = try await AdminUnit.query(on: db).filter(\.$kind == .province).filter(\.$validFrom <= day).filter(\.$validTo > day).sort(\.$code).all()
            }
            for root in roots {
                let done = try await sql(db).raw("""
                    SELECT COUNT(*) AS n FROM criteria_snapshots WHERE set_id = \(bind: set.id!) AND month = \(bind: month) AND unit_id = \(bind: root.id!) AND final = \(bind: true)
                    """).first()?.decode(column: "n", as: Int.self) ?? 0
                if done > 0 { continue }
                taken += try await take(set: set, unit: root, month: month, today: today, by: "monthly job", db: db).0
            }
        }
        return "\(taken) criteria snapshots of \(month)"
    }

    // MARK: reading

    static func heads(unit: UUID, set: UUID?, from: String?, to: String?, db: any Database) async throws -> [SnapshotDTO] {
        var q: SQLQueryString = "SELECT * FROM criteria_snapshots WHERE unit_id = \(bind: unit)"
        if let set { q = q + " AND set_id = \(bind: set)" }
        if let from { q = q + " AND month >= \(bind: from)" }
        if let to { q = q + " AND month <= \(bind: to)" }
        q = q + " ORDER BY month, set_code"
        let unitRow = try await AdminUnit.find(unit, on: db)
        return try await sql(db).raw(q).all().map { r in
            SnapshotDTO(id: try r.decode(column: "id", as: UUID.self),
                        unit: UnitRefDTO(id: unit, kind: UnitKind(rawValue: try r.decode(column: "unit_kind", as: String.self)) ?? .village,
                                         code: unitRow?.code ?? "", name: unitRow?.name ?? ""),
                        setId: try r.decode(column: "set_id", as: UUID.self), setCode: try r.decode(column: "set_code", as: String.self),
                        setName: try r.decode(column: "set_name", as: String.self), month: try r.decode(column: "month", as: String.self),
                        on: try r.decode(column: "on_day", as: String.self), final: try r.decode(column: "final", as: Bool.self),
                        passes: try r.decode(column: "passes", as: Bool?.self),
                        missing: (try r.decode(column: "missing", as: String.self)).split(separator: ",").map(String.init),
                        belowKind: try r.decode(column: "below_kind", as: String?.self).flatMap(UnitKind.init(rawValue:)),
                        unitsPassing: try r.decode(column: "units_passing", as: Int?.self), units: try r.decode(column: "units", as: Int?.self),
                        takenAt: try r.decode(column: "taken_at", as: Date.self), takenBy: try r.decode(column: "taken_by", as: String.self), criteria: nil)
        }
    }

    static func values(of snapshots: [UUID], db: any Database) async throws -> [UUID: [SnapshotCriterionDTO]] {
        var out: [UUID: [SnapshotCriterionDTO]] = [:]
        for chunk in snapshots.chunked(900) {
            for r in try await sql(db).raw("SELECT * FROM criteria_snapshot_values WHERE snapshot_id IN (\(binds: chunk)) ORDER BY position, code").all() {
                let d = SnapshotCriterionDTO(
                    criterionId: try r.decode(column: "criterion_id", as: UUID.self), code: try r.decode(column: "code", as: String.self),
                    name: try r.decode(column: "name", as: String.self), nameEn: try r.decode(column: "name_en", as: String?.self),
                    measureKey: try r.decode(column: "measure_key", as: String?.self),
                    thresholdKind: ThresholdKind(rawValue: try r.decode(column: "threshold_kind", as: String.self)) ?? .countAtLeast,
                    thresholdValue: try r.decode(column: "threshold_value", as: Double?.self),
                    unitKind: UnitKind(rawValue: try r.decode(column: "criterion_unit_kind", as: String.self)) ?? .village,
                    mandatory: try r.decode(column: "mandatory", as: Bool.self), judgedOnId: try r.decode(column: "judged_on_id", as: UUID?.self),
                    rolledUp: try r.decode(column: "rolled_up", as: Bool.self), numerator: try r.decode(column: "numerator", as: Int?.self),
                    denominator: try r.decode(column: "denominator", as: Int?.self), value: try r.decode(column: "value", as: Double?.self),
                    passes: try r.decode(column: "passes", as: Bool?.self), unitsPassing: try r.decode(column: "units_passing", as: Int?.self),
                    units: try r.decode(column: "units", as: Int?.self), manualSource: try r.decode(column: "manual_source", as: String?.self))
                out[try r.decode(column: "snapshot_id", as: UUID.self), default: []].append(d)
            }
        }
        return out
    }

    /// A unit's snapshots of one set (or all), oldest first, with their criteria.
    public static func history(unit: UUID, set: UUID?, from: String? = nil, to: String? = nil, db: any Database) async throws -> [SnapshotDTO] {
        var heads = try await heads(unit: unit, set: set, from: from, to: to, db: db)
        let values = try await values(of: heads.map(\.id), db: db)
        for i in heads.indices { heads[i].criteria = values[heads[i].id] ?? [] }
        return heads
    }
}

// MARK: routes

struct CriteriaSnapshotRoutes {
    static func add(web: any RoutesBuilder, api: any RoutesBuilder) {
        api.get(APIURL.unitCriteriaSnapshots(.key).components, use: list).rule(.unit(.readCriteria))
        api.post(APIURL.unitCriteriaSnapshots(.key).components, use: create).rule(.unit(.manageCriteria))
        web.post(SiteURL.unitCriteriaSnapshots(.key).components, use: createForm).rule(.unit(.manageCriteria))
    }

    static func monthParam(_ raw: String?, field: String) throws -> String? {
        guard let raw = raw?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
        guard CriteriaSnapshots.validMonth(raw) else { throw InvalidInput(field, "error.criteria.month") }
        return raw
    }

    static func list(req: Request) async throws -> [SnapshotDTO] {
        let unit = try req.scoped(AdminUnit.self)
        var set: UUID? = nil
        if let raw = req.queryValue("set"), !raw.isEmpty {
            guard let id = UUID(uuidString: raw) else { throw InvalidInput("set", "error.criteria.unknownSet") }
            set = id
        }
        let from = try monthParam(req.queryValue("from"), field: "from")
        let to = try monthParam(req.queryValue("to"), field: "to")
        return try await CriteriaSnapshots.history(unit: unit.id!, set: set, from: from, to: to, db: req.db)
    }

    /// Checks the input and takes the snapshots: the month (not after the current one) and the sets that judge the unit.
    static func run(_ req: Request, _ unit: AdminUnit, _ input: SnapshotInput) async throws -> SnapshotRunDTO {
        let today = req.today
        let month = try monthParam(input.month, field: "month") ?? CriteriaSnapshots.month(of: today)
        if month > CriteriaSnapshots.month(of: today) { throw InvalidInput("month", "error.criteria.monthFuture") }
        var sets: [CriteriaSet]
        if let raw = input.setId, !raw.isEmpty {
            guard let id = UUID(uuidString: raw), let s = try? await req.access.criteriaSet(id, .readCriteria, on: req.db),
                  try await CriteriaViews.applies(s, to: unit, on: req.db) else { throw InvalidInput("setId", "error.criteria.unknownSet") }
            sets = [s]
        } else {
            sets = try await CriteriaViews.sets(for: unit, on: req.db)
        }
        var taken = 0, kept = 0
        for s in sets {
            let (t, k) = try await CriteriaSnapshots.take(set: s, unit: unit, month: month, today: today, by: req.access.displayName, db: req.db)
            taken += t; kept += k
        }
        let final = month < CriteriaSnapshots.month(of: today)
        return SnapshotRunDTO(month: month, on: final ? CriteriaSnapshots.lastDay(month) : today, final: final, sets: sets.map(\.code), taken: taken, kept: kept)
    }

    static func create(req: Request) async throws -> Response {
        let unit = try req.scoped(AdminUnit.self)
        let input = (try? req.content.decode(SnapshotInput.self)) ?? SnapshotInput()
        return try await run(req, unit, input).encodeResponse(status: .created, for: req)
    }

    /// The line shown after the form ran (`?taken=&kept=`, or `?snapshotError=`).
    static func note(_ req: Request) -> String? {
        if let f = req.queryValue("snapshotError") { return req.lang.t(f == "setId" ? "error.criteria.unknownSet" : "error.criteria.month") }
        guard let taken = req.query[Int.self, at: "taken"] else { return nil }
        let kept = req.query[Int.self, at: "kept"] ?? 0
        return req.lang.t("criteria.snapshotTaken", [req.lang.number(taken), req.lang.number(kept)])
    }

    static func createForm(req: Request) async throws -> Response {
        let unit = try req.scoped(AdminUnit.self)
        let input = (try? req.content.decode(SnapshotInput.self)) ?? SnapshotInput()
        let back = SiteURL.unitCriteria(.id(unit.id!)).path
        do {
            let r = try await run(req, unit, input)
            return req.redirect(to: back + "?taken=\(r.taken)&kept=\(r.kept)#trends", redirectType: .normal)
        } catch let e as InvalidInput {
            return req.redirect(to: back + "?snapshotError=\(e.issues.first?.field ?? "month")#trends", redirectType: .normal)
        }
    }
}
