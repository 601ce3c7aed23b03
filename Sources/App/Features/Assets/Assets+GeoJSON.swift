// The assets of a unit as GeoJSON (RFC 7946): a FeatureCollection of points, [longitude, latitude], one feature per
// asset with coordinates (`layer: "asset"`) and one per unresolved fault at its asset's place (`layer: "fault"`).
// The map page draws it; any GIS tool reads it. Built from SQLKit rows straight into bytes (no Fluent models, no
// intermediate strings), and kept, plain and gzip-compressed, per unit and filter until the data under it changes
// (`AssetMapCache`): old Đan Phượng's 4,575 cameras and lights answer within 5× /healthz (docs/benchmarks.md, "GeoJSON").
import Fluent
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import Vapor
import ZIPFoundation

public enum AssetGeoJSON {
    public static let mediaType = HTTPMediaType(type: "application", subType: "geo+json", parameters: ["charset": "utf-8"])

    /// The FeatureCollection for the assets at or below `unit` (`kind`, `status`: optional filters).
    public static func collection(below unit: UUID, kind: AssetKind?, status: AssetStatus?, on db: any Database) async throws -> String {
        String(decoding: try await bytes(below: unit, kind: kind, status: status, on: db), as: UTF8.self)
    }

    /// The same document as UTF-8 bytes.
    public static func bytes(below unit: UUID, kind: AssetKind?, status: AssetStatus?, on db: any Database) async throws -> [UInt8] {
        guard let sql = db as? any SQLDatabase else { return Array("{\"type\":\"FeatureCollection\",\"features\":[]}".utf8) }
        var q = sql.select().columns([SQLColumn("id", table: "a"), SQLColumn("kind", table: "a"), SQLColumn("name", table: "a"), SQLColumn("status", table: "a"), SQLColumn("latitude", table: "a"), SQLColumn("longitude", table: "a")] as [any SQLExpression])
            .from(SQLAlias(SQLIdentifier(Asset.schema), as: SQLIdentifier("a")))
            .where(UnitClosure.below("a", "unit_id", [unit]))
            .where(SQLColumn("latitude", table: "a"), .isNot, SQLLiteral.null)
            .where(SQLColumn("longitude", table: "a"), .isNot, SQLLiteral.null)
        if let kind { q = q.where(SQLColumn("kind", table: "a"), .equal, SQLBind(kind.rawValue)) }
        if let status { q = q.where(SQLColumn("status", table: "a"), .equal, SQLBind(status.rawValue)) }
        let assets = try await q.orderBy(SQLColumn("name", table: "a")).all()
        var fq = sql.select().columns([SQLColumn("id", table: "f"), SQLColumn("asset_id", table: "f"), SQLColumn("status", table: "f"), SQLColumn("description", table: "f"), SQLColumn("kind", table: "a"), SQLColumn("latitude", table: "a"), SQLColumn("longitude", table: "a")] as [any SQLExpression])
            .from(SQLAlias(SQLIdentifier(AssetFault.schema), as: SQLIdentifier("f")))
            .join(SQLAlias(SQLIdentifier(Asset.schema), as: SQLIdentifier("a")), method: SQLJoinMethod.inner,
                  on: SQLBinaryExpression(left: SQLColumn("asset_id", table: "f"), op: SQLBinaryOperator.equal, right: SQLColumn("id", table: "a")))
            .where(UnitClosure.below("a", "unit_id", [unit]))
            .where(SQLColumn("status", table: "f"), .in, SQLBind.group([FaultStatus.open.rawValue, FaultStatus.assigned.rawValue]))
            .where(SQLColumn("latitude", table: "a"), .isNot, SQLLiteral.null)
        if let kind { fq = fq.where(SQLColumn("kind", table: "a"), .equal, SQLBind(kind.rawValue)) }
        let faults = status == nil || status == .faulty ? try await fq.all() : []
        var out = GeoBytes(capacity: 64 + assets.count * 220 + faults.count * 280)
        out.raw("{\"type\":\"FeatureCollection\",\"features\":[")
        var first = true
        var openFaults: [UUID: Int] = [:]
        for f in faults { openFaults[try f.decode(column: "asset_id", as: UUID.self), default: 0] += 1 }
        for r in assets {
            let id = try r.decode(column: "id", as: UUID.self)
            if !first { out.byte(0x2C) }
            first = false
            out.point(lon: try r.decode(column: "longitude", as: Double.self), lat: try r.decode(column: "latitude", as: Double.self))
            out.raw("\"properties\":{\"layer\":\"asset\",\"id\":\"")
            out.uuid(id)
            out.raw("\",\"kind\":\"")
            out.raw(try r.decode(column: "kind", as: String.self))
            out.raw("\",\"status\":\"")
            out.raw(try r.decode(column: "status", as: String.self))
            out.raw("\",\"name\":")
            out.string(try r.decode(column: "name", as: String.self))
            if let n = openFaults[id] { out.raw(",\"openFaults\":"); out.int(Int64(n)) }
            out.raw("}}")
        }
        for f in faults {
            if !first { out.byte(0x2C) }
            first = false
            out.point(lon: try f.decode(column: "longitude", as: Double.self), lat: try f.decode(column: "latitude", as: Double.self))
            out.raw("\"properties\":{\"layer\":\"fault\",\"id\":\"")
            out.uuid(try f.decode(column: "id", as: UUID.self))
            out.raw("\",\"asset\":\"")
            out.uuid(try f.decode(column: "asset_id", as: UUID.self))
            out.raw("\",\"kind\":\"")
            out.raw(try f.decode(column: "kind", as: String.self))
            out.raw("\",\"status\":\"")
            out.raw(try f.decode(column: "status", as: String.self))
            out.raw("\",\"name\":")
            out.string(String(try f.decode(column: "description", as: String.self).prefix(200)))
            out.raw("}}")
        }
        out.raw("]}")
        return out.bytes
    }

