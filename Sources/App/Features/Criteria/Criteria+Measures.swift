// The measures: a fixed library in code, each a numerator (and for shares a denominator) counted from records for a
// set of base units (villages, or communes for the commune's own records) as of a day, in one grouped SQL query,
// plus the query of the rows behind the figure (the households without a smartphone user, the cameras not working)
// for the "one click away" links. Figures of a higher unit are sums of its base units' numerators and denominators
// (Criteria+Evaluate.swift); a measure never averages percentages.
import Fluent
import SQLKit
import Vapor

/// A numerator and, for shares, a denominator.
public struct MeasureCount: Sendable, Equatable, Codable {
    public var numerator: Int
    public var denominator: Int?
    public init(_ numerator: Int, _ denominator: Int?) { self.numerator = numerator; self.denominator = denominator }
    public static func + (a: MeasureCount, b: MeasureCount) -> MeasureCount {
        MeasureCount(a.numerator + b.numerator, a.denominator.map { $0 + (b.denominator ?? 0) } ?? b.denominator)
    }
}

/// One row behind a figure: what it is, in words, and where it opens.
public struct MeasureRow: Content, Sendable, Equatable {
    public var id: UUID
    public var code: String
    public var label: String
    public var detail: String
    public var url: String?
}

public struct Measure: Sendable {
    public let key: String
    public let nameVi: String
    public let nameEn: String
    /// The unit whose records it counts: a village's households and assets, or a commune's dossiers.
    public let base: UnitKind
    /// Whether it has a denominator (a share can be judged on it).
    public let hasDenominator: Bool
    /// What the numerator counts, in words (`criteria.countOf.*`).
    public let counts: String
    /// The measures counted together with it in one grouped query when many are counted at once (`Measures.count`).
    var family: MeasureFamily = .alone
    let count: @Sendable (_ units: [UUID], _ day: String, _ sql: any SQLDatabase) async throws -> [UUID: MeasureCount]
    /// The rows counted in the numerator (`missing` false) or left out of it (true) for one base unit, at most 500.
    let rows: @Sendable (_ unit: UUID, _ day: String, _ missing: Bool, _ sql: any SQLDatabase) async throws -> [MeasureRow]

    /// The unit kinds it applies to: its base and every kind above it (sums of the base units below).
    public var kinds: [UnitKind] { base == .village ? [.village, .commune, .district, .province] : [.commune, .district, .province] }

    public func name(_ lang: Lang) -> String { lang == .vi ? nameVi : nameEn }
}

/// Measures that read the same rows and are counted in one grouped query when several are asked for at once (the
/// bulk path: snapshots, the province page): the households with their latest profile, the adults a profile counts,
/// the assets of the kinds asked for. Each measure's own `count` is the same query with one column.
enum MeasureFamily: Sendable {
    /// Households (`h`) with their latest profile on the day (`p`); `cond` says whether one counts.
    case households(cond: @Sendable (String) -> SQLQueryString, ratio: Bool)
    /// A household's adults, the profile's `column` of them counted (capped at their number).
    case adults(column: String)
    /// Assets of a kind working on the day.
    case assets(AssetKind)
    /// Counted by its own query.
    case alone
}

