// Evaluation of many units at once, for snapshots and the province page: every village and commune of a list of
// communes as of a day, with one grouped query per criterion over all their base units (villages, or communes for
// the commune's own records), rolled up in memory — numerators and denominators summed, never percentages averaged.
// It judges exactly as `CriteriaViews.evaluate` does one unit (a test holds the two in step): a criterion of the
// unit's kind on the unit, one of a kind above on the unit above (a village's commune for SV-13), one of a kind below
// summed over the units below with how many of them pass; a manual value counts where the criterion has no measure
// or the unit's records give nothing. Villages are those the communes held on the day (the closure table's periods).
import Fluent
import SQLKit
import Vapor

enum CriteriaBulk {
    /// One criterion judged on one unit (its own figure, or the sum over the units below it).
    struct Figure: Sendable {
        var judgedOn: UUID?
        var rolledUp: Bool
        var count: MeasureCount?
        var manual: CriterionValue?
        var value: Double?
        var passes: Bool?
        var unitsPassing: Int?
        var units: Int?
    }

    /// One unit's evaluation: each criterion's figure, and its verdict.
    struct UnitResult: Sendable {
        var unit: UnitRefDTO
        var figures: [Figure]
        /// nil when the set judges units below this one (then `unitsPassing` of `units` of `belowKind` pass).
        var passes: Bool?
        var missing: [String]
        var belowKind: UnitKind?
        var unitsPassing: Int?
        var units: Int?
    }

    struct Result: Sendable {
        var day: String
        var criteria: [Criterion]
        var villages: [UnitResult]
        var communes: [UnitResult]
        /// The root (a province or district), summed over every commune, when one was given.
        var root: UnitResult?
        /// village → the commune that held it on the day.
        var communeOf: [UUID: UUID]
    }

    static func sql(_ db: any Database) -> any SQLDatabase { db as! any SQLDatabase }

    /// The villages each commune held on `day`, and each village's id, kind, code and name (read as plain rows).
    static func villages(of communes: [UUID], on day: String, db: any Database) async throws -> ([UUID: [UUID]], [UUID: UnitRefDTO]) {
        var out: [UUID: Set<UUID>] = [:]
        var refs: [UUID: UnitRefDTO] = [:]
        for chunk in communes.chunked(900) {
            let rows = try await sql(db).raw("""
                SELECT c.ancestor_id AS commune, u.id, u.code, u.name FROM unit_closure c JOIN admin_units u ON u.id = c.descendant_id
                WHERE c.ancestor_id IN (\(binds: chunk)) AND u.kind = \(bind: UnitKind.village.rawValue)
                  AND c.valid_from <= \(bind: day) AND c.valid_to > \(bind: day)
                """).all()
            for r in rows {
                let id = try r.decode(column: "id", as: UUID.self)
                out[try r.decode(column: "commune", as: UUID.self), default: []].insert(id)
                if refs[id] == nil {
                    refs[id] = UnitRefDTO(id: id, kind: .village, code: try r.decode(column: "code", as: String.self), name: try r.decode(column: "name", as: String.self))
                }
            }
        }
        return (out.mapValues { Array($0) }, refs)
    }

    static func units(_ ids: [UUID], db: any Database) async throws -> [UUID: AdminUnit] {
        var out: [UUID: AdminUnit] = [:]
        for chunk in ids.chunked(900) { for u in try await AdminUnit.query(on: db).filter(\.$id ~~ chunk).all() { out[u.id!] = u } }
        return out
    }

