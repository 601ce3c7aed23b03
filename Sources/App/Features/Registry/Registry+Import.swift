// Households and residents from CSV, one row per resident (docs/registry.md). An import is all-or-nothing:
// every bad row is reported with its line, column and reason, and nothing is written. Rows match on household
// code, and residents on name and birth year within their household, so importing the same file twice changes
// nothing. The insert path uses multi-row SQLKit statements (measured in docs/benchmarks.md).
import CSV
import Fluent
import Foundation
import SQLKit
import Vapor

public enum RegistryCSV {
    public static let columns = ["household_code", "village_code", "group_code", "address", "household_phone",
                                 "full_name", "gender", "birth_year", "relation", "phone", "representative"]
    static let required: Set<String> = ["household_code", "village_code", "address", "full_name"]

    static let genders: [String: Gender] = ["male": .male, "nam": .male, "female": .female, "nu": .female,
                                            "unknown": .unknown, "": .unknown]
    static let relations: [String: Relation] = [
        "head": .head, "chu ho": .head, "spouse": .spouse, "vo": .spouse, "chong": .spouse, "vo/chong": .spouse,
        "child": .child, "con": .child, "parent": .parent, "bo": .parent, "me": .parent, "cha": .parent, "bo/me": .parent,
        "grandchild": .grandchild, "chau": .grandchild, "sibling": .sibling, "anh": .sibling, "chi": .sibling,
        "em": .sibling, "anh/chi/em": .sibling, "other": .other, "khac": .other, "": .other]
    static let yes: Set<String> = ["yes", "y", "1", "x", "true", "co"]
    static let no: Set<String> = ["no", "n", "0", "", "false", "khong"]

    /// One parsed row; `line` is its line in the file (the header is line 1).
    public struct Row: Sendable {
        public var line: Int
        public var householdCode: String
        public var villageCode: String
        public var groupCode: String
        public var address: String
        public var householdPhone: String?
        public var fullName: String
        public var gender: Gender
        public var birthYear: Int?
        public var relation: Relation
        public var phone: String?
        public var representative: Bool
    }

    /// Reads and checks every row's own fields. Throws InvalidInput listing every bad row.
    public static func parse(_ data: Data) throws -> [Row] {
        try parse(SheetFile.read(data))
    }

