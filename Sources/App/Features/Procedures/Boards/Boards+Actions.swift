// The QR boards: state changes (each audited, in one transaction) and the queries pages and API share.
import Fluent
import SQLKit
import Vapor

public enum BoardActions {
    public static func create(in commune: AdminUnit, _ input: BoardInput, on db: any Database) async throws -> QrBoard {
        try await db.auditedTransaction { db in
            var c = Checker()
            let place = c.text("place", input.place, max: 200)
            let contact = c.text("contact", input.contact, max: 200, required: false)
            var village: UUID? = nil
            if let raw = input.villageId?.trimmingCharacters(in: .whitespaces), !raw.isEmpty {
                if let id = UUID(uuidString: raw), let v = try await AdminUnit.find(id, on: db), v.kind == .village, (v.communeID ?? v.parentID) == commune.id { village = id }
                else { c.add("villageId", "error.unknownVillage") }
            }
            if let lat = input.latitude, !(-90...90).contains(lat) { c.add("latitude", "error.proc.latitude") }
            if let lon = input.longitude, !(-180...180).contains(lon) { c.add("longitude", "error.proc.longitude") }
            if (input.latitude == nil) != (input.longitude == nil) { c.add(input.latitude == nil ? "latitude" : "longitude", "error.proc.bothCoordinates") }
            var procedures: [Procedure] = []
            let ids = input.procedureIds ?? []
            if ids.isEmpty { c.add("procedureIds", "error.proc.chooseProcedure") }
            for raw in ids {
                if let p = try await CatalogActions.named(raw, in: commune.id!, field: "procedureIds", into: &c, on: db), !procedures.contains(where: { $0.id == p.id }) {
                    procedures.append(p)
                }
            }
            try c.check()
            let b = QrBoard()
            b.id = UUID.random()
            b.communeID = commune.id!
            b.villageID = village
            b.place = place
            b.latitude = input.latitude
            b.longitude = input.longitude
            b.contact = contact
            try await b.create(on: db)
            for (i, p) in procedures.enumerated() {
                let bp = BoardProcedure()
                bp.id = UUID.random()
                bp.boardID = b.id!
                bp.procedureID = p.id!
                bp.position = i + 1
                bp.shortCode = ProcCodes.short()
                // 31^6 ≈ 887 million codes: a collision is rare; the unique index catches it and we retry once.
                if try await BoardProcedure.query(on: db).filter(\.$shortCode == bp.shortCode).count() > 0 { bp.shortCode = ProcCodes.short() }
                try await bp.create(on: db)
            }
            // The board is also an asset of the register (kind qrBoard), never entered twice (docs/assets.md).
            try await AssetMirror.board(b, on: db)
            try await Audit.record("create", QrBoard.schema, row: b.id, unit: commune.id,
                                   after: ["place": place, "procedures": procedures.map(\.key).joined(separator: ",")], on: db)
            return b
        }
    }

    /// The board with its procedures; `link` makes each short code's address (AppConfig.printedURL for the printed
    /// and API ones, the bare path for a list that shows none).
    static func dto(_ b: QrBoard, link: (SiteURL) throws -> String, on db: any Database) async throws -> BoardDTO {
        let links = try await BoardProcedure.query(on: db).filter(\.$boardID == b.id!).sort(\.$position).all()
        let procs = try await Procedure.query(on: db).filter(\.$id ~~ links.map(\.procedureID)).all()
        let byID = Dictionary(uniqueKeysWithValues: procs.map { ($0.id!, $0) })
        let urls = try Dictionary(links.map { ($0.shortCode, try link(SiteURL.scan($0.shortCode))) }) { a, _ in a }
        return BoardDTO(id: b.id!, communeId: b.communeID, villageId: b.villageID, place: b.place, latitude: b.latitude, longitude: b.longitude, contact: b.contact,
                        procedures: links.compactMap { l in byID[l.procedureID].map {
                            BoardProcedureDTO(procedureId: $0.id!, key: $0.key, name: $0.name, shortCode: l.shortCode,
                                              shortUrl: urls[l.shortCode] ?? "")
                        } })
    }

    /// Counts a scan of a board's short code and answers where to send the person; nil for an unknown code.
    /// A scan writes no row of its own: it raises the counter of its board, procedure and day by one (an upsert),
    /// so repeating a GET costs one small update, not a new row.
    static func scan(_ code: String, on db: any Database, at now: Date = AppClock.now) async throws -> (Procedure, AdminUnit)? {
        guard code.count <= 12, let bp = try await BoardProcedure.query(on: db).filter(\.$shortCode == code).first(),
              let p = try await Procedure.find(bp.procedureID, on: db), let commune = try await AdminUnit.find(p.communeID, on: db) else { return nil }
        guard let sql = db as? any SQLDatabase else { throw Abort(.internalServerError) }
        try await sql.raw("""
            INSERT INTO procedure_scan_counts (board_procedure_id, day, board_id, procedure_id, commune_id, scans)
            VALUES (\(bind: bp.id!), \(bind: Day.today(now)), \(bind: bp.boardID), \(bind: bp.procedureID), \(bind: p.communeID), 1)
            ON CONFLICT (board_procedure_id, day) DO UPDATE SET scans = procedure_scan_counts.scans + 1
            """).run()
        return (p, commune)
    }

    /// Scans per board and procedure per day (the last `days` days) or per month; summed by the database (cast back to
    /// BIGINT: PostgreSQL sums a BIGINT as NUMERIC).
    static func figures(boardID: UUID, byMonth: Bool, since: String, on db: any Database) async throws -> [ScanFigureDTO] {
        guard let sql = db as? any SQLDatabase else { return [] }
        let period: SQLExpression = byMonth ? SQLFunction("substr", args: SQLColumn("day"), SQLLiteral.numeric("1"), SQLLiteral.numeric("7")) : SQLColumn("day")
        let rows = try await sql.select()
            .column(SQLColumn("procedure_id"))
            .column(SQLAlias(period, as: SQLIdentifier("period")))
            .column(SQLAlias(SQLRaw("CAST(SUM(scans) AS BIGINT)"), as: SQLIdentifier("n")))
            .from("procedure_scan_counts")
            .where("board_id", .equal, boardID)
            .where("day", .greaterThanOrEqual, since)
            .groupBy(SQLColumn("procedure_id")).groupBy(period)
            .orderBy(SQLIdentifier("period"))
            .all()
        return try rows.map { r in
            ScanFigureDTO(boardId: boardID, procedureId: try r.decode(column: "procedure_id", as: UUID.self),
                          period: try r.decode(column: "period", as: String.self), scans: try r.decode(column: "n", as: Int.self))
        }
    }

    /// Scans per board of a commune since a day, summed by the database.
    static func totals(communeID: UUID, since: String, on db: any Database) async throws -> [UUID: Int] {
        guard let sql = db as? any SQLDatabase else { return [:] }
        let rows = try await sql.select()
            .column(SQLColumn("board_id"))
            .column(SQLAlias(SQLRaw("CAST(SUM(scans) AS BIGINT)"), as: SQLIdentifier("n")))
            .from("procedure_scan_counts")
            .where("commune_id", .equal, communeID)
            .where("day", .greaterThanOrEqual, since)
            .groupBy("board_id")
            .all()
        var out: [UUID: Int] = [:]
        for r in rows { out[try r.decode(column: "board_id", as: UUID.self)] = try r.decode(column: "n", as: Int.self) }
        return out
    }

}
