// Changing the unit tree: create, update, move a village, merge communes, carry a pre-reform commune into
// its successor. Each is one transaction; bad input throws InvalidInput with the field at fault.
import Fluent
import SQLKit
import Vapor

public enum UnitActions {

    struct Checked {
        var kind: UnitKind
        var code: String
        var name: String
        var typeName: String
        var parent: AdminUnit?
        var validFrom: String
        var validTo: String
    }

    /// Validates a unit's fields; `existing` is the unit being updated (its kind and parent stand).
    static func check(_ input: UnitInput, existing: AdminUnit?, on db: any Database) async throws -> Checked {
        var c = Checker()
        var kind = existing?.kind
        if existing == nil {
            if let k = UnitKind(rawValue: (input.kind ?? "").trimmingCharacters(in: .whitespaces)) { kind = k }
            else { c.add("kind", (input.kind ?? "").isEmpty ? "error.required" : "error.unitKind") }
        }
        let name = c.text("name", input.name ?? existing?.name, max: 200)
        let typeNameRaw = c.text("typeName", input.typeName ?? existing?.typeName, max: 50, required: false)
        let code = c.text("code", input.code ?? existing?.code, max: 20)
        if let kind, !code.isEmpty {
            if let len = kind.officialCodeLength {
                if code.count != len || !code.allSatisfy({ $0.isASCII && $0.isNumber }) { c.add("code", "error.officialCode", [String(len)]) }
            } else if !Codes.isLocal(code, max: 20) {
                c.add("code", "error.localCode")
            }
        }
        let from = c.day("validFrom", input.validFrom ?? existing.map { $0.validFrom == Day.distantPast ? "" : $0.validFrom }) ?? Day.distantPast
        let to = c.day("validTo", input.validTo ?? existing.map { $0.validTo == Day.distantFuture ? "" : $0.validTo }) ?? Day.distantFuture
        if from >= to { c.add("validTo", "error.periodOrder") }

        var parent: AdminUnit? = nil
        if let existing {
            if let p = existing.parentID { parent = try await AdminUnit.find(p, on: db) }
        } else if let kind {
            let raw = (input.parentId ?? "").trimmingCharacters(in: .whitespaces)
            if kind == .province {
                if !raw.isEmpty { c.add("parentId", "error.provinceNoParent") }
            } else if raw.isEmpty {
                c.add("parentId", "error.required")
            } else if let pid = UUID(uuidString: raw), let p = try await AdminUnit.find(pid, on: db) {
                if !kind.parentKinds.contains(p.kind) {
                    c.add("parentId", "error.parentKind", [p.name])
                } else if from != Day.distantPast && p.validTo <= from {
                    c.add("parentId", "error.parentEnded", [p.name])
                } else {
                    parent = p
                }
            } else {
                c.add("parentId", "error.unknownParent")
            }
        }
        try c.check()
        let k = kind!
        return Checked(kind: k, code: code, name: name, typeName: typeNameRaw.isEmpty ? k.defaultTypeName : typeNameRaw,
                       parent: parent, validFrom: from, validTo: to)
    }

    /// Another unit that would carry the same code at the same time: official codes are unique per kind,
    /// village and group codes within their commune.
    static func codeClash(kind: UnitKind, code: String, communeID: UUID?, from: String, to: String,
                          excluding: UUID?, on db: any Database) async throws -> AdminUnit? {
        let q = AdminUnit.query(on: db).filter(\.$kind == kind).filter(\.$code == code)
            .filter(\.$validFrom < to).filter(\.$validTo > from)
        if kind == .village || kind == .group { q.filter(\.$communeID == communeID) }
        if let excluding { q.filter(\.$id != excluding) }
        return try await q.first()
    }

    public static func create(_ input: UnitInput, on db: any Database) async throws -> AdminUnit {
        try await db.auditedTransaction { db in
            let v = try await check(input, existing: nil, on: db)
            let communeID: UUID? = switch v.kind {
            case .village: v.parent?.id
            case .group: v.parent?.communeID
            default: nil
            }
            if try await codeClash(kind: v.kind, code: v.code, communeID: communeID, from: v.validFrom, to: v.validTo,
                                   excluding: nil, on: db) != nil {
                throw InvalidInput("code", "error.duplicateCode", [v.code])
            }
            let unit = AdminUnit(id: UUID.random(), kind: v.kind, code: v.code, name: v.name, typeName: v.typeName,
                                 parentID: v.parent?.id, communeID: communeID, validFrom: v.validFrom, validTo: v.validTo)
            try await unit.create(on: db)
            if let p = v.parent {
                try await UnitLink(unitID: unit.id!, parentID: p.id!, validFrom: v.validFrom).create(on: db)
            }
            try await UnitClosure.refresh([unit.id!], on: db)
            try await Audit.record("create", AdminUnit.schema, row: unit.id, unit: unit.id, after: unit.toDTO(), on: db)
            return unit
        }
    }

