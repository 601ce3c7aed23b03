// The unit tree the benchmarks write into (`thonso bench import`, `bench fanout`), and `thonso bench scope`.
import Fluent
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import SQLKit
import Vapor

enum UnitsBench {
    /// A bench province (99) and commune (99999) with 4 villages of 9 groups, made once.
    static func commune(_ db: any Database) async throws -> AdminUnit {
        if let c = try await UnitQueries.byCode("99999", kind: .commune, on: db) { return c }
        var p = try await UnitQueries.byCode("99", kind: .province, on: db)
        if p == nil { p = try await UnitActions.create(UnitInput(kind: "province", code: "99", name: "Tỉnh đo hiệu năng"), on: db) }
        let province = p!
        let c = try await UnitActions.create(UnitInput(kind: "commune", code: "99999", name: "Xã đo hiệu năng", parentId: province.id!.uuidString), on: db)
        for v in 1...4 {
            let village = try await UnitActions.create(UnitInput(kind: "village", code: "B\(v)", name: "Thôn \(v)", parentId: c.id!.uuidString), on: db)
            for g in 1...9 {
                _ = try await UnitActions.create(UnitInput(kind: "group", code: "B\(v)-\(String(format: "%02d", g))", name: "Tổ \(g)", parentId: village.id!.uuidString), on: db)
            }
        }
        return c
    }
}

// `thonso bench scope`: what the unit closure table changed for a village head, on a province-scale tree (one
// province, 100 communes of 30 villages, 3 groups a village, 5 households a group: 3,000 villages, 45,000
// households). Two operations, each timed before and after in the same run on the same database:
// - a single-row lookup: a household by id, allowed when its group lies below the head's village (the API's
//   GET /households/{id} and the household page), for a household of their village and one of another commune;
// - a scoped list: the first page of the households the head may read (GET /households without a unit), the caller's
//   root units loaded first as the route does.
// "After" is the app's own code (Access.household, RegistryQueries.households on UnitClosure). "Before" is the code
// the closure table replaced (git: Access.swift before 328bc3c), kept below only as this benchmark's baseline and
// used by nothing else. Every statement sent to the database is counted, so the output states queries per operation.
// Results go to docs/benchmarks.md. Run it on a scratch database: it adds the tree the first time (province 97).

