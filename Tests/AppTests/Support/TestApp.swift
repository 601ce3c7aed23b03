// Every test gets its own database: a fresh SQLite file, or (when DATABASE_URL is set) its own PostgreSQL schema,
// so suites run in parallel on both databases. Helpers send requests as a browser or an API client would.
import Foundation
import NIOCore
import SQLKit
import Testing
import Vapor
import VaporTesting
@testable import App

enum TestDB {
    static var postgresURL: String? {
        let v = ProcessInfo.processInfo.environment["DATABASE_URL"]
        return (v?.isEmpty ?? true) ? nil : v
    }
    static var isPostgres: Bool { postgresURL != nil }
}

func withTestApp(_ adjust: (inout AppConfig) -> Void = { _ in }, _ body: (Application) async throws -> Void) async throws {
    let app = try await Application.make(.testing)
    app.logger.logLevel = ProcessInfo.processInfo.environment["TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
    var config: AppConfig
    var sqlitePath: String? = nil
    let schema = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
    if let url = TestDB.postgresURL {
        config = AppConfig(database: .postgres(url: url), postgresSchema: String(schema))
    } else {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("thonso-test-\(UUID().uuidString).sqlite").path
        sqlitePath = path
        config = AppConfig(database: .sqlite(path: path))
    }
    config.pageSize = 50
    config.bcryptCost = 4
    // Every test has its own pool and the suites run at once: two connections per loop keep the whole suite under
    // PostgreSQL's max_connections (scripts/pg: 1000). Tests of concurrent writers ask for more.
    config.postgresPoolPerLoop = 2
    config.uploadsDir = FileManager.default.temporaryDirectory.appendingPathComponent("thonso-uploads-\(UUID().uuidString)").path
    config.messaging.audioDir = FileManager.default.temporaryDirectory.appendingPathComponent("thonso-audio-\(UUID().uuidString)").path
    adjust(&config)
    // The app's clock is one the test moves (`app.testClock.advance(by:)`), bound to the test's task as well.
    app.clock = TestClock()
    defer {
        try? FileManager.default.removeItem(atPath: config.uploadsDir)
        try? FileManager.default.removeItem(atPath: config.messaging.audioDir)
    }
    do { try await app.withClock {
        try await configure(app, config)
        // Every test starts with a system administrator, signed in through the API token and a browser session.
        _ = try await AccountActions.createPerson(username: "admin", displayName: "Quản trị thử", password: testPassword,
                                                  role: .admin, unit: nil, app: app)
        let (_, token) = try await AccountActions.createToken(name: "tests", role: .admin, unit: nil, on: app.db)
        app.storage[TestAuthKey.self] = TestAuth(token: token)
        try await body(app)
    } } catch {
        await cleanUp(app, schema: String(schema), sqlitePath: sqlitePath)
        throw error
    }
    await cleanUp(app, schema: String(schema), sqlitePath: sqlitePath)
}

private func cleanUp(_ app: Application, schema: String, sqlitePath: String?) async {
    if TestDB.isPostgres, let sql = app.db as? any SQLDatabase {
        try? await sql.raw("DROP SCHEMA IF EXISTS \(ident: schema) CASCADE").run()
    }
    try? await app.asyncShutdown()
    if let p = sqlitePath {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: p + suffix) }
    }
}

let testPassword = "mat-khau-thu-1"

struct TestAuth { var token: String; var browser: Browser? = nil }
struct TestAuthKey: StorageKey { typealias Value = TestAuth }

/// A browser's session: its cookie and the form token its pages carry.
struct Browser: Sendable {
    var cookie: String
    var csrf: String

    /// Its cookie, and what a browser says of a request made by this site's own pages (unless `extra` says otherwise).
    func headers(_ extra: HTTPHeaders = [:]) -> HTTPHeaders {
        var h = extra
        if !h.contains(name: "Sec-Fetch-Site") && !h.contains(name: .origin) { h.add(name: "Sec-Fetch-Site", value: "same-origin") }
        let other = h.first(name: .cookie).map { "; " + $0 } ?? ""
        h.replaceOrAdd(name: .cookie, value: "thonso_session=\(cookie)" + other)
        return h
    }
}

