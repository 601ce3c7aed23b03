// The unit closure table: one row for every unit and each unit above it (and the unit itself at depth 0), with the
// period the whole path held (the intersection of the links' periods along it) and whether the path follows each
// unit's current parent. "Inside these units" is then one indexed lookup instead of a walk up the parents:
// `current` rows answer the scope question (Access, lists), the periods answer "which commune held this village on
// a day" across moves and merges. The table is derived from `admin_units.parent_id` and `unit_links`: the unit
// actions refresh the rows of the units they create or move in the same transaction, a bulk load rebuilds it, and
// `thonso units check-closure` recomputes it and compares (docs/units.md, "The closure table").
import Fluent
import SQLKit
import Vapor

public enum UnitClosure {
    public static let schema = "unit_closure"

    public struct Row: Hashable, Sendable, CustomStringConvertible {
        public var ancestor: UUID
        public var descendant: UUID
        public var depth: Int
        public var validFrom: String
        public var validTo: String
        public var current: Bool
        public var description: String { "\(ancestor)→\(descendant) d\(depth) [\(validFrom), \(validTo)) \(current ? "current" : "past")" }
    }

    /// What the computation needs of a unit: its own period, its current parent, its links.
    struct Node {
        var validFrom: String
        var validTo: String
        var parent: UUID?
        var links: [(parent: UUID, from: String, to: String)]
    }

    /// The rows of `unit`, walking up every link whose period meets the path's so far. A path is current when each
    /// step is its unit's current parent through the latest link to it (or, for data without links, the parent).
    static func rows(of unit: UUID, nodes: [UUID: Node]) -> [Row] {
        guard let me = nodes[unit] else { return [] }
        var out = [Row(ancestor: unit, descendant: unit, depth: 0, validFrom: me.validFrom, validTo: me.validTo, current: true)]
        func climb(_ at: UUID, depth: Int, from: String, to: String, current: Bool) {
            guard depth < 8, let n = nodes[at] else { return }
            var steps = n.links
            if steps.isEmpty, let p = n.parent { steps = [(p, Day.distantPast, Day.distantFuture)] }
            // The link that makes `parent` current: the latest one to it.
            let currentLink = n.parent.flatMap { p in steps.indices.filter { steps[$0].parent == p }.max { steps[$0].from < steps[$1].from } }
            for (i, l) in steps.enumerated() {
                let isCurrent = current && i == currentLink
                let f = max(from, l.from), t = min(to, l.to)
                // A past path that never held is no path; a current one is kept whatever its period (scope).
                guard f < t || isCurrent else { continue }
                out.append(Row(ancestor: l.parent, descendant: unit, depth: depth + 1, validFrom: f, validTo: t, current: isCurrent))
                climb(l.parent, depth: depth + 1, from: f, to: t, current: isCurrent)
            }
        }
        climb(unit, depth: 0, from: me.validFrom, to: me.validTo, current: true)
        return out
    }

    static func sql(_ db: any Database) -> any SQLDatabase { db as! any SQLDatabase }

    /// Loads units and links for `ids` and everything above them (whole table when nil), in a few queries.
    static func nodes(for ids: [UUID]?, on db: any Database) async throws -> [UUID: Node] {
        let sql = sql(db)
        var nodes: [UUID: Node] = [:]
        func add(_ units: [any SQLRow], _ links: [any SQLRow]) throws {
            for r in units {
                nodes[try r.decode(column: "id", as: UUID.self)] = Node(
                    validFrom: try r.decode(column: "valid_from", as: String.self), validTo: try r.decode(column: "valid_to", as: String.self),
                    parent: try r.decode(column: "parent_id", as: UUID?.self), links: [])
            }
            for l in links {
                let u = try l.decode(column: "unit_id", as: UUID.self)
                nodes[u]?.links.append((try l.decode(column: "parent_id", as: UUID.self),
                                        try l.decode(column: "valid_from", as: String.self), try l.decode(column: "valid_to", as: String.self)))
            }
        }
        guard var frontier = ids else {
            try add(try await sql.select().columns("id", "valid_from", "valid_to", "parent_id").from(AdminUnit.schema).all(),
                    try await sql.select().columns("unit_id", "parent_id", "valid_from", "valid_to").from(UnitLink.schema).all())
            return nodes
        }
        // Level by level upwards (at most the tree's depth, each level in chunks).
        while !frontier.isEmpty {
            var next = Set<UUID>()
            for chunk in frontier.chunked(900) {
                let units = try await sql.select().columns("id", "valid_from", "valid_to", "parent_id").from(AdminUnit.schema).where("id", .in, chunk).all()
                let links = try await sql.select().columns("unit_id", "parent_id", "valid_from", "valid_to").from(UnitLink.schema).where("unit_id", .in, chunk).all()
                try add(units, links)
                for id in chunk { for p in (nodes[id]?.links.map(\.parent) ?? []) + [nodes[id]?.parent].compactMap({ $0 }) where nodes[p] == nil { next.insert(p) } }
            }
            frontier = Array(next)
        }
        return nodes
    }

