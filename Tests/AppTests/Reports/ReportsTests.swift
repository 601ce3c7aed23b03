import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting
@testable import App

/// The tree, a village head of T1 and a commune official of 00001 (tokens and browsers), one of commune 00002.
struct ReportsFixture {
    var tree: Tree
    var headToken: String
    var officialToken: String
    var otherToken: String
    var head: Browser
    var headID: UUID

    static func make(_ app: Application) async throws -> ReportsFixture {
        let t = try await Tree.make(app)
        let v1 = try #require(await AdminUnit.find(t.village1.id, on: app.db))
        let c = try #require(await AdminUnit.find(t.commune.id, on: app.db))
        let c2 = try #require(await AdminUnit.find(t.otherCommune.id, on: app.db))
        let head = try await AccountActions.createPerson(username: "truongthon", displayName: "Trưởng thôn Đông", password: testPassword, role: .villageHead, unit: v1, app: app)
        _ = try await AccountActions.createPerson(username: "canboxa", displayName: "Cán bộ xã", password: testPassword, role: .communeOfficial, unit: c, app: app)
        let (_, ht) = try await AccountActions.createToken(name: "thon", role: .villageHead, unit: v1, on: app.db)
        let (_, ot) = try await AccountActions.createToken(name: "xa", role: .communeOfficial, unit: c, on: app.db)
        let (_, xt) = try await AccountActions.createToken(name: "xa2", role: .communeOfficial, unit: c2, on: app.db)
        return ReportsFixture(tree: t, headToken: ht, officialToken: ot, otherToken: xt, head: try await app.signIn("truongthon"), headID: head.id!)
    }

    /// An asset of the commune's village T1 (the asset register's rows, made directly: that feature is another's).
    func asset(_ app: Application, commune: UUID? = nil, unit: UUID? = nil, lat: Double = 21.0901, lon: Double = 105.6701) async throws -> Asset {
        let a = Asset()
        a.id = UUID(); a.kind = .solarLight; a.name = "Đèn NLMT ngõ 3"; a.unitID = unit ?? tree.group11.id; a.communeID = commune ?? tree.commune.id
        a.latitude = lat; a.longitude = lon; a.status = .working; a.statusSince = "2025-01-01"
        try await a.create(on: app.db)
        return a
    }
}

let pngBytes = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 1, 2, 3])

extension Application {
    /// The public report form posted as a browser would (multipart), with any number of photos.
    func reportForm(_ commune: String, _ fields: [String: String], photos: [(String, Data)] = [], as b: Browser, headers extra: HTTPHeaders = [:]) async throws -> TestingHTTPResponse {
        let boundary = "----thonso\(UUID().uuidString.prefix(8))"
        var body = Data()
        var all = fields
        if all["_csrf"] == nil { all["_csrf"] = b.csrf }
        for (k, v) in all { body.append("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(k)\"\r\n\r\n\(v)\r\n".data(using: .utf8)!) }
        for (name, data) in photos {
            body.append("--\(boundary)\r\nContent-Disposition: form-data; name=\"photos[]\"; filename=\"\(name)\"\r\nContent-Type: image/jpeg\r\n\r\n".data(using: .utf8)!)
            body.append(data)
            body.append("\r\n".data(using: .utf8)!)
        }
        body.append("--\(boundary)--\r\n".data(using: .utf8)!)
        var headers = extra
        headers.replaceOrAdd(name: .contentType, value: "multipart/form-data; boundary=\(boundary)")
        return try await testing().sendRequest(.POST, "/r/\(commune)/new", headers: b.headers(headers), body: ByteBuffer(data: body))
    }

    func reportCode(_ html: String) -> String? {
        guard let r = html.range(of: "Mã theo dõi của bạn: ") else { return nil }
        return String(html[r.upperBound...].prefix(8))
    }

    func files(under dir: String) -> [String] {
        (FileManager.default.enumerator(atPath: dir)?.allObjects as? [String] ?? []).filter { $0.contains(".") }
    }
}

