// Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2), JSON only, so that existing civic-tech clients can
// read and send residents' reports. Services are the report categories. The jurisdiction is a commune: its official
// code as `jurisdiction_id`, or — when omitted — the commune of the API key's unit (a key for a province needs the
// code). Creating a request needs `api_key` (an API token of this app, not revoked). Reading is public and shows what
// the public pages show (no description, name, phone, words of the place or photos); with an `api_key` that may
// handle reports at a report's unit, its description and place in words are included too. Errors answer the spec's
// array: `[{"code": 400, "description": "…"}]`. docs/reports.md has the field mapping.
import Fluent
import SQLKit
import Vapor

struct Open311Error: Content { var code: Int; var description: String }

/// Renders any error of an Open311 route in the spec's format, in the caller's language.
struct Open311ErrorMiddleware: AsyncMiddleware {
    func respond(to req: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: req)
        } catch {
            var status = HTTPResponseStatus.internalServerError
            var text = req.lang.t("error.server")
            var headers = HTTPHeaders()
            switch error {
            case let e as InvalidInput:
                status = e.status == .unprocessableEntity ? .badRequest : e.status
                text = e.issues.map { "\(Open311Routes.field($0.field)): \($0.message(req.lang))" }.joined(separator: "; ")
            case let e as TooManyRequests:
                status = .tooManyRequests
                text = req.lang.t(e.key)
                if let a = e.retryAfter { headers.replaceOrAdd(name: .retryAfter, value: String(a)) }
            case let e as any AbortError:
                // A body that cannot be read (Vapor answers 422) is the spec's 400.
                status = e.status == .unprocessableEntity ? .badRequest : e.status
                text = status == .notFound ? req.lang.t("error.notFound") : status == .forbidden ? req.lang.t("reports.open311.badKey")
                    : status.code < 500 ? req.lang.t("error.badRequest") : req.lang.t("error.server")
            case is DecodingError:
                status = .badRequest
                text = req.lang.t("error.badRequest")
            default:
                req.logger.report(error: error)
            }
            let res = Response(status: status, headers: headers)
            try res.content.encode([Open311Error(code: Int(status.code), description: text)], as: .json)
            return res
        }
    }
}

struct Open311Service: Content {
    var service_code: String
    var service_name: String
    var description: String
    var metadata: Bool
    var type: String
    var keywords: String
    var group: String
}

struct Open311Definition: Content {
    var service_code: String
    var attributes: [String]
}

struct Open311Created: Content {
    var service_request_id: String
    var service_notice: String?
    var account_id: String?
}

struct Open311Request: Content {
    var service_request_id: String
    var status: String
    var status_notes: String?
    var service_name: String
    var service_code: String
    var description: String?
    var agency_responsible: String
    var service_notice: String?
    var requested_datetime: String
    var updated_datetime: String
    var expected_datetime: String?
    var address: String?
    var address_id: String?
    var zipcode: String?
    var lat: Double?
    var long: Double?
    var media_url: String?
}

/// POST requests.json's form (the spec's names).
struct Open311Post: Content {
    var api_key: String?
    var jurisdiction_id: String?
    var service_code: String?
    var lat: String?
    var long: String?
    var address_string: String?
    var address_id: String?
    var email: String?
    var device_id: String?
    var account_id: String?
    var first_name: String?
    var last_name: String?
    var phone: String?
    var description: String?
    var media_url: String?
}

struct Open311Routes {
    func add(_ open: any RoutesBuilder) {
        let g = open.grouped(Open311ErrorMiddleware())
        g.get(SiteURL.open311Services.components, use: services).rule(.open)
        g.get(SiteURL.open311Service(":service").components, use: service).rule(.open)
        g.post(SiteURL.open311Requests.components, use: create).rule(.open)
        g.get(SiteURL.open311Requests.components, use: list).rule(.open)
        g.get(SiteURL.open311Request(":request").components, use: show).rule(.open)
    }

    /// Our field names as the spec names them, for error descriptions.
    static func field(_ f: String) -> String {
        ["latitude": "lat", "longitude": "long", "assetId": "device_id", "place": "address_string", "category": "service_code",
         "communeCode": "jurisdiction_id", "description": "description", "phone": "phone", "name": "first_name"][f] ?? f
    }

