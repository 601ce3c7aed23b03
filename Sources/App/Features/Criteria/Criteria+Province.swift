// The province page (and its JSON): the communes side by side, how many of each one's villages pass, and the same
// villages grouped by the district that held them before the 2025 reform, for history ("Đan Phượng: 101/101 thôn").
// A village's pre-2025 district is the district above it on 30 June 2025 (the closure table's periods); a village
// that came into force after the reform takes the district of its commune's predecessors when they all had one. Counted live with
// `CriteriaBulk` (one grouped query per criterion for every village of the province); trends come from snapshots.
import Fluent
import SQLKit
import Vapor

public struct UnitTallyDTO: Content, Sendable {
    /// nil: villages with no district before the reform.
    public var unit: UnitRefDTO?
    public var villagesPassing: Int
    public var villages: Int
    /// Codes of the mandatory criteria most often not met by its villages, most first.
    public var holdsBack: [String]
}

public struct ProvinceEvaluationDTO: Content, Sendable {
    public var unit: UnitRefDTO
    public var on: String
    public var set: CriteriaSetDTO
    public var villagesPassing: Int
    public var villages: Int
    public var communes: [UnitTallyDTO]
    /// The pre-2025 districts (history), by code; the last one, without a unit, holds villages with none.
    public var districts: [UnitTallyDTO]
    /// When the figures were counted ahead (`CRITERIA_PRECOMPUTE`); absent when counted for this request.
    public var countedAt: Date? = nil
}

enum CriteriaProvince {
    static func add(api: any RoutesBuilder) {
        api.get(APIURL.unitCriteriaCommunes(.key).components, use: communes).rule(.unit(.readCriteria)).kept(Self.communesJSON)
    }

    /// A province's (a district's) figures counted ahead, kept as bytes like its page (CriteriaWeb.keptPage).
    static let communesJSON = CriteriaWeb.kept("criteria-communes", json: true)

    static func communes(req: Request) async throws -> Response {
        let build = { () async throws -> (ProvinceEvaluationDTO, keep: Bool) in
            let unit = try req.scoped(AdminUnit.self)
            guard unit.kind != .village, unit.kind != .group else { throw InvalidInput("id", "error.criteria.notAbove") }
            let day = try CriteriaRoutes.day(req)
            guard let set = try await CriteriaRoutes.set(req, for: unit) else { throw InvalidInput("set", "criteria.noSet") }
            let dto = try await CriteriaDashboards.province(req, unit, set: set, day: day)
            return (dto, !req.criteriaCountedLive)
        }
        return try await req.keptJSON(Self.communesJSON, build: build)
    }

    /// The day before the reform: the districts' last day.
    static var lastDistrictDay: String { Day.adding(-1, to: Day.reform2025) }

    /// Each village's district before the reform.
    static func districts(of villages: [UUID], communeOf: [UUID: UUID], db: any Database) async throws -> [UUID: UUID] {
        let sql = db as! any SQLDatabase
        var out: [UUID: UUID] = [:]
        let before = lastDistrictDay
        for chunk in villages.chunked(900) {
            for r in try await sql.raw("""
                SELECT c.descendant_id AS village, c.ancestor_id AS district FROM unit_closure c JOIN admin_units u ON u.id = c.ancestor_id
                WHERE c.descendant_id IN (\(binds: chunk)) AND u.kind = \(bind: UnitKind.district.rawValue)
                  AND c.valid_from <= \(bind: before) AND c.valid_to > \(bind: before)
                """).all() {
                out[try r.decode(column: "village", as: UUID.self)] = try r.decode(column: "district", as: UUID.self)
            }
        }
        // Villages made after the reform: the district of their commune's predecessors, when there is one.
        var later: Set<UUID> = []
        for chunk in villages.filter({ out[$0] == nil }).chunked(900) {
            for r in try await sql.raw("SELECT id FROM admin_units WHERE id IN (\(binds: chunk)) AND valid_from > \(bind: before)").all() {
                later.insert(try r.decode(column: "id", as: UUID.self))
            }
        }
        let communes = Array(Set(later.compactMap { communeOf[$0] }))
        var communeDistrict: [UUID: UUID] = [:]
        for chunk in communes.chunked(900) {
            var found: [UUID: Set<UUID>] = [:]
            for r in try await sql.raw("""
                SELECT s.successor_id AS commune, c.ancestor_id AS district FROM unit_successions s
                JOIN unit_closure c ON c.descendant_id = s.predecessor_id JOIN admin_units u ON u.id = c.ancestor_id
                WHERE s.successor_id IN (\(binds: chunk)) AND u.kind = \(bind: UnitKind.district.rawValue)
                  AND c.valid_from <= \(bind: before) AND c.valid_to > \(bind: before)
                """).all() {
                found[try r.decode(column: "commune", as: UUID.self), default: []].insert(try r.decode(column: "district", as: UUID.self))
            }
            for (c, ds) in found where ds.count == 1 { communeDistrict[c] = ds.first! }
        }
        for v in later { if let c = communeOf[v], let d = communeDistrict[c] { out[v] = d } }
        return out
    }

