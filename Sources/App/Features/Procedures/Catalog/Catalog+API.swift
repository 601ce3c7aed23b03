// JSON routes of the procedures catalog under /api/v1 (described in Resources/openapi.json); the QR boards' are in
// Boards/Boards+API.swift, registered here.
import Fluent
import Vapor

struct ProceduresAPI {
    func addRoutes(open: any RoutesBuilder, signedIn api: any RoutesBuilder) {
        api.get("communes", ":id", "procedures", use: listProcedures).rule(.unit(.manageProcedures))
        api.post("communes", ":id", "procedures", use: createProcedure).rule(.unit(.manageProcedures))
        api.get("procedures", ":id", use: getProcedure).rule(.communeRow(.manageProcedures))
        api.patch("procedures", ":id", use: updateProcedure).rule(.communeRow(.manageProcedures))
        api.get("communes", ":id", "boards", use: listBoards).rule(.unit(.manageProcedures))
        api.post("communes", ":id", "boards", use: createBoard).rule(.unit(.manageProcedures))
        api.get("boards", ":id", use: getBoard).rule(.communeRow(.manageProcedures))
    }

    func listProcedures(req: Request) async throws -> [ProcedureDTO] {
        let commune = try await ProcScope.commune(req, .manageProcedures)
        return try await CatalogActions.list(commune, on: req.db).map { $0.toDTO(communeCode: commune.code) }
    }

    func createProcedure(req: Request) async throws -> Response {
        let commune = try await ProcScope.commune(req, .manageProcedures)
        let input = try req.content.decode(ProcedureInput.self)
        _ = try await CatalogActions.list(commune, on: req.db)
        let p = try await CatalogActions.create(in: commune, input, on: req.db)
        let res = try await p.toDTO(communeCode: commune.code).encodeResponse(status: .created, for: req)
        res.headers.replaceOrAdd(name: .location, value: "/api/v1/procedures/\(p.id!.uuidString.lowercased())")
        return res
    }

    func getProcedure(req: Request) async throws -> ProcedureDTO {
        let p = try await ProcScope.row(Procedure.self, req, .manageProcedures) { $0.communeID }
        guard let commune = try await AdminUnit.find(p.communeID, on: req.db) else { throw Abort(.notFound) }
        return p.toDTO(communeCode: commune.code)
    }

    func updateProcedure(req: Request) async throws -> ProcedureDTO {
        let p = try await ProcScope.row(Procedure.self, req, .manageProcedures) { $0.communeID }
        guard let commune = try await AdminUnit.find(p.communeID, on: req.db) else { throw Abort(.notFound) }
        var input = try req.content.decode(ProcedureInput.self)
        input.key = nil
        return try await CatalogActions.update(p, input, communeCode: commune.code, on: req.db).toDTO(communeCode: commune.code)
    }
}
