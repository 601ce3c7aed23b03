// JSON routes of the QR boards (registered with the catalog's in ProceduresAPI.addRoutes).
import Fluent
import Vapor

extension ProceduresAPI {
    func listBoards(req: Request) async throws -> [BoardDTO] {
        let commune = try req.scoped(ScopedCommune.self).unit
        var out: [BoardDTO] = []
        for b in try await QrBoard.query(on: req.db).filter(\.$communeID == commune.id!).sort(\.$place).all() {
            out.append(try await BoardActions.dto(b, link: req.config.printedURL, on: req.db))
        }
        return out
    }

    func createBoard(req: Request) async throws -> Response {
        let commune = try req.scoped(ScopedCommune.self).unit
        let input = try req.content.decode(BoardInput.self)
        _ = try await CatalogActions.list(commune, on: req.db)
        let b = try await BoardActions.create(in: commune, input, on: req.db)
        let res = try await BoardActions.dto(b, link: req.config.printedURL, on: req.db).encodeResponse(status: .created, for: req)
        res.headers.replaceOrAdd(name: .location, value: APIURL.board(.id(b.id!)).path)
        return res
    }

    func getBoard(req: Request) async throws -> BoardDetailDTO {
        let b = try req.scoped(QrBoard.self)
        return BoardDetailDTO(board: try await BoardActions.dto(b, link: req.config.printedURL, on: req.db),
                              byDay: try await BoardActions.figures(boardID: b.id!, byMonth: false, since: Day.adding(-29, to: Day.today()), on: req.db),
                              byMonth: try await BoardActions.figures(boardID: b.id!, byMonth: true, since: Day.adding(-365, to: Day.today()), on: req.db))
    }
}
