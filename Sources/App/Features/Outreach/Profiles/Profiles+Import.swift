// Profiles from an official's spreadsheet (CSV or XLSX), and back out: one row per household and date, in the columns
// below. An import is all-or-nothing: every bad cell is answered with its line, its column and the reason in the
// caller's language, and nothing is written. Each row is checked by the same rules as the form and visits
// (`ProfileAnswers.validate`, its fields renamed to the file's columns); the household codes are read with one query
// (the unit's households), the headcounts in chunks, and the rows written with multi-row inserts (`Bulk.insert`), so
// the 45,000 households of a former district import in seconds (docs/benchmarks.md).
import Fluent
import Foundation
import SQLKit
import Vapor

public struct ProfileImportReport: Content, Sendable, Equatable {
    /// Data rows read (blank lines left out).
    public var rows: Int
    /// Profiles recorded.
    public var profilesAdded: Int
    /// Rows with no answer at all (a household left blank in an exported sheet), skipped.
    public var rowsSkipped: Int
    /// Households the recorded profiles belong to.
    public var households: Int
    /// Rows whose answers the household's profile already holds on the same date (a file imported again), not
    /// recorded twice.
    public var rowsUnchanged: Int = 0
}

public enum ProfilesCSV {
    public static let columns = ["household_code", "as_of", "internet", "smartphone_users", "adults_vneid", "adults_cashless",
                                 "online_services", "e_health", "in_village_channel", "channel", "sells_online", "own_camera"]
    static let required: Set<String> = ["household_code", "as_of"]
    /// The rules' field names → the file's columns.
    static let columnOf: [String: String] = [
        "internet": "internet", "smartphoneUsers": "smartphone_users", "adultsVneid": "adults_vneid", "adultsCashless": "adults_cashless",
        "onlineServices": "online_services", "eHealth": "e_health", "inVillageChannel": "in_village_channel", "channel": "channel",
        "sellsOnline": "sells_online", "ownCamera": "own_camera"]

    static let yes: Set<String> = ["yes", "y", "1", "co", "true", "x"]
    static let no: Set<String> = ["no", "n", "0", "khong", "false"]
    /// The words a sheet may use for a choice (folded: no diacritics, lower case) → the value.
    static let internetWords: [String: String] = ["fibre": "fibre", "fiber": "fibre", "cap quang": "fibre", "mobile": "mobile",
                                                  "di dong": "mobile", "3g": "mobile", "4g": "mobile", "none": "none", "khong": "none",
                                                  "khong co": "none"]
    static let channelWords: [String: String] = ["zalo": "zalo", "facebook": "facebook", "other": "other", "khac": "other",
                                                 "kenh khac": "other"]

    /// One checked row of the file.
    struct Row {
        var line: Int
        var code: String
        var asOf: String?
        var answers: ProfileAnswers
    }