struct BenchScopeCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "iterations", help: "How many times each operation runs (default 2000)")
        var iterations: Int?
    }
    var help: String { "Times a village head's household lookup and scoped list: the old parent walk against the unit closure table" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let out = { (s: String) in context.console.print(s) }
        let n = max(10, signature.iterations ?? 2000)
        let tree = try await Self.tree(on: app.db, out: out)
        let counter = QueryCounter()
        let db = CountingDatabase(base: app.db, counter: counter)
        let head = Access(personID: nil, tokenID: nil, displayName: "bench", grants: [Grant(role: .villageHead, unitID: tree.village)])
        out("database: \(app.config.database.label); tree: 1 province, \(tree.communes) communes, \(tree.villages) villages, \(tree.groups) groups, \(tree.households) households; \(n) runs of each")

        struct Case { var name: String; var before: @Sendable () async throws -> Int; var after: @Sendable () async throws -> Int }
        let (inside, outside) = (tree.insideHousehold, tree.outsideHousehold)
        let cases = [
            Case(name: "lookup, own village", before: { try await Baseline.household(inside, head, on: db) ? 1 : 0 },
                 after: { (try? await head.household(inside, .readRegistry, on: db)) != nil ? 1 : 0 }),
            Case(name: "lookup, other commune", before: { try await Baseline.household(outside, head, on: db) ? 1 : 0 },
                 after: { (try? await head.household(outside, .readRegistry, on: db)) != nil ? 1 : 0 }),
            Case(name: "scoped list, page 1", before: { try await Baseline.households(head, on: db).count },
                 after: {
                     let roots = try await head.rootUnits(.readRegistry, on: db)
                     return try await RegistryQueries.households(.init(scope: roots), page: PageRequest(), on: db).items.count
                 }),
        ]
        out("| operation | before: µs/op | before: queries/op | after: µs/op | after: queries/op | after ÷ before (time) | rows |")
        out("|---|---|---|---|---|---|---|")
        for c in cases {
            // Both give the same answer, then each is warmed up and timed, before and after alternately, twice.
            let (b, a) = (try await c.before(), try await c.after())
            guard a == b else { context.console.error("\(c.name): before gives \(b), after \(a)"); throw ExitCode(1) }
            var times = (before: 0.0, after: 0.0)
            var queries = (before: 0, after: 0)
            for round in 0..<3 {
                for side in [0, 1] {
                    let body = side == 0 ? c.before : c.after
                    counter.reset()
                    let t = try await Bench.time { for _ in 0..<n { _ = try await body() } }
                    if round == 0 { continue }   // warm-up
                    if side == 0 { times.before += t; queries.before += counter.value } else { times.after += t; queries.after += counter.value }
                }
            }
            let runs = Double(2 * n)
            out(String(format: "| %@ | %.0f | %.1f | %.0f | %.1f | %.2f | %d |", c.name, times.before / runs * 1e6, Double(queries.before) / runs,
                       times.after / runs * 1e6, Double(queries.after) / runs, times.after / times.before, a))
        }
    }

    struct Tree {
        var communes: Int, villages: Int, groups: Int, households: Int
        /// The village head's village, a household of it, and a household of another commune.
        var village: UUID, insideHousehold: UUID, outsideHousehold: UUID
    }

    /// The province-scale tree, added in bulk the first time (units, then the closure table rebuilt, then households).
    static func tree(on db: any Database, out: (String) -> Void) async throws -> Tree {
        let sql = db as! any SQLDatabase
        if try await UnitQueries.byCode("97", kind: .province, on: db) == nil {
            let start = DispatchTime.now().uptimeNanoseconds
            let province = UUID.random()
            var units: [[SQLValue]] = [[province, "province", "97", "Tỉnh đo phạm vi", "Tỉnh", nil as UUID?, nil as UUID?]]
            var households: [[SQLValue]] = []
            for c in 1...100 {
                let commune = UUID.random(), cc = String(format: "97%03d", c)
                units.append([commune, "commune", cc, "Xã \(c)", "Xã", province, nil as UUID?])
                for v in 1...30 {
                    let village = UUID.random(), vc = "V\(v)"
                    units.append([village, "village", vc, "Thôn \(v)", "Thôn", commune, commune])
                    for g in 1...3 {
                        let group = UUID.random()
                        units.append([group, "group", "\(vc)-\(g)", "Tổ \(g)", "Tổ", village, commune])
                        for h in 1...5 {
                            let code = "\(cc)-\(v)-\(g)-\(h)"
                            households.append([UUID.random(), code, commune, village, group, "Số \(h)", nil as String?, code.lowercased()])
                        }
                    }
                }
            }
            let unitRows = units.map { $0 + [Day.distantPast, Day.distantFuture, Fold.key([$0[2] as! String, $0[3] as! String])] }
            let batch = households
            try await db.transaction { db in
                let sql = db as! any SQLDatabase
                try await Bulk.insert(sql, into: AdminUnit.schema, columns: ["id", "kind", "code", "name", "type_name", "parent_id", "commune_id", "valid_from", "valid_to", "search_key"], rows: unitRows)
                try await UnitClosure.rebuild(on: db)
                try await Bulk.insert(sql, into: Household.schema, columns: ["id", "code", "commune_id", "village_id", "group_id", "address", "phone", "search_key"], rows: batch)
            }
            out(String(format: "added the tree (%d units, %d households) in %.1f s", units.count, households.count,
                       Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9))
        }
        // The head's village: the 15th village of the 50th commune; the other household: in the 99th commune.
        func id(_ q: SQLQueryString) async throws -> UUID {
            try await sql.raw(q).first().map { try $0.decode(column: "id", as: UUID.self) } ?? { throw Abort(.internalServerError) }()
        }
        let village = try await id("SELECT v.id FROM admin_units v JOIN admin_units c ON c.id = v.parent_id WHERE c.code = '97050' AND v.code = 'V15'")
        let inside = try await id("SELECT id FROM households WHERE code = '97050-15-2-3'")
        let outside = try await id("SELECT id FROM households WHERE code = '97099-7-1-1'")
        func count(_ q: SQLQueryString) async throws -> Int { try await sql.raw(q).first()?.decode(column: "n", as: Int.self) ?? 0 }
        return Tree(communes: try await count("SELECT COUNT(*) AS n FROM admin_units WHERE kind = 'commune' AND code LIKE '97%'"),
                    villages: try await count("SELECT COUNT(*) AS n FROM admin_units v JOIN admin_units c ON c.id = v.commune_id WHERE v.kind = 'village' AND c.code LIKE '97%'"),
                    groups: try await count("SELECT COUNT(*) AS n FROM admin_units g JOIN admin_units c ON c.id = g.commune_id WHERE g.kind = 'group' AND c.code LIKE '97%'"),
                    households: try await count("SELECT COUNT(*) AS n FROM households WHERE code LIKE '97%'"),
                    village: village, insideHousehold: inside, outsideHousehold: outside)
    }

    /// BASELINE ONLY, not used by the app: the scope code the unit closure table replaced (Access.allows walking
    /// `parentID` up to eight lookups; RegistryQueries.scoped switching on the roots' kinds), as it was before 328bc3c.
    enum Baseline {
        static func allows(_ access: Access, _ permission: Permission, _ unit: AdminUnit, on db: any Database) async throws -> Bool {
            guard let roots = access.roots(permission) else { return true }
            if roots.isEmpty { return false }
            if roots.contains(unit.id!) { return true }
            var next = unit.parentID
            var hops = 0
            while let id = next, hops < 8 {
                if roots.contains(id) { return true }
                next = try await AdminUnit.find(id, on: db)?.parentID
                hops += 1
            }
            return false
        }

        static func household(_ id: UUID, _ access: Access, on db: any Database) async throws -> Bool {
            guard let h = try await Household.find(id, on: db), let unit = try await AdminUnit.find(h.groupID ?? h.villageID, on: db) else { return false }
            return try await allows(access, .readRegistry, unit, on: db)
        }

        /// The first page of the households below the caller's roots, with their representatives' names.
        static func households(_ access: Access, on db: any Database) async throws -> [HouseholdDTO] {
            let roots = try await access.rootUnits(.readRegistry, on: db) ?? []
            let q = Household.query(on: db)
            if roots.isEmpty { q.filter(\.$id == UUID.random()) }
            var communes: [UUID: [UUID]] = [:]
            for r in roots where r.kind == .province || r.kind == .district { communes[r.id!] = try await UnitQueries.communeIDs(under: r, on: db, inForceOnly: false) }
            q.group(.or) { or in
                for r in roots {
                    switch r.kind {
                    case .group: or.filter(\.$groupID == r.id)
                    case .village: or.filter(\.$villageID == r.id!)
                    case .commune: or.filter(\.$communeID == r.id!)
                    case .province, .district: or.filter(\.$communeID ~~ (communes[r.id!] ?? []))
                    }
                }
            }
            let page = PageRequest()
            let counting = q.copy()
            let rows = try await q.join(Resident.self, on: \Household.$representativeID == \Resident.$id, method: .left)
                .sort(\.$code).range(page.offset..<(page.offset + page.per)).all()
            _ = page.offset == 0 && rows.count < page.per ? rows.count : try await counting.count()
            return rows.map { $0.toDTO(representativeName: (try? $0.joined(Resident.self))?.fullName) }
        }
    }
}

