// Criteria's reports and definitions through HTTP: the commune's printable report and every table as CSV and XLSX
// (read back and compared with the JSON evaluation), manual values through the unit page's form, the commune
// digital-transformation set, sets that include other sets (cycles refused), and the definition forms.
import Foundation
import Testing
import Vapor
import VaporTesting
@testable import App

@Suite("CriteriaReports")
struct CriteriaReportsTests {
    static func sheet(_ res: TestingHTTPResponse) throws -> (header: [String], rows: [[String]]) {
        let data = Data(buffer: res.body)
        let file = try SheetFile.read(data)
        var rows: [[String]] = []
        // A sheet leaves trailing empty cells out: pad each row to the header's width.
        while let r = file.nextRow() { rows.append(r.cells + Array(repeating: "", count: max(0, file.header.count - r.cells.count))) }
        return (file.header, rows)
    }

    static func plain(_ v: Double?) -> String { CriteriaReports.plain(v) }

    @Test("a figure as a file writes it: two decimals at most; not a number, infinite or beyond Int's range never traps")
    func plainNumbers() {
        #expect(CriteriaReports.plain(nil) == "" && CriteriaReports.plain(66.666) == "66.67" && CriteriaReports.plain(100) == "100")
        #expect(CriteriaReports.plain(2.5) == "2.5" && CriteriaReports.plain(-0.0) == "0")
        #expect(CriteriaReports.plain(.nan) == "" && CriteriaReports.plain(.infinity) == "" && CriteriaReports.plain(-.infinity) == "")
        // Int(_:) traps on these: -9.3e18 is below Int.min, 1e300 far above Int.max.
        #expect(CriteriaReports.plain(-9.3e18) == "-9300000000000000000")
        let huge = CriteriaReports.plain(1e300)
        #expect(huge.count == 301 && huge.hasPrefix("1") && huge.allSatisfy(\.isNumber))
        #expect(CriteriaReports.plain(Double.greatestFiniteMagnitude).count == 309)
    }

    @Test("the commune's report prints on A4 with its header and signature block; each table's CSV and XLSX hold the JSON evaluation's figures")
    func reportAndFiles() async throws {
        try await withTestApp { app in
            let f = try await CriteriaTests.fixture(app)
            let t = f.tree
            // A manual criterion whose source looks like a formula: the CSV neutralises it.
            let m = try await app.api(.POST, "/api/v1/criteria/sets/\(f.set.id)/criteria",
                                      json: CriterionInput(code: "M1", name: "Loa thông minh", thresholdKind: "yesNo", unitKind: "village", mandatory: false))
            let m1 = try m.decode(CriterionDTO.self)
            #expect(try await app.api(.POST, "/api/v1/criteria/units/\(t.village1.id)/values",
                                      json: ManualValueInput(criterionId: m1.id.uuidString, on: "2025-05-01", value: 1, source: "=1+1 biên bản")).status == .created)
            let e = try await CriteriaTests.evaluation(app, t.commune.id, set: f.set.id)
            #expect(e.below.count == 2)
            let base = "/api/v1/criteria/units/\(t.commune.id)/evaluation/export?set=\(f.set.id)&on=\(e.on)"

