import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting
@testable import App

/// The market's pages as people use them: an official and a producer's account through the forms, a buyer on the
/// village's public market page, and the team's "sells online" check.
@Suite("Market: pages")
struct MarketPagesTests {
    static func official(_ app: Application, _ f: MarketTests.Fixture) async throws -> Browser {
        let commune = try #require(await AdminUnit.find(f.tree.commune.id, on: app.db))
        _ = try await AccountActions.createPerson(username: "canboxa", displayName: "Cán bộ xã", password: testPassword, role: .communeOfficial, unit: commune, app: app)
        return try await app.signIn("canboxa")
    }

    static func id(_ res: TestingHTTPResponse, after prefix: String) throws -> String {
        let loc = try #require(res.headers.first(name: .location), "no redirect: \(res.status) \(res.text.prefix(400))")
        #expect(loc.hasPrefix(prefix), "\(loc)")
        return String(loc.dropFirst(prefix.count))
    }

    @Test("an official registers a producer, an OCOP product and a batch through the forms and recalls it; bad input re-shows the form with the message under the field and writes nothing")
    func officialForms() async throws {
        try await withTestApp { app in
            let f = try await MarketTests.fixture(app)
            let b = try await Self.official(app, f)
            let vi = Lang.vi
            let list = try await app.page("/producers", as: b)
            #expect(list.status == .ok)
            #expect(list.text.contains("href=\"/producers/new\"") && list.text.contains(vi.t("nav.market")))

            // A link that is not http(s) on the channels' second line: the form again, the input kept, nothing written.
            var fields = ["kind": "household", "name": "Hộ bà Hoa", "villageId": f.tree.village1.id.uuidString, "makes": "Miến dong, bánh đa",
                          "contactName": "Nguyễn Thị Hoa", "phone": "0912345678", "howToBuy": "Gọi điện đặt hàng",
                          "channels": "https://shopee.vn/mien-dong\r\nftp://shop.example/x"]
            let bad = try await app.form("/producers/new", fields, as: b)
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.text.contains(vi.t("market.form.line", ["2"]) + " " + vi.t("error.market.link")))
            #expect(bad.text.contains("value=\"Hộ bà Hoa\""))
            #expect(try await app.count("producers") == 0)
            // A household code that is not in the commune.
            fields["channels"] = "https://shopee.vn/mien-dong"
            fields["householdCode"] = "KHONG-CO"
            let noHousehold = try await app.form("/producers/new", fields, as: b)
            #expect(noHousehold.status == .unprocessableEntity && noHousehold.text.contains(vi.t("error.market.household")))
            #expect(try await app.count("producers") == 0)
            fields["householdCode"] = ""
            // Without the form token: refused.
            var forged = fields
            forged["_csrf"] = "gia-mao"
            #expect(try await app.form("/producers/new", forged, as: b).status == .forbidden)
            #expect(try await app.count("producers") == 0)

            let made = try await app.form("/producers/new", fields, as: b)
            #expect(made.status == .seeOther)
            let pid = try Self.id(made, after: "/producers/")
            let page = try await app.page("/producers/\(pid)", as: b)
            #expect(page.status == .ok && page.text.contains("Hộ bà Hoa") && page.text.contains("https://shopee.vn/mien-dong"))
            #expect(page.text.contains(vi.t("market.producer.phonePrivate")))

            // A product: 6 stars and a certification whose expiry is before its issue (on the form's second row) are refused.
            var product = ["name": "Miến dong Song Phượng", "category": "food", "unit": "gói 500 g", "priceMin": "45.000", "priceMax": "60.000",
                           "ocopStars": "6", "ocopYear": "2023", "ocopDecision": "1234/QĐ-UBND",
                           "certName1": "VietGAP", "certFrom1": "2020-01-01", "certTo1": "2022-12-31",
                           "certName2": "ATTP", "certFrom2": "2024-05-01", "certTo2": "2024-01-01"]
            let badProduct = try await app.form("/producers/\(pid)/products/new", product, as: b)
            #expect(badProduct.status == .unprocessableEntity)
            #expect(badProduct.text.contains(vi.t("error.market.stars")))
            #expect(badProduct.text.contains(vi.t("error.market.validToBeforeFrom")))
            // The expiry's message sits under row 2's field.
            let row2 = try #require(badProduct.text.range(of: "id=\"certTo2\""))
            #expect(badProduct.text[row2.upperBound...].prefix(300).contains(vi.t("error.market.validToBeforeFrom")))
            #expect(try await app.count("products") == 0)
            product["ocopStars"] = "4"
            product["certTo2"] = ""
            let madeProduct = try await app.form("/producers/\(pid)/products/new", product, as: b)
            #expect(madeProduct.status == .seeOther)
            let prid = try Self.id(madeProduct, after: "/products/")
            let productPage = try await app.page("/products/\(prid)", as: b)
            #expect(productPage.status == .ok && productPage.text.contains("★★★★"))
            // VietGAP ended in 2022: expired; ATTP has no end.
            #expect(productPage.text.contains("<strong>VietGAP</strong> <span class=\"tag expired\">\(vi.t("market.cert.expired"))</span>"))
            #expect(!productPage.text.contains("<strong>ATTP</strong> <span class=\"tag expired\">"))
            let stored = try #require(await Product.find(UUID(uuidString: prid), on: app.db))
            #expect(stored.priceMin == 45_000 && stored.priceMax == 60_000 && stored.ocopStars == 4)
            // The change form clears the rating when "not rated" is chosen.
            var change = product
            change["ocopStars"] = ""
            #expect(try await app.form("/products/\(prid)/edit", change, as: b).status == .seeOther)
            #expect(try await Product.find(UUID(uuidString: prid), on: app.db)?.ocopStars == nil)

            // A batch: best before the production day, and a step dated tomorrow on row 2, are refused.
            let today = Day.today(app.now)
            var batch = ["quantity": "120,5", "producedOn": Day.adding(-10, to: today), "bestBefore": Day.adding(-11, to: today), "notes": "Phơi nắng",
                         "stepOn1": Day.adding(-40, to: today), "stepKind1": "field", "stepText1": "Thu hoạch củ dong",
                         "stepOn2": Day.adding(1, to: today), "stepKind2": "processing", "stepText2": "Tráng bánh"]
            let badBatch = try await app.form("/products/\(prid)/batches/new", batch, as: b)
            #expect(badBatch.status == .unprocessableEntity)
            #expect(badBatch.text.contains(vi.t("error.market.bestBefore")))
            let step2 = try #require(badBatch.text.range(of: "id=\"stepOn2\""))
            #expect(badBatch.text[step2.upperBound...].prefix(300).contains(vi.t("error.future")))
            #expect(try await app.count("batches") == 0)
            #expect(try await app.count("batch_steps") == 0)
            batch["bestBefore"] = Day.adding(150, to: today)
            batch["stepOn2"] = Day.adding(-12, to: today)
            let madeBatch = try await app.form("/products/\(prid)/batches/new", batch, as: b)
            #expect(madeBatch.status == .seeOther)
            let bid = try Self.id(madeBatch, after: "/batches/")
            let stored2 = try #require(await Batch.find(UUID(uuidString: bid), on: app.db))
            #expect(stored2.quantity == 120.5)
            let batchPage = try await app.page("/batches/\(bid)", as: b)
            #expect(batchPage.text.contains("Thu hoạch củ dong") && batchPage.text.contains("/b/\(stored2.code)"))

            // A recall needs a reason; then the batch page and its public page say so.
            let noReason = try await app.form("/batches/\(bid)/recall", ["reason": " "], as: b)
            #expect(noReason.status == .unprocessableEntity && noReason.text.contains(vi.t("error.required")))
            #expect(try await Batch.find(UUID(uuidString: bid), on: app.db)?.recalledAt == nil)
            #expect(try await app.form("/batches/\(bid)/recall", ["reason": "Phát hiện ẩm mốc"], as: b).status == .seeOther)
            let recalled = try await app.page("/batches/\(bid)", as: b)
            #expect(recalled.text.contains(vi.t("market.trace.recalled")) && recalled.text.contains("Phát hiện ẩm mốc"))
            let trace = try await app.anonymousPage("/b/\(stored2.code)")
            #expect(trace.text.contains(vi.t("market.trace.recalled")) && trace.text.contains("Phát hiện ẩm mốc"))
            #expect(trace.text.contains("href=\"/market/\(f.tree.village1.id.uuidString.lowercased())\""))
        }
    }

    @Test("a producer's account sees and changes only its own producer through the pages; another producer answers 404, and only officials register producers")
    func producerAccountPages() async throws {
        try await withTestApp { app in
            let m = try await BatchesTests.make(app)
            let other = try await app.api(.POST, "/api/v1/producers", json: MarketTests.producer("HTX Đồng Tâm", village: m.f.tree.village1), token: m.f.official)
                .decode(ProducerDTO.self)
            let list = try await app.page("/producers", as: m.seller)
            #expect(list.status == .ok && list.text.contains("Hộ bà Hoa") && !list.text.contains("HTX Đồng Tâm"))
            #expect(!list.text.contains("href=\"/producers/new\""))
            #expect(try await app.page("/producers/\(other.id)", as: m.seller).status == .notFound)
            #expect(try await app.page("/producers/\(other.id)/edit", as: m.seller).status == .notFound)
            #expect(try await app.form("/producers/\(other.id)/edit", ["name": "Đổi tên", "kind": "household", "makes": "x"], as: m.seller).status == .notFound)
            #expect(try await app.page("/producers/new", as: m.seller).status == .forbidden)
            #expect(try await app.page("/products/\(m.product.id)", as: m.seller).status == .ok)

            // Its own: the form shows no village to choose; a village sent anyway is not taken.
            let form = try await app.page("/producers/\(m.producer.id)/edit", as: m.seller)
            #expect(form.status == .ok && !form.text.contains("name=\"villageId\"") && !form.text.contains("name=\"householdCode\""))
            let saved = try await app.form("/producers/\(m.producer.id)/edit", [
                "kind": "household", "name": "Hộ bà Hoa (miến dong)", "makes": "Miến dong", "phone": "0912345678", "publicPhone": "on",
                "villageId": m.f.tree.village2.id.uuidString, "channels": ""], as: m.seller)
            #expect(saved.status == .seeOther)
            let p = try #require(await Producer.find(m.producer.id, on: app.db))
            #expect(p.name == "Hộ bà Hoa (miến dong)" && p.villageID == m.f.tree.village1.id && p.publicPhone && p.channelList.isEmpty)
        }
    }

    @Test("the village market page is public and light: products by category with OCOP stars and how to buy, nothing the producer did not publish, searchable without diacritics, and as JSON")
    func villageMarket() async throws {
        try await withTestApp { app in
            let f = try await MarketTests.fixture(app)
            var hoa = MarketTests.producer("Hộ bà Hoa", village: f.tree.village1)
            hoa.publicPhone = false
            let p1 = try await app.api(.POST, "/api/v1/producers", json: hoa, token: f.official).decode(ProducerDTO.self)
            var htx = MarketTests.producer("HTX Đồng Tâm", village: f.tree.village1, channels: ["https://zalo.me/htxdongtam"])
            htx.kind = "cooperative"
            htx.phone = "0987654321"
            htx.contactName = "Trần Văn Bình"
            htx.makes = "Chổi đót, chổi chít"
            let p2 = try await app.api(.POST, "/api/v1/producers", json: htx, token: f.official).decode(ProducerDTO.self)
            let elsewhere = try await app.api(.POST, "/api/v1/producers", json: MarketTests.producer("Hộ thôn Đoài", village: f.tree.village2), token: f.official).decode(ProducerDTO.self)
            for (p, input) in [(p1, ProductInput(name: "Bánh đa nem", category: "food", unit: "tập", priceMin: 30_000, ocopStars: 4, ocopYear: 2023, ocopDecision: "12/QĐ")),
                               (p1, ProductInput(name: "Miến dong", category: "food", unit: "kg")),
                               (p2, ProductInput(name: "Chổi đót", category: "craft", description: "Chổi bện tay", unit: "chiếc")),
                               (elsewhere, ProductInput(name: "Bánh chưng", category: "food", unit: "chiếc"))] {
                #expect(try await app.api(.POST, "/api/v1/producers/\(p.id)/products", json: input, token: f.official).status == .created)
            }
            let path = "/market/\(f.tree.village1.id.uuidString.lowercased())"
            let page = try await app.anonymousPage(path)
            #expect(page.status == .ok)
            let html = page.text
            #expect(html.contains("Bánh đa nem") && html.contains("Miến dong") && html.contains("Chổi đót") && !html.contains("Bánh chưng"))
            #expect(html.contains("★★★★") && html.contains(Lang.vi.t("market.category.food")) && html.contains(Lang.vi.t("market.category.craft")))
            // How to buy: the cooperative's published phone and channel; never a contact's name or an unpublished phone.
            #expect(html.contains("0987654321") && html.contains("https://zalo.me/htxdongtam"))
            #expect(!html.contains("0912345678") && !html.contains("Nguyễn Thị Hoa") && !html.contains("Trần Văn Bình"))
            #expect(html.contains("method=\"get\"") && html.utf8.count < 30_000)
            // Without diacritics: "banh" finds "Bánh đa nem"; "dong tam" (đ → d) finds the cooperative's broom.
            let banh = try await app.anonymousPage(path + "?q=banh").text
            #expect(banh.contains("Bánh đa nem") && !banh.contains("Chổi đót") && !banh.contains("Miến dong</strong>"))
            let dong = try await app.anonymousPage(path + "?q=dong%20tam").text
            #expect(dong.contains("Chổi đót") && !dong.contains("Bánh đa nem"))

            let json = try await app.api(.GET, "/api/v1" + path + "?q=banh", token: "")
            #expect(json.status == .ok)
            let m = try json.decode(VillageMarketDTO.self)
            #expect(m.products.map(\.name) == ["Bánh đa nem"] && m.products.first?.ocop?.stars == 4 && m.village == "Thôn Đông")
            #expect(m.producers.map(\.name) == ["Hộ bà Hoa"] && m.producers.first?.phone == nil)
            #expect(!json.text.contains("Nguyễn Thị Hoa") && !json.text.contains("0912345678"))
            // Not a village: 404.
            #expect(try await app.anonymousPage("/market/\(f.tree.commune.id.uuidString.lowercased())").status == .notFound)
            #expect(try await app.anonymousPage("/market/khong-phai").status == .notFound)
        }
    }

    @Test("a producer household counts as selling online; the households whose profile and producer records disagree are listed for the team, page and JSON")
    func sellsOnline() async throws {
        try await withTestApp { app in
            let f = try await MarketTests.fixture(app)
            var ids: [String: UUID] = [:]
            for code in ["SO-1", "SO-2", "SO-3", "SO-4"] {
                let h = try await app.api(.POST, "/api/v1/households", json: householdInput(code, village: f.tree.village1)).decode(HouseholdDetailDTO.self)
                ids[code] = h.household.id
            }
            let day = Day.adding(-3, to: Day.today(app.now))
            // SO-1: a producer, its profile says no. SO-2: says yes, no producer. SO-3: a producer that says yes. SO-4: says no, no producer.
            for (code, sells) in [("SO-1", false), ("SO-2", true), ("SO-3", true), ("SO-4", false)] {
                let res = try await app.api(.POST, "/api/v1/households/\(ids[code]!)/profile", json: ProfileInput(asOf: day, profile: ProfileAnswers(sellsOnline: sells)))
                #expect(res.status == .created, "\(res.text)")
            }
            // SO-1 is named through the page's form, by its code; SO-3 through the API.
            let b = try await Self.official(app, f)
            let made = try await app.form("/producers/new", ["kind": "household", "name": "Hộ làm bún", "villageId": f.tree.village1.id.uuidString,
                                                             "makes": "Bún", "householdCode": "SO-1"], as: b)
            #expect(made.status == .seeOther)
            var three = MarketTests.producer("Hộ làm miến", village: f.tree.village1)
            three.householdId = ids["SO-3"]!.uuidString
            #expect(try await app.api(.POST, "/api/v1/producers", json: three, token: f.official).status == .created)

            let res = try await app.api(.GET, "/api/v1/units/\(f.tree.commune.id)/sells-online", token: f.official)
            #expect(res.status == .ok, "\(res.text)")
            let d = try res.decode(SellsOnlineDTO.self)
            #expect(d.producerHouseholds == 2 && d.profileSaysYes == 2)
            #expect(d.rows.map(\.householdCode) == ["SO-1", "SO-2"])
            #expect(d.rows.map(\.disagreement) == [.producerProfileNo, .profileYesNoProducer])
            #expect(d.rows.first?.producers == ["Hộ làm bún"])

            let page = try await app.page("/units/\(f.tree.village1.id)/sells-online", as: b)
            #expect(page.status == .ok)
            #expect(page.text.contains("SO-1") && page.text.contains("SO-2") && !page.text.contains("SO-3") && !page.text.contains("SO-4"))
            #expect(page.text.contains(Lang.vi.t("market.sellsOnline.producerProfileNo", ["Hộ làm bún"])))
            // A newer profile of SO-2 saying no settles it.
            #expect(try await app.api(.POST, "/api/v1/households/\(ids["SO-2"]!)/profile", json: ProfileInput(asOf: Day.today(app.now), profile: ProfileAnswers(sellsOnline: false))).status == .created)
            let after = try await app.api(.GET, "/api/v1/units/\(f.tree.commune.id)/sells-online", token: f.official).decode(SellsOnlineDTO.self)
            #expect(after.rows.map(\.householdCode) == ["SO-1"])
            // The other commune's official does not see the village.
            let other = try #require(await AdminUnit.find(f.tree.otherCommune.id, on: app.db))
            let (_, outside) = try await AccountActions.createToken(name: "xa2", role: .communeOfficial, unit: other, on: app.db)
            #expect(try await app.api(.GET, "/api/v1/units/\(f.tree.village1.id)/sells-online", token: outside).status == .notFound)
        }
    }
    @Test("SV-14 counts a producer household as selling online: the village's figure rises when a producer names a household whose profile says no, its rows list it, a snapshot agrees; not before the producer existed, nor once unlinked")
    func sv14() async throws {
        try await withTestApp { app in
            let f = try await MarketTests.fixture(app)
            let t = f.tree
            var ids: [String: UUID] = [:]
            for code in ["SV-A", "SV-B", "SV-C"] {
                let h = try await app.api(.POST, "/api/v1/households", json: householdInput(code, village: t.village1)).decode(HouseholdDetailDTO.self)
                ids[code] = h.household.id
            }
            let today = Day.today(app.now), yesterday = Day.adding(-1, to: today)
            // SV-A says no, SV-B says yes, SV-C has no profile.
            for (code, sells) in [("SV-A", false), ("SV-B", true)] {
                let res = try await app.api(.POST, "/api/v1/households/\(ids[code]!)/profile", json: ProfileInput(asOf: Day.adding(-3, to: today), profile: ProfileAnswers(sellsOnline: sells)))
                #expect(res.status == .created, "\(res.text)")
            }
            let set = try await app.api(.POST, "/api/v1/criteria/sets", json: CriteriaSetInput(ownerUnitId: t.commune.id.uuidString, code: "KTS", name: "Kinh tế số"))
            #expect(set.status == .created, "\(set.text)")
            let s = try set.decode(CriteriaSetDTO.self)
            let c = try await app.api(.POST, "/api/v1/criteria/sets/\(s.id)/criteria",
                                      json: CriterionInput(code: "SV-14", name: "Hộ kinh doanh trên nền tảng số", measureKey: "households.sellsOnline",
                                                           thresholdKind: "countAtLeast", thresholdValue: 2, unitKind: "village", mandatory: true))
            #expect(c.status == .created, "\(c.text)")
            func figure(on day: String? = nil) async throws -> CriterionResultDTO {
                try #require(try await CriteriaTests.evaluation(app, t.village1.id, set: s.id, on: day).criteria.first)
            }
            let before = try await figure()
            #expect(before.numerator == 1 && before.passes == false)

            // A producer names SV-A (profile "no"): it counts now.
            var input = MarketTests.producer("Hộ làm miến", village: t.village1)
            input.householdId = ids["SV-A"]!.uuidString
            let made = try await app.api(.POST, "/api/v1/producers", json: input, token: f.official)
            #expect(made.status == .created, "\(made.text)")
            let producer = try made.decode(ProducerDTO.self)
            let after = try await figure()
            #expect(after.numerator == 2 && after.denominator == 3 && after.passes == true)
            // The commune's figure sums it.
            let commune = try await CriteriaTests.evaluation(app, t.commune.id, set: s.id)
            #expect(commune.criteria.first?.numerator == 2)
            // The rows behind the figure: SV-A and SV-B (JSON and page); the ones left out: SV-C.
            let rows = try await app.api(.GET, try #require(after.rowsURL)).decode(MeasureRowsDTO.self)
            #expect(rows.rows.map(\.code) == ["SV-A", "SV-B"])
            let left = try await app.api(.GET, try #require(after.missingURL)).decode(MeasureRowsDTO.self)
            #expect(left.rows.map(\.code) == ["SV-C"])
            let page = try await app.page("/criteria/units/\(t.village1.id)/rows?measure=households.sellsOnline")
            #expect(page.status == .ok && page.text.contains("SV-A") && page.text.contains("SV-B") && !page.text.contains("SV-C"))
            // This month's snapshot holds the same figure.
            let snap = try await CriteriaSnapshotTests.take(app, t.village1.id, month: nil, set: s.id)
            #expect(snap.status.code < 300, "\(snap.text)")
            let kept = try #require(try await CriteriaSnapshotTests.snapshots(app, t.village1.id, set: s.id).first)
            #expect(kept.criteria?.first?.numerator == 2 && kept.criteria?.first?.passes == true)
            // As of yesterday the producer did not exist yet.
            #expect(try await figure(on: yesterday).numerator == 1)
            // Unlinked from the household: SV-A no longer counts.
            var unlink = ProducerInput()
            unlink.householdId = ""
            let patched = try await app.api(.PATCH, "/api/v1/producers/\(producer.id)", json: unlink, token: f.official)
            #expect(patched.status == .ok, "\(patched.text)")
            #expect(try await figure().numerator == 1)
        }
    }

    @Test("product photos: an image (checked by content) is added, served with its type and shown on the product and market pages; a file that is not an image is refused naming the field; an unreadable multipart body answers 400")
    func photos() async throws {
        try await withTestApp { app in
            let f = try await MarketTests.fixture(app)
            let p = try await app.api(.POST, "/api/v1/producers", json: MarketTests.producer("Hộ bà Hoa", village: f.tree.village1), token: f.official).decode(ProducerDTO.self)
            let pr = try await app.api(.POST, "/api/v1/producers/\(p.id)/products", json: ProductInput(name: "Miến dong", category: "food", unit: "kg"),
                                       token: f.official).decode(ProductDTO.self)
            let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: UInt8(7), count: 40))
            let path = "/products/\(pr.id)/photos"
            let ok = try await app.upload(path, field: "photo", filename: "mien.png", contentType: "image/png", data: png)
            #expect(ok.status == .seeOther, "\(ok.text.prefix(300))")
            #expect(try await app.count("product_photos") == 1)
            let photo = try #require(await ProductPhoto.query(on: app.db).first())
            let url = "/market/photos/\(photo.id!.uuidString.lowercased())"
            #expect(try await app.page("/products/\(pr.id)").text.contains("src=\"\(url)\""))
            let served = try await app.anonymousPage(url)
            #expect(served.status == .ok && served.headers.contentType?.description == "image/png" && Data(served.body.readableBytesView) == png)

            // A text named .jpg and sent as image/jpeg: refused, naming the field, nothing written.
            let bad = try await app.upload(path, field: "photo", filename: "anh.jpg", contentType: "image/jpeg", data: Data("không phải ảnh".utf8))
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.text.contains(Lang.vi.t("error.market.photoType")))
            #expect(try await app.count("product_photos") == 1)
            // A multipart body without its boundary: 400, not 500.
            let b = try await app.adminBrowser()
            let broken = try await app.testing().sendRequest(.POST, path, headers: b.headers(["Content-Type": "multipart/form-data", "X-CSRF-Token": b.csrf]),
                                                             body: ByteBuffer(string: "--x\r\nContent-Disposition: form-data; name=\"photo\"\r\n\r\nabc"))
            #expect(broken.status == .badRequest)

            // The market page shows it as a lazy thumbnail; the JSON names it.
            let market = try await app.anonymousPage("/market/\(f.tree.village1.id.uuidString.lowercased())").text
            #expect(market.contains("src=\"\(url)\"") && market.contains("loading=\"lazy\""))
            let m = try await app.api(.GET, "/api/v1/market/\(f.tree.village1.id)", token: "").decode(VillageMarketDTO.self)
            #expect(m.products.first?.photos == [url])

            #expect(try await app.form("/products/\(pr.id)/photos/remove", ["photoId": photo.id!.uuidString]).status == .seeOther)
            #expect(try await app.count("product_photos") == 0)
            #expect(try await app.anonymousPage(url).status == .notFound)
        }
    }
}
