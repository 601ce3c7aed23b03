import Foundation
import Testing
import Vapor
import VaporTesting
@testable import App

@Suite("People, grants and tokens through the API")
struct AccountsAPITests {
    @Test("a commune official creates a village head, grants and revokes roles inside the commune, and cannot reach beyond it")
    func communeOfficial() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            let commune = try #require(await AdminUnit.find(t.commune.id, on: app.db))
            let (_, token) = try await AccountActions.createToken(name: "xa", role: .communeOfficial, unit: commune, on: app.db)
            let created = try await app.api(.POST, "/api/v1/people", json: PersonInput(username: "Truong.Thon", displayName: "Trưởng thôn Đông", phone: "0999111222", password: "mat-khau-dai", role: "villageHead", unitId: t.village1.id.uuidString), token: token)
            #expect(created.status == .created, "\(created.text)")
            let person = try created.decode(PersonDTO.self)
            #expect(person.username == "truong.thon" && person.grants.map(\.role) == [.villageHead])
            #expect(!created.text.contains("password") && !created.text.contains("$2"))
            let log = try await app.api(.GET, "/api/v1/audit?row=\(person.id)").decode(Paged<AuditEventDTO>.self)
            #expect(log.items.map(\.action) == ["create"] && log.items[0].actor == "xa")
            #expect(log.items[0].after?.contains("mat-khau") == false)

            for (input, field) in [(PersonInput(username: "a", password: "mat-khau-dai", role: "admin"), "role"),
                                   (PersonInput(username: "b", password: "mat-khau-dai", role: "villageHead", unitId: t.otherVillage.id.uuidString), "unitId"),
                                   (PersonInput(username: "c", password: "ngan", role: "villageHead", unitId: t.village1.id.uuidString), "password"),
                                   (PersonInput(username: "truong.thon", password: "mat-khau-dai", role: "villageHead", unitId: t.village1.id.uuidString), "username")] {
                let res = try await app.api(.POST, "/api/v1/people", json: input, token: token)
                #expect(res.status == .unprocessableEntity, "\(field): \(res.status)")
                #expect(try res.decode(ErrorBody.self).fields?.first?.field == field)
            }
            let granted = try await app.api(.POST, "/api/v1/people/\(person.id)/grants", json: GrantInput(role: "digitalTeamMember", unitId: "00001"), token: token)
            #expect(granted.status == .created)
            let withGrant = try granted.decode(PersonDTO.self)
            #expect(Set(withGrant.grants.map(\.role)) == [.villageHead, .digitalTeamMember])
            let grantID = try #require(withGrant.grants.first { $0.role == .digitalTeamMember }?.id)
            #expect(try await app.api(.DELETE, "/api/v1/grants/\(grantID)", token: token).status == .noContent)
            let list = try await app.api(.GET, "/api/v1/people", token: token).decode([PersonDTO].self)
            #expect(list.map(\.username) == ["truong.thon"])   // not the system administrator

            // The new person signs in; an administrator's reset also unlocks.
            #expect(try await app.api(.POST, "/api/v1/people/\(person.id)/password", json: PasswordInput(password: "mat-khau-moi-1"), token: token).status == .noContent)
            let browser = try await app.signIn("truong.thon", password: "mat-khau-moi-1")
            #expect(try await app.page("/units/\(t.village1.id)", as: browser).status == .ok)
            #expect(try await app.page("/units/\(t.village2.id)", as: browser).status == .notFound)
        }
    }

    @Test("tokens are created once, listed with their last use, and revoked")
    func tokens() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            let made = try await app.api(.POST, "/api/v1/tokens", json: TokenInput(name: "Cổng thông tin", role: "justiceOfficer", unitId: t.commune.id.uuidString))
            #expect(made.status == .created)
            let token = try made.decode(TokenDTO.self)
            let secret = try #require(token.token)
            #expect(try await app.api(.GET, "/api/v1/units/\(t.commune.id)", token: secret).status == .ok)
            #expect(try await app.api(.GET, "/api/v1/units/\(t.otherCommune.id)", token: secret).status == .notFound)
            let listed = try await app.api(.GET, "/api/v1/tokens").decode([TokenDTO].self)
            let mine = try #require(listed.first { $0.id == token.id })
            #expect(mine.token == nil && mine.lastUsedAt != nil)
            let revoked = try await app.api(.DELETE, "/api/v1/tokens/\(token.id)").decode(TokenDTO.self)
            #expect(revoked.revokedAt != nil)
            #expect(try await app.api(.GET, "/api/v1/units/\(t.commune.id)", token: secret).status == .unauthorized)
        }
    }
}
