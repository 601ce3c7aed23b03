import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting
@testable import App

/// Producers and products through the JSON API, as a commune official and a producer's account use them.
@Suite("Market: producers and products")
struct MarketTests {
    struct Fixture {
        var tree: Tree
        var official: String   // token of a commune official of 00001
    }

    static func fixture(_ app: Application) async throws -> Fixture {
        let t = try await Tree.make(app)
        let commune = try #require(await AdminUnit.find(t.commune.id, on: app.db))
        let (_, official) = try await AccountActions.createToken(name: "xa", role: .communeOfficial, unit: commune, on: app.db)
        return Fixture(tree: t, official: official)
    }

    static func producer(_ name: String, village: UnitDTO, channels: [String] = ["https://shopee.vn/mien-dong"]) -> ProducerInput {
        ProducerInput(kind: "household", name: name, villageId: village.id.uuidString, contactName: "Nguyễn Thị Hoa", phone: "0912345678",
                      publicPhone: true, makes: "Miến dong, bánh đa", howToBuy: "Gọi điện hoặc đặt trên Shopee", channels: channels)
    }

    static func json(_ app: Application, _ method: HTTPMethod, _ path: String, _ body: (any Content)? = nil, as b: Browser) async throws -> TestingHTTPResponse {
        try await app.testing().sendRequest(method, path, headers: b.headers()) { req in
            if let body { try req.content.encode(body, as: .json) }
        }
    }

    @Test("an official registers a producer and an OCOP product with certifications; an expired certification shows as expired")
    func register() async throws {
        try await withTestApp { app in
            let f = try await Self.fixture(app)
            let res = try await app.api(.POST, "/api/v1/producers", json: Self.producer("Hộ bà Hoa", village: f.tree.village1), token: f.official)
            #expect(res.status == .created, "\(res.text)")
            let p = try res.decode(ProducerDTO.self)
            #expect(p.villageName == "Thôn Đông" && p.channels == ["https://shopee.vn/mien-dong"] && p.kind == .household)
            let today = Day.today(app.now)
            let input = ProductInput(name: "Miến dong Song Phượng", category: "food", description: "Miến làm từ củ dong riềng", unit: "gói 500 g",
                                     priceMin: 45_000, priceMax: 60_000, ocopStars: 4, ocopYear: 2023, ocopDecision: "1234/QĐ-UBND",
                                     certifications: [CertificationInput(name: "VietGAP", issuer: "Sở NN&PTNT", validFrom: "2020-01-01", validTo: "2022-12-31"),
                                                      CertificationInput(name: "ATTP", validFrom: "2024-01-01", validTo: Day.adding(365, to: today))])
            let made = try await app.api(.POST, "/api/v1/producers/\(p.id)/products", json: input, token: f.official)
            #expect(made.status == .created, "\(made.text)")
            let pr = try made.decode(ProductDTO.self)
            #expect(pr.ocop == OcopDTO(stars: 4, year: 2023, decision: "1234/QĐ-UBND"))
            #expect(pr.priceMin == 45_000 && pr.priceMax == 60_000)
            #expect(pr.certifications.map(\.name) == ["VietGAP", "ATTP"])
            #expect(pr.certifications.map(\.expired) == [true, false])
            let listed = try await app.api(.GET, "/api/v1/producers/\(p.id)/products", token: f.official).decode([ProductDTO].self)
            #expect(listed.map(\.id) == [pr.id])
            // Found without diacritics.
            let found = try await app.api(.GET, "/api/v1/producers?q=ho%20ba%20hoa", token: f.official).decode([ProducerDTO].self)
            #expect(found.map(\.id) == [p.id])
            // A change keeps what it does not name.
            let changed = try await app.api(.PATCH, "/api/v1/products/\(pr.id)", json: ProductInput(priceMax: 65_000), token: f.official)
            #expect(changed.status == .ok, "\(changed.text)")
            let after = try changed.decode(ProductDTO.self)
            #expect(after.priceMax == 65_000 && after.ocop?.stars == 4 && after.certifications.count == 2)
        }
    }