/// Counts the statements sent through a database: Fluent queries and SQLKit statements alike (each is one of the two).
final class QueryCounter: @unchecked Sendable {
    private let lock = NIOLock()
    private var n = 0
    func add() { lock.withLock { n += 1 } }
    func reset() { lock.withLock { n = 0 } }
    var value: Int { lock.withLock { n } }
}

struct CountingDatabase: Database, SQLDatabase {
    let base: any Database
    let counter: QueryCounter
    private var sql: any SQLDatabase { base as! any SQLDatabase }

    var context: DatabaseContext { base.context }
    var inTransaction: Bool { base.inTransaction }
    var logger: Logger { base.logger }
    var eventLoop: any EventLoop { base.eventLoop }
    var dialect: any SQLDialect { sql.dialect }
    var version: (any SQLDatabaseReportedVersion)? { sql.version }
    var queryLogLevel: Logger.Level? { sql.queryLogLevel }

    func execute(query: DatabaseQuery, onOutput: @escaping @Sendable (any DatabaseOutput) -> ()) -> EventLoopFuture<Void> {
        counter.add()
        return base.execute(query: query, onOutput: onOutput)
    }
    func execute(schema: DatabaseSchema) -> EventLoopFuture<Void> { base.execute(schema: schema) }
    func execute(enum: DatabaseEnum) -> EventLoopFuture<Void> { base.execute(enum: `enum`) }
    func transaction<T>(_ closure: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        base.transaction { [counter] in closure(CountingDatabase(base: $0, counter: counter)) }
    }
    func withConnection<T>(_ closure: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        base.withConnection { [counter] in closure(CountingDatabase(base: $0, counter: counter)) }
    }
    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) -> EventLoopFuture<Void> {
        counter.add()
        return sql.execute(sql: query, onRow)
    }
    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) async throws {
        counter.add()
        try await sql.execute(sql: query, onRow)
    }
}
