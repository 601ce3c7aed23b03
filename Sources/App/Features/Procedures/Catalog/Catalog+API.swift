// JSON routes of the procedures catalog under /api/v1 (described in Resources/openapi.json); the QR boards' are in
// Boards/Boards+API.swift, registered here.
import Fluent
import Vapor

struct ProceduresAPI {
    func addRoutes(open: any RoutesBuilder, signedIn api: any RoutesBuilder) {
        api.get(APIURL.communeProcedures(.key).components, use: listProcedures).rule(.commune(.manageProcedures))
        api.post(APIURL.communeProcedures(.key).components, use: createProcedure).rule(.commune(.manageProcedures))
        api.get(APIURL.procedure(.key).components, use: getProcedure).rule(.procedure(.manageProcedures))
        api.patch(APIURL.procedure(.key).components, use: updateProcedure).rule(.procedure(.manageProcedures))
        api.get(APIURL.communeBoards(.key).components, use: listBoards).rule(.commune(.manageProcedures))
        api.post(APIURL.communeBoards(.key).components, use: createBoard).rule(.commune(.manageProcedures))
        api.get(APIURL.board(.key).components, use: getBoard).rule(.board(.manageProcedures))
    }

    func listProcedures(req: Request) async throws -> [ProcedureDTO] {
        let commune = try req.scoped(ScopedCommune.self).unit
        return try await CatalogActions.list(commune, on: req.db).map { $0.toDTO(communeCode: commune.code) }
    }

    func createProcedure(req: Request) async throws -> Response {
        let commune = try req.scoped(ScopedCommune.self).unit
        let input = try req.content.decode(ProcedureInput.self)
        _ = try await CatalogActions.list(commune, on: req.db)
        let p = try await CatalogActions.create(in: commune, input, on: req.db)
        let res = try await p.toDTO(communeCode: commune.code).encodeResponse(status: .created, for: req)
        res.headers.replaceOrAdd(name: .location, value: APIURL.procedure(.id(p.id!)).path)
        return res
    }

    func getProcedure(req: Request) async throws -> ProcedureDTO {
        let p = try req.scoped(Procedure.self)
        guard let commune = try await AdminUnit.find(p.communeID, on: req.db) else { throw Abort(.notFound) }
        return p.toDTO(communeCode: commune.code)
    }

    func updateProcedure(req: Request) async throws -> ProcedureDTO {
        let p = try req.scoped(Procedure.self)
        guard let commune = try await AdminUnit.find(p.communeID, on: req.db) else { throw Abort(.notFound) }
        var input = try req.content.decode(ProcedureInput.self)
        input.key = nil
        return try await CatalogActions.update(p, input, communeCode: commune.code, on: req.db).toDTO(communeCode: commune.code)
    }
}
