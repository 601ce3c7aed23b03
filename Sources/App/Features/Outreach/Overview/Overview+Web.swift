// The overview's pages: which units a caller may look at (/outreach), a unit's overview with its charts (inline SVG,
// the numbers in a table beside each) or, with `?show=`, the households behind one figure, and the printable list of
// households never visited. Lists of households are personal data: each view is written to the audit log.
import Fluent
import Vapor

struct OverviewWeb {
    struct UnitLink: Encodable { var name: String; var kind: String; var url: String }

    struct IndexPage: Encodable {
        var layout: Layout
        var units: [UnitLink]
    }

    /// The caller's units for visiting households: one opens at once; several (or everything) are listed.
    func index(req: Request) async throws -> Response {
        var units: [AdminUnit]
        if let roots = try await req.access.rootUnits(.visitHouseholds, on: req.db) { units = roots }
        else { units = try await AdminUnit.query(on: req.db).filter(\.$kind == .commune).sort(\.$code).all() }
        units.sort { ($0.kind.rawValue, $0.name) < ($1.kind.rawValue, $1.name) }
        if units.count == 1 { return req.redirect(to: SiteURL.unitOutreach(.id(units[0].id!)).path, redirectType: .normal) }
        let ctx = IndexPage(layout: Layout(req, title: req.lang.t("overview.title")),
                            units: units.map { UnitLink(name: $0.name, kind: req.lang.t("kind.\($0.kind.rawValue)"), url: SiteURL.unitOutreach(.id($0.id!)).path) })
        return try await req.view.render("outreach/overview/index", ctx).encodeResponse(for: req)
    }

    struct FigureRow: Encodable {
        var key: String
        var label: String
        var percent: String
        var numerator: Int
        var denominator: Int
        var of: String
        var countedURL: String
        var notCountedURL: String
        /// The bar in the figures chart.
        var y: Int
        var textY: Int
        var width: Int
    }
    struct MonthBar: Encodable { var label: String; var short: String; var value: Int; var x: Int; var y: Int; var height: Int; var textX: Int; var textY: Int }
    struct MemberRow: Encodable { var name: String; var visits: [Int]; var total: Int }
    struct HouseholdRow: Encodable {
        var n: Int
        var code: String
        var representative: String
        var address: String
        var place: String
        var phone: String
        var lastVisit: String
        var url: String
    }

    struct ShowPage: Encodable {
        var layout: Layout
        var unitName: String
        var kindLabel: String
        var asOf: String
        var since: String
        var households: Int
        var visited: FigureRow
        var never: FigureRow
        var profiled: FigureRow
        var figures: [FigureRow]
        var figuresChartHeight: Int
        /// How the figures count (with the last year of birth of an adult; rendered here: Leaf would format the year).
        var denominatorHint: String
        var months: [String]
        var monthBars: [MonthBar]
        var monthChartWidth: Int
        var visitsPerMonth: [Int]
        var visitsTotal: Int
        var members: [MemberRow]
        var subUnits: [UnitLink]
        var neverVisitedURL: String
        var apiURL: String
        var overviewURL: String
        /// `?show=`: the households behind one figure.
        var list: String?
        var listTitle: String?
        var rows: [HouseholdRow]
        var pager: Pager?
    }

    static func figure(_ req: Request, _ key: String, _ f: OutreachFigureDTO, of: String, counted: OutreachList, notCounted: OutreachList,
                       base: String, index: Int) -> FigureRow {
        FigureRow(key: key, label: req.lang.t("overview.figure.\(key)"), percent: f.percent.map(req.lang.percent) ?? "—",
                  numerator: f.numerator, denominator: f.denominator, of: of,
                  countedURL: base + "?show=\(counted.rawValue)", notCountedURL: base + "?show=\(notCounted.rawValue)",
                  y: index * 36 + 8, textY: index * 36 + 25, width: Int(((f.percent ?? 0) * 3).rounded()))
    }

