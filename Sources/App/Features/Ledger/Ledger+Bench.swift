// `thonso bench ledger [--contributions 10000] [--requests 40]`: the public ledger of a campaign with `contributions`
// contributions (and 20 expenses), over HTTP on this server (127.0.0.1, a free port), against `/healthz` in the same
// run: requests one after another, p50 and p95. Page 1, the JSON, the 100th page by the pager's link (a cursor) and
// by number (an OFFSET), each repeated (the kept bytes: Ledger+Public.swift) and, for page 1, the JSON and the 100th
// page, built afresh on every request (what the first request after a new entry costs). Goal (issue 14): p95 ≤ 5×
// `/healthz` p95. Run it on a scratch database (e.g. DATABASE_PATH=/tmp/bench.sqlite): it adds its own campaign to
// the bench commune.
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
            c.id = UUID.random(); c.unitID = commune.id!; c.communeID = commune.id!; c.purpose = purpose; c.targetDong = 3_000_000_000
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
        // The 100th page as the pager's links reach it: after the last entry of the 99th.
        let per = app.config.pageSize
        guard let cursor = try await LedgerQueries.publicRows(c.id!, kind: .contribution, position: .offset(99 * per - 1), limit: 1, on: db).first?.id else {
            throw Abort(.internalServerError, reason: "fewer than 99 pages")
        }
        try await app.server.start(address: .hostname("127.0.0.1", port: 0))
        guard let port = app.http.server.shared.localAddress?.port else { throw Abort(.internalServerError) }
        let base = "http://127.0.0.1:\(port)"
        let page = SiteURL.publicLedger(.id(c.id!)).path, json = APIURL.publicLedger(.id(c.id!)).path
        let page100 = page + "?after=\(cursor.uuidString)&page=100"
        // Kept pages answer a repeated URL; the "built" rows defeat them with a parameter the ledger ignores, new
        // on every request (`x=`), so each is read and rendered afresh: the cost after every new entry.
        let routes = [("/healthz", SiteURL.healthz.path, false), ("ledger page", page, false), ("ledger JSON", json, false),
                      ("page 100 (link)", page100, false), ("page 100 (?page)", page + "?page=100", false),
                      ("page, built", page + "?x=", true), ("JSON, built", json + "?x=", true), ("page 100, built", page100 + "&x=", true)]
        var times: [String: [Double]] = [:]
        for round in 0..<(requests + 3) {
            for (name, path, fresh) in routes {
                var status = HTTPStatus.ok
                let url = base + path + (fresh ? String(round) : "")
                let s = try await Bench.time { status = try await app.client.get(URI(string: url)).status }
                guard status == .ok else { throw Abort(.internalServerError, reason: "\(path): \(status)") }
                if round >= 3 { times[name, default: []].append(s) }   // three rounds warm up
            }
        }
        await app.server.shutdown()
        func p(_ xs: [Double], _ q: Double) -> Double { let s = xs.sorted(); return s[min(s.count - 1, Int((Double(s.count) * q).rounded(.up)) - 1)] }
        out("\(requests) requests per route, one after another, over HTTP on 127.0.0.1")
        let h95 = p(times["/healthz"]!, 0.95), h50 = p(times["/healthz"]!, 0.5)
        for (name, _, _) in routes {
            let xs = times[name]!
            out(String(format: "  %-18@ p50 %8.2f ms   p95 %8.2f ms   p95 %5.1f× /healthz   p50 %5.1f×", name as NSString,
                       p(xs, 0.5) * 1000, p(xs, 0.95) * 1000, p(xs, 0.95) / h95, p(xs, 0.5) / h50))
        }
        if let kept = app.ledgerPages?.counts {
            out("kept pages: \(kept.hits) answered from kept bytes, \(kept.misses) built")
        } else {
            out("kept pages: off (development, or RENDER_CACHE_MB=0)")
        }
        out("goal (issue 14): p95 ≤ 5× /healthz p95")
    }
}
