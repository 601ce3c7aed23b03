// `thonso bench outreach [--households 45000] [--visits 10000] [--requests 40]`: the two speed goals of issue 13,
// each with its baseline measured in the same run on the same database (docs/benchmarks.md, "Outreach").
// 1. Syncing queued visits (each with a profile) in batches of `VisitActions.maxBatch` through `VisitActions.record`,
//    against raw multi-row inserts of the same visit and profile rows in the same batches (one transaction each);
//    the raw side runs before and after, the faster counts. Goal ≤ 2×.
// 2. The outreach overview of a commune of `households` households (two residents each; 90% visited in the last 12
//    months, 80% with a profile, a third of those with an older one too) over HTTP on this server (127.0.0.1, a free
//    port), the page and the JSON, against `/healthz` in the same run: requests one after another, p50 and p95.
//    Goal: overview p95 ≤ 5× `/healthz` p95.
// Run it on a scratch database: it refuses one holding households other than its own commune's.
import Fluent
import Foundation
import SQLKit
import Vapor

struct BenchOutreachCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "households", help: "Households in the commune (default 45000)")
        var households: Int?
        @Option(name: "visits", help: "Visits synced (default 10000)")
        var visits: Int?
        @Option(name: "requests", help: "HTTP requests per route (default 40)")
        var requests: Int?
    }
    var help: String { "Times the visit sync against raw inserts, and the outreach overview of a commune against /healthz" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let db = app.db
        guard let sql = db as? any SQLDatabase else { return }
        let n = max(1000, signature.households ?? 45_000)
        let visitCount = min(n, max(200, signature.visits ?? 10_000))
        let requests = max(10, signature.requests ?? 40)
        let out = { (s: String) in context.console.print(s) }
        let commune = try await UnitsBench.commune(db)
        let have = try await Household.query(on: db).filter(\.$communeID == commune.id!).count()
        if have != n {
            if try await Household.query(on: db).count() > 0 {
                context.console.error("This database already holds other households; run the benchmark on a scratch database, e.g. DATABASE_PATH=/tmp/bench.sqlite")
                throw ExitCode(2)
            }
            let t = try await Bench.time {
                try await BenchFanoutCommand.generate(n, commune: commune, on: db)
                try await Self.residents(commune, on: db)
            }
            out(String(format: "generated %d households (2 residents each) in %.1f s", n, t))
        }
        try await Self.clear(sql)
        out("database: \(app.config.database.label); households: \(n)")
        let households = try await sql.raw("SELECT id FROM households WHERE commune_id = \(bind: commune.id!) ORDER BY code").all()
            .map { try $0.decode(column: "id", as: UUID.self) }
        let admin = Access(personID: nil, tokenID: nil, displayName: "bench", grants: [Grant(role: .admin, unitID: nil)])
        let today = Day.today()

        // 1. The sync.
        let inputs = (0..<visitCount).map { i in
            VisitInput(clientId: UUID.random().uuidString, householdId: households[i].uuidString, visitedOn: Day.adding(-(i % 200), to: today),
                       visitors: "Tổ công nghệ số", helped: ["vneid"], outcome: "done", notes: "Đã cài VNeID",
                       profile: ProfileAnswers(internet: "fibre", smartphoneUsers: 1, adultsVneid: 1, adultsCashless: 1, onlineServices: true, sellsOnline: false))
        }
        let batches = stride(from: 0, to: inputs.count, by: VisitActions.maxBatch).map { Array(inputs[$0..<min(inputs.count, $0 + VisitActions.maxBatch)]) }
        // The raw sides. `narrow`: the visit and profile rows only (the baseline until 1 December 2026). Otherwise every
        // row the sync writes (docs/benchmarks.md): besides those, each household's overview row with its new values
        // (an upsert of the whole row), the places' sums and the visits per month moved by the batch (upserts adding
        // the batch's differences), and the batch's audit row. All built ahead from the rows stored before, untimed;
        // afterwards the overview's rows and sums are checked against the history, so the raw side wrote what the
        // sync writes.
        let before = try await OutreachSummary.Row.stored(inputs.map { UUID(uuidString: $0.householdId!)! }, lock: false, on: sql)
        func raw(narrow: Bool) async throws -> Double {
            let now = AppClock.now
            struct Batch { var visits: [[SQLValue]] = [], profiles: [[SQLValue]] = [], rows: [[SQLValue]] = [], sums: [[SQLValue]] = [],
                           months: [[SQLValue]] = [], audit: [[SQLValue]] = [] }
            var prepared: [Batch] = []
            var start = 0
            while start < inputs.count {
                let chunk = inputs[start..<min(inputs.count, start + VisitActions.maxBatch)]
                start += chunk.count
                var b = Batch()
                var sums: [OutreachPlaceSums.Key: [Int]] = [:]
                var months: [VisitMonths.Delta: Int] = [:]
                for v in chunk {
                    let id = UUID.random(), profileID = UUID.random()
                    let household = UUID(uuidString: v.householdId!)!
                    b.visits.append([id, v.clientId!, household, UUID?.none, v.visitedOn!, v.visitors!, "vneid", UUID?.none, "done", v.notes,
                                     String?.none, UUID?.none, Date?.none, String?.none, UUID?.none, now])
                    let f = ProfileFields(internet: .fibre, smartphoneUsers: 1, adultsVneid: 1, adultsCashless: 1, onlineServices: true, sellsOnline: false)
                    b.profiles.append(ProfileRows.row(id: profileID, household: household, asOf: v.visitedOn!, source: .visit, visit: id, f, recordedBy: nil, at: now))
                    guard !narrow, let old = before[household] else { continue }
                    var new = old
                    new.lastVisit = v.visitedOn!
                    (new.profiled, new.smartphone, new.vneid, new.cashless, new.online, new.sells) = (1, 1, 1, 1, 1, 0)
                    b.rows.append([household, old.village, old.group, v.visitedOn!, profileID, 1, 1, 1, 1, 1, 0, old.adults, old.year, v.visitedOn!, now])
                    for (k, d) in OutreachPlaceSums.contributions(old, sign: -1) + OutreachPlaceSums.contributions(new, sign: 1) {
                        sums[k] = zip(sums[k] ?? Array(repeating: 0, count: OutreachPlaceSums.sums.count), d).map { $0 + $1 }
                    }
                    months[VisitMonths.Delta(village: old.village, group: old.group, team: nil, person: nil, month: String(v.visitedOn!.prefix(7))), default: 0] += 1
                }
                for k in sums.keys.sorted() where sums[k]!.contains(where: { $0 != 0 }) {
                    b.sums.append([k.village, k.group, k.year, k.day] + sums[k]!.map { $0 as SQLValue })
                }
                // Each place's row and its village's row for the whole village (what `VisitMonths.add` writes).
                for (ids, month, n) in VisitMonths.withVillageRows(months) { b.months.append(ids.map { $0 as SQLValue } + [month, n]) }
                if !narrow {
                    b.audit.append([UUID.timeOrdered(at: now), now, UUID?.none, UUID?.none, "bench", "create", Visit.schema, UUID?.none, UUID?.none, String?.none,
                                    "{\"consents\":\"0\",\"visits\":\"\(chunk.count)\"}"])
                }
                prepared.append(b)
            }
            @Sendable func upsert(_ tx: any SQLDatabase, _ table: String, _ columns: [String], key: [String], adding: [String], _ rows: [[SQLValue]]) async throws {
                guard !rows.isEmpty else { return }
                let sqlite = tx.dialect.name == "sqlite"
                var q = tx.insert(into: table).columns(columns)
                for r in rows { q = q.values(sqlite ? Bulk.idsAsText(r) : r) }
                let set = columns.filter { !key.contains($0) }
                try await q.onConflict(with: key) { u in
                    for c in set {
                        if adding.contains(c) { u.set(c, to: SQLBinaryExpression(SQLColumn(c, table: table), .add, SQLExcludedColumn(c))) }
                        else { u.set(excludedValueOf: c) }
                    }
                    return u
                }.run()
            }
            let t = try await Bench.time {
                for b in prepared {
                    try await db.transaction { db in
                        let tx = db as! any SQLDatabase
                        try await Bulk.insert(tx, into: Visit.schema, columns: VisitActions.columns, rows: b.visits)
                        try await Bulk.insert(tx, into: HouseholdProfile.schema, columns: ProfileRows.columns, rows: b.profiles)
                        try await upsert(tx, OutreachSummary.schema, OutreachSummary.columns, key: ["household_id"], adding: [], b.rows)
                        try await upsert(tx, OutreachPlaceSums.schema, ["village_id", "group_id", "adults_year", "day"] + OutreachPlaceSums.sums,
                                         key: ["village_id", "group_id", "adults_year", "day"], adding: OutreachPlaceSums.sums, b.sums)
                        try await upsert(tx, VisitMonths.schema, ["village_id", "group_id", "team_id", "recorded_by", "month", "visits"],
                                         key: ["village_id", "group_id", "team_id", "recorded_by", "month"], adding: ["visits"], b.months)
                        try await Bulk.insert(tx, into: AuditEvent.schema, columns: ["id", "at", "person_id", "token_id", "actor", "action",
                                                                                     "table_name", "row_id", "unit_id", "before", "after"], rows: b.audit)
                    }
                }
            }
            if !narrow { try await Self.verify(on: db) }
            try await Self.clear(sql)
            return t
        }
        let narrow1 = try await raw(narrow: true), tRaw1 = try await raw(narrow: false)
        var recorded = 0
        let tRecord = try await Bench.time {
            for b in batches { recorded += try await VisitActions.record(b, access: admin, lang: .vi, on: db).recorded }
        }
        guard recorded == visitCount else { throw Abort(.internalServerError, reason: "recorded \(recorded) of \(visitCount)") }
        try await Self.verify(on: db)
        try await Self.clear(sql)
        let narrow2 = try await raw(narrow: true), tRaw2 = try await raw(narrow: false)
        let tRaw = min(tRaw1, tRaw2), tNarrow = min(narrow1, narrow2)
        out("1. sync of \(visitCount) visits with a profile each, batches of \(VisitActions.maxBatch)")
        out(String(format: "   raw multi-row, every row the sync writes:  %.2f s, again %.2f s", tRaw1, tRaw2))
        out(String(format: "   raw multi-row, visits + profiles only:     %.2f s, again %.2f s", narrow1, narrow2))
        out(String(format: "   VisitActions.record:                       %.2f s  (%.0f visits/s)", tRecord, Double(visitCount) / tRecord))
        out(String(format: "   ratio record / faster raw of every row: %.2f×   (goal ≤ 2×); / visits + profiles only: %.2f×", tRecord / tRaw, tRecord / tNarrow))

        // 2. The overview.
        let t = try await Bench.time { try await Self.outreach(households, on: db) }
        let counts = try await sql.raw("SELECT (SELECT COUNT(*) FROM visits) AS v, (SELECT COUNT(*) FROM household_profiles) AS p").first()!
        out(String(format: "2. overview: generated %d visits and %d profiles in %.1f s", try counts.decode(column: "v", as: Int.self),
                   try counts.decode(column: "p", as: Int.self), t))
        let (_, token) = try await AccountActions.createToken(name: "bench-outreach-\(UUID.random().uuidString.prefix(6))", role: .admin, unit: nil, on: db)
        try await app.server.start(address: .hostname("127.0.0.1", port: 0))
        guard let port = app.http.server.shared.localAddress?.port else { throw Abort(.internalServerError) }
        let base = "http://127.0.0.1:\(port)"
        let routes = [("/healthz", SiteURL.healthz.path), ("overview page", SiteURL.unitOutreach(.id(commune.id!)).path),
                      ("overview JSON", APIURL.unitOutreach(.id(commune.id!)).path)]
        var times: [String: [Double]] = [:]
        for round in 0..<(requests + 3) {
            for (name, path) in routes {
                var status = HTTPStatus.ok
                let s = try await Bench.time {
                    status = try await app.client.get(URI(string: base + path), headers: ["Authorization": "Bearer \(token)"]).status
                }
                guard status == .ok else { throw Abort(.internalServerError, reason: "\(path): \(status)") }
                if round >= 3 { times[name, default: []].append(s) }   // three rounds warm up
            }
        }
        await app.server.shutdown()
        func p(_ xs: [Double], _ q: Double) -> Double { let s = xs.sorted(); return s[min(s.count - 1, Int((Double(s.count) * q).rounded(.up)) - 1)] }
        out("   \(requests) requests per route, one after another, over HTTP on 127.0.0.1")
        for (name, _) in routes {
            let xs = times[name]!
            out(String(format: "   %-14@ p50 %8.2f ms   p95 %8.2f ms", name as NSString, p(xs, 0.5) * 1000, p(xs, 0.95) * 1000))
        }
        let h = p(times["/healthz"]!, 0.95)
        out(String(format: "   ratio p95 page / healthz: %.1f×, JSON / healthz: %.1f×   (goal ≤ 5×)",
                   p(times["overview page"]!, 0.95) / h, p(times["overview JSON"]!, 0.95) / h))
    }

    /// Two residents (two adults) per household of the commune.
    static func residents(_ commune: AdminUnit, on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        let ids = try await sql.raw("SELECT id FROM households WHERE commune_id = \(bind: commune.id!)").all().map { try $0.decode(column: "id", as: UUID.self) }
        let cols = ["id", "household_id", "full_name", "gender", "birth_year", "relation", "phone", "search_key", "created_at", "updated_at"]
        let now = AppClock.now
        var rows: [[SQLValue]] = []
        for (i, h) in ids.enumerated() {
            rows.append([UUID.random(), h, "Nguyễn Văn \(i)", "male", 1970, "head", String?.none, "nguyen van \(i)", now, now])
            rows.append([UUID.random(), h, "Trần Thị \(i)", "female", 1975, "spouse", String?.none, "tran thi \(i)", now, now])
        }
        try await Bulk.insert(sql, into: Resident.schema, columns: cols, rows: rows)
    }

    /// Visits and profiles for most households: 90% visited in the last 12 months (by one of eight members), 80% with
    /// the profile that visit recorded, a third of those with an older imported profile as well.
    static func outreach(_ households: [UUID], on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        var people: [UUID] = []
        for k in 1...8 {
            let name = "bench-tv\(k)"
            if let p = try await Person.query(on: db).filter(\.$username == name).first() { people.append(p.id!); continue }
            let p = Person()
            p.id = UUID.random(); p.username = name; p.displayName = "Thành viên \(k)"; p.passwordHash = "-"; p.failedCount = 0; p.active = true
            try await p.create(on: db)
            people.append(p.id!)
        }
        let now = AppClock.now, today = Day.today()
        var visits: [[SQLValue]] = [], profiles: [[SQLValue]] = []
        for (i, h) in households.enumerated() where i % 10 != 0 {
            let id = UUID.random()
            let on = Day.adding(-(i % 360), to: today)
            visits.append([id, UUID.random().uuidString, h, UUID?.none, on, "Tổ công nghệ số", "vneid", UUID?.none, "done", String?.none,
                           String?.none, people[i % people.count], Date?.none, String?.none, UUID?.none, now])
            guard i % 10 < 8 else { continue }
            let f = ProfileFields(internet: .mobile, smartphoneUsers: i % 30 == 1 ? 0 : 2, adultsVneid: i % 3, adultsCashless: i % 2,
                                  onlineServices: i % 4 != 0, sellsOnline: i % 5 == 0)
            profiles.append(ProfileRows.row(household: h, asOf: on, source: .visit, visit: id, f, recordedBy: people[i % people.count], at: now))
            if i % 3 == 0 {
                profiles.append(ProfileRows.row(household: h, asOf: Day.adding(-400, to: today), source: .import, visit: nil,
                                                ProfileFields(smartphoneUsers: 1), recordedBy: nil, at: now))
            }
        }
        try await Bulk.insert(sql, into: Visit.schema, columns: VisitActions.columns, rows: visits)
        try await Bulk.insert(sql, into: HouseholdProfile.schema, columns: ProfileRows.columns, rows: profiles)
        // Written behind the actions' backs: the overview's rows are counted again from the history.
        try await OutreachSummary.refresh(nil, on: db)
        try await VisitMonths.recount(villages: nil, on: db)
    }

    /// The overview's rows, sums and month counts as the history gives them, else an error naming what differs.
    static func verify(on db: any Database) async throws {
        let rows = try await OutreachSummary.check(on: db), sums = try await OutreachPlaceSums.check(on: db), months = try await VisitMonths.check(on: db)
        guard rows.isEmpty, sums.isEmpty, months.isEmpty else {
            throw Abort(.internalServerError, reason: "overview differs from the history: \(rows.count) rows, \(sums.prefix(3)), \(months.prefix(3))")
        }
    }

    static func clear(_ sql: any SQLDatabase) async throws {
        try await sql.delete(from: HouseholdProfile.schema).run()
        try await sql.delete(from: Visit.schema).run()
        try await OutreachSummary.refresh(nil, on: sql as! any Database)
        try await VisitMonths.recount(villages: nil, on: sql as! any Database)
    }
}
