// `thonso bench criteria [--villages N --communes M --households H] [--requests R --clients C]`: issue 15's speed goals
// at province scale, each with its baseline measured in the same run on the same database (docs/benchmarks.md,
// "Criteria at province scale").
// 1. Generates, set-based (generate_series on PostgreSQL, a recursive CTE on SQLite), a bench province (code 96) of
//    M communes and N villages with H households and the records the shipped SV set's measures count: two residents
//    per household (both adults of working age), a current profile for every household and an older one for a third,
//    per village a wifi point, six cameras (one faulty) and two solar lights with their status history, a team of four
//    members with a visit and a training in the last 90 days (a third of the residents attended), a QR board, and per
//    commune a notice published 20 days ago delivered to every household (85% read). Dossiers are not generated
//    (SV-13, not mandatory, counts 0/0).
// 2. Over HTTP on this server (127.0.0.1, a free port), C concurrent clients: `/healthz`, the province page and its
//    JSON, a commune page and its evaluation, a village page and its evaluation; p50/p95 and the ratio of each p95 to
//    `/healthz` p95 (goal ≤ 5×). First counted live (`--live-requests`, few: at province scale a live page takes
//    seconds), then the dashboards counted ahead (`CriteriaDashboards.refresh`, timed) and the same routes served
//    from them (`CRITERIA_PRECOMPUTE`), R requests per route.
// 3. A full provisional snapshot of the shipped set on every unit of the province (`CriteriaSnapshots.take`) against
//    the raw aggregate queries that compute the same numbers (plain grouped SQL over the province, one query per
//    family of measures, no chunks), in rounds (`--rounds`, default 3): the raw queries, the snapshot counted one
//    query per measure (as before the families), the snapshot counted by families (`Measures.count`), …, the raw
//    queries again; each snapshot against the faster raw run beside it; the sums of the villages' figures are
//    checked equal (both ways, every round). Goal ≤ 2×. `--snapshot-only` skips the pages.
// `--reuse` serves the rows a database already holds counted ahead (no refresh), `--pages-only` skips 3., and
// `--page-rounds` times the pages counted ahead both as built on every request and as kept in memory (2.), in rounds.
// Defaults: PostgreSQL 3,000 villages in 126 communes and 2,400,000 households (Hà Nội); SQLite one commune of 30
// villages and 45,000 households. Run it on a scratch database: it refuses one holding households of its own.
import Fluent
import Foundation
import SQLKit
import Vapor

