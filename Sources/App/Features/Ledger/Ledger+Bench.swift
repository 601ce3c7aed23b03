// `thonso bench ledger [--contributions 10000] [--requests 40]`: the public ledger of a campaign with `contributions`
// contributions (and 20 expenses), the page and the JSON, over HTTP on this server (127.0.0.1, a free port), against
// `/healthz` in the same run: requests one after another, p50 and p95. Goal (issue 14): p95 ≤ 5× `/healthz` p95.
// The totals are SQL sums and the contributions a page of 50, so the page costs the same whatever the count.
// Run it on a scratch database (e.g. DATABASE_PATH=/tmp/bench.sqlite): it adds its own campaign to the bench commune.
import Fluent
import Foundation
import SQLKit
import Vapor

struct BenchLedgerCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "contributions", help: "Contributions in the campaign (default 10000)")
        var contributions: Int?
        @Option(name: "requests", help: "HTTP requests per route (default 40)")
        var requests: Int?
    }
    var help: String { "Times a campaign's public ledger (10,000 contributions) against /healthz" }

    static let purpose = "Đo hiệu năng sổ công khai"

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let db = app.db
        let n = max(100, signature.contributions ?? 10_000)
        let requests = max(10, signature.requests ?? 40)
        let out = { (s: String) in context.console.print(s) }
        let commune = try await UnitsBench.commune(db)
        let purpose = "\(Self.purpose) (\(n))"
        var campaign = try await Campaign.query(on: db).filter(\.$purpose == purpose).first()
        if campaign == nil {
            let c = Campaign()
            c.id = UUID(); c.unitID = commune.id!; c.communeID = commune.id!; c.purpose = purpose; c.targetDong = 3_000_000_000
            c.startsOn = Day.adding(-200, to: Day.today()); c.endsOn = nil
            try await c.create(on: db)
            let admin = Access(personID: nil, tokenID: nil, displayName: "bench", grants: [Grant(role: .admin, unitID: nil)])
            let village = try await AdminUnit.query(on: db).filter(\.$parentID == commune.id!).filter(\.$kind == .village).first()
            let t = try await Bench.time {
                let drafts = (0..<n).map { i in
                    ContributionDraft(householdID: nil, villageID: i % 3 == 0 ? village?.id : nil, name: "Người đóng góp \(i)", organisation: i % 10 == 0,
                                      amount: Int64(100_000 + (i % 20) * 50_000), on: Day.adding(-(i % 180), to: Day.today()), method: i % 2 == 0 ? .cash : .transfer,
                                      receiptNo: nil, anonymous: i % 4 == 1, note: nil, line: nil)
                }
                _ = try await LedgerActions.record(drafts, campaign: c, access: admin, field: { $0 }, audit: false, on: db)
                for k in 0..<20 {
                    _ = try await LedgerActions.spend(ExpenseInput(supplier: "Nhà cung cấp \(k)", invoiceNo: "HD-\(k)", spentOn: Day.today()),
                                                      amountText: "5000000", campaign: c, access: admin, today: Day.today(), on: db)
                }
            }
            out(String(format: "generated a campaign with %d contributions and 20 expenses in %.1f s", n, t))
            campaign = c
        }
        let c = campaign!
        let totals = try await LedgerQueries.totals(c.id!, on: db)
        out("database: \(app.config.database.label); contributions: \(totals.contributions), raised \(totals.raisedDong) đ, balance \(totals.balanceDong) đ")
        try await app.server.start(address: .hostname("127.0.0.1", port: 0))
        guard let port = app.http.server.shared.localAddress?.port else { throw Abort(.internalServerError) }
        let base = "http://127.0.0.1:\(port)"
        let routes = [("/healthz", SiteURL.healthz.path), ("ledger page", SiteURL.publicLedger(.id(c.id!)).path),
                      ("ledger JSON", APIURL.publicLedger(.id(c.id!)).path), ("ledger page 100", SiteURL.publicLedger(.id(c.id!)).path + "?page=100")]
        var times: [String: [Double]] = [:]
        for round in 0..<(requests + 3) {
            for (name, path) in routes {
                var status = HTTPStatus.ok
                let s = try await Bench.time { status = try await app.client.get(URI(string: base + path)).status }
                guard status == .ok else { throw Abort(.internalServerError, reason: "\(path): \(status)") }
                if round >= 3 { times[name, default: []].append(s) }   // three rounds warm up
            }
        }
        await app.server.shutdown()
        func p(_ xs: [Double], _ q: Double) -> Double { let s = xs.sorted(); return s[min(s.count - 1, Int((Double(s.count) * q).rounded(.up)) - 1)] }
        out("\(requests) requests per route, one after another, over HTTP on 127.0.0.1")
        for (name, _) in routes {
            let xs = times[name]!
            out(String(format: "  %-16@ p50 %8.2f ms   p95 %8.2f ms", name as NSString, p(xs, 0.5) * 1000, p(xs, 0.95) * 1000))
        }
        let h = p(times["/healthz"]!, 0.95)
        out(String(format: "ratio p95 / healthz: page %.1f×, JSON %.1f×, page 100 %.1f×   (goal ≤ 5×)",
                   p(times["ledger page"]!, 0.95) / h, p(times["ledger JSON"]!, 0.95) / h, p(times["ledger page 100"]!, 0.95) / h))
    }
}