    public static func update(_ unit: AdminUnit, _ input: UnitInput, on db: any Database) async throws -> AdminUnit {
        try await db.auditedTransaction { db in
            let v = try await check(input, existing: unit, on: db)
            if try await codeClash(kind: unit.kind, code: v.code, communeID: unit.communeID, from: v.validFrom,
                                   to: v.validTo, excluding: unit.id, on: db) != nil {
                throw InvalidInput("code", "error.duplicateCode", [v.code])
            }
            let before = unit.toDTO()
            unit.code = v.code
            unit.name = v.name
            unit.typeName = v.typeName
            unit.validFrom = v.validFrom
            unit.validTo = v.validTo
            unit.searchKey = Fold.key([v.code, v.name])
            if unit.hasChanges {
                try await unit.update(on: db)
                try await Audit.record("update", AdminUnit.schema, row: unit.id, unit: unit.id, before: before, after: unit.toDTO(), on: db)
                // Its period bounds every path through it.
                if before.validFrom != unit.toDTO().validFrom || before.validTo != unit.toDTO().validTo {
                    try await UnitClosure.refresh([unit.id!], on: db)
                }
            }
            return unit
        }
    }

    /// Moves a village into another commune from `date`: its link to the old commune ends, a new one starts,
    /// its groups and households follow. The old link stays, so its history can still be asked.
    public static func move(village: AdminUnit, input: MoveInput, on db: any Database) async throws -> MoveResult {
        var c = Checker()
        if village.kind != .village { c.add("id", "error.onlyVillages") }
        let date = c.day("date", input.date, required: true)
        var target: AdminUnit? = nil
        let raw = (input.communeId ?? "").trimmingCharacters(in: .whitespaces)
        if raw.isEmpty { c.add("communeId", "error.required") }
        else if let id = UUID(uuidString: raw), let t = try await AdminUnit.find(id, on: db), t.kind == .commune { target = t }
        else { c.add("communeId", "error.unknownCommune") }
        try c.check()
        let into = target!
        return try await db.auditedTransaction { db in
            try await moveVillages([village], into: into, on: date!, db: db)
        }
    }

    /// Merges communes into an existing commune or a new one, from `date`: the sources end on that date,
    /// successions are recorded, villages (with their groups and households) move.
    public static func merge(_ input: MergeInput, on db: any Database) async throws -> MoveResult {
        var c = Checker()
        let date = c.day("date", input.date, required: true)
        var sources: [AdminUnit] = []
        let rawSources = input.sourceIds ?? []
        if rawSources.isEmpty { c.add("sourceIds", "error.required") }
        for raw in rawSources {
            if let id = UUID(uuidString: raw.trimmingCharacters(in: .whitespaces)), let u = try await AdminUnit.find(id, on: db), u.kind == .commune {
                if !sources.contains(where: { $0.id == u.id }) { sources.append(u) }
            } else {
                c.add("sourceIds", "error.unknownCommune")
            }
        }
        var target: AdminUnit? = nil
        if let raw = input.targetId?.trimmingCharacters(in: .whitespaces), !raw.isEmpty {
            if let id = UUID(uuidString: raw), let t = try await AdminUnit.find(id, on: db), t.kind == .commune { target = t }
            else { c.add("targetId", "error.unknownCommune") }
            if input.newCommune != nil { c.add("newCommune", "error.targetOrNew") }
        } else if input.newCommune == nil {
            c.add("targetId", "error.required")
        }
        if let t = target, sources.contains(where: { $0.id == t.id }) { c.add("targetId", "error.mergeIntoItself") }
        try c.check()
        let (target0, sources0) = (target, sources)
        return try await db.auditedTransaction { db in
            var into: AdminUnit
            if let target0 { into = target0 }
            else {
                var spec = input.newCommune!
                spec.kind = UnitKind.commune.rawValue
                if spec.validFrom == nil { spec.validFrom = date }
                do { into = try await create(spec, on: db) }
                catch let e as InvalidInput {
                    throw InvalidInput(e.issues.map { FieldIssue("newCommune." + $0.field, $0.key, $0.args) })
                }
            }
            var villages: [AdminUnit] = []
            for s in sources0 {
                if s.validTo > date! {
                    let before = s.toDTO()
                    s.validTo = date!
                    try await s.update(on: db)
                    try await Audit.record("update", AdminUnit.schema, row: s.id, unit: s.id, before: before, after: s.toDTO(), on: db)
                    // Its own place in the tree ends with it.
                    for l in try await UnitLink.query(on: db).filter(\.$unitID == s.id!).filter(\.$validTo > date!).all() {
                        l.validTo = max(date!, l.validFrom)
                        try await l.update(on: db)
                    }
                }
                let exists = try await UnitSuccession.query(on: db).filter(\.$predecessorID == s.id!)
                    .filter(\.$successorID == into.id!).count() > 0
                if !exists {
                    try await UnitSuccession(predecessorID: s.id!, successorID: into.id!, onDate: date!, whole: true,
                                             note: "").create(on: db)
                }
                villages += try await AdminUnit.query(on: db).filter(\.$parentID == s.id!).filter(\.$kind == .village)
                    .filter(\.$validTo > date!).all()
            }
            // Their own periods and links changed: every path through them too.
            try await UnitClosure.refresh(sources0.map { $0.id! }, on: db)
            return try await moveVillages(villages, into: into, on: date!, db: db, field: "targetId")
        }
    }

