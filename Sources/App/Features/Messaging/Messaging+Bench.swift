// `thonso bench fanout`: a notice to every household of a generated commune (default 1,000,000 households), sent
// out by the real fan-out job, against a raw `INSERT … SELECT` of the same delivery rows in the same database in
// the same run; then the reach of that notice, as the query and as the whole HTML page. Results go to
// docs/benchmarks.md. Run it on a scratch database.
import Fluent
import Foundation
import SQLKit
import Vapor

struct BenchFanoutCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "households", help: "How many households to generate (default 1000000)")
        var households: Int?
    }
    var help: String { "Times the fan-out of one notice against a raw INSERT … SELECT of the same rows, and the reach page" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let db = app.db
        guard let sql = db as? any SQLDatabase else { return }
        let n = max(100, signature.households ?? 1_000_000)
        let out = { (s: String) in context.console.print(s) }
        let commune = try await UnitsBench.commune(db)
        let have = try await Household.query(on: db).filter(\.$communeID == commune.id!).count()
        if have != n {
            if try await Household.query(on: db).count() > 0 {
                context.console.error("This database already holds other households; run the benchmark on a scratch database, e.g. DATABASE_PATH=/tmp/bench.sqlite")
                throw ExitCode(2)
            }
            let t = try await Bench.time { try await Self.generate(n, commune: commune, on: db) }
            out(String(format: "generated %d households in %.1f s", n, t))
        }
        out("database: \(app.config.database.label); households: \(n)")
        try await sql.delete(from: "deliveries").run()

        // The notice, published the way an official publishes one.
        let a = Announcement()
        a.id = UUID.random()
        a.unitID = commune.id!
        a.communeID = commune.id!
        a.category = .notice
        a.status = .draft
        a.title = "Thông báo đo hiệu năng"
        a.body = "Nội dung"
        a.channels = ""
        a.authorName = "bench"
        try await a.create(on: db)
        try await AnnouncementUnit(announcementID: a.id!, unitID: commune.id!).create(on: db)
        let published = AppClock.now

        // Warm the page cache the same way for both: read the audience's rows once.
        _ = try await sql.raw("SELECT COUNT(*) AS n, COUNT(group_id) AS g, SUM(LENGTH(address)) AS a FROM households WHERE commune_id = \(bind: commune.id!)").first()
        // 1. Raw: one INSERT … SELECT of the same rows, in one transaction (timed again after the fan-out).
        let raw = { try await Bench.time {
            try await db.transaction { db in
                let tx = db as! any SQLDatabase
                try await tx.raw("""
                    INSERT INTO deliveries (id, announcement_id, household_id, village_id, group_id, state, created_at)
                    SELECT \(MessagingActions.newID(tx)), \(bind: a.id!), h.id, h.village_id, h.group_id, 'sent', \(bind: published)
                    FROM households h WHERE h.commune_id IN (\(bind: commune.id!))
                    """).run()
            }
        } }
        let tRaw1 = try await raw()
        let rawCount = try await Delivery.query(on: db).count()
        try await sql.delete(from: "deliveries").run()

        // 2. The fan-out job: batches ordered by household, each committed with its cursor.
        try await db.transaction { db in try await MessagingActions.goOut(a, now: published, on: db) }
        let tFan = try await Bench.time {
            while try await Jobs.runOne(app, worker: "bench") {}
        }
        let fanCount = try await Delivery.query(on: db).count()
        guard rawCount == n, fanCount == n else { throw Abort(.internalServerError, reason: "raw wrote \(rawCount), fan-out \(fanCount), expected \(n)") }
        // The raw statement again, after the fan-out, so neither side alone pays for a cold cache; the faster counts.
        try await sql.delete(from: "deliveries").run()
        let tRaw2 = try await raw()
        let tRaw = min(tRaw1, tRaw2)
        try await sql.delete(from: "deliveries").run()
        try await db.transaction { db in
            try await (db as! any SQLDatabase).raw("""
                INSERT INTO deliveries (id, announcement_id, household_id, village_id, group_id, state, created_at)
                SELECT \(MessagingActions.newID(db as! any SQLDatabase)), \(bind: a.id!), h.id, h.village_id, h.group_id, 'sent', \(bind: published)
                FROM households h WHERE h.commune_id IN (\(bind: commune.id!))
                """).run()
        }

        // 3. Reach: a fifth of the households have read it, a fifth more have it delivered.
        try await sql.raw("UPDATE deliveries SET state = CASE WHEN substr(CAST(household_id AS TEXT), 1, 1) IN ('0','1','2') THEN 'read' WHEN substr(CAST(household_id AS TEXT), 1, 1) IN ('3','4','5') THEN 'delivered' ELSE 'sent' END").run()
        let admin = Access(personID: nil, tokenID: nil, displayName: "bench", grants: [Grant(role: .admin, unitID: nil)])
        var reachTimes: [Double] = []
        var reach: ReachDTO? = nil
        for _ in 0..<3 { reachTimes.append(try await Bench.time { reach = try await MessagingQueries.reach(a, admin, on: db) }) }
        let (_, token) = try await AccountActions.createToken(name: "bench-\(UUID.random().uuidString.prefix(6))", role: .admin, unit: nil, on: db)
        var pageTimes: [Double] = []
        var status = HTTPResponseStatus.ok
        for _ in 0..<3 {
            pageTimes.append(try await Bench.time {
                let req = Request(application: app, method: .GET, url: URI(path: SiteURL.announcementReach(.id(a.id!)).path),
                                  headers: ["Authorization": "Bearer \(token)"], on: app.eventLoopGroup.next())
                let res = try await app.responder.current.respond(to: req).get()
                status = res.status
            })
        }
        try await sql.delete(from: "deliveries").run()
        try await sql.delete(from: "jobs").run()

        out(String(format: "%-40@ %7.2f s, again after the fan-out %7.2f s", "raw INSERT … SELECT, one statement" as NSString, tRaw1, tRaw2))
        out(String(format: "%-40@ %7.2f s %10.0f rows/s", "fan-out job (batches of \(app.config.messaging.fanoutBatch))" as NSString, tFan, Double(n) / tFan))
        out(String(format: "ratio fan-out / faster raw: %.2f×   (goal ≤ 1.5×)", tFan / tRaw))
        out(String(format: "reach query: best %.3f s of 3 (%@ households, %@ delivered, %@ read)", reachTimes.min() ?? 0,
                   String(reach?.households ?? 0) as NSString, String(reach?.delivered ?? 0) as NSString, String(reach?.read ?? 0) as NSString))
        out(String(format: "reach page (HTTP %d, whole request through the app): best %.3f s, worst %.3f s of 3", Int(status.code), pageTimes.min() ?? 0, pageTimes.max() ?? 0))
    }

    /// N households spread over the bench commune's 4 villages and 36 groups, written in multi-row batches.
    static func generate(_ n: Int, commune: AdminUnit, on db: any Database) async throws {
        let villages = try await AdminUnit.query(on: db).filter(\.$parentID == commune.id).sort(\.$code).all()
        let groups = try await AdminUnit.query(on: db).filter(\.$parentID ~~ villages.map { $0.id! }).sort(\.$code).all()
        let cols = ["id", "code", "commune_id", "village_id", "group_id", "address", "phone", "search_key", "created_at", "updated_at"]
        let now = AppClock.now.addingTimeInterval(-60)
        var i = 0
        while i < n {
            let end = min(n, i + 20_000)
            var rows: [[SQLValue]] = []
            rows.reserveCapacity(end - i)
            for k in i..<end {
                let g = groups[k % groups.count]
                rows.append([UUID.random(), "F\(k)", commune.id!, g.parentID!, g.id!, "Số \(k)", String(format: "099%07d", k), "f\(k)", now, now])
            }
            let batch = rows
            try await db.transaction { db in try await Bulk.insert(db as! any SQLDatabase, into: "households", columns: cols, rows: batch) }
            i = end
        }
    }
}
