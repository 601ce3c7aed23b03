// What the JSON API and the pages say about QR boards and their scan figures.
import Vapor

public struct BoardProcedureDTO: Content, Equatable {
    public var procedureId: UUID
    public var key: String
    public var name: String
    public var shortCode: String
    public var shortUrl: String
}

public struct BoardDTO: Content, Equatable {
    public var id: UUID
    public var communeId: UUID
    public var villageId: UUID?
    public var place: String
    public var latitude: Double?
    public var longitude: Double?
    public var contact: String
    public var procedures: [BoardProcedureDTO]
}

public struct BoardInput: Content {
    public var villageId: String?
    public var place: String?
    public var latitude: Double?
    public var longitude: Double?
    public var contact: String?
    public var procedureIds: [String]?
}

/// Scans of one procedure on one board in one period (a day "2026-11-24" or a month "2026-11").
public struct ScanFigureDTO: Content, Equatable {
    public var boardId: UUID
    public var procedureId: UUID
    public var period: String
    public var scans: Int
}

public struct BoardDetailDTO: Content {
    public var board: BoardDTO
    public var byDay: [ScanFigureDTO]
    public var byMonth: [ScanFigureDTO]
}
