// The commune's periodic report upward, and every criteria table as a file. The report (`/criteria/units/{id}/report`)
// is a printable A4 page: the unit, the day and the set in its header; the criteria with their figures (summed over the
// villages); the villages side by side with what each is missing and the figure that falls short; the signature block
// of a Vietnamese official report. Each table exports as CSV (cells through CSVText, formulas neutralised) and XLSX
// (Support/XLSX.swift): `?table=criteria` (the unit's criteria), `units` (the units below side by side), `report` (each
// unit below × each criterion of its kind: the figure). The files hold the same figures as the JSON evaluation:
// counts as numbers, shares as percentages with two decimals and a dot. Manual values are entered on the unit's page
// through a form here too (the same check as the JSON route). Scoped like the pages: `.unit(.readCriteria)`.
import Fluent
import SQLKit
import Vapor

enum CriteriaReports {
    /// A share or count as a file writes it: at most two decimals, a dot, no trailing zeros ("66.67", "100", "3").
    /// Not a number or infinite: empty; 10^15 or more: every digit, no decimals (`Int(_:)` would trap on these).
    static func plain(_ v: Double?) -> String {
        guard let v, v.isFinite else { return "" }
        if v.magnitude >= 1e15 { return String(format: "%.0f", v) }
        let r = (v * 100).rounded() / 100
        if r == r.rounded() { return String(Int(r)) }
        var s = String(format: "%.2f", r)
        while s.hasSuffix("0") { s.removeLast() }
        return s
    }

    enum Table: String { case criteria, units, report }

    /// The rows below a unit (its villages), each evaluated on the set: what the `report` table and page list.
    static func belowEvaluations(_ e: EvaluationDTO, set: CriteriaSet, on day: String, db: any Database) async throws -> [EvaluationDTO] {
        var out: [EvaluationDTO] = []
        for b in e.below {
            guard let u = try await AdminUnit.find(b.unit.id, on: db) else { continue }
            out.append(try await CriteriaViews.evaluate(u, set: set, on: day, db: db))
        }
        return out
    }

    static func header(_ t: Table, _ lang: Lang, codes: [String]) -> [String] {
        switch t {
        case .criteria:
            return ["code", "criterion", "mandatory", "judgedOn", "numerator", "denominator", "value", "thresholdKind", "threshold", "result",
                    "unitsPassing", "units", "manualOn", "manualSource"].map { lang.t("criteria.col.\($0)") }
        case .units:
            return ["unitCode", "unit", "result", "failing"].map { lang.t("criteria.col.\($0)") }
        case .report:
            return [lang.t("criteria.col.unitCode"), lang.t("criteria.col.unit")] + codes + [lang.t("criteria.col.result"), lang.t("criteria.col.failing")]
        }
    }

    /// The table as rows of text, and the columns that hold whole numbers.
    static func rows(_ t: Table, _ e: EvaluationDTO, below: [EvaluationDTO], lang: Lang) -> (header: [String], rows: [[String]], numbers: Set<Int>) {
        let yes = lang.t("criteria.passes"), no = lang.t("criteria.fails")
        switch t {
        case .criteria:
            let rows = e.criteria.map { r -> [String] in
                let c = r.criterion
                return [c.code, lang == .en ? (c.nameEn ?? c.name) : c.name, lang.t(c.mandatory ? "criteria.yes" : "criteria.no"),
                        r.judgedOn?.name ?? "", r.numerator.map(String.init) ?? "", r.denominator.map(String.init) ?? "", plain(r.value),
                        c.thresholdKind.rawValue, plain(c.thresholdValue), r.passes.map { $0 ? yes : no } ?? "",
                        r.unitsPassing.map(String.init) ?? "", r.units.map(String.init) ?? "", r.manual?.on ?? "", r.manual?.source ?? ""]
            }
            return (header(t, lang, codes: []), rows, [4, 5, 10, 11])
        case .units:
            return (header(t, lang, codes: []), e.below.map { [$0.unit.code, $0.unit.name, $0.passes ? yes : no, $0.failing.joined(separator: ", ")] }, [])
        case .report:
            let kind = e.below.first?.unit.kind
            let codes = e.criteria.filter { $0.criterion.unitKind == kind }.map(\.criterion.code)
            let rows = below.map { b -> [String] in
                let byCode = Dictionary(b.criteria.map { ($0.criterion.code, $0) }, uniquingKeysWith: { a, _ in a })
                return [b.unit.code, b.unit.name] + codes.map { plain(byCode[$0]?.value) } + [b.passes == true ? yes : no, b.missing.joined(separator: ", ")]
            }
            return (header(t, lang, codes: codes), rows, [])
        }
    }

