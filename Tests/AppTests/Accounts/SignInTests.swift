import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting
@testable import App

@Suite("Signing in, sessions, tokens and form tokens")
struct SignInTests {
    @Test("pages need sign-in; the API needs a token; a revoked token stops working")
    func required() async throws {
        try await withTestApp { app in
            let page = try await app.anonymousPage("/units?q=x")
            #expect(page.status == .seeOther)
            #expect(page.headers.first(name: .location) == "/signin?next=%2Funits%3Fq%3Dx")
            let api = try await app.api(.GET, "/api/v1/units", token: "")
            #expect(api.status == .unauthorized)
            #expect(try api.decode(ErrorBody.self).error == "unauthorized")
            let bogus = try await app.api(.GET, "/api/v1/units", token: "ts_not-a-token")
            #expect(bogus.status == .unauthorized)
            let (token, secret) = try await AccountActions.createToken(name: "tích hợp", role: .admin, unit: nil, on: app.db)
            #expect(try await app.api(.GET, "/api/v1/units", token: secret).status == .ok)
            let stored = try #require(await ApiToken.find(token.id, on: app.db))
            #expect(stored.tokenHash != secret && stored.lastUsedAt != nil)
            stored.revokedAt = app.now
            try await stored.update(on: app.db)
            #expect(try await app.api(.GET, "/api/v1/units", token: secret).status == .unauthorized)
            #expect(try await app.anonymousPage("/healthz").status == .ok)
            #expect(try await app.anonymousPage("/api/v1/openapi.json").status == .ok)
        }
    }

    @Test("a wrong password is refused; five in a row lock the account even for the right password; sign-out ends the session")
    func lockout() async throws {
        try await withTestApp { app in
            let signInPage = try await app.anonymousPage("/signin")
            let cookie = try #require(signInPage.headers.setCookie?["thonso_session"])
            #expect(cookie.isHTTPOnly && cookie.sameSite == .lax)
            let csrf = try #require(scrapeCSRF(signInPage.text))
            func attempt(_ password: String) async throws -> TestingHTTPResponse {
                try await app.testing().sendRequest(.POST, "/signin", headers: ["Cookie": "thonso_session=\(cookie.string)"]) { req in
                    try req.content.encode(["username": "ADMIN", "password": password, "_csrf": csrf], as: .urlEncodedForm)
                }
            }
            let wrong = try await attempt("sai-mat-khau")
            #expect(wrong.status == .unauthorized)
            #expect(wrong.text.contains("Sai tên đăng nhập hoặc mật khẩu."))
            let unknown = try await app.testing().sendRequest(.POST, "/signin", headers: ["Cookie": "thonso_session=\(cookie.string)"]) { req in
                try req.content.encode(["username": "khong-co-ai", "password": "x", "_csrf": csrf], as: .urlEncodedForm)
            }
            #expect(unknown.status == wrong.status)
            #expect(!wrong.text.contains("sai-mat-khau"))
            for _ in 0..<4 { _ = try await attempt("sai-mat-khau") }
            // Locked, the right password answers exactly as a wrong one does.
            let locked = try await attempt(testPassword)
            #expect(locked.status == .unauthorized)
            #expect(locked.text.contains("Sai tên đăng nhập hoặc mật khẩu."))
            let person = try #require(await Person.query(on: app.db).filter(\.$username == "admin").first())
            #expect(person.lockedUntil != nil && !person.passwordHash.contains(testPassword))

            // Unlocked (the lock has passed), the right password signs in; signing out ends the session.
            app.testClock.set(try #require(person.lockedUntil).addingTimeInterval(1))
            let ok = try await attempt(testPassword)
            #expect(ok.status == .seeOther)
            // The session id planted before sign-in is not the one signed in.
            let before = try await app.testing().sendRequest(.GET, "/units", headers: ["Cookie": "thonso_session=\(cookie.string)"])
            #expect(before.status == .seeOther)
            let session = try #require(ok.headers.setCookie?["thonso_session"])
            let inside = try await app.testing().sendRequest(.GET, "/units", headers: ["Cookie": "thonso_session=\(session.string)"])
            #expect(inside.status == .ok)
            let token = try #require(scrapeCSRF(inside.text))
            let out = try await app.testing().sendRequest(.POST, "/signout", headers: ["Cookie": "thonso_session=\(session.string)"]) { req in
                try req.content.encode(["_csrf": token], as: .urlEncodedForm)
            }
            #expect(out.status == .seeOther)
            let after = try await app.testing().sendRequest(.GET, "/units", headers: ["Cookie": "thonso_session=\(session.string)"])
            #expect(after.status == .seeOther)
        }
    }

    @Test("a form post without the session's form token is refused and writes nothing")
    func csrf() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            let before = try await app.count("admin_units")
            let forged = try await app.form("/units/new", ["kind": "village", "code": "T9", "name": "Thôn giả", "parentId": t.commune.id.uuidString, "_csrf": "forged"])
            #expect(forged.status == .forbidden)
            #expect(forged.text.contains("Phiên làm việc đã hết hạn"))
            #expect(try await app.count("admin_units") == before)
            let real = try await app.form("/units/new", ["kind": "village", "code": "T9", "name": "Thôn thật", "parentId": t.commune.id.uuidString])
            #expect(real.status == .seeOther)
        }
    }

    @Test("every role's permissions are as documented")
    func roles() {
        #expect(Role.admin.permissions == Set(Permission.allCases))
        #expect(Role.villageHead.permissions == [.readRegistry, .writeRegistry, .publishAnnouncements, .visitHouseholds, .manageAssets,
                                                .handleReports, .manageLedger, .manageMarket, .readCriteria])
        #expect(Role.groupHead.permissions == [.readRegistry, .writeRegistry, .publishAnnouncements])
        #expect(Role.digitalTeamMember.permissions == [.readRegistry, .writeRegistry, .visitHouseholds, .manageAssets])
        #expect(Role.householdRepresentative.permissions.isEmpty)
        #expect(Role.producer.permissions == [.sellProducts])
        #expect(Role.communeOfficial.permissions.contains(.manageMarket))
        #expect(!Role.justiceOfficer.permissions.contains(.writeRegistry))
        #expect(Role.provinceCoordinator.permissions.isSuperset(of: [.readCriteria, .manageCriteria]))
        #expect(Role.communeOfficial.permissions.isSuperset(of: [.readCriteria, .manageCriteria]))
        #expect(!Role.villageHead.permissions.contains(.manageCriteria) && !Role.groupHead.permissions.contains(.readCriteria))
    }
}
