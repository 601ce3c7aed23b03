// Criteria's pages: the caller's units and the sets that judge them; a unit's evaluation as of a day (a village: its
// criteria, what passes, what is missing, each figure a link to its rows; a commune: its villages side by side and
// the criteria that hold them back), printable; and the rows behind a figure. Vietnamese first; no JavaScript.
import Fluent
import SQLKit
import Vapor

struct CriteriaWeb {
    func add(_ web: any RoutesBuilder) {
        web.get(SiteURL.criteria.components, use: index).rule(.list(.readCriteria))
        web.get(SiteURL.unitCriteria(.key).components, use: unitPage).rule(.unit(.readCriteria)).kept(Self.keptPage)
        web.get(SiteURL.unitCriteriaRows(.key).components, use: rowsPage).rule(.unit(.readCriteria))
        CriteriaReportsWeb().add(web)
        CriteriaDefinitionsWeb().add(web)
    }

    struct Link: Encodable { var name: String; var url: String; var note: String }

    struct IndexPage: Encodable {
        var layout: Layout
        var units: [Link]
        var sets: [Link]
        var newSetURL: String?
    }

    func index(req: Request) async throws -> View {
        let q = AdminUnit.query(on: req.db).filter(\.$validTo > req.today)
        if let roots = req.access.roots(.readCriteria) { q.filter(\.$id ~~ roots) } else { q.filter(\.$kind == .commune) }
        let units = try await q.sort(\.$code).limit(200).all()
        var sets: [Link] = []
        for s in try await CriteriaAPI.visibleSets(req) {
            let owner = try await s.ownerUnitID.asyncMap { try await AdminUnit.find($0, on: req.db) } ?? nil
            sets.append(Link(name: "\(s.code) · \(s.name)", url: CriteriaDefinitionsWeb.setPath(s.id!), note: owner?.name ?? req.lang.t("criteria.shipped")))
        }
        return try await req.view.render("criteria/index", IndexPage(
            layout: Layout(req, title: req.lang.t("criteria.title"), crumbs: [Crumb(name: req.lang.t("nav.criteria"), url: SiteURL.criteria.path)]),
            units: units.map { Link(name: $0.name, url: SiteURL.unitCriteria(.id($0.id!)).path, note: $0.code) }, sets: sets,
            newSetURL: req.access.has(.manageCriteria) ? SiteURL.criteria.path + "/sets/new" : nil))
    }

    struct Row: Encodable {
        var code: String
        var name: String
        var mandatory: Bool
        var figure: String
        var threshold: String
        var result: String
        /// pass | fail | rolled
        var state: String
        var note: String
        var rowsURL: String?
        var missingURL: String?
        /// The pillar and group, on the first row of a group (a set with groups: the commune digital-transformation set).
        var group: String? = nil
    }

    /// A unit below and the mandatory criteria it misses, each linking to its rows left out (the households at fault).
    struct Below: Encodable { var name: String; var url: String; var passes: Bool; var failing: [Failing] }
    struct Failing: Encodable { var code: String; var url: String?; var last: Bool }
    struct Holds: Encodable { var code: String; var units: Int }

    struct UnitPage: Encodable {
        var layout: Layout
        var unitName: String
        var on: String
        var onDisplay: String
        var sets: [SelectOption]
        var setName: String?
        var verdict: String?
        var passes: Bool?
        var missing: String
        var rows: [Row]
        var below: [Below]
        var belowSummary: String
        var holds: [Holds]
        var action: String
        var extras: UnitExtras? = nil
        /// Month-by-month history from snapshots, and the form that takes one (Criteria+Snapshots.swift, +Charts.swift).
        var trends: CriteriaTrends.View? = nil
        var snapshotAction: String? = nil
        var snapshotNote: String? = nil
        /// Figures counted ahead (`CRITERIA_PRECOMPUTE`): when, and the live count's address.
        var counted: String? = nil
        var countedLive: String? = nil
    }