    static func insert(_ rows: [Row], on db: any Database) async throws {
        try await Bulk.insert(sql(db), into: schema, columns: ["ancestor_id", "descendant_id", "depth", "valid_from", "valid_to", "is_current"],
                              rows: rows.map { [$0.ancestor, $0.descendant, $0.depth, $0.validFrom, $0.validTo, $0.current] })
    }

    /// Recomputes the rows of `units` and of every unit below them (call inside the transaction that changed them).
    public static func refresh(_ units: [UUID], on db: any Database) async throws {
        guard !units.isEmpty else { return }
        let sql = sql(db)
        // The units below, by the table itself (their rows name these units as ancestors), plus the units.
        var affected = Set(units)
        for chunk in units.chunked(900) {
            for r in try await sql.select().column("descendant_id").from(schema).where("ancestor_id", .in, chunk).all() {
                affected.insert(try r.decode(column: "descendant_id", as: UUID.self))
            }
            // Children not in the table yet (created in this transaction before their parent's refresh).
            for r in try await sql.select().column("id").from(AdminUnit.schema).where("parent_id", .in, chunk).all() {
                affected.insert(try r.decode(column: "id", as: UUID.self))
            }
        }
        let ids = Array(affected)
        let nodes = try await nodes(for: ids, on: db)
        for chunk in ids.chunked(900) {
            try await sql.delete(from: schema).where("descendant_id", .in, chunk).run()
        }
        try await insert(ids.flatMap { rows(of: $0, nodes: nodes) }, on: db)
    }

    /// Every row, computed from the units and links.
    static func computeAll(on db: any Database) async throws -> [Row] {
        let nodes = try await nodes(for: nil, on: db)
        return nodes.keys.flatMap { rows(of: $0, nodes: nodes) }
    }

    /// Empties the table and fills it again (after a bulk load, and by the migration that creates it).
    @discardableResult
    public static func rebuild(on db: any Database) async throws -> Int {
        let all = try await computeAll(on: db)
        try await sql(db).delete(from: schema).run()
        try await insert(all, on: db)
        return all.count
    }

    /// The table as stored.
    static func stored(on db: any Database) async throws -> [Row] {
        try await sql(db).select().columns("ancestor_id", "descendant_id", "depth", "valid_from", "valid_to", "is_current").from(schema).all().map {
            Row(ancestor: try $0.decode(column: "ancestor_id", as: UUID.self), descendant: try $0.decode(column: "descendant_id", as: UUID.self),
                depth: try $0.decode(column: "depth", as: Int.self), validFrom: try $0.decode(column: "valid_from", as: String.self),
                validTo: try $0.decode(column: "valid_to", as: String.self), current: try $0.decode(column: "is_current", as: Bool.self))
        }
    }

    /// Rows missing from the table and rows it should not have (both empty when it is right).
    public static func check(on db: any Database) async throws -> (missing: [Row], extra: [Row]) {
        let want = Set(try await computeAll(on: db)), have = Set(try await stored(on: db))
        return (Array(want.subtracting(have)), Array(have.subtracting(want)))
    }

    // MARK: - The scope predicate

    /// SQL: whether `table.column` names a unit at or below one of `roots` (through current parents). For SQLKit
    /// queries `.where(UnitClosure.below("households", "village_id", roots))`, for Fluent `.filter(.sql(…))`.
    public static func below(_ table: String, _ column: String, _ roots: [UUID]) -> any SQLExpression {
        guard !roots.isEmpty else { return SQLRaw("1 = 0") }
        return SQLBinaryExpression(
            left: SQLColumn(column, table: table), op: SQLBinaryOperator.in,
            right: SQLGroupExpression(SQLSelect.subquery(roots)))
    }