    /// Reads the rows' own cells (no database): header, dates, yes/no, numbers, choices, their issues into `c`. A
    /// header at fault throws at once (the rows cannot be read without it).
    static func parse(_ data: Data, today: String, into c: inout Checker) throws -> [Row] {
        let file = try SheetFile.read(data)
        var index: [String: Int] = [:]
        for (i, raw) in file.header.enumerated() {
            let h = raw.trimmingCharacters(in: .whitespaces).lowercased()
            if h.isEmpty && file.format == .xlsx { continue }
            if !columns.contains(h) { c.add(h, "error.csvUnknownColumn", [h], line: file.headerLine) }
            else if index[h] != nil { c.add(h, "error.csvDuplicateColumn", [h], line: file.headerLine) }
            else { index[h] = i }
        }
        for r in required.sorted() where index[r] == nil { c.add(r, "error.csvMissingColumn", [r], line: file.headerLine) }
        try c.check()

        var rows: [Row] = []
        var line = file.headerLine
        while let sheetRow = file.nextRow() {
            line = sheetRow.line
            let raw = sheetRow.cells
            if raw.allSatisfy({ RegistryCSV.trimmed($0).isEmpty }) { continue }
            func cell(_ col: String) -> String {
                guard let i = index[col], i < raw.count else { return "" }
                return RegistryCSV.trimmed(raw[i])
            }
            func flag(_ col: String) -> Bool? {
                let v = Fold.key(cell(col))
                if v.isEmpty { return nil }
                if yes.contains(v) { return true }
                if no.contains(v) { return false }
                c.add(col, "error.profile.yesNo", line: line)
                return nil
            }
            func number(_ col: String) -> Int? {
                let v = cell(col)
                if v.isEmpty { return nil }
                if let n = Int(v) { return n }
                c.add(col, "error.outreach.count", [String(ProfileAnswers.maxCount)], line: line)
                return nil
            }
            func choice(_ col: String, _ words: [String: String]) -> String? {
                let v = cell(col)
                if v.isEmpty { return nil }
                return words[Fold.key(v)] ?? v   // an unknown word is left for the rules to refuse
            }
            let code = cell("household_code")
            if code.isEmpty { c.add("household_code", "error.required", line: line) }
            let answers = ProfileAnswers(internet: choice("internet", internetWords), smartphoneUsers: number("smartphone_users"),
                                         adultsVneid: number("adults_vneid"), adultsCashless: number("adults_cashless"),
                                         onlineServices: flag("online_services"), eHealth: flag("e_health"),
                                         inVillageChannel: flag("in_village_channel"), channel: choice("channel", channelWords),
                                         sellsOnline: flag("sells_online"), ownCamera: flag("own_camera"))
            let answered = columns.dropFirst(2).contains { !cell($0).isEmpty }
            var asOf: String? = nil
            let rawDate = cell("as_of")
            if !rawDate.isEmpty {
                if let d = Day.parse(rawDate) {
                    if d > today { c.add("as_of", "error.profile.future", line: line) } else { asOf = d }
                } else { c.add("as_of", "error.date", line: line) }
            } else if answered {
                c.add("as_of", "error.required", line: line)
            }
            rows.append(Row(line: line, code: code, asOf: answered ? asOf : nil, answers: answered ? answers : ProfileAnswers()))
            if c.issues.count >= 1000 { break }
        }
        if let e = file.readError { c.add("file", "error.csvUnreadable", [e], line: line) }
        if rows.isEmpty && c.issues.isEmpty { c.add("file", "error.csvEmpty") }
        return rows
    }