    func show(req: Request) async throws -> View {
        let unit = try req.scoped(AdminUnit.self)
        let today = Day.today()
        let o = try await OverviewQueries.unit(unit, today: today, on: req.db)
        let base = SiteURL.unitOutreach(.id(unit.id!)).path
        let households = req.lang.t("overview.ofHouseholds"), adults = req.lang.t("overview.ofAdults")
        let f = o.figures
        let figures = [
            Self.figure(req, "smartphone", f.smartphone, of: households, counted: .smartphone, notCounted: .noSmartphone, base: base, index: 0),
            Self.figure(req, "vneid", f.vneid, of: adults, counted: .vneid, notCounted: .noVneid, base: base, index: 1),
            Self.figure(req, "cashless", f.cashless, of: adults, counted: .cashless, notCounted: .noCashless, base: base, index: 2),
            Self.figure(req, "onlineServices", f.onlineServices, of: households, counted: .onlineServices, notCounted: .noOnlineServices, base: base, index: 3),
            Self.figure(req, "sellsOnline", f.sellsOnline, of: households, counted: .sellsOnline, notCounted: .noSellsOnline, base: base, index: 4),
        ]
        // Visits per month: bars 24 wide, 100 high at most.
        let top = max(1, o.visitsPerMonth.max() ?? 0)
        let bars = o.visitsPerMonth.enumerated().map { i, v in
            let h = Int((Double(v) * 100 / Double(top)).rounded())
            return MonthBar(label: Self.month(o.months[i]), short: String(o.months[i].suffix(2)) + "/" + String(o.months[i].dropFirst(2).prefix(2)), value: v, x: 8 + i * 32, y: 118 - h, height: h, textX: 20 + i * 32, textY: 115 - h)
        }
        var list: OutreachList? = nil
        var rows: [HouseholdRow] = []
        var pager: Pager? = nil
        if let raw = req.queryValue("show"), !raw.isEmpty {
            guard let l = OutreachList(rawValue: raw) else { throw Abort(.notFound) }
            list = l
            let page = PageRequest(req, defaultPer: req.config.pageSize)
            let p = try await OverviewQueries.households(unit, l, page: page, today: today, on: req.db)
            rows = Self.rows(p, req)
            pager = Pager(req, page: page.page, per: page.per, total: p.total)
            try await Audit.record("view", "outreach_households", unit: unit.id, after: ["list": l.rawValue, "households": String(p.items.count)], on: req.db)
        }
        var subUnits: [UnitLink] = []
        if unit.kind == .commune || unit.kind == .village {
            let today = Day.today()
            // Plain rows (names and ids only), not models.
            let sql = try ProfileRows.sql(req.db)
            subUnits = try await sql.raw("""
                SELECT id, name, kind FROM admin_units WHERE parent_id = \(bind: unit.id!) AND valid_from <= \(bind: today) AND valid_to > \(bind: today)
                  AND kind IN ('village', 'group') ORDER BY code
                """).all().map { r in
                let kind = try r.decode(column: "kind", as: String.self)
                return UnitLink(name: try r.decode(column: "name", as: String.self), kind: req.lang.t("kind.\(kind)"),
                                url: SiteURL.unitOutreach(.id(try r.decode(column: "id", as: UUID.self))).path)
            }
        }
        var crumbs = try await UnitCrumbs.trail(req, unit)
        crumbs.append(Crumb(name: req.lang.t("overview.title"), url: base))
        let ctx = ShowPage(
            layout: Layout(req, title: req.lang.t("overview.title") + " · " + unit.name, crumbs: crumbs),
            unitName: unit.name, kindLabel: req.lang.t("kind.\(unit.kind.rawValue)"),
            asOf: Day.display(o.asOf), since: Day.display(o.since), households: o.households,
            visited: Self.figure(req, "visited", o.visited90Days, of: households, counted: .visited, notCounted: .notVisited, base: base, index: 0),
            never: Self.figure(req, "never", o.neverVisited, of: households, counted: .neverVisited, notCounted: .visited, base: base, index: 0),
            profiled: Self.figure(req, "profiled", o.profiled, of: households, counted: .profiled, notCounted: .noProfile, base: base, index: 0),
            figures: figures, figuresChartHeight: figures.count * 36 + 8, denominatorHint: req.lang.t("overview.denominatorHint", [String(Int(today.prefix(4))! - Adults.age)]),
            months: o.months.map(Self.month), monthBars: bars, monthChartWidth: 16 + 12 * 32,
            visitsPerMonth: o.visitsPerMonth, visitsTotal: o.visitsPerMonth.reduce(0, +),
            members: o.members.map { MemberRow(name: $0.name.isEmpty ? req.lang.t("overview.noPerson") : $0.name, visits: $0.visits, total: $0.total) },
            subUnits: subUnits, neverVisitedURL: SiteURL.unitNeverVisited(.id(unit.id!)).path,
            apiURL: APIURL.unitOutreach(.id(unit.id!)).path, overviewURL: base,
            list: list?.rawValue, listTitle: list.map { req.lang.t("overview.list.\($0.rawValue)") }, rows: rows, pager: pager)
        return try await req.view.render("outreach/overview/show", ctx)
    }

    struct NeverPage: Encodable {
        var layout: Layout
        var unitName: String
        var asOf: String
        var total: Int
        var rows: [HouseholdRow]
        var pager: Pager
        var overviewURL: String
    }

    /// The households never visited, to print and tick on the way round (A4; a village fits one page of the list).
    func neverVisited(req: Request) async throws -> View {
        let unit = try req.scoped(AdminUnit.self)
        let page = PageRequest(req, defaultPer: PageRequest.maxPer)
        let p = try await OverviewQueries.households(unit, .neverVisited, page: page, on: req.db)
        try await Audit.record("view", "outreach_households", unit: unit.id, after: ["list": OutreachList.neverVisited.rawValue, "households": String(p.items.count)], on: req.db)
        var crumbs = try await UnitCrumbs.trail(req, unit)
        crumbs.append(Crumb(name: req.lang.t("overview.title"), url: SiteURL.unitOutreach(.id(unit.id!)).path))
        return try await req.view.render("outreach/overview/never-visited", NeverPage(
            layout: Layout(req, title: req.lang.t("overview.neverTitle") + " · " + unit.name, crumbs: crumbs),
            unitName: unit.name, asOf: Day.display(Day.today()), total: p.total, rows: Self.rows(p, req),
            pager: Pager(req, page: page.page, per: page.per, total: p.total), overviewURL: SiteURL.unitOutreach(.id(unit.id!)).path))
    }

    static func rows(_ p: Paged<OutreachHouseholdRowDTO>, _ req: Request) -> [HouseholdRow] {
        p.items.enumerated().map { i, r in
            HouseholdRow(n: (p.page - 1) * p.per + i + 1, code: r.code, representative: r.representative ?? "", address: r.address,
                         place: [r.villageName, r.groupName].compactMap { $0 }.joined(separator: " · "), phone: r.phone ?? "",
                         lastVisit: r.lastVisitOn.map(Day.display) ?? req.lang.t("overview.neverShort"),
                         url: SiteURL.household(.id(r.householdId)).path)
        }
    }

    /// "2026-03" → "03/2026".
    static func month(_ m: String) -> String { String(m.suffix(2)) + "/" + String(m.prefix(4)) }
}
