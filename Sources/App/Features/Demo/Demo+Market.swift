// The demo commune's producers, products and batches (docs/market.md). Does nothing when its rows are there.
// About 20 producer households in each village (synthetic: the demo's households), the commune's cooperative with
// OCOP-rated products and certifications, batches with dated steps (one recalled), and the demo account `sanxuat`
// linked to one producer household, which it manages.
import Fluent
import SQLKit
import Vapor

enum DemoMarket {
    static let cooperative = "Hợp tác xã nông nghiệp Song Phượng"
    static let perVillage = 20
    /// What the village households make: (product, category, unit, price from, price to, what it makes).
    static let crafts: [(String, String, String, Int64, Int64, String)] = [
        ("Miến dong", "food", "gói 500 g", 45_000, 60_000, "Miến dong, bánh đa"),
        ("Bánh đa nem", "food", "tập 20 chiếc", 25_000, 30_000, "Bánh đa nem, bánh đa vừng"),
        ("Gạo nếp cái hoa vàng", "food", "kg", 35_000, 40_000, "Gạo nếp, gạo tẻ"),
        ("Rau an toàn", "food", "kg", 15_000, 25_000, "Rau cải, rau muống, su hào"),
        ("Mật ong hoa nhãn", "food", "chai 500 ml", 150_000, 180_000, "Mật ong"),
        ("Chổi chít", "craft", "chiếc", 40_000, 55_000, "Chổi chít, chổi đót"),
        ("Giỏ mây tre đan", "craft", "chiếc", 60_000, 120_000, "Đồ mây tre đan"),
        ("Trà hoa vàng", "drink", "hộp 100 g", 120_000, 150_000, "Trà hoa vàng sấy khô"),
    ]

