// `thonso bench import`: imports a generated CSV of N households (default 100,000, about 4.4 residents each) and
// prints its rate beside two raw baselines measured in the same run on the same database, each writing every row the
// import writes (households, residents and one audit row for each, JSON built beforehand): a prepared INSERT executed
// once per row, and multi-row prepared INSERTs of the same pre-built rows (no parsing, no checks). The goal is the
// import within 2× of the multi-row baseline. The audit log is append-only, so the baselines' audit rows stay.
// Results go to docs/benchmarks.md. Run it on a scratch database: it refuses one that already holds households.
import CSV
import Fluent
import Foundation
import SQLKit
import Vapor

struct BenchImportCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "households", help: "How many households to generate (default 100000)")
        var households: Int?
    }
    var help: String { "Times a CSV import against raw prepared-statement inserts of the same rows" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let db = app.db
        guard let sql = db as? any SQLDatabase else { return }
        let n = max(100, signature.households ?? 100_000)
        if try await Household.query(on: db).count() > 0 {
            context.console.error("This database already holds households; run the benchmark on a scratch database, e.g. DATABASE_PATH=/tmp/bench.sqlite")
            throw ExitCode(2)
        }
        let out = { (s: String) in context.console.print(s) }
        let commune = try await UnitsBench.commune(db)
        let villageCodes = ["B1", "B2", "B3", "B4"]
        let rows = Demo.rows(households: n, residents: n * 436 / 100, villageCodes: villageCodes, groupsPerVillage: 9, codePrefix: "B")
        let csv = try Self.csv(rows)
        out("database: \(app.config.database.label); households: \(n); CSV rows (residents): \(rows.count); CSV size: \(csv.count / 1_048_576) MiB")

        // Pre-built rows for the raw baselines: what the import writes, minus the work of reading and checking.
        let villages = try await AdminUnit.query(on: db).filter(\.$parentID == commune.id).all()
        let groups = try await AdminUnit.query(on: db).filter(\.$parentID ~~ villages.map { $0.id! }).all()
        let villageID = Dictionary(uniqueKeysWithValues: villages.map { ($0.code, $0.id!) })
        let groupID = Dictionary(uniqueKeysWithValues: groups.map { ($0.code, $0.id!) })
        func rawRows() -> (households: [[SQLValue]], residents: [[SQLValue]], audit: [[SQLValue]]) {
            var hh: [[SQLValue]] = [], rs: [[SQLValue]] = [], au: [[SQLValue]] = []
            var current = "", hid = UUID.random()
            let now = AppClock.now
            func audit(_ table: String, _ row: UUID, _ unit: UUID, _ after: any Encodable) -> [SQLValue] {
                [UUID.random(), now, nil as UUID?, nil as UUID?, "bench", "create", table, row, unit, nil as String?, Audit.json(after)]
            }
            for r in rows {
                let unit = groupID[r.groupCode] ?? villageID[r.villageCode]!
                if r.householdCode != current {
                    current = r.householdCode; hid = UUID.random()
                    hh.append([hid, r.householdCode, commune.id!, villageID[r.villageCode]!, groupID[r.groupCode], r.address, r.householdPhone, nil as UUID?, r.householdCode, now, now])
                    au.append(audit(Household.schema, hid, unit, RegistryCSV.AuditedHousehold(code: r.householdCode, villageId: villageID[r.villageCode]!, groupId: groupID[r.groupCode],
                                                                                               address: r.address, phone: r.householdPhone, representativeId: nil)))
                }
                let rid = UUID.random()
                rs.append([rid, hid, r.fullName, r.gender.rawValue, r.birthYear, r.relation.rawValue, r.phone, r.fullName, now, now])
                au.append(audit(Resident.schema, rid, unit, RegistryCSV.AuditedResident(householdId: hid, fullName: r.fullName, gender: r.gender, birthYear: r.birthYear,
                                                                                         relation: r.relation, phone: r.phone)))
            }
            return (hh, rs, au)
        }
        let aCols = ["id", "at", "person_id", "token_id", "actor", "action", "table_name", "row_id", "unit_id", "before", "after"]
        let hCols = ["id", "code", "commune_id", "village_id", "group_id", "address", "phone", "representative_id", "search_key", "created_at", "updated_at"]
        let rCols = ["id", "household_id", "full_name", "gender", "birth_year", "relation", "phone", "search_key", "created_at", "updated_at"]

        // 1. Raw: one prepared INSERT per row, in one transaction.
        let perRow = rawRows()
        let t1 = try await Bench.time {
            try await db.transaction { db in
                let sql = db as! any SQLDatabase
                for row in perRow.households { try await sql.insert(into: "households").columns(hCols).values(row).run() }
                for row in perRow.residents { try await sql.insert(into: "residents").columns(rCols).values(row).run() }
                for row in perRow.audit { try await sql.insert(into: AuditEvent.schema).columns(aCols).values(row).run() }
            }
        }
        try await Self.clear(sql)
        // 2. Raw: multi-row prepared INSERTs, in one transaction.
        let batched = rawRows()
        let t2 = try await Bench.time {
            try await db.transaction { db in
                let sql = db as! any SQLDatabase
                try await Bulk.insert(sql, into: "households", columns: hCols, rows: batched.households)
                try await Bulk.insert(sql, into: "residents", columns: rCols, rows: batched.residents)
                try await Bulk.insert(sql, into: AuditEvent.schema, columns: aCols, rows: batched.audit)
            }
        }
        try await Self.clear(sql)
        // Reading and checking the file alone, for the breakdown.
        let tParse = try await Bench.time { _ = try RegistryCSV.parse(csv) }
        // 3. The import: parse, check every row against the database, write.
        var report: ImportReport? = nil
        let t3 = try await Bench.time {
            report = try await RegistryCSV.importFile(csv, into: commune, on: db)
        }
        try await Self.clear(sql)
        guard report?.householdsAdded == n else { throw Abort(.internalServerError, reason: "import wrote \(report?.householdsAdded ?? 0) households") }

        let total = Double(rows.count + n)   // households and residents; each also has its audit row
        func line(_ name: String, _ t: Double) -> String {
            String(format: "%-34@ %8.2f s %10.0f rows/s %9.0f households/s", name as NSString, t, total / t, Double(n) / t)
        }
        out("every line writes the same \(rows.count + n) rows and \(rows.count + n) audit rows; rates count households and residents")
        out(line("raw INSERT, one row per statement", t1))
        out(line("raw INSERT, multi-row statements", t2))
        out(line("thonso import (parse+check+write)", t3))
        out(String(format: "  of which reading and checking the CSV: %.2f s", tParse))
        out(String(format: "ratio import / raw multi-row:             %.2f×   (goal ≤ 2×)", t3 / t2))
        out(String(format: "ratio import / raw one-row-per-statement: %.2f×", t3 / t1))
    }

    static func clear(_ sql: any SQLDatabase) async throws {
        try await sql.delete(from: "residents").run()
        try await sql.delete(from: "households").run()
    }

    static func csv(_ rows: [RegistryCSV.Row]) throws -> Data {
        try CSVText.data { w in
            try w.write(row: RegistryCSV.columns)
            for r in rows {
                try w.write(row: [r.householdCode, r.villageCode, r.groupCode, r.address, r.householdPhone ?? "", r.fullName,
                                  r.gender.rawValue, r.birthYear.map(String.init) ?? "", r.relation.rawValue, r.phone ?? "",
                                  r.representative ? "yes" : ""])
            }
        }
    }
}