public enum Measures {
    public static let all: [Measure] = [
        households("households.count", "Số hộ", "Households", cond: "1 = 1", ratio: false),
        households("households.internet", "Hộ có kết nối internet (cáp quang / 4G)", "Households with fibre or mobile internet",
                   cond: "p.internet IN ('fibre', 'mobile')"),
        households("households.villageChannel", "Hộ tham gia nhóm thông tin của thôn", "Households in the village messaging group",
                   cond: "p.in_village_channel = \(bind: true)"),
        households("households.smartphone", "Hộ có người dùng điện thoại thông minh", "Households with a smartphone user",
                   cond: "p.smartphone_users > 0"),
        households("households.sellsOnline", "Hộ kinh doanh trên nền tảng số", "Households selling online", condOn: { sellsOnline($0) }),
        adults("adults.smartphone", "Người trưởng thành dùng điện thoại thông minh", "Adults with a smartphone", column: "smartphone_users"),
        adults("adults.vneid", "Người trưởng thành có tài khoản định danh điện tử (VNeID)", "Adults with VNeID", column: "adults_vneid"),
        adults("adults.cashless", "Người trưởng thành có tài khoản thanh toán điện tử", "Adults with cashless payment", column: "adults_cashless"),
        assets("assets.wifiPoint.working", "Điểm wifi miễn phí đang hoạt động", "Working free wifi points", kind: .wifiPoint),
        assets("assets.camera.working", "Camera an ninh đang hoạt động", "Working security cameras", kind: .camera),
        assets("assets.solarLight.working", "Đèn năng lượng mặt trời đang hoạt động", "Working solar street lights", kind: .solarLight),
        deliveries,
        teams,
        trained,
        boards,
        dossiers,
    ]

    public static let byKey: [String: Measure] = Dictionary(uniqueKeysWithValues: all.map { ($0.key, $0) })

    /// Counts several measures of one base on the same units as of `day`, a family in one grouped query: every
    /// household measure in one pass over the households and their latest profiles, every adult measure in one over
    /// the adults, every asset kind in one over the assets; each other measure by its own query. The same figures as
    /// each measure's `count` (a test holds them equal). Keyed by measure key, then unit.
    static func count(_ measures: [Measure], _ units: [UUID], _ day: String, _ sql: any SQLDatabase) async throws -> [String: [UUID: MeasureCount]] {
        var households: [(key: String, cond: SQLQueryString, ratio: Bool)] = [], adults: [(key: String, column: String)] = []
        var assets: [(key: String, kind: AssetKind)] = []
        var out: [String: [UUID: MeasureCount]] = [:]
        var seen: Set<String> = []
        for m in measures where seen.insert(m.key).inserted {
            switch m.family {
            case .households(let cond, let ratio): households.append((key: m.key, cond: cond(day), ratio: ratio))
            case .adults(let column): adults.append((key: m.key, column: column))
            case .assets(let kind): assets.append((key: m.key, kind: kind))
            case .alone: out[m.key] = try await m.count(units, day, sql)
            }
        }
        if !households.isEmpty { out.merge(try await countHouseholds(households, units, day, sql)) { a, _ in a } }
        if !adults.isEmpty { out.merge(try await countAdults(adults, units, day, sql)) { a, _ in a } }
        if !assets.isEmpty { out.merge(try await countAssets(assets, units, day, sql)) { a, _ in a } }
        return out
    }

    /// Days a window measure looks back, the day itself included.
    public static let recentDays = 90
    public static let dossierDays = 365
    /// Working age, by birth year: 15 to 64 in the year of the day (an unknown birth year counts, as for adults).
    public static let workingAge = 15...64

    static func year(_ day: String) -> Int { Int(day.prefix(4)) ?? 2000 }
    /// The moment a day ends (the next day's midnight, Vietnam time): stamps before it happened on or before the day.
    static func end(_ day: String) -> Date { Day.start(Day.adding(1, to: day)) ?? Date.distantFuture }
    static func limit(_ units: [UUID]) -> [UUID] { units.isEmpty ? [UUID.random()] : units }

    static func decode(_ rows: [any SQLRow], ratio: Bool) throws -> [UUID: MeasureCount] {
        var out: [UUID: MeasureCount] = [:]
        for r in rows {
            let num = try r.decode(column: "num", as: Int?.self) ?? 0
            let den = ratio ? (try r.decode(column: "den", as: Int?.self) ?? 0) : nil
            out[try r.decode(column: "unit", as: UUID.self)] = MeasureCount(num, den)
        }
        return out
    }

    static func householdRow(_ r: any SQLRow, detail: String = "") throws -> MeasureRow {
        let id = try r.decode(column: "id", as: UUID.self)
        return MeasureRow(id: id, code: try r.decode(column: "code", as: String.self), label: try r.decode(column: "address", as: String.self),
                          detail: detail, url: SiteURL.household(id))
    }

