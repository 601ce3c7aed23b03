// The audit log for system administrators: a filterable page, its CSV, and the JSON route.
import CSV
import Fluent
import Vapor

struct AuditRoutes {
    func addRoutes(web: any RoutesBuilder, api: any RoutesBuilder) {
        web.get(SiteURL.audit.components, use: page).rule(.list(.readAudit))
        web.get(SiteURL.auditCSV.components, use: csv).rule(.list(.readAudit))
        api.get(APIURL.audit.components, use: list).rule(.list(.readAudit))
    }

    static func guardAccess(_ req: Request) throws {
        guard req.access.roots(.readAudit) == nil else { throw Abort(.notFound) }
    }

    func list(req: Request) async throws -> Paged<AuditEventDTO> {
        try Self.guardAccess(req)
        return try await AuditQueries.page(try AuditQueries.filter(req), page: PageRequest(req, defaultPer: req.config.pageSize), on: req.db)
    }

    struct Row: Encodable {
        var at: String
        var actor: String
        var action: String
        var table: String
        var row: String
        var unit: String
        var before: String
        var after: String
    }

    struct PageView: Encodable {
        var layout: Layout
        var rows: [Row]
        var pager: Pager
        var values: [String: String]
        var csvURL: String
        var error: String?
    }

    /// The action in the reader's language (the stored value stays the English code, for filters and CSV).
    static func actionName(_ action: String, _ lang: Lang) -> String {
        let key = "audit.action.\(action)"
        return L10n.table[key] == nil ? action : lang.t(key)
    }

    static func time(_ d: Date) -> String {
        let f = DateFormatter()
        f.dateFormat = "dd/MM/yyyy HH:mm:ss"
        f.timeZone = Day.zone
        return f.string(from: d)
    }

    func page(req: Request) async throws -> View {
        try Self.guardAccess(req)
        let pageReq = PageRequest(req, defaultPer: req.config.pageSize)
        var error: String? = nil
        var f = AuditQueries.Filter()
        do { f = try AuditQueries.filter(req) } catch let e as InvalidInput { error = e.issues.map { "\($0.field): \($0.message(req.lang))" }.joined(separator: " ") }
        let result = try await AuditQueries.page(f, page: pageReq, on: req.db)
        var values: [String: String] = [:]
        for k in ["person", "unit", "row", "from", "to", "action"] { values[k] = req.queryValue(k) ?? "" }
        return try await req.view.render("audit/index", PageView(
            layout: Layout(req, title: req.lang.t("audit.title"), crumbs: [Crumb(name: req.lang.t("audit.title"), url: SiteURL.audit.path)]),
            rows: result.items.map { Row(at: Self.time($0.at), actor: $0.actor, action: Self.actionName($0.action, req.lang), table: $0.table,
                                         row: $0.rowId?.uuidString.lowercased() ?? "", unit: $0.unitId?.uuidString.lowercased() ?? "",
                                         before: $0.before ?? "", after: $0.after ?? "") },
            pager: Pager(req, page: pageReq.page, per: pageReq.per, total: result.total), values: values,
            csvURL: SiteURL.auditCSV.path + (req.url.query.map { "?" + $0 } ?? ""), error: error))
    }

    func csv(req: Request) async throws -> Response {
        try Self.guardAccess(req)
        let f = try AuditQueries.filter(req)
        var events: [AuditEvent] = []
        var offset = 0
        while true {
            let rows = try await AuditQueries.query(f, on: req.db).range(offset..<(offset + 1000)).all()
            events += rows
            if rows.count < 1000 { break }
            offset += 1000
        }
        let iso = ISO8601DateFormatter()
        let text = try CSVText.forSpreadsheets { w in
            try w.write(row: ["at", "person_id", "token_id", "actor", "action", "table", "row_id", "unit_id", "before", "after"])
            for e in events {
                try w.write(row: [iso.string(from: e.at), e.personID?.uuidString ?? "", e.tokenID?.uuidString ?? "",
                                  e.actor, e.action, e.tableName, e.rowID?.uuidString ?? "", e.unitID?.uuidString ?? "",
                                  e.before ?? "", e.after ?? ""])
            }
        }
        var headers = HTTPHeaders()
        headers.contentType = HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
        headers.contentDisposition = .init(.attachment, filename: "audit.csv")
        return Response(status: .ok, headers: headers, body: .init(string: text))
    }
}
