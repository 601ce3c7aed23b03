// `thonso bench profiles-import`: imports a generated profile CSV for N households (default 45,000, the size of old
// Đan Phượng) into a commune and prints its time beside a raw baseline measured in the same run on the same database:
// multi-row INSERTs of the same pre-built profile rows (no parsing, no checks). The households (two residents each)
// are written first with multi-row inserts. Run it on a scratch database: it refuses one that already holds households.
import Fluent
import Foundation
import SQLKit
import Vapor

struct BenchProfilesImportCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "households", help: "How many households (default 45000)")
        var households: Int?
    }
    var help: String { "Times a profile import of N households against raw multi-row inserts of the same rows" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let db = app.db
        guard let sql = db as? any SQLDatabase else { return }
        let n = max(100, signature.households ?? 45_000)
        if try await Household.query(on: db).count() > 0 {
            context.console.error("This database already holds households; run the benchmark on a scratch database, e.g. DATABASE_PATH=/tmp/bench.sqlite")
            throw ExitCode(2)
        }
        let out = { (s: String) in context.console.print(s) }
        let commune = try await UnitsBench.commune(db)
        let villages = try await AdminUnit.query(on: db).filter(\.$parentID == commune.id).filter(\.$kind == .village).all()
        let now = AppClock.now
        var households: [[SQLValue]] = [], residents: [[SQLValue]] = []
        var ids: [UUID] = []
        for i in 0..<n {
            let id = UUID.random()
            ids.append(id)
            let code = String(format: "P%06d", i)
            households.append([id, code, commune.id!, villages[i % villages.count].id!, UUID?.none, "(địa chỉ mẫu)", String?.none, UUID?.none, code, now, now])
            for (k, year) in [1970, 1975].enumerated() {
                residents.append([UUID.random(), id, "Người mẫu \(i)-\(k)", "unknown", year, "other", String?.none, "nguoi mau", now, now])
            }
        }
        let (hRows, rRows) = (households, residents)
        try await db.transaction { db in
            let sql = db as! any SQLDatabase
            try await Bulk.insert(sql, into: "households", columns: ["id", "code", "commune_id", "village_id", "group_id", "address", "phone", "representative_id", "search_key", "created_at", "updated_at"], rows: hRows)
            try await Bulk.insert(sql, into: "residents", columns: ["id", "household_id", "full_name", "gender", "birth_year", "relation", "phone", "search_key", "created_at", "updated_at"], rows: rRows)
        }
        let asOf = Day.adding(-30, to: Day.today(now))
        let csv = try CSVText.data { w in
            try w.write(row: ProfilesCSV.columns)
            for i in 0..<n {
                try w.write(row: [String(format: "P%06d", i), asOf, ["fibre", "mobile", "none"][i % 3], String(i % 3), String(i % 3), "1",
                                  i % 2 == 0 ? "có" : "không", "no", "yes", "zalo", "", "0"])
            }
        }
        out("database: \(app.config.database.label); households: \(n); CSV size: \(csv.count / 1024) KiB")

        // 1. Raw: multi-row INSERTs of the same rows, built beforehand.
        let fields = ProfileFields(internet: .fibre, smartphoneUsers: 1, adultsVneid: 1, adultsCashless: 1, onlineServices: true, eHealth: false,
                                   inVillageChannel: true, channel: .zalo, sellsOnline: nil, ownCamera: false)
        let raw = ids.map { ProfileRows.row(household: $0, asOf: asOf, source: .import, visit: nil, fields, recordedBy: nil, at: now) }
        let t1 = try await Bench.time {
            try await db.transaction { db in
                try await Bulk.insert(db as! any SQLDatabase, into: HouseholdProfile.schema, columns: ProfileRows.columns, rows: raw)
            }
        }
        try await sql.delete(from: HouseholdProfile.schema).run()
        // 2. The import: parse, check every row (codes, counts against the residents), write.
        let admin = Access(personID: nil, tokenID: nil, displayName: "bench", grants: [Grant(role: .admin, unitID: nil)])
        var report: ProfileImportReport? = nil
        let t2 = try await Bench.time { report = try await ProfilesCSV.importFile(csv, into: commune, access: admin, on: db) }
        guard report?.profilesAdded == n else { throw Abort(.internalServerError, reason: "import wrote \(report?.profilesAdded ?? 0) profiles") }
        out(String(format: "raw INSERT, multi-row statements   %7.2f s %9.0f rows/s", t1, Double(n) / t1))
        out(String(format: "thonso profile import (parse+check+write) %7.2f s %9.0f rows/s", t2, Double(n) / t2))
        out(String(format: "ratio import / raw multi-row: %.2f×", t2 / t1))
    }
}