    /// Each household's latest profile (not voided) dated on or before `day`, for the households of `villages`.
    static func latestProfiles(_ villages: [UUID], _ day: String) -> SQLQueryString {
        """
        (SELECT * FROM (SELECT p.household_id, p.internet, p.smartphone_users, p.adults_vneid, p.adults_cashless, p.in_village_channel,
            p.sells_online, ROW_NUMBER() OVER (PARTITION BY p.household_id ORDER BY p.as_of DESC, p.created_at DESC, p.id DESC) AS rn
          FROM household_profiles p JOIN households hh ON hh.id = p.household_id
          WHERE hh.village_id IN (\(binds: limit(villages))) AND p.voided_at IS NULL AND p.as_of <= \(bind: day)) lp WHERE rn = 1)
        """
    }

    /// SV-14: a household sells online when its latest profile on the day says so, or when a producer record of the
    /// market names it (`producers.household_id`) and was created by the day's end (docs/market.md). A producer
    /// unlinked from the household (or moved to another) no longer counts it, on any day: the link keeps no history.
    static func sellsOnline(_ day: String) -> SQLQueryString {
        """
        (p.sells_online = \(bind: true) OR h.id IN (SELECT pr.household_id FROM producers pr
            WHERE pr.household_id IS NOT NULL AND pr.created_at < \(bind: end(day))))
        """
    }

    // MARK: households whose profile on the day says so, over the village's households

    static func households(_ key: String, _ vi: String, _ en: String, cond: SQLQueryString, ratio: Bool = true) -> Measure {
        households(key, vi, en, condOn: { _ in cond }, ratio: ratio)
    }

    /// `condOn` gives the condition for a day (`p` the household's latest profile on the day, `h` the household).
    static func households(_ key: String, _ vi: String, _ en: String, condOn: @escaping @Sendable (String) -> SQLQueryString, ratio: Bool = true) -> Measure {
        Measure(key: key, nameVi: vi, nameEn: en, base: .village, hasDenominator: ratio, counts: "households",
                family: .households(cond: condOn, ratio: ratio), count: { units, day, sql in
            try await countHouseholds([(key: key, cond: condOn(day), ratio: ratio)], units, day, sql)[key] ?? [:]
        }, rows: { unit, day, missing, sql in
            let cond = condOn(day)
            let which: SQLQueryString = missing ? "NOT (COALESCE(\(cond), \(bind: false)))" : "COALESCE(\(cond), \(bind: false))"
            return try await sql.raw("""
                SELECT h.id, h.code, h.address FROM households h LEFT JOIN \(latestProfiles([unit], day)) p ON p.household_id = h.id
                WHERE h.village_id = \(bind: unit) AND \(which) ORDER BY h.code LIMIT 500
                """).all().map { try householdRow($0) }
        })
    }

    /// Household measures of the same households in one grouped query, a column each: the village's households
    /// (the denominator) and those whose condition holds. Keyed by measure, then village.
    static func countHouseholds(_ items: [(key: String, cond: SQLQueryString, ratio: Bool)], _ units: [UUID], _ day: String,
                                _ sql: any SQLDatabase) async throws -> [String: [UUID: MeasureCount]] {
        var columns: SQLQueryString = ""
        for (i, it) in items.enumerated() {
            columns = columns + ", CAST(SUM(CASE WHEN \(it.cond) THEN 1 ELSE 0 END) AS BIGINT) AS n\(unsafeRaw: String(i))"
        }
        let rows = try await sql.raw("""
            SELECT h.village_id AS unit, COUNT(*) AS den\(columns)
            FROM households h LEFT JOIN \(latestProfiles(units, day)) p ON p.household_id = h.id
            WHERE h.village_id IN (\(binds: limit(units))) GROUP BY h.village_id
            """).all()
        return try decodeColumns(rows, items.map { (key: $0.key, ratio: $0.ratio) })
    }