@Suite("Residents' reports: the public form, routing, the officials' queue and changes, the public pages, erasure")
struct ReportsTests {
    @Test("a visitor reports with a point, a village and a photo; it goes to that village; they follow it by phone and code; the public sees no personal data")
    func submitAndFollow() async throws {
        try await withTestApp { app in
            let f = try await ReportsFixture.make(app)
            let (visitor, form) = try await app.visitor("/r/00001/new")
            #expect(form.status == .ok && form.text.contains("Gửi phản ánh") && form.text.contains("Thôn Đông"))
            let res = try await app.reportForm("00001", ["category": "drainage", "latitude": "21,0905", "longitude": "105.6712", "villageId": f.tree.village1.id.uuidString,
                                                         "description": "Cống đầu ngõ 5 bị tắc, nước tràn ra đường", "phone": "0912 345 678", "name": "Lê Thị Hoa"],
                                             photos: [("cong.png", pngBytes)], as: visitor)
            #expect(res.status == .ok, "\(res.text.prefix(400))")
            let code = try #require(app.reportCode(res.text))
            let r = try #require(try await FeedbackReport.query(on: app.db).filter(\.$code == code).first())
            #expect(r.unitID == f.tree.village1.id && r.communeID == f.tree.commune.id && r.phone == "0912345678" && r.status == .submitted)
            #expect(r.latitude == 21.0905 && r.longitude == 105.6712)
            #expect(try await app.count("feedback_report_photos") == 1)
            #expect(app.files(under: app.config.uploadsDir + "/reports").count == 1)
            #expect(try await app.count("feedback_report_events") == 1)
            // The reporter follows it with phone and code; someone with the code but another phone does not.
            let mine = try await app.anonymousPage("/reports/lookup?phone=0912345678&code=\(code.lowercased())")
            #expect(mine.status == .ok && mine.text.contains("Cống đầu ngõ 5 bị tắc"))
            let wrong = try await app.anonymousPage("/reports/lookup?phone=0912345679&code=\(code)")
            #expect(wrong.status == .notFound && !wrong.text.contains("Cống đầu ngõ 5") && wrong.text.contains("Không tìm thấy phản ánh"))
            let api = try await app.api(.GET, "/api/v1/reports/lookup?phone=0912345678&code=\(code)", token: "")
            #expect(try api.decode(ReportDetailDTO.self).report.code == code)
            // The public list and page: category, village, state; never the name, phone, words or photos.
            for path in ["/r/00001", "/r/00001/\(code)"] {
                let p = try await app.anonymousPage(path)
                #expect(p.status == .ok && p.text.contains("Cống, thoát nước") && p.text.contains("Thôn Đông") && p.text.contains("Mới gửi"), "\(path)")
                #expect(!p.text.contains("0912345678") && !p.text.contains("Lê Thị Hoa") && !p.text.contains("Cống đầu ngõ 5") && !p.text.contains("report-photos"), "\(path)")
            }
            #expect(try await app.anonymousPage("/r/00002/\(code)").status == .notFound)
            // The guide pages of the commune link to the form.
            _ = try await app.api(.GET, "/api/v1/communes/\(f.tree.commune.id)/procedures", token: f.officialToken)
            let guide = try await app.anonymousPage("/p/00001/birthRegistration")
            #expect(guide.text.contains("/r/00001/new"))
            // Guessing codes is limited with the procedures' look-ups (LookupGuard): at the start of a fresh hour,
            // misses from one address — the report look-up's and /lookup's together — then even the right code is 429.
            let t = app.now.timeIntervalSince1970
            app.testClock.set(Date(timeIntervalSince1970: (t / 3600).rounded(.down) * 3600 + 3601))
            for i in 0..<LookupGuard.missesPerHour {
                let path = i % 2 == 0 ? "/api/v1/reports/lookup?phone=0912345678&code=ZZZZ\(String(format: "%04d", i))"
                                      : "/api/v1/lookup?phone=0912345678&code=ZZZZ\(String(format: "%04d", i))"
                #expect([.notFound, .ok].contains(try await app.api(.GET, path, token: "").status))
            }
            let spent = try await app.api(.GET, "/api/v1/reports/lookup?phone=0912345678&code=\(code)", token: "")
            #expect(spent.status == .tooManyRequests && Int(spent.headers.first(name: .retryAfter) ?? "") ?? 0 > 0)
            #expect(try await app.anonymousPage("/reports/lookup?phone=0912345678&code=\(code)").status == .tooManyRequests)
        }
    }