    /// Checks the file against the unit's households and records its profiles in one transaction (source `.import`).
    /// `unit` is a commune or village the caller may manage teams in: a code outside it is an error on its line.
    public static func importFile(_ data: Data, into unit: AdminUnit, access: Access, on db: any Database) async throws -> ProfileImportReport {
        let now = AppClock.now
        // Every issue of the file at once: its cells', then the households' (codes, dates, counts).
        var c = Checker()
        let rows = try parse(data, today: Day.today(now), into: &c)
        let sql = try ProfileRows.sql(db)
        // The unit's households by code: one query.
        let column = unit.kind == .commune ? "commune_id" : unit.kind == .village ? "village_id" : "group_id"
        var byCode: [String: UUID] = [:]
        for r in try await sql.select().columns("id", "code").from("households").where(SQLIdentifier(column), .equal, unit.id!).all() {
            byCode[try r.decode(column: "code", as: String.self)] = try r.decode(column: "id", as: UUID.self)
        }
        var seen: [String: Int] = [:]
        var planned: [(row: Row, household: UUID)] = []
        var skipped = 0
        for r in rows {
            guard !r.code.isEmpty else { continue }
            guard let hid = byCode[r.code] else { c.add("household_code", "error.profile.unknownHousehold", [r.code, unit.name], line: r.line); continue }
            guard let day = r.asOf else { skipped += 1; continue }
            let key = r.code + "|" + day
            if let first = seen[key] { c.add("household_code", "error.profile.duplicateRow", [r.code, String(first)], line: r.line); continue }
            seen[key] = r.line
            planned.append((r, hid))
        }
        // Counts are checked against each household's residents in the year of the row's date.
        let years = Set(planned.compactMap { Int($0.row.asOf!.prefix(4)) })
        let counts = try await ProfileRows.headcounts(of: Array(Set(planned.map(\.household))), years: years, on: db)
        var values: [[SQLValue]] = []
        values.reserveCapacity(planned.count)
        // The profile each household already has on each row's date: a row that repeats it (the same file imported
        // again, or an export imported back) adds nothing to the history.
        var held: [String: ProfileDTO] = [:]
        for (day, group) in Dictionary(grouping: planned, by: { $0.row.asOf! }) {
            for (hid, p) in try await ProfileRows.latest(of: group.map(\.household), asOf: day, on: db) where p.asOf == day {
                held[hid.uuidString + "|" + day] = p
            }
        }
        var unchanged = 0
        for (r, hid) in planned {
            var rc = Checker()
            let year = Int(r.asOf!.prefix(4))!
            let fields = r.answers.validate(into: &rc, prefix: "", counts: counts[hid]?[year] ?? HouseholdHeadcount(residents: 0, adults: 0))
            for i in rc.issues { c.add(columnOf[i.field] ?? i.field, i.key, i.args, line: r.line) }
            if rc.issues.isEmpty {
                if let p = held[hid.uuidString + "|" + r.asOf!], p.fields == fields { unchanged += 1; continue }
                values.append(ProfileRows.row(household: hid, asOf: r.asOf!, source: .import, visit: nil, fields, recordedBy: access.personID, at: now))
            }
            if c.issues.count >= 1000 { break }
        }
        // In the file's order: by line, then as found.
        if !c.issues.isEmpty {
            throw InvalidInput(c.issues.enumerated().sorted { ($0.element.line ?? 0, $0.offset) < ($1.element.line ?? 0, $1.offset) }.map(\.element))
        }
        let report = ProfileImportReport(rows: rows.count, profilesAdded: values.count, rowsSkipped: skipped,
                                         households: Set(values.compactMap { $0[1] as? UUID }).count, rowsUnchanged: unchanged)
        let rowsToWrite = values
        try await db.auditedTransaction { db in
            try await Bulk.insert(try ProfileRows.sql(db), into: HouseholdProfile.schema, columns: ProfileRows.columns, rows: rowsToWrite)
            try await OutreachSummary.refresh(rowsToWrite.compactMap { $0[1] as? UUID }, on: db)
            try await Audit.record("import", HouseholdProfile.schema, unit: unit.id, after: report, on: db)
        }
        return report
    }

    /// The current profile of each household of the unit (households by code), in the import's columns; a household
    /// with no profile is a row with only its code, which an import skips. Cells go through CSVText (`SheetFile.write`).
    static func export(unit: AdminUnit, format: SheetFile.Format, on db: any Database) async throws -> (Data, Int) {
        let sql = try ProfileRows.sql(db)
        let column = unit.kind == .commune ? "commune_id" : unit.kind == .village ? "village_id" : "group_id"
        let households = try await sql.select().columns("id", "code").from("households")
            .where(SQLIdentifier(column), .equal, unit.id!).orderBy("code").all()
        let ids = try households.map { try $0.decode(column: "id", as: UUID.self) }
        let profiles = try await ProfileRows.latest(of: ids, on: db)
        func yn(_ b: Bool?) -> String { b.map { $0 ? "yes" : "no" } ?? "" }
        func n(_ i: Int?) -> String { i.map(String.init) ?? "" }
        var out: [[String]] = []
        out.reserveCapacity(households.count)
        for (h, id) in zip(households, ids) {
            let code = try h.decode(column: "code", as: String.self)
            guard let p = profiles[id] else { out.append([code] + Array(repeating: "", count: columns.count - 1)); continue }
            out.append([code, p.asOf, p.internet?.rawValue ?? "", n(p.smartphoneUsers), n(p.adultsVneid), n(p.adultsCashless),
                        yn(p.onlineServices), yn(p.eHealth), yn(p.inVillageChannel), p.channel?.rawValue ?? "", yn(p.sellsOnline), yn(p.ownCamera)])
        }
        let numbers: Set<Int> = [3, 4, 5]
        return (try SheetFile.write(format, sheet: unit.code, header: columns, rows: out, numberColumns: numbers), profiles.count)
    }
}