    /// Six decimals (about 10 cm), as RFC 7946 advises: no more precision than the data has.
    static func coordinate(_ v: Double) -> String {
        var b = GeoBytes(capacity: 16)
        b.coordinate(v)
        return String(decoding: b.bytes, as: UTF8.self)
    }

    /// A gzip member (RFC 1952) of `data`: zlib's deflate through ZIPFoundation, its CRC-32 and length.
    static func gzip(_ data: [UInt8]) throws -> [UInt8] {
        let input = Data(data)
        var out: [UInt8] = [0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xFF]
        out.reserveCapacity(data.count / 4 + 64)
        let crc = try Data.compress(size: Int64(input.count), bufferSize: 64 * 1024, provider: { position, size in
            input.subdata(in: Int(position)..<min(input.count, Int(position) + size))
        }, consumer: { chunk in out.append(contentsOf: chunk) })
        for v in [crc, UInt32(truncatingIfNeeded: data.count)] {
            out.append(contentsOf: [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF), UInt8((v >> 16) & 0xFF), UInt8(v >> 24)])
        }
        return out
    }
}

/// The document's bytes, written without intermediate strings.
struct GeoBytes {
    var bytes: [UInt8] = []
    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    @inline(__always) mutating func byte(_ b: UInt8) { bytes.append(b) }
    @inline(__always) mutating func raw(_ s: String) { bytes.append(contentsOf: s.utf8) }

    mutating func int(_ v: Int64) {
        if v < 0 { byte(0x2D) }
        var m = v.magnitude, div: UInt64 = 1
        while m / div >= 10 { div *= 10 }
        repeat { byte(UInt8(m / div) + 0x30); m %= div; div /= 10 } while div > 0
    }

    /// Six decimals, trailing zeros dropped (at least one kept): 105.6712, 21.0, -0.5.
    mutating func coordinate(_ v: Double) {
        let scaled = Int64((v * 1_000_000).rounded())
        let whole = scaled / 1_000_000, frac = (scaled % 1_000_000).magnitude
        if v < 0 && whole == 0 { byte(0x2D) }
        int(whole)
        byte(0x2E)
        var digits = 6, f = frac
        while digits > 1 && f % 10 == 0 { f /= 10; digits -= 1 }
        var div: UInt64 = 1
        for _ in 1..<digits { div *= 10 }
        for _ in 0..<digits { byte(UInt8(f / div) + 0x30); f %= div; div /= 10 }
    }

    mutating func point(lon: Double, lat: Double) {
        raw("{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[")
        coordinate(lon)
        byte(0x2C)
        coordinate(lat)
        raw("]},")
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// Lower-case, 8-4-4-4-12.
    mutating func uuid(_ id: UUID) {
        withUnsafeBytes(of: id.uuid) { b in
            for i in 0..<16 {
                if i == 4 || i == 6 || i == 8 || i == 10 { bytes.append(0x2D) }
                bytes.append(Self.hex[Int(b[i] >> 4)])
                bytes.append(Self.hex[Int(b[i] & 0xF)])
            }
        }
    }

    /// A JSON string, escaped as `JSONObjectWriter.appendString` does (the audit's and the API's JSON).
    mutating func string(_ s: String) {
        byte(0x22)
        for b in s.utf8 {
            switch b {
            case 0x22: raw("\\\"")
            case 0x5C: raw("\\\\")
            case 0x2F: raw("\\/")
            case 0x08: raw("\\b")
            case 0x09: raw("\\t")
            case 0x0A: raw("\\n")
            case 0x0C: raw("\\f")
            case 0x0D: raw("\\r")
            case 0x00..<0x20:
                raw("\\u00")
                byte(Self.hex[Int(b >> 4)])
                byte(Self.hex[Int(b & 0xF)])
            default: byte(b)
            }
        }
        byte(0x22)
    }
}

/// The map's documents kept per unit and filter, plain and gzip-compressed, with the data version they were built
/// at. The version (`AssetMapVersion.current`) is read **before** the rows, and the database moves it on in the same
/// transaction as every insert, update or delete of an asset, a fault or a row of the unit tree (triggers: migration
/// 0020 on SQLite, 0024 on PostgreSQL): so a document kept under a version was built from data at least
/// that new, and any later write moves the version on, which misses the cache. Nothing in the application has to
/// remember to invalidate it — imports, raw SQL and writes from another process included. Bounded by bytes (LRU).
final class AssetMapCache: @unchecked Sendable {
    struct Entry { var version: Int64; var plain: [UInt8]; var gzip: [UInt8]?; var used: UInt64 }
    private let lock = NIOLock()
    private var entries: [String: Entry] = [:]
    private var clock: UInt64 = 0
    private var size = 0
    let maxBytes: Int