    static func figure(_ r: CriterionResultDTO, _ lang: Lang) -> String {
        if let m = r.manual {
            switch r.criterion.thresholdKind {
            case .shareAtLeast: return lang.percent(m.value)
            case .countAtLeast: return lang.number(Int(m.value.rounded()))
            case .yesNo: return lang.t(m.value >= 1 ? "criteria.yes" : "criteria.no")
            }
        }
        guard let n = r.numerator else { return "—" }
        switch r.criterion.thresholdKind {
        case .shareAtLeast:
            guard let d = r.denominator, let v = r.value else { return lang.t("criteria.noRecords") }
            return "\(lang.number(n))/\(lang.number(d)) (\(lang.percent(v)))"
        case .countAtLeast: return lang.number(n)
        case .yesNo: return r.rolledUp ? lang.number(n) : lang.t(n >= 1 ? "criteria.yes" : "criteria.no") + (n > 1 ? " (\(lang.number(n)))" : "")
        }
    }

    static func threshold(_ c: CriterionDTO, _ lang: Lang) -> String {
        switch c.thresholdKind {
        case .shareAtLeast: return lang.t("criteria.atLeast", [lang.percent(c.thresholdValue ?? 0)])
        case .countAtLeast: return lang.t("criteria.atLeast", [lang.number(Int((c.thresholdValue ?? 0).rounded()))])
        case .yesNo: return lang.t("criteria.yes")
        }
    }

    /// A unit's page kept in memory per viewer (`SignedInPages`): today's page (no `on`: the address every link to a
    /// unit's dashboard takes, with `set=` from a page counted ahead above it) when its figures were counted ahead
    /// (`CRITERIA_PRECOMPUTE`), under the data versions of everything it and its route's rule read: the units (the
    /// unit, its scope, names, the trail) and the criteria (definitions, manual values, snapshots, the rows counted
    /// ahead; migration 0037). Never a page that counted live (its figures come from tables these parts do not cover),
    /// nor one whose address is not exactly its canonical form (`set=` a set's id in lower case, then `lang=`).
    static let keptPage = kept("criteria")

    /// The same rule for the unit's JSON answers counted ahead (its evaluation, its communes' figures).
    static func kept(_ name: String, json: Bool = false) -> KeptPage {
        KeptPage(
        name: name, parts: [.units, .criteria],
        target: { req in req.parameters.get("id").flatMap(UUID.init(text:))?.text },
        canonical: { req in
            guard req.application.config.criteriaPrecompute else { return nil }
            var parts: [String] = []
            if let set = req.queryValue("set").flatMap(UUID.init(uuidString:)) { parts.append("set=" + set.uuidString.lowercased()) }
            if let lang = req.canonicalLangParameter { parts.append(lang) }
            let canonical = parts.joined(separator: "&")
            return (req.url.query ?? "") == canonical ? canonical : nil
        }, json: json)
    }

    func unitPage(req: Request) async throws -> View {
        guard let pages = req.application.signedInPages else { return try await Self.renderUnit(req, manual: nil) }
        return try await pages.answer(req, Self.keptPage) {
            let view = try await Self.renderUnit(req, manual: nil)
            return (view, req.criteriaCountedLive ? -1 : 0)
        }.0
    }

