// The catalog and the QR boards: state changes (each audited, in one transaction) and the queries pages and API share.
import Fluent
import SQLKit
import Vapor

enum ProcCodes {
    /// Short codes for board URLs: lowercase, no look-alikes (0/o, 1/l/i).
    static let shortAlphabet = Array("23456789abcdefghjkmnpqrstuvwxyz")
    /// Codes people read out or type: uppercase, no look-alikes.
    static let refAlphabet = Array("23456789ABCDEFGHJKLMNPQRSTUVWXYZ")

    static func random(_ alphabet: [Character], _ n: Int) -> String {
        var g = SystemRandomNumberGenerator()
        return String((0..<n).map { _ in alphabet[Int(g.next() % UInt64(alphabet.count))] })
    }
    static func short() -> String { random(shortAlphabet, 6) }
    static func reference() -> String { random(refAlphabet, 8) }
}

enum ProcScope {
    /// The commune named by `:id`, if the caller holds `permission` on it; anything else is not found.
    static func commune(_ req: Request, _ permission: Permission) async throws -> AdminUnit {
        let u = try await req.access.unit(req.idParameter(), permission, on: req.db)
        guard u.kind == .commune else { throw Abort(.notFound) }
        return u
    }

    /// A row of this feature: found only when the caller holds `permission` on its commune.
    static func row<M: Model>(_ type: M.Type, _ req: Request, _ permission: Permission, commune: (M) -> UUID) async throws -> M where M.IDValue == UUID {
        guard let row = try await M.find(req.idParameter(), on: req.db) else { throw Abort(.notFound) }
        _ = try await req.access.unit(commune(row), permission, on: req.db)
        return row
    }

    static func communeByCode(_ code: String, on db: any Database) async throws -> AdminUnit {
        guard code.count <= 10, let c = try await UnitQueries.byCode(code, kind: .commune, on: db) else { throw Abort(.notFound) }
        return c
    }
}

public enum CatalogActions {
    static let textMax = 4000

    static func check(_ input: ProcedureInput, existing p: Procedure?, into c: inout Checker) -> ProcedureInput {
        var out = ProcedureInput()
        out.name = c.text("name", input.name ?? p?.name, max: 200)
        out.nationalCode = c.text("nationalCode", input.nationalCode ?? p?.nationalCode, max: 30, required: false)
        out.summary = c.text("summary", input.summary ?? p?.summary, max: 300)
        out.steps = lines(&c, "steps", input.steps ?? p?.steps)
        out.dossier = lines(&c, "dossier", input.dossier ?? p?.dossier)
        out.timeLimit = c.text("timeLimit", input.timeLimit ?? p?.timeLimit, max: 300)
        out.fee = c.text("fee", input.fee ?? p?.fee, max: 300)
        out.legalBasis = c.text("legalBasis", (input.legalBasis ?? p?.legalBasis)?.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\r", with: ""), max: 1000, required: false)
        out.online = c.text("online", input.online ?? p?.online, max: 300, required: false)
        out.handledBy = c.text("handledBy", input.handledBy ?? p?.handledBy, max: 200, required: false)
        let url = c.text("onlineUrl", input.onlineUrl ?? p?.onlineURL, max: 300, required: false)
        if !url.isEmpty, !(url.hasPrefix("https://") || url.hasPrefix("http://")) || url.contains(" ") { c.add("onlineUrl", "error.proc.url") }
        out.onlineUrl = url
        let days = input.workingDays ?? p?.workingDays ?? 0
        if !(0...60).contains(days) { c.add("workingDays", "error.proc.workingDays") }
        out.workingDays = days
        return out
    }

    /// A list kept one item a line: each line checked as text, empty lines dropped.
    static func lines(_ c: inout Checker, _ field: String, _ value: String?) -> String {
        let items = Procedure.lines((value ?? "").replacingOccurrences(of: "\r", with: ""))
        if items.isEmpty { c.add(field, "error.required"); return "" }
        var probe = Checker()
        let joined = items.map { probe.text(field, $0, max: 500) }.joined(separator: "\n")
        if let first = probe.issues.first { c.add(first.field, first.key, first.args) }
        else if joined.count > textMax { c.add(field, "error.tooLong", [String(textMax)]) }
        return joined
    }

    static func apply(_ v: ProcedureInput, to p: Procedure) {
        p.name = v.name!; p.nationalCode = v.nationalCode!; p.summary = v.summary!; p.steps = v.steps!; p.dossier = v.dossier!
        p.timeLimit = v.timeLimit!; p.workingDays = v.workingDays!; p.fee = v.fee!; p.legalBasis = v.legalBasis!
        p.onlineURL = v.onlineUrl!; p.online = v.online!; p.handledBy = v.handledBy!
    }

    public static func create(in commune: AdminUnit, _ input: ProcedureInput, on db: any Database) async throws -> Procedure {
        try await db.auditedTransaction { db in
            var c = Checker()
            let key = c.text("key", input.key, max: 40)
            if !key.isEmpty, !(key.first!.isLetter && key.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }) { c.add("key", "error.proc.key") }
            let v = check(input, existing: nil, into: &c)
            try c.check()
            if try await Procedure.query(on: db).filter(\.$communeID == commune.id!).filter(\.$key == key).count() > 0 {
                throw InvalidInput("key", "error.proc.keyTaken", [key])
            }
            let p = Procedure()
            p.id = UUID()
            p.communeID = commune.id!
            p.key = key
            p.position = (try await Procedure.query(on: db).filter(\.$communeID == commune.id!).max(\.$position) ?? 0) + 1
            apply(v, to: p)
            try await p.create(on: db)
            try await Audit.record("create", Procedure.schema, row: p.id, unit: commune.id, after: p.toDTO(communeCode: commune.code), on: db)
            return p
        }
    }

