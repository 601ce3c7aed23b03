// An attacker's attempts, one test per class of hole (docs/security.md, "Threat model"): each of these failed on the
// code before the fix.
import Fluent
import Foundation
import NIOCore
import SQLKit
import Testing
import Vapor
import VaporTesting
@testable import App
#if canImport(Glibc)
import Glibc
#endif

@Suite("Security: what an attacker tries")
struct SecurityTests {
    @Test("a commune official cannot read, reset or revoke a person who also holds a role elsewhere, nor an administrator who holds a village role in the commune")
    func takeover() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            let village = try #require(await AdminUnit.find(t.village1.id, on: app.db))
            let commune = try #require(await AdminUnit.find(t.commune.id, on: app.db))
            let admin2 = try await AccountActions.createPerson(username: "quantri2", displayName: "Quản trị hai", password: testPassword, role: .admin, unit: nil, app: app)
            try await RoleGrant(personID: admin2.id!, role: .villageHead, unitID: village.id).create(on: app.db)
            let twoPlaces = try await AccountActions.createPerson(username: "haicho", displayName: "Hai chỗ", password: testPassword, role: .villageHead, unit: village, app: app)
            let elsewhere = RoleGrant(personID: twoPlaces.id!, role: .villageHead, unitID: t.otherVillage.id)
            try await elsewhere.create(on: app.db)
            let villageGrant = try #require(await RoleGrant.query(on: app.db).filter(\.$personID == twoPlaces.id!).filter(\.$unitID == village.id).first())
            let inside = try await AccountActions.createPerson(username: "trongxa", displayName: "Trong xã", password: testPassword, role: .villageHead, unit: village, app: app)
            _ = try await AccountActions.createPerson(username: "canboxa", displayName: "Cán bộ xã", password: testPassword, role: .communeOfficial, unit: commune, app: app)
            let (_, token) = try await AccountActions.createToken(name: "xa", role: .communeOfficial, unit: commune, on: app.db)
            let (adminToken, _) = try await AccountActions.createToken(name: "toan-he-thong", role: .admin, unit: nil, on: app.db)