func scrapeCSRF(_ html: String) -> String? {
    guard let r = html.range(of: "name=\"_csrf\" value=\"") else { return nil }
    let rest = html[r.upperBound...]
    return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
}

extension Application {
    /// The clock the harness installed: tests move it instead of rewriting rows or sleeping (docs/clock.md).
    var testClock: TestClock { clock as! TestClock }

    var testAuth: TestAuth {
        get { storage[TestAuthKey.self]! }
        set { storage[TestAuthKey.self] = newValue }
    }

    /// Signs in through the sign-in page as a person would; answers the browser session.
    func signIn(_ username: String, password: String = testPassword) async throws -> Browser {
        let page = try await testing().sendRequest(.GET, "/signin")
        let cookie = try #require(page.headers.setCookie?["thonso_session"]?.string)
        let csrf = try #require(scrapeCSRF(page.body.string))
        let res = try await testing().sendRequest(.POST, "/signin", headers: ["Cookie": "thonso_session=\(cookie)"]) { req in
            try req.content.encode(["username": username, "password": password, "_csrf": csrf, "next": "/"], as: .urlEncodedForm)
        }
        #expect(res.status == .seeOther, "sign-in of \(username): \(res.status)")
        // Signing in gives a new session id.
        let renewed = try #require(res.headers.setCookie?["thonso_session"]?.string)
        #expect(renewed != cookie)
        let after = try await testing().sendRequest(.GET, "/signin", headers: ["Cookie": "thonso_session=\(renewed)"])
        return Browser(cookie: renewed, csrf: try #require(scrapeCSRF(after.body.string)))
    }

    /// The administrator's browser, signed in on first use.
    func adminBrowser() async throws -> Browser {
        if let b = testAuth.browser { return b }
        let b = try await signIn("admin")
        testAuth.browser = b
        return b
    }

    /// A JSON API call with the administrator's token (or `token`, or none when `token` is "").
    func api(_ method: HTTPMethod, _ path: String, json: (any Content)? = nil, headers: HTTPHeaders = [:], token: String? = nil) async throws -> TestingHTTPResponse {
        var h = headers
        let t = token ?? testAuth.token
        if !t.isEmpty { h.replaceOrAdd(name: .authorization, value: "Bearer \(t)") }
        return try await testing().sendRequest(method, path, headers: h) { req in
            if let json { try req.content.encode(json, as: .json) }
        }
    }

    /// A browser form post (application/x-www-form-urlencoded) with the session's form token.
    func form(_ path: String, _ fields: [String: String], headers: HTTPHeaders = [:], as browser: Browser? = nil) async throws -> TestingHTTPResponse {
        let b: Browser
        if let browser { b = browser } else { b = try await adminBrowser() }
        var all = fields
        if all["_csrf"] == nil { all["_csrf"] = b.csrf }
        return try await testing().sendRequest(.POST, path, headers: b.headers(headers)) { req in
            try req.content.encode(all, as: .urlEncodedForm)
        }
    }

    func page(_ path: String, headers: HTTPHeaders = [:], as browser: Browser? = nil) async throws -> TestingHTTPResponse {
        let b: Browser
        if let browser { b = browser } else { b = try await adminBrowser() }
        return try await testing().sendRequest(.GET, path, headers: b.headers(headers))
    }

    /// Opens a household card's link and confirms on the page it shows, as the representative would; answers the
    /// confirming POST's response (a redirect to /my with the session cookie).
    func cardSignIn(_ path: String) async throws -> TestingHTTPResponse {
        let page = try await testing().sendRequest(.GET, path)
        #expect(page.status == .ok, "card page \(path): \(page.status)")
        let cookie = try #require(page.headers.setCookie?["thonso_session"]?.string)
        let csrf = try #require(scrapeCSRF(page.text))
        return try await testing().sendRequest(.POST, path, headers: ["Cookie": "thonso_session=\(cookie)"]) { req in
            try req.content.encode(["_csrf": csrf], as: .urlEncodedForm)
        }
    }

    /// A page as someone who has not signed in.
    func anonymousPage(_ path: String, headers: HTTPHeaders = [:]) async throws -> TestingHTTPResponse {
        try await testing().sendRequest(.GET, path, headers: headers)
    }

    /// Uploads a file as a browser's multipart form would.
    func upload(_ path: String, field: String = "file", filename: String, contentType: String = "text/csv", data: Data) async throws -> TestingHTTPResponse {
        let b = try await adminBrowser()
        let boundary = "----thonso\(UUID().uuidString.prefix(8))"
        var body = Data()
        body.append("--\(boundary)\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n\(b.csrf)\r\n".data(using: .utf8)!)
        body.append("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(field)\"; filename=\"\(filename)\"\r\nContent-Type: \(contentType)\r\n\r\n".data(using: .utf8)!)
        body.append(data)
        body.append("\r\n--\(boundary)--\r\n".data(using: .utf8)!)
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: "multipart/form-data; boundary=\(boundary)")
        return try await testing().sendRequest(.POST, path, headers: b.headers(headers), body: ByteBuffer(data: body))
    }

