// The outreach overview's sums per place (`outreach_place_sums`, migration 0021): the rows of `household_outreach`
// added up ahead of time, so that the overview of a commune of 45,000 households adds up a few hundred rows instead
// of 45,000 (docs/outreach.md, "Overview"; docs/benchmarks.md, "Outreach").
//
// Per village, group (`VisitMonths.none` for none) and year of the adults, a row whose `day` is "-" holds the
// time-free sums: households, never visited, profiled, smartphone, online services, sells online, adults, and the
// adults with VNeID / cashless clipped to each household's adults. Per village, group and day, a row holds the
// households whose last visit (not voided) was that day: "visited in the last 90 days" adds at most 90 of them per
// place. Nothing is counted from the history here: every write of `household_outreach` reads the rows it replaces
// first (on PostgreSQL locking them, so that a concurrent writer of the same households waits and reads the new
// ones) and moves the sums by the difference between old and new rows, in one statement, in the same transaction
// (`OutreachSummary.refresh` and `OutreachSummary.visited`). `check` recounts the sums from the history.
import Fluent
import SQLKit
import Vapor

public enum OutreachPlaceSums {
    public static let schema = "outreach_place_sums"
    /// The `day` of a time-free row.
    static let timeFree = "-"
    /// The summed columns, in the order of `Sums`.
    static let sums = ["households", "never", "profiled", "smartphone", "online", "sells", "adults", "vneid", "cashless"]

    struct Key: Hashable, Comparable {
        var village: UUID
        var group: UUID
        var year: Int
        var day: String
        static func < (a: Key, b: Key) -> Bool {
            let v = OutreachPlaceSums.compare(a.village, b.village)
            if v != 0 { return v < 0 }
            let g = OutreachPlaceSums.compare(a.group, b.group)
            if g != 0 { return g < 0 }
            return (a.year, a.day) < (b.year, b.day)
        }
    }

    /// Two uuids in the order of their bytes (the order of their text, without writing it out: sorting a batch's keys
    /// by `uuidString` formatted two strings per comparison).
    static func compare(_ a: UUID, _ b: UUID) -> Int32 {
        withUnsafeBytes(of: a.uuid) { x in withUnsafeBytes(of: b.uuid) { y in memcmp(x.baseAddress!, y.baseAddress!, 16) } }
    }

    /// What one household's row adds to the sums (`sign` -1: takes away).
    static func contributions(_ r: OutreachSummary.Row, sign: Int) -> [(Key, [Int])] {
        let group = r.group ?? VisitMonths.none
        var out: [(Key, [Int])] = [(Key(village: r.village, group: group, year: r.year, day: timeFree),
                                    [1, r.lastVisit == nil ? 1 : 0, r.profiled, r.smartphone, r.online, r.sells, r.adults,
                                     min(r.vneid, r.adults), min(r.cashless, r.adults)].map { $0 * sign })]
        if let day = r.lastVisit {
            out.append((Key(village: r.village, group: group, year: 0, day: day), [sign, 0, 0, 0, 0, 0, 0, 0, 0]))
        }
        return out
    }

    /// Adds each place's difference between the `new` rows and the `old` rows they replace, one statement (keys in
    /// one order, so that two writers on PostgreSQL take the rows' locks in the same order).
    static func add(old: [OutreachSummary.Row], new: [OutreachSummary.Row], on sql: any SQLDatabase) async throws {
        var deltas: [Key: [Int]] = [:]
        for (rows, sign) in [(old, -1), (new, 1)] {
            for r in rows {
                for (k, v) in contributions(r, sign: sign) {
                    let have = deltas[k] ?? Array(repeating: 0, count: sums.count)
                    deltas[k] = zip(have, v).map { $0 + $1 }
                }
            }
        }
        let keys = deltas.filter { $0.value.contains { $0 != 0 } }.keys.sorted()
        guard !keys.isEmpty else { return }
        var start = 0
        while start < keys.count {
            let chunk = keys[start..<min(keys.count, start + 5000)]
            start += chunk.count
            let values = chunk.map { k -> SQLQueryString in
                "(\(bind: k.village), \(bind: k.group), \(unsafeRaw: String(k.year)), \(bind: k.day), \(unsafeRaw: deltas[k]!.map(String.init).joined(separator: ", ")))"
            }
            let set = sums.map { "\($0) = outreach_place_sums.\($0) + excluded.\($0)" }.joined(separator: ", ")
            try await sql.raw("""
                INSERT INTO outreach_place_sums (village_id, group_id, adults_year, day, \(unsafeRaw: sums.joined(separator: ", ")))
                VALUES \(values.joined(separator: ", "))
                ON CONFLICT (village_id, group_id, adults_year, day) DO UPDATE SET \(unsafeRaw: set)
                """).run()
        }
    }

