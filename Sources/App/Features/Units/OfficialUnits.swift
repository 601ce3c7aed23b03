// Loads the official list of provinces, districts and communes shipped in Resources/Data/official
// (see its PROVENANCE.md): the list in force since 1 July 2025, the three-level list before it, and which old
// communes went into which new ones. Idempotent: a unit already present (same kind, code and start) is kept.
import CSV
import Fluent
import Foundation
import SQLKit
import Vapor

public struct OfficialLoadResult: Sendable, Equatable {
    public var unitsAdded: Int
    public var linksAdded: Int
    public var successionsAdded: Int
}

public enum OfficialUnits {
    static func read(_ url: URL) throws -> [[String: String]] {
        guard let stream = InputStream(url: url) else { throw ConfigError(message: "cannot open \(url.path)") }
        let reader = try CSVReader(stream: stream, hasHeaderRow: true)
        let header = reader.headerRow ?? []
        var rows: [[String: String]] = []
        while let r = reader.next() {
            var d: [String: String] = [:]
            for (i, h) in header.enumerated() where i < r.count { d[h] = r[i] }
            rows.append(d)
        }
        return rows
    }

    public static func load(from dir: URL, on db: any Database, log: (@Sendable (String) -> Void)? = nil) async throws -> OfficialLoadResult {
        guard let sql = db as? any SQLDatabase else { throw Abort(.internalServerError) }
        let provinces = try read(dir.appendingPathComponent("provinces.csv"))
        let districts = try read(dir.appendingPathComponent("districts-2024.csv"))
        let old = try read(dir.appendingPathComponent("communes-2024.csv"))
        let new = try read(dir.appendingPathComponent("communes-2025.csv"))
        let succ = try read(dir.appendingPathComponent("successions-2025.csv"))
        let provSucc = try read(dir.appendingPathComponent("province-successions-2025.csv"))

        return try await db.auditedTransaction { db in
            let sql = db as! any SQLDatabase
            // What is there already, keyed by kind|code|validFrom.
            var existing: [String: UUID] = [:]
            let rows = try await sql.select().columns("id", "kind", "code", "valid_from").from("admin_units")
                .where("kind", .in, ["province", "district", "commune"]).all()
            for r in rows {
                let key = "\(try r.decode(column: "kind", as: String.self))|\(try r.decode(column: "code", as: String.self))|\(try r.decode(column: "valid_from", as: String.self))"
                existing[key] = try r.decode(column: "id", as: UUID.self)
            }
            var unitRows: [[SQLValue]] = []
            var linkRows: [[SQLValue]] = []
            let now = AppClock.now
            func unit(_ kind: UnitKind, _ code: String, _ name: String, _ type: String, parent: UUID?, from: String, to: String) -> UUID {
                let key = "\(kind.rawValue)|\(code)|\(from)"
                if let id = existing[key] { return id }
                let id = UUID.random()
                existing[key] = id
                unitRows.append([id, kind.rawValue, code, name, type, parent, nil as UUID?, from, to, Fold.key([code, name]), now, now])
                if let parent { linkRows.append([UUID.random(), id, parent, from, to]) }
                return id
            }
            func day(_ s: String?, _ def: String) -> String { (s ?? "").isEmpty ? def : s! }

            var oldProvince: [String: UUID] = [:]   // code → unit in force before the reform
            var newProvince: [String: UUID] = [:]   // code → unit in force after it
            for p in provinces {
                let from = day(p["valid_from"], Day.distantPast), to = day(p["valid_to"], Day.distantFuture)
                let id = unit(.province, p["code"]!, p["name"]!, p["type_name"] ?? "tỉnh", parent: nil, from: from, to: to)
                if from < Day.reform2025 { oldProvince[p["code"]!] = id }
                if to > Day.reform2025 { newProvince[p["code"]!] = id }
            }
            var district: [String: UUID] = [:]
            for d in districts {
                guard let parent = oldProvince[d["province_code"]!] else { continue }
                district[d["code"]!] = unit(.district, d["code"]!, d["name"]!, d["type_name"] ?? "huyện", parent: parent,
                                            from: Day.distantPast, to: Day.reform2025)
            }
            var oldCommune: [String: UUID] = [:]
            for c in old {
                guard let parent = district[c["district_code"]!] else { continue }
                oldCommune[c["code"]!] = unit(.commune, c["code"]!, c["name"]!, c["type_name"] ?? "xã", parent: parent,
                                              from: Day.distantPast, to: Day.reform2025)
            }
            var newCommune: [String: UUID] = [:]
            for c in new {
                guard let parent = newProvince[c["province_code"]!] else { continue }
                newCommune[c["code"]!] = unit(.commune, c["code"]!, c["name"]!, c["type_name"] ?? "xã", parent: parent,
                                              from: Day.reform2025, to: Day.distantFuture)
            }
            try await Bulk.insert(sql, into: "admin_units",
                                  columns: ["id", "kind", "code", "name", "type_name", "parent_id", "commune_id", "valid_from", "valid_to", "search_key", "created_at", "updated_at"],
                                  rows: unitRows)
            try await Bulk.insert(sql, into: "unit_links", columns: ["id", "unit_id", "parent_id", "valid_from", "valid_to"], rows: linkRows)
            if !unitRows.isEmpty { try await UnitClosure.rebuild(on: db) }

            var pairs = Set<String>()
            for r in try await sql.select().columns("predecessor_id", "successor_id").from("unit_successions").all() {
                pairs.insert("\(try r.decode(column: "predecessor_id", as: UUID.self))|\(try r.decode(column: "successor_id", as: UUID.self))")
            }
            var succRows: [[SQLValue]] = []
            func succession(_ p: UUID, _ n: UUID, whole: Bool, note: String) {
                guard p != n, pairs.insert("\(p)|\(n)").inserted else { return }
                succRows.append([UUID.random(), p, n, Day.reform2025, whole, note])
            }
            for s in succ {
                guard let p = oldCommune[s["old_code"]!], let n = newCommune[s["new_code"]!] else { continue }
                succession(p, n, whole: s["whole"] == "1", note: s["note"] ?? "")
            }
            for s in provSucc {
                guard let p = oldProvince[s["old_code"]!], let n = newProvince[s["new_code"]!] else { continue }
                succession(p, n, whole: false, note: "")
            }
            try await Bulk.insert(sql, into: "unit_successions", columns: ["id", "predecessor_id", "successor_id", "on_date", "whole", "note"], rows: succRows)
            log?("units: \(unitRows.count) added, links: \(linkRows.count), successions: \(succRows.count)")
            return OfficialLoadResult(unitsAdded: unitRows.count, linksAdded: linkRows.count, successionsAdded: succRows.count)
        }
    }

    public static func directory(_ app: Application) -> URL {
        URL(fileURLWithPath: app.directory.resourcesDirectory).appendingPathComponent("Data/official")
    }
}
