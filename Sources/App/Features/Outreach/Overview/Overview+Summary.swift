// The outreach overview's narrow row per household (`household_outreach`, migration 0014): where the household lives,
// its last visit not voided, its current profile's answers (`ProfileRows.latest`) and its adults in a year. The overview
// adds these rows up instead of picking each household's current profile, last visit and adults from the history on
// every request (docs/outreach.md, "Overview"; docs/benchmarks.md, "Outreach").
//
// Every write that changes a row rewrites it from the history in the same transaction, with one statement for all the
// households it touched (`refresh`): a visit recorded by the form or the API or voided, a profile from the form or an
// import, a household created, changed or moved (the form, the API, the registry import), erased, a resident added or
// changed. A sync batch moves the rows from its own visits and profiles instead (`visited`). Both move the sums per
// place (`OutreachPlaceSums`, migration 0021) by the difference between the rows they replace and the new ones.
// `check` recounts every row from the history and names the households whose row differs; the hourly housekeeping
// (`sweep`) recounts the rows of an earlier year (a resident turns 18 on New Year's Day without any write) and writes
// the row of any household that has none.
import Fluent
import SQLKit
import Vapor

public enum OutreachSummary {
    public static let schema = "household_outreach"
    static let columns = ["household_id", "village_id", "group_id", "last_visit", "profile_id", "profiled", "smartphone", "vneid",
                          "cashless", "online", "sells", "adults", "adults_year", "profile_as_of", "profile_created_at"]
    /// The columns of migration 0014, before 0021 added the current profile's date and time of recording.
    static let columns0014 = Array(columns.prefix(13))

    /// Rewrites the rows of `households` (nil: every household) from the history, counting adults in `year` (nil: this
    /// year), and moves the places' sums (`OutreachPlaceSums`) by the difference between the old rows and the new.
    /// One statement per 5,000 households, with the old rows read (and on PostgreSQL locked) before; call it inside
    /// the write's transaction.
    public static func refresh(_ households: [UUID]?, year: Int? = nil, on db: any Database) async throws {
        let sql = try ProfileRows.sql(db)
        let year = year ?? Int(Day.today().prefix(4))!
        guard let households else {
            try await sql.raw(upsert(nil, year: year)).run()
            try await OutreachPlaceSums.rebuild(on: db)
            return
        }
        let ids = Array(Set(households))
        var start = 0
        while start < ids.count {
            let chunk = Array(ids[start..<min(ids.count, start + 5000)])
            start += chunk.count
            let old = try await Row.stored(chunk, lock: true, on: sql)
            let new = try await sql.raw("\(upsert(chunk, year: year)) RETURNING \(unsafeRaw: Row.columns)").all().map(Row.init)
            try await OutreachPlaceSums.add(old: Array(old.values), new: new, on: sql)
        }
    }

    /// The migration 0014 filled the table before 0021 added columns to it: the same rows, without those columns.
    static func fill0014(on db: any Database) async throws {
        let sql = try ProfileRows.sql(db)
        try await sql.raw(upsert(nil, year: Int(Day.today().prefix(4))!, columns: columns0014)).run()
    }

    /// One visit of a sync batch just written, as the overview's row needs it: its household and day, and the profile
    /// it recorded (its id and answers; recorded at the batch's time).
    struct Visited: Sendable {
        var household: UUID
        var visitedOn: String
        var profile: (id: UUID, fields: ProfileFields)?
    }