    /// The evaluation a request asks for (`on`, `set`), as the page and the JSON route read them.
    static func evaluation(_ req: Request) async throws -> (AdminUnit, CriteriaSet, EvaluationDTO) {
        let unit = try req.scoped(AdminUnit.self)
        let day = try CriteriaRoutes.day(req)
        guard let set = try await CriteriaRoutes.set(req, for: unit) else { throw InvalidInput("set", "criteria.noSet") }
        return (unit, set, try await CriteriaViews.evaluate(unit, set: set, on: day, db: req.db))
    }

    /// `?table=criteria|units|report&format=csv|xlsx` (criteria and CSV when absent); a bad table is the field at fault.
    static func export(_ req: Request) async throws -> Response {
        let raw = req.queryValue("table") ?? "criteria"
        guard let table = Table(rawValue: raw) else { throw InvalidInput("table", "error.criteria.table") }
        let format = SheetFile.Format(query: req.queryValue("format"))
        let (unit, set, e) = try await evaluation(req)
        let below = table == .report ? try await belowEvaluations(e, set: set, on: e.on, db: req.db) : []
        let t = rows(table, e, below: below, lang: req.lang)
        let data = try SheetFile.write(format, sheet: "\(set.code) \(e.on)", header: t.header, rows: t.rows, numberColumns: t.numbers)
        return SheetFile.response(data, format: format, name: "tieu-chi-\(table.rawValue)-\(unit.code)-\(set.code)-\(e.on)")
    }

    /// Links to a table's files, for a page.
    static func links(_ base: String, table: Table, day: String, set: UUID) -> [String: String] {
        let q = "?table=\(table.rawValue)&on=\(day)&set=\(set.uuidString.lowercased())"
        return ["csv": base + q + "&format=csv", "xlsx": base + q + "&format=xlsx"]
    }
}

struct CriteriaReportsAPI {
    func add(_ api: any RoutesBuilder) {
        api.get(APIURL.unitEvaluation(.key).components + ["export"], use: export).rule(.unit(.readCriteria))
    }
    func export(req: Request) async throws -> Response { try await CriteriaReports.export(req) }
}

/// What the unit's page shows besides the evaluation: export links per table, the report, and the manual-value form.
struct UnitExtras: Encodable {
    var criteriaCSV: String, criteriaXLSX: String
    var unitsCSV: String, unitsXLSX: String
    var reportURL: String
    var manual: ManualForm?
}

struct ManualForm: Encodable {
    var form: FormState
    var criteria: [SelectOption]
    var action: String
    var today: String
}

struct CriteriaReportsWeb {
    static func exportPath(_ id: UUID) -> String { SiteURL.unitCriteria(.id(id)).path + "/export" }
    static func reportPath(_ id: UUID) -> String { SiteURL.unitCriteria(.id(id)).path + "/report" }
    static func valuesPath(_ id: UUID) -> String { SiteURL.unitCriteria(.id(id)).path + "/values" }

