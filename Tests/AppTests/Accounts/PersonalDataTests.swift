import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting
@testable import App

@Suite("Consent and data-subject requests")
struct PersonalDataTests {
    @Test("an official records and withdraws consent, exports everything held, and erases the household keeping its counts")
    func lifecycle() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            let h = try await app.api(.POST, "/api/v1/households", json: householdInput("PD-1", village: t.village1, name: "Đào Thị Mai", phone: "0999000123")).decode(HouseholdDetailDTO.self)
            let id = h.household.id
            let bad = try await app.api(.POST, "/api/v1/households/\(id)/consents", json: ConsentInput(purpose: "", givenOn: "2099-01-01", collectedBy: "Trưởng thôn"))
            #expect(bad.status == .unprocessableEntity)
            #expect(Set(try bad.decode(ErrorBody.self).fields?.map(\.field) ?? []) == ["purpose", "givenOn"])
            let created = try await app.api(.POST, "/api/v1/households/\(id)/consents", json: ConsentInput(purpose: "Nhận thông báo của thôn", givenOn: "01/03/2026", collectedBy: "Trưởng thôn"))
            #expect(created.status == .created)
            let consent = try created.decode(ConsentDTO.self)
            #expect(consent.givenOn == "2026-03-01")
            let withdrawn = try await app.api(.POST, "/api/v1/households/\(id)/consents/withdraw", json: WithdrawInput(consentId: consent.id.uuidString, date: "2026-04-01"))
            #expect(try withdrawn.decode(ConsentDTO.self).withdrawnOn == "2026-04-01")
            let twice = try await app.api(.POST, "/api/v1/households/\(id)/consents/withdraw", json: WithdrawInput(consentId: consent.id.uuidString, date: "2026-04-02"))
            #expect(twice.status == .unprocessableEntity)

            let export = try await app.api(.GET, "/api/v1/households/\(id)/personal-data").decode(PersonalDataExport.self)
            #expect(export.residents.map(\.fullName) == ["Đào Thị Mai"])
            #expect(export.consents.count == 1 && export.accessLog.contains { $0.action == "create" })
            let page = try await app.page("/households/\(id)/data")
            #expect(page.status == .ok && page.text.contains("Nhận thông báo của thôn") && page.text.contains("Đào Thị Mai"))

