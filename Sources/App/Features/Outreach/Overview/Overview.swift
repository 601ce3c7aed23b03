// The outreach overview's reads (docs/outreach.md, "Overview"): for the households at or below a unit (or a team's
// unit), how many were visited in the last 90 days and how many never, the current profile figures, the households
// behind each figure, and each member's visits per month. A commune of old Đan Phượng holds 45,000 households, so
// everything is counted in SQL, never per household in Swift: the figures from the sums per place kept ahead of time
// (`outreach_place_sums`, `OutreachPlaceSums`), the lists from one narrow row per household (`household_outreach`),
// both kept by `OutreachSummary` in the transactions that change them, rather than from the history tables
// (docs/benchmarks.md, "Outreach overview").
import Fluent
import SQLKit
import Vapor

/// One figure: `numerator` of `denominator`, and the percentage (nil when the denominator is 0).
public struct OutreachFigureDTO: Content, Sendable, Equatable {
    public var numerator: Int
    public var denominator: Int
    public var percent: Double?

    init(_ n: Int, _ d: Int) {
        numerator = n
        denominator = d
        percent = d == 0 ? nil : (Double(n) * 1000 / Double(d)).rounded() / 10
    }
}

/// The current profile figures. Household figures count households whose current profile says yes, out of every
/// household in scope (one without a profile, or with the answer not known, counts as "no"); adult figures count the
/// adults a profile names (never more than the household's adults this year) out of every adult in scope.
public struct OutreachFiguresDTO: Content, Sendable, Equatable {
    /// Households with at least one smartphone user.
    public var smartphone: OutreachFigureDTO
    /// Adults with VNeID (level 2).
    public var vneid: OutreachFigureDTO
    /// Adults with a cashless payment account.
    public var cashless: OutreachFigureDTO
    /// Households with someone holding an online public-service account.
    public var onlineServices: OutreachFigureDTO
    /// Households selling online.
    public var sellsOnline: OutreachFigureDTO
}

/// One person's (`recorded_by`) visits per month, in the order of `OutreachOverviewDTO.months`.
public struct OutreachMemberMonthsDTO: Content, Sendable, Equatable {
    /// nil: visits recorded without a person (an API token).
    public var personId: UUID?
    public var name: String
    public var visits: [Int]
    public var total: Int
}

public struct OutreachOverviewDTO: Content, Sendable, Equatable {
    public var unitId: UUID
    public var teamId: UUID?
    /// The day the figures are counted on, and the first day of "the last 90 days".
    public var asOf: String
    public var since: String
    public var households: Int
    /// Households with a current profile.
    public var profiled: OutreachFigureDTO
    public var visited90Days: OutreachFigureDTO
    public var neverVisited: OutreachFigureDTO
    public var adults: Int
    public var figures: OutreachFiguresDTO
    /// The last 12 months, oldest first ("2026-01").
    public var months: [String]
    /// Visits (not voided) per month, all members together.
    public var visitsPerMonth: [Int]
    public var members: [OutreachMemberMonthsDTO]
}

/// A household behind a figure (the `show` lists and the never-visited list).
public struct OutreachHouseholdRowDTO: Content, Sendable, Equatable {
    public var householdId: UUID
    public var code: String
    public var representative: String?
    public var address: String
    public var phone: String?
    public var villageName: String
    public var groupName: String?
    public var lastVisitOn: String?
}

/// Which households a list shows: those counted in a figure, or those not counted.
public enum OutreachList: String, CaseIterable, Sendable {
    case visited, notVisited, neverVisited, profiled, noProfile
    case smartphone, noSmartphone, vneid, noVneid, cashless, noCashless, onlineServices, noOnlineServices, sellsOnline, noSellsOnline

    /// The condition on the `base` row (see `OverviewQueries.base`).
    var condition: String {
        switch self {
        case .visited: return "b.visited = 1"
        case .notVisited: return "b.visited = 0"
        case .neverVisited: return "b.never = 1"
        case .profiled: return "b.profiled = 1"
        case .noProfile: return "b.profiled = 0"
        case .smartphone: return "b.smartphone = 1"
        case .noSmartphone: return "b.smartphone = 0"
        // Households whose adults count towards the figure, and households with an adult not (yet) counted.
        case .vneid: return "b.vneid > 0"
        case .noVneid: return "b.vneid < b.adults"
        case .cashless: return "b.cashless > 0"
        case .noCashless: return "b.cashless < b.adults"
        case .onlineServices: return "b.online = 1"
        case .noOnlineServices: return "b.online = 0"
        case .sellsOnline: return "b.sells = 1"
        case .noSellsOnline: return "b.sells = 0"
        }
    }
}

public enum OverviewQueries {
    /// Visited "in the last 90 days": on `since` or later.
    public static let days = 90

