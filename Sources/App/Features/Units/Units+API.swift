// JSON routes for units under /api/v1 (described in Resources/openapi.json).
import Fluent
import Vapor

struct UnitsAPI {
    func addRoutes(to api: any RoutesBuilder) {
        let units = api.grouped("units")
        units.get(use: list)
        units.post(use: create)
        units.post("merge", use: merge)
        units.get(":id", use: get)
        units.patch(":id", use: update)
        units.get(":id", "summary", use: summary)
        units.get(":id", "history", use: history)
        units.get(":id", "parent", use: parent)
        units.post(":id", "move", use: move)
        units.post(":id", "carry", use: carry)
    }

    static func filter(_ req: Request) throws -> UnitQueries.Filter {
        var f = UnitQueries.Filter()
        if let p = req.query[String.self, at: "parent"], !p.isEmpty {
            guard let id = UUID(uuidString: p) else { throw InvalidInput("parent", "error.unknownParent") }
            f.parentID = id
        }
        if let k = req.query[String.self, at: "kind"], !k.isEmpty {
            guard let kind = UnitKind(rawValue: k) else { throw InvalidInput("kind", "error.unitKind") }
            f.kind = kind
        }
        if let on = req.query[String.self, at: "on"], !on.isEmpty {
            guard let d = Day.parse(on) else { throw InvalidInput("on", "error.date") }
            f.day = d
        }
        f.search = req.query[String.self, at: "q"]
        return f
    }

    func list(req: Request) async throws -> Paged<UnitDTO> {
        let page = PageRequest(req, defaultPer: req.config.pageSize)
        let (units, total) = try await UnitQueries.list(try Self.filter(req), page: page, on: req.db)
        let today = Day.today()
        return Paged(items: units.map { $0.toDTO(today: today) }, page: page, total: total)
    }

    func get(req: Request) async throws -> UnitDTO {
        try await UnitQueries.find(req.idParameter(), on: req.db).toDTO()
    }

    func create(req: Request) async throws -> Response {
        let unit = try await UnitActions.create(try req.content.decode(UnitInput.self), on: req.db)
        let res = try await unit.toDTO().encodeResponse(status: .created, for: req)
        res.headers.replaceOrAdd(name: .location, value: "/api/v1/units/\(unit.id!.uuidString.lowercased())")
        return res
    }

    func update(req: Request) async throws -> UnitDTO {
        let unit = try await UnitQueries.find(req.idParameter(), on: req.db)
        return try await UnitActions.update(unit, try req.content.decode(UnitInput.self), on: req.db).toDTO()
    }

    func summary(req: Request) async throws -> UnitSummary {
        try await UnitQueries.summary(of: UnitQueries.find(req.idParameter(), on: req.db), on: req.db)
    }

    func history(req: Request) async throws -> UnitHistoryDTO {
        try await UnitQueries.history(of: UnitQueries.find(req.idParameter(), on: req.db), on: req.db)
    }

    /// The unit's parent on a date (`?on=2025-06-30`), from its history.
    func parent(req: Request) async throws -> UnitDTO {
        let unit = try await UnitQueries.find(req.idParameter(), on: req.db)
        var day = Day.today()
        if let on = req.query[String.self, at: "on"], !on.isEmpty {
            guard let d = Day.parse(on) else { throw InvalidInput("on", "error.date") }
            day = d
        }
        guard let p = try await UnitQueries.parent(of: unit.id!, on: day, db: req.db) else { throw Abort(.notFound) }
        return p.toDTO()
    }

    func move(req: Request) async throws -> MoveResult {
        let unit = try await UnitQueries.find(req.idParameter(), on: req.db)
        return try await UnitActions.move(village: unit, input: try req.content.decode(MoveInput.self), on: req.db)
    }

    func merge(req: Request) async throws -> MoveResult {
        try await UnitActions.merge(try req.content.decode(MergeInput.self), on: req.db)
    }

    func carry(req: Request) async throws -> MoveResult {
        let unit = try await UnitQueries.find(req.idParameter(), on: req.db)
        let input = req.body.data == nil ? CarryInput() : try req.content.decode(CarryInput.self)
        return try await UnitActions.carry(unit, input: input, on: req.db)
    }
}