    init(maxBytes: Int = 16 * 1_048_576) { self.maxBytes = maxBytes }

    func get(_ key: String, version: Int64) -> Entry? {
        lock.withLock {
            guard var e = entries[key], e.version == version else { return nil }
            clock += 1
            e.used = clock
            entries[key] = e
            return e
        }
    }

    func put(_ key: String, _ entry: Entry) {
        let bytes = entry.plain.count + (entry.gzip?.count ?? 0)
        guard bytes <= maxBytes / 2 else { return }
        lock.withLock {
            if let old = entries.removeValue(forKey: key) { size -= old.plain.count + (old.gzip?.count ?? 0) }
            while size + bytes > maxBytes, let victim = entries.min(by: { $0.value.used < $1.value.used }) {
                entries.removeValue(forKey: victim.key)
                size -= victim.value.plain.count + (victim.value.gzip?.count ?? 0)
            }
            clock += 1
            var e = entry
            e.used = clock
            entries[key] = e
            size += bytes
        }
    }
}

/// The data version the map's cache is keyed by (see `AssetMapCache`).
enum AssetMapVersion {
    /// The unit tree's row (the nil UUID: no commune has it); on PostgreSQL the compacted count of changes.
    static let treeRow = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))

    /// SQLite: the sum of every commune's version and the tree's (migration 0020's triggers): each only grows, so the
    /// sum moves whenever any of them does — whichever commune's rows a unit's map covers. PostgreSQL: the tree row
    /// plus the count of `asset_map_changes` (migration 0024: one row appended per writing statement, no shared row
    /// to wait on), read in one statement, so one snapshot; it grows with every committed write.
    static func current(on db: any Database) async throws -> Int64? {
        guard let sql = db as? any SQLDatabase else { return nil }
        return try await sql.raw("SELECT \(unsafeRaw: expression(postgres: sql.dialect.name == "postgresql")) AS v").first()?.decode(column: "v", as: Int64.self)
    }

    /// The version as an SQL expression, for a statement that reads it with other things (the public ledger's
    /// kept pages, Features/Ledger/Ledger+Public.swift).
    static func expression(postgres: Bool) -> String {
        postgres
            ? "CAST((SELECT COALESCE(SUM(version), 0) FROM asset_map_versions) + (SELECT COUNT(*) FROM asset_map_changes) AS BIGINT)"
            : "CAST((SELECT COALESCE(SUM(version), 0) FROM asset_map_versions) AS BIGINT)"
    }

    /// PostgreSQL: moves the appended changes into the tree row in one statement (the version's sum unchanged), so
    /// that counting them stays cheap; rows appended by writers that commit meanwhile stay for the next time. The
    /// hourly housekeeping runs it; SQLite has nothing to compact. Answers the rows moved.
    static func compact(on db: any Database) async throws -> Int {
        guard let sql = db as? any SQLDatabase, sql.dialect.name == "postgresql" else { return 0 }
        let row = try await sql.raw("""
            WITH gone AS (DELETE FROM asset_map_changes RETURNING 1), n AS (SELECT COUNT(*) AS c FROM gone),
                 moved AS (INSERT INTO asset_map_versions (commune_id, version) VALUES (\(bind: treeRow), (SELECT c FROM n))
                           ON CONFLICT (commune_id) DO UPDATE SET version = asset_map_versions.version + EXCLUDED.version RETURNING 1)
            SELECT CAST((SELECT c FROM n) AS BIGINT) AS c, (SELECT COUNT(*) FROM moved) AS m
            """).first()
        return Int(try row?.decode(column: "c", as: Int64.self) ?? 0)
    }
}
