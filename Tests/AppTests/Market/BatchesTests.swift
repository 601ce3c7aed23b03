import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting
@testable import App

/// Batches through the JSON API, their public traceability page and JSON, scans, recalls and the A4 label sheet.
@Suite("Market: batches, traceability and labels")
struct BatchesTests {
    struct Made {
        var f: MarketTests.Fixture
        var producer: ProducerDTO
        var product: ProductDTO
        var seller: Browser
        var today: String
    }

    /// An official registers a producer (phone not published) with a product holding three certifications (expired
    /// before the batch, valid on its day, starting after it) and links the account `sanxuat`, signed in.
    static func make(_ app: Application, publicPhone: Bool = false) async throws -> Made {
        let f = try await MarketTests.fixture(app)
        var input = MarketTests.producer("Hộ bà Hoa", village: f.tree.village1)
        input.publicPhone = publicPhone
        let p = try await app.api(.POST, "/api/v1/producers", json: input, token: f.official).decode(ProducerDTO.self)
        let today = Day.today(app.now)
        let product = ProductInput(name: "Miến dong Song Phượng", category: "food", description: "Miến làm từ củ dong riềng", unit: "gói 500 g",
                                   ocopStars: 4, ocopYear: 2023, ocopDecision: "1234/QĐ-UBND",
                                   certifications: [CertificationInput(name: "VietGAP cũ", issuer: "Sở NN&PTNT", validFrom: "2019-01-01", validTo: Day.adding(-40, to: today)),
                                                    CertificationInput(name: "ATTP", issuer: "UBND huyện", number: "45/ATTP", validFrom: Day.adding(-300, to: today)),
                                                    CertificationInput(name: "Hữu cơ", validFrom: Day.adding(-5, to: today))])
        let pr = try await app.api(.POST, "/api/v1/producers/\(p.id)/products", json: product, token: f.official).decode(ProductDTO.self)
        let commune = try #require(await AdminUnit.find(f.tree.commune.id, on: app.db))
        _ = try await AccountActions.createPerson(username: "sanxuat", displayName: "Nguyễn Thị Hoa", password: testPassword, role: .producer, unit: commune, app: app)
        let linked = try await app.api(.POST, "/api/v1/producers/\(p.id)/accounts", json: ProducerAccountInput(username: "sanxuat"), token: f.official)
        #expect(linked.status == .ok)
        return Made(f: f, producer: p, product: pr, seller: try await app.signIn("sanxuat"), today: today)
    }

    static func batch(_ today: String) -> BatchInput {
        BatchInput(quantity: 120, producedOn: Day.adding(-20, to: today), bestBefore: Day.adding(160, to: today), notes: "Phơi nắng tự nhiên",
                   steps: [BatchStepInput(on: Day.adding(-25, to: today), kind: "processing", text: "Lọc tinh bột, tráng bánh"),
                           BatchStepInput(on: Day.adding(-90, to: today), kind: "field", text: "Thu hoạch củ dong riềng, ruộng Đồng Mạ"),
                           BatchStepInput(on: Day.adding(-20, to: today), kind: "processing", text: "Phơi, cắt sợi, đóng gói")])
    }