    /// The overview of the households at or below `unit`.
    public static func unit(_ unit: AdminUnit, today: String = Day.today(), on db: any Database) async throws -> OutreachOverviewDTO {
        // The visits per month: a group's own rows; a village's or a commune's rows for each whole village.
        let visits: any SQLExpression = unit.kind == .group ? UnitClosure.villageOrGroupBelow("m", roots: [unit])
            : SQLBinaryExpression(UnitClosure.villageOrGroupBelow("m", roots: [unit]), .and,
                                  SQLBinaryExpression(SQLColumn("group_id", table: "m"), .equal, SQLBind(VisitMonths.wholeVillage)))
        return try await overview(unitID: unit.id!, teamID: nil, scope: UnitClosure.villageOrGroupBelow("o", roots: [unit]),
                                  visits: visits, today: today, on: db)
    }

    /// The overview of a team: the households of the unit it serves (a village or the whole commune), and its own
    /// members' visits (those recorded for the team). For the team page (`/teams/:id`).
    public static func team(_ team: DigitalTeam, today: String = Day.today(), on db: any Database) async throws -> OutreachOverviewDTO {
        guard let unit = try await AdminUnit.find(team.unitID, on: db) else { throw Abort(.notFound) }
        let scope = UnitClosure.villageOrGroupBelow("o", roots: [unit])
        return try await overview(unitID: unit.id!, teamID: team.id, scope: scope,
                                  visits: SQLBinaryExpression(left: SQLColumn("team_id", table: "m"), op: SQLBinaryOperator.equal, right: SQLBind(team.id!)),
                                  today: today, on: db)
    }

    static func since(_ today: String) -> String { Day.adding(-(days - 1), to: today) }

    /// The households in scope with, for each, 0/1 flags and counts the figures add up (SQL: a `WITH` clause
    /// naming `base`), read from each household's row of `household_outreach` (`OutreachSummary`; `scope` is on its
    /// alias `o`). Adults: `Adults.isAdult` in `today`'s year (no birth year counts as an adult); a row counted for
    /// another year is counted again from the residents (`recount`: only while such rows exist, from New Year's Day
    /// to the next housekeeping; PostgreSQL estimates the correlated count as costly enough to compile the whole
    /// statement first, which takes longer than running it).
    static func base(_ scope: any SQLExpression, today: String, recount: Bool) -> SQLQueryString {
        let year = Int(today.prefix(4))!
        let adults: SQLQueryString = recount ? OutreachSummary.adults("o", year: year) : "o.adults"
        return """
            WITH s AS (
              SELECT o.household_id, o.last_visit, o.profiled, o.smartphone, o.vneid, o.cashless, o.online, o.sells,
                \(adults) AS adults
              FROM household_outreach o WHERE \(scope)),
            base AS (
              SELECT s.household_id AS id, s.last_visit,
                CASE WHEN s.last_visit >= \(bind: since(today)) THEN 1 ELSE 0 END AS visited,
                CASE WHEN s.last_visit IS NULL THEN 1 ELSE 0 END AS never,
                s.profiled, s.smartphone, s.adults,
                CASE WHEN s.vneid > s.adults THEN s.adults ELSE s.vneid END AS vneid,
                CASE WHEN s.cashless > s.adults THEN s.adults ELSE s.cashless END AS cashless,
                s.online, s.sells
              FROM s)
            """
    }

    /// The last 12 months up to `today`'s, oldest first ("yyyy-MM").
    static func months(_ today: String) -> [String] {
        var y = Int(today.prefix(4))!, m = Int(today.dropFirst(5).prefix(2))!
        var out: [String] = []
        for _ in 0..<12 {
            out.append(String(format: "%04d-%02d", y, m))
            m -= 1
            if m == 0 { m = 12; y -= 1 }
        }
        return out.reversed()
    }

