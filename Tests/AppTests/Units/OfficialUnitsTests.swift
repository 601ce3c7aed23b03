import Fluent
import Foundation
import Testing
import Vapor
@testable import App

@Suite("The official lists and the 2025 reform")
struct OfficialUnitsTests {
    @Test("load-official loads 34 + 63 provinces and 3,321 + old communes, idempotently; Song Phượng is carried into Xã Đan Phượng")
    func loadAndCarry() async throws {
        try await withTestApp { app in
            let first = try await OfficialUnits.load(from: OfficialUnits.directory(app), on: app.db)
            #expect(first.unitsAdded > 14_000)
            let again = try await OfficialUnits.load(from: OfficialUnits.directory(app), on: app.db)
            #expect(again == OfficialLoadResult(unitsAdded: 0, linksAdded: 0, successionsAdded: 0))

            let provincesNow = try await app.api(.GET, "/api/v1/units?kind=province&per=100").decode(Paged<UnitDTO>.self)
            #expect(provincesNow.total == 34)
            let provincesThen = try await app.api(.GET, "/api/v1/units?kind=province&per=100&on=2025-06-30").decode(Paged<UnitDTO>.self)
            #expect(provincesThen.total == 63)
            let communesNow = try await app.api(.GET, "/api/v1/units?kind=commune&per=1").decode(Paged<UnitDTO>.self)
            #expect(communesNow.total == 3321)

            let songPhuong = try #require(try await UnitQueries.byCode("09829", kind: .commune, on: app.db))
            #expect(songPhuong.validTo == "2025-07-01")
            let danPhuong = try #require(try await UnitQueries.byCode("09784", kind: .commune, on: app.db))
            #expect(danPhuong.validFrom == "2025-07-01")
            let district = try await app.api(.GET, "/api/v1/units/\(songPhuong.id!)/parent?on=2025-06-30").decode(UnitDTO.self)
            #expect(district.kind == .district && district.code == "273")

            // Song Phượng kept from before the reform: its villages and households go into Xã Đan Phượng.
            let village = try await app.api(.POST, "/api/v1/units", json: UnitInput(kind: "village", code: "SP1", name: "Thôn Thượng Hội", parentId: songPhuong.id!.uuidString))
            #expect(village.status == .created, "\(village.text)")
            let v = try village.decode(UnitDTO.self)
            _ = try await app.api(.POST, "/api/v1/households", json: householdInput("09829-1", village: v))
            let carried = try await app.api(.POST, "/api/v1/units/\(songPhuong.id!)/carry")
            #expect(carried.status == .ok, "\(carried.text)")
            let result = try carried.decode(MoveResult.self)
            #expect(result.target.code == "09784")
            #expect(result.householdsMoved == 1)
            let parentThen = try await app.api(.GET, "/api/v1/units/\(v.id)/parent?on=2025-06-30").decode(UnitDTO.self)
            #expect(parentThen.code == "09829")
            let parentNow = try await app.api(.GET, "/api/v1/units/\(v.id)/parent").decode(UnitDTO.self)
            #expect(parentNow.code == "09784")
            let summary = try await app.api(.GET, "/api/v1/units/\(danPhuong.id!)/summary").decode(UnitSummary.self)
            #expect(summary.villages == 1 && summary.households == 1)
        }
    }

    @Test("the demo commune has Song Phượng's figures, every household with a representative")
    func demo() async throws {
        try await withTestApp { app in
            let commune = try await Demo.load(app)
            let summary = try await app.api(.GET, "/api/v1/units/\(commune.id!)/summary").decode(UnitSummary.self)
            #expect(summary == UnitSummary(communes: nil, villages: 4, groups: 36, households: 1216, residents: 5300))
            let withoutRep = try await Household.query(on: app.db).filter(\.$representativeID == nil).count()
            #expect(withoutRep == 0)
            // Loading again changes nothing.
            _ = try await Demo.load(app)
            #expect(try await app.count("households") == 1216)
        }
    }
}
