import Foundation
import NIOCore
import SQLKit
import Testing
import Vapor
import VaporTesting
@testable import App

/// A household's digital profile through HTTP: the form and API, the history and "the profile on 30 June", the import
/// and export, personal data (erasure, export, consent), the audit of views and the scope rule.
@Suite("Household digital profiles")
struct ProfilesTests {
    /// Last year (always in the past, whatever the test clock says).
    static func lastYear(_ app: Application) -> Int { Int(Day.today(app.now).prefix(4))! - 1 }

    /// A household in village T1 of the tree with its representative (born 1970) and a child born `childBorn`.
    static func household(_ app: Application, _ code: String, village: UnitDTO, childBorn: Int) async throws -> UUID {
        let h = try await app.api(.POST, "/api/v1/households", json: householdInput(code, village: village)).decode(HouseholdDetailDTO.self)
        let r = try await app.api(.POST, "/api/v1/residents", json: ResidentInput(householdId: h.household.id.uuidString, fullName: "Nguyễn Văn Bình",
                                                                                   gender: "male", birthYear: childBorn, relation: "child", phone: nil, isRepresentative: false))
        #expect(r.status == .created, "\(r.text)")
        return h.household.id
    }

    static func csvPost(_ app: Application, _ path: String, _ csv: String, token: String? = nil) async throws -> TestingHTTPResponse {
        var h = HTTPHeaders()
        h.replaceOrAdd(name: .authorization, value: "Bearer \(token ?? app.testAuth.token)")
        h.replaceOrAdd(name: .contentType, value: "text/csv; charset=utf-8")
        return try await app.testing().sendRequest(.POST, path, headers: h, body: ByteBuffer(string: csv))
    }

    @Test("profiles recorded as of dates answer \"the profile on 30 June\"; too many adults with VNeID is 422 naming profile.adultsVneid and writes nothing; a future date is refused")
    func asOfDates() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            let y = Self.lastYear(app)
            let id = try await Self.household(app, "PF-1", village: t.village1, childBorn: y - 10)
            let path = "/api/v1/households/\(id)/profile"
            let march = try await app.api(.POST, path, json: ProfileInput(asOf: "\(y)-03-01", profile: ProfileAnswers(internet: "mobile", smartphoneUsers: 1, adultsVneid: 0)))
            #expect(march.status == .created, "\(march.text)")
            #expect(try march.decode(ProfileDTO.self).source == .form)
            let july = try await app.api(.POST, path, json: ProfileInput(asOf: "15/07/\(y)", profile: ProfileAnswers(internet: "fibre", smartphoneUsers: 2, adultsVneid: 1, inVillageChannel: true, channel: "zalo")))
            #expect(july.status == .created, "\(july.text)")

            let june30 = try await app.api(.GET, path + "?asOf=\(y)-06-30").decode(HouseholdProfileDTO.self)
            #expect(june30.profile?.asOf == "\(y)-03-01" && june30.profile?.smartphoneUsers == 1 && june30.profile?.internet == .mobile)
            #expect(june30.residents == 2 && june30.adults == 1)
            let now = try await app.api(.GET, path).decode(HouseholdProfileDTO.self)
            #expect(now.profile?.asOf == "\(y)-07-15" && now.profile?.channel == .zalo && now.profile?.adultsVneid == 1)
            let before = try await app.api(.GET, path + "?asOf=\(y)-01-01").decode(HouseholdProfileDTO.self)
            #expect(before.profile == nil)
            #expect(try await app.api(.GET, path + "?asOf=khong-phai-ngay").status == .unprocessableEntity)

            // Two adults with VNeID in a household of one adult: refused, naming the field, nothing written.
            let rows = try await app.count("household_profiles")
            let tooMany = try await app.api(.POST, path, json: ProfileInput(asOf: "\(y)-08-01", profile: ProfileAnswers(adultsVneid: 2)))
            #expect(tooMany.status == .unprocessableEntity)
            #expect(try tooMany.decode(ErrorBody.self).fields?.map(\.field) == ["profile.adultsVneid"])
            let future = try await app.api(.POST, path, json: ProfileInput(asOf: Day.adding(1, to: Day.today(app.now)), profile: ProfileAnswers(smartphoneUsers: 1)))
            #expect(future.status == .unprocessableEntity)
            #expect(try future.decode(ErrorBody.self).fields?.map(\.field) == ["asOf"])
            #expect(try await app.count("household_profiles") == rows)