    /// The households of a batch of visits just written (`batch`, with the profiles they recorded at `now`), and the
    /// batch's visits per month (`months`, `VisitMonths`). Each household's row moves by the batch's own values, which
    /// the caller already holds (its latest visit, and its latest profile when that comes after the one the row holds,
    /// in the order of `ProfileRows.latest`: date, time recorded, id), and the places' sums by the difference between
    /// the rows before and after, worked out by the database from the rows it holds: nothing is read back into Swift.
    /// PostgreSQL: one data-modifying `WITH` statement (the rows locked in the households' order, updated, the sums
    /// and the months moved). SQLite (one writer at a time): the sums, then the rows, then the months. A household
    /// without a row yet is counted from the history afterwards. Inside the batch's transaction.
    static func visited(_ batch: [Visited], months: [VisitMonths.Delta: Int], at now: Date, on db: any Database) async throws {
        let sql = try ProfileRows.sql(db)
        // Per household: the batch's latest day, and its latest profile. The batch's profiles share their time of
        // recording, so the order of `ProfileRows.latest` is the date, then the id (as the databases order uuids:
        // byte by byte).
        var latest: [UUID: (day: String, profile: (id: UUID, asOf: String, fields: ProfileFields)?)] = [:]
        for v in batch {
            var l = latest[v.household] ?? (v.visitedOn, nil)
            if v.visitedOn > l.day { l.day = v.visitedOn }
            if let p = v.profile {
                if l.profile.map({ $0.asOf < v.visitedOn || ($0.asOf == v.visitedOn && OutreachPlaceSums.compare($0.id, p.id) < 0) }) ?? true { l.profile = (p.id, v.visitedOn, p.fields) }
            }
            latest[v.household] = l
        }
        guard !latest.isEmpty else { return try await VisitMonths.add(months, on: db) }
        let postgres = sql.dialect.name == "postgresql"
        let households = latest.keys.sorted { OutreachPlaceSums.compare($0, $1) < 0 }
        // The batch's values, one row per household, written into the statement (`BatchSQL`: uuids, checked days and
        // counts, never free text), and its time of recording, one parameter: a bound parameter costs the drivers far
        // more than its bytes (1,000 of them were a third of this statement's time).
        let lit = BatchSQL(postgres: postgres)
        let values = households.map { h -> SQLQueryString in
            let l = latest[h]!, f = l.profile?.fields
            let flags = [(f?.smartphoneUsers ?? 0) > 0 ? 1 : 0, f?.adultsVneid ?? 0, f?.adultsCashless ?? 0,
                         f?.onlineServices == true ? 1 : 0, f?.sellsOnline == true ? 1 : 0]
            return "(\(unsafeRaw: lit.uuid(h)), \(lit.day(l.day)), \(unsafeRaw: lit.uuid(l.profile?.id)), \(lit.day(l.profile?.asOf)), \(unsafeRaw: flags.map(String.init).joined(separator: ", ")))"
        }
        let at: SQLQueryString = postgres ? "CAST(\(bind: now) AS timestamptz)" : "\(bind: now)"
        let b: SQLQueryString = """
            v (household_id, day, profile_id, profile_as_of, smartphone, vneid, cashless, online, sells) AS (VALUES \(values.joined(separator: ", "))),
            b AS (SELECT v.household_id, v.day, v.profile_id, v.profile_as_of, CASE WHEN v.profile_id IS NULL THEN NULL ELSE t.at END AS profile_created_at,
              v.smartphone, v.vneid, v.cashless, v.online, v.sells FROM v, (SELECT \(at) AS at) t)
            """
        // The new values of a row `o` (its columns `changed`) with the batch's `b`: the later day; the batch's profile
        // when it comes after the row's. The one rule for the sums' new rows and for the rows written.
        let changed = ["last_visit", "profile_id", "profile_as_of", "profile_created_at", "profiled", "smartphone", "vneid", "cashless", "online", "sells"]
        func next(_ o: String) -> [String] {
            let newer = """
                (b.profile_id IS NOT NULL AND (\(o).profile_id IS NULL OR b.profile_as_of > \(o).profile_as_of \
                OR (b.profile_as_of = \(o).profile_as_of AND (b.profile_created_at > \(o).profile_created_at \
                OR (b.profile_created_at = \(o).profile_created_at AND b.profile_id > \(o).profile_id)))))
                """
            return changed.map { c in
                switch c {
                case "last_visit": "CASE WHEN \(o).last_visit IS NULL OR b.day > \(o).last_visit THEN b.day ELSE \(o).last_visit END"
                case "profiled": "CASE WHEN \(newer) THEN 1 ELSE \(o).profiled END"
                default: "CASE WHEN \(newer) THEN b.\(c) ELSE \(o).\(c) END"
                }
            }
        }
        // The rows before (`old`; PostgreSQL: locked, in the households' order, so that a concurrent writer of the same
        // households waits and then reads the rows this one wrote) and after (`nw`), and both as the sums need them
        // (`r`: -1 for a row before, 1 for a row after). Village, group and adults are not changed by a visit.
        let rowColumns = ["household_id", "village_id", "group_id"] + changed + ["adults", "adults_year"]
        let sumColumns = "village_id, group_id, last_visit, profiled, smartphone, vneid, cashless, online, sells, adults, adults_year"
        let ctes: SQLQueryString = """
            \(b),
            old AS (SELECT \(unsafeRaw: rowColumns.map { "o.\($0)" }.joined(separator: ", ")) FROM household_outreach o
              WHERE o.household_id IN (SELECT household_id FROM b)\(unsafeRaw: postgres ? " ORDER BY o.household_id FOR UPDATE" : "")),
            nw AS (SELECT old.household_id, old.village_id, old.group_id, \(unsafeRaw: zip(next("old"), changed).map { "\($0) AS \($1)" }.joined(separator: ", ")),
              old.adults, old.adults_year FROM old JOIN b ON b.household_id = old.household_id),
            r AS (SELECT -1 AS s, \(unsafeRaw: sumColumns) FROM old UNION ALL SELECT 1, \(unsafeRaw: sumColumns) FROM nw)
            """
        let sums = OutreachPlaceSums.moved(by: "r", postgres: postgres)
        if postgres {
            // The main query runs first (it reads `old`: the rows are locked before anything is written); PostgreSQL
            // then runs the data-modifying parts in the reverse of their order here: the rows, the sums, the months,
            // the order in which every other writer of these tables takes its locks (`refresh`, then `VisitMonths.add`).
            let months: SQLQueryString = VisitMonths.upsert(months, postgres: true).map { "months AS (\($0))," } ?? ""
            let rows = try await sql.raw("""
                WITH \(ctes),
                \(months)
                sums AS (\(sums)),
                up AS (UPDATE household_outreach SET \(unsafeRaw: changed.map { "\($0) = nw.\($0)" }.joined(separator: ", "))
                  FROM nw WHERE household_outreach.household_id = nw.household_id)
                SELECT household_id FROM b WHERE household_id NOT IN (SELECT household_id FROM old)
                """).all()
            let missing = try rows.map { try $0.decode(column: "household_id", as: UUID.self) }
            if !missing.isEmpty { try await refresh(missing, on: db) }
        } else {
            try await sql.raw("WITH \(ctes) \(sums)").run()
            let written = try await sql.raw("""
                WITH \(b)
                UPDATE household_outreach SET \(unsafeRaw: zip(changed, next("household_outreach")).map { "\($0) = \($1)" }.joined(separator: ", "))
                FROM b WHERE household_outreach.household_id = b.household_id
                RETURNING household_id
                """).all().map { try $0.decode(column: "household_id", as: UUID.self) }
            if written.count < households.count {
                let have = Set(written)
                try await refresh(households.filter { !have.contains($0) }, on: db)
            }
            try await VisitMonths.add(months, on: db)
        }
    }

