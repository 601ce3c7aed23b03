// Writing criteria: sets (new, copied from one the caller reads, renamed, deleted when no manual value hangs on
// them), criteria (checked by one function for the API and any later form: the field at fault, nothing written),
// and manual values. Every write is one audited transaction.
import Fluent
import SQLKit
import Vapor

public enum CriteriaActions {
    /// Codes people type: letters, digits, '-', '_' and '.', at most 20 ("SV-01", "CDS.3.2").
    static func isCode(_ s: String) -> Bool {
        !s.isEmpty && s.count <= 20 && s.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0) }
    }

    static func code(_ c: inout Checker, _ raw: String?) -> String {
        let v = c.text("code", raw, max: 20)
        if !v.isEmpty && !isCode(v) { c.add("code", "error.criteria.code") }
        return v
    }

    // MARK: sets

    public static func createSet(_ input: CriteriaSetInput, access: Access, on db: any Database) async throws -> CriteriaSet {
        var c = Checker()
        let code = code(&c, input.code)
        let name = c.text("name", input.name, max: 200)
        let description = c.text("description", input.description, max: 2000, required: false, multiline: true)
        var owner: UUID? = nil
        let rawOwner = (input.ownerUnitId ?? "").trimmingCharacters(in: .whitespaces)
        if rawOwner.isEmpty {
            // Only a system-wide caller ships a set to everyone.
            if access.roots(.manageCriteria) != nil { c.add("ownerUnitId", "error.required") }
        } else if let id = UUID(uuidString: rawOwner), let u = try await AdminUnit.find(id, on: db), u.kind != .group,
                  try await access.allows(.manageCriteria, u, on: db) {
            owner = u.id
        } else {
            c.add("ownerUnitId", "error.unknownUnit")
        }
        var source: CriteriaSet? = nil
        if let raw = input.copyFrom?.trimmingCharacters(in: .whitespaces), !raw.isEmpty {
            if let id = UUID(uuidString: raw), let s = try? await access.criteriaSet(id, .readCriteria, on: db) { source = s }
            else { c.add("copyFrom", "error.criteria.unknownSet") }
        }
        if c.issues.isEmpty, try await taken(code: code, owner: owner, except: nil, on: db) { c.add("code", "error.criteria.codeTaken") }
        try c.check()
        let owner_ = owner, source_ = source
        return try await db.auditedTransaction { db in
            let owner = owner_, source = source_
            let s = CriteriaSet()
            s.id = UUID.random()
            s.ownerUnitID = owner; s.code = code; s.name = name; s.description = description.isEmpty ? nil : description
            try await s.create(on: db)
            if let source {
                for old in try await Criterion.query(on: db).filter(\.$setID == source.id!).all() {
                    let n = Criterion()
                    n.setID = s.id!; n.code = old.code; n.name = old.name; n.nameEn = old.nameEn; n.measureKey = old.measureKey
                    n.thresholdKind = old.thresholdKind; n.thresholdValue = old.thresholdValue; n.unitKind = old.unitKind
                    n.mandatory = old.mandatory; n.groupName = old.groupName; n.pillar = old.pillar; n.position = old.position
                    try await n.create(on: db)
                }
            }
            try await Audit.record("create", CriteriaSet.schema, row: s.id, unit: owner, after: ["code": code, "name": name, "copyFrom": source?.code ?? ""], on: db)
            return s
        }
    }

    static func taken(code: String, owner: UUID?, except: UUID?, on db: any Database) async throws -> Bool {
        let q = CriteriaSet.query(on: db).filter(\.$code == code)
        if let owner { q.filter(\.$ownerUnitID == owner) } else { q.filter(\.$ownerUnitID == nil) }
        if let except { q.filter(\.$id != except) }
        return try await q.first() != nil
    }

    public static func updateSet(_ s: CriteriaSet, _ input: CriteriaSetInput, on db: any Database) async throws -> CriteriaSet {
        var c = Checker()
        let code = code(&c, input.code ?? s.code)
        let name = c.text("name", input.name ?? s.name, max: 200)
        let description = c.text("description", input.description ?? s.description, max: 2000, required: false, multiline: true)
        if c.issues.isEmpty, try await taken(code: code, owner: s.ownerUnitID, except: s.id, on: db) { c.add("code", "error.criteria.codeTaken") }
        try c.check()
        return try await db.auditedTransaction { db in
            s.code = code; s.name = name; s.description = description.isEmpty ? nil : description
            try await s.update(on: db)
            try await Audit.record("update", CriteriaSet.schema, row: s.id, unit: s.ownerUnitID, after: ["code": code, "name": name], on: db)
            return s
        }
    }

    /// A set whose criteria hold manual values is kept (409): those values are records.
    public static func deleteSet(_ s: CriteriaSet, on db: any Database) async throws {
        try await db.auditedTransaction { db in
            let ids = try await Criterion.query(on: db).filter(\.$setID == s.id!).all().compactMap(\.id)
            if !ids.isEmpty, try await CriterionValue.query(on: db).filter(\.$criterionID ~~ ids).count() > 0 {
                throw InvalidInput("id", "error.criteria.hasValues", status: .conflict)
            }
            try await Criterion.query(on: db).filter(\.$setID == s.id!).delete()
            try await s.delete(on: db)
            try await Audit.record("delete", CriteriaSet.schema, row: s.id, unit: s.ownerUnitID, before: ["code": s.code], on: db)
        }
    }

    // MARK: criteria

    struct Fields {
        var code: String, name: String, nameEn: String?, measureKey: String?, kind: ThresholdKind, value: Double?, unitKind: UnitKind
        var mandatory: Bool, groupName: String?, pillar: Pillar?, position: Int?
    }

    /// The one check of a criterion's definition (`current` holds what a partial change leaves as it is).
    static func check(_ input: CriterionInput, current: Criterion?, set: CriteriaSet, on db: any Database) async throws -> Fields {
        var c = Checker()
        let code = code(&c, input.code ?? current?.code)
        let name = c.text("name", input.name ?? current?.name, max: 300)
        let nameEn = c.text("nameEn", input.nameEn ?? current?.nameEn, max: 300, required: false)
        let kindRaw = (input.thresholdKind ?? current?.thresholdKind.rawValue ?? "").trimmingCharacters(in: .whitespaces)
        let kind = ThresholdKind(rawValue: kindRaw)
        if kind == nil { c.add("thresholdKind", kindRaw.isEmpty ? "error.required" : "error.criteria.thresholdKind") }
        let unitRaw = (input.unitKind ?? current?.unitKind.rawValue ?? "").trimmingCharacters(in: .whitespaces)
        let unitKind = UnitKind(rawValue: unitRaw).flatMap { $0 == .group ? nil : $0 }
        if unitKind == nil { c.add("unitKind", unitRaw.isEmpty ? "error.required" : "error.criteria.unitKind") }
        let measureRaw = (input.measureKey ?? current?.measureKey ?? "").trimmingCharacters(in: .whitespaces)
        var measure: Measure? = nil
        if !measureRaw.isEmpty {
            if let m = Measures.byKey[measureRaw] {
                measure = m
                if let u = unitKind, !m.kinds.contains(u) {
                    c.add("measureKey", "error.criteria.measureKind", [measureRaw, u.rawValue])
                }
                if kind == .shareAtLeast && !m.hasDenominator { c.add("thresholdKind", "error.criteria.noDenominator", [measureRaw]) }
            } else {
                c.add("measureKey", "error.criteria.measure")
            }
        }
        var value = input.thresholdValue ?? current?.thresholdValue
        switch kind {
        case .shareAtLeast?:
            if let v = value { if !(v.isFinite && v >= 0 && v <= 100) { c.add("thresholdValue", "error.criteria.share") } }
            else { c.add("thresholdValue", "error.required") }
        case .countAtLeast?:
            if let v = value { if !(v.isFinite && v >= 0 && v <= 1_000_000_000) { c.add("thresholdValue", "error.criteria.count") } }
            else { c.add("thresholdValue", "error.required") }
        case .yesNo?: value = nil
        case nil: break
        }
        let group = c.text("groupName", input.groupName ?? current?.groupName, max: 200, required: false)
        let pillarRaw = (input.pillar ?? current?.pillar?.rawValue ?? "").trimmingCharacters(in: .whitespaces)
        let pillar = Pillar(rawValue: pillarRaw)
        if !pillarRaw.isEmpty && pillar == nil { c.add("pillar", "error.criteria.pillar") }
        if let p = input.position, !(0...100_000).contains(p) { c.add("position", "error.criteria.position") }
        if !code.isEmpty && isCode(code) {
            let q = Criterion.query(on: db).filter(\.$setID == set.id!).filter(\.$code == code)
            if let id = current?.id { q.filter(\.$id != id) }
            if try await q.first() != nil { c.add("code", "error.criteria.codeTaken") }
        }
        try c.check()
        return Fields(code: code, name: name, nameEn: nameEn.isEmpty ? nil : nameEn, measureKey: measure?.key, kind: kind!, value: value,
                      unitKind: unitKind!, mandatory: input.mandatory ?? current?.mandatory ?? true, groupName: group.isEmpty ? nil : group,
                      pillar: pillar, position: input.position ?? current?.position)
    }

    static func apply(_ f: Fields, to c: Criterion) {
        c.code = f.code; c.name = f.name; c.nameEn = f.nameEn; c.measureKey = f.measureKey; c.thresholdKind = f.kind
        c.thresholdValue = f.value; c.unitKind = f.unitKind; c.mandatory = f.mandatory; c.groupName = f.groupName; c.pillar = f.pillar
        if let p = f.position { c.position = p }
    }

    public static func createCriterion(in set: CriteriaSet, _ input: CriterionInput, on db: any Database) async throws -> Criterion {
        let f = try await check(input, current: nil, set: set, on: db)
        return try await db.auditedTransaction { db in
            let c = Criterion()
            c.id = UUID.random()
            c.setID = set.id!
            if f.position == nil {
                let last = try await Criterion.query(on: db).filter(\.$setID == set.id!).sort(\.$position, .descending).first()
                c.position = (last?.position ?? 0) + 10
            }
            apply(f, to: c)
            try await c.create(on: db)
            try await Audit.record("create", Criterion.schema, row: c.id, unit: set.ownerUnitID, after: CriteriaViews.dto(c), on: db)
            return c
        }
    }

    public static func updateCriterion(_ c: Criterion, in set: CriteriaSet, _ input: CriterionInput, on db: any Database) async throws -> Criterion {
        let f = try await check(input, current: c, set: set, on: db)
        let before = CriteriaViews.dto(c)
        return try await db.auditedTransaction { db in
            apply(f, to: c)
            try await c.update(on: db)
            try await Audit.record("update", Criterion.schema, row: c.id, unit: set.ownerUnitID, before: before, after: CriteriaViews.dto(c), on: db)
            return c
        }
    }

    /// A criterion with manual values is kept (409).
    public static func deleteCriterion(_ c: Criterion, in set: CriteriaSet, on db: any Database) async throws {
        try await db.auditedTransaction { db in
            if try await CriterionValue.query(on: db).filter(\.$criterionID == c.id!).count() > 0 {
                throw InvalidInput("id", "error.criteria.hasValues", status: .conflict)
            }
            try await c.delete(on: db)
            try await Audit.record("delete", Criterion.schema, row: c.id, unit: set.ownerUnitID, before: CriteriaViews.dto(c), on: db)
        }
    }

    // MARK: manual values

    /// A dated figure for `unit` on a criterion of a set that applies to it (shipped, or owned at or above the unit),
    /// of the criterion's unit kind; a share 0–100, a count ≥ 0, yes/no 1 or 0; not after today; with its source.
    public static func recordValue(_ input: ManualValueInput, unit: AdminUnit, access: Access, today: String, on db: any Database) async throws -> CriterionValue {
        var c = Checker()
        var criterion: Criterion? = nil
        let raw = (input.criterionId ?? "").trimmingCharacters(in: .whitespaces)
        if raw.isEmpty { c.add("criterionId", "error.required") }
        else if let id = UUID(uuidString: raw), let found = try await Criterion.find(id, on: db),
                let set = try await CriteriaSet.find(found.setID, on: db), try await CriteriaViews.applies(set, to: unit, on: db) {
            criterion = found
            if found.unitKind != unit.kind { c.add("criterionId", "error.criteria.valueKind", [found.unitKind.rawValue]) }
        } else { c.add("criterionId", "error.criteria.unknownCriterion") }
        let day = c.day("on", input.on, required: true)
        if let d = day, d > today { c.add("on", "error.criteria.future") }
        if let v = input.value, let k = criterion?.thresholdKind {
            switch k {
            case .shareAtLeast: if !(v.isFinite && v >= 0 && v <= 100) { c.add("value", "error.criteria.share") }
            case .countAtLeast: if !(v.isFinite && v >= 0 && v <= 1_000_000_000) { c.add("value", "error.criteria.count") }
            case .yesNo: if v != 0 && v != 1 { c.add("value", "error.criteria.yesNo") }
            }
        } else if input.value == nil { c.add("value", "error.required") }
        let source = c.text("source", input.source, max: 300)
        try c.check()
        let unitID = unit.id!, name = access.displayName, criterion_ = criterion
        return try await db.auditedTransaction { db in
            let criterion = criterion_
            let v = CriterionValue()
            v.id = UUID.random()
            v.criterionID = criterion!.id!; v.unitID = unitID; v.onDay = day!; v.value = input.value!; v.source = source
            v.recordedBy = access.personID; v.recordedByName = name.isEmpty ? "—" : name
            try await v.create(on: db)
            try await Audit.record("create", CriterionValue.schema, row: v.id, unit: unitID,
                                   after: ["criterion": criterion!.code, "on": v.onDay, "value": String(v.value), "source": source], on: db)
            return v
        }
    }
}