            // The history: newest first, with its source.
            let history = try await app.api(.GET, "/api/v1/households/\(id)/profiles").decode([ProfileRecordDTO].self)
            #expect(history.map(\.profile.asOf) == ["\(y)-07-15", "\(y)-03-01"])

            // The page: the form records as the signed-in official; a bad count re-renders with the message, writing nothing.
            let bad = try await app.form("/households/\(id)/profile", ["asOf": "\(y)-09-01", "adultsVneid": "3", "smartphoneUsers": "x"])
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.text.contains("Nhiều hơn số người lớn của hộ (1).") && bad.text.contains("Nhập số từ 0 đến 50."))
            #expect(try await app.count("household_profiles") == rows)
            let ok = try await app.form("/households/\(id)/profile", ["asOf": "\(y)-09-01", "smartphoneUsers": "2", "sellsOnline": "yes"])
            #expect(ok.status == .seeOther)
            let page = try await app.page("/households/\(id)/profile?asOf=\(y)-06-30")
            #expect(page.status == .ok)
            #expect(page.text.contains("Hồ sơ vào ngày 30/06/\(y)") && page.text.contains("Quản trị thử") && page.text.contains("Nhập tay"))
            let latest = try await app.api(.GET, "/api/v1/households/\(id)/profiles").decode([ProfileRecordDTO].self)[0]
            #expect(latest.recordedBy == "Quản trị thử" && latest.profile.sellsOnline == true && latest.profile.smartphoneUsers == 2)
            // The household's page links to it.
            #expect(try await app.page("/households/\(id)").text.contains(SiteURL.householdProfile(.id(id)).path))
        }
    }

    @Test("every view of a profile is in the audit log; a caller outside the household's units gets 404 and a village head may not import")
    func auditAndScope() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            let id = try await Self.household(app, "PF-2", village: t.village1, childBorn: 1995)
            _ = try await app.api(.GET, "/api/v1/households/\(id)/profile")
            _ = try await app.api(.GET, "/api/v1/households/\(id)/profiles")
            _ = try await app.page("/households/\(id)/profile")
            let log = try await app.api(.GET, "/api/v1/audit?row=\(id)&action=view").decode(Paged<AuditEventDTO>.self)
            #expect(log.items.filter { $0.table == HouseholdProfile.schema }.count == 3)

            let v2 = try #require(await AdminUnit.find(t.village2.id, on: app.db))
            let v1 = try #require(await AdminUnit.find(t.village1.id, on: app.db))
            let c2 = try #require(await AdminUnit.find(t.otherCommune.id, on: app.db))
            let (_, other) = try await AccountActions.createToken(name: "thon2", role: .villageHead, unit: v2, on: app.db)
            let (_, own) = try await AccountActions.createToken(name: "thon1", role: .villageHead, unit: v1, on: app.db)
            let (_, otherCommune) = try await AccountActions.createToken(name: "xa2", role: .communeOfficial, unit: c2, on: app.db)
            #expect(try await app.api(.GET, "/api/v1/households/\(id)/profile", token: other).status == .notFound)
            #expect(try await app.api(.POST, "/api/v1/households/\(id)/profile", json: ProfileInput(asOf: "2025-01-01", profile: ProfileAnswers(smartphoneUsers: 1)), token: other).status == .notFound)
            #expect(try await app.api(.GET, "/api/v1/households/\(id)/profiles", token: otherCommune).status == .notFound)
            #expect(try await app.api(.GET, "/api/v1/households/\(id)/profile", token: own).status == .ok)
            let csv = "household_code,as_of,smartphone_users\nPF-2,2025-01-01,1\n"
            #expect(try await Self.csvPost(app, "/api/v1/units/\(t.commune.id)/profiles/import", csv, token: otherCommune).status == .notFound)
            #expect(try await Self.csvPost(app, "/api/v1/units/\(t.village1.id)/profiles/import", csv, token: own).status == .notFound)
            #expect(try await app.api(.GET, "/api/v1/units/\(t.commune.id)/profiles/export", token: own).status == .notFound)
            #expect(try await app.count("household_profiles") == 0)
        }
    }

    @Test("an import is all-or-nothing: every bad cell answered with its line and column, in the caller's language; then the good file records every row")
    func importAllOrNothing() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            let y = Self.lastYear(app)
            _ = try await Self.household(app, "PF-3", village: t.village1, childBorn: y - 5)
            _ = try await Self.household(app, "PF-4", village: t.village2, childBorn: 1990)
            _ = try await app.api(.POST, "/api/v1/households", json: householdInput("PF-X", village: t.otherVillage))
            let path = "/api/v1/units/\(t.commune.id)/profiles/import"
            let bad = """
                household_code,as_of,internet,smartphone_users,adults_vneid,adults_cashless,online_services,e_health,in_village_channel,channel,sells_online,own_camera
                PF-3,\(y)-06-30,fibre,2,1,1,có,không,có,zalo,không,có
                PF-4,\(y)-06-30,cáp quang,2,2,1,yes,perhaps,1,,0,
                PF-X,\(y)-06-30,mobile,1,,,,,,,,
                PF-3,\(y)-06-30,none,1,,,,,,,,
                PF-3,\(y)-07-01,mobile,1,2,,,,,,,
                PF-4,,mobile,1,,,,,,,,

                """
            let refused = try await Self.csvPost(app, path, bad)
            #expect(refused.status == .unprocessableEntity, "\(refused.text)")
            let fields = try refused.decode(ErrorBody.self).fields ?? []
            let found = Set(fields.map { "\($0.line ?? 0):\($0.field)" })
            #expect(found == ["3:e_health", "4:household_code", "5:household_code", "6:adults_vneid", "7:as_of"], "\(fields)")
            #expect(fields.map { $0.line ?? 0 } == fields.map { $0.line ?? 0 }.sorted())   // in the file's order
            #expect(fields.first { $0.line == 4 }?.message == "Không có hộ mã PF-X ở Xã Song Phượng.")
            #expect(try await app.count("household_profiles") == 0)
            // In English for an English-speaking caller.
            let english = try await app.testing().sendRequest(.POST, path, headers: ["Authorization": "Bearer \(app.testAuth.token)", "Content-Type": "text/csv", "Accept-Language": "en"],
                                                              body: ByteBuffer(string: bad))
            #expect(try english.decode(ErrorBody.self).fields?.first { $0.line == 6 }?.message == "More than the household's adults (1).")
            // The same through the page: a table of lines, columns and reasons; nothing written.
            let page = try await app.upload("/units/\(t.commune.id)/profiles/import", filename: "ho-so.csv", data: Data(bad.utf8))
            #expect(page.status == .unprocessableEntity && page.text.contains("e_health") && page.text.contains("Ghi có hoặc không"))
            #expect(try await app.count("household_profiles") == 0)

            let good = """
                household_code;as_of;internet;smartphone_users;adults_vneid;online_services;channel
                PF-3;30/06/\(y);cáp quang;2;1;có;zalo
                PF-4;\(y)-06-30;di động;1;1;không;
                PF-4;;;;;;

                """
            let done = try await app.upload("/units/\(t.commune.id)/profiles/import", filename: "ho-so.csv", data: Data(good.utf8))
            #expect(done.status == .ok && done.text.contains("ghi nhận 2 hồ sơ của 2 hộ"), "\(done.text)")
            let rows = try await (app.db as! any SQLDatabase).raw("SELECT source, internet, in_village_channel FROM household_profiles ORDER BY internet").all()
            #expect(try rows.map { try $0.decode(column: "source", as: String.self) } == ["import", "import"])
            #expect(try rows.map { try $0.decode(column: "internet", as: String.self) } == ["fibre", "mobile"])
            #expect(try rows.map { try $0.decode(column: "in_village_channel", as: Bool?.self) } == [true, nil])
            let log = try await app.api(.GET, "/api/v1/audit?action=import").decode(Paged<AuditEventDTO>.self)
            #expect(log.items.contains { $0.table == HouseholdProfile.schema })
        }
    }

    @Test("export then import adds the same answers: each household's current profile comes back as it was, the export audited")
    func exportRoundTrip() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            let y = Self.lastYear(app)
            let a = try await Self.household(app, "PF-5", village: t.village1, childBorn: 1980)
            let b = try await Self.household(app, "PF-6", village: t.village1, childBorn: y - 2)
            _ = try await Self.household(app, "PF-7", village: t.village1, childBorn: 1980)
            _ = try await app.api(.POST, "/api/v1/households/\(a)/profile", json: ProfileInput(asOf: "\(y)-02-01", profile: ProfileAnswers(smartphoneUsers: 1)))
            _ = try await app.api(.POST, "/api/v1/households/\(a)/profile", json: ProfileInput(asOf: "\(y)-05-01", profile: ProfileAnswers(
                internet: "fibre", smartphoneUsers: 2, adultsVneid: 2, adultsCashless: 1, onlineServices: true, eHealth: false,
                inVillageChannel: true, channel: "facebook", sellsOnline: false, ownCamera: true)))
            _ = try await app.api(.POST, "/api/v1/households/\(b)/profile", json: ProfileInput(asOf: "\(y)-04-01", profile: ProfileAnswers(internet: "none", adultsVneid: 1)))
            let res = try await app.api(.GET, "/api/v1/units/\(t.village1.id)/profiles/export")
            #expect(res.status == .ok && res.headers.contentType?.subType == "csv")
            let csv = res.text
            #expect(csv.contains("PF-6,\(y)-04-01,none,,1,,,,,,,"), "\(csv)")
            #expect(csv.contains("PF-7,,,,,,,,,,,"))
            #expect(csv.contains("PF-5,\(y)-05-01,fibre,2,2,1,yes,no,yes,facebook,no,yes"))
            let exports = try await app.api(.GET, "/api/v1/audit?action=export").decode(Paged<AuditEventDTO>.self)
            #expect(exports.items.contains { $0.table == HouseholdProfile.schema && $0.unitId == t.village1.id })
            let web = try await app.page("/units/\(t.village1.id)/profiles.csv")
            #expect(web.status == .ok && web.text == csv)

            let before = try await app.api(.GET, "/api/v1/households/\(a)/profile").decode(HouseholdProfileDTO.self).profile
            // The export imported back holds what each household already has on those dates: nothing is added.
            let report = try await Self.csvPost(app, "/api/v1/units/\(t.village1.id)/profiles/import", csv)
            #expect(report.status == .ok, "\(report.text)")
            #expect(try report.decode(ProfileImportReport.self) == ProfileImportReport(rows: 3, profilesAdded: 0, rowsSkipped: 1, households: 0, rowsUnchanged: 2))
            #expect(try await app.api(.GET, "/api/v1/households/\(a)/profiles").decode([ProfileRecordDTO].self).count == 2)
            #expect(try await app.api(.GET, "/api/v1/households/\(b)/profiles").decode([ProfileRecordDTO].self).count == 1)
            // One answer changed in the sheet: that row is recorded, the other is not.
            let edited = csv.replacingOccurrences(of: "PF-6,\(y)-04-01,none,", with: "PF-6,\(y)-04-01,mobile,")
            let second = try await Self.csvPost(app, "/api/v1/units/\(t.village1.id)/profiles/import", edited)
            #expect(try second.decode(ProfileImportReport.self) == ProfileImportReport(rows: 3, profilesAdded: 1, rowsSkipped: 1, households: 1, rowsUnchanged: 1))
            let history = try await app.api(.GET, "/api/v1/households/\(b)/profiles").decode([ProfileRecordDTO].self)
            #expect(history.count == 2 && history[0].profile.source == .import && history[0].profile.internet == .mobile)
            #expect(try await app.api(.GET, "/api/v1/households/\(a)/profile").decode(HouseholdProfileDTO.self).profile?.ownCamera == before?.ownCamera)
        }
    }

    @Test("erasure clears visits' visitors, notes and void reasons and keeps the profile answers; the personal-data export holds profiles and visits; the profile form records consent for digital support, shown with its Vietnamese label")
    func personalData() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            let y = Self.lastYear(app)
            let id = try await Self.household(app, "PF-8", village: t.village1, childBorn: 1999)
            let today = Day.today(app.now)
            let visit = try await app.api(.POST, "/api/v1/visits", json: VisitInput(householdId: id.uuidString, visitedOn: today, visitors: "Lê Thị Lan",
                                                                                    helped: ["vneid"], notes: "Ông Bình nhờ cài lại mật khẩu", profile: ProfileAnswers(smartphoneUsers: 2, adultsVneid: 2)))
            #expect(visit.status == .created, "\(visit.text)")
            // A visit recorded by mistake and voided with a reason that names someone.
            let wrong = try await app.api(.POST, "/api/v1/visits", json: VisitInput(householdId: id.uuidString, visitedOn: today, visitors: "Lê Thị Lan"))
                .decode(VisitDTO.self)
            #expect(try await app.api(.POST, "/api/v1/visits/\(wrong.id)/void", json: VoidInput(reason: "Nhầm sang nhà ông Bình")).status == .ok)
            let ok = try await app.form("/households/\(id)/profile", ["asOf": "\(y)-12-01", "internet": "fibre", "consent": "yes"])
            #expect(ok.status == .seeOther)
            let consents = try await app.api(.GET, "/api/v1/households/\(id)/consents").decode([ConsentDTO].self)
            #expect(consents.map(\.purpose) == [OutreachConsent.purpose] && consents[0].givenOn == "\(y)-12-01")

            let export = try await app.api(.GET, "/api/v1/households/\(id)/personal-data").decode(PersonalDataExport.self)
            #expect(export.profiles.map(\.profile.source) == [.visit, .form])
            #expect(export.visits.map(\.visitors) == ["Lê Thị Lan", "Lê Thị Lan"] && export.visits.contains { $0.notes == "Ông Bình nhờ cài lại mật khẩu" })
            let page = try await app.page("/households/\(id)/data")
            #expect(page.text.contains("Hỗ trợ chuyển đổi số (hồ sơ số của hộ, các lần đi hộ)") && page.text.contains("Lê Thị Lan")
                    && page.text.contains("Cài VNeID mức 2") && !page.text.contains(">digitalSupport<"))
            // The consent form offers the purpose as a choice, and records it.
            let form = try await app.page("/households/\(id)/consent")
            #expect(form.text.contains("value=\"digitalSupport\""))
            _ = try await app.api(.POST, "/api/v1/households/\(id)/consents/withdraw", json: WithdrawInput(consentId: consents[0].id.uuidString, date: today))
            let chosen = try await app.form("/households/\(id)/consent", ["purposeChoice": "digitalSupport", "purpose": "", "givenOn": today, "collectedBy": "Trưởng thôn"])
            #expect(chosen.status == .seeOther, "\(chosen.text)")
            #expect(try await app.api(.GET, "/api/v1/households/\(id)/consents").decode([ConsentDTO].self).filter { $0.withdrawnOn == nil }.map(\.purpose) == [OutreachConsent.purpose])

            let erased = try await app.api(.POST, "/api/v1/households/\(id)/erase", json: EraseInput(confirm: true))
            #expect(erased.status == .ok)
            let visits = try await app.api(.GET, "/api/v1/households/\(id)/visits").decode([VisitDTO].self)
            #expect(visits.map(\.visitors) == [PersonalData.erasedName, PersonalData.erasedName])
            let kept = try #require(visits.first { !$0.voided }), void = try #require(visits.first { $0.voided })
            #expect(kept.notes == PersonalData.erasedName && kept.helped == [.vneid] && kept.profile?.adultsVneid == 2)
            #expect(void.voidReason == PersonalData.erasedName)
            let current = try await app.api(.GET, "/api/v1/households/\(id)/profile").decode(HouseholdProfileDTO.self)
            #expect(current.profile?.source == .visit && current.profile?.smartphoneUsers == 2)
            #expect(try await app.count("household_profiles") == 2)
            let raw = try await (app.db as! any SQLDatabase).raw("SELECT COUNT(*) AS n FROM visits WHERE visitors LIKE '%Lan%' OR notes LIKE '%Bình%' OR void_reason LIKE '%Bình%'").first()
            #expect(try raw!.decode(column: "n", as: Int.self) == 0)
        }
    }
}