    /// A row as the places' sums need it.
    struct Row: Sendable, Equatable {
        static let columns = "household_id, village_id, group_id, last_visit, profiled, smartphone, vneid, cashless, online, sells, adults, adults_year"
        var household: UUID
        var village: UUID
        var group: UUID?
        var lastVisit: String?
        /// profiled, smartphone, vneid, cashless, online, sells, adults, adults_year.
        var profiled = 0, smartphone = 0, vneid = 0, cashless = 0, online = 0, sells = 0, adults = 0, year = 0

        init(_ r: any SQLRow) throws {
            household = try r.decode(column: "household_id", as: UUID.self)
            village = try r.decode(column: "village_id", as: UUID.self)
            group = try r.decode(column: "group_id", as: UUID?.self)
            lastVisit = try r.decode(column: "last_visit", as: String?.self)
            profiled = try r.decode(column: "profiled", as: Int.self)
            smartphone = try r.decode(column: "smartphone", as: Int.self)
            vneid = try r.decode(column: "vneid", as: Int.self)
            cashless = try r.decode(column: "cashless", as: Int.self)
            online = try r.decode(column: "online", as: Int.self)
            sells = try r.decode(column: "sells", as: Int.self)
            adults = try r.decode(column: "adults", as: Int.self)
            year = try r.decode(column: "adults_year", as: Int.self)
        }