struct BenchCriteriaCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "villages", help: "Villages (default 3000 on PostgreSQL, 30 on SQLite)")
        var villages: Int?
        @Option(name: "communes", help: "Communes (default 126 on PostgreSQL, 1 on SQLite)")
        var communes: Int?
        @Option(name: "households", help: "Households (default 2400000 on PostgreSQL, 45000 on SQLite)")
        var households: Int?
        @Option(name: "requests", help: "HTTP requests per route (default 40)")
        var requests: Int?
        @Option(name: "clients", help: "Concurrent HTTP clients (default 4)")
        var clients: Int?
        @Option(name: "live-requests", help: "HTTP requests per route counted live, before the precomputed ones (default 8; 0: none)")
        var liveRequests: Int?
        @Option(name: "rounds", help: "Rounds of the raw aggregate queries then the snapshot, one after the other (default 3)")
        var rounds: Int?
        @Flag(name: "snapshot-only", help: "Only the snapshot against the raw aggregate queries (no pages, no precomputed rows)")
        var snapshotOnly: Bool
        @Flag(name: "pages-only", help: "Only the pages (no snapshot: nothing written but the bench's API token)")
        var pagesOnly: Bool
        @Flag(name: "reuse", help: "Serve the rows already counted ahead as they are (no refresh: at Hà Nội's scale it takes 28 minutes)")
        var reuse: Bool
        @Option(name: "page-rounds", help: "Rounds of the pages counted ahead, each not kept then kept in memory (default 1)")
        var pageRounds: Int?
    }
    var help: String { "Generates a province and times its criteria pages against /healthz, and a full snapshot against raw aggregate SQL" }

    static let provinceCode = "96"

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let db = app.db
        guard let sql = db as? any SQLDatabase else { return }
        let pg = sql.dialect.name == "postgresql"
        let communes = max(1, signature.communes ?? (pg ? 126 : 1))
        let villages = max(communes, signature.villages ?? (pg ? 3000 : 30))
        let households = max(villages, signature.households ?? (pg ? 2_400_000 : 45_000))
        let requests = max(8, signature.requests ?? 40)
        let clients = max(1, signature.clients ?? 4)
        let live = max(0, signature.liveRequests ?? 8)
        let rounds = min(20, max(1, signature.rounds ?? 3))
        let out = { (s: String) in context.console.print(s) }

        var province = try await UnitQueries.byCode(Self.provinceCode, kind: .province, on: db)
        if province == nil {
            if try await Household.query(on: db).count() > 0 {
                context.console.error("This database already holds households; run the benchmark on a scratch database, e.g. DATABASE_PATH=/tmp/bench.sqlite")
                throw ExitCode(2)
            }
            var counts: [(String, Int)] = []
            let t = try await Bench.time {
                province = try await Self.generate(communes: communes, villages: villages, households: households, on: db, out: out)
                for table in ["households", "residents", "household_profiles", "assets", "team_members", "training_attendance", "deliveries"] {
                    counts.append((table, try await sql.raw("SELECT COUNT(*) AS n FROM \(ident: table)").first()?.decode(column: "n", as: Int.self) ?? 0))
                }
            }
            out(String(format: "generated in %.1f s: ", t) + counts.map { "\($0.1) \($0.0)" }.joined(separator: ", "))
        }
        guard let province else { return }
        let communeUnits = try await CriteriaViews.below(province, kind: .commune, on: Day.today(), db: db)
        guard let commune = communeUnits.first, let village = try await CriteriaViews.below(commune, kind: .village, on: Day.today(), db: db).first,
              let set = try await CriteriaSet.query(on: db).filter(\.$ownerUnitID == nil).filter(\.$code == CriteriaSeed.starterCode).first()
        else { throw Abort(.internalServerError, reason: "no bench province, commune, village or shipped set") }
        let stats = try await sql.raw("""
            SELECT (SELECT COUNT(*) FROM households) AS h,
                   (SELECT COUNT(*) FROM admin_units WHERE kind = 'village' AND commune_id IN (SELECT id FROM admin_units WHERE parent_id = \(bind: province.id!))) AS v
            """).first()!
        out("database: \(app.config.database.label); \(communeUnits.count) communes, \(try stats.decode(column: "v", as: Int.self)) villages, \(try stats.decode(column: "h", as: Int.self)) households")
        if pg { try await sql.raw("ANALYZE").run() }

        if !signature.snapshotOnly {
            try await Self.pages(app: app, province: province, commune: commune, village: village, requests: requests, clients: clients, live: live,
                                 reuse: signature.reuse, pageRounds: min(10, max(1, signature.pageRounds ?? 1)), out: out)
        }
        if !signature.pagesOnly { try await Self.snapshot(province: province, set: set, rounds: rounds, db: db, sql: sql, out: out) }
    }

    /// 1. The pages: live, then precomputed.
    static func pages(app: Application, province: AdminUnit, commune: AdminUnit, village: AdminUnit, requests: Int, clients: Int, live: Int,
                      reuse: Bool, pageRounds: Int, out: @escaping (String) -> Void) async throws {
        let db = app.db
        let (_, token) = try await AccountActions.createToken(name: "bench-criteria-\(UUID.random().uuidString.prefix(6))", role: .admin, unit: nil, on: db)
        try await app.server.start(address: .hostname("127.0.0.1", port: 0))
        guard let port = app.http.server.shared.localAddress?.port else { throw Abort(.internalServerError) }
        let base = "http://127.0.0.1:\(port)"
        let routes: [(String, String)] = [
            ("/healthz", SiteURL.healthz.path),
            ("province page", SiteURL.unitCriteria(.id(province.id!)).path),
            ("province JSON", APIURL.unitCriteriaCommunes(.id(province.id!)).path),
            ("commune page", SiteURL.unitCriteria(.id(commune.id!)).path),
            ("commune JSON", APIURL.unitEvaluation(.id(commune.id!)).path),
            ("village page", SiteURL.unitCriteria(.id(village.id!)).path),
            ("village JSON", APIURL.unitEvaluation(.id(village.id!)).path),
        ]
        let client = app.client
        /// Each route in turn: `clients` clients at once, `total` requests in all (two more per client warm up).
        func measure(_ total: Int, _ routes: [(String, String)]) async throws -> [String: [Double]] {
            var times: [String: [Double]] = [:]
            for (name, path) in routes {
                let url = base + path
                let per = max(1, total / clients)
                let (xs, bytes) = try await withThrowingTaskGroup(of: ([Double], Int).self) { group in
                    for _ in 0..<clients {
                        group.addTask {
                            var mine: [Double] = []
                            var bytes = 0
                            for i in 0..<(per + 2) {
                                var status = HTTPStatus.ok
                                let s = try await Bench.time {
                                    let res = try await client.get(URI(string: url), headers: ["Authorization": "Bearer \(token)"])
                                    status = res.status
                                    bytes = res.body?.readableBytes ?? 0
                                }
                                guard status == .ok else { throw Abort(.internalServerError, reason: "\(url): \(status)") }
                                if i >= 2 { mine.append(s) }
                            }
                            return (mine, bytes)
                        }
                    }
                    var all: [Double] = []
                    var bytes = 0
                    for try await m in group { all += m.0; bytes = m.1 }
                    return (all, bytes)
                }
                times[name] = xs
                out(String(format: "   %-14@ p50 %9.2f ms   p95 %9.2f ms   %7d bytes", name as NSString, Self.p(xs, 0.5) * 1000, Self.p(xs, 0.95) * 1000, bytes))
            }
            let h = Self.p(times["/healthz"]!, 0.95)
            out("   ratio p95 / healthz p95 (goal ≤ 5×): " + routes.dropFirst().map { String(format: "%@ %.1f×", $0.0 as NSString, Self.p(times[$0.0]!, 0.95) / h) }.joined(separator: ", "))
            return times
        }
        if live > 0 {
            app.config.criteriaPrecompute = false
            out("1a. counted live: \(live) requests per route, \(clients) clients at once, over HTTP on 127.0.0.1")
            _ = try await measure(live, routes)
        }
        if reuse {
            let n = try await (db as! any SQLDatabase).raw("SELECT COUNT(*) AS n, MIN(counted_at) AS first, MAX(counted_at) AS last FROM criteria_dashboards").first()
            out("1b. precomputed (CRITERIA_PRECOMPUTE): the \(try n?.decode(column: "n", as: Int.self) ?? 0) rows already counted ahead, as they are (--reuse), "
                + "counted \(try n?.decode(column: "first", as: Date?.self).map(Moment.display) ?? "-") to \(try n?.decode(column: "last", as: Date?.self).map(Moment.display) ?? "-"); "
                + "\(requests) requests per route, \(clients) clients at once")
        } else {
            var written = 0
            let tRefresh = try await Bench.time { written = try await CriteriaDashboards.refresh(root: province, today: Day.today(), on: db) }
            out(String(format: "1b. precomputed (CRITERIA_PRECOMPUTE): %d units counted ahead in %.1f s; %d requests per route, %d clients at once", written, tRefresh, requests, clients))
        }
        app.config.criteriaPrecompute = true
        // Each round: the pages built on every request (as before they were kept), then kept in memory per viewer
        // (`SignedInPages`, Criteria+Web.swift); without kept pages (development, RENDER_CACHE_MB=0) only the first.
        for round in 1...pageRounds {
            if let kept = app.signedInPages {
                kept.bypass = true
                out("   round \(round), pages not kept (built on every request):")
                _ = try await measure(requests, routes)
                kept.bypass = false
                let before = kept.counts
                out("   round \(round), pages kept in memory:")
                _ = try await measure(requests, routes)
                out("   kept pages served \(kept.counts.hits - before.hits), built \(kept.counts.misses - before.misses)")
            } else {
                out("   (no kept pages here: run with --env production and RENDER_CACHE_MB > 0 to time them)")
                _ = try await measure(requests, routes)
            }
        }
        await app.server.shutdown()
    }

    /// 2. A full snapshot against the raw aggregate queries.
    static func snapshot(province: AdminUnit, set: CriteriaSet, rounds: Int, db: any Database, sql: any SQLDatabase, out: (String) -> Void) async throws {
        // 2. The snapshot against the raw aggregate queries, in rounds: the raw queries, then the snapshot (from the
        // second round on it replaces the month's provisional one: its old rows are deleted first), then the raw
        // queries once more at the end. Each snapshot is set against the faster of the raw runs either side of it.
        let today = Day.today()
        var raw1: [String: MeasureCount] = [:], raw2: [String: MeasureCount] = [:]
        var tRaws: [Double] = [], tSnaps: [Double] = [], tOld: [Double] = []
        var taken = 0
        out("2. full snapshot of the shipped set (\(set.code)) on every unit of the province, \(rounds) rounds: raw queries, snapshot counted one query per measure (as before), snapshot counted by families")
        var sums: [[String: MeasureCount]] = []
        let month = CriteriaSnapshots.month(of: today)
        for i in 0...rounds {
            var r: [String: MeasureCount] = [:]
            tRaws.append(try await Bench.time { r = try await Self.raw(province: province.id!, day: today, sql: sql) })
            if i == 0 { raw1 = r } else { raw2 = r }
            if i == rounds { break }
            tOld.append(try await Bench.time {
                taken = try await CriteriaSnapshots.take(set: set, unit: province, month: month, today: today, by: "bench", db: db, grouped: false).0
            })
            sums.append(try await Self.snapshotSums(set: set.id!, month: month, sql: sql))
            tSnaps.append(try await Bench.time {
                taken = try await CriteriaSnapshots.take(set: set, unit: province, month: month, today: today, by: "bench", db: db).0
            })
            sums.append(try await Self.snapshotSums(set: set.id!, month: month, sql: sql))
            out(String(format: "   round %d: raw aggregate queries %.2f s; snapshot one query per measure %.2f s; snapshot by families %.2f s", i + 1, tRaws[i], tOld[i], tSnaps[i]))
        }
        out(String(format: "   raw aggregate queries at the end: %.2f s; %d snapshots each time", tRaws[rounds], taken))
        let snap = sums.last ?? [:]
        let same = raw1 == raw2 && sums.allSatisfy { $0 == snap } && raw1.allSatisfy { k, v in snap[k] == v || (v.numerator == 0 && (v.denominator ?? 0) == 0 && snap[k] == nil) }
        let ratios = tSnaps.indices.map { tSnaps[$0] / min(tRaws[$0], tRaws[$0 + 1]) }
        let oldRatios = tOld.indices.map { tOld[$0] / min(tRaws[$0], tRaws[$0 + 1]) }
        out("   ratio snapshot / faster raw beside it, by round: one query per measure " + oldRatios.map { String(format: "%.2f×", $0) }.joined(separator: ", ")
            + "; by families " + ratios.map { String(format: "%.2f×", $0) }.joined(separator: ", "))
        out(String(format: "   fastest / fastest raw: one query per measure %.2f×, by families %.2f×; medians of the rounds' ratios %.2f×, %.2f×   (goal ≤ 2×); villages' sums equal: %@",
                   tOld.min()! / tRaws.min()!, tSnaps.min()! / tRaws.min()!, Self.p(oldRatios, 0.5), Self.p(ratios, 0.5), (same ? "yes" : "NO") as NSString))
        if !same {
            for k in raw1.keys.sorted() { out("   \(k): raw \(raw1[k]!.numerator)/\(raw1[k]!.denominator ?? -1), snapshot \(snap[k]?.numerator ?? -1)/\(snap[k]?.denominator ?? -1)") }
        }
    }

    static func p(_ xs: [Double], _ q: Double) -> Double { let s = xs.sorted(); return s[min(s.count - 1, max(0, Int((Double(s.count) * q).rounded(.up)) - 1))] }

    // MARK: generating

    /// A series 1…n as a FROM item named `s(n)`, and the clause that must open the statement (SQLite's recursive CTE).
    static func series(_ n: Int, _ pg: Bool) -> (with: SQLQueryString, from: SQLQueryString) {
        if pg {
            let from: SQLQueryString = "generate_series(1, \(unsafeRaw: String(n))) AS s(n)"
            return ("", from)
        }
        let with: SQLQueryString = "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < \(unsafeRaw: String(n))) "
        return (with, "s")
    }

    static func generate(communes: Int, villages: Int, households: Int, on db: any Database, out: @escaping (String) -> Void) async throws -> AdminUnit {
        let sql = db as! any SQLDatabase
        let pg = sql.dialect.name == "postgresql"
        let now = AppClock.now.addingTimeInterval(-3600), today = Day.today()
        let newID = MessagingActions.newID(sql)
        // Units: the province, its communes and villages (spread evenly), the closure table rebuilt.
        let province = UUID.random()
        var units: [[SQLValue]] = [[province, "province", provinceCode, "Tỉnh đo tiêu chí", "Tỉnh", nil as UUID?, nil as UUID?]]
        for c in 0..<communes {
            let id = UUID.random(), cc = String(format: "96%03d", c + 1)
            units.append([id, "commune", cc, "Xã \(c + 1)", "Xã", province, nil as UUID?])
            let mine = villages / communes + (c < villages % communes ? 1 : 0)
            for v in 0..<mine {
                let code = cc + String(format: "-%03d", v + 1)
                units.append([UUID.random(), "village", code, "Thôn \(v + 1) xã \(c + 1)", "Thôn", id, id])
            }
        }
        let unitRows = units.map { $0 + [Day.distantPast, Day.distantFuture, Fold.key([($0[2] as! String), ($0[3] as! String)])] }
        try await db.transaction { db in
            try await Bulk.insert(db as! any SQLDatabase, into: AdminUnit.schema,
                                  columns: ["id", "kind", "code", "name", "type_name", "parent_id", "commune_id", "valid_from", "valid_to", "search_key"], rows: unitRows)
            _ = try await UnitClosure.rebuild(on: db)
        }
        let villagesOf: SQLQueryString = "SELECT v.id, v.code, v.commune_id FROM admin_units v WHERE v.kind = 'village' AND v.commune_id IN (SELECT id FROM admin_units WHERE parent_id = \(bind: province))"
        let perVillage = max(1, households / villages)
        // The household's number in its village (codes end in 100000 + n).
        let hn: SQLQueryString = "CAST(substr(h.code, length(h.code) - 4) AS INTEGER)"
        func step(_ name: String, _ q: SQLQueryString) async throws {
            let t = try await Bench.time { try await sql.raw(q).run() }
            out(String(format: "   %@: %.1f s", name, t))
        }
        let s = series(perVillage, pg)
        try await step("households", """
            \(s.with)INSERT INTO households (id, code, commune_id, village_id, address, search_key, created_at, updated_at)
            SELECT \(newID), v.code || '-' || CAST(s.n + 100000 AS TEXT), v.commune_id, v.id, 'Số ' || CAST(s.n AS TEXT),
                   'k' || v.code || '-' || CAST(s.n + 100000 AS TEXT), \(bind: now), \(bind: now)
            FROM (\(villagesOf)) v CROSS JOIN \(s.from)
            """)
        try await step("residents", """
            INSERT INTO residents (id, household_id, full_name, gender, birth_year, relation, search_key, created_at, updated_at)
            SELECT \(newID), h.id, 'Nguyễn Văn ' || h.code, 'male', 1970, 'head', 'nguyen van ' || h.code, \(bind: now), \(bind: now) FROM households h
            UNION ALL
            SELECT \(newID), h.id, 'Trần Thị ' || h.code, 'female', 1995, 'spouse', 'tran thi ' || h.code, \(bind: now), \(bind: now) FROM households h
            """)
        let recent = Day.adding(-10, to: today), older = Day.adding(-40, to: today), old = Day.adding(-400, to: today)
        try await step("profiles", """
            INSERT INTO household_profiles (id, household_id, as_of, source, internet, smartphone_users, adults_vneid, adults_cashless,
                                            online_services, in_village_channel, sells_online, created_at)
            SELECT \(newID), h.id, CASE WHEN \(hn) % 2 = 0 THEN \(bind: recent) ELSE \(bind: older) END, 'import',
                   CASE WHEN \(hn) % 97 = 0 THEN 'none' WHEN \(hn) % 2 = 0 THEN 'fibre' ELSE 'mobile' END,
                   CASE WHEN \(hn) % 50 = 0 THEN 0 ELSE 2 END, CASE WHEN \(hn) % 7 = 0 THEN 1 ELSE 2 END, CASE WHEN \(hn) % 5 = 0 THEN 0 ELSE 2 END,
                   \(bind: true), \(hn) % 89 <> 0, \(hn) % 25 = 0, \(bind: now)
            FROM households h
            UNION ALL
            SELECT \(newID), h.id, \(bind: old), 'import', 'mobile', 1, 0, 0, \(bind: false), \(bind: false), \(bind: false), \(bind: now)
            FROM households h WHERE \(hn) % 3 = 0
            """)
        let a = series(9, pg)
        try await step("assets", """
            \(a.with)INSERT INTO assets (id, kind, name, unit_id, commune_id, place, installed_on, status, status_since, created_at, updated_at)
            SELECT \(newID), CASE WHEN s.n = 1 THEN 'wifiPoint' WHEN s.n <= 7 THEN 'camera' ELSE 'solarLight' END,
                   v.code || ' #' || CAST(s.n AS TEXT), v.id, v.commune_id, 'Nhà văn hóa', '2024-01-15',
                   CASE WHEN s.n = 7 THEN 'faulty' ELSE 'working' END, '2024-01-15', \(bind: now), \(bind: now)
            FROM (\(villagesOf)) v CROSS JOIN \(a.from)
            """)
        try await step("asset status history", """
            INSERT INTO asset_status_changes (id, asset_id, status, from_day, created_at)
            SELECT \(newID), a.id, 'working', '2024-01-15', \(bind: now) FROM assets a
            UNION ALL
            SELECT \(newID), a.id, 'faulty', \(bind: Day.adding(-30, to: today)), \(bind: now) FROM assets a WHERE a.status = 'faulty'
            """)
        try await step("teams", """
            INSERT INTO digital_teams (id, name, unit_id, commune_id, created_at, updated_at)
            SELECT \(newID), 'Tổ công nghệ số ' || v.code, v.id, v.commune_id, \(bind: now), \(bind: now) FROM (\(villagesOf)) v
            """)
        let m = series(4, pg)
        try await step("team members", """
            \(m.with)INSERT INTO team_members (id, team_id, display_name, leader, joined_on, created_at, updated_at)
            SELECT \(newID), t.id, 'Thành viên ' || CAST(s.n AS TEXT), s.n = 1, '2024-01-01', \(bind: now), \(bind: now)
            FROM digital_teams t CROSS JOIN \(m.from)
            """)
        try await step("visits", """
            INSERT INTO visits (id, client_id, household_id, team_id, visited_on, visitors, helped, outcome, created_at)
            SELECT \(newID), 'bench-' || h.code, h.id, t.id, \(bind: Day.adding(-15, to: today)), 'Tổ công nghệ số', 'vneid', 'done', \(bind: now)
            FROM households h JOIN digital_teams t ON t.unit_id = h.village_id WHERE \(hn) = 1
            """)
        try await step("trainings", """
            INSERT INTO trainings (id, commune_id, team_id, topic, held_on, place, trainer, created_at, updated_at)
            SELECT \(newID), t.commune_id, t.id, 'Kỹ năng số cơ bản', \(bind: Day.adding(-30, to: today)), 'Nhà văn hóa', 'Tổ công nghệ số', \(bind: now), \(bind: now)
            FROM digital_teams t
            """)
        try await step("training attendance", """
            INSERT INTO training_attendance (training_id, resident_id, household_id, attended, recorded_at)
            SELECT (SELECT tr.id FROM digital_teams t JOIN trainings tr ON tr.team_id = t.id WHERE t.unit_id = h.village_id LIMIT 1),
                   r.id, h.id, \(bind: true), \(bind: now)
            FROM households h JOIN residents r ON r.household_id = h.id
            WHERE r.relation = 'spouse' AND \(hn) % 3 <> 0
            """)
        try await step("QR boards", """
            INSERT INTO qr_boards (id, commune_id, village_id, place, contact, created_at)
            SELECT \(newID), v.commune_id, v.id, 'Nhà văn hóa ' || v.code, 'UBND xã', \(bind: now) FROM (\(villagesOf)) v
            """)
        let published = AppClock.now.addingTimeInterval(-20 * 86_400)
        try await step("notices", """
            INSERT INTO announcements (id, unit_id, commune_id, category, status, title, body, channels, published_at, author_name, audience_count, created_at, updated_at)
            SELECT \(newID), c.id, c.id, 'notice', 'published', 'Thông báo', 'Nội dung', 'inbox', \(bind: published), 'UBND xã', 0, \(bind: published), \(bind: published)
            FROM admin_units c WHERE c.parent_id = \(bind: province) AND c.kind = 'commune'
            """)
        try await step("deliveries", """
            INSERT INTO deliveries (id, announcement_id, household_id, village_id, state, delivered_at, read_at, created_at)
            SELECT \(newID), a.id, h.id, h.village_id, CASE WHEN \(hn) % 20 < 17 THEN 'read' ELSE 'delivered' END, \(bind: published),
                   CASE WHEN \(hn) % 20 < 17 THEN \(bind: published.addingTimeInterval(3600)) ELSE NULL END, \(bind: published)
            FROM households h JOIN announcements a ON a.commune_id = h.commune_id
            """)
        guard let p = try await AdminUnit.find(province, on: db) else { throw Abort(.internalServerError) }
        return p
    }

    // MARK: the baseline

    /// The sums over the province's villages of every measure of the shipped set, by plain grouped SQL: one query per
    /// family of measures over every village at once, keyed by measure.
    static func raw(province: UUID, day: String, sql: any SQLDatabase) async throws -> [String: MeasureCount] {
        let communes: SQLQueryString = "SELECT id FROM admin_units WHERE parent_id = \(bind: province) AND kind = 'commune'"
        var out: [String: MeasureCount] = [:]
        func add(_ key: String, _ num: Int, _ den: Int?) { out[key] = (out[key] ?? MeasureCount(0, den == nil ? nil : 0)) + MeasureCount(num, den) }
        func int(_ r: any SQLRow, _ c: String) throws -> Int { try r.decode(column: c, as: Int?.self) ?? 0 }
        let latest: SQLQueryString = """
            (SELECT * FROM (SELECT household_id, internet, smartphone_users, adults_vneid, adults_cashless, in_village_channel, sells_online,
               ROW_NUMBER() OVER (PARTITION BY household_id ORDER BY as_of DESC, created_at DESC, id DESC) AS rn
             FROM household_profiles WHERE voided_at IS NULL AND as_of <= \(bind: day)) x WHERE rn = 1)
            """
        for r in try await sql.raw("""
            SELECT h.village_id, COUNT(*) AS den,
              CAST(SUM(CASE WHEN p.internet IN ('fibre', 'mobile') THEN 1 ELSE 0 END) AS BIGINT) AS internet,
              CAST(SUM(CASE WHEN p.in_village_channel = \(bind: true) THEN 1 ELSE 0 END) AS BIGINT) AS channel,
              CAST(SUM(CASE WHEN p.smartphone_users > 0 THEN 1 ELSE 0 END) AS BIGINT) AS smartphone,
              CAST(SUM(CASE WHEN \(Measures.sellsOnline(day)) THEN 1 ELSE 0 END) AS BIGINT) AS sells
            FROM households h LEFT JOIN \(latest) p ON p.household_id = h.id
            WHERE h.commune_id IN (\(communes)) GROUP BY h.village_id
            """).all() {
            let den = try int(r, "den")
            add("households.internet", try int(r, "internet"), den)
            add("households.villageChannel", try int(r, "channel"), den)
            add("households.smartphone", try int(r, "smartphone"), den)
            add("households.sellsOnline", try int(r, "sells"), den)
        }
        let born = Measures.year(day) - Adults.age
        func capped(_ c: String) -> SQLQueryString { "CASE WHEN COALESCE(p.\(unsafeRaw: c), 0) > a.n THEN a.n ELSE COALESCE(p.\(unsafeRaw: c), 0) END" }
        for r in try await sql.raw("""
            SELECT h.village_id, CAST(SUM(a.n) AS BIGINT) AS den, CAST(SUM(\(capped("adults_vneid"))) AS BIGINT) AS vneid,
                   CAST(SUM(\(capped("adults_cashless"))) AS BIGINT) AS cashless
            FROM households h
            JOIN (SELECT household_id, COUNT(*) AS n FROM residents WHERE birth_year IS NULL OR birth_year <= \(bind: born) GROUP BY household_id) a ON a.household_id = h.id
            LEFT JOIN \(latest) p ON p.household_id = h.id
            WHERE h.commune_id IN (\(communes)) GROUP BY h.village_id
            """).all() {
            let den = try int(r, "den")
            add("adults.vneid", try int(r, "vneid"), den)
            add("adults.cashless", try int(r, "cashless"), den)
        }
        for r in try await sql.raw("""
            SELECT c.ancestor_id, a.kind, COUNT(*) AS n FROM assets a
            JOIN unit_closure c ON c.descendant_id = a.unit_id AND c.is_current = \(bind: true)
            JOIN admin_units v ON v.id = c.ancestor_id AND v.kind = 'village'
            JOIN (SELECT asset_id, status, ROW_NUMBER() OVER (PARTITION BY asset_id ORDER BY from_day DESC, created_at DESC) AS rn
                  FROM asset_status_changes WHERE from_day <= \(bind: day)) s ON s.asset_id = a.id AND s.rn = 1 AND s.status = 'working'
            WHERE a.commune_id IN (\(communes)) GROUP BY c.ancestor_id, a.kind
            """).all() {
            add("assets.\(try r.decode(column: "kind", as: String.self)).working", try int(r, "n"), nil)
        }
        let start = Day.start(Day.adding(-(Measures.recentDays - 1), to: day)) ?? Date.distantPast, end = Measures.end(day)
        for r in try await sql.raw("""
            SELECT d.village_id, COUNT(*) AS den, CAST(SUM(CASE WHEN d.read_at IS NOT NULL AND d.read_at < \(bind: end) THEN 1 ELSE 0 END) AS BIGINT) AS num
            FROM deliveries d JOIN announcements a ON a.id = d.announcement_id JOIN admin_units v ON v.id = d.village_id
            WHERE v.commune_id IN (\(communes)) AND a.published_at >= \(bind: start) AND a.published_at < \(bind: end) GROUP BY d.village_id
            """).all() {
            add("deliveries.read90", try int(r, "num"), try int(r, "den"))
        }
        for r in try await sql.raw("""
            SELECT t.unit_id, COUNT(*) AS n FROM digital_teams t WHERE t.commune_id IN (\(communes)) AND \(Measures.activeTeam(day)) GROUP BY t.unit_id
            """).all() {
            add("teams.active", try int(r, "n"), nil)
        }
        for r in try await sql.raw("""
            SELECT h.village_id, COUNT(*) AS den, CAST(SUM(CASE WHEN \(Measures.attended(day)) THEN 1 ELSE 0 END) AS BIGINT) AS num
            FROM residents r JOIN households h ON h.id = r.household_id
            WHERE h.commune_id IN (\(communes)) AND \(Measures.workingAge(day)) GROUP BY h.village_id
            """).all() {
            add("residents.trained", try int(r, "num"), try int(r, "den"))
        }
        for r in try await sql.raw("""
            SELECT village_id, COUNT(*) AS n FROM qr_boards WHERE commune_id IN (\(communes)) AND village_id IS NOT NULL AND created_at < \(bind: end) GROUP BY village_id
            """).all() {
            add("qrBoards.placed", try int(r, "n"), nil)
        }
        return out
    }

    /// The sums over every village snapshot of the month of each measure's numerator and denominator.
    static func snapshotSums(set: UUID, month: String, sql: any SQLDatabase) async throws -> [String: MeasureCount] {
        var out: [String: MeasureCount] = [:]
        for r in try await sql.raw("""
            SELECT v.measure_key, CAST(SUM(v.numerator) AS BIGINT) AS num, CAST(SUM(v.denominator) AS BIGINT) AS den
            FROM criteria_snapshot_values v JOIN criteria_snapshots s ON s.id = v.snapshot_id
            WHERE s.set_id = \(bind: set) AND s.month = \(bind: month) AND s.unit_kind = 'village' AND v.measure_key IS NOT NULL
            GROUP BY v.measure_key
            """).all() {
            out[try r.decode(column: "measure_key", as: String.self)] = MeasureCount(try r.decode(column: "num", as: Int?.self) ?? 0,
                                                                                   try r.decode(column: "den", as: Int?.self))
        }
        return out
    }
}
