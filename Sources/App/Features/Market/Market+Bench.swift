// `thonso bench market [--requests 200]`: a batch's public traceability page (the page a buyer's phone opens when it
// scans the QR code) and its JSON, over HTTP on this server (127.0.0.1, a free port), against `/healthz` in the same
// run: requests one after another, p50 and p95, and the bytes a phone transfers (the page and its own stylesheet).
// The page is kept per code (Market+TraceCache.swift); "page built" is the same page with that cache bypassed.
// Goals (issue 16): p95 ≤ 3× `/healthz` p95; page and stylesheet ≤ 30 KB. Every page view counts a scan (in memory,
// flushed every 15 s: Market+Trace.swift), so the run also shows what counting costs.
// Run it on a scratch database (e.g. DATABASE_PATH=/tmp/bench.sqlite): it adds its own producer to the bench commune.
import Fluent
import Foundation
import Vapor

struct BenchMarketCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "requests", help: "HTTP requests per route (default 200)")
        var requests: Int?
    }
    var help: String { "Times a batch's public traceability page against /healthz" }

    static let producerName = "Hợp tác xã đo hiệu năng"

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let db = app.db
        let requests = max(20, signature.requests ?? 200)
        let out = { (s: String) in context.console.print(s) }
        let commune = try await UnitsBench.commune(db)
        let admin = Access(personID: nil, tokenID: nil, displayName: "bench", grants: [Grant(role: .admin, unitID: nil)])
        let today = Day.today(app.now)
        var batch: Batch
        if let p = try await Producer.query(on: db).filter(\.$name == Self.producerName).first(),
           let pr = try await Product.query(on: db).filter(\.$producerID == p.id!).first(),
           let b = try await Batch.query(on: db).filter(\.$productID == pr.id!).first() {
            batch = b
        } else {
            guard let village = try await AdminUnit.query(on: db).filter(\.$parentID == commune.id!).filter(\.$kind == .village).first() else {
                throw Abort(.internalServerError, reason: "the bench commune has no village")
            }
            let p = try await MarketActions.createProducer(ProducerInput(kind: "cooperative", name: Self.producerName, villageId: village.id!.uuidString,
                                                                         contactName: "Nguyễn Văn A", phone: "0912345678", publicPhone: true,
                                                                         makes: "Miến dong, bánh đa, gạo nếp cái hoa vàng",
                                                                         howToBuy: "Gọi điện, hoặc đặt trên các kênh bán hàng; giao trong ngày trong xã.",
                                                                         channels: ["https://shopee.vn/htx-do-hieu-nang", "https://www.facebook.com/htx.do.hieu.nang"]),
                                                           access: admin, on: db)
            let pr = try await MarketActions.createProduct(for: p, ProductInput(
                name: "Miến dong đo hiệu năng", category: "food", description: "Miến làm từ tinh bột củ dong riềng trồng tại thôn, phơi nắng tự nhiên, không chất tẩy trắng.",
                unit: "gói 500 g", priceMin: 45_000, priceMax: 60_000, ocopStars: 4, ocopYear: 2023, ocopDecision: "1234/QĐ-UBND",
                certifications: (0..<6).map { i in CertificationInput(name: "Chứng nhận \(i + 1)", issuer: "Sở Nông nghiệp và Môi trường", number: "\(100 + i)/CN",
                                                                       validFrom: Day.adding(-700 + i * 100, to: today), validTo: Day.adding(-300 + i * 150, to: today)) }),
                today: today, on: db)
            batch = try await MarketActions.createBatch(for: pr, producer: p, BatchInput(
                quantity: 1_200, producedOn: Day.adding(-10, to: today), bestBefore: Day.adding(355, to: today), notes: "Lô xuất cho hội chợ OCOP của huyện.",
                steps: (0..<12).map { i in BatchStepInput(on: Day.adding(-120 + i * 10, to: today), kind: ["inputs", "field", "processing"][i % 3],
                                                          text: "Bước \(i + 1): ghi chép của hợp tác xã về lô hàng, vật tư, ruộng và công đoạn chế biến.") }),
                access: admin, today: today, on: db)
        }
        out("database: \(app.config.database.label); batch \(batch.code)")
        try await app.server.start(address: .hostname("127.0.0.1", port: 0))
        guard let port = app.http.server.shared.localAddress?.port else { throw Abort(.internalServerError) }
        let base = "http://127.0.0.1:\(port)"
        // "page built": the same page with its cache bypassed for that one request (every scan queries and renders),
        // in the same rounds: the page as it was before it was kept per code, plus the version's query.
        let routes = [("/healthz", SiteURL.healthz.path), ("batch page", SiteURL.batchPublic(batch.code).path),
                      ("page built", SiteURL.batchPublic(batch.code).path), ("batch JSON", APIURL.publicBatch(batch.code).path)]
        let pages = app.tracePages
        var times: [String: [Double]] = [:]
        var bytes: [String: Int] = [:]
        for round in 0..<(requests + 5) {
            for (name, path) in routes {
                var status = HTTPStatus.ok
                var size = 0
                pages.bypass = name == "page built"
                let s = try await Bench.time {
                    let res = try await app.client.get(URI(string: base + path))
                    status = res.status
                    size = res.body?.readableBytes ?? 0
                }
                pages.bypass = false
                guard status == .ok else { throw Abort(.internalServerError, reason: "\(path): \(status)") }
                bytes[name] = size
                if round >= 5 { times[name, default: []].append(s) }   // five rounds warm up
            }
        }
        let css = try await app.client.get(URI(string: base + SiteURL.traceCSS.path)).body?.readableBytes ?? 0
        await app.server.shutdown()
        try await app.batchScans.flush(on: db)
        func p(_ xs: [Double], _ q: Double) -> Double { let s = xs.sorted(); return s[min(s.count - 1, Int((Double(s.count) * q).rounded(.up)) - 1)] }
        out("\(requests) requests per route, one after another, over HTTP on 127.0.0.1")
        for (name, _) in routes {
            let xs = times[name]!
            out(String(format: "  %-12@ p50 %8.2f ms   p95 %8.2f ms   %6d bytes", name as NSString, p(xs, 0.5) * 1000, p(xs, 0.95) * 1000, bytes[name] ?? 0))
        }
        let h = p(times["/healthz"]!, 0.95)
        let h50 = p(times["/healthz"]!, 0.5)
        out(String(format: "ratio p95 / healthz: page %.1f×, page built %.1f×, JSON %.1f×   (goal ≤ 3×)", p(times["batch page"]!, 0.95) / h,
                   p(times["page built"]!, 0.95) / h, p(times["batch JSON"]!, 0.95) / h))
        out(String(format: "ratio p50 / healthz: page %.1f×, page built %.1f×, JSON %.1f×", p(times["batch page"]!, 0.5) / h50,
                   p(times["page built"]!, 0.5) / h50, p(times["batch JSON"]!, 0.5) / h50))
        let kept = pages.counts
        out("pages kept per code: \(kept.hits) served from memory, \(kept.misses) built")
        let total = (bytes["batch page"] ?? 0) + css
        out(String(format: "a phone's first scan: page %d + stylesheet %d = %d bytes (%.1f KB; goal ≤ 30 KB), uncompressed", bytes["batch page"] ?? 0, css, total, Double(total) / 1024))
        out("scans counted for the batch: \(try await Batch.find(batch.id, on: db)?.scans ?? 0)")
    }
}