        /// The stored rows of `households`, by household; `lock`: on PostgreSQL, held until the transaction ends (in
        /// the households' order, so that two writers cannot lock them crosswise), so that a concurrent writer of the
        /// same households waits and then reads the rows this one wrote.
        static func stored(_ households: [UUID], lock: Bool, on sql: any SQLDatabase) async throws -> [UUID: Row] {
            guard !households.isEmpty else { return [:] }
            let forUpdate = lock && sql.dialect.name == "postgresql" ? " FOR UPDATE" : ""
            let rows = try await sql.raw("""
                SELECT \(unsafeRaw: columns) FROM household_outreach WHERE household_id IN (\(binds: households))
                ORDER BY household_id\(unsafeRaw: forUpdate)
                """).all().map(Row.init)
            return Dictionary(rows.map { ($0.household, $0) }, uniquingKeysWith: { a, _ in a })
        }
    }

    /// The rows as the history gives them (`households` nil: every household), in the order of `columns`.
    static func fresh(_ households: [UUID]?, year: Int, profileTimes: Bool = true) -> SQLQueryString {
        let onlyHouseholds: SQLQueryString = households.map { "h.id IN (\(binds: $0))" } ?? "1 = 1"
        let onlyProfiles: SQLQueryString = households.map { "AND p.household_id IN (\(binds: $0))" } ?? ""
        return """
            SELECT h.id AS household_id, h.village_id, h.group_id,
              (SELECT MAX(v.visited_on) FROM visits v WHERE v.household_id = h.id AND v.voided_at IS NULL) AS last_visit,
              lp.id AS profile_id,
              CASE WHEN lp.id IS NULL THEN 0 ELSE 1 END AS profiled,
              CASE WHEN lp.smartphone_users > 0 THEN 1 ELSE 0 END AS smartphone,
              COALESCE(lp.adults_vneid, 0) AS vneid,
              COALESCE(lp.adults_cashless, 0) AS cashless,
              CASE WHEN lp.online_services THEN 1 ELSE 0 END AS online,
              CASE WHEN lp.sells_online THEN 1 ELSE 0 END AS sells,
              (SELECT COUNT(*) FROM residents r WHERE r.household_id = h.id
                 AND (r.birth_year IS NULL OR r.birth_year <= \(bind: year - Adults.age))) AS adults,
              \(unsafeRaw: String(year)) AS adults_year\(unsafeRaw: profileTimes ? ", lp.as_of AS profile_as_of, lp.created_at AS profile_created_at" : "")
            FROM households h LEFT JOIN (
              SELECT p.id, p.household_id, p.as_of, p.created_at, p.smartphone_users, p.adults_vneid, p.adults_cashless, p.online_services, p.sells_online,
                ROW_NUMBER() OVER (PARTITION BY p.household_id ORDER BY p.as_of DESC, p.created_at DESC, p.id DESC) AS rn
              FROM household_profiles p WHERE p.voided_at IS NULL \(onlyProfiles)
            ) lp ON lp.household_id = h.id AND lp.rn = 1
            WHERE \(onlyHouseholds)
            """
    }

    static func upsert(_ households: [UUID]?, year: Int, columns: [String] = columns) -> SQLQueryString {
        let set = columns.dropFirst().map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
        return """
            INSERT INTO household_outreach (\(unsafeRaw: columns.joined(separator: ", ")))
            \(fresh(households, year: year, profileTimes: columns.count > columns0014.count))
            ON CONFLICT (household_id) DO UPDATE SET \(unsafeRaw: set)
            """
    }

    /// The adults of a row in `year`: the stored count when it was counted for that year, else counted again.
    static func adults(_ row: String, year: Int) -> SQLQueryString {
        """
        CASE WHEN \(unsafeRaw: row).adults_year = \(unsafeRaw: String(year)) THEN \(unsafeRaw: row).adults
          ELSE (SELECT COUNT(*) FROM residents r WHERE r.household_id = \(unsafeRaw: row).household_id
                AND (r.birth_year IS NULL OR r.birth_year <= \(unsafeRaw: String(year - Adults.age)))) END
        """
    }

