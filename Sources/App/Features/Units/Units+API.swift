// JSON routes for units under /api/v1 (described in Resources/openapi.json).
import Fluent
import Vapor

struct UnitsAPI {
    func addRoutes(to api: any RoutesBuilder) {
        api.get(APIURL.units.components, use: list).rule(.list(.readRegistry))
        api.post(APIURL.units.components, use: create).rule(.action(.manageUnits))
        api.post(APIURL.unitsMerge.components, use: merge).rule(.action(.manageUnits))
        api.get(APIURL.unit(.key).components, use: get).rule(.unit(.readRegistry))
        api.patch(APIURL.unit(.key).components, use: update).rule(.unit(.manageUnits))
        api.get(APIURL.unitSummary(.key).components, use: summary).rule(.unit(.readRegistry))
        api.get(APIURL.unitHistory(.key).components, use: history).rule(.unit(.readRegistry))
        api.get(APIURL.unitParent(.key).components, use: parent).rule(.unit(.readRegistry))
        api.post(APIURL.unitMove(.key).components, use: move).rule(.unit(.manageUnits))
        api.post(APIURL.unitCarry(.key).components, use: carry).rule(.unit(.manageUnits))
    }

    static func filter(_ req: Request) async throws -> UnitQueries.Filter {
        var f = UnitQueries.Filter(scope: try await req.access.rootUnits(.readRegistry, on: req.db))
        if let p = req.queryValue("parent"), !p.isEmpty {
            guard let id = UUID(uuidString: p) else { throw InvalidInput("parent", "error.unknownParent") }
            f.parentID = try await req.access.unit(id, .readRegistry, on: req.db).id
        }
        if let k = req.queryValue("kind"), !k.isEmpty {
            guard let kind = UnitKind(rawValue: k) else { throw InvalidInput("kind", "error.unitKind") }
            f.kind = kind
        }
        if let on = req.queryValue("on"), !on.isEmpty {
            guard let d = Day.parse(on) else { throw InvalidInput("on", "error.date") }
            f.day = d
        }
        f.search = req.queryValue("q")
        return f
    }

    func list(req: Request) async throws -> Paged<UnitDTO> {
        let page = PageRequest(req, defaultPer: req.config.pageSize)
        let (units, total) = try await UnitQueries.list(try await Self.filter(req), page: page, on: req.db)
        let today = Day.today()
        return Paged(items: units.map { $0.toDTO(today: today) }, page: page, total: total)
    }

    func get(req: Request) async throws -> UnitDTO {
        try req.scoped(AdminUnit.self).toDTO()
    }

    func create(req: Request) async throws -> Response {
        let input = try req.content.decode(UnitInput.self)
        try await Self.checkParent(input.parentId, req)
        let unit = try await UnitActions.create(input, on: req.db)
        let res = try await unit.toDTO().encodeResponse(status: .created, for: req)
        res.headers.replaceOrAdd(name: .location, value: APIURL.unit(.id(unit.id!)).path)
        return res
    }

    /// A parent outside the caller's units is as unknown as one that does not exist; a province needs system-wide rights.
    static func checkParent(_ raw: String?, _ req: Request) async throws {
        let text = (raw ?? "").trimmingCharacters(in: .whitespaces)
        if text.isEmpty {
            if req.access.roots(.manageUnits) != nil { throw InvalidInput("parentId", "error.required") }
        } else if let id = UUID(uuidString: text), let p = try await AdminUnit.find(id, on: req.db),
                  !(try await req.access.allows(.manageUnits, p, on: req.db)) {
            throw InvalidInput("parentId", "error.unknownParent")
        }
    }

    /// A commune the caller may manage, for a body field; otherwise "no such commune" on that field.
    static func manageableCommune(_ raw: String?, field: String, _ req: Request) async throws -> String? {
        guard let text = raw?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return raw }
        if let id = UUID(uuidString: text), let u = try await AdminUnit.find(id, on: req.db),
           !(try await req.access.allows(.manageUnits, u, on: req.db)) {
            throw InvalidInput(field, "error.unknownCommune")
        }
        return raw
    }

    func update(req: Request) async throws -> UnitDTO {
        let unit = try req.scoped(AdminUnit.self)
        return try await UnitActions.update(unit, try req.content.decode(UnitInput.self), on: req.db).toDTO()
    }

    func summary(req: Request) async throws -> UnitSummary {
        try await UnitQueries.summary(of: req.scoped(AdminUnit.self), on: req.db)
    }

    func history(req: Request) async throws -> UnitHistoryDTO {
        try await UnitQueries.history(of: req.scoped(AdminUnit.self), on: req.db)
    }

    /// The unit's parent on a date (`?on=2025-06-30`), from its history.
    func parent(req: Request) async throws -> UnitDTO {
        let unit = try req.scoped(AdminUnit.self)
        var day = Day.today()
        if let on = req.queryValue("on"), !on.isEmpty {
            guard let d = Day.parse(on) else { throw InvalidInput("on", "error.date") }
            day = d
        }
        guard let p = try await UnitQueries.parent(of: unit.id!, on: day, db: req.db) else { throw Abort(.notFound) }
        return p.toDTO()
    }

    func move(req: Request) async throws -> MoveResult {
        let unit = try req.scoped(AdminUnit.self)
        let input = try req.content.decode(MoveInput.self)
        _ = try await Self.manageableCommune(input.communeId, field: "communeId", req)
        return try await UnitActions.move(village: unit, input: input, on: req.db)
    }

    func merge(req: Request) async throws -> MoveResult {
        let input = try req.content.decode(MergeInput.self)
        for s in input.sourceIds ?? [] { _ = try await Self.manageableCommune(s, field: "sourceIds", req) }
        _ = try await Self.manageableCommune(input.targetId, field: "targetId", req)
        if let n = input.newCommune {
            do { try await Self.checkParent(n.parentId, req) }
            catch let e as InvalidInput { throw InvalidInput(e.issues.map { FieldIssue("newCommune." + $0.field, $0.key, $0.args) }) }
        }
        return try await UnitActions.merge(input, on: req.db)
    }

    func carry(req: Request) async throws -> MoveResult {
        let unit = try req.scoped(AdminUnit.self)
        let input = req.body.data == nil ? CarryInput() : try req.content.decode(CarryInput.self)
        return try await UnitActions.carry(unit, input: input, access: req.access, on: req.db)
    }
}