    /// The sums moved by rows counted in SQL: `rows` names a table of `s` (-1: a row replaced, 1: its new row),
    /// village_id, group_id, last_visit and the summed columns of `household_outreach`; each place's difference is
    /// added with one statement, in the keys' order (byte order, as `add` sorts them: two writers on PostgreSQL take
    /// the rows' locks in the same order). What `add` does with rows read into Swift, without reading them.
    static func moved(by rows: String, postgres: Bool) -> SQLQueryString {
        let none: SQLQueryString = "\(bind: VisitMonths.none)"
        let set = sums.map { "\($0) = outreach_place_sums.\($0) + excluded.\($0)" }.joined(separator: ", ")
        return """
            INSERT INTO outreach_place_sums (village_id, group_id, adults_year, day, \(unsafeRaw: sums.joined(separator: ", ")))
            SELECT village_id, group_id, adults_year, day, \(unsafeRaw: sums.map { "SUM(\($0))" }.joined(separator: ", ")) FROM (
              SELECT village_id, COALESCE(group_id, \(none)) AS group_id, adults_year, '\(unsafeRaw: timeFree)' AS day, s AS households,
                s * (CASE WHEN last_visit IS NULL THEN 1 ELSE 0 END) AS never, s * profiled AS profiled, s * smartphone AS smartphone,
                s * online AS online, s * sells AS sells, s * adults AS adults,
                s * (CASE WHEN vneid > adults THEN adults ELSE vneid END) AS vneid, s * (CASE WHEN cashless > adults THEN adults ELSE cashless END) AS cashless
              FROM \(unsafeRaw: rows)
              UNION ALL
              SELECT village_id, COALESCE(group_id, \(none)), 0, last_visit, s, 0, 0, 0, 0, 0, 0, 0, 0 FROM \(unsafeRaw: rows) WHERE last_visit IS NOT NULL
            ) d WHERE 1 = 1
            GROUP BY village_id, group_id, adults_year, day
            HAVING \(unsafeRaw: sums.map { "SUM(\($0)) <> 0" }.joined(separator: " OR "))
            ORDER BY village_id, group_id, adults_year, day\(unsafeRaw: postgres ? " COLLATE \"C\"" : "")
            ON CONFLICT (village_id, group_id, adults_year, day) DO UPDATE SET \(unsafeRaw: set)
            """
    }

    /// Counts every sum again from `household_outreach` (after it was written for every household). Inside the
    /// write's transaction, or in a migration.
    static func rebuild(on db: any Database) async throws {
        let sql = try ProfileRows.sql(db)
        try await sql.raw("DELETE FROM outreach_place_sums").run()
        try await sql.raw("""
            INSERT INTO outreach_place_sums (village_id, group_id, adults_year, day, \(unsafeRaw: sums.joined(separator: ", ")))
            SELECT village_id, COALESCE(group_id, \(bind: VisitMonths.none)), adults_year, '\(unsafeRaw: timeFree)', COUNT(*),
              SUM(CASE WHEN last_visit IS NULL THEN 1 ELSE 0 END), SUM(profiled), SUM(smartphone), SUM(online), SUM(sells), SUM(adults),
              SUM(CASE WHEN vneid > adults THEN adults ELSE vneid END), SUM(CASE WHEN cashless > adults THEN adults ELSE cashless END)
            FROM household_outreach GROUP BY 1, 2, 3
            UNION ALL
            SELECT village_id, COALESCE(group_id, \(bind: VisitMonths.none)), 0, last_visit, COUNT(*), 0, 0, 0, 0, 0, 0, 0, 0
            FROM household_outreach WHERE last_visit IS NOT NULL GROUP BY 1, 2, 4
            """).run()
    }