    @Test("bad input answers the field at fault and writes nothing: outside Vietnam, unknown asset, not an image, a fourth photo, unknown category, no place")
    func badInput() async throws {
        try await withTestApp { app in
            let f = try await ReportsFixture.make(app)
            let foreign = try await f.asset(app, commune: f.tree.otherCommune.id, unit: f.tree.otherVillage.id)
            let (visitor, _) = try await app.visitor("/r/00001/new")
            let base = ["category": "road", "place": "Ngõ 7", "description": "Ổ gà lớn giữa đường", "phone": "0912000001"]
            func post(_ change: [String: String], photos: [(String, Data)] = []) async throws -> TestingHTTPResponse {
                try await app.reportForm("00001", base.merging(change) { _, b in b }, photos: photos, as: visitor)
            }
            let cases: [(String, TestingHTTPResponse, String)] = [
                ("latitude", try await post(["latitude": "48.85", "longitude": "2.35"]), "ngoài lãnh thổ Việt Nam"),
                ("assetId", try await post(["assetId": foreign.id!.uuidString]), "Không tìm thấy thiết bị này trong xã"),
                ("photos", try await post([:], photos: [("a.png", pngBytes), ("b.jpg", Data("<html>not an image</html>".utf8))]), "Tệp 2 không phải ảnh"),
                ("photos", try await post([:], photos: Array(repeating: ("a.png", pngBytes), count: 4)), "tối đa 3 ảnh"),
                ("category", try await post(["category": "potholes"]), "Chọn một loại vấn đề"),
                ("place", try await post(["place": ""]), "Cho biết địa điểm"),
            ]
            for (field, res, message) in cases {
                #expect(res.status == .unprocessableEntity, "\(field): \(res.status)")
                #expect(res.text.contains(message), "\(field): \(message)")
                #expect(res.text.contains("Ổ gà lớn giữa đường"), "the input is kept")
            }
            // The API answers the same fields.
            let json = try await app.api(.POST, "/api/v1/reports", json: ReportInput(communeCode: "00001", category: "road", latitude: 10, longitude: 200,
                                                                                       description: "Ổ gà lớn giữa đường", phone: "0912000001"), token: "")
            #expect(json.status == .unprocessableEntity)
            #expect(try (json.decode(ErrorBody.self).fields ?? []).map(\.field) == ["longitude"])
            let unknown = try await app.api(.POST, "/api/v1/reports", json: ReportInput(communeCode: "00001", category: "road", assetId: UUID().uuidString,
                                                                                          description: "Ổ gà lớn giữa đường", phone: "0912000001"), token: "")
            #expect(unknown.status == .unprocessableEntity)
            #expect(try (unknown.decode(ErrorBody.self).fields ?? []).map(\.field) == ["assetId"])
            #expect(try await app.count("feedback_reports") == 0)
            #expect(try await app.count("feedback_report_photos") == 0)
            #expect(try await app.count("asset_faults") == 0)
            #expect(app.files(under: app.config.uploadsDir).isEmpty)
        }
    }