    /// Whether any row holds the adults of another year than `year`: the table's smallest and largest year, each one
    /// probe of the end of the index on `adults_year` on both databases. (`WHERE adults_year <> year LIMIT 1` was
    /// planned by PostgreSQL as a scan of every row whenever its statistics were stale, as they are after a burst of
    /// writes: 4 ms for 10,000 households, the largest part of the overview's time there.)
    static func otherYear(_ year: Int, on sql: any SQLDatabase) async throws -> Bool {
        guard let row = try await sql.raw("SELECT \(unsafeRaw: yearBounds)").first() else { return false }
        return try holdsOtherYear(row, year)
    }

    /// The columns `lo` and `hi` of `otherYear`, for a statement that asks it beside its own columns.
    static let yearBounds = "(SELECT MIN(adults_year) FROM household_outreach) AS lo, (SELECT MAX(adults_year) FROM household_outreach) AS hi"

    /// Whether a row with `yearBounds` names another year than `year`.
    static func holdsOtherYear(_ row: any SQLRow, _ year: Int) throws -> Bool {
        let lo = try row.decode(column: "lo", as: Int?.self), hi = try row.decode(column: "hi", as: Int?.self)
        return (lo.map { $0 != year } ?? false) || (hi.map { $0 != year } ?? false)
    }

    /// One household whose stored row differs from the history: what is stored and what the history gives (nil: no row).
    public struct Difference: Sendable, Equatable, CustomStringConvertible {
        public var householdId: UUID
        public var stored: [String]?
        public var expected: [String]?
        public var description: String { "\(householdId): stored \(stored ?? ["none"]), expected \(expected ?? ["none"])" }
    }

    /// Recounts every row from the history (visits, profiles, residents, households) and answers the households whose
    /// row differs, is missing, or belongs to no household. A row counted for another year is compared with the
    /// adults of that year. Empty: the table is right.
    public static func check(on db: any Database) async throws -> [Difference] {
        let (stored, expected, _) = try await history(on: db)
        // Households with no row yet are expected in this year's count; rows of no household are expected nowhere.
        return Set(stored.keys).union(expected.keys).compactMap { id in
            stored[id] == expected[id] ? nil : Difference(householdId: id, stored: stored[id], expected: expected[id])
        }.sorted { $0.householdId.uuidString < $1.householdId.uuidString }
    }

    /// The stored rows and the rows the history gives (each counted for the year of its stored row, this year when
    /// none), as text to compare, and the latter as rows (`OutreachPlaceSums.check` adds them up).
    static func history(on db: any Database) async throws -> (stored: [UUID: [String]], expected: [UUID: [String]], rows: [UUID: Row]) {
        let sql = try ProfileRows.sql(db)
        func rows(_ q: SQLQueryString) async throws -> [UUID: ([String], Row)] {
            var out: [UUID: ([String], Row)] = [:]
            for r in try await sql.raw(q).all() {
                let id = try r.decode(column: "household_id", as: UUID.self)
                out[id] = ([try r.decode(column: "village_id", as: UUID.self).uuidString,
                            try r.decode(column: "group_id", as: UUID?.self)?.uuidString ?? "-",
                            try r.decode(column: "last_visit", as: String?.self) ?? "-",
                            try r.decode(column: "profile_id", as: UUID?.self)?.uuidString ?? "-"]
                    + (try ["profiled", "smartphone", "vneid", "cashless", "online", "sells", "adults", "adults_year"]
                        .map { String(try r.decode(column: $0, as: Int.self)) })
                    + [try r.decode(column: "profile_as_of", as: String?.self) ?? "-"], try Row(r))
            }
            return out
        }
        let stored = try await rows("SELECT * FROM household_outreach").mapValues(\.0)
        var expected: [UUID: [String]] = [:], expectedRows: [UUID: Row] = [:]
        let thisYear = Int(Day.today().prefix(4))!
        let years = Set(stored.values.compactMap { Int($0[11]) }).union([thisYear])
        for year in years.sorted() {
            for (id, row) in try await rows(fresh(nil, year: year))
            where Int(stored[id]?[11] ?? "") == year || (stored[id] == nil && year == thisYear) {
                expected[id] = row.0
                expectedRows[id] = row.1
            }
        }
        return (stored, expected, expectedRows)
    }

