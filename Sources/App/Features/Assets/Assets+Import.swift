// Assets from an official's spreadsheet (CSV or XLSX) and back out, in the columns below (docs/assets.md). An import
// is all-or-nothing: every bad cell is answered with its line, its column and the reason in the caller's language,
// and nothing is written. Each row is checked by the rules the form uses (`AssetRules`, `GeoPoint.parse`); unit codes
// are read with one query (the units at or below the import's unit).
import Fluent
import Foundation
import SQLKit
import Vapor

public enum AssetsCSV {
    public static let columns = ["kind", "name", "unit_code", "latitude", "longitude", "place", "installed_on", "caretaker_name", "status", "notes"]
    static let required: Set<String> = ["kind", "name"]

    /// The units at or below `unit` by code (the unit itself too).
    static func units(below unit: AdminUnit, on db: any Database) async throws -> [String: AdminUnit] {
        let all = try await AdminUnit.query(on: db).filter(.sql(UnitClosure.below(AdminUnit.schema, "id", [unit.id!]))).all()
        var out: [String: AdminUnit] = [:]
        for u in all where [.commune, .village, .group].contains(u.kind) { out[u.code.lowercased()] = u }
        return out
    }

    public static func importFile(_ data: Data, into unit: AdminUnit, access: Access, today: String, on db: any Database) async throws -> AssetImportReport {
        var c = Checker()
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
        let byCode = try await units(below: unit, on: db)
        let communeID = AssetActions.commune(of: unit)
        var planned: [Asset] = []
        var line = file.headerLine
        var rows = 0
        while let row = file.nextRow() {
            line = row.line
            if row.cells.allSatisfy({ RegistryCSV.trimmed($0).isEmpty }) { continue }
            rows += 1
            func cell(_ col: String) -> String {
                guard let i = index[col], i < row.cells.count else { return "" }
                return RegistryCSV.trimmed(row.cells[i])
            }
            let kind = AssetRules.kind(cell("kind"), line: line, into: &c)
            var rc = Checker()
            let name = rc.text("name", cell("name"), max: 200)
            let place = rc.text("place", cell("place"), max: 200, required: false)
            let caretaker = rc.text("caretaker_name", cell("caretaker_name"), max: 120, required: false)
            let notes = rc.text("notes", cell("notes"), max: 2000, required: false, multiline: true)
            for i in rc.issues { c.add(i.field, i.key, i.args, line: line) }
            var at = unit
            let code = cell("unit_code").lowercased()
            if !code.isEmpty {
                if let u = byCode[code] { at = u } else { c.add("unit_code", "assets.error.unknownUnitCode", [cell("unit_code"), unit.name], line: line) }
            }
            var point: GeoPoint? = nil
            switch GeoPoint.parse(latitude: cell("latitude"), longitude: cell("longitude"), line: line) {
            case .success(let p): point = p
            case .failure(let e): for i in e.issues { c.add(i.field, i.key, i.args, line: line) }
            }
            let installed = AssetRules.installed(cell("installed_on"), today: today, field: "installed_on", line: line, into: &c)
            var status = AssetStatus.working
            if !cell("status").isEmpty, let s = AssetRules.status(cell("status"), line: line, into: &c) { status = s }
            if c.issues.count >= 1000 { break }
            guard c.issues.isEmpty, let kind else { continue }
            let a = Asset()
            a.id = UUID.random()
            a.kind = kind
            a.name = name
            a.unitID = at.id!
            a.communeID = communeID
            a.latitude = point?.latitude
            a.longitude = point?.longitude
            a.place = place.isEmpty ? nil : place
            a.installedOn = installed
            a.caretakerName = caretaker.isEmpty ? nil : caretaker
            a.status = status
            a.statusSince = installed ?? today
            a.notes = notes.isEmpty ? nil : notes
            planned.append(a)
        }
        if let e = file.readError { c.add("file", "error.csvUnreadable", [e], line: line) }
        if rows == 0 && c.issues.isEmpty { c.add("file", "error.csvEmpty") }
        if !c.issues.isEmpty {
            throw InvalidInput(c.issues.enumerated().sorted { ($0.element.line ?? 0, $0.offset) < ($1.element.line ?? 0, $1.offset) }.map(\.element))
        }
        let report = AssetImportReport(rows: rows, assetsAdded: planned.count)
        let assets = planned, by = access.personID
        try await db.auditedTransaction { db in
            for a in assets {
                try await a.create(on: db)
                try await History.add(a.id!, a.status, from: a.statusSince, fault: nil, by: by, on: db)
            }
            try await Audit.record("import", Asset.schema, unit: unit.id, after: report, on: db)
        }
        return report
    }

    /// The assets at or below `unit`, in the import's columns (cells through CSVText by `SheetFile.write`).
    static func export(unit: AdminUnit, format: SheetFile.Format, on db: any Database) async throws -> (Data, Int) {
        let assets = try await Asset.query(on: db).filter(.sql(UnitClosure.below(Asset.schema, "unit_id", [unit.id!]))).filter(\.$qrBoardID == nil)
            .sort(\.$kind).sort(\.$name).all()
        let units = try await AdminUnit.query(on: db).filter(\.$id ~~ Array(Set(assets.map(\.unitID)))).all()
        var code: [UUID: String] = [:]
        for u in units { code[u.id!] = u.code }
        let rows = assets.map { a -> [String] in
            [a.kind.rawValue, a.name, code[a.unitID] ?? "", a.latitude.map { AssetGeoJSON.coordinate($0) } ?? "",
             a.longitude.map { AssetGeoJSON.coordinate($0) } ?? "", a.place ?? "", a.installedOn ?? "",
             a.caretakerResidentID == nil ? (a.caretakerName ?? "") : "", a.status.rawValue, a.notes ?? ""]
        }
        return (try SheetFile.write(format, sheet: unit.code, header: columns, rows: rows), assets.count)
    }
}