    /// SQL: whether a row that carries a village and an optional group (a household) lies at or below one of
    /// `roots`. A group has nothing below it, so a group root is matched on the group column directly and every
    /// other root through the closure table on the village column. With no group among the roots (the usual case)
    /// this is one `IN (subquery)`, which PostgreSQL plans as a semi-join; `village IN (…) OR group IN (…)` made it
    /// test every row of the table (docs/benchmarks.md, "Scope").
    public static func villageOrGroupBelow(_ table: String, roots: [AdminUnit]) -> any SQLExpression {
        let groups = roots.filter { $0.kind == .group }.compactMap(\.id)
        let others = roots.filter { $0.kind != .group }.compactMap(\.id)
        let byGroup = SQLBinaryExpression(left: SQLColumn("group_id", table: table), op: SQLBinaryOperator.in,
                                          right: SQLGroupExpression(groups.map { SQLBind($0) as any SQLExpression }))
        switch (others.isEmpty, groups.isEmpty) {
        case (true, true): return SQLRaw("1 = 0")
        case (false, true): return below(table, "village_id", others)
        case (true, false): return byGroup
        case (false, false): return SQLGroupExpression(SQLBinaryExpression(below(table, "village_id", others), .or, byGroup))
        }
    }

    /// SQL: whether `table.column` names a unit at, below or above one of `roots` (through current parents): a unit
    /// that an invitation to a whole commune reaches from a village head's village, and the other way round.
    public static func atOrAround(_ table: String, _ column: String, _ roots: [UUID]) -> any SQLExpression {
        guard !roots.isEmpty else { return SQLRaw("1 = 0") }
        var above = SQLSelect()
        above.columns = [SQLColumn("ancestor_id")]
        above.tables = [SQLIdentifier(UnitClosure.schema)]
        above.predicate = SQLBinaryExpression(
            left: SQLBinaryExpression(left: SQLColumn("descendant_id"), op: SQLBinaryOperator.in,
                                      right: SQLGroupExpression(roots.map { SQLBind($0) as any SQLExpression })),
            op: SQLBinaryOperator.and,
            right: SQLBinaryExpression(left: SQLColumn("is_current"), op: SQLBinaryOperator.equal, right: SQLBind(true)))
        return SQLGroupExpression(SQLBinaryExpression(
            below(table, column, roots), .or,
            SQLBinaryExpression(left: SQLColumn(column, table: table), op: SQLBinaryOperator.in, right: SQLGroupExpression(above))))
    }

    /// Whether `unit` is at or below one of `roots` (through current parents): one indexed lookup.
    public static func isBelow(_ unit: UUID, roots: [UUID], on db: any Database) async throws -> Bool {
        guard !roots.isEmpty else { return false }
        let row = try await sql(db).select().column(SQLLiteral.numeric("1"), as: "one").from(schema)
            .where("descendant_id", .equal, unit).where("ancestor_id", .in, roots).where("is_current", .equal, true)
            .limit(1).first()
        return row != nil
    }
}

extension UnitClosure {
    /// Raw-SQL form of the scope predicate for rows that carry a village and a group (deliveries, households):
    /// the village, or for a group root the group, is at or below one of `roots`.
    public static func deliveriesBelow(_ roots: [UUID], alias: String) -> SQLQueryString {
        if roots.isEmpty { return "1 = 0" }
        let sub: SQLQueryString = "SELECT descendant_id FROM unit_closure WHERE ancestor_id IN (\(binds: roots)) AND is_current = \(bind: true)"
        return "(\(unsafeRaw: alias)village_id IN (\(sub)) OR \(unsafeRaw: alias)group_id IN (\(sub)))"
    }

    /// `ids` and every unit above them through current parents.
    public static func ancestors(of ids: [UUID], on db: any Database) async throws -> Set<UUID> {
        guard !ids.isEmpty else { return [] }
        var out = Set(ids)
        for chunk in ids.chunked(900) {
            for r in try await sql(db).select().column("ancestor_id").from(schema).where("descendant_id", .in, chunk)
                .where("is_current", .equal, true).all() {
                out.insert(try r.decode(column: "ancestor_id", as: UUID.self))
            }
        }
        return out
    }
}

extension SQLSelect {
    /// `SELECT descendant_id FROM unit_closure WHERE ancestor_id IN (roots) AND current`.
    static func subquery(_ roots: [UUID]) -> SQLSelect {
        var s = SQLSelect()
        s.columns = [SQLColumn("descendant_id")]
        s.tables = [SQLIdentifier(UnitClosure.schema)]
        s.predicate = SQLBinaryExpression(
            left: SQLBinaryExpression(left: SQLColumn("ancestor_id"), op: SQLBinaryOperator.in,
                                      right: SQLGroupExpression(roots.map { SQLBind($0) as any SQLExpression })),
            op: SQLBinaryOperator.and,
            right: SQLBinaryExpression(left: SQLColumn("is_current"), op: SQLBinaryOperator.equal, right: SQLBind(true)))
        return s
    }
}