    static func json(_ value: some Encodable, status: HTTPResponseStatus = .ok) throws -> Response {
        let res = Response(status: status)
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        res.body = .init(data: try e.encode(value))
        res.headers.replaceOrAdd(name: .contentType, value: "application/json; charset=utf-8")
        return res
    }

    /// "<code>.json" → "<code>"; anything else is not found (JSON is the only format served).
    static func stripJSON(_ raw: String?) throws -> String {
        guard let raw, raw.hasSuffix(".json") else { throw Abort(.notFound) }
        return String(raw.dropLast(5))
    }

    func serviceList(_ lang: Lang) -> [Open311Service] {
        ReportCategory.allCases.map { c in
            Open311Service(service_code: c.rawValue, service_name: lang.category(c), description: lang.category(c), metadata: false, type: "realtime",
                           keywords: c.rawValue, group: ["brokenLight", "camera", "wifi"].contains(c.rawValue) ? lang.t("reports.open311.groupAssets") : lang.t("reports.open311.groupPlaces"))
        }
    }

    func services(req: Request) async throws -> Response { try Self.json(serviceList(req.lang)) }

    func service(req: Request) async throws -> Response {
        let code = try Self.stripJSON(req.parameters.get("service"))
        guard ReportCategory(rawValue: code) != nil else { throw Abort(.notFound) }
        return try Self.json(Open311Definition(service_code: code, attributes: []))
    }

    /// The API token named by `api_key` (403 when unknown or revoked).
    static func token(_ key: String?, on db: any Database) async throws -> ApiToken? {
        guard let key, !key.isEmpty else { return nil }
        guard let t = try await ApiToken.query(on: db).filter(\.$tokenHash == Tokens.hash(key)).filter(\.$revokedAt == nil).first() else {
            throw Abort(.forbidden)
        }
        return t
    }

    /// The commune served: `jurisdiction_id` (a commune's code, which must lie inside the key's unit when a key is
    /// given), else the commune of the key's unit.
    static func jurisdiction(_ raw: String?, token: ApiToken?, on db: any Database) async throws -> AdminUnit {
        let code = (raw ?? "").trimmingCharacters(in: .whitespaces)
        if !code.isEmpty {
            guard let c = try? await ProcScope.communeByCode(code, on: db) else { throw InvalidInput("jurisdiction_id", "reports.error.commune", status: .notFound) }
            if let t = token, let unit = t.unitID, unit != c.id {
                let below = try await UnitClosure.isBelow(c.id!, roots: [unit], on: db)
                let above = try await UnitClosure.isBelow(unit, roots: [c.id!], on: db)
                if !below && !above { throw Abort(.forbidden) }
            }
            return c
        }
        if let t = token, let unitID = t.unitID, let u = try await AdminUnit.find(unitID, on: db) {
            if u.kind == .commune { return u }
            if let cid = u.communeID, let c = try await AdminUnit.find(cid, on: db) { return c }
        }
        throw InvalidInput("jurisdiction_id", "error.required")
    }

    func create(req: Request) async throws -> Response {
        let f = try req.content.decode(Open311Post.self)
        guard let token = try await Self.token(f.api_key, on: req.db) else { throw Abort(.forbidden) }
        let commune = try await Self.jurisdiction(f.jurisdiction_id, token: token, on: req.db)
        let name = [f.first_name, f.last_name].compactMap { $0?.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: " ")
        let input = ReportInput(category: f.service_code, assetId: f.device_id, place: f.address_string, description: f.description, phone: f.phone,
                                name: name.isEmpty ? nil : name)
        let r = try await ReportActions.submit(input, point: GeoPoint.parse(latitude: f.lat, longitude: f.long), commune: commune,
                                               sender: ReportSender(householdID: nil, origin: Origin(req), tokenID: token.id, source: "open311"),
                                               config: req.config, on: req.db, now: req.now)
        return try Self.json([Open311Created(service_request_id: r.code, service_notice: nil, account_id: nil)], status: .created)
    }

    /// Reads ISO 8601 (with a zone) for start_date / end_date.
    static func date(_ raw: String?, _ field: String) throws -> Date? {
        guard let raw, !raw.isEmpty else { return nil }
        let f = ISO8601DateFormatter()
        if let d = f.date(from: raw) { return d }
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = f.date(from: raw) { return d }
        throw InvalidInput(field, "error.date")
    }