    /// Rows of `unit`, `den` and `n0`, `n1`… as counts keyed by measure (`items`' keys, in their order), then unit.
    static func decodeColumns(_ rows: [any SQLRow], _ items: [(key: String, ratio: Bool)]) throws -> [String: [UUID: MeasureCount]] {
        var out: [String: [UUID: MeasureCount]] = [:]
        for it in items { out[it.key] = [:] }
        for r in rows {
            let unit = try r.decode(column: "unit", as: UUID.self)
            let den = items.contains { $0.ratio } ? (try r.decode(column: "den", as: Int?.self) ?? 0) : 0
            for (i, it) in items.enumerated() {
                out[it.key]![unit] = MeasureCount(try r.decode(column: "n\(i)", as: Int?.self) ?? 0, it.ratio ? den : nil)
            }
        }
        return out
    }

    // MARK: adults (residents 18 or older in the day's year) a household's profile counts, over the adults

    /// Each household of `units` with adults, and how many (`a.household_id`, `a.n`).
    static func adultsOf(_ units: [UUID], _ day: String) -> SQLQueryString {
        """
        (SELECT household_id, COUNT(*) AS n FROM residents
          WHERE (birth_year IS NULL OR birth_year <= \(bind: year(day) - Adults.age))
            AND household_id IN (SELECT id FROM households WHERE village_id IN (\(binds: limit(units))))
          GROUP BY household_id)
        """
    }

    /// The profile's `column` of a household's adults, capped at their number (`a.n`).
    static func capped(_ column: String) -> SQLQueryString {
        let c = "COALESCE(p.\(column), 0)"
        return "CASE WHEN \(unsafeRaw: c) > a.n THEN a.n ELSE \(unsafeRaw: c) END"
    }

    /// Adult measures in one grouped query, a column each: the village's adults (the denominator) and those each
    /// household's latest profile counts. Keyed by measure, then village.
    static func countAdults(_ items: [(key: String, column: String)], _ units: [UUID], _ day: String,
                            _ sql: any SQLDatabase) async throws -> [String: [UUID: MeasureCount]] {
        var columns: SQLQueryString = ""
        for (i, it) in items.enumerated() { columns = columns + ", CAST(SUM(\(capped(it.column))) AS BIGINT) AS n\(unsafeRaw: String(i))" }
        let rows = try await sql.raw("""
            SELECT h.village_id AS unit, CAST(SUM(a.n) AS BIGINT) AS den\(columns)
            FROM households h JOIN \(adultsOf(units, day)) a ON a.household_id = h.id
            LEFT JOIN \(latestProfiles(units, day)) p ON p.household_id = h.id
            WHERE h.village_id IN (\(binds: limit(units))) GROUP BY h.village_id
            """).all()
        return try decodeColumns(rows, items.map { (key: $0.key, ratio: true) })
    }

    static func adults(_ key: String, _ vi: String, _ en: String, column: String) -> Measure {
        @Sendable func base(_ units: [UUID], _ day: String) -> SQLQueryString {
            """
            SELECT h.id, h.code, h.address, h.village_id, a.n AS adults, \(capped(column)) AS yes
            FROM households h JOIN \(adultsOf(units, day)) a ON a.household_id = h.id
            LEFT JOIN \(latestProfiles(units, day)) p ON p.household_id = h.id
            WHERE h.village_id IN (\(binds: limit(units)))
            """
        }
        return Measure(key: key, nameVi: vi, nameEn: en, base: .village, hasDenominator: true, counts: "adults", family: .adults(column: column),
                       count: { units, day, sql in
            try await countAdults([(key: key, column: column)], units, day, sql)[key] ?? [:]
        }, rows: { unit, day, missing, sql in
            let which: SQLQueryString = missing ? "x.yes < x.adults" : "x.yes > 0"
            return try await sql.raw("SELECT x.* FROM (\(base([unit], day))) x WHERE \(which) ORDER BY x.code LIMIT 500").all().map {
                try householdRow($0, detail: "\(try $0.decode(column: "yes", as: Int.self))/\(try $0.decode(column: "adults", as: Int.self))")
            }
        })
    }

