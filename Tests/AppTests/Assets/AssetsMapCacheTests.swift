import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting
import ZIPFoundation
@testable import App

/// The map's GeoJSON is kept per unit and filter until the data under it changes: every way of changing that data —
/// the API, a fault, a report, raw SQL as another process or an import would write, the unit tree — shows in the next
/// document, and the kept gzip body is the plain one compressed.
@Suite("Assets: the map's kept GeoJSON stays in step with the data")
struct AssetsMapCacheTests {
    struct FC: Decodable {
        struct F: Decodable { struct P: Decodable { var layer: String; var status: String; var name: String; var openFaults: Int? }; var properties: P }
        var features: [F]
    }

    func map(_ app: Application, _ unit: UUID, query: String = "") async throws -> FC {
        let res = try await app.api(.GET, "/api/v1/units/\(unit)/assets.geojson\(query)")
        #expect(res.status == .ok && res.headers.first(name: .contentEncoding) == nil)
        return try JSONDecoder().decode(FC.self, from: Data(res.body.readableBytesView))
    }

    /// A gzip member's content (RFC 1952: 10-byte header, raw deflate, CRC-32 and length).
    func gunzip(_ bytes: [UInt8]) throws -> [UInt8] {
        #expect(bytes.count > 18 && bytes[0] == 0x1F && bytes[1] == 0x8B && bytes[2] == 8)
        let body = Data(bytes[10..<(bytes.count - 8)])
        var out: [UInt8] = []
        let crc = try Data.decompress(size: Int64(body.count), bufferSize: 64 * 1024, skipCRC32: false, provider: { pos, size in
            body.subdata(in: Int(pos)..<min(body.count, Int(pos) + size))
        }, consumer: { out.append(contentsOf: $0) })
        let tail = Array(bytes[(bytes.count - 8)...])
        #expect(UInt32(tail[0]) | UInt32(tail[1]) << 8 | UInt32(tail[2]) << 16 | UInt32(tail[3]) << 24 == crc)
        #expect(Int(UInt32(tail[4]) | UInt32(tail[5]) << 8 | UInt32(tail[6]) << 16 | UInt32(tail[7]) << 24) == out.count)
        return out
    }

