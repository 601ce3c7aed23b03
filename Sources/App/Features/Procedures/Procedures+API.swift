// JSON routes of the procedures feature under /api/v1 (described in Resources/openapi.json).
import Fluent
import Vapor

struct ProceduresAPI {
    func addRoutes(open: any RoutesBuilder, signedIn api: any RoutesBuilder) {
        api.get(APIURL.communeProcedures(.key).components, use: listProcedures).rule(.unit(.manageProcedures))
        api.post(APIURL.communeProcedures(.key).components, use: createProcedure).rule(.unit(.manageProcedures))
        api.get(APIURL.procedure(.key).components, use: getProcedure).rule(.communeRow(.manageProcedures))
        api.patch(APIURL.procedure(.key).components, use: updateProcedure).rule(.communeRow(.manageProcedures))
        api.get(APIURL.communeBoards(.key).components, use: listBoards).rule(.unit(.manageProcedures))
        api.post(APIURL.communeBoards(.key).components, use: createBoard).rule(.unit(.manageProcedures))
        api.get(APIURL.board(.key).components, use: getBoard).rule(.communeRow(.manageProcedures))
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
        res.headers.replaceOrAdd(name: .location, value: APIURL.procedure(.id(p.id!)).path)
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

    func listBoards(req: Request) async throws -> [BoardDTO] {
        let commune = try await ProcScope.commune(req, .manageProcedures)
        var out: [BoardDTO] = []
        for b in try await QrBoard.query(on: req.db).filter(\.$communeID == commune.id!).sort(\.$place).all() {
            out.append(try await BoardActions.dto(b, link: req.config.printedURL, on: req.db))
        }
        return out
    }

    func createBoard(req: Request) async throws -> Response {
        let commune = try await ProcScope.commune(req, .manageProcedures)
        let input = try req.content.decode(BoardInput.self)
        _ = try await CatalogActions.list(commune, on: req.db)
        let b = try await BoardActions.create(in: commune, input, on: req.db)
        let res = try await BoardActions.dto(b, link: req.config.printedURL, on: req.db).encodeResponse(status: .created, for: req)
        res.headers.replaceOrAdd(name: .location, value: APIURL.board(.id(b.id!)).path)
        return res
    }

    func getBoard(req: Request) async throws -> BoardDetailDTO {
        let b = try await ProcScope.row(QrBoard.self, req, .manageProcedures) { $0.communeID }
        return BoardDetailDTO(board: try await BoardActions.dto(b, link: req.config.printedURL, on: req.db),
                              byDay: try await BoardActions.figures(boardID: b.id!, byMonth: false, since: Day.adding(-29, to: Day.today()), on: req.db),
                              byMonth: try await BoardActions.figures(boardID: b.id!, byMonth: true, since: Day.adding(-365, to: Day.today()), on: req.db))
    }
}