    // MARK: assets of a kind working on the day, in the village (its groups included)

    /// An asset's (`a`) status on the day.
    static func statusOn(_ day: String) -> SQLQueryString {
        "(SELECT s.status FROM asset_status_changes s WHERE s.asset_id = a.id AND s.from_day <= \(bind: day) ORDER BY s.from_day DESC, s.created_at DESC LIMIT 1)"
    }

    /// Asset measures in one grouped query: each kind's assets working on the day, by village. Keyed by measure.
    static func countAssets(_ items: [(key: String, kind: AssetKind)], _ units: [UUID], _ day: String,
                            _ sql: any SQLDatabase) async throws -> [String: [UUID: MeasureCount]] {
        var out: [String: [UUID: MeasureCount]] = [:]
        var keyOf: [String: String] = [:]
        for it in items { out[it.key] = [:]; keyOf[it.kind.rawValue] = it.key }
        for r in try await sql.raw("""
            SELECT c.ancestor_id AS unit, a.kind, COUNT(*) AS num FROM assets a
            JOIN unit_closure c ON c.descendant_id = a.unit_id AND c.is_current = \(bind: true)
            WHERE c.ancestor_id IN (\(binds: limit(units))) AND a.kind IN (\(binds: items.map { $0.kind.rawValue })) AND \(statusOn(day)) = 'working'
            GROUP BY c.ancestor_id, a.kind
            """).all() {
            guard let key = keyOf[try r.decode(column: "kind", as: String.self)] else { continue }
            out[key]![try r.decode(column: "unit", as: UUID.self)] = MeasureCount(try r.decode(column: "num", as: Int?.self) ?? 0, nil)
        }
        return out
    }

    static func assets(_ key: String, _ vi: String, _ en: String, kind: AssetKind) -> Measure {
        Measure(key: key, nameVi: vi, nameEn: en, base: .village, hasDenominator: false, counts: "assets", family: .assets(kind), count: { units, day, sql in
            try await countAssets([(key: key, kind: kind)], units, day, sql)[key] ?? [:]
        }, rows: { unit, day, missing, sql in
            let which: SQLQueryString = missing ? "COALESCE(\(statusOn(day)), 'none') <> 'working'" : "\(statusOn(day)) = 'working'"
            return try await sql.raw("""
                SELECT a.id, a.name, COALESCE(a.place, '') AS place, COALESCE(\(statusOn(day)), 'none') AS st FROM assets a
                JOIN unit_closure c ON c.descendant_id = a.unit_id AND c.is_current = \(bind: true)
                WHERE c.ancestor_id = \(bind: unit) AND a.kind = \(bind: kind.rawValue) AND \(which) ORDER BY a.name LIMIT 500
                """).all().map { r in
                let id = try r.decode(column: "id", as: UUID.self)
                return MeasureRow(id: id, code: try r.decode(column: "name", as: String.self), label: try r.decode(column: "place", as: String.self),
                                  detail: "status." + (try r.decode(column: "st", as: String.self)), url: SiteURL.asset(.id(id)).path)
            }
        })
    }

    // MARK: deliveries of notices published in the window read (or told in person) by the day's end