    @Test("a producer's account records a batch with dated steps, changes it and recalls it; officials of the village see it; others do not")
    func batches() async throws {
        try await withTestApp { app in
            let m = try await Self.make(app)
            let res = try await MarketTests.json(app, .POST, "/api/v1/products/\(m.product.id)/batches", Self.batch(m.today), as: m.seller)
            #expect(res.status == .created, "\(res.text)")
            let b = try res.decode(BatchDTO.self)
            #expect(b.quantity == 120 && b.unit == "gói 500 g" && b.producedOn == Day.adding(-20, to: m.today) && b.scans == 0 && !b.recalled)
            // Steps come back in date order.
            #expect(b.steps.map(\.kind) == [.field, .processing, .processing])
            #expect(b.steps.map(\.text).first == "Thu hoạch củ dong riềng, ruộng Đồng Mạ")
            #expect(b.code.count == 7 && b.publicUrl.hasSuffix("/b/\(b.code)"))
            #expect(res.headers.first(name: .location) == "/api/v1/batches/\(b.id.uuidString.lowercased())")

            let listed = try await MarketTests.json(app, .GET, "/api/v1/products/\(m.product.id)/batches", as: m.seller).decode([BatchDTO].self)
            #expect(listed.map(\.id) == [b.id])
            // A change keeps what it does not name.
            let changed = try await MarketTests.json(app, .PATCH, "/api/v1/batches/\(b.id)", BatchInput(quantity: 118.5), as: m.seller)
            #expect(changed.status == .ok, "\(changed.text)")
            let after = try changed.decode(BatchDTO.self)
            #expect(after.quantity == 118.5 && after.steps.count == 3 && after.bestBefore == b.bestBefore)

            let recalled = try await MarketTests.json(app, .POST, "/api/v1/batches/\(b.id)/recall", RecallInput(reason: "Phát hiện ẩm mốc"), as: m.seller)
            #expect(recalled.status == .ok, "\(recalled.text)")
            let r = try recalled.decode(BatchDTO.self)
            #expect(r.recalled && r.recallReason == "Phát hiện ẩm mốc" && r.recalledAt != nil)
            let noReason = try await MarketTests.json(app, .POST, "/api/v1/batches/\(b.id)/recall", RecallInput(reason: " "), as: m.seller)
            #expect(try noReason.decode(ErrorBody.self).fields?.map(\.field) == ["reason"])

            // The village's official sees it; a village head of T2, another producer account and the other commune do not.
            #expect(try await app.api(.GET, "/api/v1/batches/\(b.id)", token: m.f.official).status == .ok)
            let (_, head2) = try await AccountActions.createToken(name: "t2", role: .villageHead, unit: try #require(await AdminUnit.find(m.f.tree.village2.id, on: app.db)), on: app.db)
            #expect(try await app.api(.GET, "/api/v1/batches/\(b.id)", token: head2).status == .notFound)
            #expect(try await app.api(.POST, "/api/v1/batches/\(b.id)/recall", json: RecallInput(reason: "x"), token: head2).status == .notFound)
            #expect(try await app.api(.GET, "/api/v1/products/\(m.product.id)/batches", token: head2).status == .notFound)
            let commune = try #require(await AdminUnit.find(m.f.tree.commune.id, on: app.db))
            _ = try await AccountActions.createPerson(username: "sanxuat2", displayName: "Trần Văn Nam", password: testPassword, role: .producer, unit: commune, app: app)
            let other = try await app.signIn("sanxuat2")
            #expect(try await MarketTests.json(app, .GET, "/api/v1/batches/\(b.id)", as: other).status == .notFound)
            #expect(try await MarketTests.json(app, .POST, "/api/v1/products/\(m.product.id)/batches", Self.batch(m.today), as: other).status == .notFound)
            #expect(try await app.count("batches") == 1)
        }
    }

    @Test("bad batches get the field at fault (and the step's line) and write nothing")
    func badBatches() async throws {
        try await withTestApp { app in
            let m = try await Self.make(app)
            let path = "/api/v1/products/\(m.product.id)/batches"
            func refused(_ body: BatchInput, _ field: String, line: Int? = nil, message: String? = nil) async throws {
                let res = try await MarketTests.json(app, .POST, path, body, as: m.seller)
                #expect(res.status == .unprocessableEntity, "\(field): \(res.status)")
                let e = try res.decode(ErrorBody.self)
                #expect(e.fields?.contains { $0.field == field && (line == nil || $0.line == line) && (message == nil || $0.message == message) } == true, "\(field): \(res.text)")
            }
            let day = Day.adding(-3, to: m.today)
            try await refused(BatchInput(quantity: -5, producedOn: day), "quantity", message: "Số lượng phải lớn hơn 0")
            try await refused(BatchInput(quantity: 0, producedOn: day), "quantity")
            try await refused(BatchInput(producedOn: day), "quantity")
            try await refused(BatchInput(quantity: 10, producedOn: day, bestBefore: Day.adding(-4, to: m.today)), "bestBefore",
                              message: "Hạn sử dụng không được trước ngày sản xuất")
            try await refused(BatchInput(quantity: 10, producedOn: Day.adding(2, to: m.today)), "producedOn")
            try await refused(BatchInput(quantity: 10, producedOn: "31/02/2025"), "producedOn")
            try await refused(BatchInput(quantity: 10, producedOn: day, steps: [BatchStepInput(on: day, kind: "field", text: "Ruộng"),
                                                                               BatchStepInput(on: "hôm qua", kind: "field", text: "Ruộng")]), "steps.on", line: 2)
            try await refused(BatchInput(quantity: 10, producedOn: day, steps: [BatchStepInput(on: day, kind: "harvesting", text: "Ruộng")]), "steps.kind", line: 1)
            try await refused(BatchInput(quantity: 10, producedOn: day, steps: [BatchStepInput(on: day, kind: "feed", text: "")]), "steps.text", line: 1)
            #expect(try await app.count("batches") == 0)
            #expect(try await app.count("batch_steps") == 0)
            // A change that breaks the dates writes nothing either.
            let b = try await MarketTests.json(app, .POST, path, Self.batch(m.today), as: m.seller).decode(BatchDTO.self)
            let bad = try await MarketTests.json(app, .PATCH, "/api/v1/batches/\(b.id)", BatchInput(bestBefore: Day.adding(-400, to: m.today), steps: []), as: m.seller)
            #expect(try bad.decode(ErrorBody.self).fields?.map(\.field) == ["bestBefore"])
            #expect(try await app.count("batch_steps") == 3)
            // In English when asked.
            let en = try await MarketTests.json(app, .POST, path + "?lang=en", BatchInput(quantity: -1, producedOn: day), as: m.seller)
            #expect(en.text.contains("The quantity must be above 0"))
        }
    }

    @Test("the public page of a batch: light, its product, producer, village, dated steps, certifications valid on its day, scans counted without a write per view, a recall in red; the same as JSON")
    func tracePage() async throws {
        try await withTestApp({ $0.publicURL = "https://thonso.example.vn" }) { app in
            let m = try await Self.make(app)
            let b = try await MarketTests.json(app, .POST, "/api/v1/products/\(m.product.id)/batches", Self.batch(m.today), as: m.seller).decode(BatchDTO.self)
            #expect(b.publicUrl == "https://thonso.example.vn/b/\(b.code)")
            let page = try await app.anonymousPage("/b/\(b.code)")
            #expect(page.status == .ok)
            let html = page.text
            for s in ["Miến dong Song Phượng", "Hộ bà Hoa", "Thôn Đông, Xã Song Phượng", "★★★★", "1234/QĐ-UBND", "Thu hoạch củ dong riềng, ruộng Đồng Mạ",
                      Day.display(Day.adding(-90, to: m.today)), "Vùng trồng", "Chế biến", "ATTP", "45/ATTP", "120 gói 500 g",
                      Day.display(Day.adding(160, to: m.today)), "https://shopee.vn/mien-dong"] {
                #expect(html.contains(s), "missing \(s)")
            }
            // Certifications not valid on the batch's day are left out; no personal data the producer did not publish.
            #expect(!html.contains("VietGAP cũ") && !html.contains("Hữu cơ"))
            #expect(!html.contains("Nguyễn Thị Hoa") && !html.contains("0912345678"))
            #expect(!html.contains("recalled"))
            // Light: the page and its own small stylesheet (not the app's) under 30 KB.
            #expect(html.contains("href=\"/css/trace.css\"") && !html.contains("/css/app.css"))
            let css = try await app.anonymousPage("/css/trace.css")
            #expect(css.status == .ok && css.body.readableBytes > 1_000)
            #expect(page.body.readableBytes + css.body.readableBytes <= 30 * 1024, "\(page.body.readableBytes) + \(css.body.readableBytes)")

            // Three more views: counted in memory, shown at once, written in one update when flushed.
            for _ in 0..<3 { _ = try await app.anonymousPage("/b/\(b.code)") }
            #expect(try await app.anonymousPage("/b/\(b.code)").text.contains("đã được quét 5 lần"))
            #expect(try await Batch.find(b.id, on: app.db)?.scans == 0)
            #expect(try await app.batchScans.flush(on: app.db) == 5)
            #expect(try await Batch.find(b.id, on: app.db)?.scans == 5)
            #expect(try await app.batchScans.flush(on: app.db) == 0)
            let json = try await app.api(.GET, "/api/v1/traceability/\(b.code)", token: "")
            #expect(json.status == .ok)
            let t = try json.decode(TraceDTO.self)
            #expect(t.scans == 5 && t.producer.phone == nil && t.producer.village == "Thôn Đông" && t.certifications.map(\.name) == ["ATTP"])
            #expect(t.steps.count == 3 && t.url == b.publicUrl && !t.recalled)
            #expect(!json.text.contains("Nguyễn Thị Hoa") && !json.text.contains(m.producer.id.uuidString))

            // Recalled: in red, with the reason, on the page and in the JSON.
            _ = try await MarketTests.json(app, .POST, "/api/v1/batches/\(b.id)/recall", RecallInput(reason: "Phát hiện ẩm mốc ở kho"), as: m.seller)
            let red = try await app.anonymousPage("/b/\(b.code)").text
            #expect(red.contains("class=\"recalled\"") && red.contains("LÔ HÀNG ĐÃ BỊ THU HỒI") && red.contains("Phát hiện ẩm mốc ở kho"))
            let tj = try await app.api(.GET, "/api/v1/traceability/\(b.code)", token: "").decode(TraceDTO.self)
            #expect(tj.recalled && tj.recallReason == "Phát hiện ẩm mốc ở kho" && tj.recalledOn == m.today)
            #expect(try await app.anonymousPage("/b/zzzzzzz").status == .notFound)
            #expect(try await app.api(.GET, "/api/v1/traceability/nosuch", token: "").status == .notFound)

            // Its QR code reads back to its URL.
            let png = try await app.anonymousPage("/b/\(b.code)/qr.png")
            #expect(try await ProceduresBoardsTests.zbar(Array(png.body.readableBytesView)) == b.publicUrl)
        }
    }

    @Test("the public page is kept per code with the scan count spliced in; a recall, an edit of the product, the steps, the producer (also written by another instance) or the village's name shows on the next scan, as in the JSON")
    func tracePageKept() async throws {
        try await withTestApp { app in
            let m = try await Self.make(app)
            let b = try await MarketTests.json(app, .POST, "/api/v1/products/\(m.product.id)/batches", Self.batch(m.today), as: m.seller).decode(BatchDTO.self)
            let path = "/b/\(b.code)"
            let cache = app.tracePages
            func scan() async throws -> String {
                let res = try await app.anonymousPage(path)
                #expect(res.status == .ok && res.headers.contentType == .html)
                return res.text
            }
            func json() async throws -> TraceDTO { try await app.api(.GET, "/api/v1/traceability/\(b.code)", token: "").decode(TraceDTO.self) }
            #expect(try await scan().contains("đã được quét 1 lần"))
            let built = cache.counts
            // The second and third scans are served from memory, each with its own count.
            #expect(try await scan().contains("đã được quét 2 lần"))
            #expect(try await scan().contains("đã được quét 3 lần"))
            #expect(cache.counts.hits == built.hits + 2 && cache.counts.misses == built.misses)
            // Writing the counts to the database (every 15 s) does not change what the page shows: still kept.
            #expect(try await app.batchScans.flush(on: app.db) == 3)
            #expect(try await scan().contains("đã được quét 4 lần"))
            #expect(cache.counts.hits == built.hits + 3)
            // The English page is kept apart.
            #expect(try await app.anonymousPage(path + "?lang=en").text.contains("scanned 5 times"))

            // A recall shows on the next scan, in red, and in the JSON.
            let recall = try await MarketTests.json(app, .POST, "/api/v1/batches/\(b.id)/recall", RecallInput(reason: "Bao bì bị rách"), as: m.seller)
            #expect(recall.status == .ok, "\(recall.text)")
            let red = try await scan()
            #expect(red.contains("class=\"recalled\"") && red.contains("Bao bì bị rách") && red.contains("đã được quét 6 lần"))
            #expect(try await json().recallReason == "Bao bì bị rách")
            // The product renamed.
            let renamed = try await app.api(.PATCH, "/api/v1/products/\(m.product.id)", json: ProductInput(name: "Miến dong đặc biệt"), token: m.f.official)
            #expect(renamed.status == .ok, "\(renamed.text)")
            #expect(try await scan().contains("<h1>Miến dong đặc biệt</h1>"))
            #expect(try await json().product.name == "Miến dong đặc biệt")
            // The steps replaced.
            let steps = try await MarketTests.json(app, .PATCH, "/api/v1/batches/\(b.id)",
                                                   BatchInput(steps: [BatchStepInput(on: Day.adding(-21, to: m.today), kind: "processing", text: "Sấy lại bằng lò than")]), as: m.seller)
            #expect(steps.status == .ok, "\(steps.text)")
            let afterSteps = try await scan()
            #expect(afterSteps.contains("Sấy lại bằng lò than") && !afterSteps.contains("Thu hoạch củ dong riềng"))
            #expect(try await json().steps.map(\.text) == ["Sấy lại bằng lò than"])
            // Another instance sharing the database changes the producer (here plain SQL, no code of this instance):
            // the database moves the version on, so this instance's kept page is not served.
            let sql = try #require(app.db as? any SQLDatabase)
            try await sql.raw("UPDATE producers SET how_to_buy = 'Mua tại chợ phiên thứ Bảy' WHERE id = \(bind: m.producer.id)").run()
            #expect(try await scan().contains("Mua tại chợ phiên thứ Bảy"))
            #expect(try await json().producer.howToBuy == "Mua tại chợ phiên thứ Bảy")
            // The village renamed.
            let village = try await app.api(.PATCH, "/api/v1/units/\(m.f.tree.village1.id)", json: UnitInput(name: "Thôn Đông Mới"))
            #expect(village.status == .ok, "\(village.text)")
            #expect(try await scan().contains("Thôn Đông Mới, Xã Song Phượng"))
            #expect(try await json().producer.village == "Thôn Đông Mới")
            // And kept again once built.
            let before = cache.counts.hits
            #expect(try await scan().contains("Thôn Đông Mới"))
            #expect(cache.counts.hits == before + 1)
            #expect(try await json().scans == 11)
        }
    }

    @Test("a published phone shows on the public page")
    func publicPhone() async throws {
        try await withTestApp { app in
            let m = try await Self.make(app, publicPhone: true)
            let b = try await MarketTests.json(app, .POST, "/api/v1/products/\(m.product.id)/batches", Self.batch(m.today), as: m.seller).decode(BatchDTO.self)
            let html = try await app.anonymousPage("/b/\(b.code)").text
            #expect(html.contains("0912345678") && !html.contains("Nguyễn Thị Hoa"))
        }
    }

    /// The modules of a label's inline SVG (as QRCode.svg draws it: one `M x y h w v1 h-w z` per run), quiet zone included.
    static func modules(_ svg: String) throws -> [[Bool]] {
        let box = try #require(svg.firstMatch(of: /viewBox="0 0 (\d+) (\d+)"/))
        let n = try #require(Int(box.1))
        var m = Array(repeating: Array(repeating: false, count: n), count: n)
        for r in svg.matches(of: /M(\d+) (\d+)h(\d+)v1h-\d+z/) {
            let x = Int(r.1)!, y = Int(r.2)!, w = Int(r.3)!
            for i in x..<(x + w) { m[y][i] = true }
        }
        return m
    }

    @Test("the A4 label sheet (3×8 and 4×10): zbarimg reads every label's QR code back to the batch's URL")
    func labels() async throws {
        try await withTestApp({ $0.publicURL = "https://thonso.example.vn" }) { app in
            let m = try await Self.make(app)
            let b = try await MarketTests.json(app, .POST, "/api/v1/products/\(m.product.id)/batches", Self.batch(m.today), as: m.seller).decode(BatchDTO.self)
            for (size, count) in [("3x8", 24), ("4x10", 40)] {
                let sheet = try await app.page("/batches/\(b.id)/labels?size=\(size)", as: m.seller)
                #expect(sheet.status == .ok)
                let svgs = sheet.text.matches(of: /<svg[^>]*>.*?<\/svg>/).map { String($0.0) }
                #expect(svgs.count == count)
                #expect(sheet.text.contains("label-sheet s\(size)") && sheet.text.components(separatedBy: b.publicUrl).count - 1 == count)
                // Every label's code drawn side by side on one image, as on the sheet, and read in one pass.
                let tiles = try svgs.map(Self.modules)
                let n = tiles[0].count, columns = size == "3x8" ? 3 : 4, rows = count / columns
                let side = max(columns, rows) * n
                var image = Array(repeating: Array(repeating: false, count: side), count: side)
                for (i, t) in tiles.enumerated() {
                    let ox = (i % columns) * n, oy = (i / columns) * n
                    for y in 0..<n { for x in 0..<n where t[y][x] { image[oy + y][ox + x] = true } }
                }
                let png = try #require(QRCode.png(modules: image, scale: 3))
                let read = try await ProceduresBoardsTests.zbar(png).split(separator: "\n").map(String.init)
                #expect(read.count == count, "\(size): \(read.count) codes read")
                #expect(read.allSatisfy { $0 == b.publicUrl }, "\(Set(read))")
            }
            #expect(try await app.page("/batches/\(b.id)/labels?size=5x5", as: m.seller).status == .unprocessableEntity)
            // Another village's head does not print it.
            let commune = try #require(await AdminUnit.find(m.f.tree.village2.id, on: app.db))
            _ = try await AccountActions.createPerson(username: "truongthon2", displayName: "Trưởng thôn Đoài", password: testPassword, role: .villageHead, unit: commune, app: app)
            #expect(try await app.page("/batches/\(b.id)/labels", as: try await app.signIn("truongthon2")).status == .notFound)
        }
    }
}