    @Test("officials: the queue oldest first with filters; acknowledge, assign, answer, resolve; each an event and a message to the household; outside is not found")
    func workflow() async throws {
        try await withTestApp { app in
            let f = try await ReportsFixture.make(app)
            let (home, householdID) = try await app.householdBrowser(code: "HH-1", village: f.tree.village1)
            // A household reports from its page (no phone asked): routed to its own village.
            let first = try await app.reportForm("00001", ["category": "brokenLight", "place": "Cổng làng", "description": "Đèn cổng làng tắt ba hôm nay"], as: home)
            #expect(first.status == .ok, "\(first.text.prefix(300))")
            app.testClock.advance(by: 3600)
            let second = try await app.api(.POST, "/api/v1/reports", json: ReportInput(communeCode: "00001", category: "rubbish", villageId: f.tree.village2.id.uuidString,
                                                                                         place: "Bờ mương", description: "Rác đổ bừa bãi bờ mương", phone: "0912000002"), token: "")
            #expect(second.status == .created)
            let r1 = try #require(try await FeedbackReport.query(on: app.db).filter(\.$householdID == householdID).first())
            #expect(r1.unitID == f.tree.village1.id && r1.phone == nil)
            // The village head sees T1's only; the commune official both, oldest first, and filters.
            #expect(try await app.api(.GET, "/api/v1/reports", token: f.headToken).decode([ReportDTO].self).map(\.code) == [r1.code])
            let all = try await app.api(.GET, "/api/v1/reports", token: f.officialToken).decode([ReportDTO].self)
            #expect(all.count == 2 && all[0].code == r1.code)
            #expect(try await app.api(.GET, "/api/v1/reports?category=rubbish", token: f.officialToken).decode([ReportDTO].self).count == 1)
            #expect(try await app.api(.GET, "/api/v1/reports?village=\(f.tree.village2.id)", token: f.officialToken).decode([ReportDTO].self).count == 1)
            #expect(try await app.api(.GET, "/api/v1/reports", token: f.otherToken).decode([ReportDTO].self).isEmpty)
            #expect(try await app.api(.GET, "/api/v1/reports/\(r1.id!)", token: f.otherToken).status == .notFound)
            let queue = try await app.page("/reports", as: f.head)
            #expect(queue.status == .ok && queue.text.contains(r1.code) && queue.text.contains("Đèn chiếu sáng hỏng"))
            // The changes, through the pages as the village head would.
            let page = try await app.page("/reports/\(r1.id!)", as: f.head)
            #expect(page.status == .ok && page.text.contains("Đèn cổng làng tắt") && page.text.contains("Hộ HH-1"))
            #expect(try await app.form("/reports/\(r1.id!)/change", ["action": "acknowledge"], as: f.head).status == .seeOther)
            let badAssignee = try await app.form("/reports/\(r1.id!)/change", ["action": "assign", "assigneeId": UUID().uuidString], as: f.head)
            #expect(badAssignee.status == .unprocessableEntity && badAssignee.text.contains("không có vai trò"))
            #expect(try await app.form("/reports/\(r1.id!)/change", ["action": "assign", "assigneeId": f.headID.uuidString], as: f.head).status == .seeOther)
            #expect(try await app.form("/reports/\(r1.id!)/change", ["action": "answer", "answer": "Đã báo thợ điện, mai sửa."], as: f.head).status == .seeOther)
            let noReason = try await app.api(.POST, "/api/v1/reports/\(r1.id!)/change", json: ReportChangeInput(action: "reject"), token: f.headToken)
            #expect(noReason.status == .unprocessableEntity)
            #expect(try (noReason.decode(ErrorBody.self).fields ?? []).map(\.field) == ["reason"])
            let done = try await app.api(.POST, "/api/v1/reports/\(r1.id!)/change", json: ReportChangeInput(action: "resolve"), token: f.headToken).decode(ReportDetailDTO.self)
            #expect(done.report.status == .resolved && done.report.answer == "Đã báo thợ điện, mai sửa." && done.report.assigneePersonId == f.headID)
            #expect(done.events.map(\.kind) == ["submitted", "acknowledged", "assigned", "answered", "resolved"])
            let again = try await app.api(.POST, "/api/v1/reports/\(r1.id!)/change", json: ReportChangeInput(action: "answer", answer: "Thêm"), token: f.headToken)
            #expect(again.status == .conflict)
            // Each change is a direct message to the household; its page lists the report with the answer.
            let jobs = try await (app.db as! any SQLDatabase).raw("SELECT COUNT(*) AS n FROM jobs WHERE kind = 'direct'").first()
            #expect(try jobs?.decode(column: "n", as: Int.self) == 4)
            let mine = try await app.page("/my/reports", as: home)
            #expect(mine.status == .ok && mine.text.contains("Đã báo thợ điện, mai sửa.") && mine.text.contains("Đã xử lý xong"))
            // The other report is closed with a reason by the commune; the public page shows the reason.
            let r2 = try second.decode(ReportDTO.self)
            #expect(r2.unitId == f.tree.village2.id && r2.confirmationId == nil)
            let closed = try await app.api(.POST, "/api/v1/reports/\(r2.id)/change", json: ReportChangeInput(action: "reject", reason: "Đã có đợt tổng vệ sinh thứ Bảy"), token: f.officialToken)
            #expect(try closed.decode(ReportDetailDTO.self).report.status == .closed)
            let pub = try await app.anonymousPage("/r/00001/\(r2.code)")
            #expect(pub.text.contains("Đã có đợt tổng vệ sinh thứ Bảy") && pub.text.contains("Đã đóng"))
            // Officials' views of a report are audited.
            let views = try await (app.db as! any SQLDatabase).raw("SELECT COUNT(*) AS n FROM audit_events WHERE action = 'view' AND table_name = 'feedback_reports'").first()
            #expect(try views!.decode(column: "n", as: Int.self) >= 2)
        }
    }