    /// The sums that differ from the history (`OutreachSummary.history`: each household's row as visits, profiles and
    /// residents give it), one line per place and day; a sum of 0 is the same as no row. Empty: the table is right.
    public static func check(on db: any Database) async throws -> [String] {
        let sql = try ProfileRows.sql(db)
        var expected: [Key: [Int]] = [:]
        for r in try await OutreachSummary.history(on: db).rows.values {
            for (k, v) in contributions(r, sign: 1) {
                expected[k] = zip(expected[k] ?? Array(repeating: 0, count: sums.count), v).map { $0 + $1 }
            }
        }
        var stored: [Key: [Int]] = [:]
        for r in try await sql.raw("SELECT * FROM outreach_place_sums").all() {
            let k = Key(village: try r.decode(column: "village_id", as: UUID.self), group: try r.decode(column: "group_id", as: UUID.self),
                        year: try r.decode(column: "adults_year", as: Int.self), day: try r.decode(column: "day", as: String.self))
            stored[k] = try sums.map { try r.decode(column: $0, as: Int.self) }
        }
        let zero = Array(repeating: 0, count: sums.count)
        return Set(stored.keys).union(expected.keys).sorted().compactMap { k in
            let s = stored[k] ?? zero, e = expected[k] ?? zero
            return s == e ? nil : "\(k.village)|\(k.group)|\(k.year)|\(k.day): stored \(s), expected \(e)"
        }
    }

    /// The overview's figures for the places `scope` selects (on the alias `o`), adults counted in `year`, visited on
    /// `since` or later, from the time-free rows of that year and the day rows from `since`; nil when some household's
    /// row holds the adults of another year (`OutreachSummary.otherYear`, asked in the same statement), when the sums
    /// are not right for `year`.
    static func figures(_ scope: any SQLExpression, year: Int, since: String, on sql: any SQLDatabase) async throws -> [String: Int]? {
        let other = OutreachSummary.yearBounds
        let row: (any SQLRow)?
        if sql.dialect.name == "sqlite" {
            // SQLite: two ranges of the index on (village_id, day), the time-free rows of `year` and the day rows from
            // `since` (not '-'). One condition with OR read every row of the places (a commune of 45,000 households:
            // 2,159 rows, 0.75 ms, against 0.2 ms).
            row = try await sql.raw("""
                SELECT \(unsafeRaw: sums.map { "CAST(SUM(o.\($0)) AS BIGINT) AS \($0)" }.joined(separator: ", ")),
                  (SELECT CAST(SUM(o.households) AS BIGINT) FROM outreach_place_sums o
                   WHERE \(scope) AND o.day >= \(bind: since) AND o.day <> '\(unsafeRaw: Self.timeFree)') AS visited, \(unsafeRaw: other)
                FROM outreach_place_sums o
                WHERE \(scope) AND o.day = '\(unsafeRaw: Self.timeFree)' AND o.adults_year = \(unsafeRaw: String(year))
                """).first()
        } else {
            // PostgreSQL: one pass with the condition as OR (a bitmap of both ranges, or one scan of a small table);
            // the two ranges as above took longer to plan than to run, and more to run (0.96 against 0.61 ms).
            let timeFree = sums.map { "CAST(SUM(CASE WHEN o.day = '\(Self.timeFree)' THEN o.\($0) ELSE 0 END) AS BIGINT) AS \($0)" }
            row = try await sql.raw("""
                SELECT \(unsafeRaw: timeFree.joined(separator: ", ")),
                  CAST(SUM(CASE WHEN o.day = '\(unsafeRaw: Self.timeFree)' THEN 0 ELSE o.households END) AS BIGINT) AS visited, \(unsafeRaw: other)
                FROM outreach_place_sums o
                WHERE \(scope) AND ((o.day = '\(unsafeRaw: Self.timeFree)' AND o.adults_year = \(unsafeRaw: String(year))) OR (o.day >= \(bind: since) AND o.day <> '\(unsafeRaw: Self.timeFree)'))
                """).first()
        }
        if let row, try OutreachSummary.holdsOtherYear(row, year) { return nil }
        var out: [String: Int] = [:]
        for c in sums + ["visited"] { out[c] = try row?.decode(column: c, as: Int?.self) ?? 0 }
        return out
    }
}
