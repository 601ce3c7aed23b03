import Foundation
import Testing
import Vapor
import VaporTesting
@testable import App

let goodCSV = """
household_code,village_code,group_code,address,household_phone,full_name,gender,birth_year,relation,phone,representative
SP-1,T1,T1-01,"Số 1, ngõ 2",0999000001,Nguyễn Văn An,nam,1970,chủ hộ,,
SP-1,T1,T1-01,"Số 1, ngõ 2",0999000001,Lê Thị Hoa,nữ,1972,vợ,0999000011,x
SP-1,,,,,Nguyễn Văn Bình,male,2001,con,,
SP-2,T2,,Số 5 ngõ 1,,Trần Văn Cường,male,1965,head,,

"""

@Suite("CSV import and export")
struct ImportTests {
    @Test("an official uploads a CSV; importing it again changes nothing; the export imports back unchanged")
    func importTwiceAndExport() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            let res = try await app.upload("/units/\(t.commune.id)/import", filename: "ho.csv", data: Data(goodCSV.utf8))
            #expect(res.status == .ok)
            #expect(res.text.contains("Đã nhập xong"))
            let first = try await RegistryCSV.importFile(Data(goodCSV.utf8), into: try #require(await AdminUnit.find(t.commune.id, on: app.db)), on: app.db)
            #expect(first == ImportReport(rows: 4, householdsAdded: 0, householdsUpdated: 0, householdsUnchanged: 2, residentsAdded: 0, residentsUpdated: 0, residentsUnchanged: 4))
            #expect(try await app.count("households") == 2)
            #expect(try await app.count("residents") == 4)
            // Every row written is in the audit log, by the person who uploaded it; the second import wrote none.
            let created = try await app.api(.GET, "/api/v1/audit?action=create&per=100").decode(Paged<AuditEventDTO>.self).items
            let imported = created.filter { $0.actor == "Quản trị thử" }
            #expect(imported.filter { $0.table == "households" }.count == 2)
            #expect(imported.filter { $0.table == "residents" }.count == 4)
            #expect(imported.contains { $0.after?.contains("Lê Thị Hoa") == true })
            let hh = try await app.api(.GET, "/api/v1/households?q=SP-1").decode(Paged<HouseholdDTO>.self)
            #expect(hh.items.first?.representativeName == "Lê Thị Hoa")
            #expect(hh.items.first?.groupId == t.group11.id)

            let export = try await app.page("/units/\(t.commune.id)/households.csv")
            #expect(export.status == .ok)
            #expect(export.headers.contentType?.subType == "csv")
            let again = try await RegistryCSV.importFile(Data(export.text.utf8), into: try #require(await AdminUnit.find(t.commune.id, on: app.db)), on: app.db)
            #expect(again.householdsUnchanged == 2 && again.residentsUnchanged == 4 && again.householdsUpdated == 0 && again.residentsUpdated == 0)
        }
    }

    @Test("a bad file answers with every bad row's line, column and reason, and writes nothing")
    func badFile() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            _ = try await app.api(.POST, "/api/v1/households", json: householdInput("TAKEN", village: t.otherVillage))
            let bad = """
            household_code,village_code,group_code,address,household_phone,full_name,gender,birth_year,relation,phone,representative
            OK-1,T1,,Số 1,,Nguyễn Văn An,nam,1970,chủ hộ,,
            BAD-2,T9,,Số 2,,Nguyễn Văn Bé,nam,1970,chủ hộ,,
            BAD-3,T1,,Số 3,0123,,nam,1870,cụ,,maybe
            TAKEN,T1,,Số 4,,Phạm Thị Dung,nữ,1980,chủ hộ,,
            BAD-5,T2,T1-01,Số 5,,Vũ Văn Em,nam,1990,chủ hộ,,

            """
            let res = try await app.upload("/units/\(t.commune.id)/import", filename: "ho.csv", data: Data(bad.utf8))
            #expect(res.status == .unprocessableEntity)
            // Line 4 alone has five problems; the text names each line.
            for fragment in ["<td>4</td><td class=\"code\">household_phone", "<td>4</td><td class=\"code\">full_name", "<td>4</td><td class=\"code\">birth_year",
                             "<td>4</td><td class=\"code\">relation", "<td>4</td><td class=\"code\">representative"] {
                #expect(res.text.contains(fragment), "\(fragment)")
            }
            #expect(try await app.count("households") == 1)
            #expect(try await app.count("residents") == 1)

