// The assets of a unit as GeoJSON (RFC 7946): a FeatureCollection of points, [longitude, latitude], one feature per
// asset with coordinates (`layer: "asset"`) and one per unresolved fault at its asset's place (`layer: "fault"`).
// The map page draws it; any GIS tool reads it. Built from SQLKit rows into one pre-sized buffer (no Fluent models):
// old Đan Phượng's 4,575 cameras and lights answer within 5× /healthz (docs/benchmarks.md, "GeoJSON").
import Fluent
import SQLKit
import Vapor

public enum AssetGeoJSON {
    public static let mediaType = HTTPMediaType(type: "application", subType: "geo+json", parameters: ["charset": "utf-8"])

    /// The FeatureCollection for the assets at or below `unit` (`kind`, `status`: optional filters).
    public static func collection(below unit: UUID, kind: AssetKind?, status: AssetStatus?, on db: any Database) async throws -> String {
        guard let sql = db as? any SQLDatabase else { return "{\"type\":\"FeatureCollection\",\"features\":[]}" }
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
        var out = ""
        out.reserveCapacity(64 + assets.count * 200 + faults.count * 260)
        out += "{\"type\":\"FeatureCollection\",\"features\":["
        var first = true
        var openFaults: [UUID: Int] = [:]
        for f in faults { openFaults[try f.decode(column: "asset_id", as: UUID.self), default: 0] += 1 }
        for r in assets {
            let id = try r.decode(column: "id", as: UUID.self)
            if !first { out += "," }
            first = false
            point(&out, lon: try r.decode(column: "longitude", as: Double.self), lat: try r.decode(column: "latitude", as: Double.self))
            out += "\"properties\":{\"layer\":\"asset\",\"id\":\""
            out += id.uuidString.lowercased()
            out += "\",\"kind\":\""
            out += try r.decode(column: "kind", as: String.self)
            out += "\",\"status\":\""
            out += try r.decode(column: "status", as: String.self)
            out += "\",\"name\":"
            JSONObjectWriter.appendString(try r.decode(column: "name", as: String.self), to: &out)
            if let n = openFaults[id] { out += ",\"openFaults\":" + String(n) }
            out += "}}"
        }
        for f in faults {
            if !first { out += "," }
            first = false
            point(&out, lon: try f.decode(column: "longitude", as: Double.self), lat: try f.decode(column: "latitude", as: Double.self))
            out += "\"properties\":{\"layer\":\"fault\",\"id\":\""
            out += try f.decode(column: "id", as: UUID.self).uuidString.lowercased()
            out += "\",\"asset\":\""
            out += try f.decode(column: "asset_id", as: UUID.self).uuidString.lowercased()
            out += "\",\"kind\":\""
            out += try f.decode(column: "kind", as: String.self)
            out += "\",\"status\":\""
            out += try f.decode(column: "status", as: String.self)
            out += "\",\"name\":"
            JSONObjectWriter.appendString(String(try f.decode(column: "description", as: String.self).prefix(200)), to: &out)
            out += "}}"
        }
        out += "]}"
        return out
    }

    @inline(__always) static func point(_ out: inout String, lon: Double, lat: Double) {
        out += "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":["
        out += coordinate(lon)
        out += ","
        out += coordinate(lat)
        out += "]},"
    }

    /// Six decimals (about 10 cm), as RFC 7946 advises: no more precision than the data has.
    static func coordinate(_ v: Double) -> String {
        let scaled = Int64((v * 1_000_000).rounded())
        let whole = scaled / 1_000_000, frac = abs(scaled % 1_000_000)
        var f = String(frac)
        if f.count < 6 { f = String(repeating: "0", count: 6 - f.count) + f }
        while f.count > 1 && f.hasSuffix("0") { f.removeLast() }
        return (v < 0 && whole == 0 ? "-" : "") + String(whole) + "." + f
    }
}