    /// Evaluates `set` on every commune of `communes` and every village they held on `day`, and on `root` (the unit
    /// above them all) when given.
    /// `grouped` false counts each measure by its own query (the way it was counted before the families; for
    /// `thonso bench criteria`'s comparison in the same run).
    static func evaluate(set: CriteriaSet, communes communeUnits: [AdminUnit], root: AdminUnit?, on day: String, db: any Database,
                         grouped: Bool = true) async throws -> Result {
        let criteria = try await CriteriaViews.criteria(of: set, on: db)
        let communeIDs = communeUnits.map { $0.id! }
        let (villagesOf, villageRefs) = try await villages(of: communeIDs, on: day, db: db)
        var communeOf: [UUID: UUID] = [:]
        for (c, vs) in villagesOf { for v in vs { communeOf[v] = c } }
        let villages = villageRefs.values.sorted { ($0.code, $0.name) < ($1.code, $1.name) }
        let communes = communeUnits.sorted { ($0.code, $0.name) < ($1.code, $1.name) }.map(CriteriaViews.ref)
        let rootRef = root.map(CriteriaViews.ref)
        let allVillageIDs = villages.map(\.id)

        // Every measure the set uses, on every base unit: a family of measures in one grouped query (Measures.count).
        var measures: [Measure] = []
        for c in criteria { if let m = c.measureKey.flatMap({ Measures.byKey[$0] }), !measures.contains(where: { $0.key == m.key }) { measures.append(m) } }
        var counted: [String: [UUID: MeasureCount]] = [:]   // measure → base unit → count
        for (base, ids) in [(UnitKind.village, allVillageIDs), (.commune, communeIDs)] {
            let ms = measures.filter { $0.base == base }
            guard !ms.isEmpty else { continue }
            for chunk in ids.chunked(grouped ? 4000 : 2000) {
                if grouped {
                    for (k, v) in try await Measures.count(ms, chunk, day, sql(db)) { counted[k, default: [:]].merge(v) { a, _ in a } }
                } else {
                    for m in ms { counted[m.key, default: [:]].merge(try await m.count(chunk, day, sql(db))) { a, _ in a } }
                }
            }
        }

        // Each criterion's subjects: the units of its own kind (villages, communes, the root) and their counts.
        var subjectsOf: [UUID: [(UUID, MeasureCount?)]] = [:]
        for c in criteria {
            let measure = c.measureKey.flatMap { Measures.byKey[$0] }
            let zero = MeasureCount(0, measure?.hasDenominator == true ? 0 : nil)
            let byBase = measure.flatMap { counted[$0.key] } ?? [:]
            func sum(_ bases: [UUID]) -> MeasureCount { bases.reduce(zero) { $0 + (byBase[$1] ?? zero) } }
            var subjects: [(UUID, MeasureCount?)] = []
            switch c.unitKind {
            case .village:
                subjects = villages.map { ($0.id, measure == nil ? nil : byBase[$0.id] ?? zero) }
            case .commune:
                subjects = communes.map { u in
                    (u.id, measure.map { m in m.base == .commune ? (byBase[u.id] ?? zero) : sum(villagesOf[u.id] ?? []) })
                }
            default:
                if let root, root.kind == c.unitKind {
                    subjects = [(root.id!, measure.map { m in m.base == .commune ? sum(communeIDs) : sum(allVillageIDs) })]
                }
            }
            subjectsOf[c.id!] = subjects
        }
        // The manual values of every criterion on its subjects, in one query (per 900 units).
        let manual = try await CriteriaViews.manualValues(criteria.map { $0.id! }, units: Array(Set(subjectsOf.values.joined().map(\.0))), on: day, db: db)

        // Each criterion's figure on every unit of its own kind.
        var own: [UUID: [UUID: Figure]] = [:]   // criterion → unit → figure
        for c in criteria {
            let measure = c.measureKey.flatMap { Measures.byKey[$0] }
            let subjects = subjectsOf[c.id!] ?? []
            var figures: [UUID: Figure] = [:]
            for (id, count) in subjects {
                let noRecords = count.map { $0.numerator == 0 && ($0.denominator ?? 0) == 0 } ?? true
                if let v = manual["\(c.id!)|\(id)"], measure == nil || noRecords {
                    figures[id] = Figure(judgedOn: id, rolledUp: false, count: nil, manual: v, value: v.value, passes: CriteriaViews.passes(c, v.value))
                } else {
                    let v = count.flatMap { CriteriaViews.value(c.thresholdKind, $0) }
                    figures[id] = Figure(judgedOn: id, rolledUp: false, count: count, manual: nil, value: v, passes: CriteriaViews.passes(c, v))
                }
            }
            own[c.id!] = figures
        }

        /// `unit`'s result: `below` are the units of each kind below it, `above` the unit of each kind above it.
        func judge(_ unit: UnitRefDTO, below: [UnitKind: [UUID]], above: [UnitKind: UUID]) -> UnitResult {
            var figures: [Figure] = []
            var missing: [String] = []
            var failingBelow: [UUID: Bool] = [:]
            var belowKind: UnitKind? = nil
            var anyRolled = false
            let myRank = CriteriaViews.rank[unit.kind] ?? 9
            for c in criteria {
                let theirs = CriteriaViews.rank[c.unitKind] ?? 9
                let mine = own[c.id!] ?? [:]
                if c.unitKind == unit.kind || theirs < myRank {
                    let subject = c.unitKind == unit.kind ? unit.id : above[c.unitKind]
                    if let s = subject, let f = mine[s] {
                        figures.append(f)
                        if c.mandatory && f.passes != true { missing.append(c.code) }
                    } else {
                        figures.append(Figure(judgedOn: nil, rolledUp: false, passes: false))
                        if c.mandatory { missing.append(c.code) }
                    }
                } else {
                    anyRolled = true
                    let measure = c.measureKey.flatMap { Measures.byKey[$0] }
                    let judged: [(UUID, Figure)] = (below[c.unitKind] ?? []).compactMap { id in mine[id].map { (id, $0) } }
                    var f = Figure(judgedOn: unit.id, rolledUp: true)
                    if measure != nil {
                        let sum = judged.compactMap(\.1.count).reduce(MeasureCount(0, measure?.hasDenominator == true ? 0 : nil), +)
                        f.count = sum
                        f.value = CriteriaViews.value(c.thresholdKind, sum)
                    }
                    f.unitsPassing = judged.filter { $0.1.passes == true }.count
                    f.units = judged.count
                    figures.append(f)
                    if c.mandatory {
                        if belowKind == nil { belowKind = c.unitKind }
                        if belowKind == c.unitKind {
                            for (id, jf) in judged { failingBelow[id] = (failingBelow[id] ?? false) || jf.passes != true }
                        }
                    }
                }
            }
            var r = UnitResult(unit: unit, figures: figures, passes: anyRolled ? nil : missing.isEmpty, missing: missing)
            if let k = belowKind {
                r.belowKind = k
                r.units = (below[k] ?? []).count
                // A unit below passes when it meets its own mandatory criteria and those judged on this unit.
                r.unitsPassing = missing.isEmpty ? (below[k] ?? []).filter { failingBelow[$0] != true }.count : 0
            }
            return r
        }

        var communeResults: [UnitResult] = []
        for c in communes {
            communeResults.append(judge(c, below: [.village: villagesOf[c.id] ?? []], above: rootRef.map { [$0.kind: $0.id] } ?? [:]))
        }
        var villageResults: [UnitResult] = []
        for v in villages {
            var above: [UnitKind: UUID] = [:]
            if let c = communeOf[v.id] { above[.commune] = c }
            if let rootRef { above[rootRef.kind] = rootRef.id }
            villageResults.append(judge(v, below: [:], above: above))
        }
        let rootResult = rootRef.map { judge($0, below: [.village: allVillageIDs, .commune: communeIDs], above: [:]) }
        return Result(day: day, criteria: criteria, villages: villageResults, communes: communeResults, root: rootResult, communeOf: communeOf)
    }
}
