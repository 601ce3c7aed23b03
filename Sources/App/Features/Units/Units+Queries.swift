// Reading the unit tree: one unit, its children on a date, its ancestors, its parent on a date, its history,
// and the counts below it. HTML pages and JSON routes call these same functions.
import Fluent
import SQLKit
import Vapor

public enum UnitQueries {
    public static func find(_ id: UUID, on db: any Database) async throws -> AdminUnit {
        guard let u = try await AdminUnit.find(id, on: db) else { throw Abort(.notFound) }
        return u
    }

    public struct Filter: Sendable {
        public var parentID: UUID?
        public var kind: UnitKind?
        public var search: String?
        /// Units in force (and under the parent) on this day.
        public var day: String
        /// The caller's root units (Support/Access.swift); nil: everywhere.
        public var scope: [AdminUnit]?
        public init(parentID: UUID? = nil, kind: UnitKind? = nil, search: String? = nil, day: String = Day.today(),
                    scope: [AdminUnit]? = nil) {
            self.parentID = parentID; self.kind = kind; self.search = search; self.day = day; self.scope = scope
        }
    }

    /// Units matching the filter, by kind then code. Without a parent and without a search: the provinces.
    public static func list(_ f: Filter, page: PageRequest, on db: any Database) async throws -> (units: [AdminUnit], total: Int) {
        let q = AdminUnit.query(on: db)
            .filter(\.$validFrom <= f.day).filter(\.$validTo > f.day)
        if let p = f.parentID {
            q.join(UnitLink.self, on: \UnitLink.$unitID == \AdminUnit.$id)
                .filter(UnitLink.self, \.$parentID == p)
                .filter(UnitLink.self, \.$validFrom <= f.day)
                .filter(UnitLink.self, \.$validTo > f.day)
        } else if Fold.key(f.search ?? "").isEmpty && f.kind == nil {
            // The top of what the caller may see: provinces, or the units their roles are granted on.
            if let scope = f.scope { q.filter(\.$id ~~ scope.map { $0.id! }) } else { q.filter(\.$kind == .province) }
        }
        if let scope = f.scope, f.parentID == nil { try await UnitScope.restrict(q, to: scope, on: db) }
        if let k = f.kind { q.filter(\.$kind == k) }
        if let s = f.search, !Fold.key(s).isEmpty {
            q.filter(Fold.matches("admin_units", s))
        }
        let total = try await q.count()
        let units = try await q.sort(\.$kind).sort(\.$code).range(page.offset..<(page.offset + page.per)).all()
        return (units, total)
    }

    /// Root first, the unit itself last; follows the current parent.
    public static func lineage(of unit: AdminUnit, on db: any Database) async throws -> [AdminUnit] {
        guard let first = unit.parentID else { return [unit] }
        let above = try await ancestors(of: first, on: db)
        return above.reversed() + [unit]
    }

    /// The unit `id` and the units above it through current parents, nearest first, in one query (closure table).
    public static func ancestors(of id: UUID, on db: any Database) async throws -> [AdminUnit] {
        guard let sql = db as? any SQLDatabase else { return [] }
        let rows = try await sql.raw("""
            SELECT admin_units.* FROM unit_closure c JOIN admin_units ON admin_units.id = c.ancestor_id
            WHERE c.descendant_id = \(bind: id) AND c.is_current = \(bind: true) ORDER BY c.depth
            """).all()
        return try rows.map { try $0.decode(model: AdminUnit.self) }
    }

    /// The unit's parent on a day, from its link history.
    public static func parent(of unitID: UUID, on day: String, db: any Database) async throws -> AdminUnit? {
        guard let link = try await UnitLink.query(on: db).filter(\.$unitID == unitID)
            .filter(\.$validFrom <= day).filter(\.$validTo > day).first() else { return nil }
        return try await AdminUnit.find(link.parentID, on: db)
    }

    public static func history(of unit: AdminUnit, on db: any Database) async throws -> UnitHistoryDTO {
        let today = Day.today()
        let links = try await UnitLink.query(on: db).filter(\.$unitID == unit.id!).sort(\.$validFrom).all()
        let preds = try await UnitSuccession.query(on: db).filter(\.$successorID == unit.id!).all()
        let succs = try await UnitSuccession.query(on: db).filter(\.$predecessorID == unit.id!).all()
        let ids = Set(links.map(\.parentID) + preds.map(\.predecessorID) + succs.map(\.successorID) + [unit.id!])
        let units = try await AdminUnit.query(on: db).filter(\.$id ~~ Array(ids)).all()
        let byID = Dictionary(uniqueKeysWithValues: units.map { ($0.id!, $0.toDTO(today: today)) })
        func succession(_ s: UnitSuccession) -> SuccessionDTO? {
            guard let p = byID[s.predecessorID], let n = byID[s.successorID] else { return nil }
            return SuccessionDTO(predecessor: p, successor: n, date: s.onDate, whole: s.whole, note: s.note)
        }
        return UnitHistoryDTO(
            unit: byID[unit.id!]!,
            parents: links.compactMap { l in byID[l.parentID].map {
                UnitLinkDTO(parent: $0, validFrom: l.validFrom == Day.distantPast ? nil : l.validFrom,
                            validTo: l.validTo == Day.distantFuture ? nil : l.validTo)
            } },
            predecessors: preds.compactMap(succession).sorted { $0.predecessor.code < $1.predecessor.code },
            successors: succs.compactMap(succession).sorted { $0.successor.code < $1.successor.code })
    }

