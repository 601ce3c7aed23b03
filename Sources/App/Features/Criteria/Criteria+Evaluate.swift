// Evaluation of a unit as of a day. Each criterion is judged on the units of its kind: the unit itself; the unit
// above it of that kind on the day (a village's commune for SV-13); or, for a unit above the criterion's kind, every
// unit of that kind below it on the day (a commune's villages), whose figures are summed — numerators over
// denominators, never an average of percentages — and of which the evaluation says how many pass. A measure counts
// its base units (villages, or communes) in one grouped query for all of them; a unit's history is followed through
// the closure table's periods, so a commune evaluated on a day before a merge counts the villages it held then.
import Fluent
import SQLKit
import Vapor

public enum CriteriaViews {
    static func dto(_ c: Criterion) -> CriterionDTO {
        CriterionDTO(id: c.id ?? UUID.random(), setId: c.setID, code: c.code, name: c.name, nameEn: c.nameEn, measureKey: c.measureKey,
                     thresholdKind: c.thresholdKind, thresholdValue: c.thresholdValue, unitKind: c.unitKind, mandatory: c.mandatory,
                     groupName: c.groupName, pillar: c.pillar, position: c.position)
    }

    static func ref(_ u: AdminUnit) -> UnitRefDTO { UnitRefDTO(id: u.id!, kind: u.kind, code: u.code, name: u.name) }

    static func measureDTO(_ m: Measure, _ lang: Lang) -> MeasureDTO {
        MeasureDTO(key: m.key, name: m.name(lang), nameVi: m.nameVi, nameEn: m.nameEn, base: m.base, unitKinds: m.kinds,
                   hasDenominator: m.hasDenominator, counts: m.counts)
    }

    static func setDTO(_ s: CriteriaSet, criteria: [Criterion]?, on db: any Database) async throws -> CriteriaSetDTO {
        let owner = try await s.ownerUnitID.asyncMap { try await AdminUnit.find($0, on: db) } ?? nil
        return CriteriaSetDTO(id: s.id!, ownerUnitId: s.ownerUnitID, ownerUnitName: owner?.name, code: s.code, name: s.name,
                              description: s.description, criteria: criteria?.map(dto))
    }

    static func criteria(of set: CriteriaSet, on db: any Database) async throws -> [Criterion] {
        try await Criterion.query(on: db).filter(\.$setID == set.id!).sort(\.$position).sort(\.$code).all()
    }

    /// Whether a set judges `unit`: shipped, or owned by the unit or a unit above it.
    static func applies(_ set: CriteriaSet, to unit: AdminUnit, on db: any Database) async throws -> Bool {
        guard let owner = set.ownerUnitID else { return true }
        return owner == unit.id! ? true : try await UnitClosure.isBelow(unit.id!, roots: [owner], on: db)
    }

    /// The sets that judge `unit`: those owned by it or the units above it, nearest first, then the shipped ones.
    static func sets(for unit: AdminUnit, on db: any Database) async throws -> [CriteriaSet] {
        let sql = db as! any SQLDatabase
        var depth: [UUID: Int] = [:]
        for r in try await sql.raw("SELECT ancestor_id, depth FROM unit_closure WHERE descendant_id = \(bind: unit.id!) AND is_current = \(bind: true)").all() {
            depth[try r.decode(column: "ancestor_id", as: UUID.self)] = try r.decode(column: "depth", as: Int.self)
        }
        depth[unit.id!] = 0
        let owned = try await CriteriaSet.query(on: db).filter(\.$ownerUnitID ~~ Array(depth.keys)).all()
        let shipped = try await CriteriaSet.query(on: db).filter(\.$ownerUnitID == nil).sort(\.$code).all()
        return owned.sorted { (depth[$0.ownerUnitID!] ?? 99, $0.code) < (depth[$1.ownerUnitID!] ?? 99, $1.code) } + shipped
    }

    static let rank: [UnitKind: Int] = [.province: 0, .district: 1, .commune: 2, .village: 3, .group: 4]