    @Test("a report about an asset goes to the asset's village and opens a fault on it in the same transaction; the asset is faulty from today")
    func assetFault() async throws {
        try await withTestApp { app in
            let f = try await ReportsFixture.make(app)
            let a = try await f.asset(app)
            // The nearby assets the form offers (API and the page's step without JavaScript).
            let near = try await app.api(.GET, "/api/v1/reports/nearby-assets?commune=00001&latitude=21.0902&longitude=105.6702", token: "").decode([NearbyAssetDTO].self)
            #expect(near.map(\.id) == [a.id!] && near[0].metres > 0 && near[0].metres < 30)
            let (visitor, _) = try await app.visitor("/r/00001/new")
            let step = try await app.reportForm("00001", ["step": "near", "latitude": "21.0902", "longitude": "105.6702", "category": "brokenLight"], as: visitor)
            #expect(step.status == .ok && step.text.contains("Đèn NLMT ngõ 3"))
            let res = try await app.api(.POST, "/api/v1/reports", json: ReportInput(communeCode: "00001", category: "brokenLight", assetId: a.id!.uuidString,
                                                                                      description: "Đèn không sáng từ tối qua", phone: "0912000003"), token: "")
            #expect(res.status == .created, "\(res.text)")
            let r = try res.decode(ReportDTO.self)
            #expect(r.unitId == f.tree.village1.id && r.latitude == 21.0901)
            let fault = try #require(try await AssetFault.query(on: app.db).filter(\.$reportID == r.id).first())
            #expect(fault.assetID == a.id && fault.status == .open && fault.communeID == f.tree.commune.id)
            let after = try #require(await Asset.find(a.id, on: app.db))
            #expect(after.status == .faulty && after.statusSince == Day.today(app.now))
            let pub = try await app.anonymousPage("/r/00001/\(r.code)")
            #expect(pub.text.contains("Đèn NLMT ngõ 3"))
        }
    }

    @Test("erasing a household erases its reports and those sent with its phone in its commune: words, phone, name and photos go, the counts stay")
    func erasure() async throws {
        try await withTestApp { app in
            let f = try await ReportsFixture.make(app)
            let (home, householdID) = try await app.householdBrowser(code: "HH-2", village: f.tree.village1)
            #expect(try await app.reportForm("00001", ["category": "security", "place": "Ngõ 2", "description": "Nhà ông Bình hay bị trộm gà"], photos: [("x.png", pngBytes)], as: home).status == .ok)
            // The household's phone (householdInput: 0999000001) also sent one anonymously; another phone's stays.
            let (visitor, _) = try await app.visitor("/r/00001/new")
            #expect(try await app.reportForm("00001", ["category": "road", "place": "Ngõ 9", "description": "Đường ngõ 9 sụt lún", "phone": "0999000001", "name": "Nguyễn Văn An"], as: visitor).status == .ok)
            #expect(try await app.reportForm("00001", ["category": "road", "place": "Ngõ 4", "description": "Đường ngõ 4 sụt lún", "phone": "0912000009"], as: visitor).status == .ok)
            #expect(app.files(under: app.config.uploadsDir + "/reports").count == 1)
            let erased = try await app.api(.POST, "/api/v1/households/\(householdID)/erase", json: EraseInput(confirm: true))
            #expect(erased.status == .ok, "\(erased.text)")
            let rows = try await FeedbackReport.query(on: app.db).sort(\.$submittedAt).all()
            #expect(rows.count == 3)
            #expect(rows.filter { $0.description == PersonalData.erasedName }.count == 2)
            #expect(rows.allSatisfy { $0.description == PersonalData.erasedName ? ($0.phone == nil && $0.reporterName == nil && $0.place == nil) : $0.phone == "0912000009" })
            #expect(try await app.count("feedback_report_photos") == 0)
            #expect(app.files(under: app.config.uploadsDir + "/reports").isEmpty)
        }
    }
}