            // criteria: one row per criterion, the figures of the JSON evaluation.
            let csv = try await app.api(.GET, base + "&table=criteria&format=csv")
            #expect(csv.status == .ok && csv.headers.contentType?.subType == "csv")
            #expect(csv.headers.first(name: .contentDisposition)?.contains("tieu-chi-criteria-00001-T-") == true)
            let xlsx = try await app.api(.GET, base + "&table=criteria&format=xlsx")
            #expect(xlsx.status == .ok && xlsx.headers.contentType?.subType == "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            for file in [try Self.sheet(csv), try Self.sheet(xlsx)] {
                #expect(file.header.first == "Mã" && file.header[4] == "Tử số")
                #expect(file.rows.count == e.criteria.count)
                for (row, r) in zip(file.rows, e.criteria) {
                    #expect(row[0] == r.criterion.code)
                    #expect(row[4] == (r.numerator.map(String.init) ?? ""))
                    #expect(row[5] == (r.denominator.map(String.init) ?? ""))
                    #expect(row[6] == Self.plain(r.value))
                    #expect(row[10] == (r.unitsPassing.map(String.init) ?? "") && row[11] == (r.units.map(String.init) ?? ""))
                }
                #expect(file.rows[0][4] == "3" && file.rows[0][5] == "5" && file.rows[0][6] == "60" && file.rows[0][10] == "1")
            }
            // The XLSX's sheet XML: the numerator a number cell, every other cell a string.
            let sheetXML = String(decoding: try XLSX.part("xl/worksheets/sheet1.xml", in: Data(buffer: xlsx.body)), as: UTF8.self)
            #expect(sheetXML.contains("<c r=\"E2\" s=\"3\"><v>3</v></c>"))
            #expect(sheetXML.contains("<c r=\"G2\" s=\"2\" t=\"s\">"))

            // units: the villages side by side.
            let units = try Self.sheet(try await app.api(.GET, base + "&table=units&format=xlsx"))
            #expect(units.rows.map { $0[1] } == e.below.map(\.unit.name))
            #expect(units.rows.map { $0[2] } == e.below.map { $0.passes ? "Đạt" : "Chưa đạt" })
            #expect(units.rows.map { $0[3] } == e.below.map { $0.failing.joined(separator: ", ") })

            // report: each village × each village criterion, equal to the village's own evaluation.
            for format in ["csv", "xlsx"] {
                let report = try Self.sheet(try await app.api(.GET, base + "&table=report&format=\(format)"))
                #expect(Array(report.header[2...3]) == ["C1", "M1"])
                #expect(report.rows.count == 2)
                for row in report.rows {
                    let id = try #require(e.below.first { $0.unit.name == row[1] }).unit.id
                    let v = try await CriteriaTests.evaluation(app, id, set: f.set.id)
                    #expect(row[2] == Self.plain(v.criteria.first { $0.criterion.code == "C1" }?.value), "\(row)")
                    #expect(row[3] == Self.plain(v.criteria.first { $0.criterion.code == "M1" }?.value), "\(row)")
                    #expect(row[4] == (v.passes == true ? "Đạt" : "Chưa đạt") && row[5] == v.missing.joined(separator: ", "))
                }
                #expect(report.rows.first { $0[1] == "Thôn Đông" }?[2] == "66.67")
            }
            // The village's own criteria table carries the manual value and its source, neutralised in the CSV.
            let village = try await app.api(.GET, "/api/v1/criteria/units/\(t.village1.id)/evaluation/export?set=\(f.set.id)&table=criteria&format=csv")
            #expect(village.text.contains("'=1+1 biên bản"))
            #expect(try Self.sheet(village).rows.first { $0[0] == "M1" }?[12] == "2025-05-01")
            let bad = try await app.api(.GET, base + "&table=nope")
            #expect(try bad.status == .unprocessableEntity && bad.decode(ErrorBody.self).fields?.first?.field == "table")

            // The printable report and the pages' links.
            let page = try await app.page("/criteria/units/\(t.commune.id)/report?set=\(f.set.id)&on=\(e.on)")
            #expect(page.status == .ok)
            for s in ["ỦY BAN NHÂN DÂN XÃ SONG PHƯỢNG<", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "TM. ỦY BAN NHÂN DÂN",
                      "NGƯỜI LẬP BIỂU", "Kết quả: 1/2 thôn đạt.", "Thôn Đông", "Thôn Đoài", "C1: 1/2 (50%)", "≥ 60%", "table=report&amp;on="] {
                #expect(page.text.contains(s), "\(s)")
            }
            let dashboard = try await app.page("/criteria/units/\(t.commune.id)?set=\(f.set.id)")
            #expect(dashboard.text.contains("/criteria/units/\(t.commune.id.uuidString.lowercased())/export?table=criteria"))
            #expect(dashboard.text.contains("/export?table=units"))
            let file = try await app.page("/criteria/units/\(t.commune.id)/export?set=\(f.set.id)&table=units&format=csv")
            let fileRows = try Self.sheet(file).rows.count
            #expect(file.status == .ok && fileRows == 2)

            // Scoped like the pages: a village head gets their village's files, not the commune's.
            let v1 = try #require(await AdminUnit.find(t.village1.id, on: app.db))
            let (_, head) = try await AccountActions.createToken(name: "head", role: .villageHead, unit: v1, on: app.db)
            #expect(try await app.api(.GET, base + "&table=criteria", token: head).status == .notFound)
            #expect(try await app.api(.GET, "/api/v1/criteria/units/\(t.village1.id)/evaluation/export?table=criteria", token: head).status == .ok)
        }
    }

    @Test("a manual value entered on the unit's page: bad input names the field and writes nothing; the latest on or before the day counts")
    func manualForm() async throws {
        try await withTestApp { app in
            let f = try await CriteriaTests.fixture(app)
            let t = f.tree
            let made = try await app.api(.POST, "/api/v1/criteria/sets/\(f.set.id)/criteria",
                                         json: CriterionInput(code: "H1", name: "Hộ có loa thông minh", thresholdKind: "shareAtLeast", thresholdValue: 50, unitKind: "village"))
            let h1 = try made.decode(CriterionDTO.self)
            let path = "/criteria/units/\(t.village1.id)/values?set=\(f.set.id)"
            let page = try await app.page("/criteria/units/\(t.village1.id)?set=\(f.set.id)")
            #expect(page.text.contains("Nhập số liệu thủ công") && page.text.contains("H1 · Hộ có loa thông minh"))
            let before = try await app.count("criterion_values")
            let cases: [([String: String], String, String)] = [
                (["value": "150", "on": "2025-03-01", "source": "Biên bản"], "value", "Tỷ lệ phải từ 0 đến 100%."),
                (["value": "40", "on": Day.adding(1, to: Day.today(app.now)), "source": "Biên bản"], "on", "Ngày không được sau hôm nay."),
                (["value": "40", "on": "2025-03-01", "source": " "], "source", "Vui lòng"),
                (["value": "bốn mươi", "on": "2025-03-01", "source": "Biên bản"], "value", "Nhập một số"),
            ]
            for (fields, field, message) in cases {
                let res = try await app.form(path, fields.merging(["criterionId": h1.id.uuidString]) { a, _ in a })
                #expect(res.status == .unprocessableEntity, "\(field)")
                #expect(res.text.contains("class=\"error\">\(message)") || res.text.contains(message), "\(field): \(message)")
                #expect(res.text.contains("id=\"mv-\(field)\"") || field == "criterionId")
            }
            #expect(try await app.count("criterion_values") == before)
            for (day, value) in [("2025-03-01", "40"), ("2025-05-01", "70,5")] {
                let ok = try await app.form(path, ["criterionId": h1.id.uuidString, "on": day, "value": value, "source": "Biên bản kiểm tra \(day)"])
                #expect(ok.status == .seeOther, "\(ok.text)")
            }
            func h1Value(_ day: String) async throws -> CriterionResultDTO? {
                try await CriteriaTests.evaluation(app, t.village1.id, set: f.set.id, on: day).criteria.first { $0.criterion.code == "H1" }
            }
            #expect(try await h1Value("2025-02-28")?.value == nil)
            let april = try #require(try await h1Value("2025-04-30"))
            #expect(april.value == 40 && april.passes == false && april.manual?.source == "Biên bản kiểm tra 2025-03-01")
            let june = try #require(try await h1Value("2025-06-01"))
            #expect(june.value == 70.5 && june.passes == true && june.manual?.recordedBy != nil)
            let shown = try await app.page("/criteria/units/\(t.village1.id)?set=\(f.set.id)&on=2025-06-01")
            #expect(shown.text.contains("Nhập tay ngày 01/05/2025, nguồn: Biên bản kiểm tra 2025-05-01"))
            // A village head reads the page but gets no form, and cannot post one.
            let v1 = try #require(await AdminUnit.find(t.village1.id, on: app.db))
            _ = try await AccountActions.createPerson(username: "truongthon", displayName: "Trưởng thôn", password: testPassword, role: .villageHead, unit: v1, app: app)
            let head = try await app.signIn("truongthon")
            let headPage = try await app.page("/criteria/units/\(t.village1.id)?set=\(f.set.id)", as: head)
            #expect(headPage.status == .ok && !headPage.text.contains("Nhập số liệu thủ công"))
            let refused = try await app.form(path, ["criterionId": h1.id.uuidString, "on": "2025-03-01", "value": "1", "source": "x"], as: head)
            #expect(refused.status == .forbidden || refused.status == .notFound)
            #expect(try await app.count("criterion_values") == before + 2)
        }
    }

    @Test("the commune digital-transformation set ships 47 indicators in 8 groups and 3 pillars; the commune page shows it grouped")
    func digitalTransformationSet() async throws {
        try await withTestApp { app in
            let sets = try await app.api(.GET, "/api/v1/criteria/sets").decode([CriteriaSetDTO].self)
            let dt = try #require(sets.first { $0.code == "XA-CDS" && $0.ownerUnitId == nil })
            let criteria = try #require(try await app.api(.GET, "/api/v1/criteria/sets/\(dt.id)").decode(CriteriaSetDTO.self).criteria)
            #expect(criteria.count == 47)
            var groups: [String] = []
            for c in criteria where groups.last != c.groupName { groups.append(c.groupName ?? "") }
            #expect(groups.count == 8 && Set(groups).count == 8)
            #expect(groups.map { g in criteria.filter { $0.groupName == g }.count } == [5, 3, 5, 6, 4, 10, 6, 8])
            #expect(Set(criteria.compactMap(\.pillar)) == [.government, .economy, .society] && criteria.allSatisfy { $0.pillar != nil })
            #expect(criteria.allSatisfy { $0.unitKind == .commune })
            let measures = Dictionary(uniqueKeysWithValues: try await app.api(.GET, "/api/v1/criteria/measures").decode([MeasureDTO].self).map { ($0.key, $0) })
            for c in criteria {
                if let k = c.measureKey {
                    let m = try #require(measures[k], "\(c.code)")
                    #expect(m.unitKinds.contains(.commune), "\(c.code)")
                    if c.thresholdKind == .shareAtLeast { #expect(m.hasDenominator, "\(c.code)") }
                }
                if c.thresholdKind == .shareAtLeast { #expect((0...100).contains(c.thresholdValue ?? -1), "\(c.code)") }
            }
            #expect(criteria.filter { $0.measureKey == nil }.count == 32)
            #expect(criteria.first { $0.code == "CDS-6.1" }?.measureKey == "dossiers.online")
            let t = try await Tree.make(app)
            let page = try await app.page("/criteria/units/\(t.commune.id)?set=\(dt.id)")
            #expect(page.status == .ok)
            #expect(page.text.contains("<tr class=\"group\"><th colspan=\"5\">Chính quyền số · 1. Nhận thức số</th></tr>"))
            #expect(page.text.contains("Kinh tế số · 7. Kinh tế số") && page.text.contains("Xã hội số · 8. Xã hội số"))
            // A manual indicator takes its value on the commune's page; the village page keeps the smart-village set.
            let cds11 = try #require(criteria.first { $0.code == "CDS-1.1" })
            let ok = try await app.form("/criteria/units/\(t.commune.id)/values?set=\(dt.id)", ["criterionId": cds11.id.uuidString, "on": "2025-01-15", "value": "1", "source": "Quyết định 12/QĐ-UBND"])
            #expect(ok.status == .seeOther)
            let e = try await CriteriaTests.evaluation(app, t.commune.id, set: dt.id)
            #expect(e.criteria.first { $0.criterion.code == "CDS-1.1" }?.passes == true && e.passes == false && !e.missing.contains("CDS-1.1"))
            #expect(try await CriteriaTests.evaluation(app, t.village1.id).set.code == "SV")
        }
    }

    @Test("a set includes another's criteria; an include that would make a cycle is refused with the field at fault and nothing written")
    func includesAndCycles() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            let sv = try #require(try await app.api(.GET, "/api/v1/criteria/sets").decode([CriteriaSetDTO].self).first { $0.code == "SV" })
            func make(_ code: String) async throws -> CriteriaSetDTO {
                let r = try await app.api(.POST, "/api/v1/criteria/sets", json: CriteriaSetInput(ownerUnitId: t.province.id.uuidString, code: code, name: "Bộ \(code)"))
                #expect(r.status == .created, "\(r.text)")
                return try r.decode(CriteriaSetDTO.self)
            }
            let p = try await make("P"), q = try await make("Q")
            #expect(try await app.api(.POST, "/api/v1/criteria/sets/\(p.id)/criteria",
                                      json: CriterionInput(code: "P-01", name: "Xã có kế hoạch", thresholdKind: "yesNo", unitKind: "commune")).status == .created)
            let put = try await app.api(.PUT, "/api/v1/criteria/sets/\(p.id)/includes", json: CriteriaSetIncludesInput(includes: [sv.id.uuidString]))
            #expect(put.status == .ok, "\(put.text)")
            #expect(try put.decode(CriteriaSetIncludesDTO.self).includes.map(\.code) == ["SV"])
            let e = try await CriteriaTests.evaluation(app, t.village1.id, set: p.id)
            #expect(e.criteria.map(\.criterion.code) == ["P-01"] + (1...14).map { String(format: "SV-%02d", $0) })
            #expect(try await app.api(.PUT, "/api/v1/criteria/sets/\(q.id)/includes", json: CriteriaSetIncludesInput(includes: [p.id.uuidString])).status == .ok)
            // P → SV, Q → P: P including Q closes the loop; P including itself too.
            for target in [q.id, p.id] {
                let cycle = try await app.api(.PUT, "/api/v1/criteria/sets/\(p.id)/includes", json: CriteriaSetIncludesInput(includes: [sv.id.uuidString, target.uuidString]))
                #expect(cycle.status == .unprocessableEntity)
                let body = try cycle.decode(ErrorBody.self)
                #expect(body.fields?.first?.field == "includes")
                #expect(body.fields?.first?.message.contains(target == q.id ? "P → Q → P" : "P → P") == true, "\(body)")
            }
            #expect(try await app.api(.GET, "/api/v1/criteria/sets/\(p.id)/includes").decode(CriteriaSetIncludesDTO.self).includes.map(\.code) == ["SV"])
            // Q's evaluation follows P into SV.
            #expect(try await CriteriaTests.evaluation(app, t.village1.id, set: q.id).criteria.count == 15)
            // The same through the set's page.
            let form = try await app.form("/criteria/sets/\(p.id)/includes", ["includes[]": q.id.uuidString])
            #expect(form.status == .unprocessableEntity && form.text.contains("tạo thành vòng lặp P → Q → P"))
            #expect(try await app.api(.GET, "/api/v1/criteria/sets/\(p.id)/includes").decode(CriteriaSetIncludesDTO.self).includes.map(\.code) == ["SV"])
            let setPage = try await app.page("/criteria/sets/\(q.id)")
            #expect(setPage.status == .ok && setPage.text.contains("SV-14") && setPage.text.contains("(từ bộ SV)"))
        }
    }

    @Test("definition forms: a set and its criteria made on pages; a bad definition re-shows the form with the message under the field and writes nothing")
    func definitionForms() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            #expect(try await app.page("/criteria/sets/new").status == .ok)
            let badSet = try await app.form("/criteria/sets", ["ownerUnitId": t.commune.id.uuidString, "code": "có dấu cách", "name": "Bộ của xã"])
            #expect(badSet.status == .unprocessableEntity && badSet.text.contains("Mã chỉ gồm chữ, số"))
            #expect(try await app.count("criteria_sets") == 2)
            let made = try await app.form("/criteria/sets", ["ownerUnitId": t.commune.id.uuidString, "code": "XSP", "name": "Bộ của xã"])
            #expect(made.status == .seeOther)
            let location = try #require(made.headers.first(name: .location))
            let set = try #require(try await app.api(.GET, "/api/v1/criteria/sets").decode([CriteriaSetDTO].self).first { $0.code == "XSP" })
            #expect(location == "/criteria/sets/\(set.id.uuidString.lowercased())")
            let good: [String: String] = ["code": "X-01", "name": "Hộ có internet", "measureKey": "households.internet", "thresholdKind": "shareAtLeast",
                                          "thresholdValue": "90", "unitKind": "village", "mandatory": "on", "groupName": "Hạ tầng", "pillar": "society"]
            let bad: [(String, String, String)] = [
                ("thresholdValue", "150", "Tỷ lệ phải từ 0 đến 100%."),
                ("measureKey", "dossiers.online", "Chỉ số dossiers.online không áp dụng cho cấp village."),
                ("thresholdValue", "chín mươi", "Nhập một số"),
            ]
            for (field, value, message) in bad {
                let res = try await app.form(location + "/criteria", good.merging([field: value]) { _, b in b })
                #expect(res.status == .unprocessableEntity, "\(field)")
                #expect(res.text.contains("<p class=\"error\">\(message)"), "\(field): \(message)")
                #expect(res.text.contains("value=\"X-01\""))
            }
            #expect(try await app.count("criteria") == 61)   // SV 14 + XA-CDS 47: nothing written
            #expect(try await app.form(location + "/criteria", good).status == .seeOther)
            let c = try #require(try await app.api(.GET, "/api/v1/criteria/sets/\(set.id)").decode(CriteriaSetDTO.self).criteria?.first)
            #expect(c.code == "X-01" && c.thresholdValue == 90 && c.mandatory && c.pillar == .society && c.measureKey == "households.internet")
            let edit = try await app.page("/criteria/criterion/\(c.id)")
            #expect(edit.status == .ok && edit.text.contains("value=\"90\""))
            // Changed: no measure (entered by hand), optional, a count.
            let changed = try await app.form("/criteria/criterion/\(c.id)", ["code": "X-01", "name": "Hộ có internet", "measureKey": "", "thresholdKind": "countAtLeast",
                                                                              "thresholdValue": "12", "unitKind": "village"])
            #expect(changed.status == .seeOther)
            let after = try await app.api(.GET, "/api/v1/criteria/\(c.id)").decode(CriterionDTO.self)
            #expect(after.measureKey == nil && after.mandatory == false && after.thresholdKind == .countAtLeast && after.thresholdValue == 12)
            let refused = try await app.form("/criteria/criterion/\(c.id)", ["code": "X-01", "name": "Hộ có internet", "thresholdKind": "shareAtLeast", "thresholdValue": "-1", "unitKind": "village"])
            #expect(refused.status == .unprocessableEntity && refused.text.contains("<p class=\"error\">Tỷ lệ phải từ 0 đến 100%."))
            #expect(try await app.api(.GET, "/api/v1/criteria/\(c.id)").decode(CriterionDTO.self).thresholdValue == 12)
            // A village head reads the set's page without the forms, and cannot open the new-set form.
            let v1 = try #require(await AdminUnit.find(t.village1.id, on: app.db))
            _ = try await AccountActions.createPerson(username: "truongthon", displayName: "Trưởng thôn", password: testPassword, role: .villageHead, unit: v1, app: app)
            let head = try await app.signIn("truongthon")
            let read = try await app.page(location, as: head)
            #expect(read.status == .ok && !read.text.contains("Thêm tiêu chí"))
            #expect(try await app.page("/criteria/sets/new", as: head).status == .forbidden)
        }
    }
}
