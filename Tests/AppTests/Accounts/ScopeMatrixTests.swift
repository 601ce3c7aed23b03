import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting
@testable import App

/// Walks every route the router knows × every role × a row inside and a row outside the role's units.
/// A route registered without an access rule fails here.
@Suite("The scope rule, on every route and every role")
struct ScopeMatrixTests {
    struct Fixture {
        var tree: Tree
        var h1: HouseholdDetailDTO      // in group T1-01 of village T1 of commune 00001
        var outsideUnit: UnitDTO        // commune 00003 in province 02
        var outsideVillage: UnitDTO
        var outsideHousehold: HouseholdDetailDTO
        var personInside: UUID
        var personOutside: UUID
        var announcementInside: UUID          // a draft owned by group T1-01
        var announcementOutside: UUID         // a draft owned by village X1 of commune 00003
        /// unit id → its parent, for the test's own idea of "inside".
        var parent: [UUID: UUID]
    }

    static func fixture(_ app: Application) async throws -> Fixture {
        let t = try await Tree.make(app)
        let h1 = try await app.api(.POST, "/api/v1/households", json: householdInput("IN-1", village: t.village1, group: t.group11)).decode(HouseholdDetailDTO.self)
        let p2 = try await app.api(.POST, "/api/v1/units", json: UnitInput(kind: "province", code: "02", name: "Tỉnh Ngoài")).decode(UnitDTO.self)
        let c3 = try await app.api(.POST, "/api/v1/units", json: UnitInput(kind: "commune", code: "00003", name: "Xã Ngoài Phạm Vi", parentId: p2.id.uuidString)).decode(UnitDTO.self)
        let x1 = try await app.api(.POST, "/api/v1/units", json: UnitInput(kind: "village", code: "X1", name: "Thôn Ngoài", parentId: c3.id.uuidString)).decode(UnitDTO.self)
        let out = try await app.api(.POST, "/api/v1/households", json: householdInput("OUT-1", village: x1, name: "Người Ngoài Phạm Vi")).decode(HouseholdDetailDTO.self)
        var parent: [UUID: UUID] = [:]
        for u in [t.commune, t.otherCommune, t.village1, t.village2, t.group11, t.group12, t.otherVillage, c3, x1] { parent[u.id] = u.parentId }
        let pin = try await AccountActions.createPerson(username: "nguoitrong", displayName: "Người trong", password: testPassword, role: .villageHead,
                                                        unit: try #require(await AdminUnit.find(t.village1.id, on: app.db)), app: app)
        let pout = try await AccountActions.createPerson(username: "nguoingoai", displayName: "Người ngoài", password: testPassword, role: .villageHead,
                                                         unit: try #require(await AdminUnit.find(c3.id, on: app.db)), app: app)
        let nin = try await app.api(.POST, "/api/v1/announcements", json: AnnouncementInput(title: "Họp tổ", body: "Nội dung", category: "notice", unitIds: [t.group11.id.uuidString])).decode(AnnouncementDTO.self)
        let nout = try await app.api(.POST, "/api/v1/announcements", json: AnnouncementInput(title: "Thông báo ngoài", body: "Nội dung", category: "notice", unitIds: [x1.id.uuidString])).decode(AnnouncementDTO.self)
        return Fixture(tree: t, h1: h1, outsideUnit: c3, outsideVillage: x1, outsideHousehold: out, personInside: pin.id!, personOutside: pout.id!,
                       announcementInside: nin.id, announcementOutside: nout.id, parent: parent)
    }

    struct Caller {
        var role: Role?
        var unit: UUID?
        var token: String
        var browser: Browser?
    }

    @Test("outside a caller's units every route answers 404; inside, exactly the roles with the permission get through")
    func matrix() async throws {
        try await withTestApp { app in
            let f = try await Self.fixture(app)
            let t = f.tree
            let grantOn: [Role: UnitDTO?] = [
                .admin: nil, .provinceCoordinator: t.province, .communeOfficial: t.commune, .justiceOfficer: t.commune,
                .villageHead: t.village1, .groupHead: t.group11, .digitalTeamMember: t.village1,
                .householdRepresentative: t.group11, .producer: t.commune,
            ]
            var callers: [Caller] = [Caller(role: nil, unit: nil, token: "", browser: nil)]
            for role in Role.allCases {
                let unit = grantOn[role]!
                let name = "u\(role.rawValue.lowercased())"
                _ = try await AccountActions.createPerson(username: name, displayName: name, password: testPassword, role: role,
                                                          unit: try await unit.asyncMap { try await AdminUnit.find($0.id, on: app.db) } ?? nil, app: app)
                let (_, token) = try await AccountActions.createToken(name: name, role: role,
                                                                      unit: try await unit.asyncMap { try await AdminUnit.find($0.id, on: app.db) } ?? nil, on: app.db)
                callers.append(Caller(role: role, unit: unit?.id, token: token, browser: try await app.signIn(name)))
            }
            func inside(_ target: UUID, _ root: UUID?) -> Bool {
                guard let root else { return true }
                var cur: UUID? = target
                while let c = cur { if c == root { return true }; cur = f.parent[c] }
                return false
            }
            let resident = f.h1.residents[0].id, outsideResident = f.outsideHousehold.residents[0].id
            // People who also hold a role elsewhere: someone with a village role in T1 and in the outside commune, and a
            // system administrator who also heads village T1. Only a system-wide caller may act on them, their grants or
            // an administrator's token; for everyone else they are outside (as if in the outside commune).
            let village1 = try #require(await AdminUnit.find(t.village1.id, on: app.db))
            let twoPlaces = try await AccountActions.createPerson(username: "haicho", displayName: "Hai chỗ", password: testPassword, role: .villageHead, unit: village1, app: app)
            try await RoleGrant(personID: twoPlaces.id!, role: .villageHead, unitID: f.outsideUnit.id).create(on: app.db)
            let adminTwo = try await AccountActions.createPerson(username: "quantrihai", displayName: "Quản trị hai", password: testPassword, role: .admin, unit: nil, app: app)
            try await RoleGrant(personID: adminTwo.id!, role: .villageHead, unitID: village1.id).create(on: app.db)
            let (adminToken, _) = try await AccountActions.createToken(name: "toan-he-thong", role: .admin, unit: nil, on: app.db)
            // A body that fails every form's and body's checks after the access check, so nothing changes.
            let junk = ["code": "!!", "name": "", "fullName": "", "address": "", "date": "bad", "communeCode": "", "sourceCodes": ""]
            var checked = 0
            let procInside = try await ProcScopeRows.rows(app, commune: t.commune.id)
            let procOutside = try await ProcScopeRows.rows(app, commune: f.outsideUnit.id)
            let outreachInside = try await OutreachScopeRows.rows(app, commune: t.commune.id, village: t.village1.id, household: f.h1.household.id)
            let outreachOutside = try await OutreachScopeRows.rows(app, commune: f.outsideUnit.id, village: f.outsideVillage.id,
                                                                   household: f.outsideHousehold.household.id)
            let placesInside = ScopePlaces(commune: t.commune.id, village: t.village1.id, group: t.group11.id, household: f.h1.household.id)
            let placesOutside = ScopePlaces(commune: f.outsideUnit.id, village: f.outsideVillage.id, group: nil,
                                            household: f.outsideHousehold.household.id)
            let featureRows = try await FeatureScopeRows.all(app, inside: placesInside, outside: placesOutside)
            for route in app.routes.all {
                let path = "/" + route.path.map(\.description).joined(separator: "/")
                let rule = try #require(route.accessRule, "route \(route.method) \(path) has no access rule")
                var targets: [(id: UUID, unitForScope: UUID, outside: Bool)] = []
                // Routes that remove what they name get a fresh row for every request.
                var fresh: (@Sendable () async throws -> UUID)? = nil
                let village = try #require(await AdminUnit.find(t.village1.id, on: app.db))
                let outsideCommune = try #require(await AdminUnit.find(f.outsideUnit.id, on: app.db))
                guard let kind = rule.rowKind, let permission = rule.permission else { continue }   // open, list, action, signedIn: the tests below
                switch kind {
                case "person":
                    targets = [(f.personInside, t.village1.id, false), (f.personOutside, f.outsideUnit.id, true),
                               (twoPlaces.id!, f.outsideUnit.id, true), (adminTwo.id!, f.outsideUnit.id, true)]
                case "grant":
                    let g = RoleGrant(personID: f.personOutside, role: .villageHead, unitID: outsideCommune.id)
                    try await g.create(on: app.db)
                    // A grant inside T1, but held by someone who also holds one outside (a fresh one per route: an
                    // administrator's call revokes it).
                    let twoPlacesGrant = RoleGrant(personID: twoPlaces.id!, role: .digitalTeamMember, unitID: village1.id)
                    try await twoPlacesGrant.create(on: app.db)
                    targets = [(UUID(), t.village1.id, false), (g.id!, f.outsideUnit.id, true), (twoPlacesGrant.id!, f.outsideUnit.id, true)]
                    let person = f.personInside
                    let db = app.db
                    fresh = {
                        let g = RoleGrant(personID: person, role: .digitalTeamMember, unitID: village.id)
                        try await g.create(on: db)
                        return g.id!
                    }
                case "token":
                    let (out, _) = try await AccountActions.createToken(name: "out", role: .villageHead, unit: outsideCommune, on: app.db)
                    targets = [(UUID(), t.village1.id, false), (out.id!, f.outsideUnit.id, true), (adminToken.id!, f.outsideUnit.id, true)]
                    let db = app.db
                    fresh = { try await AccountActions.createToken(name: "in", role: .villageHead, unit: village, on: db).0.id! }
                case "commune":
                    targets = [(t.commune.id, t.commune.id, false), (f.outsideUnit.id, f.outsideUnit.id, true)]
                case "unit":
                    let insideUnit = path.contains("import") || path.contains(".csv") || path.contains("merge") || path.contains("carry")
                        || path.contains("communes/") ? t.commune.id : path.contains("move") ? t.village1.id : t.group11.id
                    let outsideUnit = path.contains("move") || path.contains("households/new") ? f.outsideVillage.id : f.outsideUnit.id
                    targets = [(insideUnit, insideUnit, false), (outsideUnit, outsideUnit, true)]
                case "household":
                    targets = [(f.h1.household.id, t.group11.id, false), (f.outsideHousehold.household.id, f.outsideVillage.id, true)]
                case "resident":
                    targets = [(resident, t.group11.id, false), (outsideResident, f.outsideVillage.id, true)]
                case "announcement":
                    targets = [(f.announcementInside, t.group11.id, false), (f.announcementOutside, f.outsideVillage.id, true)]
                case "procedure", "board", "question", "slot", "appointment", "paperSet", "paperItem", "paperFile", "dossier":
                    let (a, b) = try ProcScopeRows.target(path, inside: procInside, outside: procOutside)
                    targets = [(a, t.commune.id, false), (b, f.outsideUnit.id, true)]
                case "team", "teamMember":
                    let (a, b) = try #require(OutreachScopeRows.target(kind, inside: outreachInside, outside: outreachOutside))
                    targets = [(a, t.village1.id, false), (b, f.outsideVillage.id, true)]
                case "visit":
                    let (a, b) = try #require(OutreachScopeRows.target(kind, inside: outreachInside, outside: outreachOutside))
                    targets = [(a, t.group11.id, false), (b, f.outsideVillage.id, true)]
                case "training":
                    let (a, b) = try #require(OutreachScopeRows.target(kind, inside: outreachInside, outside: outreachOutside))
                    targets = [(a, t.commune.id, false), (b, f.outsideUnit.id, true)]
                default:
                    guard let r = featureRows[kind] else {
                        Issue.record("route \(route.method) \(path) guards a \(kind), which this test does not know: add its rows")
                        continue
                    }
                    targets = [(r.inside, r.insideUnit, false), (r.outside, r.outsideUnit, true)]
                }
                for target in targets {
                    for caller in callers {
                        var id = target.id
                        if !target.outside, let fresh { id = try await fresh() }
                        let url = path.replacingOccurrences(of: ":id", with: id.uuidString.lowercased())
                        let res: TestingHTTPResponse
                        if path.hasPrefix("/api/") {
                            res = try await app.testing().sendRequest(route.method, url, headers: caller.token.isEmpty ? [:] : ["Authorization": "Bearer \(caller.token)"]) { req in
                                if route.method != .GET { try req.content.encode(junk, as: .json) }
                            }
                        } else if let b = caller.browser {
                            res = route.method == .GET ? try await app.page(url, as: b) : try await app.form(url, junk, as: b)
                        } else {
                            res = try await app.anonymousPage(url)
                        }
                        let who = "\(caller.role?.rawValue ?? "anonymous") \(route.method) \(path) \(target.outside ? "outside" : "inside")"
                        guard let role = caller.role else {
                            #expect([.unauthorized, .seeOther, .forbidden, .notFound].contains(res.status), "\(who): \(res.status)")
                            continue
                        }
                        let allowed = role.permissions.contains(permission) && inside(target.unitForScope, caller.unit)
                        if allowed {
                            #expect(![.notFound, .unauthorized, .forbidden].contains(res.status), "\(who): \(res.status) \(res.body.string.prefix(200))")
                        } else {
                            #expect(res.status == .notFound, "\(who): \(res.status)")
                        }
                        checked += 1
                    }
                }
            }
            #expect(checked > 300)
            // Nothing the checks sent changed a row.
            let h = try await app.api(.GET, "/api/v1/households/\(f.h1.household.id)").decode(HouseholdDetailDTO.self)
            #expect(h.household.code == "IN-1" && h.household.groupId == t.group11.id)
        }
    }

    @Test("lists and searches show only the caller's units")
    func lists() async throws {
        try await withTestApp { app in
            let f = try await Self.fixture(app)
            let t = f.tree
            let head = try #require(await AdminUnit.find(t.village1.id, on: app.db))
            _ = try await AccountActions.createPerson(username: "truongthon", displayName: "Trưởng thôn", password: testPassword, role: .villageHead, unit: head, app: app)
            let (_, token) = try await AccountActions.createToken(name: "thon", role: .villageHead, unit: head, on: app.db)
            let households = try await app.api(.GET, "/api/v1/households?per=500", token: token).decode(Paged<HouseholdDTO>.self)
            #expect(households.items.map(\.code) == ["IN-1"])
            let residents = try await app.api(.GET, "/api/v1/residents?q=nguoi", token: token).decode(Paged<ResidentDTO>.self)
            #expect(residents.total == 0)
            let units = try await app.api(.GET, "/api/v1/units?q=thon", token: token).decode(Paged<UnitDTO>.self)
            #expect(Set(units.items.map(\.code)) == ["T1"])
            let top = try await app.api(.GET, "/api/v1/units", token: token).decode(Paged<UnitDTO>.self)
            #expect(top.items.map(\.id) == [t.village1.id])
            // A group head: their group's households only (a group root is matched on the group); someone who heads
            // a group here and a village elsewhere sees both.
            let group11 = try #require(await AdminUnit.find(t.group11.id, on: app.db)), group12 = try #require(await AdminUnit.find(t.group12.id, on: app.db))
            let (_, g11) = try await AccountActions.createToken(name: "to11", role: .groupHead, unit: group11, on: app.db)
            let (_, g12) = try await AccountActions.createToken(name: "to12", role: .groupHead, unit: group12, on: app.db)
            #expect(try await app.api(.GET, "/api/v1/households?per=500", token: g11).decode(Paged<HouseholdDTO>.self).items.map(\.code) == ["IN-1"])
            #expect(try await app.api(.GET, "/api/v1/households?per=500", token: g12).decode(Paged<HouseholdDTO>.self).items.isEmpty)
            let both = try await AccountActions.createPerson(username: "haivaitro", displayName: "Hai vai trò", password: testPassword, role: .groupHead, unit: group12, app: app)
            try await RoleGrant(personID: both.id!, role: .villageHead, unitID: f.outsideVillage.id).create(on: app.db)
            let bothPage = try await app.page("/search?q=o", as: try await app.signIn("haivaitro"))
            #expect(bothPage.text.contains("OUT-1") && !bothPage.text.contains("IN-1"))
            let foreign = try await app.api(.GET, "/api/v1/households?unit=\(f.outsideUnit.id)", token: token)
            #expect(foreign.status == .unprocessableEntity)
            let children = try await app.api(.GET, "/api/v1/units?parent=\(t.commune.id)", token: token)
            #expect(children.status == .notFound)

            let browser = try await app.signIn("truongthon")
            let search = try await app.page("/search?q=nguoi", as: browser)
            #expect(!search.text.contains("OUT-1"))
            let adminSearch = try await app.page("/search?q=nguoi")
            #expect(adminSearch.text.contains("OUT-1"))
            let home = try await app.page("/", as: browser)
            #expect(home.text.contains("Thôn Đông") && !home.text.contains("Xã Ngoài"))
        }
    }

    @Test("bodies naming units outside the caller's scope are refused as unknown, and nothing is written")
    func bodies() async throws {
        try await withTestApp { app in
            let f = try await Self.fixture(app)
            let t = f.tree
            let commune = try #require(await AdminUnit.find(t.commune.id, on: app.db))
            let (_, token) = try await AccountActions.createToken(name: "xa", role: .communeOfficial, unit: commune, on: app.db)
            let before = try await app.count("households")
            let foreignHousehold = try await app.api(.POST, "/api/v1/households", json: householdInput("NEW-1", village: f.outsideVillage), token: token)
            #expect(foreignHousehold.status == .unprocessableEntity)
            #expect(try foreignHousehold.decode(ErrorBody.self).fields?.first?.field == "villageId")
            let ownHousehold = try await app.api(.POST, "/api/v1/households", json: householdInput("NEW-2", village: t.village2), token: token)
            #expect(ownHousehold.status == .created)
            #expect(try await app.count("households") == before + 1)
            let foreignUnit = try await app.api(.POST, "/api/v1/units", json: UnitInput(kind: "village", code: "Z1", name: "Thôn Lạ", parentId: f.outsideUnit.id.uuidString), token: token)
            #expect(foreignUnit.status == .unprocessableEntity)
            let province = try await app.api(.POST, "/api/v1/units", json: UnitInput(kind: "province", code: "03", name: "Tỉnh Mới"), token: token)
            #expect(province.status == .unprocessableEntity)
            let move = try await app.api(.POST, "/api/v1/units/\(t.village2.id)/move", json: MoveInput(communeId: f.outsideUnit.id.uuidString, date: "2026-01-01"), token: token)
            #expect(move.status == .unprocessableEntity)
            let merge = try await app.api(.POST, "/api/v1/units/merge", json: MergeInput(sourceIds: [t.commune.id.uuidString], targetId: f.outsideUnit.id.uuidString, newCommune: nil, date: "2026-01-01"), token: token)
            #expect(merge.status == .unprocessableEntity)
            let resident = try await app.api(.POST, "/api/v1/residents", json: ResidentInput(householdId: f.outsideHousehold.household.id.uuidString, fullName: "Ai Đó"), token: token)
            #expect(resident.status == .unprocessableEntity)
            #expect(try await app.api(.GET, "/api/v1/units/\(t.village2.id)").decode(UnitDTO.self).parentId == t.commune.id)
            // Announcements, people and tokens named on a unit outside: refused, nothing written.
            let announcements = try await app.count("announcements")
            let foreignNotice = try await app.api(.POST, "/api/v1/announcements", json: AnnouncementInput(title: "Lạc chỗ", body: "Nội dung", category: "notice", unitIds: [f.outsideVillage.id.uuidString]), token: token)
            #expect(foreignNotice.status == .unprocessableEntity)
            #expect(try await app.count("announcements") == announcements)
            let people = try await app.count("people"), tokens = try await app.count("api_tokens")
            let foreignPerson = try await app.api(.POST, "/api/v1/people", json: PersonInput(username: "nguoila", displayName: "Người lạ", password: testPassword, role: "villageHead", unitId: f.outsideVillage.id.uuidString), token: token)
            #expect(foreignPerson.status == .unprocessableEntity)
            let adminPerson = try await app.api(.POST, "/api/v1/people", json: PersonInput(username: "quantrila", displayName: "Quản trị lạ", password: testPassword, role: "admin"), token: token)
            #expect(adminPerson.status == .unprocessableEntity)
            let foreignToken = try await app.api(.POST, "/api/v1/tokens", json: TokenInput(name: "la", role: "villageHead", unitId: f.outsideVillage.id.uuidString), token: token)
            #expect(foreignToken.status == .unprocessableEntity)
            #expect(try await app.count("people") == people)
            #expect(try await app.count("api_tokens") == tokens)
        }
    }

    @Test("every list route shows a caller none of the rows outside their units (and shows them to a system administrator)")
    func everyList() async throws {
        try await withTestApp { app in
            let f = try await Self.fixture(app)
            let t = f.tree
            // Names that exist only outside T's commune: the outside commune, its village, household and person, a notice.
            let outside = ["Xã Ngoài Phạm Vi", "Thôn Ngoài", "OUT-1", "Người Ngoài Phạm Vi", "nguoingoai", "Thông báo ngoài"]
            let commune = try #require(await AdminUnit.find(t.commune.id, on: app.db))
            let village = try #require(await AdminUnit.find(t.village1.id, on: app.db))
            var callers: [(String, Browser, String)] = []
            for (role, unit) in [(Role.communeOfficial, commune), (.villageHead, village), (.justiceOfficer, commune)] {
                let name = "l\(role.rawValue.lowercased())"
                _ = try await AccountActions.createPerson(username: name, displayName: name, password: testPassword, role: role, unit: unit, app: app)
                let (_, token) = try await AccountActions.createToken(name: name, role: role, unit: unit, on: app.db)
                callers.append((name, try await app.signIn(name), token))
            }
            var checked = 0, adminSaw = 0
            for route in app.routes.all where route.method == .GET {
                guard case .list = route.accessRule else { continue }
                let path = "/" + route.path.map(\.description).joined(separator: "/") + "?q=ngoai&per=500"
                for (name, browser, token) in callers {
                    let res = path.hasPrefix("/api/") ? try await app.api(.GET, path, token: token) : try await app.page(path, as: browser)
                    #expect(res.status.code < 500, "\(name) \(path): \(res.status)")
                    for text in outside { #expect(!res.body.string.contains(text), "\(name) \(path) shows \(text)") }
                    checked += 1
                }
                let admin = path.hasPrefix("/api/") ? try await app.api(.GET, path) : try await app.page(path)
                if outside.contains(where: { admin.body.string.contains($0) }) { adminSaw += 1 }
            }
            #expect(checked >= 3 * 12)
            // The markers are real: most lists show them to someone whose scope holds them.
            #expect(adminSaw >= 6)
        }
    }
}

@Suite("Route rules are enforced where routes are registered")
struct RouteRuleTests {
    @Test("a route without a rule answers 500 (closed); a handler asking for a row its rule did not load answers 500; a row rule loads before the handler, or 404 / sign-in")
    func enforced() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            let ran = Counter()
            app.get("api", "v1", "no-rule") { _ -> String in await ran.add(); return "ran" }
            app.get("api", "v1", "rule-test", ":id") { req async throws -> String in
                await ran.add()
                return try req.scoped(AdminUnit.self).name
            }.rule(.unit(.readRegistry))
            app.get("api", "v1", "wrong-row", ":id") { req async throws -> String in
                await ran.add()
                return try req.scoped(Household.self).code
            }.rule(.unit(.readRegistry))
            #expect(try await app.api(.GET, "/api/v1/no-rule").status == .internalServerError)
            #expect(await ran.value == 0)
            // The rule loaded the unit: the handler reads it without checking anything itself.
            let inside = try await app.api(.GET, "/api/v1/rule-test/\(t.village1.id)")
            #expect(inside.status == .ok && inside.body.string == t.village1.name)
            #expect(await ran.value == 1)
            #expect(try await app.api(.GET, "/api/v1/wrong-row/\(t.village1.id)").status == .internalServerError)
            // A village head of T1: the other commune is outside, so the handler never runs.
            let head = try #require(await AdminUnit.find(t.village1.id, on: app.db))
            let (_, token) = try await AccountActions.createToken(name: "thon", role: .villageHead, unit: head, on: app.db)
            let before = await ran.value
            #expect(try await app.api(.GET, "/api/v1/rule-test/\(t.otherCommune.id)", token: token).status == .notFound)
            #expect(try await app.api(.GET, "/api/v1/rule-test/\(UUID())", token: token).status == .notFound)
            #expect(try await app.api(.GET, "/api/v1/rule-test/not-a-uuid", token: token).status == .notFound)
            #expect(try await app.api(.GET, "/api/v1/rule-test/\(t.village1.id)", token: token).status == .ok)
            #expect(await ran.value == before + 1)
            // Anonymous: 401 on the API, before any row is looked up.
            let anonymous = try await app.testing().sendRequest(.GET, "/api/v1/rule-test/\(t.village1.id)")
            #expect(anonymous.status == .unauthorized)
            #expect(await ran.value == before + 1)
        }
    }

    @Test("every registered route declares a rule, and row rules name a row kind the scope matrix knows")
    func everyRoute() async throws {
        try await withTestApp { app in
            let known: Set<String> = FeatureScopeRows.kinds.union([
                "unit", "commune", "household", "resident", "person", "grant", "token", "announcement", "procedure", "board",
                "question", "slot", "appointment", "paperSet", "paperItem", "paperFile", "dossier",
                "team", "teamMember", "visit", "training"])
            for route in app.routes.all {
                let rule = try #require(route.accessRule, "\(route.description) has no rule")
                if let kind = rule.rowKind {
                    #expect(known.contains(kind), "\(route.description): \(kind)")
                    #expect(route.path.contains(where: { $0.description == ":id" }), "\(route.description) guards a row but names no :id")
                }
            }
        }
    }
}

actor Counter {
    var value = 0
    func add() { value += 1 }
}