    /// Ids of the units in force today directly under any of `parents`, of the given kinds.
    /// With `day` nil, every unit under the parents whatever its period (for scope: a pre-reform commune still
    /// holding villages stays inside its province).
    static func childIDs(of parents: [UUID], kinds: [UnitKind], on sql: any SQLDatabase, day: String?) async throws -> [UUID] {
        guard !parents.isEmpty else { return [] }
        var out: [UUID] = []
        for chunk in parents.chunked(900) {
            var q = sql.select().column("id").from("admin_units")
                .where("parent_id", .in, chunk)
                .where("kind", .in, kinds.map(\.rawValue))
            if let day { q = q.where("valid_from", .lessThanOrEqual, day).where("valid_to", .greaterThan, day) }
            let rows = try await q.all()
            for r in rows { out.append(try r.decode(column: "id", as: UUID.self)) }
        }
        return out
    }

    /// The communes in force today under a province or district (directly, or through districts).
    public static func communeIDs(under unit: AdminUnit, on db: any Database, inForceOnly: Bool = true) async throws -> [UUID] {
        guard let sql = db as? any SQLDatabase else { throw Abort(.internalServerError) }
        let day: String? = inForceOnly ? Day.today() : nil
        switch unit.kind {
        case .commune: return [unit.id!]
        case .province, .district:
            let districts = try await childIDs(of: [unit.id!], kinds: [.district], on: sql, day: day)
            return try await childIDs(of: [unit.id!] + districts, kinds: [.commune], on: sql, day: day)
        case .village, .group: return []
        }
    }

    /// Counts below a unit, from the rows (units in force today; households and residents as registered).
    public static func summary(of unit: AdminUnit, on db: any Database) async throws -> UnitSummary {
        guard let sql = db as? any SQLDatabase else { throw Abort(.internalServerError) }
        let day = Day.today()
        let id = unit.id!
        var communes: [UUID] = []
        var villages: [UUID] = []
        var groups: [UUID] = []
        switch unit.kind {
        case .province, .district:
            communes = try await communeIDs(under: unit, on: db)
            villages = try await childIDs(of: communes, kinds: [.village], on: sql, day: day)
            groups = try await childIDs(of: villages, kinds: [.group], on: sql, day: day)
        case .commune:
            communes = [id]
            villages = try await childIDs(of: [id], kinds: [.village], on: sql, day: day)
            groups = try await childIDs(of: villages, kinds: [.group], on: sql, day: day)
        case .village:
            villages = [id]
            groups = try await childIDs(of: [id], kinds: [.group], on: sql, day: day)
        case .group:
            groups = [id]
        }
        let (column, scope): (String, [UUID]) = switch unit.kind {
        case .province, .district, .commune: ("commune_id", communes)
        case .village: ("village_id", villages)
        case .group: ("group_id", groups)
        }
        var households = 0, residents = 0
        for chunk in scope.chunked(900) {
            households += try await count(sql, "SELECT COUNT(*) AS n FROM households WHERE \(column) IN", chunk)
            residents += try await count(sql, "SELECT COUNT(*) AS n FROM residents r JOIN households h ON h.id = r.household_id WHERE h.\(column) IN", chunk)
        }
        return UnitSummary(
            communes: (unit.kind == .province || unit.kind == .district) ? communes.count : nil,
            villages: unit.kind == .group ? 0 : villages.count,
            groups: groups.count, households: households, residents: residents)
    }

    private static func count(_ sql: any SQLDatabase, _ prefix: String, _ ids: [UUID]) async throws -> Int {
        var q = SQLQueryString(prefix + " (")
        for (i, idv) in ids.enumerated() {
            if i > 0 { q.appendLiteral(", ") }
            q.appendInterpolation(bind: idv)
        }
        q.appendLiteral(")")
        guard let row = try await sql.raw(q).first() else { return 0 }
        return try row.decode(column: "n", as: Int.self)
    }

    /// The unit of a kind with an official code: the one in force today, else the one that ended last.
    public static func byCode(_ code: String, kind: UnitKind, on db: any Database) async throws -> AdminUnit? {
        let all = try await AdminUnit.query(on: db).filter(\.$kind == kind).filter(\.$code == code).all()
        let today = Day.today()
        return all.first { $0.isInForce(on: today) } ?? all.max { $0.validTo < $1.validTo }
    }
}

extension Array {
    func chunked(_ size: Int) -> [[Element]] {
        stride(from: 0, to: count, by: size).map { Array(self[$0..<Swift.min($0 + size, count)]) }
    }
}