    /// Units of `kind` below `unit` on `day` (through the closure table's periods), by code.
    static func below(_ unit: AdminUnit, kind: UnitKind, on day: String, db: any Database) async throws -> [AdminUnit] {
        if unit.kind == kind { return [unit] }
        let sql = db as! any SQLDatabase
        let ids = try await sql.raw("""
            SELECT DISTINCT c.descendant_id AS id FROM unit_closure c JOIN admin_units u ON u.id = c.descendant_id
            WHERE c.ancestor_id = \(bind: unit.id!) AND u.kind = \(bind: kind.rawValue) AND c.valid_from <= \(bind: day) AND c.valid_to > \(bind: day)
            """).all().map { try $0.decode(column: "id", as: UUID.self) }
        var out: [AdminUnit] = []
        for chunk in ids.chunked(900) { out += try await AdminUnit.query(on: db).filter(\.$id ~~ chunk).all() }
        return out.sorted { ($0.code, $0.name) < ($1.code, $1.name) }
    }

    /// The unit of `kind` that held `unit` on `day`.
    static func above(_ unit: AdminUnit, kind: UnitKind, on day: String, db: any Database) async throws -> AdminUnit? {
        let sql = db as! any SQLDatabase
        let row = try await sql.raw("""
            SELECT c.ancestor_id AS id FROM unit_closure c JOIN admin_units u ON u.id = c.ancestor_id
            WHERE c.descendant_id = \(bind: unit.id!) AND u.kind = \(bind: kind.rawValue) AND c.valid_from <= \(bind: day) AND c.valid_to > \(bind: day)
            ORDER BY c.depth LIMIT 1
            """).first()
        return try await row.asyncMap { try await AdminUnit.find(try $0.decode(column: "id", as: UUID.self), on: db) } ?? nil
    }

    /// The latest manual value on or before `day` of each (criterion, unit) asked for.
    static func manualValues(_ criteria: [UUID], units: [UUID], on day: String, db: any Database) async throws -> [String: CriterionValue] {
        guard !criteria.isEmpty, !units.isEmpty else { return [:] }
        var out: [String: CriterionValue] = [:]
        for chunk in units.chunked(900) {
            let rows = try await CriterionValue.query(on: db).filter(\.$criterionID ~~ criteria).filter(\.$unitID ~~ chunk)
                .filter(\.$onDay <= day).sort(\.$onDay).sort(\.$createdAt).all()
            for v in rows { out["\(v.criterionID)|\(v.unitID)"] = v }   // later ones win
        }
        return out
    }

    static func manualDTO(_ v: CriterionValue) -> ManualValueDTO {
        ManualValueDTO(id: v.id!, criterionId: v.criterionID, unitId: v.unitID, on: v.onDay, value: v.value, source: v.source, recordedBy: v.recordedByName)
    }

    /// The figure a threshold reads: percent for a share, the numerator otherwise; nil with nothing to divide by.
    static func value(_ kind: ThresholdKind, _ count: MeasureCount) -> Double? {
        switch kind {
        case .shareAtLeast:
            guard let d = count.denominator, d > 0 else { return nil }
            return Double(count.numerator) * 100 / Double(d)
        case .countAtLeast, .yesNo: return Double(count.numerator)
        }
    }

    static func passes(_ c: Criterion, _ value: Double?) -> Bool {
        guard let v = value else { return false }
        switch c.thresholdKind {
        case .shareAtLeast, .countAtLeast: return v + 1e-9 >= (c.thresholdValue ?? 0)
        case .yesNo: return v >= 1
        }
    }

    /// One unit's figure on one criterion.
    struct Judged {
        var unit: AdminUnit
        var count: MeasureCount?
        var manual: CriterionValue?
        var value: Double?
        var passes: Bool
    }