    @Test("bad input gets the field at fault and writes nothing: stars outside 3–5, a link that is not http(s), a negative price, an expiry before issue, a village outside")
    func badInput() async throws {
        try await withTestApp { app in
            let f = try await Self.fixture(app)
            func refused(_ path: String, _ body: any Content, _ field: String, line: Int? = nil) async throws {
                let res = try await app.api(.POST, path, json: body, token: f.official)
                #expect(res.status == .unprocessableEntity, "\(path) \(field): \(res.status)")
                let e = try res.decode(ErrorBody.self)
                #expect(e.fields?.contains { $0.field == field && (line == nil || $0.line == line) } == true, "\(field): \(res.text)")
            }
            try await refused("/api/v1/producers", Self.producer("Hộ A", village: f.tree.village1, channels: ["https://ok.vn", "ftp://shop.example/x"]), "channels", line: 2)
            try await refused("/api/v1/producers", Self.producer("Hộ A", village: f.tree.village1, channels: ["javascript:alert(1)"]), "channels", line: 1)
            try await refused("/api/v1/producers", Self.producer("Hộ A", village: f.tree.otherVillage), "villageId")
            #expect(try await app.count("producers") == 0)
            let p = try await app.api(.POST, "/api/v1/producers", json: Self.producer("Hộ A", village: f.tree.village1), token: f.official).decode(ProducerDTO.self)
            let path = "/api/v1/producers/\(p.id)/products"
            try await refused(path, ProductInput(name: "Miến", category: "food", unit: "kg", ocopStars: 6, ocopYear: 2023, ocopDecision: "1/QĐ"), "ocopStars")
            try await refused(path, ProductInput(name: "Miến", category: "food", unit: "kg", ocopStars: 2, ocopYear: 2023, ocopDecision: "1/QĐ"), "ocopStars")
            try await refused(path, ProductInput(name: "Miến", category: "food", unit: "kg", priceMin: -1), "priceMin")
            try await refused(path, ProductInput(name: "Miến", category: "food", unit: "kg", priceMin: 50_000, priceMax: 40_000), "priceMax")
            try await refused(path, ProductInput(name: "Miến", category: "food", unit: "kg",
                                                 certifications: [CertificationInput(name: "VietGAP", validFrom: "2024-05-01", validTo: "2024-04-30")]),
                              "certifications.validTo", line: 1)
            try await refused(path, ProductInput(name: "Miến", category: "banh", unit: "kg"), "category")
            #expect(try await app.count("products") == 0)
            #expect(try await app.count("product_certifications") == 0)
            // In Vietnamese by default.
            let vi = try await app.api(.POST, path, json: ProductInput(name: "Miến", category: "food", unit: "kg", ocopStars: 7, ocopYear: 2023, ocopDecision: "1"), token: f.official)
            #expect(vi.text.contains("Hạng OCOP phải từ 3 đến 5 sao"))
        }
    }

