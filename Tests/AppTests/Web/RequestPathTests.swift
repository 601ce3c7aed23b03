// The fast request path (issue 10): a liveness route that touches nothing, static files answered from memory, the
// caller's person and grants loaded in one query, a token's use written at most once a minute. Speed itself is
// measured by Benchmarks/http_load.py, never asserted here.
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
@testable import App

@Suite("The request path")
struct RequestPathTests {
    @Test("/livez answers ok, sets no cookie and is in the OpenAPI document")
    func livez() async throws {
        try await withTestApp { app in
            let res = try await app.anonymousPage("/livez")
            #expect(res.status == .ok)
            #expect(res.headers.contentType == .json)
            #expect(try res.content.decode([String: String].self) == ["status": "ok"])
            #expect(res.headers.setCookie == nil)
            #expect(res.headers.first(name: "X-Content-Type-Options") == "nosniff")
            // A browser's cookie, even a signed-in one, is not looked up.
            let b = try await app.adminBrowser()
            let signed = try await app.page("/livez", as: b)
            #expect(signed.status == .ok)
            #expect(signed.headers.setCookie == nil)
        }
        let doc = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "Resources/openapi.json"))) as? [String: Any]
        let paths = doc?["paths"] as? [String: Any]
        #expect(paths?["/livez"] != nil)
    }

    @Test("static files come from memory: the file's bytes, its type, an ETag that answers 304; other paths fall through")
    func staticFiles() async throws {
        try await withTestApp { app in
            let onDisk = try Data(contentsOf: URL(fileURLWithPath: app.directory.publicDirectory + "css/app.css"))
            let css = try await app.anonymousPage("/css/app.css")
            #expect(css.status == .ok)
            #expect(css.headers.contentType?.subType == "css")
            #expect(Data(buffer: css.body) == onDisk)
            #expect(css.headers.first(name: "Content-Security-Policy") != nil)
            let etag = try #require(css.headers.first(name: .eTag))
            let again = try await app.anonymousPage("/css/app.css", headers: ["If-None-Match": etag])
            #expect(again.status == .notModified)
            #expect(again.body.readableBytes == 0)
            let stale = try await app.anonymousPage("/css/app.css", headers: ["If-None-Match": "\"other\""])
            #expect(stale.status == .ok)
            #expect(try await app.anonymousPage("/js/push.js").headers.contentType?.subType == "javascript")
            for path in ["/css/none.css", "/css/../Package.swift", "/css", "/.hidden"] {
                #expect(try await app.anonymousPage(path).status == .notFound, "\(path)")
            }
            // A write to a file's path is not answered with the file.
            let post = try await app.testing().sendRequest(.POST, "/css/app.css")
            #expect(post.status != .ok)
        }
    }

    @Test("a signed-in person is recognised with every grant, with none, and not once deactivated")
    func personAndGrants() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            let v1 = try #require(await AdminUnit.find(t.village1.id, on: app.db))
            let p = try await AccountActions.createPerson(username: "haithon", displayName: "Trưởng hai thôn", password: testPassword,
                                                          role: .villageHead, unit: v1, app: app)
            try await RoleGrant(personID: p.id!, role: .villageHead, unitID: t.village2.id).create(on: app.db)
            let b = try await app.signIn("haithon")
            #expect(try await app.page("/units/\(t.village1.id)/households", as: b).status == .ok)
            #expect(try await app.page("/units/\(t.village2.id)/households", as: b).status == .ok)
            #expect(try await app.page("/units/\(t.otherVillage.id)/households", as: b).status == .notFound)
            #expect(try await app.page("/units/\(t.village1.id)/households", as: b).text.contains("Trưởng hai thôn"))

            // No grant left: still signed in (the name shows), but no village.
            try await RoleGrant.query(on: app.db).filter(\.$personID == p.id!).delete()
            let bare = try await app.page("/account/password", as: b)
            #expect(bare.status == .ok)
            #expect(bare.text.contains("Trưởng hai thôn"))
            #expect(try await app.page("/units/\(t.village1.id)/households", as: b).status == .notFound)

            // Deactivated: treated as signed out.
            try await RoleGrant(personID: p.id!, role: .villageHead, unitID: t.village1.id).create(on: app.db)
            let sql = app.db as! any SQLDatabase
            try await sql.raw("UPDATE people SET active = \(bind: false) WHERE id = \(bind: p.id!)").run()
            let out = try await app.page("/units/\(t.village1.id)/households", as: b)
            #expect(out.status == .seeOther)
            #expect(out.headers.first(name: .location)?.hasPrefix("/signin") == true)
        }
    }

    @Test("every view of a household list is audited before its page is sent, also when many arrive at once (committed together)")
    func listViewsAudited() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            for i in 1...3 { #expect(try await app.api(.POST, "/api/v1/households", json: householdInput("H\(i)", village: t.village1)).status == .created) }
            let b = try await app.adminBrowser()
            let sql = app.db as! any SQLDatabase
            func views() async throws -> [SQLRow] {
                try await sql.raw("""
                    SELECT id, actor, person_id, after FROM audit_events
                    WHERE action = 'list' AND table_name = 'households' AND unit_id = \(bind: t.village1.id)
                    """).all()
            }
            #expect(try await views().isEmpty)
            // One view: its row is there when the page arrives.
            let one = try await app.page("/units/\(t.village1.id)/households", as: b)
            #expect(one.status == .ok && one.text.contains("H3"))
            #expect(try await views().count == 1)
            // Many at once: one row each, none lost or doubled, each with its caller and what it showed.
            let statuses = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for _ in 0..<24 { group.addTask { try await app.page("/units/\(t.village1.id)/households?per=2", as: b).status } }
                return try await group.reduce(into: [HTTPStatus]()) { $0.append($1) }
            }
            #expect(statuses.count == 24 && statuses.allSatisfy { $0 == .ok })
            let rows = try await views()
            #expect(rows.count == 25)
            #expect(Set(try rows.map { try $0.decode(column: "id", as: UUID.self) }).count == 25)
            let admin = try #require(try await sql.raw("SELECT id FROM people WHERE username = 'admin'").first()).decode(column: "id", as: UUID.self)
            for r in rows {
                #expect(try r.decode(column: "actor", as: String.self) == "Quản trị thử")
                #expect(try r.decode(column: "person_id", as: UUID?.self) == admin)
            }
            #expect(try rows.filter { try $0.decode(column: "after", as: String?.self) == #"{"q":"","rows":"2"}"# }.count == 24)
        }
    }

    @Test("token hashes and URL-safe base64 give the same text as Foundation's formatting; new tokens are 32 random bytes")
    func tokenText() throws {
        for text in ["", "s_abc", "ts_" + String(repeating: "x", count: 43), "Đăng ký khai sinh"] {
            #expect(Tokens.hash(text) == SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined())
        }
        for n in 0..<40 {
            let data = Data((0..<n).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 251) })
            #expect(Tokens.base64URL(data) == data.base64EncodedString().replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: ""))
        }
        // The form token: the first 32 characters of the HMAC's URL-safe base64, as Foundation's encoder wrote them.
        let key = SymmetricKey(size: .bits256)
        for seed in ["", "s_abc", "p_" + String(repeating: "y", count: 43), "Đăng ký"] {
            let mac = Data(HMAC<SHA256>.authenticationCode(for: Data(seed.utf8), using: key))
            let foundation = mac.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            #expect(FormKey.token(for: seed, key: key) == String(foundation.prefix(32)))
        }
        let tokens = (0..<200).map { _ in Tokens.generate() }
        #expect(Set(tokens).count == 200)
        for t in tokens {
            #expect(t.hasPrefix("ts_") && t.count == 46 && SessionStore.wellFormed(t))
            let raw = String(t.dropFirst(3)).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/") + "="
            #expect(Data(base64Encoded: raw)?.count == 32)
        }
    }

    @Test("an API token's use is written at most once a minute: reads write nothing else")
    func tokenTouch() async throws {
        try await withTestApp { app in
            let sql = app.db as! any SQLDatabase
            func lastUsed() async throws -> Date? {
                try await sql.raw("SELECT last_used_at FROM api_tokens WHERE name = 'tests'").first()!.decode(column: "last_used_at", as: Date?.self)
            }
            #expect(try await lastUsed() == nil)
            #expect(try await app.api(.GET, "/api/v1/units").status == .ok)
            let first = try #require(try await lastUsed())
            #expect(abs(first.timeIntervalSinceNow) < 60)
            #expect(try await app.api(.GET, "/api/v1/units").status == .ok)
            #expect(try await lastUsed() == first)
            // A minute later the next use is written.
            let old = first
            app.testClock.advance(by: 120)
            #expect(try await app.api(.GET, "/api/v1/units").status == .ok)
            let second = try #require(try await lastUsed())
            #expect(second.timeIntervalSince(old) > 100)
            // A revoked token is refused.
            try await sql.raw("UPDATE api_tokens SET revoked_at = \(bind: app.now) WHERE name = 'tests'").run()
            #expect(try await app.api(.GET, "/api/v1/units").status == .unauthorized)
        }
    }
}

