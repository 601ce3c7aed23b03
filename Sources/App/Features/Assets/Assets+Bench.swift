// `thonso bench geojson [--cameras 2731] [--lights 1844] [--requests 40]`: the map's GeoJSON for old Đan Phượng's
// 4,575 cameras and solar lights (issue 14), over HTTP on this server (127.0.0.1, a free port), against `/healthz` in
// the same run: requests one after another, p50 and p95, and the body's size as sent gzip-compressed and plain.
// Goals: p95 ≤ 5× `/healthz` p95; ≤ 300 KB compressed (docs/benchmarks.md, "GeoJSON"). The assets are made in the
// bench's own commune (code 99999); run it on a scratch database, e.g. DATABASE_PATH=/tmp/bench-geo.sqlite.
import Fluent
import Foundation
import SQLKit
import Vapor

struct BenchGeoJSONCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "cameras", help: "Cameras (default 2731)")
        var cameras: Int?
        @Option(name: "lights", help: "Solar lights (default 1844)")
        var lights: Int?
        @Option(name: "requests", help: "HTTP requests per route (default 40)")
        var requests: Int?
    }
    var help: String { "Times the assets map's GeoJSON (4,575 cameras and lights) against /healthz, and its compressed size" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let db = app.db
        guard let sql = db as? any SQLDatabase else { return }
        let cameras = max(1, signature.cameras ?? 2_731), lights = max(0, signature.lights ?? 1_844)
        let requests = max(10, signature.requests ?? 40)
        let out = { (s: String) in context.console.print(s) }
        let commune = try await UnitsBench.commune(db)
        let have = try await Asset.query(on: db).filter(\.$communeID == commune.id!).count()
        if have != cameras + lights {
            let t = try await Bench.time { try await Self.generate(cameras: cameras, lights: lights, commune: commune, on: db) }
            out(String(format: "generated %d cameras and %d solar lights in %.1f s", cameras, lights, t))
        }
        out("database: \(app.config.database.label); assets: \(cameras + lights)")
        let (_, token) = try await AccountActions.createToken(name: "bench-geojson-\(UUID.random().uuidString.prefix(6))", role: .admin, unit: nil, on: db)
        try await app.server.start(address: .hostname("127.0.0.1", port: 0))
        guard let port = app.http.server.shared.localAddress?.port else { throw Abort(.internalServerError) }
        let base = "http://127.0.0.1:\(port)"
        let geo = APIURL.unitAssetsGeoJSON(.id(commune.id!)).path
        let routes = [("/healthz", SiteURL.healthz.path), ("GeoJSON gzip", geo)]
        var times: [String: [Double]] = [:]
        var gzipBytes = 0, features = 0
        for round in 0..<(requests + 3) {
            for (name, path) in routes {
                var res: ClientResponse? = nil
                let s = try await Bench.time {
                    res = try await app.client.get(URI(string: base + path), headers: ["Authorization": "Bearer \(token)", "Accept-Encoding": "gzip"])
                }
                guard let r = res, r.status == .ok else { throw Abort(.internalServerError, reason: "\(path): \(res?.status.code ?? 0)") }
                if round >= 3 { times[name, default: []].append(s) }   // three rounds warm up
                if path == geo { gzipBytes = r.body?.readableBytes ?? 0; if r.headers.first(name: .contentEncoding) != "gzip" { out("   (the GeoJSON was not compressed)") } }
            }
        }
        let plain = try await app.client.get(URI(string: base + geo), headers: ["Authorization": "Bearer \(token)"])
        let plainBytes = plain.body?.readableBytes ?? 0
        if let b = plain.body, let text = b.getString(at: b.readerIndex, length: b.readableBytes) {
            features = text.components(separatedBy: "\"Feature\"").count - 1
        }
        await app.server.shutdown()
        func p(_ xs: [Double], _ q: Double) -> Double { let s = xs.sorted(); return s[min(s.count - 1, Int((Double(s.count) * q).rounded(.up)) - 1)] }
        out("   \(requests) requests per route, one after another, over HTTP on 127.0.0.1")
        for (name, _) in routes {
            let xs = times[name]!
            out(String(format: "   %-14@ p50 %8.2f ms   p95 %8.2f ms", name as NSString, p(xs, 0.5) * 1000, p(xs, 0.95) * 1000))
        }
        out(String(format: "   GeoJSON: %d features, %.1f KB plain, %.1f KB gzip-compressed   (goal ≤ 300 KB)", features,
                   Double(plainBytes) / 1024, Double(gzipBytes) / 1024))
        out(String(format: "   ratio p95 GeoJSON / healthz: %.1f×   (goal ≤ 5×)", p(times["GeoJSON gzip"]!, 0.95) / p(times["/healthz"]!, 0.95)))
        _ = sql
    }

    /// Cameras and lights spread over the bench commune's 36 groups, around 21.08 N, 105.67 E (within ~3 km).
    static func generate(cameras: Int, lights: Int, commune: AdminUnit, on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        try await sql.raw("DELETE FROM asset_status_changes WHERE asset_id IN (SELECT id FROM assets WHERE commune_id = \(bind: commune.id!))").run()
        try await sql.raw("DELETE FROM assets WHERE commune_id = \(bind: commune.id!)").run()
        let groups = try await AdminUnit.query(on: db).filter(\.$kind == .group).filter(\.$communeID == commune.id!).sort(\.$code).all()
        let units = groups.isEmpty ? [commune] : groups
        let now = AppClock.now, today = Day.today()
        let cols = ["id", "kind", "name", "unit_id", "commune_id", "latitude", "longitude", "status", "status_since", "installed_on", "created_at", "updated_at"]
        var rows: [[SQLValue]] = [], changes: [[SQLValue]] = []
        var g = SystemRandomNumberGenerator()
        for i in 0..<(cameras + lights) {
            let camera = i < cameras
            let u = units[i % units.count]
            let k = i % units.count
            let lat = 21.055 + Double(k / 6) * 0.009 + Double.random(in: 0..<0.008, using: &g)
            let lon = 105.645 + Double(k % 6) * 0.009 + Double.random(in: 0..<0.008, using: &g)
            let status = i % 17 == 0 ? "faulty" : "working"
            let id = UUID.random()
            rows.append([id, camera ? "camera" : "solarLight", camera ? "Camera \(i + 1)" : "Đèn \(i - cameras + 1)", u.id!, commune.id!,
                         lat, lon, status, "2024-01-15", "2024-01-15", now, now])
            changes.append([UUID.random(), id, status, "2024-01-15", now])
        }
        try await Bulk.insert(sql, into: Asset.schema, columns: cols, rows: rows)
        try await Bulk.insert(sql, into: AssetStatusChange.schema, columns: ["id", "asset_id", "status", "from_day", "created_at"], rows: changes)
        _ = today
    }
}