            let refused = try await app.form("/households/\(id)/erase", [:])
            #expect(refused.status == .unprocessableEntity)
            #expect(try await app.api(.GET, "/api/v1/households/\(id)").decode(HouseholdDetailDTO.self).residents[0].fullName == "Đào Thị Mai")
            let erased = try await app.form("/households/\(id)/erase", ["confirm": "yes"])
            #expect(erased.status == .seeOther)
            let after = try await app.api(.GET, "/api/v1/households/\(id)").decode(HouseholdDetailDTO.self)
            #expect(after.residents[0].fullName.hasPrefix(PersonalData.erasedName) && after.residents[0].phone == nil)
            #expect(after.residents[0].birthYear == 1970 && after.household.address == PersonalData.erasedName)
            let found = try await app.api(.GET, "/api/v1/households?q=dao%20thi%20mai").decode(Paged<HouseholdDTO>.self)
            #expect(found.total == 0)
            let summary = try await app.api(.GET, "/api/v1/units/\(t.village1.id)/summary").decode(UnitSummary.self)
            #expect(summary.households == 1 && summary.residents == 1)
            let log = try await app.api(.GET, "/api/v1/audit?row=\(id)&action=erase").decode(Paged<AuditEventDTO>.self)
            #expect(log.items.count == 1 && log.items[0].after?.contains("Mai") == false)
        }
    }

    @Test("the export lists the household's contributions and the reports it filed (signed in or with its phone); erasure empties them there and keeps the amounts")
    func contributionsAndReports() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            let (home, id) = try await app.householdBrowser(code: "PD-2", village: t.village1)   // phone 0999000001
            let commune = try #require(await AdminUnit.find(t.commune.id, on: app.db))
            let (_, official) = try await AccountActions.createToken(name: "xa", role: .communeOfficial, unit: commune, on: app.db)
            let campaign = try await app.api(.POST, "/api/v1/campaigns", json: CampaignInput(unitId: t.village1.id.uuidString, purpose: "Đèn năng lượng mặt trời ngõ 5",
                                                                                              targetDong: 50_000_000, startsOn: "2026-01-01"), token: official).decode(CampaignDTO.self)
            let paid = try await app.api(.POST, "/api/v1/campaigns/\(campaign.id)/contributions", json: ContributionInput(householdId: id.uuidString, amountDong: 750_000, method: "cash"), token: official)
            #expect(paid.status == .created, "\(paid.text)")
            _ = try await app.api(.POST, "/api/v1/campaigns/\(campaign.id)/contributions", json: ContributionInput(organisation: "Hợp tác xã", amountDong: 2_000_000), token: official)
            // One report signed in, with a photo; one anonymous with the household's phone; one with another phone.
            #expect(try await app.reportForm("00001", ["category": "brokenLight", "place": "Ngõ 5", "description": "Đèn ngõ 5 chập chờn"], photos: [("x.png", pngBytes)], as: home).status == .ok)
            let (visitor, _) = try await app.visitor("/r/00001/new")
            #expect(try await app.reportForm("00001", ["category": "road", "place": "Ngõ 7", "description": "Ổ gà trước nhà văn hóa", "phone": "0999000001"], as: visitor).status == .ok)
            #expect(try await app.reportForm("00001", ["category": "road", "place": "Ngõ 8", "description": "Ổ gà ngõ 8 của người khác", "phone": "0912000077"], as: visitor).status == .ok)

            let export = try await app.api(.GET, "/api/v1/households/\(id)/personal-data").decode(PersonalDataExport.self)
            #expect(export.contributions.map(\.amountDong) == [750_000] && export.contributions[0].purpose == "Đèn năng lượng mặt trời ngõ 5")
            #expect(Set(export.reports.map(\.report.description)) == ["Đèn ngõ 5 chập chờn", "Ổ gà trước nhà văn hóa"])
            #expect(export.reports.first { $0.report.place == "Ngõ 5" }?.photos.count == 1 && export.reports.allSatisfy { $0.events.first?.kind == "submitted" })
            let page = try await app.page("/households/\(id)/data")
            #expect(page.status == .ok && page.text.contains("750.000 đ") && page.text.contains("Đèn ngõ 5 chập chờn") && page.text.contains("Ổ gà trước nhà văn hóa"))
            #expect(!page.text.contains("Ổ gà ngõ 8") && !page.text.contains("Hợp tác xã"))

            #expect(try await app.form("/households/\(id)/erase", ["confirm": "yes"]).status == .seeOther)
            let after = try await app.api(.GET, "/api/v1/households/\(id)/personal-data").decode(PersonalDataExport.self)
            // The contribution and the report sent with its phone no longer point to the household (nothing links them
            // any more); the report it filed signed in is still its own, without its words, place, phone and photos.
            #expect(after.contributions.isEmpty)
            #expect(after.reports.count == 1 && after.reports.allSatisfy { $0.report.description == PersonalData.erasedName && $0.report.place == nil && $0.report.phone == nil && $0.photos.isEmpty })
            let totals = try await app.api(.GET, "/api/v1/campaigns/\(campaign.id)", token: official).decode(CampaignDTO.self).totals
            #expect(totals.raisedDong == 2_750_000 && totals.contributions == 2)
        }
    }

    @Test("a village head may not export or erase")
    func notForVillageHeads() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            let h = try await app.api(.POST, "/api/v1/households", json: householdInput("PD-2", village: t.village1)).decode(HouseholdDetailDTO.self)
            let village = try #require(await AdminUnit.find(t.village1.id, on: app.db))
            let (_, token) = try await AccountActions.createToken(name: "thon", role: .villageHead, unit: village, on: app.db)
            #expect(try await app.api(.GET, "/api/v1/households/\(h.household.id)/personal-data", token: token).status == .notFound)
            #expect(try await app.api(.POST, "/api/v1/households/\(h.household.id)/erase", json: EraseInput(confirm: true), token: token).status == .notFound)
            #expect(try await app.api(.GET, "/api/v1/households/\(h.household.id)", token: token).status == .ok)
        }
    }
}