    /// Checks the rows of a CSV or XLSX file alike (Support/SheetFile.swift).
    static func parse(_ file: SheetFile) throws -> [Row] {
        var c = Checker()
        let header = file.header.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        var index: [String: Int] = [:]
        for (i, h) in header.enumerated() {
            if h.isEmpty && file.format == .xlsx { continue }   // a blank header cell in a sheet is no column
            if !columns.contains(h) { c.add(h, "error.csvUnknownColumn", [h], line: file.headerLine) }
            else if index[h] != nil { c.add(h, "error.csvDuplicateColumn", [h], line: file.headerLine) }
            else { index[h] = i }
        }
        for r in required.sorted() where index[r] == nil { c.add(r, "error.csvMissingColumn", [r], line: file.headerLine) }
        try c.check()

        var rows: [Row] = []
        var line = file.headerLine
        let thisYear = Int(Day.today().prefix(4))!
        while let sheetRow = file.nextRow() {
            line = sheetRow.line
            let raw = sheetRow.cells
            if raw.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) { continue }
            func f(_ col: String) -> String {
                guard let i = index[col], i < raw.count else { return "" }
                let v = trimmed(raw[i])
                return v.utf8.allSatisfy({ $0 < 0x80 }) ? v : v.precomposedStringWithCanonicalMapping
            }
            /// A phone the sheet holds as a number lost its leading 0: say so rather than guess it back.
            func phoneIssue(_ col: String) -> String {
                if let i = index[col], sheetRow.numbers.contains(i) { return "error.xlsxPhoneNumber" }
                return "error.phone"
            }
            /// A unit's code: looked up among the commune's units, never stored.
            func text(_ col: String, max: Int) -> String {
                let v = f(col)
                if v.count > max { c.add(col, "error.tooLong", [String(max)], line: line) }
                return v
            }
            /// A cell as read (trimmed, not yet composed): the rules compose what they keep.
            func cell(_ col: String) -> String {
                guard let i = index[col], i < raw.count else { return "" }
                return trimmed(raw[i])
            }
            /// The rules' issues under this file's column names and this row's line; a phone kept as a number says so.
            func report(_ issues: [FieldIssue], _ columns: [String: String]) {
                for i in issues {
                    let col = columns[i.field] ?? i.field
                    c.add(col, i.key == "error.phone" ? phoneIssue(col) : i.key, i.args, line: line)
                }
            }
            let village = text("village_code", max: 20)
            let group = text("group_code", max: 20)
            // The household's columns by the household's rules; its address may be left blank on a row that continues
            // a household above it (the first row of each household must hold it: importRows).
            var hc = Checker()
            let household = HouseholdInput(code: cell("household_code"), address: cell("address"), phone: cell("household_phone"))
                .validate(into: &hc, addressRequired: false, thisYear: thisYear)
            report(hc.issues, ["code": "household_code", "phone": "household_phone"])
            // A row with no resident fields at all declares a household without residents (as the export writes it);
            // any other row is a resident, checked by the resident's rules. The file's words for a gender or a
            // relation ("nữ", "chủ hộ") are read as the values they stand for.
            let residentless = ["gender", "birth_year", "relation", "phone", "representative"].allSatisfy { cell($0).isEmpty }
            var person = ResidentFields(name: "", gender: .unknown, birthYear: nil, relation: .other, phone: nil)
            if !(residentless && cell("full_name").isEmpty) {
                var rc = Checker()
                person = ResidentInput(fullName: cell("full_name"), gender: genders[Fold.key(f("gender"))]?.rawValue ?? f("gender"),
                                       relation: relations[Fold.key(f("relation"))]?.rawValue ?? f("relation"), phone: cell("phone"),
                                       birthYearText: cell("birth_year"))
                    .validate(into: &rc, thisYear: thisYear)
                report(rc.issues, ["fullName": "full_name", "birthYear": "birth_year"])
            }
            let repRaw = Fold.key(f("representative"))
            if !yes.contains(repRaw) && !no.contains(repRaw) { c.add("representative", "error.yesNo", line: line) }
            rows.append(Row(line: line, householdCode: household.code, villageCode: village, groupCode: group, address: household.address,
                            householdPhone: household.phone, fullName: person.name, gender: person.gender, birthYear: person.birthYear,
                            relation: person.relation, phone: person.phone, representative: yes.contains(repRaw)))
            if c.issues.count >= 1000 { break }
        }
        if let e = file.readError { c.add("file", "error.csvUnreadable", [e], line: line) }
        if rows.isEmpty && c.issues.isEmpty { c.add("file", "error.csvEmpty") }
        try c.check()
        return rows
    }

    /// Strips ASCII spaces, tabs and line breaks at both ends: Foundation's trimming is many times slower on a
    /// hot path of half a million rows × eleven fields.
    static func trimmed(_ s: String) -> String {
        let u = s.utf8
        guard let first = u.first, let last = u.last else { return s }
        func space(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
        if !space(first) && !space(last) { return s }
        var start = u.startIndex, end = u.endIndex
        while start < end, space(u[start]) { start = u.index(after: start) }
        while end > start, space(u[u.index(before: end)]) { end = u.index(before: end) }
        return String(s[start..<end])
    }

    public static func importFile(_ data: Data, into commune: AdminUnit, on db: any Database,
                                  progress: (@Sendable (Double) -> Void)? = nil) async throws -> ImportReport {
        let rows = try parse(data)
        progress?(0.2)
        return try await importRows(rows, into: commune, on: db, progress: progress)
    }

    /// What the audit log keeps of an imported row (the fields the import writes).
    struct AuditedHousehold: Encodable {
        var code: String; var villageId: UUID; var groupId: UUID?; var address: String; var phone: String?; var representativeId: UUID?
    }
    struct AuditedResident: Encodable {
        var householdId: UUID; var fullName: String; var gender: Gender; var birthYear: Int?; var relation: Relation; var phone: String?
    }

    struct PlannedHousehold {
        var id: UUID
        var code: String
        var villageID: UUID
        var groupID: UUID?
        var address: String
        var phone: String?
        var residents: [Row]
    }

    /// Checks rows against the database (units, codes of other communes, household consistency) and writes them
    /// in one transaction.
    public static func importRows(_ rows: [Row], into commune: AdminUnit, on db: any Database,
                                  progress: (@Sendable (Double) -> Void)? = nil) async throws -> ImportReport {
        guard commune.kind == .commune else { throw InvalidInput("commune", "error.onlyCommunes") }
        guard let sql = db as? any SQLDatabase else { throw Abort(.internalServerError) }
        var c = Checker()
        let today = Day.today()
        let villages = try await AdminUnit.query(on: db).filter(\.$parentID == commune.id).filter(\.$kind == .village).all()
            .filter { $0.isInForce(on: today) }
        let villageByCode = Dictionary(villages.map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a })
        let groups = villages.isEmpty ? [] : try await AdminUnit.query(on: db).filter(\.$parentID ~~ villages.map { $0.id! })
            .filter(\.$kind == .group).all().filter { $0.isInForce(on: today) }
        var groupByKey: [String: AdminUnit] = [:]
        for g in groups { groupByKey["\(g.parentID!)|\(g.code)"] = g }

        // Group rows by household, in file order.
        var order: [String] = []
        var byCode: [String: PlannedHousehold] = [:]
        for r in rows {
            if var h = byCode[r.householdCode] {
                if !r.villageCode.isEmpty, villageByCode[r.villageCode]?.id != h.villageID { c.add("village_code", "error.csvInconsistent", [r.householdCode], line: r.line) }
                if !r.address.isEmpty && r.address != h.address { c.add("address", "error.csvInconsistent", [r.householdCode], line: r.line) }
                if r.householdPhone != nil && r.householdPhone != h.phone { c.add("household_phone", "error.csvInconsistent", [r.householdCode], line: r.line) }
                if !r.groupCode.isEmpty, groupByKey["\(h.villageID)|\(r.groupCode)"]?.id != h.groupID { c.add("group_code", "error.csvInconsistent", [r.householdCode], line: r.line) }
                h.residents.append(r)
                byCode[r.householdCode] = h
                continue
            }
            var village: AdminUnit? = nil
            if r.villageCode.isEmpty { c.add("village_code", "error.required", line: r.line) }
            else if let v = villageByCode[r.villageCode] { village = v }
            else { c.add("village_code", "error.csvUnknownVillage", [r.villageCode, commune.name], line: r.line) }
            if r.address.isEmpty { c.add("address", "error.required", line: r.line) }
            var groupID: UUID? = nil
            if !r.groupCode.isEmpty, let v = village {
                if let g = groupByKey["\(v.id!)|\(r.groupCode)"] { groupID = g.id }
                else { c.add("group_code", "error.csvUnknownGroup", [r.groupCode, v.name], line: r.line) }
            }
            order.append(r.householdCode)
            byCode[r.householdCode] = PlannedHousehold(id: UUID.random(), code: r.householdCode, villageID: village?.id ?? UUID.random(),
                                                       groupID: groupID, address: r.address, phone: r.householdPhone, residents: [r])
        }
        for code in order {
            let h = byCode[code]!
            let reps = h.residents.filter { !$0.fullName.isEmpty && $0.representative }
            if reps.count > 1 { c.add("representative", "error.csvTwoRepresentatives", [code], line: reps[1].line) }
            if h.residents.count > 1, let blank = h.residents.first(where: { $0.fullName.isEmpty }) {
                c.add("full_name", "error.required", line: blank.line)
            }
        }
        try c.check()

        // What is there already: households of this commune by code; codes taken by other communes are errors.
        struct Existing { var id: UUID; var villageID: UUID; var groupID: UUID?; var address: String; var phone: String?; var repID: UUID? }
        var existing: [String: Existing] = [:]
        let existingRows = try await sql.select().columns("id", "code", "commune_id", "village_id", "group_id", "address", "phone", "representative_id")
            .from("households").where("commune_id", .equal, commune.id!).all()
        for r in existingRows {
            existing[try r.decode(column: "code", as: String.self)] = Existing(
                id: try r.decode(column: "id", as: UUID.self), villageID: try r.decode(column: "village_id", as: UUID.self),
                groupID: try r.decode(column: "group_id", as: UUID?.self), address: try r.decode(column: "address", as: String.self),
                phone: try r.decode(column: "phone", as: String?.self), repID: try r.decode(column: "representative_id", as: UUID?.self))
        }
        let newCodes = order.filter { existing[$0] == nil }
        for chunk in newCodes.chunked(900) {
            let taken = try await sql.select().column("code").from("households").where("code", .in, Array(chunk)).all()
            for t in taken {
                let code = try t.decode(column: "code", as: String.self)
                c.add("household_code", "error.csvCodeOtherCommune", [code], line: byCode[code]!.residents[0].line)
            }
        }
        try c.check()

        // Residents already registered in the households the file touches, keyed by folded name and birth year.
        struct ExistingResident { var id: UUID; var gender: Gender; var relation: Relation; var phone: String? }
        var residentsByHousehold: [UUID: [String: ExistingResident]] = [:]
        let touched = order.compactMap { existing[$0]?.id }
        for chunk in touched.chunked(900) {
            let rs = try await sql.select().columns("id", "household_id", "full_name", "birth_year", "gender", "relation", "phone")
                .from("residents").where("household_id", .in, Array(chunk)).all()
            for r in rs {
                let key = Fold.key(try r.decode(column: "full_name", as: String.self)) + "|" + String(describing: try r.decode(column: "birth_year", as: Int?.self))
                residentsByHousehold[try r.decode(column: "household_id", as: UUID.self), default: [:]][key] = ExistingResident(
                    id: try r.decode(column: "id", as: UUID.self),
                    gender: Gender(rawValue: try r.decode(column: "gender", as: String.self)) ?? .unknown,
                    relation: Relation(rawValue: try r.decode(column: "relation", as: String.self)) ?? .other,
                    phone: try r.decode(column: "phone", as: String?.self))
            }
        }

        var report = ImportReport(rows: rows.count, householdsAdded: 0, householdsUpdated: 0, householdsUnchanged: 0,
                                  residentsAdded: 0, residentsUpdated: 0, residentsUnchanged: 0)
        let now = AppClock.now
        var householdRows: [[SQLValue]] = []
        var residentRows: [[SQLValue]] = []
        var householdUpdates: [(UUID, PlannedHousehold, UUID?, String)] = []
        // The villages households leave and join: the overview's visit counts of those villages are counted again.
        var movedVillages: [UUID] = []
        var auditRows: [[SQLValue]] = []
        let who = Audit.actor ?? AuditActor(personID: nil, tokenID: nil, name: "system")
        func auditRow(_ action: String, _ table: String, _ row: UUID, _ unit: UUID, before: (any Encodable)?, after: (any Encodable)?) -> [SQLValue] {
            [UUID.timeOrdered(at: now), now, who.personID, who.tokenID, who.name, action, table, row, unit, Audit.json(before), Audit.json(after)]
        }
        var residentUpdates: [(UUID, Row)] = []
        for code in order {
            let plan = byCode[code]!
            let people = plan.residents.filter { !$0.fullName.isEmpty }
            let old = existing[code]
            let hid = old?.id ?? plan.id
            let known = old.map { residentsByHousehold[$0.id] ?? [:] } ?? [:]
            let auditUnit = plan.groupID ?? plan.villageID
            // The representative: the one marked, else the head, else the first listed.
            let repRow = people.first(where: \.representative) ?? people.first(where: { $0.relation == .head }) ?? people.first
            var repID: UUID? = nil
            for p in people {
                let key = Fold.key(p.fullName) + "|" + String(describing: p.birthYear)
                let rid: UUID
                if let k = known[key] {
                    rid = k.id
                    if k.gender != p.gender || k.relation != p.relation || k.phone != p.phone {
                        residentUpdates.append((k.id, p)); report.residentsUpdated += 1
                        auditRows.append(auditRow("update", Resident.schema, k.id, auditUnit,
                                                   before: AuditedResident(householdId: hid, fullName: p.fullName, gender: k.gender, birthYear: p.birthYear, relation: k.relation, phone: k.phone),
                                                   after: AuditedResident(householdId: hid, fullName: p.fullName, gender: p.gender, birthYear: p.birthYear, relation: p.relation, phone: p.phone)))
                    } else { report.residentsUnchanged += 1 }
                } else {
                    rid = UUID.random()
                    residentRows.append([rid, hid, p.fullName, p.gender.rawValue, p.birthYear, p.relation.rawValue, p.phone,
                                         Resident.searchKey(name: p.fullName, phone: p.phone), now, now])
                    report.residentsAdded += 1
                    auditRows.append(auditRow("create", Resident.schema, rid, auditUnit, before: nil,
                                              after: AuditedResident(householdId: hid, fullName: p.fullName, gender: p.gender, birthYear: p.birthYear, relation: p.relation, phone: p.phone)))
                }
                if p.line == repRow?.line { repID = rid }
            }
            let key = Household.searchKey(code: code, address: plan.address, phone: plan.phone, representative: repRow?.fullName)
            if let o = old {
                // Without a row marked as representative, the one chosen before stays.
                let marked = people.contains(where: \.representative)
                let rep = marked ? repID : (o.repID ?? repID)
                if o.villageID != plan.villageID || o.groupID != plan.groupID || o.address != plan.address || o.phone != plan.phone || o.repID != rep {
                    householdUpdates.append((o.id, plan, rep, key)); report.householdsUpdated += 1
                    if o.villageID != plan.villageID || o.groupID != plan.groupID { movedVillages += [o.villageID, plan.villageID] }
                    auditRows.append(auditRow("update", Household.schema, o.id, auditUnit,
                                              before: AuditedHousehold(code: code, villageId: o.villageID, groupId: o.groupID, address: o.address, phone: o.phone, representativeId: o.repID),
                                              after: AuditedHousehold(code: code, villageId: plan.villageID, groupId: plan.groupID, address: plan.address, phone: plan.phone, representativeId: rep)))
                } else { report.householdsUnchanged += 1 }
            } else {
                householdRows.append([hid, code, commune.id!, plan.villageID, plan.groupID, plan.address, plan.phone, repID, key, now, now])
                report.householdsAdded += 1
                auditRows.append(auditRow("create", Household.schema, hid, auditUnit, before: nil,
                                          after: AuditedHousehold(code: code, villageId: plan.villageID, groupId: plan.groupID, address: plan.address, phone: plan.phone, representativeId: repID)))
            }
        }
        progress?(0.3)
        let (hRows, rRows, hUpdates, rUpdates, done, aRows) = (householdRows, residentRows, householdUpdates, residentUpdates, report, auditRows)
        let moved = movedVillages
        let total = Double(householdRows.count + residentRows.count + householdUpdates.count + residentUpdates.count)
        try await db.auditedTransaction { db in
            let sql = db as! any SQLDatabase
            try await Bulk.insert(sql, into: "households", columns: ["id", "code", "commune_id", "village_id", "group_id", "address", "phone", "representative_id", "search_key", "created_at", "updated_at"], rows: hRows) { done in
                progress?(0.3 + 0.7 * Double(done) / max(total, 1))
            }
            try await Bulk.insert(sql, into: "residents", columns: ["id", "household_id", "full_name", "gender", "birth_year", "relation", "phone", "search_key", "created_at", "updated_at"], rows: rRows) { done in
                progress?(0.3 + 0.7 * Double(hRows.count + done) / max(total, 1))
            }
            for (id, plan, rep, key) in hUpdates {
                try await sql.update("households").set("village_id", to: plan.villageID).set("group_id", to: plan.groupID)
                    .set("address", to: plan.address).set("phone", to: plan.phone).set("representative_id", to: rep)
                    .set("search_key", to: key).set("updated_at", to: now).where("id", .equal, id).run()
            }
            for (id, p) in rUpdates {
                try await sql.update("residents").set("gender", to: p.gender.rawValue).set("relation", to: p.relation.rawValue)
                    .set("phone", to: p.phone).set("search_key", to: Resident.searchKey(name: p.fullName, phone: p.phone))
                    .set("updated_at", to: now).where("id", .equal, id).run()
            }
            // The outreach overview's rows of every household added, moved or given residents.
            try await OutreachSummary.refresh(hRows.compactMap { $0[0] as? UUID } + rRows.compactMap { $0[1] as? UUID } + hUpdates.map(\.0), on: db)
            try await VisitMonths.recount(villages: moved, on: db)
            // One audit row per household and resident written, then the import's summary.
            try await Bulk.insert(sql, into: AuditEvent.schema, columns: ["id", "at", "person_id", "token_id", "actor", "action", "table_name", "row_id", "unit_id", "before", "after"], rows: aRows)
            try await Audit.record("import", Household.schema, unit: commune.id, after: done, on: db)
        }
        progress?(1)
        return report
    }

    /// The households (and their residents) of a unit as CSV in the import format, so an export imports back unchanged.
    public static func export(unit: AdminUnit, on db: any Database) async throws -> String {
        String(decoding: try await export(unit: unit, format: .csv, on: db), as: UTF8.self)
    }

    /// The same rows as CSV or as an .xlsx sheet (birth years as numbers, everything else text).
    static func export(unit: AdminUnit, format: SheetFile.Format, on db: any Database) async throws -> Data {
        let rows = try await exportRows(unit: unit, on: db)
        return try SheetFile.write(format, sheet: unit.code, header: columns, rows: rows,
                                   numberColumns: [columns.firstIndex(of: "birth_year")!])
    }

    /// One row per resident (a household without residents is one row with the resident columns empty), households
    /// by code, in the import's columns.
    static func exportRows(unit: AdminUnit, on db: any Database) async throws -> [[String]] {
        guard let sql = db as? any SQLDatabase else { throw Abort(.internalServerError) }
        let column = unit.kind == .village ? "village_id" : unit.kind == .group ? "group_id" : "commune_id"
        let units = try await AdminUnit.query(on: db).filter(\.$kind ~~ [.village, .group]).filter(\.$communeID == (unit.kind == .commune ? unit.id : unit.communeID)).all()
        let codeOf = Dictionary(uniqueKeysWithValues: units.map { ($0.id!, $0.code) })
        let households = try await sql.select().columns("id", "code", "village_id", "group_id", "address", "phone", "representative_id")
            .from("households").where(SQLIdentifier(column), .equal, unit.id!).orderBy("code").all()
        // Residents per household, fetched 500 households at a time.
        var people: [UUID: [SQLRow]] = [:]
        for chunk in households.chunked(500) {
            let ids = try chunk.map { try $0.decode(column: "id", as: UUID.self) }
            for r in try await sql.select().columns("id", "household_id", "full_name", "gender", "birth_year", "relation", "phone")
                .from("residents").where("household_id", .in, ids).orderBy("birth_year").orderBy("full_name").all() {
                people[try r.decode(column: "household_id", as: UUID.self), default: []].append(r)
            }
        }
        var out: [[String]] = []
        out.reserveCapacity(households.count * 3)
        do {
            for h in households {
                let id = try h.decode(column: "id", as: UUID.self)
                let rep = try h.decode(column: "representative_id", as: UUID?.self)
                let base = [try h.decode(column: "code", as: String.self),
                            codeOf[try h.decode(column: "village_id", as: UUID.self)] ?? "",
                            (try h.decode(column: "group_id", as: UUID?.self)).flatMap { codeOf[$0] } ?? "",
                            try h.decode(column: "address", as: String.self),
                            try h.decode(column: "phone", as: String?.self) ?? ""]
                let list = people[id] ?? []
                if list.isEmpty { out.append(base + ["", "", "", "", "", ""]) }
                for p in list {
                    out.append(base + [try p.decode(column: "full_name", as: String.self),
                                             try p.decode(column: "gender", as: String.self),
                                             (try p.decode(column: "birth_year", as: Int?.self)).map(String.init) ?? "",
                                             try p.decode(column: "relation", as: String.self),
                                             try p.decode(column: "phone", as: String?.self) ?? "",
                                             (try p.decode(column: "id", as: UUID.self)) == rep ? "yes" : ""])
                }
            }
        }
        return out
    }
}