    /// The unit's page; `manual` re-shows the manual-value form with what was typed and the errors.
    static func renderUnit(_ req: Request, manual: FormState?) async throws -> View {
        let unit = try req.scoped(AdminUnit.self)
        let day = (try? CriteriaRoutes.day(req)) ?? req.today
        let set = try await CriteriaRoutes.set(req, for: unit)
        let lang = req.lang
        var crumbs = [Crumb(name: lang.t("nav.criteria"), url: SiteURL.criteria.path)]
        for u in try await UnitQueries.lineage(of: unit, on: req.db) where try await req.access.allows(.readCriteria, u, on: req.db) {
            crumbs.append(Crumb(name: u.name, url: SiteURL.unitCriteria(.id(u.id!)).path))
        }
        var page = UnitPage(layout: Layout(req, title: lang.t("criteria.title") + " — " + unit.name, crumbs: crumbs), unitName: unit.name,
                            on: day, onDisplay: Day.display(day), sets: [], setName: set.map { "\($0.code) · \($0.name)" }, verdict: nil, passes: nil,
                            missing: "", rows: [], below: [], belowSummary: "", holds: [], action: SiteURL.unitCriteria(.id(unit.id!)).path)
        for s in try await CriteriaViews.sets(for: unit, on: req.db) where try await req.access.reaches(s, .readCriteria, on: req.db) {
            page.sets.append(SelectOption(value: s.id!.uuidString, label: "\(s.code) · \(s.name)", selected: s.id == set?.id))
        }
        if try await req.access.allows(.manageCriteria, unit, on: req.db) { page.snapshotAction = SiteURL.unitCriteriaSnapshots(.id(unit.id!)).path }
        page.snapshotNote = CriteriaSnapshotRoutes.note(req)
        if unit.kind == .province || unit.kind == .district {
            return try await CriteriaProvince.page(req, unit, day: day, set: set, sets: page.sets, crumbs: page.layout.crumbs,
                                                   snapshotAction: page.snapshotAction, snapshotNote: page.snapshotNote)
        }
        guard let set else { return try await req.view.render("criteria/unit", page) }
        let e = try await CriteriaDashboards.evaluation(req, unit, set: set, day: day)
        if let n = CriteriaDashboards.note(lang, countedAt: e.countedAt, liveURL: page.action + "?on=\(day)&set=\(set.id!.uuidString)") {
            page.counted = n.0; page.countedLive = n.1
        }
        page.extras = try await CriteriaReportsWeb.extras(req, unit: unit, set: set, day: day, manual: manual)
        page.trends = try await CriteriaTrends.view(unit: unit, set: set, lang: lang, db: req.db)
        page.passes = e.passes
        if let p = e.passes {
            page.verdict = lang.t(p ? "criteria.verdictPass" : "criteria.verdictFail", [unit.kind == .village ? lang.t("criteria.smartVillage") : unit.name])
        }
        page.missing = e.missing.joined(separator: ", ")
        let rowsBase = SiteURL.unitCriteriaRows(.id(unit.id!)).path
        var lastGroup: String? = nil
        // Group headings when each group's criteria stand together (the digital-transformation set's 8 groups).
        var runs: [String] = []
        for g in e.criteria.compactMap(\.criterion.groupName) where runs.last != g { runs.append(g) }
        let grouped = !runs.isEmpty && Set(runs).count == runs.count
        for r in e.criteria {
            let c = r.criterion
            var row = Row(code: c.code, name: lang == .en ? (c.nameEn ?? c.name) : c.name, mandatory: c.mandatory, figure: figure(r, lang),
                          threshold: threshold(c, lang), result: "", state: "", note: "", rowsURL: nil, missingURL: nil)
            if r.rolledUp {
                row.state = "rolled"
                row.result = lang.t("criteria.unitsPassing", [lang.number(r.unitsPassing ?? 0), lang.number(r.units ?? 0)])
            } else {
                row.state = r.passes == true ? "pass" : "fail"
                row.result = lang.t(r.passes == true ? "criteria.passes" : "criteria.fails")
            }
            if let m = r.manual { row.note = lang.t("criteria.manualFrom", [Day.display(m.on), m.source]) }
            else if let j = r.judgedOn, j.id != unit.id { row.note = lang.t("criteria.ofUnit", [j.name]) }
            if r.rowsURL != nil, r.judgedOn?.id == unit.id, let key = c.measureKey {
                row.rowsURL = rowsBase + "?measure=\(key)&on=\(day)"
                row.missingURL = row.rowsURL! + "&missing=1"
            }
            let group = [c.pillar.map { lang.t("criteria.pillar.\($0.rawValue)") }, c.groupName].compactMap { $0 }.joined(separator: " · ")
            if grouped, c.groupName != nil, group != lastGroup { row.group = group; lastGroup = group }
            page.rows.append(row)
        }
        var holds: [String: Int] = [:]
        // A criterion counted on the units below from records: its rows left out are one click away for each of them.
        let below = e.below.first?.unit.kind
        let keys = Dictionary(e.criteria.compactMap { r in r.criterion.measureKey.map { (r.criterion.code, ($0, r.criterion.unitKind)) } },
                              uniquingKeysWith: { a, _ in a })
        for b in e.below {
            let failing = b.failing.enumerated().map { i, code -> Failing in
                var url: String? = nil
                if let (key, kind) = keys[code], kind == below {
                    url = SiteURL.unitCriteriaRows(.id(b.unit.id)).path + "?measure=\(key)&on=\(day)&missing=1"
                }
                return Failing(code: code, url: url, last: i == b.failing.count - 1)
            }
            page.below.append(Below(name: b.unit.name, url: SiteURL.unitCriteria(.id(b.unit.id)).path + Self.belowQuery(day: day, set: set, countedAhead: e.countedAt != nil),
                                    passes: b.passes, failing: failing))
            for f in b.failing { holds[f, default: 0] += 1 }
        }
        if !e.below.isEmpty {
            page.belowSummary = lang.t("criteria.belowPassing", [lang.number(e.below.filter(\.passes).count), lang.number(e.below.count)])
        }
        page.holds = holds.map { Holds(code: $0.key, units: $0.value) }.sorted { ($1.units, $0.code) < ($0.units, $1.code) }
        return try await req.view.render("criteria/unit", page)
    }