    static func overview(unitID: UUID, teamID: UUID?, scope: any SQLExpression, visits: any SQLExpression, today: String,
                         on db: any Database) async throws -> OutreachOverviewDTO {
        let sql = try ProfileRows.sql(db)
        let year = Int(today.prefix(4))!
        // The sums per place, kept ahead of time (`OutreachPlaceSums`), unless some rows hold another year's adults.
        var figures: [String: Int]
        if let kept = try await OutreachPlaceSums.figures(scope, year: year, since: since(today), on: sql) {
            figures = kept
        } else {
            // From New Year's Day to the next housekeeping some rows hold last year's adults: each household's row is
            // read and its adults counted again.
            let row = try await sql.raw("""
                \(base(scope, today: today, recount: true))
                -- PostgreSQL sums integers as numeric: each sum is cast back to a whole number.
                SELECT COUNT(*) AS households, \(unsafeRaw: ["visited", "never", "profiled", "smartphone", "adults", "vneid", "cashless", "online", "sells"]
                    .map { "CAST(SUM(\($0)) AS BIGINT) AS \($0)" }.joined(separator: ", "))
                FROM base
                """).first()
            figures = [:]
            for c in OutreachPlaceSums.sums + ["visited"] { figures[c] = try row?.decode(column: c, as: Int?.self) ?? 0 }
        }
        func n(_ c: String) throws -> Int { figures[c] ?? 0 }
        let households = try n("households"), adults = try n("adults")
        let months = months(today)
        // The visits per place, team, person and month (`VisitMonths`), not the visits themselves: added up per person
        // and month first, then each person's name looked up once (not once per place and team).
        let rows = try await sql.raw("""
            SELECT t.recorded_by, p.display_name, t.month, t.n FROM (
              SELECT m.recorded_by, m.month, CAST(SUM(m.visits) AS BIGINT) AS n
              FROM visit_months m
              WHERE m.month >= \(bind: months[0]) AND m.month <= \(bind: months[months.count - 1]) AND \(visits)
              GROUP BY m.recorded_by, m.month) t
            LEFT JOIN people p ON p.id = t.recorded_by
            """).all()
        let index = Dictionary(uniqueKeysWithValues: months.enumerated().map { ($1, $0) })
        var perMonth = Array(repeating: 0, count: months.count)
        var byPerson: [UUID?: OutreachMemberMonthsDTO] = [:]
        for r in rows {
            guard let i = index[try r.decode(column: "month", as: String.self)] else { continue }
            let recordedBy = try r.decode(column: "recorded_by", as: UUID.self)
            let person: UUID? = recordedBy == VisitMonths.none ? nil : recordedBy
            let count = try r.decode(column: "n", as: Int.self)
            if count == 0 { continue }
            perMonth[i] += count
            let name = try r.decode(column: "display_name", as: String?.self) ?? ""
            var m = byPerson[person] ?? OutreachMemberMonthsDTO(personId: person, name: name, visits: Array(repeating: 0, count: months.count), total: 0)
            m.visits[i] += count
            m.total += count
            byPerson[person] = m
        }
        let members = byPerson.values.sorted { ($0.total, $1.name) > ($1.total, $0.name) }
        return OutreachOverviewDTO(
            unitId: unitID, teamId: teamID, asOf: today, since: since(today), households: households,
            profiled: OutreachFigureDTO(try n("profiled"), households),
            visited90Days: OutreachFigureDTO(try n("visited"), households),
            neverVisited: OutreachFigureDTO(try n("never"), households),
            adults: adults,
            figures: OutreachFiguresDTO(smartphone: OutreachFigureDTO(try n("smartphone"), households),
                                        vneid: OutreachFigureDTO(try n("vneid"), adults),
                                        cashless: OutreachFigureDTO(try n("cashless"), adults),
                                        onlineServices: OutreachFigureDTO(try n("online"), households),
                                        sellsOnline: OutreachFigureDTO(try n("sells"), households)),
            months: months, visitsPerMonth: perMonth, members: members)
    }

    /// The households of `unit` a list shows, by village, group and code.
    public static func households(_ unit: AdminUnit, _ list: OutreachList, page: PageRequest, today: String = Day.today(),
                                  on db: any Database) async throws -> Paged<OutreachHouseholdRowDTO> {
        let sql = try ProfileRows.sql(db)
        let scope = UnitClosure.villageOrGroupBelow("o", roots: [unit])
        let recount = try await OutreachSummary.otherYear(Int(today.prefix(4))!, on: sql)
        let total = try await sql.raw("\(base(scope, today: today, recount: recount)) SELECT COUNT(*) AS n FROM base b WHERE \(unsafeRaw: list.condition)")
            .first()?.decode(column: "n", as: Int.self) ?? 0
        let rows = try await sql.raw("""
            \(base(scope, today: today, recount: recount))
            SELECT h.id, h.code, h.address, COALESCE(h.phone, r.phone) AS phone, r.full_name, v.name AS village_name, g.name AS group_name,
              v.code AS village_code, g.code AS group_code, b.last_visit
            FROM base b JOIN households h ON h.id = b.id JOIN admin_units v ON v.id = h.village_id
            LEFT JOIN admin_units g ON g.id = h.group_id LEFT JOIN residents r ON r.id = h.representative_id
            WHERE \(unsafeRaw: list.condition)
            ORDER BY v.code, g.code, h.code
            LIMIT \(unsafeRaw: String(page.per)) OFFSET \(unsafeRaw: String(page.offset))
            """).all()
        let items = try rows.map { r in
            OutreachHouseholdRowDTO(householdId: try r.decode(column: "id", as: UUID.self), code: try r.decode(column: "code", as: String.self),
                                    representative: try r.decode(column: "full_name", as: String?.self),
                                    address: try r.decode(column: "address", as: String.self),
                                    phone: try r.decode(column: "phone", as: String?.self),
                                    villageName: try r.decode(column: "village_name", as: String.self),
                                    groupName: try r.decode(column: "group_name", as: String?.self),
                                    lastVisitOn: try r.decode(column: "last_visit", as: String?.self))
        }
        return Paged(items: items, page: page, total: total)
    }
}