    @Test("writes through the API, faults, raw SQL and the unit tree all show in the next document; gzip is the same document")
    func staysInStep() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            let a = try await app.api(.POST, "/api/v1/assets", json: AssetsTests.camera(t)).decode(AssetDetailDTO.self).asset
            var fc = try await map(app, t.commune.id)
            #expect(fc.features.map(\.properties.status) == ["working"])
            // Kept: the same bytes again; compressed on request, and the compressed body is the plain one.
            let plain = try await app.api(.GET, "/api/v1/units/\(t.commune.id)/assets.geojson")
            let zipped = try await app.api(.GET, "/api/v1/units/\(t.commune.id)/assets.geojson", headers: ["Accept-Encoding": "br;q=1, gzip;q=0.8"])
            #expect(zipped.headers.first(name: .contentEncoding) == "gzip" && zipped.headers.first(name: .vary) == "Accept-Encoding")
            #expect(try gunzip(Array(zipped.body.readableBytesView)) == Array(plain.body.readableBytesView))
            let refused = try await app.api(.GET, "/api/v1/units/\(t.commune.id)/assets.geojson", headers: ["Accept-Encoding": "gzip;q=0"])
            #expect(refused.headers.first(name: .contentEncoding) == nil && Array(refused.body.readableBytesView) == Array(plain.body.readableBytesView))
            // A fault through the API: the asset is faulty and the fault is a point.
            let fault = try await app.api(.POST, "/api/v1/assets/\(a.id)/faults", json: AssetFaultInput(description: "Mất hình")).decode(AssetFaultDTO.self)
            fc = try await map(app, t.commune.id)
            #expect(fc.features.map(\.properties.layer).sorted() == ["asset", "fault"] && fc.features.first { $0.properties.layer == "asset" }?.properties.openFaults == 1)
            #expect(try await map(app, t.commune.id, query: "?status=working").features.isEmpty)
            _ = try await app.api(.PATCH, "/api/v1/asset-faults/\(fault.id)", json: FaultUpdateInput(status: "fixed"))
            fc = try await map(app, t.commune.id)
            #expect(fc.features.map(\.properties.status) == ["working"] && fc.features[0].properties.openFaults == nil)
            #expect(try await map(app, t.commune.id, query: "?status=working").features.count == 1)
            // Raw SQL, as another process, an import or a script would write: an update, an insert, a delete.
            let sql = app.db as! any SQLDatabase
            try await sql.raw("UPDATE assets SET name = 'Camera đổi tên' WHERE id = \(bind: a.id)").run()
            #expect(try await map(app, t.commune.id).features.map(\.properties.name) == ["Camera đổi tên"])
            let b = try await app.api(.POST, "/api/v1/assets", json: AssetsTests.camera(t, name: "Camera ngõ 2")).decode(AssetDetailDTO.self).asset
            #expect(try await map(app, t.village1.id).features.count == 2)
            try await sql.raw("DELETE FROM asset_status_changes WHERE asset_id = \(bind: b.id)").run()
            try await sql.raw("DELETE FROM assets WHERE id = \(bind: b.id)").run()
            #expect(try await map(app, t.village1.id).features.count == 1)
            // The unit tree: the village's assets no longer below the commune once its closure rows say so.
            try await sql.raw("UPDATE unit_closure SET is_current = \(bind: false) WHERE ancestor_id = \(bind: t.commune.id) AND descendant_id <> \(bind: t.commune.id)").run()
            #expect(try await map(app, t.commune.id).features.isEmpty)
            try await sql.raw("UPDATE unit_closure SET is_current = \(bind: true) WHERE ancestor_id = \(bind: t.commune.id)").run()
            #expect(try await map(app, t.commune.id).features.count == 1)
        }
    }

    @Test("unit writers and asset writers at once (0020's shared row deadlocked them on PostgreSQL): every write succeeds and shows in the next document; compaction keeps the version")
    func concurrentWriters() async throws {
        try await withTestApp({ $0.postgresPoolPerLoop = 8 }) { app in
            let t = try await Tree.make(app)
            // The document is kept on both databases. Eight requests at once: the test client's connections to one
            // host (more wait for a free one, and on a loaded machine their wait timed out).
            let before = try #require(try await AssetMapVersion.current(on: app.db))
            #expect(try await map(app, t.commune.id).features.isEmpty)
            let statuses = try await app.atOnce(8, token: app.testAuth.token) { i -> (HTTPMethod, String, any Content & Sendable) in
                if i % 2 == 0 {
                    let v = i % 4 == 0 ? t.village1 : t.village2
                    return (.POST, "/api/v1/units", UnitInput(kind: "group", code: "\(v.code)-\(10 + i)", name: "Tổ \(10 + i)", parentId: v.id.uuidString))
                }
                return (.POST, "/api/v1/assets", AssetsTests.camera(t, name: "Camera \(i)"))
            }
            #expect(statuses == Array(repeating: .created, count: 8), "\(statuses)")
            let after = try #require(try await AssetMapVersion.current(on: app.db))
            #expect(after > before)
            var fc = try await map(app, t.commune.id)
            #expect(Set(fc.features.map(\.properties.name)) == Set(stride(from: 1, to: 8, by: 2).map { "Camera \($0)" }))
            // Faults and status changes at once on the new assets, then each shows.
            let ids = try await Asset.query(on: app.db).all().map { $0.id! }
            let faults = try await app.atOnce(ids.count, token: app.testAuth.token) { i in (.POST, "/api/v1/assets/\(ids[i])/faults", AssetFaultInput(description: "Hỏng \(i)")) }
            #expect(faults == Array(repeating: .created, count: ids.count))
            fc = try await map(app, t.commune.id)
            #expect(fc.features.filter { $0.properties.layer == "fault" }.count == 4 && fc.features.filter { $0.properties.layer == "asset" }.allSatisfy { $0.properties.status == "faulty" })
            // The hourly compaction (PostgreSQL) moves the changes into one row and keeps the version; a write after it moves it on.
            let kept = try #require(try await AssetMapVersion.current(on: app.db))
            _ = try await AssetMapVersion.compact(on: app.db)
            #expect(try await AssetMapVersion.current(on: app.db) == kept)
            try await (app.db as! any SQLDatabase).raw("UPDATE assets SET name = 'Camera đổi tên' WHERE id = \(bind: ids[0])").run()
            #expect(try #require(try await AssetMapVersion.current(on: app.db)) > kept)
            #expect(try await map(app, t.commune.id).features.contains { $0.properties.name == "Camera đổi tên" })
        }
    }
}