            for id in [admin2.id!, twoPlaces.id!] {
                #expect(try await app.api(.GET, "/api/v1/people/\(id)", token: token).status == .notFound)
                #expect(try await app.api(.POST, "/api/v1/people/\(id)/password", json: ["password": "mat-khau-cua-ke-gian"], token: token).status == .notFound)
                #expect(try await app.api(.POST, "/api/v1/people/\(id)/grants", json: ["role": "villageHead", "unitId": village.id!.uuidString], token: token).status == .notFound)
            }
            #expect(try await app.api(.DELETE, "/api/v1/grants/\(villageGrant.id!)", token: token).status == .notFound)
            #expect(try await app.api(.DELETE, "/api/v1/tokens/\(adminToken.id!)", token: token).status == .notFound)
            let listed = try await app.api(.GET, "/api/v1/people", token: token).decode([PersonDTO].self).map(\.username)
            #expect(listed.contains("trongxa") && !listed.contains("quantri2") && !listed.contains("haicho") && !listed.contains("admin"))
            // The same through the pages.
            let official = try await app.signIn("canboxa")
            #expect(try await app.page("/people/\(admin2.id!)", as: official).status == .notFound)
            #expect(try await app.form("/people/\(admin2.id!)/password", ["password": "mat-khau-cua-ke-gian"], as: official).status == .notFound)
            #expect(!(try await app.page("/people", as: official).text.contains("quantri2")))
            // Nothing changed: the administrator still signs in with their own password; someone wholly inside can be reset.
            _ = try await app.signIn("quantri2")
            #expect(try await app.api(.POST, "/api/v1/people/\(inside.id!)/password", json: ["password": "mat-khau-moi-123"], token: token).status == .noContent)
        }
    }

    @Test("sessions end with a password change or reset, a revoked grant, and their idle and absolute limits; reads write no session row")
    func sessionsEnd() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            let commune = try #require(await AdminUnit.find(t.commune.id, on: app.db))
            let p = try await AccountActions.createPerson(username: "canbo", displayName: "Cán bộ", password: testPassword, role: .communeOfficial, unit: commune, app: app)
            func alive(_ b: Browser) async throws -> Bool { try await app.page("/units", as: b).status == .ok }

            let before = try await app.count("sessions")
            for path in ["/", "/healthz", "/signin", "/p/00001/khai-sinh", "/css/app.css", "/khong-co"] {
                _ = try await app.anonymousPage(path)
            }
            #expect(try await app.count("sessions") == before)

            let a = try await app.signIn("canbo"), b = try await app.signIn("canbo")
            let changed = try await app.form("/account/password", ["current": testPassword, "password": "mat-khau-moi-2"], as: a)
            #expect(changed.status == .ok)
            #expect(try await alive(a))
            #expect(try await !alive(b))

            #expect(try await app.api(.POST, "/api/v1/people/\(p.id!)/password", json: ["password": "mat-khau-moi-3"]).status == .noContent)
            #expect(try await !alive(a))

            let c = try await app.signIn("canbo", password: "mat-khau-moi-3")
            let g = try #require(await RoleGrant.query(on: app.db).filter(\.$personID == p.id!).first())
            try await RoleGrant(personID: p.id!, role: .villageHead, unitID: t.village1.id).create(on: app.db)
            #expect(try await app.api(.DELETE, "/api/v1/grants/\(g.id!)").status == .noContent)
            #expect(try await !alive(c))

            let d = try await app.signIn("canbo", password: "mat-khau-moi-3")
            #expect(try await alive(d))
            app.testClock.advance(by: 241 * 60)   // past the idle limit
            #expect(try await !alive(d))
            #expect(try await SessionStore.count(person: p.id!, household: nil, on: app.db) == 0)

            let e = try await app.signIn("canbo", password: "mat-khau-moi-3")
            // In use all day long (never idle for the idle limit) until 25 hours after signing in.
            for _ in 0..<9 { app.testClock.advance(by: 150 * 60); _ = try await alive(e) }
            app.testClock.advance(by: 150 * 60)
            #expect(try await !alive(e))

            // The housekeeping job sweeps what nobody comes back to.
            _ = try await app.signIn("canbo", password: "mat-khau-moi-3")
            app.testClock.advance(by: 300 * 60)
            let swept = try await Housekeeping.run(app)
            #expect(swept.first == "sessions: 1 ended sessions")
            #expect(try await SessionStore.count(person: p.id!, household: nil, on: app.db) == 0)
        }
    }

    @Test("a lost card: a PIN needs the current PIN or a fresh card sign-in and is announced; revoking or replacing the card clears the PIN and every household session")
    func lostCard() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            let h = try await app.api(.POST, "/api/v1/households", json: householdInput("HH-9", village: t.village1)).decode(HouseholdDetailDTO.self)
            let id = h.household.id
            func cardPath() async throws -> String {
                let card = try await app.form("/households/\(id)/card", [:])
                let start = try #require(card.text.range(of: "/card/ts_"))
                return String(card.text[start.lowerBound...].prefix { $0 != "<" && $0 != "\"" })
            }
            func browser(_ res: TestingHTTPResponse) async throws -> Browser {
                let cookie = try #require(res.headers.setCookie?["thonso_session"]?.string)
                let mine = try await app.testing().sendRequest(.GET, "/my", headers: ["Cookie": "thonso_session=\(cookie)"])
                return Browser(cookie: cookie, csrf: try #require(scrapeCSRF(mine.text)))
            }
            func pinSignIn(_ pin: String) async throws -> TestingHTTPResponse {
                let page = try await app.anonymousPage("/signin")
                let cookie = try #require(page.headers.setCookie?["thonso_session"]?.string)
                return try await app.testing().sendRequest(.POST, "/signin", headers: ["Cookie": "thonso_session=\(cookie)"]) { req in
                    try req.content.encode(["username": "0999 555 111", "password": pin, "_csrf": try #require(scrapeCSRF(page.text))], as: .urlEncodedForm)
                }
            }
            func alive(_ b: Browser) async throws -> Bool { try await app.page("/my", as: b).status == .ok }

            let path = try await cardPath()
            let holder = try await browser(try await app.cardSignIn(path))
            // Fresh from the card, the PIN is set without a current one, and the household's own phone is told.
            #expect(try await app.form("/my/pin", ["phone": "0999 555 111", "pin": "1357"], as: holder).status == .ok)
            // A card session that is no longer fresh needs the current PIN too.
            app.testClock.advance(by: 11 * 60)
            #expect(try await app.form("/my/pin", ["phone": "0999 555 111", "pin": "9999"], as: holder).status == .unprocessableEntity)
            let told = try await (app.db as! any SQLDatabase).raw("SELECT COUNT(*) AS n FROM jobs WHERE unique_key LIKE 'direct:pinSet:%'").first()
            #expect(try told?.decode(column: "n", as: Int.self) == 1)
            let byPin = try await browser(try await pinSignIn("1357"))
            // Signed in by PIN, changing it needs the current PIN.
            let noCurrent = try await app.form("/my/pin", ["phone": "0999 555 111", "pin": "2468"], as: byPin)
            #expect(noCurrent.status == .unprocessableEntity && noCurrent.text.contains("Mã PIN hiện tại không đúng."))
            #expect(try await app.form("/my/pin", ["phone": "0999 555 111", "pin": "2468", "current": "1357"], as: byPin).status == .ok)
            // Setting it ended the household's other sessions: whoever held the card is out.
            #expect(try await !alive(holder))
            #expect(try await alive(byPin))

            // Revoking the card ends every way in.
            #expect(try await app.form("/households/\(id)/card/revoke", [:]).status == .seeOther)
            #expect(try await !alive(holder))
            #expect(try await !alive(byPin))
            #expect(try await pinSignIn("2468").status == .unauthorized)
            #expect(try await app.anonymousPage(path).status == .notFound)
            let stored = try #require(await Household.find(id, on: app.db))
            #expect(stored.pinHash == nil && stored.pinPhone == nil && stored.cardTokenHash == nil)

            // A new card likewise ends what the old one opened.
            let second = try await browser(try await app.cardSignIn(try await cardPath()))
            _ = try await cardPath()
            #expect(try await !alive(second))
        }
    }

    @Test("parallel wrong passwords are all counted and lock the account; a name has its own budget whatever the address")
    func bruteForce() async throws {
        try await withTestApp { app in
            // The windows are fixed (15 minutes), and every attempt below must fall in one: start right after a
            // boundary.
            let intoWindow = Int(app.now.timeIntervalSince1970) % AccountsWeb.window
            app.testClock.advance(by: TimeInterval(AccountsWeb.window - intoWindow + 1))
            let t = try await Tree.make(app)
            let commune = try #require(await AdminUnit.find(t.commune.id, on: app.db))
            _ = try await AccountActions.createPerson(username: "muctieu", displayName: "Mục tiêu", password: testPassword, role: .communeOfficial, unit: commune, app: app)
            let page = try await app.anonymousPage("/signin")
            let cookie = try #require(page.headers.setCookie?["thonso_session"]?.string)
            let csrf = try #require(scrapeCSRF(page.text))
            @Sendable func attempt(_ name: String, _ password: String) async throws -> HTTPStatus {
                try await app.testing().sendRequest(.POST, "/signin", headers: ["Cookie": "thonso_session=\(cookie)"]) { req in
                    try req.content.encode(["username": name, "password": password, "_csrf": csrf], as: .urlEncodedForm)
                }.status
            }
            try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for _ in 0..<8 { group.addTask { try await attempt("muctieu", "doan-sai") } }
                for try await s in group { #expect(s == .unauthorized) }
            }
            let p = try #require(await Person.query(on: app.db).filter(\.$username == "muctieu").first())
            #expect(p.lockedUntil != nil, "8 parallel failures must lock (5 needed)")
            #expect(try await attempt("muctieu", testPassword) == .unauthorized)

            // Per name: the 16th attempt on one name in the window is refused, while another name still gets through.
            for _ in 0..<6 { _ = try await attempt("ten-khac", "sai") }
            for _ in 0..<9 { _ = try await attempt("ten-khac", "sai") }
            #expect(try await attempt("ten-khac", "sai") == .tooManyRequests)
            #expect(try await attempt("admin", testPassword) == .seeOther)
            // 26 attempts from this address so far: 4 more pass its budget of 30; past it, made-up names are refused
            // without a counter row each.
            var answers: [HTTPStatus] = []
            for i in 0..<6 { answers.append(try await attempt("bia-\(i)", "sai")) }
            #expect(answers == [.unauthorized, .unauthorized, .unauthorized, .unauthorized, .tooManyRequests, .tooManyRequests])
            let rows = try await (app.db as! any SQLDatabase).raw("SELECT COUNT(*) AS n FROM rate_counters WHERE key LIKE 'signin:name:bia-%'").first()
            #expect(try rows?.decode(column: "n", as: Int.self) == 4)
        }
    }

    @Test("a forwarded address is believed only from a trusted proxy")
    func proxies() throws {
        let trusted = [try #require(AddressRange("10.0.0.0/8")), try #require(AddressRange("::1"))]
        #expect(ClientAddress.resolve(peer: "203.0.113.7", forwardedFor: ["198.51.100.1"], trusted: trusted) == "203.0.113.7")
        #expect(ClientAddress.resolve(peer: "203.0.113.7", forwardedFor: ["198.51.100.1"], trusted: []) == "203.0.113.7")
        #expect(ClientAddress.resolve(peer: "10.1.2.3", forwardedFor: ["198.51.100.1, 10.0.0.5"], trusted: trusted) == "198.51.100.1")
        #expect(ClientAddress.resolve(peer: "10.1.2.3", forwardedFor: ["6.6.6.6, 198.51.100.1"], trusted: trusted) == "198.51.100.1")
        #expect(ClientAddress.resolve(peer: "::1", forwardedFor: ["not-an-address"], trusted: trusted) == "::1")
        #expect(AddressRange("10.0.0.0/33") == nil && AddressRange("host.example") == nil)
        #expect(AddressRange("192.168.0.0/16")?.contains("192.168.44.1") == true)
        #expect(AddressRange("fd00::/8")?.contains("fd12::1") == true && AddressRange("fd00::/8")?.contains("fe80::1") == false)
        #expect(AddressRange("127.0.0.1")?.contains("::ffff:127.0.0.1") == true)
    }

    @Test("the largest and smallest numbers in page and per answer on every GET route, and the server keeps answering")
    func extremes() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            let h = try await app.api(.POST, "/api/v1/households", json: householdInput("N-1", village: t.village1)).decode(HouseholdDetailDTO.self)
            let queries = ["page=9223372036854775807&per=9223372036854775807", "page=-9223372036854775808&per=-9223372036854775808",
                           "page=99999999999999999999999999&per=0", "page=1000000&per=500", "page=abc&per=1e9"]
            var sent = 0
            for route in app.routes.all where route.method == .GET {
                var path = "/" + route.path.map(\.description).joined(separator: "/")
                path = path.replacingOccurrences(of: ":id", with: path.contains("household") && !path.contains("units") ? h.household.id.uuidString : t.village1.id.uuidString)
                for p in [":commune", ":key", ":token", ":lang", ":code", ":file"] { path = path.replacingOccurrences(of: p, with: "x") }
                if path.contains("*") { continue }
                for q in queries {
                    let res = path.hasPrefix("/api/") ? try await app.api(.GET, path + "?" + q) : try await app.page(path + "?" + q)
                    #expect(res.status.code < 500, "\(path)?\(q): \(res.status)")
                    sent += 1
                }
            }
            #expect(sent > 200)
            let paged = try await app.api(.GET, "/api/v1/households?page=9223372036854775807&per=9223372036854775807").decode(Paged<HouseholdDTO>.self)
            #expect(paged.page == PageRequest.maxPage && paged.per == PageRequest.maxPer && paged.items.isEmpty && paged.total == 1)
            #expect(try await app.anonymousPage("/healthz").status == .ok)
        }
    }

    @Test("open redirects: next and back take same-site paths only")
    func redirects() async throws {
        #expect(LocalPath.safe("/units?q=1") == "/units?q=1")
        for bad in ["//evil.example", "/\\evil.example", "/\t/evil.example", "https://evil.example", "/%2F%2Fevil.example", "/\r\n/evil", "evil"] {
            #expect(LocalPath.safe(bad) == nil, "\(bad)")
        }
        try await withTestApp { app in
            for back in ["/%5Cevil.example", "%2F%5Cevil.example", "/%09/evil.example", "//evil.example"] {
                let res = try await app.anonymousPage("/lang/en?back=\(back)")
                #expect(res.headers.first(name: .location) == "/", "\(back)")
            }
            let signIn = try await app.anonymousPage("/signin?next=/%5Cevil.example")
            #expect(!signIn.text.contains("evil.example"))
        }
    }

    @Test("the API takes JSON only, and a write with the session cookie must come from the site's own pages")
    func apiCrossSite() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            let b = try await app.adminBrowser()
            let before = try await app.count("admin_units")
            let body = "kind=village&code=X9&name=Gia&parentId=\(t.commune.id)"
            let form = try await app.testing().sendRequest(.POST, "/api/v1/units", headers: b.headers(["Content-Type": "application/x-www-form-urlencoded"]), body: ByteBuffer(string: body))
            #expect(form.status == .unsupportedMediaType)
            let json = #"{"kind":"village","code":"X9","name":"Thôn Giả","parentId":"\#(t.commune.id)"}"#
            let foreign = try await app.testing().sendRequest(.POST, "/api/v1/units", headers: b.headers(["Content-Type": "application/json", "Origin": "https://evil.example"]), body: ByteBuffer(string: json))
            #expect(foreign.status == .forbidden)
            let silent = try await app.testing().sendRequest(.POST, "/api/v1/units", headers: ["Cookie": "thonso_session=\(b.cookie)", "Content-Type": "application/json"], body: ByteBuffer(string: json))
            #expect(silent.status == .forbidden)
            #expect(try await app.count("admin_units") == before)
            let own = try await app.testing().sendRequest(.POST, "/api/v1/units", headers: b.headers(["Content-Type": "application/json", "Origin": "http://127.0.0.1:8080"]), body: ByteBuffer(string: json))
            #expect(own.status == .created)
            // A bearer token is not a cookie: no origin needed.
            let token = try await app.api(.POST, "/api/v1/units", json: UnitInput(kind: "village", code: "X8", name: "Thôn Tám", parentId: t.commune.id.uuidString))
            #expect(token.status == .created)
        }
    }

    @Test("the demo is not a door: on a server reachable from elsewhere the web cannot load it")
    func demoDoor() async throws {
        try await withTestApp({ $0.host = "0.0.0.0" }) { app in
            try await ApiToken.query(on: app.db).delete()
            try await Person.query(on: app.db).delete()
            let home = try await app.anonymousPage("/")
            #expect(!home.text.contains("Tải xã mẫu") && home.text.contains("thonso user create"))
            let seed = try await app.anonymousPage("/signin")
            let cookie = try #require(seed.headers.setCookie?["thonso_session"]?.string)
            let load = try await app.testing().sendRequest(.POST, "/demo", headers: ["Cookie": "thonso_session=\(cookie)"]) { req in
                try req.content.encode(["_csrf": try #require(scrapeCSRF(seed.text))], as: .urlEncodedForm)
            }
            #expect(load.status == .notFound)
            #expect(try await app.count("people") == 0)
        }
    }

    @Test("links leave from the configured public address, never from the Host header; without one, cards are refused off loopback")
    func publicAddress() async throws {
        try await withTestApp({ $0.publicURL = "https://thonso.example.vn" }) { app in
            let t = try await Tree.make(app)
            let h = try await app.api(.POST, "/api/v1/households", json: householdInput("L-1", village: t.village1)).decode(HouseholdDetailDTO.self)
            let card = try await app.form("/households/\(h.household.id)/card", [:], headers: ["Host": "evil.example"])
            #expect(card.text.contains("https://thonso.example.vn/card/ts_") && !card.text.contains("evil.example"))
            // The CAP feed's links, and the link an SMS carries, come from the same address.
            var urgent = announcement("Bão số 3", units: [t.village1], category: "urgent")
            urgent.severity = "Extreme"
            let a = try await publish(app, urgent)
            let feed = try await app.anonymousPage("/cap/alerts.atom", headers: ["Host": "evil.example"])
            #expect(feed.text.contains("https://thonso.example.vn/cap/alerts/\(a.id.uuidString.lowercased())") && !feed.text.contains("evil.example"))
            #expect(app.config.externalURL(.myAnnouncement(.id(a.id))) == "https://thonso.example.vn/my/announcements/\(a.id.uuidString.lowercased())")
        }
        try await withTestApp({ $0.host = "0.0.0.0" }) { app in
            let t = try await Tree.make(app)
            let h = try await app.api(.POST, "/api/v1/households", json: householdInput("L-2", village: t.village1)).decode(HouseholdDetailDTO.self)
            let card = try await app.form("/households/\(h.household.id)/card", [:], headers: ["Host": "evil.example"])
            #expect(card.status == .conflict && card.text.contains("PUBLIC_URL"))
            #expect(try #require(await Household.find(h.household.id, on: app.db)).cardTokenHash == nil)
        }
        let https = try AppConfig.fromEnvironment(["PUBLIC_URL": "https://thonso.example.vn/"])
        #expect(https.secureCookies && https.publicURL == "https://thonso.example.vn" && https.linkBase == "https://thonso.example.vn")
        #expect(try !AppConfig.fromEnvironment(["PUBLIC_URL": "http://192.0.2.1:8080"]).secureCookies)
        #expect(try !AppConfig.fromEnvironment(["PUBLIC_URL": "https://a.example", "COOKIE_SECURE": "0"]).secureCookies)
        #expect(try AppConfig.fromEnvironment(["BASE_URL": "https://b.example"]).publicURL == "https://b.example")
        #expect(throws: ConfigError.self) { try AppConfig.fromEnvironment(["PUBLIC_URL": "https://a.example", "BASE_URL": "https://b.example"]) }
    }

    @Test("error pages carry the security headers; carrying a commune into a successor outside the caller's units is refused")
    func smaller() async throws {
        try await withTestApp { app in
            let missing = try await app.anonymousPage("/khong-co-trang-nay")
            #expect(missing.status == .notFound)
            #expect(missing.headers.first(name: "Content-Security-Policy")?.contains("frame-ancestors 'none'") == true)
            #expect(missing.headers.first(name: "X-Frame-Options") == "DENY")
            let t = try await Tree.make(app)
            // Commune 00001 ended and went into 00002; an official of 00001 only cannot carry it there.
            let c1 = try #require(await AdminUnit.find(t.commune.id, on: app.db))
            try await UnitSuccession(predecessorID: t.commune.id, successorID: t.otherCommune.id, onDate: "2025-07-01", whole: true, note: "").create(on: app.db)
            let (_, token) = try await AccountActions.createToken(name: "xa1", role: .communeOfficial, unit: c1, on: app.db)
            let carry = try await app.api(.POST, "/api/v1/units/\(t.commune.id)/carry", json: CarryInput(targetId: t.otherCommune.id.uuidString), token: token)
            #expect(carry.status == .unprocessableEntity)
            #expect(try carry.decode(ErrorBody.self).fields?.first?.field == "targetId")
            #expect(try await app.api(.GET, "/api/v1/units/\(t.village1.id)").decode(UnitDTO.self).parentId == t.commune.id)
        }
    }

    @Test("refusals come before the body is read: unknown paths, missing form tokens, bodies larger than the route takes")
    func bodiesNotRead() async throws {
        try await withTestApp { app in
            try await app.server.start(address: .hostname("127.0.0.1", port: 0))
            defer { Task { await app.server.shutdown() } }
            let port = try #require(app.http.server.shared.localAddress?.port)
            // Each request announces 50 MB and sends its first kilobyte only: an answer can only come from not waiting
            // for the rest.
            let seed = try await app.anonymousPage("/signin").headers.setCookie?["thonso_session"]?.string ?? ""
            let cases: [(String, String, Int)] = [
                ("POST /khong-co HTTP/1.1", "", 404),
                ("POST /units/new HTTP/1.1", "", 403),
                ("POST /signin HTTP/1.1", "Cookie: thonso_session=\(seed)\r\n", 413),
                ("POST /api/v1/khong-co HTTP/1.1", "", 404),
            ]
            for (line, extra, expected) in cases {
                let head = "\(line)\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 52428800\r\n\(extra)\r\n" + String(repeating: "a", count: 1024)
                let answer = try RawHTTP.exchange(port: port, head, timeout: 30)
                #expect(answer.hasPrefix("HTTP/1.1 \(expected)"), "\(line): \(answer.prefix(60))")
            }
        }
    }
}

/// A bare TCP exchange, so a test can send headers without the body they announce.
enum RawHTTP {
    static func exchange(port: Int, _ text: String, timeout: Int) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Abort(.internalServerError, reason: "socket") }
        defer { close(fd) }
        var tv = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let ok = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard ok == 0 else { throw Abort(.internalServerError, reason: "connect") }
        _ = text.withCString { send(fd, $0, strlen($0), 0) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = recv(fd, &buffer, buffer.count, 0)
        return n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : ""
    }
}