    /// A commune that ended in the reform goes into its successor per the official table: the one successor,
    /// or the one chosen when it was split across several.
    /// The successor must lie inside the caller's units too (`access`; nil for the CLI and the demo).
    public static func carry(_ commune: AdminUnit, input: CarryInput, access: Access? = nil, on db: any Database) async throws -> MoveResult {
        guard commune.kind == .commune else { throw InvalidInput("id", "error.onlyCommunes") }
        let succs = try await UnitSuccession.query(on: db).filter(\.$predecessorID == commune.id!).all()
        guard !succs.isEmpty else { throw InvalidInput("targetId", "error.noSuccessor", [commune.name]) }
        let chosen: UnitSuccession
        if let raw = input.targetId, !raw.isEmpty {
            guard let s = succs.first(where: { $0.successorID.uuidString.lowercased() == raw.lowercased() }) else {
                throw InvalidInput("targetId", "error.notASuccessor")
            }
            chosen = s
        } else if succs.count == 1 {
            chosen = succs[0]
        } else if let whole = succs.filter(\.whole).first, succs.filter(\.whole).count == 1 {
            chosen = whole
        } else {
            throw InvalidInput("targetId", "error.chooseSuccessor", [String(succs.count)])
        }
        if let access {
            guard let successor = try await AdminUnit.find(chosen.successorID, on: db), try await access.allows(.manageUnits, successor, on: db) else {
                throw InvalidInput("targetId", "error.unknownUnit")
            }
        }
        let date = commune.validTo == Day.distantFuture ? chosen.onDate : commune.validTo
        return try await merge(MergeInput(sourceIds: [commune.id!.uuidString], targetId: chosen.successorID.uuidString,
                                          newCommune: nil, date: date), on: db)
    }

    static func moveVillages(_ villages: [AdminUnit], into target: AdminUnit, on date: String, db: any Database,
                             field: String = "communeId") async throws -> MoveResult {
        guard target.isInForce(on: date) else { throw InvalidInput(field, "error.targetNotInForce", [target.name, Day.display(date)]) }
        // Codes must stay unique within the commune they go into.
        var clashes: [String] = []
        var seen = Set<String>()
        for v in villages {
            if v.parentID == target.id { throw InvalidInput(field, "error.alreadyThere", [v.name, target.name]) }
            if !seen.insert(v.code).inserted { clashes.append(v.code) }
            if try await codeClash(kind: .village, code: v.code, communeID: target.id, from: date, to: v.validTo,
                                   excluding: v.id, on: db) != nil { clashes.append(v.code) }
        }
        // Group codes too are unique within a commune.
        let movingGroups = villages.isEmpty ? [] : try await AdminUnit.query(on: db).filter(\.$parentID ~~ villages.map { $0.id! })
            .filter(\.$kind == .group).filter(\.$validTo > date).all()
        for g in movingGroups {
            if !seen.insert("group|" + g.code).inserted { clashes.append(g.code) }
            if try await codeClash(kind: .group, code: g.code, communeID: target.id, from: date, to: g.validTo,
                                   excluding: g.id, on: db) != nil { clashes.append(g.code) }
        }
        if !clashes.isEmpty { throw InvalidInput(field, "error.codesClash", [clashes.joined(separator: ", ")]) }
        guard let sql = db as? any SQLDatabase else { throw Abort(.internalServerError) }
        var households = 0
        for v in villages {
            let open = try await UnitLink.query(on: db).filter(\.$unitID == v.id!).filter(\.$validTo > date).all()
            for l in open {
                if l.validFrom >= date { throw InvalidInput("date", "error.dateBeforeLink", [v.name, Day.display(l.validFrom)]) }
                l.validTo = date
                try await l.update(on: db)
            }
            try await UnitLink(unitID: v.id!, parentID: target.id!, validFrom: date).create(on: db)
            let before = v.toDTO()
            v.parentID = target.id
            v.communeID = target.id
            try await v.update(on: db)
            try await Audit.record("move", AdminUnit.schema, row: v.id, unit: v.id, before: before, after: v.toDTO(), on: db)
            try await sql.update("admin_units").set("commune_id", to: target.id!).where("parent_id", .equal, v.id!).run()
            households += try await Household.query(on: db).filter(\.$villageID == v.id!).count()
            try await sql.update("households").set("commune_id", to: target.id!).where("village_id", .equal, v.id!).run()
        }
        try await UnitClosure.refresh(villages.map { $0.id! }, on: db)
        return MoveResult(target: target.toDTO(), villagesMoved: villages.count, householdsMoved: households)
    }
}