    func count(_ table: String) async throws -> Int {
        let sql = db as! any SQLDatabase
        let row = try await sql.raw("SELECT COUNT(*) AS n FROM \(ident: table)").first()
        return try row!.decode(column: "n", as: Int.self)
    }
}

extension TestingHTTPResponse {
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try content.decode(T.self) }
    var text: String { body.string }
}

/// A small tree built through the API: province 01, commune 00001 with villages T1 (groups T1-01, T1-02) and T2,
/// commune 00002 with village T1.
struct Tree {
    var province: UnitDTO
    var commune: UnitDTO
    var otherCommune: UnitDTO
    var village1: UnitDTO
    var village2: UnitDTO
    var group11: UnitDTO
    var group12: UnitDTO
    var otherVillage: UnitDTO

    static func make(_ app: Application) async throws -> Tree {
        func unit(_ kind: String, _ code: String, _ name: String, parent: UnitDTO?) async throws -> UnitDTO {
            let res = try await app.api(.POST, "/api/v1/units", json: UnitInput(kind: kind, code: code, name: name, parentId: parent?.id.uuidString))
            #expect(res.status == .created, "\(res.text)")
            return try res.decode(UnitDTO.self)
        }
        let p = try await unit("province", "01", "Thành phố Hà Nội", parent: nil)
        let c = try await unit("commune", "00001", "Xã Song Phượng", parent: p)
        let c2 = try await unit("commune", "00002", "Xã Thượng Mỗ", parent: p)
        let v1 = try await unit("village", "T1", "Thôn Đông", parent: c)
        let v2 = try await unit("village", "T2", "Thôn Đoài", parent: c)
        let g11 = try await unit("group", "T1-01", "Tổ 1", parent: v1)
        let g12 = try await unit("group", "T1-02", "Tổ 2", parent: v1)
        let ov = try await unit("village", "T1", "Thôn Thượng", parent: c2)
        return Tree(province: p, commune: c, otherCommune: c2, village1: v1, village2: v2, group11: g11, group12: g12, otherVillage: ov)
    }
}

func householdInput(_ code: String, village: UnitDTO, group: UnitDTO? = nil, name: String = "Nguyễn Văn An",
                    address: String = "Số 1, ngõ 2", phone: String? = "0999000001") -> HouseholdInput {
    HouseholdInput(code: code, villageId: village.id.uuidString, groupId: group?.id.uuidString, address: address, phone: phone,
                   representativeId: nil,
                   representative: ResidentInput(householdId: nil, fullName: name, gender: "male", birthYear: 1970, relation: "head", phone: nil, isRepresentative: true))
}