    public static func update(_ p: Procedure, _ input: ProcedureInput, communeCode: String, on db: any Database) async throws -> Procedure {
        try await db.auditedTransaction { db in
            var c = Checker()
            let v = check(input, existing: p, into: &c)
            try c.check()
            let before = p.toDTO(communeCode: communeCode)
            apply(v, to: p)
            if p.hasChanges {
                try await p.update(on: db)
                try await Audit.record("update", Procedure.schema, row: p.id, unit: p.communeID, before: before, after: p.toDTO(communeCode: communeCode), on: db)
            }
            return p
        }
    }

    public static func list(_ commune: AdminUnit, on db: any Database) async throws -> [Procedure] {
        try await ProcedureCatalogSeed.ensure(communeID: commune.id!, on: db)
        return try await Procedure.query(on: db).filter(\.$communeID == commune.id!).sort(\.$position).all()
    }

    /// A procedure named in a body: must be in this commune's catalog, else "unknown procedure".
    static func named(_ raw: String?, in communeID: UUID, field: String = "procedureId", into c: inout Checker, on db: any Database) async throws -> Procedure? {
        let s = (raw ?? "").trimmingCharacters(in: .whitespaces)
        if s.isEmpty { c.add(field, "error.required"); return nil }
        if let id = UUID(uuidString: s), let p = try await Procedure.find(id, on: db), p.communeID == communeID { return p }
        c.add(field, "error.proc.unknownProcedure")
        return nil
    }
}

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
            b.id = UUID()
            b.communeID = commune.id!
            b.villageID = village
            b.place = place
            b.latitude = input.latitude
            b.longitude = input.longitude
            b.contact = contact
            try await b.create(on: db)
            for (i, p) in procedures.enumerated() {
                let bp = BoardProcedure()
                bp.id = UUID()
                bp.boardID = b.id!
                bp.procedureID = p.id!
                bp.position = i + 1
                bp.shortCode = ProcCodes.short()
                // 31^6 ≈ 887 million codes: a collision is rare; the unique index catches it and we retry once.
                if try await BoardProcedure.query(on: db).filter(\.$shortCode == bp.shortCode).count() > 0 { bp.shortCode = ProcCodes.short() }
                try await bp.create(on: db)
            }
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
    static func scan(_ code: String, on db: any Database, at now: Date = Date()) async throws -> (Procedure, AdminUnit)? {
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

extension Day {
    /// `n` days after an ISO day (negative: before).
    static func adding(_ n: Int, to iso: String) -> String {
        guard let d = AuditQueries.dayStart(iso) else { return iso }
        return today(d.addingTimeInterval(Double(n) * 86_400 + 3_600))
    }

    /// 1 Monday … 7 Sunday.
    static func weekday(_ iso: String) -> Int {
        guard let d = AuditQueries.dayStart(iso) else { return 0 }
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = zone
        let w = cal.component(.weekday, from: d)   // 1 Sunday … 7 Saturday
        return w == 1 ? 7 : w - 1
    }
}