    static func iso(_ d: Date) -> String {
        let f = ISO8601DateFormatter()
        f.timeZone = TimeZone(identifier: "Asia/Ho_Chi_Minh")
        return f.string(from: d)
    }

    func requests(_ rows: [FeedbackReport], token: ApiToken?, _ req: Request) async throws -> [Open311Request] {
        let dtos = try await ReportQueries.publicDTOs(rows, on: req.db)
        var access: Access? = nil
        if let t = token { access = Access(personID: nil, tokenID: t.id, displayName: t.name, grants: [Grant(role: t.role, unitID: t.unitID)]) }
        var out: [Open311Request] = []
        for (r, d) in zip(rows, dtos) {
            let full = try await access?.allows(.handleReports, unitID: r.unitID, on: req.db) ?? false
            out.append(Open311Request(
                service_request_id: r.code, status: r.status.isOpen ? "open" : "closed",
                status_notes: r.closeReason ?? r.answer, service_name: req.lang.category(r.category), service_code: r.category.rawValue,
                description: full ? r.description : nil, agency_responsible: d.unitName, service_notice: nil,
                requested_datetime: Self.iso(r.submittedAt), updated_datetime: Self.iso(r.updatedAt), expected_datetime: nil,
                address: full ? (r.place ?? d.assetName) : d.assetName, address_id: nil, zipcode: nil, lat: r.latitude, long: r.longitude, media_url: nil))
        }
        return out
    }

    func list(req: Request) async throws -> Response {
        struct Q: Decodable {
            var api_key: String?; var jurisdiction_id: String?; var service_request_id: String?; var service_code: String?
            var start_date: String?; var end_date: String?; var status: String?
        }
        let q = try req.query.decode(Q.self)
        let token = try await Self.token(q.api_key, on: req.db)
        let commune = try await Self.jurisdiction(q.jurisdiction_id, token: token, on: req.db)
        let query = FeedbackReport.query(on: req.db).filter(\.$communeID == commune.id!)
        if let ids = q.service_request_id, !ids.isEmpty {
            let codes = ids.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).uppercased() }.prefix(100)
            query.filter(\.$code ~~ Array(codes))
        } else {
            // The spec's defaults: the last 90 days unless dates say otherwise, at most 1,000.
            let start = try Self.date(q.start_date, "start_date"), end = try Self.date(q.end_date, "end_date")
            query.filter(\.$submittedAt >= (start ?? req.now.addingTimeInterval(-90 * 86_400)))
            if let end { query.filter(\.$submittedAt <= end) }
            if let codes = q.service_code, !codes.isEmpty {
                var cats: [ReportCategory] = []
                for c in codes.split(separator: ",") {
                    guard let v = ReportCategory(rawValue: c.trimmingCharacters(in: .whitespaces)) else { throw InvalidInput("service_code", "reports.error.category") }
                    cats.append(v)
                }
                query.filter(\.$category ~~ cats)
            }
            if let s = q.status, !s.isEmpty {
                let wanted = Set(s.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
                guard wanted.isSubset(of: ["open", "closed"]) else { throw InvalidInput("status", "reports.error.open311Status") }
                if wanted == ["open"] { query.filter(\.$status ~~ ReportStatus.allCases.filter(\.isOpen)) }
                if wanted == ["closed"] { query.filter(\.$status ~~ ReportStatus.allCases.filter { !$0.isOpen }) }
            }
        }
        let rows = try await query.sort(\.$submittedAt, .descending).limit(1000).all()
        return try Self.json(try await requests(rows, token: token, req))
    }

    func show(req: Request) async throws -> Response {
        let code = try Self.stripJSON(req.parameters.get("request")).uppercased()
        let jurisdiction = req.queryValue("jurisdiction_id")
        let key = req.queryValue("api_key")
        let token = try await Self.token(key, on: req.db)
        guard let r = try await FeedbackReport.query(on: req.db).filter(\.$code == code).first() else { throw Abort(.notFound) }
        if let j = jurisdiction, !j.isEmpty {
            let commune = try await Self.jurisdiction(j, token: token, on: req.db)
            guard commune.id == r.communeID else { throw Abort(.notFound) }
        }
        return try Self.json(try await requests([r], token: token, req))
    }
}