    func add(_ web: any RoutesBuilder) {
        web.get(SiteURL.unitCriteria(.key).components + ["export"], use: export).rule(.unit(.readCriteria))
        web.get(SiteURL.unitCriteria(.key).components + ["report"], use: report).rule(.unit(.readCriteria))
        web.post(SiteURL.unitCriteria(.key).components + ["values"], use: recordValue).rule(.unit(.manageCriteria))
    }

    func export(req: Request) async throws -> Response { try await CriteriaReports.export(req) }

    /// The extras of a unit's page evaluated on `set` as of `day`; the manual form for those who manage criteria there.
    static func extras(_ req: Request, unit: AdminUnit, set: CriteriaSet, day: String, manual: FormState?) async throws -> UnitExtras {
        let base = exportPath(unit.id!)
        let c = CriteriaReports.links(base, table: .criteria, day: day, set: set.id!)
        let u = CriteriaReports.links(base, table: .units, day: day, set: set.id!)
        var extras = UnitExtras(criteriaCSV: c["csv"]!, criteriaXLSX: c["xlsx"]!, unitsCSV: u["csv"]!, unitsXLSX: u["xlsx"]!,
                                reportURL: reportPath(unit.id!) + "?on=\(day)&set=\(set.id!.uuidString.lowercased())", manual: nil)
        if try await req.access.allows(.manageCriteria, unit, on: req.db) {
            let own = try await CriteriaViews.allCriteria(of: set, on: req.db).filter { $0.unitKind == unit.kind }
            if !own.isEmpty {
                let form = manual ?? FormState(values: ["on": req.today])
                let options = own.map { c in
                    SelectOption(value: c.id!.uuidString, label: "\(c.code) · \(req.lang == .en ? (c.nameEn ?? c.name) : c.name)",
                                 selected: form.values["criterionId"] == c.id!.uuidString, note: c.measureKey == nil ? req.lang.t("criteria.manual") : "")
                }
                extras.manual = ManualForm(form: form, criteria: options, action: valuesPath(unit.id!) + "?set=\(set.id!.uuidString.lowercased())", today: req.today)
            }
        }
        return extras
    }

    struct ManualFormInput: Content { var criterionId: String?; var on: String?; var value: String?; var source: String? }