    public static func evaluate(_ unit: AdminUnit, set: CriteriaSet, on day: String, db: any Database) async throws -> EvaluationDTO {
        let sql = db as! any SQLDatabase
        let criteria = try await allCriteria(of: set, on: db)
        var results: [CriterionResultDTO] = []
        var judgedBelow: [UUID: (unit: AdminUnit, failing: [String])] = [:]
        var belowKind: UnitKind? = nil
        var missing: [String] = []
        var anyRolled = false
        var subjectsCache: [UnitKind: [AdminUnit]] = [:]
        for c in criteria {
            let myRank = rank[unit.kind] ?? 9, theirs = rank[c.unitKind] ?? 9
            let rolled = theirs > myRank
            var subjects: [AdminUnit]
            if let s = subjectsCache[c.unitKind] { subjects = s }
            else {
                if c.unitKind == unit.kind { subjects = [unit] }
                else if theirs < myRank { subjects = try await above(unit, kind: c.unitKind, on: day, db: db).map { [$0] } ?? [] }
                else { subjects = try await below(unit, kind: c.unitKind, on: day, db: db) }
                subjectsCache[c.unitKind] = subjects
            }
            // Counts of the measure's base units, summed per subject.
            var counts: [UUID: MeasureCount] = [:]
            let measure = c.measureKey.flatMap { Measures.byKey[$0] }
            if let m = measure {
                var baseOf: [UUID: [UUID]] = [:]
                for s in subjects { baseOf[s.id!] = try await below(s, kind: m.base, on: day, db: db).map { $0.id! } }
                let all = Array(Set(baseOf.values.joined()))
                var byBase: [UUID: MeasureCount] = [:]
                for chunk in all.chunked(2000) { byBase.merge(try await m.count(chunk, day, sql)) { a, _ in a } }
                let zero = MeasureCount(0, m.hasDenominator ? 0 : nil)
                for s in subjects { counts[s.id!] = (baseOf[s.id!] ?? []).reduce(zero) { $0 + (byBase[$1] ?? zero) } }
            }
            let manual = try await manualValues([c.id!], units: subjects.map { $0.id! }, on: day, db: db)
            let judged: [Judged] = subjects.map { s in
                let count = counts[s.id!]
                let noRecords = count.map { $0.numerator == 0 && ($0.denominator ?? 0) == 0 } ?? true
                if let v = manual["\(c.id!)|\(s.id!)"], measure == nil || noRecords {
                    return Judged(unit: s, count: nil, manual: v, value: v.value, passes: passes(c, v.value))
                }
                let v = count.flatMap { value(c.thresholdKind, $0) }
                return Judged(unit: s, count: count, manual: nil, value: v, passes: passes(c, v))
            }
            var r = CriterionResultDTO(criterion: dto(c), judgedOn: nil, rolledUp: rolled, numerator: nil, denominator: nil, value: nil,
                                       manual: nil, passes: nil, unitsPassing: nil, units: nil, rowsURL: nil, missingURL: nil)
            if rolled {
                anyRolled = true
                r.judgedOn = ref(unit)
                let sum = judged.compactMap(\.count).reduce(MeasureCount(0, measure?.hasDenominator == true ? 0 : nil), +)
                if measure != nil {
                    r.numerator = sum.numerator; r.denominator = sum.denominator; r.value = value(c.thresholdKind, sum)
                }
                r.unitsPassing = judged.filter(\.passes).count
                r.units = judged.count
                if c.mandatory {
                    if belowKind == nil { belowKind = c.unitKind }
                    if belowKind == c.unitKind {
                        for j in judged {
                            var e = judgedBelow[j.unit.id!] ?? (j.unit, [])
                            if !j.passes { e.failing.append(c.code) }
                            judgedBelow[j.unit.id!] = e
                        }
                    }
                }
            } else if let j = judged.first {
                r.judgedOn = ref(j.unit)
                r.numerator = j.count?.numerator; r.denominator = j.count?.denominator; r.value = j.value
                r.manual = j.manual.map(manualDTO)
                r.passes = j.passes
                if let m = measure, j.manual == nil, j.unit.kind == m.base {
                    r.rowsURL = APIURL.unitCriteriaRows(.id(j.unit.id!)).path + "?measure=\(m.key)&on=\(day)"
                    r.missingURL = r.rowsURL! + "&missing=1"
                }
                if c.mandatory && !j.passes { missing.append(c.code) }
            } else {
                // Nothing of the criterion's kind holds this unit on the day.
                r.passes = false
                if c.mandatory { missing.append(c.code) }
            }
            results.append(r)
        }
        let below = judgedBelow.values.sorted { ($0.unit.code, $0.unit.name) < ($1.unit.code, $1.unit.name) }.map {
            UnitPassDTO(unit: ref($0.unit), passes: $0.failing.isEmpty && missing.isEmpty, failing: missing + $0.failing)
        }
        return EvaluationDTO(unit: ref(unit), on: day, set: try await setDTO(set, criteria: nil, on: db), passes: anyRolled ? nil : missing.isEmpty,
                             missing: missing, criteria: results, below: below)
    }
}