    /// The hourly housekeeping: recounts the rows counted for another year than this one, and writes the row of any
    /// household without one. Answers how many rows it wrote.
    public static func sweep(on db: any Database) async throws -> Int {
        let sql = try ProfileRows.sql(db)
        let year = Int(Day.today().prefix(4))!
        let ids = try await sql.raw("""
            SELECT household_id AS id FROM household_outreach WHERE adults_year <> \(bind: year)
            UNION SELECT h.id FROM households h WHERE NOT EXISTS (SELECT 1 FROM household_outreach o WHERE o.household_id = h.id)
            """).all().map { try $0.decode(column: "id", as: UUID.self) }
        guard !ids.isEmpty else { return 0 }
        try await db.writeTransaction { db in try await refresh(ids, year: year, on: db) }
        return ids.count
    }
}

/// The overview's member table without reading every visit (`visit_months`, migration 0014): the visits not voided
/// per place of the household now (village, group), team, person who recorded them and month (yyyy-MM). A batch of
/// visits adds its counts with one statement (`add`), a void takes one away, and a household that moves has the
/// counts of the villages it left and joined counted again from the visits (`recount`).
///
/// Each village also has rows for the whole village (migration 0038): group `wholeVillage`, team `none`, per person and
/// month, the sum of the village's other rows, moved by the same statements. The overview of a village or a commune
/// reads those (a commune of 45,000 households: a few hundred rows for its four villages instead of 1,880 across its
/// 36 groups, teams and people); a group's reads its own rows, a team's its team's (never the whole village's).
public enum VisitMonths {
    public static let schema = "visit_months"
    /// The group of a village's rows for the whole village.
    public static let wholeVillage = UUID(uuid: (255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255))
    /// Stands for "none" in a key column: no group, no team, no person (a token or the system).
    public static let none = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))

    /// One key's count to add (or take away, negative).
    struct Delta: Hashable {
        var village: UUID
        var group: UUID?
        var team: UUID?
        var person: UUID?
        var month: String
    }

    /// Adds each key's count (negative: takes away), one statement.
    static func add(_ deltas: [Delta: Int], on db: any Database) async throws {
        let sql = try ProfileRows.sql(db)
        guard let upsert = upsert(deltas, postgres: sql.dialect.name == "postgresql") else { return }
        try await sql.raw(upsert).run()
    }

    /// The statement that adds each key's count, the keys written into it (`BatchSQL`); nil when there is nothing to add.
    static func upsert(_ deltas: [Delta: Int], postgres: Bool) -> SQLQueryString? {
        let rows = withVillageRows(deltas)
        guard !rows.isEmpty else { return nil }
        let lit = BatchSQL(postgres: postgres)
        let values = rows.map { ids, month, n -> SQLQueryString in
            "(\(unsafeRaw: ids.map(lit.uuid).joined(separator: ", ")), \(lit.day(month)), \(unsafeRaw: String(n)))"
        }
        return """
            INSERT INTO visit_months (village_id, group_id, team_id, recorded_by, month, visits)
            VALUES \(values.joined(separator: ", "))
            ON CONFLICT (village_id, group_id, team_id, recorded_by, month) DO UPDATE SET visits = visit_months.visits + excluded.visits
            """
    }

    /// The rows `deltas` move (village, group, team, person; month; count), each key's row and its village's row for
    /// the whole village, counts of a key added up, zeros left out, in the keys' order (bytes, then month: two writers
    /// on PostgreSQL take the rows' locks in the same order).
    static func withVillageRows(_ deltas: [Delta: Int]) -> [(ids: [UUID], month: String, n: Int)] {
        var sums: [Delta: Int] = [:]
        for (d, n) in deltas where n != 0 {
            sums[Delta(village: d.village, group: d.group ?? none, team: d.team ?? none, person: d.person ?? none, month: d.month), default: 0] += n
            sums[Delta(village: d.village, group: wholeVillage, team: none, person: d.person ?? none, month: d.month), default: 0] += n
        }
        return sums.filter { $0.value != 0 }.map { d, n in ([d.village, d.group!, d.team!, d.person!], d.month, n) }.sorted { a, b in
            for (x, y) in zip(a.ids, b.ids) { let c = OutreachPlaceSums.compare(x, y); if c != 0 { return c < 0 } }
            return a.month < b.month
        }
    }

    /// The counts as the visits give them, for the households of `villages` now (nil: every village): each place,
    /// team and person's rows, and each village's rows for the whole village.
    static func fresh(villages: [UUID]?) -> SQLQueryString {
        let only: SQLQueryString = villages.map { "AND h.village_id IN (\(binds: $0))" } ?? ""
        return """
            SELECT h.village_id, COALESCE(h.group_id, \(bind: none)) AS group_id, COALESCE(v.team_id, \(bind: none)) AS team_id,
              COALESCE(v.recorded_by, \(bind: none)) AS recorded_by, SUBSTR(v.visited_on, 1, 7) AS month, COUNT(*) AS visits
            FROM visits v JOIN households h ON h.id = v.household_id
            WHERE v.voided_at IS NULL \(only)
            GROUP BY 1, 2, 3, 4, 5
            UNION ALL
            SELECT h.village_id, \(bind: wholeVillage), \(bind: none), COALESCE(v.recorded_by, \(bind: none)), SUBSTR(v.visited_on, 1, 7), COUNT(*)
            FROM visits v JOIN households h ON h.id = v.household_id
            WHERE v.voided_at IS NULL \(only)
            GROUP BY 1, 4, 5
            """
    }

    /// Counts the rows of `villages` (nil: all) again from the visits. Inside the write's transaction.
    public static func recount(villages: [UUID]?, on db: any Database) async throws {
        let sql = try ProfileRows.sql(db)
        if let villages {
            let ids = Array(Set(villages))
            guard !ids.isEmpty else { return }
            try await sql.raw("DELETE FROM visit_months WHERE village_id IN (\(binds: ids))").run()
        } else {
            try await sql.raw("DELETE FROM visit_months").run()
        }
        try await sql.raw("""
            INSERT INTO visit_months (village_id, group_id, team_id, recorded_by, month, visits)
            \(fresh(villages: villages.map { Array(Set($0)) }))
            """).run()
    }

    /// The keys whose stored count differs from the visits (a count of 0 is the same as no row).
    public static func check(on db: any Database) async throws -> [String] {
        let sql = try ProfileRows.sql(db)
        func rows(_ q: SQLQueryString) async throws -> [String: Int] {
            var out: [String: Int] = [:]
            for r in try await sql.raw(q).all() {
                let key = try ["village_id", "group_id", "team_id", "recorded_by"].map { try r.decode(column: $0, as: UUID.self).uuidString }
                    .joined(separator: "|") + "|" + (try r.decode(column: "month", as: String.self))
                let n = try r.decode(column: "visits", as: Int.self)
                if n != 0 { out[key] = n }
            }
            return out
        }
        let stored = try await rows("SELECT * FROM visit_months")
        let expected = try await rows(fresh(villages: nil))
        return Set(stored.keys).union(expected.keys).filter { stored[$0] != expected[$0] }
            .map { "\($0): stored \(stored[$0] ?? 0), expected \(expected[$0] ?? 0)" }.sorted()
    }
}

/// Values of a batch written into a statement instead of bound: uuids, and days or months (digits and '-') that the
/// batch has checked; anything else is bound. For statements with hundreds of rows of such values (a sync batch's
/// overview rows and month counts): each bound parameter costs the drivers far more than its bytes. SQLite keeps a uuid
/// as its text (`uuidString`), PostgreSQL as `uuid`.
struct BatchSQL {
    var postgres: Bool

    func uuid(_ u: UUID?) -> String {
        guard let u else { return postgres ? "CAST(NULL AS uuid)" : "NULL" }
        return postgres ? "CAST('\(u.text)' AS uuid)" : "'\(u.text)'"
    }

    func day(_ d: String?) -> SQLQueryString {
        guard let d else { return postgres ? "CAST(NULL AS text)" : "NULL" }
        guard !d.isEmpty, d.utf8.count <= 10, d.utf8.allSatisfy({ $0 == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
            return "\(bind: d)"
        }
        return postgres ? "CAST('\(unsafeRaw: d)' AS text)" : "'\(unsafeRaw: d)'"
    }
}