    @Test("a producer's account manages its own producer and products and nothing else; officials see their units' only")
    func producerScope() async throws {
        try await withTestApp { app in
            let f = try await Self.fixture(app)
            let mine = try await app.api(.POST, "/api/v1/producers", json: Self.producer("Hộ bà Hoa", village: f.tree.village1), token: f.official).decode(ProducerDTO.self)
            let other = try await app.api(.POST, "/api/v1/producers", json: Self.producer("Hộ ông Nam", village: f.tree.village1), token: f.official).decode(ProducerDTO.self)
            let commune = try #require(await AdminUnit.find(f.tree.commune.id, on: app.db))
            _ = try await AccountActions.createPerson(username: "sanxuat", displayName: "Nguyễn Thị Hoa", password: testPassword, role: .producer, unit: commune, app: app)
            _ = try await AccountActions.createPerson(username: "sanxuat2", displayName: "Trần Văn Nam", password: testPassword, role: .producer, unit: commune, app: app)
            let village1 = try #require(await AdminUnit.find(f.tree.village1.id, on: app.db))
            _ = try await AccountActions.createPerson(username: "nobody", displayName: "Không vai trò", password: testPassword, role: .digitalTeamMember, unit: village1, app: app)
            // Only an account with the producer role is linked.
            let wrong = try await app.api(.POST, "/api/v1/producers/\(mine.id)/accounts", json: ProducerAccountInput(username: "nobody"), token: f.official)
            #expect(wrong.status == .unprocessableEntity)
            let linked = try await app.api(.POST, "/api/v1/producers/\(mine.id)/accounts", json: ProducerAccountInput(username: "sanxuat"), token: f.official)
            #expect(linked.status == .ok, "\(linked.text)")
            #expect(try linked.decode(ProducerDTO.self).accounts == ["sanxuat"])

            let b = try await app.signIn("sanxuat")
            let list = try await Self.json(app, .GET, "/api/v1/producers", as: b).decode([ProducerDTO].self)
            #expect(list.map(\.id) == [mine.id])
            #expect(try await Self.json(app, .GET, "/api/v1/producers/\(mine.id)", as: b).status == .ok)
            #expect(try await Self.json(app, .GET, "/api/v1/producers/\(other.id)", as: b).status == .notFound)
            let renamed = try await Self.json(app, .PATCH, "/api/v1/producers/\(mine.id)", ProducerInput(howToBuy: "Đến nhà, số 5 ngõ 3"), as: b)
            #expect(renamed.status == .ok, "\(renamed.text)")
            #expect(try renamed.decode(ProducerDTO.self).howToBuy == "Đến nhà, số 5 ngõ 3")
            // It does not move itself to another village, nor link accounts, nor touch the other producer.
            let moved = try await Self.json(app, .PATCH, "/api/v1/producers/\(mine.id)", ProducerInput(villageId: f.tree.village2.id.uuidString), as: b)
            #expect(moved.status == .unprocessableEntity)
            #expect(try await Self.json(app, .POST, "/api/v1/producers/\(mine.id)/accounts", ProducerAccountInput(username: "sanxuat2"), as: b).status == .forbidden)
            let product = try await Self.json(app, .POST, "/api/v1/producers/\(mine.id)/products", ProductInput(name: "Miến dong", category: "food", unit: "kg"), as: b)
            #expect(product.status == .created, "\(product.text)")
            let pr = try product.decode(ProductDTO.self)
            #expect(try await Self.json(app, .PATCH, "/api/v1/products/\(pr.id)", ProductInput(priceMin: 40_000), as: b).status == .ok)
            #expect(try await Self.json(app, .POST, "/api/v1/producers/\(other.id)/products", ProductInput(name: "Bánh", category: "food", unit: "kg"), as: b).status == .notFound)
            #expect(try await Self.json(app, .POST, "/api/v1/producers", Self.producer("Hộ mới", village: f.tree.village1), as: b).status == .unprocessableEntity)
            // Nothing of the registry.
            #expect(try await Self.json(app, .GET, "/api/v1/units/\(f.tree.village1.id)", as: b).status == .notFound)
            // A producer account not linked sees no producer.
            let b2 = try await app.signIn("sanxuat2")
            #expect(try await Self.json(app, .GET, "/api/v1/producers", as: b2).decode([ProducerDTO].self).isEmpty)
            #expect(try await Self.json(app, .GET, "/api/v1/products/\(pr.id)", as: b2).status == .notFound)
            // A village head of T2 sees neither; of T1, both.
            let (_, head2) = try await AccountActions.createToken(name: "t2", role: .villageHead, unit: try #require(await AdminUnit.find(f.tree.village2.id, on: app.db)), on: app.db)
            #expect(try await app.api(.GET, "/api/v1/producers", token: head2).decode([ProducerDTO].self).isEmpty)
            #expect(try await app.api(.GET, "/api/v1/producers/\(mine.id)", token: head2).status == .notFound)
            let (_, head1) = try await AccountActions.createToken(name: "t1", role: .villageHead, unit: village1, on: app.db)
            #expect(try await app.api(.GET, "/api/v1/producers", token: head1).decode([ProducerDTO].self).count == 2)
        }
    }
}