    static let deliveries = Measure(key: "deliveries.read90", nameVi: "Thông báo đến được hộ (90 ngày)", nameEn: "Notices acknowledged by households (90 days)",
                                    base: .village, hasDenominator: true, counts: "deliveries", count: { units, day, sql in
        let start = Day.start(Day.adding(-(recentDays - 1), to: day)) ?? Date.distantPast, end = end(day)
        return try decode(try await sql.raw("""
            SELECT d.village_id AS unit, COUNT(*) AS den,
              CAST(SUM(CASE WHEN d.read_at IS NOT NULL AND d.read_at < \(bind: end) THEN 1 ELSE 0 END) AS BIGINT) AS num
            FROM deliveries d JOIN announcements a ON a.id = d.announcement_id
            WHERE d.village_id IN (\(binds: limit(units))) AND a.published_at >= \(bind: start) AND a.published_at < \(bind: end)
            GROUP BY d.village_id
            """).all(), ratio: true)
    }, rows: { unit, day, missing, sql in
        let start = Day.start(Day.adding(-(recentDays - 1), to: day)) ?? Date.distantPast, end = end(day)
        let read: SQLQueryString = "d.read_at IS NOT NULL AND d.read_at < \(bind: end)"
        let which: SQLQueryString = missing ? "NOT (\(read))" : read
        return try await sql.raw("""
            SELECT h.id, h.code, h.address, COUNT(*) AS n FROM deliveries d JOIN announcements a ON a.id = d.announcement_id
            JOIN households h ON h.id = d.household_id
            WHERE d.village_id = \(bind: unit) AND a.published_at >= \(bind: start) AND a.published_at < \(bind: end) AND \(which)
            GROUP BY h.id, h.code, h.address ORDER BY h.code LIMIT 500
            """).all().map { try householdRow($0, detail: String(try $0.decode(column: "n", as: Int.self))) }
    })

    // MARK: active digital teams: at least 3 members on the day and a visit or a training in the window

    static func activeTeam(_ day: String) -> SQLQueryString {
        let first = Day.adding(-(recentDays - 1), to: day)
        return """
            (t.disbanded_on IS NULL OR t.disbanded_on > \(bind: day))
            AND (SELECT COUNT(*) FROM team_members m WHERE m.team_id = t.id AND m.joined_on <= \(bind: day)
                 AND (m.left_on IS NULL OR m.left_on > \(bind: day))) >= 3
            AND (EXISTS (SELECT 1 FROM visits v WHERE v.team_id = t.id AND v.voided_at IS NULL AND v.visited_on >= \(bind: first) AND v.visited_on <= \(bind: day))
                 OR EXISTS (SELECT 1 FROM trainings tr WHERE tr.team_id = t.id AND tr.held_on >= \(bind: first) AND tr.held_on <= \(bind: day)))
            """
    }

    static let teams = Measure(key: "teams.active", nameVi: "Tổ công nghệ số cộng đồng hoạt động", nameEn: "Active community digital teams",
                               base: .village, hasDenominator: false, counts: "teams", count: { units, day, sql in
        try decode(try await sql.raw("""
            SELECT t.unit_id AS unit, COUNT(*) AS num FROM digital_teams t
            WHERE t.unit_id IN (\(binds: limit(units))) AND \(activeTeam(day)) GROUP BY t.unit_id
            """).all(), ratio: false)
    }, rows: { unit, day, missing, sql in
        let which: SQLQueryString = missing ? "NOT (\(activeTeam(day)))" : activeTeam(day)
        return try await sql.raw("SELECT t.id, t.name FROM digital_teams t WHERE t.unit_id = \(bind: unit) AND \(which) ORDER BY t.name LIMIT 500").all().map { r in
            let id = try r.decode(column: "id", as: UUID.self)
            return MeasureRow(id: id, code: try r.decode(column: "name", as: String.self), label: "", detail: "", url: SiteURL.team(.id(id)).path)
        }
    })

    // MARK: working-age residents who attended a training held on or before the day, over working-age residents

    static func workingAge(_ day: String) -> SQLQueryString {
        let y = year(day)
        return "(r.birth_year IS NULL OR (r.birth_year >= \(bind: y - workingAge.upperBound) AND r.birth_year <= \(bind: y - workingAge.lowerBound)))"
    }

    static func attended(_ day: String) -> SQLQueryString {
        """
        EXISTS (SELECT 1 FROM training_attendance ta JOIN trainings tr ON tr.id = ta.training_id
                WHERE ta.resident_id = r.id AND ta.attended = \(bind: true) AND tr.held_on <= \(bind: day))
        """
    }