    static func holdsBack(_ results: [CriteriaBulk.UnitResult]) -> [String] {
        var n: [String: Int] = [:]
        for r in results { for m in r.missing { n[m, default: 0] += 1 } }
        return n.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.prefix(3).map(\.key)
    }

    static func evaluate(_ unit: AdminUnit, set: CriteriaSet, on day: String, db: any Database) async throws -> ProvinceEvaluationDTO {
        let communes = try await CriteriaSnapshots.communes(for: unit, on: day, db: db)
        let root: AdminUnit? = (unit.kind == .province || unit.kind == .district) ? unit : nil
        let r = try await CriteriaBulk.evaluate(set: set, communes: communes, root: root, on: day, db: db)
        var byCommune: [UUID: [CriteriaBulk.UnitResult]] = [:]
        for v in r.villages { if let c = r.communeOf[v.unit.id] { byCommune[c, default: []].append(v) } }
        let tallies = r.communes.compactMap { c -> UnitTallyDTO? in
            let vs = byCommune[c.unit.id] ?? []
            guard !vs.isEmpty else { return nil }
            return UnitTallyDTO(unit: c.unit, villagesPassing: c.unitsPassing ?? vs.filter { $0.passes == true }.count, villages: vs.count, holdsBack: holdsBack(vs))
        }
        let districtOf = try await districts(of: r.villages.map(\.unit.id), communeOf: r.communeOf, db: db)
        var byDistrict: [UUID?: [CriteriaBulk.UnitResult]] = [:]
        for v in r.villages { byDistrict[districtOf[v.unit.id], default: []].append(v) }
        let districtUnits = try await CriteriaBulk.units(byDistrict.keys.compactMap { $0 }, db: db)
        var districts: [UnitTallyDTO] = districtUnits.values.sorted { ($0.code, $0.name) < ($1.code, $1.name) }.map { d in
            let vs = byDistrict[d.id!] ?? []
            return UnitTallyDTO(unit: CriteriaViews.ref(d), villagesPassing: vs.filter { $0.passes == true }.count, villages: vs.count, holdsBack: holdsBack(vs))
        }
        if let none = byDistrict[nil], !none.isEmpty {
            districts.append(UnitTallyDTO(unit: nil, villagesPassing: none.filter { $0.passes == true }.count, villages: none.count, holdsBack: holdsBack(none)))
        }
        return ProvinceEvaluationDTO(unit: CriteriaViews.ref(unit), on: day, set: try await CriteriaViews.setDTO(set, criteria: nil, on: db),
                                     villagesPassing: r.villages.filter { $0.passes == true }.count, villages: r.villages.count,
                                     communes: tallies, districts: districts)
    }

    // MARK: page

    struct ChartPart: Encodable { var svg: String; var caption: String }
    /// Rows per part of the communes' chart: a part (30 rows of 26 units, 360 wide) prints on one A4 page at 11 cm.
    static let chartPart = 30