            do {
                _ = try await RegistryCSV.importFile(Data(bad.utf8).dropLast(0), into: try #require(await AdminUnit.find(t.commune.id, on: app.db)), on: app.db)
                Issue.record("a bad file must not import")
            } catch let e as InvalidInput {
                // Field-level problems are found first (line 4); unit and code problems after them.
                #expect(e.issues.allSatisfy { $0.line == 4 })
            }
            let fixed = bad.replacingOccurrences(of: "BAD-3,T1,,Số 3,0123,,nam,1870,cụ,,maybe", with: "BAD-3,T1,,Số 3,,Ngô Văn Phúc,nam,1970,con,,")
            do {
                _ = try await RegistryCSV.importFile(Data(fixed.utf8), into: try #require(await AdminUnit.find(t.commune.id, on: app.db)), on: app.db)
                Issue.record("a bad file must not import")
            } catch let e as InvalidInput {
                #expect(Set(e.issues.map { "\($0.line ?? 0):\($0.field)" }) == ["3:village_code", "6:group_code"])
            }
            let fixed2 = fixed.replacingOccurrences(of: "T9", with: "T1").replacingOccurrences(of: "BAD-5,T2,T1-01", with: "BAD-5,T2,")
            do {
                _ = try await RegistryCSV.importFile(Data(fixed2.utf8), into: try #require(await AdminUnit.find(t.commune.id, on: app.db)), on: app.db)
                Issue.record("a code of another commune must not import")
            } catch let e as InvalidInput {
                #expect(e.issues.map { "\($0.line ?? 0):\($0.field)" } == ["5:household_code"])
            }
            #expect(try await app.count("households") == 1)
        }
    }

    @Test("an upload over the size limit, or a binary file named .csv, is refused and writes nothing")
    func badUploads() async throws {
        try await withTestApp({ $0.maxUploadMB = 1 }) { app in
            let t = try await Tree.make(app)
            var big = Data(goodCSV.utf8)
            big.append(Data(repeating: 0x41, count: 2 * 1_048_576))
            let tooBig = try await app.upload("/units/\(t.commune.id)/import", filename: "ho.csv", data: big)
            #expect(tooBig.status == .payloadTooLarge)
            var exe = Data([0x4D, 0x5A, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00])
            exe.append(Data(repeating: 0, count: 512))
            let binary = try await app.upload("/units/\(t.commune.id)/import", filename: "ho.csv", data: exe)
            #expect(binary.status == .unprocessableEntity)
            #expect(binary.text.contains("UTF-8"))
            let empty = try await app.upload("/units/\(t.commune.id)/import", filename: "ho.csv", data: Data())
            #expect(empty.status == .unprocessableEntity)
            #expect(try await app.count("households") == 0)
        }
    }

    @Test("a household without residents exports and imports back")
    func householdWithoutResidents() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            _ = try await app.api(.POST, "/api/v1/households", json: HouseholdInput(code: "EMPTY-1", villageId: t.village1.id.uuidString, address: "Số 7"))
            let export = try await app.page("/units/\(t.commune.id)/households.csv")
            #expect(export.text.hasPrefix("\u{FEFF}household_code,"))
            let commune = try #require(await AdminUnit.find(t.commune.id, on: app.db))
            let again = try await RegistryCSV.importFile(Data(export.text.utf8), into: commune, on: app.db)
            #expect(again.householdsUnchanged == 1 && again.residentsAdded == 0)
        }
    }

    @Test("a file without the required columns, or not UTF-8, is refused")
    func badHeader() async throws {
        #expect(throws: InvalidInput.self) { try RegistryCSV.parse(Data("household_code,name\nH1,An\n".utf8)) }
        do {
            _ = try RegistryCSV.parse(Data("household_code,village_code,address,full_name,colour\n".utf8))
        } catch let e as InvalidInput {
            #expect(e.issues.map(\.field) == ["colour"])
        }
        #expect(throws: InvalidInput.self) { try RegistryCSV.parse(Data([0xff, 0xfe, 0x00, 0x41])) }
        // The sample file offered on the import page is itself valid.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let sample = try RegistryCSV.parse(Data(contentsOf: root.appendingPathComponent("Public/templates/households.csv")))
        #expect(sample.count == 2 && sample[0].representative && sample[1].relation == .spouse)
        let bom = try RegistryCSV.parse(Data("\u{FEFF}household_code,village_code,address,full_name\nH1,T1,Số 1,An\n".utf8))
        #expect(bom.count == 1 && bom[0].line == 2)
    }
}