    static let trained = Measure(key: "residents.trained", nameVi: "Người trong độ tuổi lao động được phổ cập kỹ năng số",
                                 nameEn: "Working-age residents trained in digital skills", base: .village, hasDenominator: true, counts: "residents",
                                 count: { units, day, sql in
        try decode(try await sql.raw("""
            SELECT h.village_id AS unit, COUNT(*) AS den, CAST(SUM(CASE WHEN \(attended(day)) THEN 1 ELSE 0 END) AS BIGINT) AS num
            FROM residents r JOIN households h ON h.id = r.household_id
            WHERE h.village_id IN (\(binds: limit(units))) AND \(workingAge(day)) GROUP BY h.village_id
            """).all(), ratio: true)
    }, rows: { unit, day, missing, sql in
        // By household: a resident's name is personal data, the household opens to them.
        let which: SQLQueryString = missing ? "NOT (\(attended(day)))" : attended(day)
        return try await sql.raw("""
            SELECT h.id, h.code, h.address, COUNT(*) AS n FROM residents r JOIN households h ON h.id = r.household_id
            WHERE h.village_id = \(bind: unit) AND \(workingAge(day)) AND \(which)
            GROUP BY h.id, h.code, h.address ORDER BY h.code LIMIT 500
            """).all().map { try householdRow($0, detail: String(try $0.decode(column: "n", as: Int.self))) }
    })

    // MARK: QR boards placed in the village by the day's end

    static let boards = Measure(key: "qrBoards.placed", nameVi: "Bảng mã QR hướng dẫn thủ tục hành chính", nameEn: "QR boards guiding procedures",
                                base: .village, hasDenominator: false, counts: "boards", count: { units, day, sql in
        try decode(try await sql.raw("""
            SELECT village_id AS unit, COUNT(*) AS num FROM qr_boards
            WHERE village_id IN (\(binds: limit(units))) AND created_at < \(bind: end(day)) GROUP BY village_id
            """).all(), ratio: false)
    }, rows: { unit, day, missing, sql in
        guard !missing else { return [] }
        return try await sql.raw("""
            SELECT id, place FROM qr_boards WHERE village_id = \(bind: unit) AND created_at < \(bind: end(day)) ORDER BY place LIMIT 500
            """).all().map { r in
            let id = try r.decode(column: "id", as: UUID.self)
            return MeasureRow(id: id, code: try r.decode(column: "place", as: String.self), label: "", detail: "", url: SiteURL.board(.id(id)).path)
        }
    })

    // MARK: the commune's dossiers received in the last year filed online

    static let dossiers = Measure(key: "dossiers.online", nameVi: "Hồ sơ thủ tục nộp trực tuyến (12 tháng)", nameEn: "Dossiers filed online (12 months)",
                                  base: .commune, hasDenominator: true, counts: "dossiers", count: { units, day, sql in
        let first = Day.adding(-(dossierDays - 1), to: day)
        return try decode(try await sql.raw("""
            SELECT commune_id AS unit, COUNT(*) AS den, CAST(SUM(CASE WHEN channel = 'online' THEN 1 ELSE 0 END) AS BIGINT) AS num
            FROM dossiers WHERE commune_id IN (\(binds: limit(units))) AND received_on >= \(bind: first) AND received_on <= \(bind: day)
            GROUP BY commune_id
            """).all(), ratio: true)
    }, rows: { unit, day, missing, sql in
        let first = Day.adding(-(dossierDays - 1), to: day)
        let which: SQLQueryString = missing ? "channel <> 'online'" : "channel = 'online'"
        return try await sql.raw("""
            SELECT id, reference, received_on, channel FROM dossiers
            WHERE commune_id = \(bind: unit) AND received_on >= \(bind: first) AND received_on <= \(bind: day) AND \(which)
            ORDER BY received_on DESC LIMIT 500
            """).all().map { r in
            MeasureRow(id: try r.decode(column: "id", as: UUID.self), code: try r.decode(column: "reference", as: String.self),
                       label: Day.display(try r.decode(column: "received_on", as: String.self)),
                       detail: "channel." + (try r.decode(column: "channel", as: String.self)), url: SiteURL.dossiers(.id(unit)).path)
        }
    })
}