    /// The communes' chart: one row per commune, sorted by the share of its villages passing (most first, then by
    /// name), cut into parts of `chartPart` rows that each print whole; every commune is drawn (Hà Nội has 126).
    static func charts(_ communes: [UnitTallyDTO], lang: Lang) -> [ChartPart] {
        func share(_ t: UnitTallyDTO) -> Double { t.villages == 0 ? 0 : Double(t.villagesPassing) / Double(t.villages) }
        let sorted = communes.sorted { a, b in
            share(a) != share(b) ? share(a) > share(b) : (a.unit?.name ?? "", a.unit?.code ?? "") < (b.unit?.name ?? "", b.unit?.code ?? "")
        }
        let title = lang.t("criteria.communesChart")
        var parts: [ChartPart] = []
        for start in stride(from: 0, to: sorted.count, by: chartPart) {
            let part = sorted[start..<min(sorted.count, start + chartPart)]
            let caption = sorted.count > chartPart
                ? lang.t("criteria.communesChartPart", [lang.number(start + 1), lang.number(start + part.count), lang.number(sorted.count)])
                : lang.t("criteria.communesChartSorted")
            let bars = part.map { t in
                CriteriaCharts.Bar(label: t.unit?.name ?? "", value: t.villagesPassing, total: t.villages, good: t.villages > 0 && t.villagesPassing == t.villages,
                                   text: "\(lang.number(t.villagesPassing))/\(lang.number(t.villages))")
            }
            parts.append(ChartPart(svg: CriteriaCharts.rows(bars, title: title + (sorted.count > chartPart ? " (\(start + 1)–\(start + part.count))" : "")), caption: caption))
        }
        return parts
    }

    struct Tally: Encodable { var name: String; var url: String?; var figure: String; var share: String; var holdsBack: String; var all: Bool }
    struct Page: Encodable {
        var layout: Layout
        var unitName: String
        var on: String
        var onDisplay: String
        var sets: [SelectOption]
        var setName: String?
        var summary: String
        /// The communes' chart in parts of at most `chartPart` rows, each with its caption (one part up to that many).
        var charts: [ChartPart]
        var communes: [Tally]
        var districts: [Tally]
        var action: String
        var trends: CriteriaTrends.View?
        var snapshotAction: String?
        var snapshotNote: String?
        var counted: String? = nil
        var countedLive: String? = nil
    }

    static func tally(_ t: UnitTallyDTO, url: String?, lang: Lang) -> Tally {
        Tally(name: t.unit?.name ?? lang.t("criteria.noDistrict"), url: url,
              figure: lang.t("criteria.villagesOf", [lang.number(t.villagesPassing), lang.number(t.villages)]),
              share: t.villages == 0 ? "—" : lang.percent(Double(t.villagesPassing) * 100 / Double(t.villages)),
              holdsBack: t.holdsBack.joined(separator: ", "), all: t.villages > 0 && t.villagesPassing == t.villages)
    }

    static func page(_ req: Request, _ unit: AdminUnit, day: String, set: CriteriaSet?, sets: [SelectOption], crumbs: [Crumb],
                     snapshotAction: String?, snapshotNote: String?) async throws -> View {
        let lang = req.lang
        var page = Page(layout: Layout(req, title: lang.t("criteria.title") + " — " + unit.name, crumbs: crumbs), unitName: unit.name, on: day,
                        onDisplay: Day.display(day), sets: sets, setName: set.map { "\($0.code) · \($0.name)" }, summary: "", charts: [],
                        communes: [], districts: [], action: SiteURL.unitCriteria(.id(unit.id!)).path, trends: nil,
                        snapshotAction: snapshotAction, snapshotNote: snapshotNote)
        guard let set else { return try await req.view.render("criteria/province", page) }
        let e = try await CriteriaDashboards.province(req, unit, set: set, day: day)
        if let n = CriteriaDashboards.note(lang, countedAt: e.countedAt, liveURL: page.action + "?on=\(day)&set=\(set.id!.uuidString)") {
            page.counted = n.0; page.countedLive = n.1
        }
        page.summary = lang.t("criteria.belowPassing", [lang.number(e.villagesPassing), lang.number(e.villages)])
        let q = CriteriaWeb.belowQuery(day: day, set: set, countedAhead: e.countedAt != nil)
        page.communes = e.communes.map { tally($0, url: $0.unit.map { SiteURL.unitCriteria(.id($0.id)).path + q }, lang: lang) }
        page.districts = e.districts.map { tally($0, url: nil, lang: lang) }
        page.charts = charts(e.communes, lang: lang)
        page.trends = try await CriteriaTrends.view(unit: unit, set: set, lang: lang, db: req.db)
        return try await req.view.render("criteria/province", page)
    }
}
