// Criteria's routes, joined here (pages under SiteURL's "criteria" section, JSON under APIURL's): the measures, the
// sets and their criteria, a unit's evaluation as of a day, the rows behind a figure, and manual values
// (docs/criteria.md). Pages and JSON call the same functions.
import Fluent
import SQLKit
import Vapor

enum CriteriaRoutes {
    static func add(signedIn web: any RoutesBuilder, signedInAPI api: any RoutesBuilder) {
        CriteriaAPI().add(api)
        CriteriaReportsAPI().add(api)
        CriteriaDefinitionsAPI().add(api)
        CriteriaWeb().add(web)
        CriteriaSnapshotRoutes.add(web: web, api: api)
        CriteriaProvince.add(api: api)
    }

    /// `?on=` (yyyy-MM-dd or dd/MM/yyyy), today when absent; a bad one is the field at fault.
    static func day(_ req: Request) throws -> String {
        guard let raw = req.queryValue("on"), !raw.trimmingCharacters(in: .whitespaces).isEmpty else { return req.today }
        guard let d = Day.parse(raw) else { throw InvalidInput("on", "error.date") }
        return d
    }

    /// `?set=`: a set the caller reads that judges the unit; else the nearest set that judges it (none: nil).
    static func set(_ req: Request, for unit: AdminUnit) async throws -> CriteriaSet? {
        if let raw = req.queryValue("set"), !raw.isEmpty {
            guard let id = UUID(uuidString: raw), let s = try? await req.access.criteriaSet(id, .readCriteria, on: req.db),
                  try await CriteriaViews.applies(s, to: unit, on: req.db) else { throw InvalidInput("set", "error.criteria.unknownSet") }
            return s
        }
        return try await CriteriaViews.sets(for: unit, on: req.db).first
    }

    /// The rows behind a measure's figure for a unit of the measure's base kind.
    static func rows(_ req: Request, _ unit: AdminUnit) async throws -> (MeasureRowsDTO, Measure) {
        let key = req.queryValue("measure") ?? ""
        guard !key.isEmpty else { throw InvalidInput("measure", "error.criteria.measureKey") }
        guard let m = Measures.byKey[key] else { throw InvalidInput("measure", "error.criteria.measure") }
        guard unit.kind == m.base else { throw InvalidInput("measure", "error.criteria.rowsKind", [req.lang.t("criteria.kind.\(m.base.rawValue)")]) }
        let day = try day(req)
        let missing = ["1", "true", "yes"].contains(req.queryValue("missing") ?? "")
        let rows = try await m.rows(unit.id!, day, missing, req.db as! any SQLDatabase)
        return (MeasureRowsDTO(unit: CriteriaViews.ref(unit), measure: m.key, on: day, missing: missing, rows: rows, limited: rows.count >= 500), m)
    }
}

struct CriteriaAPI {
    func add(_ api: any RoutesBuilder) {
        api.get(APIURL.criteriaMeasures.components, use: measures).rule(.list(.readCriteria))
        api.get(APIURL.criteriaSets.components, use: sets).rule(.list(.readCriteria))
        api.post(APIURL.criteriaSets.components, use: createSet).rule(.action(.manageCriteria))
        api.get(APIURL.criteriaSet(.key).components, use: getSet).rule(.criteriaSet(.readCriteria))
        api.patch(APIURL.criteriaSet(.key).components, use: updateSet).rule(.criteriaSet(.manageCriteria))
        api.delete(APIURL.criteriaSet(.key).components, use: deleteSet).rule(.criteriaSet(.manageCriteria))
        api.post(APIURL.criteriaSetCriteria(.key).components, use: createCriterion).rule(.criteriaSet(.manageCriteria))
        api.get(APIURL.criterion(.key).components, use: getCriterion).rule(.criterion(.readCriteria))
        api.patch(APIURL.criterion(.key).components, use: updateCriterion).rule(.criterion(.manageCriteria))
        api.delete(APIURL.criterion(.key).components, use: deleteCriterion).rule(.criterion(.manageCriteria))
        api.get(APIURL.unitEvaluation(.key).components, use: evaluation).rule(.unit(.readCriteria)).kept(Self.evaluationJSON)
        api.get(APIURL.unitCriteriaRows(.key).components, use: rows).rule(.unit(.readCriteria))
        api.get(APIURL.unitCriteriaValues(.key).components, use: values).rule(.unit(.readCriteria))
        api.post(APIURL.unitCriteriaValues(.key).components, use: recordValue).rule(.unit(.manageCriteria))
    }

    func measures(req: Request) async throws -> [MeasureDTO] {
        Measures.all.map { CriteriaViews.measureDTO($0, req.lang) }
    }