    /// The query of a link to a unit below: the same day and set; from a page counted ahead, today without `on` (so
    /// the page below is served from its own figures counted ahead, and kept, rather than counted live).
    static func belowQuery(day: String, set: CriteriaSet, countedAhead: Bool) -> String {
        countedAhead ? "?set=" + set.id!.uuidString.lowercased() : "?on=\(day)&set=\(set.id!.uuidString)"
    }

    struct RowView: Encodable { var code: String; var label: String; var detail: String; var url: String? }
    struct RowsPage: Encodable {
        var layout: Layout
        var heading: String
        var missing: Bool
        var rows: [RowView]
        var limited: Bool
        var countedURL: String
        var missingURL: String
        var backURL: String
        var onDisplay: String
    }

    func rowsPage(req: Request) async throws -> View {
        let unit = try req.scoped(AdminUnit.self)
        let (d, m) = try await CriteriaRoutes.rows(req, unit)
        let lang = req.lang
        let base = SiteURL.unitCriteriaRows(.id(unit.id!)).path + "?measure=\(m.key)&on=\(d.on)"
        let rows = d.rows.map { r -> RowView in
            var detail = r.detail
            if detail.hasPrefix("status.") || detail.hasPrefix("channel.") { detail = lang.t("criteria." + detail) }
            return RowView(code: r.code, label: r.label, detail: detail, url: r.url)
        }
        return try await req.view.render("criteria/rows", RowsPage(
            layout: Layout(req, title: m.name(lang) + " — " + unit.name, crumbs: [Crumb(name: lang.t("nav.criteria"), url: SiteURL.criteria.path),
                                                                                  Crumb(name: unit.name, url: SiteURL.unitCriteria(.id(unit.id!)).path)]),
            heading: lang.t("criteria.rowsTitle", [m.name(lang), lang.t(d.missing ? "criteria.rowsMissing" : "criteria.rowsCounted")]),
            missing: d.missing, rows: rows, limited: d.limited, countedURL: base, missingURL: base + "&missing=1",
            backURL: SiteURL.unitCriteria(.id(unit.id!)).path + "?on=\(d.on)", onDisplay: Day.display(d.on)))
    }
}
