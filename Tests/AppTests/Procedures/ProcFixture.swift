import Foundation
import Testing
import Vapor
import VaporTesting
@testable import App

/// The test tree, with a justice officer of commune 00001 (token and browser) and one of commune 00002.
struct ProcFixture {
    var tree: Tree
    var officerToken: String
    var otherOfficerToken: String
    var officer: Browser

    static func make(_ app: Application) async throws -> ProcFixture {
        let t = try await Tree.make(app)
        let c = try #require(await AdminUnit.find(t.commune.id, on: app.db))
        let c2 = try #require(await AdminUnit.find(t.otherCommune.id, on: app.db))
        _ = try await AccountActions.createPerson(username: "tuphap", displayName: "Công chức tư pháp", password: testPassword, role: .justiceOfficer, unit: c, app: app)
        let (_, token) = try await AccountActions.createToken(name: "tuphap", role: .justiceOfficer, unit: c, on: app.db)
        let (_, other) = try await AccountActions.createToken(name: "tuphap2", role: .justiceOfficer, unit: c2, on: app.db)
        let f = ProcFixture(tree: t, officerToken: token, otherOfficerToken: other, officer: try await app.signIn("tuphap"))
        _ = try await f.catalog(app)   // the official opens the catalog: the commune's guides exist from now on
        return f
    }

    func catalog(_ app: Application) async throws -> [ProcedureDTO] {
        try await app.api(.GET, "/api/v1/communes/\(tree.commune.id)/procedures", token: officerToken).decode([ProcedureDTO].self)
    }

    func procedure(_ app: Application, _ key: String) async throws -> ProcedureDTO {
        try #require(try await catalog(app).first { $0.key == key })
    }
}

extension Application {
    /// A household of the tree, signed in with its card as its representative would.
    func householdBrowser(code: String, village: UnitDTO) async throws -> (Browser, UUID) {
        let h = try await api(.POST, "/api/v1/households", json: householdInput(code, village: village)).decode(HouseholdDetailDTO.self)
        let card = try await form("/households/\(h.household.id)/card", [:])
        let url = try #require(card.text.range(of: "/card/ts_").map { r in
            String(card.text[r.lowerBound...].prefix { $0 != "<" && $0 != "\"" })
        })
        let res = try await cardSignIn(url)
        let cookie = try #require(res.headers.setCookie?["thonso_session"]?.string)
        let mine = try await testing().sendRequest(.GET, "/my", headers: ["Cookie": "thonso_session=\(cookie)"])
        return (Browser(cookie: cookie, csrf: try #require(scrapeCSRF(mine.text))), h.household.id)
    }

    /// An anonymous visitor's browser session: a public page gives it a cookie and a form token.
    func visitor(_ path: String) async throws -> (Browser, TestingHTTPResponse) {
        let res = try await testing().sendRequest(.GET, path)
        let cookie = try #require(res.headers.setCookie?["thonso_session"]?.string)
        return (Browser(cookie: cookie, csrf: try #require(scrapeCSRF(res.text))), res)
    }

    /// A multipart upload as `browser` (files and fields).
    func multipart(_ path: String, fields: [String: String], file: (name: String, filename: String, type: String, data: Data)?, as b: Browser?) async throws -> TestingHTTPResponse {
        let boundary = "----thonso\(UUID().uuidString.prefix(8))"
        var body = Data()
        var all = fields
        if let b, all["_csrf"] == nil { all["_csrf"] = b.csrf }
        for (k, v) in all { body.append("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(k)\"\r\n\r\n\(v)\r\n".data(using: .utf8)!) }
        if let file {
            body.append("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(file.name)\"; filename=\"\(file.filename)\"\r\nContent-Type: \(file.type)\r\n\r\n".data(using: .utf8)!)
            body.append(file.data)
            body.append("\r\n".data(using: .utf8)!)
        }
        body.append("--\(boundary)--\r\n".data(using: .utf8)!)
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: "multipart/form-data; boundary=\(boundary)")
        if let b { headers = b.headers(headers) }
        return try await testing().sendRequest(.POST, path, headers: headers, body: ByteBuffer(data: body))
    }
}