    /// The shipped sets and those owned at, above or below the caller's units.
    static func visibleSets(_ req: Request) async throws -> [CriteriaSet] {
        let q = CriteriaSet.query(on: req.db)
        if let roots = req.access.roots(.readCriteria) {
            q.group(.or) { g in
                g.filter(\.$ownerUnitID == nil)
                g.filter(.sql(UnitClosure.atOrAround(CriteriaSet.schema, "owner_unit_id", roots)))
            }
        }
        return try await q.sort(\.$code).sort(\.$name).all()
    }

    func sets(req: Request) async throws -> [CriteriaSetDTO] {
        var out: [CriteriaSetDTO] = []
        for s in try await Self.visibleSets(req) { out.append(try await CriteriaViews.setDTO(s, criteria: nil, on: req.db)) }
        return out
    }

    func createSet(req: Request) async throws -> Response {
        // Refused before the body is read: a caller who manages no criteria learns nothing from its validation.
        guard req.access.has(.manageCriteria) else { throw Abort(.forbidden) }
        let s = try await CriteriaActions.createSet(try req.content.decode(CriteriaSetInput.self), access: req.access, on: req.db)
        let res = try await CriteriaViews.setDTO(s, criteria: try await CriteriaViews.criteria(of: s, on: req.db), on: req.db)
            .encodeResponse(status: .created, for: req)
        res.headers.replaceOrAdd(name: .location, value: APIURL.criteriaSet(.id(s.id!)).path)
        return res
    }

    func getSet(req: Request) async throws -> CriteriaSetDTO {
        let s = try req.scoped(CriteriaSet.self)
        return try await CriteriaViews.setDTO(s, criteria: try await CriteriaViews.criteria(of: s, on: req.db), on: req.db)
    }

    func updateSet(req: Request) async throws -> CriteriaSetDTO {
        let s = try await CriteriaActions.updateSet(try req.scoped(CriteriaSet.self), try req.content.decode(CriteriaSetInput.self), on: req.db)
        return try await CriteriaViews.setDTO(s, criteria: try await CriteriaViews.criteria(of: s, on: req.db), on: req.db)
    }

    func deleteSet(req: Request) async throws -> HTTPStatus {
        try await CriteriaActions.deleteSet(try req.scoped(CriteriaSet.self), on: req.db)
        return .noContent
    }

    func createCriterion(req: Request) async throws -> Response {
        let s = try req.scoped(CriteriaSet.self)
        let c = try await CriteriaActions.createCriterion(in: s, try req.content.decode(CriterionInput.self), on: req.db)
        let res = try await CriteriaViews.dto(c).encodeResponse(status: .created, for: req)
        res.headers.replaceOrAdd(name: .location, value: APIURL.criterion(.id(c.id!)).path)
        return res
    }

    func getCriterion(req: Request) async throws -> CriterionDTO {
        CriteriaViews.dto(try req.scoped(Criterion.self))
    }

    func updateCriterion(req: Request) async throws -> CriterionDTO {
        CriteriaViews.dto(try await CriteriaActions.updateCriterion(try req.scoped(Criterion.self), in: try req.scoped(CriteriaSet.self),
                                                                   try req.content.decode(CriterionInput.self), on: req.db))
    }

    func deleteCriterion(req: Request) async throws -> HTTPStatus {
        try await CriteriaActions.deleteCriterion(try req.scoped(Criterion.self), in: try req.scoped(CriteriaSet.self), on: req.db)
        return .noContent
    }

    /// A unit's evaluation counted ahead, kept as bytes like its page (CriteriaWeb.keptPage).
    static let evaluationJSON = CriteriaWeb.kept("criteria-evaluation", json: true)

    func evaluation(req: Request) async throws -> Response {
        let build = { () async throws -> (EvaluationDTO, keep: Bool) in
            let unit = try req.scoped(AdminUnit.self)
            let day = try CriteriaRoutes.day(req)
            guard let set = try await CriteriaRoutes.set(req, for: unit) else { throw InvalidInput("set", "criteria.noSet") }
            let dto = try await CriteriaDashboards.evaluation(req, unit, set: set, day: day)
            return (dto, !req.criteriaCountedLive)
        }
        return try await req.keptJSON(Self.evaluationJSON, build: build)
    }

    func rows(req: Request) async throws -> MeasureRowsDTO {
        try await CriteriaRoutes.rows(req, try req.scoped(AdminUnit.self)).0
    }

    func values(req: Request) async throws -> [ManualValueDTO] {
        let unit = try req.scoped(AdminUnit.self)
        return try await CriterionValue.query(on: req.db).filter(\.$unitID == unit.id!).sort(\.$onDay, .descending).sort(\.$createdAt, .descending)
            .limit(500).all().map(CriteriaViews.manualDTO)
    }

    func recordValue(req: Request) async throws -> Response {
        let unit = try req.scoped(AdminUnit.self)
        let v = try await CriteriaActions.recordValue(try req.content.decode(ManualValueInput.self), unit: unit, access: req.access, today: req.today, on: req.db)
        return try await CriteriaViews.manualDTO(v).encodeResponse(status: .created, for: req)
    }
}
