import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting
@testable import App

/// The asset register through HTTP as officials use it: register, change, list, faults, maintenance, figures, the
/// import and export, the map and its GeoJSON, QR boards' assets, erasure — and bad input that writes nothing.
@Suite("Assets")
struct AssetsTests {
    static func camera(_ t: Tree, name: String = "Camera cổng làng", lat: Double? = 21.0812, lon: Double? = 105.6712, installed: String? = nil) -> AssetInput {
        AssetInput(kind: "camera", name: name, unitId: t.village1.id.uuidString, latitude: lat, longitude: lon, place: "Cổng làng thôn Đông",
                   installedOn: installed, caretakerName: "Ông Tư")
    }

    static func fields(_ res: TestingHTTPResponse) throws -> [String] {
        try res.decode(ErrorBody.self).fields?.map(\.field) ?? []
    }

    @Test("register, change and list assets; bad input names its field and writes nothing")
    func register() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            let created = try await app.api(.POST, "/api/v1/assets", json: Self.camera(t))
            #expect(created.status == .created, "\(created.text)")
            let a = try created.decode(AssetDetailDTO.self).asset
            #expect(a.kind == .camera && a.status == .working && a.unitName == "Thôn Đông" && a.latitude == 21.0812)
            #expect(created.headers.first(name: .location) == "/api/v1/assets/\(a.id.uuidString.lowercased())")
            let before = try await app.count("assets")
            // A point outside Vietnam, a kind that does not exist, a QR board entered by hand: 422 with the field.
            let paris = try await app.api(.POST, "/api/v1/assets", json: Self.camera(t, lat: 48.8566, lon: 2.3522))
            #expect(paris.status == .unprocessableEntity)
            #expect(Set(try Self.fields(paris)) == ["latitude", "longitude"])
            #expect(paris.text.contains("Việt Nam") || paris.text.contains("Vietnam"))
            var tank = Self.camera(t); tank.kind = "xeTang"
            let badKind = try await app.api(.POST, "/api/v1/assets", json: tank)
            #expect(badKind.status == .unprocessableEntity)
            #expect(try Self.fields(badKind) == ["kind"])
            var board = Self.camera(t); board.kind = "qrBoard"
            #expect(try Self.fields(try await app.api(.POST, "/api/v1/assets", json: board)) == ["kind"])
            var half = Self.camera(t); half.longitude = nil
            #expect(try Self.fields(try await app.api(.POST, "/api/v1/assets", json: half)) == ["longitude"])
            #expect(try await app.count("assets") == before)
            // Unknown asset: 404.
            #expect(try await app.api(.GET, "/api/v1/assets/\(UUID())").status == .notFound)
            // A change: only the fields sent.
            let changed = try await app.api(.PATCH, "/api/v1/assets/\(a.id)", json: AssetInput(name: "Camera cổng chính"))
            #expect(changed.status == .ok)
            let c = try changed.decode(AssetDetailDTO.self).asset
            #expect(c.name == "Camera cổng chính" && c.kind == .camera && c.latitude == 21.0812 && c.caretakerName == "Ông Tư")
            // The list, filtered by kind and village.
            var light = Self.camera(t, name: "Đèn ngõ 3"); light.kind = "solarLight"; light.unitId = t.village2.id.uuidString
            #expect(try await app.api(.POST, "/api/v1/assets", json: light).status == .created)
            let cams = try await app.api(.GET, "/api/v1/assets?kind=camera").decode(Paged<AssetDTO>.self)
            #expect(cams.items.map(\.name) == ["Camera cổng chính"])
            let v2 = try await app.api(.GET, "/api/v1/assets?village=\(t.village2.id)").decode(Paged<AssetDTO>.self)
            #expect(v2.items.map(\.name) == ["Đèn ngõ 3"])
            #expect(try await app.api(.GET, "/api/v1/assets?kind=xeTang").status == .unprocessableEntity)
            // A village head of T2 sees only T2's.
            let v2unit = try #require(await AdminUnit.find(t.village2.id, on: app.db))
            let (_, head) = try await AccountActions.createToken(name: "t2", role: .villageHead, unit: v2unit, on: app.db)
            #expect(try await app.api(.GET, "/api/v1/assets", token: head).decode(Paged<AssetDTO>.self).items.map(\.name) == ["Đèn ngõ 3"])
            #expect(try await app.api(.GET, "/api/v1/assets/\(a.id)", token: head).status == .notFound)
            var there = Self.camera(t, name: "Lạc chỗ")
            there.unitId = t.village1.id.uuidString
            #expect(try Self.fields(try await app.api(.POST, "/api/v1/assets", json: there, token: head)) == ["unitId"])
        }
    }

    @Test("faults and maintenance: opening makes the asset faulty, fixing makes it work again; costs are whole đồng")
    func faults() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            let a = try await app.api(.POST, "/api/v1/assets", json: Self.camera(t)).decode(AssetDetailDTO.self).asset
            let opened = try await app.api(.POST, "/api/v1/assets/\(a.id)/faults", json: AssetFaultInput(description: "Mất tín hiệu từ tối qua"))
            #expect(opened.status == .created)
            let fault = try opened.decode(AssetFaultDTO.self)
            #expect(fault.status == .open)
            var d = try await app.api(.GET, "/api/v1/assets/\(a.id)").decode(AssetDetailDTO.self)
            #expect(d.asset.status == .faulty && d.asset.openFaults == 1)
            // Assign to a person (by username), then fixed: the asset works again.
            let nobody = try await app.api(.PATCH, "/api/v1/asset-faults/\(fault.id)", json: FaultUpdateInput(status: "assigned", assignee: "khongai"))
            #expect(nobody.status == .unprocessableEntity)
            #expect(try Self.fields(nobody) == ["assignee"])
            let assigned = try await app.api(.PATCH, "/api/v1/asset-faults/\(fault.id)", json: FaultUpdateInput(status: "assigned", assignee: "admin"))
            #expect(assigned.status == .ok)
            #expect(try assigned.decode(AssetFaultDTO.self).assigneeName == "Quản trị thử")
            let fixed = try await app.api(.PATCH, "/api/v1/asset-faults/\(fault.id)", json: FaultUpdateInput(status: "fixed"))
            #expect(try fixed.decode(AssetFaultDTO.self).status == .fixed)
            d = try await app.api(.GET, "/api/v1/assets/\(a.id)").decode(AssetDetailDTO.self)
            #expect(d.asset.status == .working && d.asset.openFaults == 0)
            #expect(d.history.first?.status == .working)   // the latest first; a change on the day the last began replaces it
            // A fixed fault is final; closing needs a reason.
            #expect(try await app.api(.PATCH, "/api/v1/asset-faults/\(fault.id)", json: FaultUpdateInput(status: "closed", reason: "x")).status == .unprocessableEntity)
            let second = try await app.api(.POST, "/api/v1/assets/\(a.id)/faults", json: AssetFaultInput(description: "Báo nhầm")).decode(AssetFaultDTO.self)
            let noReason = try await app.api(.PATCH, "/api/v1/asset-faults/\(second.id)", json: FaultUpdateInput(status: "closed"))
            #expect(try Self.fields(noReason) == ["reason"])
            #expect(try await app.api(.PATCH, "/api/v1/asset-faults/\(second.id)", json: FaultUpdateInput(status: "closed", reason: "Mất điện khu vực")).status == .ok)
            #expect(try await app.api(.GET, "/api/v1/assets/\(a.id)").decode(AssetDetailDTO.self).asset.status == .working)
            // Maintenance: whole đồng; a negative or fractional cost names the field and writes nothing.
            let today = Day.today(app.now)
            struct RawWork: Content { var doneOn: String; var work: String; var costDong: Double }
            let negative = try await app.api(.POST, "/api/v1/assets/\(a.id)/maintenance", json: RawWork(doneOn: today, work: "Thay nguồn", costDong: -5))
            #expect(negative.status == .unprocessableEntity)
            #expect(try Self.fields(negative) == ["costDong"])
            let fraction = try await app.api(.POST, "/api/v1/assets/\(a.id)/maintenance", json: RawWork(doneOn: today, work: "Thay nguồn", costDong: 1.5))
            #expect(fraction.status == .unprocessableEntity)
            #expect(try Self.fields(fraction) == ["costDong"])
            #expect(try await app.count("asset_maintenance") == 0)
            let work = try await app.api(.POST, "/api/v1/assets/\(a.id)/maintenance", json: MaintenanceInput(doneOn: today, work: "Thay nguồn", costDong: .dong(350_000)))
            #expect(work.status == .created)
            #expect(try work.decode(AssetMaintenanceDTO.self).costDong == 350_000)
            #expect(work.text.contains("\"costDong\":350000"))
            d = try await app.api(.GET, "/api/v1/assets/\(a.id)").decode(AssetDetailDTO.self)
            #expect(d.maintenanceCostDong == 350_000)
            // The page's form takes the Vietnamese way of writing money and refuses a negative amount next to the field.
            let page = try await app.form("/assets/\(a.id)/maintenance", ["doneOn": today, "work": "Lau ống kính", "cost": "-20.000"])
            #expect(page.status == .unprocessableEntity && page.text.contains("âm"))
            #expect(try await app.form("/assets/\(a.id)/maintenance", ["doneOn": today, "work": "Lau ống kính", "cost": "20.000"]).status == .seeOther)
            #expect(try await app.api(.GET, "/api/v1/assets/\(a.id)").decode(AssetDetailDTO.self).maintenanceCostDong == 370_000)
        }
    }

    @Test("per village and kind: how many work today and the share of days they worked in the last 90")
    func figures() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            let today = Day.today(app.now)
            var lamp = Self.camera(t, name: "Đèn 1", installed: Day.adding(-9, to: today)); lamp.kind = "solarLight"
            let l1 = try await app.api(.POST, "/api/v1/assets", json: lamp).decode(AssetDetailDTO.self).asset
            lamp.name = "Đèn 2"
            _ = try await app.api(.POST, "/api/v1/assets", json: lamp)
            // Đèn 1 faulty for the last five days: 10 + 5 working days of 20.
            let st = try await app.api(.POST, "/api/v1/assets/\(l1.id)/status", json: AssetStatusInput(status: "faulty", from: Day.adding(-4, to: today)))
            #expect(st.status == .ok, "\(st.text)")
            #expect(try await app.api(.POST, "/api/v1/assets/\(l1.id)/status", json: AssetStatusInput(status: "faulty")).status == .unprocessableEntity)
            let tooEarly = try await app.api(.POST, "/api/v1/assets/\(l1.id)/status", json: AssetStatusInput(status: "working", from: Day.adding(-6, to: today)))
            #expect(try Self.fields(tooEarly) == ["from"])
            let figures = try await app.api(.GET, "/api/v1/units/\(t.commune.id)/asset-figures").decode([AssetFigureDTO].self)
            let row = try #require(figures.first { $0.kind == .solarLight })
            #expect(row.villageName == "Thôn Đông" && row.total == 2 && row.workingToday == 1)
            #expect(row.workingShare90 == 15.0 / 20.0)
            let page = try await app.page("/assets")
            #expect(page.status == .ok && page.text.contains("75,0%"))
        }
    }

    @Test("a CSV with a bad line writes nothing and names its line and column; a good one imports and exports back")
    func importExport() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            let bad = """
            kind,name,unit_code,latitude,longitude,place,installed_on,caretaker_name,status,notes
            camera,Camera ngõ 1,T1-01,21.0812,105.6712,Đầu ngõ 1,2024-03-01,Ông Tư,working,
            den,Đèn ngõ 2,T1,48.85,105.6712,,,,,
            xeTang,Cái gì đó,T9,,,,,,,
            """
            let before = try await app.count("assets")
            let refused = try await app.testing().sendRequest(.POST, "/api/v1/units/\(t.commune.id)/assets/import",
                                                              headers: ["Content-Type": "text/csv", "Authorization": "Bearer \(app.testAuth.token)"],
                                                              body: ByteBuffer(string: bad))
            #expect(refused.status == .unprocessableEntity)
            let issues = try refused.decode(ErrorBody.self).fields ?? []
            #expect(issues.contains { $0.line == 3 && $0.field == "latitude" })
            #expect(issues.contains { $0.line == 4 && $0.field == "kind" })
            #expect(issues.contains { $0.line == 4 && $0.field == "unit_code" })
            #expect(try await app.count("assets") == before)
            let good = bad.split(separator: "\n").prefix(2).joined(separator: "\n") + "\nden,Đèn ngõ 2,T1,\"21,0815\",105.6719,,,,faulty,\n"
            let page = try await app.upload("/units/\(t.commune.id)/assets/import", filename: "tai-san.csv", data: Data(good.utf8))
            #expect(page.status == .ok && page.text.contains("thêm 2 tài sản"), "\(page.text.prefix(300))")
            let list = try await app.api(.GET, "/api/v1/assets").decode(Paged<AssetDTO>.self).items
            #expect(list.map(\.name).sorted() == ["Camera ngõ 1", "Đèn ngõ 2"])
            #expect(list.first { $0.name == "Đèn ngõ 2" }?.latitude == 21.0815 && list.first { $0.name == "Đèn ngõ 2" }?.status == .faulty)
            let csv = try await app.page("/units/\(t.commune.id)/assets.csv")
            #expect(csv.status == .ok && csv.text.contains("camera,Camera ngõ 1,T1-01,21.0812,105.6712,Đầu ngõ 1,2024-03-01,Ông Tư,working"))
        }
    }

    @Test("the map's GeoJSON is RFC 7946 ([longitude, latitude]), scoped, with open faults; the map page has the same rows")
    func geojson() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            let a = try await app.api(.POST, "/api/v1/assets", json: Self.camera(t)).decode(AssetDetailDTO.self).asset
            var nowhere = Self.camera(t, name: "Loa chưa định vị", lat: nil, lon: nil); nowhere.kind = "loudspeaker"
            _ = try await app.api(.POST, "/api/v1/assets", json: nowhere)
            _ = try await app.api(.POST, "/api/v1/assets/\(a.id)/faults", json: AssetFaultInput(description: "Hình \"mờ\""))
            let res = try await app.api(.GET, "/api/v1/units/\(t.commune.id)/assets.geojson")
            #expect(res.status == .ok)
            #expect(res.headers.contentType?.subType == "geo+json")
            struct FC: Decodable {
                struct F: Decodable { struct G: Decodable { var type: String; var coordinates: [Double] }; struct P: Decodable { var layer: String; var status: String; var name: String; var openFaults: Int? }; var type: String; var geometry: G; var properties: P }
                var type: String; var features: [F]
            }
            let fc = try JSONDecoder().decode(FC.self, from: Data(res.body.readableBytesView))
            #expect(fc.type == "FeatureCollection" && fc.features.count == 2)
            let asset = try #require(fc.features.first { $0.properties.layer == "asset" })
            #expect(asset.geometry.type == "Point" && asset.geometry.coordinates == [105.6712, 21.0812])
            #expect(asset.properties.status == "faulty" && asset.properties.name == "Camera cổng làng" && asset.properties.openFaults == 1)
            #expect(fc.features.contains { $0.properties.layer == "fault" && $0.properties.name == "Hình \"mờ\"" })
            let v2 = try await app.api(.GET, "/api/v1/units/\(t.village2.id)/assets.geojson")
            #expect(v2.text.contains("\"features\":[]"))
            let other = try #require(await AdminUnit.find(t.otherCommune.id, on: app.db))
            let (_, token) = try await AccountActions.createToken(name: "khac", role: .communeOfficial, unit: other, on: app.db)
            #expect(try await app.api(.GET, "/api/v1/units/\(t.commune.id)/assets.geojson", token: token).status == .notFound)
            let map = try await app.page("/assets/map")
            #expect(map.status == .ok)
            #expect(map.text.contains("21.0812") && map.text.contains("105.6712") && map.text.contains("Loa chưa định vị") && map.text.contains("Hình &quot;mờ&quot;"))
            #expect(map.text.contains("/vendor/leaflet/leaflet.js") && map.text.contains("data-geojson=\"/api/v1/units/"))
            #expect(try await app.anonymousPage("/vendor/leaflet/leaflet.js").status == .ok)
            #expect(try await app.anonymousPage("/vendor/leaflet/LICENSE").status == .ok)
        }
    }

    @Test("a QR board is an asset without being entered twice, and cannot be deleted from the register")
    func boards() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            let commune = try #require(await AdminUnit.find(t.commune.id, on: app.db))
            let catalog = try await CatalogActions.list(commune, on: app.db)
            let input = BoardInput(villageId: t.village1.id.uuidString, place: "Nhà văn hóa thôn Đông", latitude: 21.0963, longitude: 105.6652,
                                   procedureIds: [catalog[0].id!.uuidString])
            let board = try await app.api(.POST, "/api/v1/communes/\(t.commune.id)/boards", json: input).decode(BoardDTO.self)
            let assets = try await app.api(.GET, "/api/v1/assets?kind=qrBoard").decode(Paged<AssetDTO>.self).items
            #expect(assets.count == 1 && assets[0].qrBoardId == board.id && assets[0].name == "Nhà văn hóa thôn Đông" && assets[0].unitId == t.village1.id)
            let del = try await app.api(.DELETE, "/api/v1/assets/\(assets[0].id)")
            #expect(del.status == .conflict)
            let kind = try await app.api(.PATCH, "/api/v1/assets/\(assets[0].id)", json: AssetInput(kind: "camera"))
            #expect(try Self.fields(kind) == ["kind"])
            // An asset entered by mistake (no fault, no maintenance) can be deleted; one with a history cannot.
            let a = try await app.api(.POST, "/api/v1/assets", json: Self.camera(t)).decode(AssetDetailDTO.self).asset
            #expect(try await app.api(.DELETE, "/api/v1/assets/\(a.id)").status == .noContent)
            #expect(try await app.api(.GET, "/api/v1/assets/\(a.id)").status == .notFound)
        }
    }

    @Test("the reports' entry point opens a fault inside the caller's transaction; a resident caretaker is audited and erased")
    func openAndErase() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            let h = try await app.api(.POST, "/api/v1/households", json: householdInput("H-1", village: t.village1, group: t.group11, name: "Trần Văn Ngõ")).decode(HouseholdDetailDTO.self)
            var input = Self.camera(t); input.caretakerName = nil; input.caretakerResidentId = h.residents[0].id.uuidString
            let a = try await app.api(.POST, "/api/v1/assets", json: input).decode(AssetDetailDTO.self).asset
            #expect(a.caretakerName == "Trần Văn Ngõ" && a.caretakerResidentId == h.residents[0].id)
            let views = try await AuditEvent.query(on: app.db).filter(\.$action == "view").filter(\.$rowID == h.residents[0].id).count()
            #expect(views >= 1)
            let report = UUID()
            let fault = try await app.db.writeTransaction { db in
                try await AssetFaults.open(assetID: a.id, description: "Người dân báo camera tắt", reportID: report, by: nil, on: db)
            }
            #expect(fault.reportID == report)
            let d = try await app.api(.GET, "/api/v1/assets/\(a.id)").decode(AssetDetailDTO.self)
            #expect(d.asset.status == .faulty && d.faults.first?.reportId == report)
            await #expect(throws: InvalidInput.self) {
                try await app.db.writeTransaction { db in try await AssetFaults.open(assetID: UUID(), description: "x", reportID: nil, by: nil, on: db) }
            }
            let erased = try await app.form("/households/\(h.household.id)/erase", ["confirm": "yes"])
            #expect(erased.status == .seeOther)
            let after = try await app.api(.GET, "/api/v1/assets/\(a.id)").decode(AssetDetailDTO.self).asset
            #expect(after.caretakerResidentId == nil && after.caretakerName == nil)
        }
    }

    @Test("the pages: register, new asset with a point outside Vietnam, an asset's page, fault handling by form")
    func pages() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            let bad = try await app.form("/assets", ["kind": "camera", "name": "Camera chợ", "unitId": t.village1.id.uuidString, "latitude": "48,85", "longitude": "2,35"])
            #expect(bad.status == .unprocessableEntity && bad.text.contains("value=\"Camera chợ\"") && bad.text.contains("Việt Nam"))
            let ok = try await app.form("/assets", ["kind": "camera", "name": "Camera chợ", "unitId": t.village1.id.uuidString, "latitude": "21,0812", "longitude": "105,6712"])
            #expect(ok.status == .seeOther)
            let path = try #require(ok.headers.first(name: .location))
            #expect(try await app.form(path + "/faults", ["description": "Ống kính bị che"]).status == .seeOther)
            var page = try await app.page(path)
            #expect(page.status == .ok && page.text.contains("Ống kính bị che") && page.text.contains("Hỏng") && page.text.contains("21.0812"))
            let faultID = try #require(try await AssetFault.query(on: app.db).first()?.id)
            #expect(try await app.form("/asset-faults/\(faultID)", ["status": "fixed"]).status == .seeOther)
            page = try await app.page(path)
            #expect(page.text.contains("Đã sửa xong") && page.text.contains("Đang hoạt động"))
            let list = try await app.page("/assets?kind=camera")
            #expect(list.status == .ok && list.text.contains("Camera chợ"))
            #expect(try await app.page("/assets/new").status == .ok)
            #expect(try await app.page(path + "/edit").text.contains("value=\"Camera chợ\""))
        }
    }
}