    static func load(_ commune: AdminUnit, households: [Household], app: Application, log: (@Sendable (String) -> Void)?) async throws {
        let db = app.db
        guard try await Producer.query(on: db).filter(\.$communeID == commune.id!).count() == 0 else { return }
        let admin = Access(personID: nil, tokenID: nil, displayName: "demo", grants: [Grant(role: .admin, unitID: nil)])
        let today = Day.today(app.now)
        let villages = try await AdminUnit.query(on: db).filter(\.$parentID == commune.id!).filter(\.$kind == .village).sort(\.$code).all()
        guard let first = villages.first else { return }
        // The cooperative and its OCOP products.
        let coop = try await MarketActions.createProducer(ProducerInput(
            kind: "cooperative", name: cooperative, villageId: first.id!.uuidString, contactName: "Chủ nhiệm hợp tác xã", phone: "0988686868",
            publicPhone: true, makes: "Miến dong, gạo nếp cái hoa vàng, rau an toàn của các thôn",
            howToBuy: "Mua tại cửa hàng của hợp tác xã (nhà văn hóa thôn) từ 7 giờ đến 17 giờ, gọi điện đặt hàng, hoặc trên các kênh bán hàng.",
            channels: ["https://shopee.vn/htxsongphuong", "https://www.facebook.com/htxnnsongphuong"]), access: admin, on: db)
        let ocop: [(String, String, String, Int64, Int64, Int, Int, String, String)] = [
            ("Miến dong Song Phượng", "food", "gói 500 g", 50_000, 65_000, 4, 2023, "2345/QĐ-UBND", "Miến làm từ tinh bột củ dong riềng của thôn, phơi nắng tự nhiên."),
            ("Gạo nếp cái hoa vàng Song Phượng", "food", "túi 2 kg", 80_000, 90_000, 3, 2022, "1876/QĐ-UBND", "Nếp cái hoa vàng trồng trên đồng bãi ven sông Hồng."),
            ("Bánh đa vừng Song Phượng", "food", "tập 10 chiếc", 30_000, 35_000, 3, 2024, "3120/QĐ-UBND", "Bánh đa tráng tay, vừng đen rang."),
        ]
        var coopProducts: [Product] = []
        for (name, cat, unit, lo, hi, stars, year, decision, details) in ocop {
            coopProducts.append(try await MarketActions.createProduct(for: coop, ProductInput(
                name: name, category: cat, description: details, unit: unit, priceMin: lo, priceMax: hi, ocopStars: stars, ocopYear: year, ocopDecision: decision,
                certifications: [CertificationInput(name: "Chứng nhận cơ sở đủ điều kiện an toàn thực phẩm", issuer: "UBND huyện Đan Phượng", number: "112/ATTP",
                                                    validFrom: Day.adding(-700, to: today), validTo: Day.adding(400, to: today)),
                                 CertificationInput(name: "VietGAP", issuer: "Trung tâm chứng nhận", number: "VG-0456", validFrom: "2019-03-01", validTo: "2022-02-28")]),
                today: today, on: db))
        }
        var batches = 0
        for (k, pr) in coopProducts.enumerated() {
            for n in 0..<2 {
                let produced = Day.adding(-(n * 45 + k * 7 + 5), to: today)
                let b = try await MarketActions.createBatch(for: pr, producer: coop, BatchInput(
                    quantity: Double(800 - n * 200 + k * 50), producedOn: produced, bestBefore: Day.adding(365, to: produced), notes: "Lô \(n + 1) của vụ này.",
                    steps: [BatchStepInput(on: Day.adding(-120, to: produced), kind: "inputs", text: "Giống và phân hữu cơ mua của đại lý vật tư nông nghiệp của xã"),
                            BatchStepInput(on: Day.adding(-20, to: produced), kind: "field", text: "Thu hoạch tại cánh đồng bãi thôn \(first.name)"),
                            BatchStepInput(on: Day.adding(-3, to: produced), kind: "processing", text: "Sơ chế, làm sạch, phơi nắng tại xưởng hợp tác xã"),
                            BatchStepInput(on: produced, kind: "processing", text: "Đóng gói, dán nhãn truy xuất nguồn gốc")]),
                    access: admin, today: today, on: db)
                batches += 1
                if k == 0 && n == 1 {
                    _ = try await MarketActions.recall(b, producer: coop, RecallInput(reason: "Một số gói bị ẩm trong kho do mưa lớn; đề nghị người mua không sử dụng và liên hệ hợp tác xã để đổi hàng."),
                                                       now: app.now, on: db)
                }
            }
        }
        // About 20 producer households per village, named after their representatives.
        var reps: [UUID: String] = [:]
        var picked: [Household] = []
        for v in villages {
            picked += households.filter { $0.villageID == v.id }.sorted { $0.code < $1.code }.prefix(perVillage)
        }
        let ids = picked.compactMap(\.representativeID)
        var start = 0
        while start < ids.count {
            let chunk = Array(ids[start..<min(ids.count, start + 500)])
            for r in try await Resident.query(on: db).filter(\.$id ~~ chunk).all() { reps[r.id!] = r.fullName }
            start += chunk.count
        }
        var mine: Producer? = nil
        for (i, h) in picked.enumerated() {
            let craft = crafts[i % crafts.count]
            let name = "Hộ " + (h.representativeID.flatMap { reps[$0] } ?? h.code)
            let p = try await MarketActions.createProducer(ProducerInput(
                kind: "household", name: name, villageId: h.villageID.uuidString, householdId: h.id!.uuidString, contactName: name,
                phone: String(format: "09%08d", 12_340_000 + i), publicPhone: i % 3 != 0, makes: craft.5,
                howToBuy: i % 2 == 0 ? "Gọi điện hoặc nhắn Zalo, giao trong xã" : "Đến nhà mua trực tiếp",
                channels: i % 4 == 0 ? ["https://www.facebook.com/ho.sx.\(h.code.lowercased())"] : []), access: admin, on: db)
            let pr = try await MarketActions.createProduct(for: p, ProductInput(name: craft.0, category: craft.1, unit: craft.2, priceMin: craft.3, priceMax: craft.4),
                                                           today: today, on: db)
            if mine == nil {
                mine = p
                let b = try await MarketActions.createBatch(for: pr, producer: p, BatchInput(
                    quantity: 60, producedOn: Day.adding(-4, to: today), bestBefore: Day.adding(180, to: today),
                    steps: [BatchStepInput(on: Day.adding(-60, to: today), kind: "field", text: "Trồng củ dong riềng ở ruộng nhà"),
                            BatchStepInput(on: Day.adding(-6, to: today), kind: "processing", text: "Lọc tinh bột, tráng bánh, phơi"),
                            BatchStepInput(on: Day.adding(-4, to: today), kind: "processing", text: "Cắt sợi, đóng gói")]),
                    access: admin, today: today, on: db)
                _ = b
                batches += 1
            }
        }
        log?("demo market: \(picked.count + 1) producers (\(picked.count) households, 1 cooperative), \(picked.count + coopProducts.count) products, \(batches) batches (1 recalled); sanxuat will manage \(mine?.name ?? "none")")
    }

    /// Links the demo account `sanxuat` (made after the load, with the other accounts) to the household producer that
    /// has a batch; nothing when either is missing or the link is there.
    static func linkAccount(_ commune: AdminUnit, app: Application) async throws {
        let db = app.db
        guard try await Person.query(on: db).filter(\.$username == "sanxuat").count() > 0 else { return }
        let households = try await Producer.query(on: db).filter(\.$communeID == commune.id!).filter(\.$kind == .household).all()
        guard !households.isEmpty else { return }
        let products = try await Product.query(on: db).filter(\.$producerID ~~ households.map { $0.id! }).all()
        guard let batch = try await Batch.query(on: db).filter(\.$productID ~~ products.map { $0.id! }).first(),
              let product = products.first(where: { $0.id == batch.productID }),
              let p = households.first(where: { $0.id == product.producerID }) else { return }
        let admin = Access(personID: nil, tokenID: nil, displayName: "demo", grants: [Grant(role: .admin, unitID: nil)])
        try await MarketActions.link(p, ProducerAccountInput(username: "sanxuat"), access: admin, on: db)
    }
}