    func recordValue(req: Request) async throws -> Response {
        let unit = try req.scoped(AdminUnit.self)
        let raw = (try? req.content.decode(ManualFormInput.self)) ?? ManualFormInput()
        let values = ["criterionId": raw.criterionId ?? "", "on": raw.on ?? "", "value": raw.value ?? "", "source": raw.source ?? ""]
        do {
            let t = (raw.value ?? "").trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ",", with: ".")
            var number: Double? = nil
            if !t.isEmpty {
                guard t.count <= 20, let v = Double(t), v.isFinite else { throw InvalidInput("value", "error.criteria.number") }
                number = v
            }
            let v = try await CriteriaActions.recordValue(ManualValueInput(criterionId: raw.criterionId, on: raw.on, value: number, source: raw.source),
                                                          unit: unit, access: req.access, today: req.today, on: req.db)
            let set = req.queryValue("set").map { "&set=\($0)" } ?? ""
            return req.redirect(to: SiteURL.unitCriteria(.id(unit.id!)).path + "?on=\(v.onDay)\(set)", redirectType: .normal)
        } catch let e as InvalidInput {
            return try await CriteriaWeb.renderUnit(req, manual: FormState(values: values, issues: e.issues, lang: req.lang))
                .encodeResponse(status: e.status, for: req)
        }
    }

    // the printable report

    struct Line: Encodable { var code: String; var name: String; var mandatory: Bool; var figure: String; var threshold: String; var result: String; var note: String }
    struct UnitLine: Encodable { var index: Int; var name: String; var passes: Bool; var short: [String] }
    struct ReportPage: Encodable {
        var layout: Layout
        var authority: String
        var unitName: String
        var place: String
        var title: String
        var onDisplay: String
        var dateLine: String
        var setName: String
        var summary: String
        var lines: [Line]
        var units: [UnitLine]
        var kindName: String
        var files: [String: String]
    }

    func report(req: Request) async throws -> View {
        let (unit, set, e) = try await CriteriaReports.evaluation(req)
        let lang = req.lang
        let below = try await CriteriaReports.belowEvaluations(e, set: set, on: e.on, db: req.db)
        let lines = e.criteria.map { r in
            Line(code: r.criterion.code, name: lang == .en ? (r.criterion.nameEn ?? r.criterion.name) : r.criterion.name, mandatory: r.criterion.mandatory,
                 figure: CriteriaWeb.figure(r, lang), threshold: CriteriaWeb.threshold(r.criterion, lang),
                 result: r.rolledUp ? lang.t("criteria.unitsPassing", [lang.number(r.unitsPassing ?? 0), lang.number(r.units ?? 0)])
                                    : lang.t(r.passes == true ? "criteria.passes" : "criteria.fails"),
                 note: r.manual.map { lang.t("criteria.manualFrom", [Day.display($0.on), $0.source]) } ?? "")
        }
        let units = below.enumerated().map { i, b in
            UnitLine(index: i + 1, name: b.unit.name, passes: b.passes == true, short: b.criteria.filter { $0.criterion.mandatory && $0.passes == false }.map {
                "\($0.criterion.code): \(CriteriaWeb.figure($0, lang)) — \(lang.t("criteria.threshold").lowercased()) \(CriteriaWeb.threshold($0.criterion, lang))"
            })
        }
        let summary: String
        if !e.below.isEmpty {
            summary = lang.t("criteria.report.summaryBelow", [lang.number(e.below.filter(\.passes).count), lang.number(e.below.count),
                                                               lang.t("criteria.kind.\(e.below[0].unit.kind.rawValue)")])
        } else if let p = e.passes {
            summary = lang.t(p ? "criteria.verdictPass" : "criteria.verdictFail", [unit.name]) + (e.missing.isEmpty ? "" : " — " + lang.t("criteria.missing", [e.missing.joined(separator: ", ")]))
        } else { summary = "" }
        let parts = e.on.split(separator: "-").map(String.init)
        let place = unit.name
        let files = CriteriaReports.links(CriteriaReportsWeb.exportPath(unit.id!), table: .report, day: e.on, set: set.id!)
            .merging(CriteriaReports.links(CriteriaReportsWeb.exportPath(unit.id!), table: .criteria, day: e.on, set: set.id!).mapKeys { "criteria_" + $0 }) { a, _ in a }
        let title = lang.t("criteria.report.title")
        return try await req.view.render("criteria/report", ReportPage(
            layout: Layout(req, title: title + " — " + unit.name, crumbs: [Crumb(name: lang.t("nav.criteria"), url: SiteURL.criteria.path),
                                                                          Crumb(name: unit.name, url: SiteURL.unitCriteria(.id(unit.id!)).path + "?on=\(e.on)"),
                                                                          Crumb(name: title, url: CriteriaReportsWeb.reportPath(unit.id!))]),
            authority: lang.t("criteria.report.authority", [unit.name.uppercased()]),   // unit names carry their kind ("Xã …")
            unitName: unit.name, place: place, title: title.uppercased(), onDisplay: Day.display(e.on),
            dateLine: parts.count == 3 ? lang.t("criteria.report.dateLine", [place, parts[2], parts[1], parts[0]]) : Day.display(e.on),
            setName: "\(set.code) · \(set.name)", summary: summary, lines: lines, units: units,
            kindName: e.below.first.map { lang.t("criteria.kind.\($0.unit.kind.rawValue)") } ?? "", files: files))
    }
}

extension Dictionary {
    fileprivate func mapKeys(_ f: (Key) -> Key) -> [Key: Value] { Dictionary(uniqueKeysWithValues: map { (f($0.key), $0.value) }) }
}