@Suite("Moments shown in Vietnam time")
struct MomentFormatTests {
    @Test("display and input agree with a DateFormatter in Asia/Ho_Chi_Minh, across years, month ends and midnight")
    func agree() {
        func formatted(_ d: Date, _ pattern: String) -> String {
            let f = DateFormatter()
            f.locale = Locale(identifier: "en_US_POSIX")
            f.timeZone = Day.zone
            f.dateFormat = pattern
            return f.string(from: d)
        }
        var dates: [Date] = [Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: 951_782_400), Date(timeIntervalSince1970: 1_772_297_999)]
        var g = SystemRandomNumberGenerator()
        for _ in 0..<2000 { dates.append(Date(timeIntervalSince1970: Double(Int.random(in: -300_000_000...4_000_000_000, using: &g)) + 0.75)) }
        for d in dates {
            #expect(Moment.display(d) == formatted(d, "dd/MM/yyyy HH:mm"), "\(d.timeIntervalSince1970)")
            #expect(Moment.input(d) == formatted(d, "yyyy-MM-dd'T'HH:mm"), "\(d.timeIntervalSince1970)")
        }
        #expect(Moment.display(nil) == "")
    }
}

@Suite("Links in views come from the URL map")
struct URLTagTests {
    @Test("#url resolves names through SiteURL and refuses an unknown name or wrong arguments; views hold no literal path")
    func names() throws {
        let id = UUID()
        #expect(try SiteURL.named("units").path == SiteURL.units.path)
        #expect(try SiteURL.named("unit", [id.uuidString]).path == SiteURL.unit(.id(id)).path)
        #expect(try SiteURL.named("myAnnouncements").path == "/my/announcements")
        #expect(throws: UnknownURLName.self) { try SiteURL.named("notices") }
        #expect(throws: UnknownURLName.self) { try SiteURL.named("unit") }
        #expect(throws: UnknownURLName.self) { try SiteURL.named("unit", ["not-a-uuid"]) }
        #expect(throws: UnknownURLName.self) { try SiteURL.named("units", [id.uuidString]) }
        // Every view: no hard-coded local path, and every #url name is one the map knows.
        let views = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Resources/Views")
        let files = try #require(FileManager.default.enumerator(atPath: views.path)).compactMap { $0 as? String }.filter { $0.hasSuffix(".leaf") }
        #expect(files.count > 20)
        for f in files {
            let text = try String(contentsOf: views.appendingPathComponent(f), encoding: .utf8)
            for attr in ["href=\"/", "action=\"/", "src=\"/"] { #expect(!text.contains(attr), "\(f): \(attr)") }
            var rest = text[...]
            while let r = rest.range(of: "#url(\"") {
                let name = rest[r.upperBound...].prefix { $0 != "\"" }
                #expect(SiteURL.byName[String(name)] != nil, "\(f): #url(\"\(name)\")")
                rest = rest[r.upperBound...]
            }
        }
    }
}
