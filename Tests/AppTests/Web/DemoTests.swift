// The demo as a newcomer meets it: a current commune with its pre-reform history one click back, published notices
// with their reach and follow-up list, questions, bookings and dossiers in several states, every printed account and
// the printed household card working, and a second load changing nothing.
import Fluent
import SQLKit
import Foundation
import Testing
import Vapor
@testable import App

@Suite("The demo")
struct DemoTests {
    static let accounts = ["quantri", "tinh", "xa", "tuphap", "truongthon", "totruong", "congnghe", "daidien", "sanxuat"]

    /// The demo's accounts are only made in a database without others (their password is published).
    static func freshDemo(_ app: Application) async throws -> (AdminUnit, [String]) {
        try await ApiToken.query(on: app.db).delete()
        try await Person.query(on: app.db).delete()
        let commune = try await Demo.load(app)
        return (commune, try await Demo.startLines(app))
    }

    @Test("the demo opens on Xã Đan Phượng today with Song Phượng's villages and Song Phượng one click back; notices with reach and follow-up, questions, bookings and dossiers in several states")
    func currentCommune() async throws {
        try await withTestApp { app in
            let (commune, _) = try await Self.freshDemo(app)
            #expect(commune.code == "09784" && commune.isInForce(on: Day.today()))
            // The official lists, the villages created and carried: the closure table equals a rebuild.
            let (missing, extra) = try await UnitClosure.check(on: app.db)
            #expect(missing.isEmpty && extra.isEmpty, "\(missing.prefix(3)) \(extra.prefix(3))")
            let former = try #require(try await UnitQueries.byCode("09829", kind: .commune, on: app.db))
            let xa = try await app.signIn("xa", password: Demo.demoPassword)

            let home = try await app.page("/", as: xa)
            #expect(home.status == .ok && home.text.contains(SiteURL.unit(commune.id!)))
            let page = try await app.page(SiteURL.unit(commune.id!), as: xa)
            #expect(page.status == .ok)
            #expect(!page.text.contains("Đơn vị này đã kết thúc"), "the current commune shows no 'ended' banner")
            for name in Demo.villageNames { #expect(page.text.contains(name), "\(name) listed under Xã Đan Phượng") }
            #expect(page.text.contains("1.216"))
            // One click back: the commune page links its predecessor, whose page keeps its history.
            #expect(page.text.contains("href=\"\(SiteURL.unit(former.id!))\""))
            let back = try await app.page(SiteURL.unit(former.id!), as: xa)
            #expect(back.status == .ok)
            #expect(back.text.contains("Đơn vị này đã kết thúc ngày 01/07/2025") && back.text.contains("href=\"\(SiteURL.unit(commune.id!))\""))
            #expect(back.text.contains("Huyện Đan Phượng"), "its district before the reform")
            for name in Demo.villageNames { #expect(back.text.contains(name), "\(name) listed under Song Phượng on its last day") }
            #expect(!back.text.contains("action=\"\(SiteURL.unitCarry(.id(former.id!)).path)\""), "nothing left to carry")
            // A village's own history: Song Phượng until 1 July 2025, Đan Phượng since.
            let village = try #require(try await AdminUnit.query(on: app.db).filter(\.$parentID == commune.id).filter(\.$code == "T1").first())
            let vpage = try await app.page(SiteURL.unit(village.id!), as: xa)
            #expect(vpage.text.contains("Xã Song Phượng") && vpage.text.contains("Xã Đan Phượng") && vpage.text.contains("01/07/2025"))
            try await Self.checkActivity(app, commune: commune)
            try await Self.checkOutreach(app, commune: commune)
        }
    }

    /// Notices published, most households reached and some not, with a follow-up list; questions, bookings and
    /// dossiers in several states.
    /// Teams for the four villages, most households visited with about 97% of households having a smartphone user
    /// (Song Phượng's figure), some never visited (their profiles recorded at the village meeting), two evening
    /// trainings and each village's four-evening course, with attendance; the member account in its team.
    static func checkOutreach(_ app: Application, commune: AdminUnit) async throws {
        let teams = try await DigitalTeam.query(on: app.db).filter(\.$communeID == commune.id!).all()
        #expect(teams.count == 4)
        let households = try await Household.query(on: app.db).filter(\.$communeID == commune.id!).all().map { $0.id! }
        let profiles = try await ProfileRows.latest(of: households, on: app.db)
        let share = Double(profiles.values.filter { ($0.smartphoneUsers ?? 0) > 0 }.count) / Double(households.count)
        #expect(share > 0.95 && share < 0.99, "smartphone share \(share)")
        let visited = try await (app.db as! any SQLDatabase).raw("SELECT COUNT(DISTINCT household_id) AS n FROM visits").first()!.decode(column: "n", as: Int.self)
        #expect(visited > households.count * 9 / 10 && visited < households.count, "some households never visited: \(visited)")
        #expect(try await Training.query(on: app.db).filter(\.$communeID == commune.id!).count() == 2 + 4 * DemoOutreach.courseEvenings)
        #expect(try await app.count("training_attendance") > 20)
        // The member account sees its team as active and its households to visit.
        let member = try await app.signIn("congnghe", password: Demo.demoPassword)
        let list = try await app.page("/teams", as: member)
        #expect(list.status == .ok && list.text.contains("Thôn Đông"))
        let targets = try await app.page("/api/v1/visits/households", as: member).decode(Paged<VisitTargetDTO>.self)
        #expect(targets.total > 250 && targets.items.first?.lastVisitOn == nil, "never-visited first")
        let dong = try #require(teams.first { $0.name.hasSuffix("Thôn Đông") })
        let detail = try await TeamQueries.detail(dong, today: Day.today(app.now), on: app.db)
        #expect(detail.team.active && detail.members.contains { $0.displayName == "Tổ công nghệ số (mẫu)" })
    }

    static func checkActivity(_ app: Application, commune: AdminUnit) async throws {
        do {
            let xa = try await app.signIn("xa", password: Demo.demoPassword)
            let notices = try await app.page(SiteURL.announcements.path, as: xa)
            #expect(notices.status == .ok)
            let published = DemoActivity.seeds().filter { ($0.publishedDaysAgo ?? -1) >= 0 }
            #expect(published.count >= 4)
            for s in published { #expect(notices.text.contains(s.title), "\(s.title) on the notices page") }
            let statuses = Set(try await Announcement.query(on: app.db).filter(\.$communeID == commune.id!).all().map(\.status))
            #expect(statuses == [.draft, .scheduled, .published])

            let (_, token) = try await AccountActions.createToken(name: "demo-test", role: .communeOfficial, unit: commune, on: app.db)
            let meeting = try #require(try await Announcement.query(on: app.db).filter(\.$category == .meeting).first())
            let reach = try await app.api(.GET, "/api/v1/announcements/\(meeting.id!)/reach", token: token).decode(ReachDTO.self)
            #expect(reach.households == 1216)
            #expect(reach.delivered * 2 > reach.households, "most households reached")
            #expect(reach.delivered < reach.households, "some not")
            #expect(reach.read > 0 && (reach.rsvp?["yes"] ?? 0) > 0 && (reach.rsvp?["no"] ?? 0) > 0 && (reach.reachedVia["inPerson"] ?? 0) > 0)
            let followUp = try await app.api(.GET, "/api/v1/announcements/\(meeting.id!)/follow-up", token: token).decode(Paged<FollowUpRowDTO>.self)
            #expect(followUp.total == reach.households - reach.delivered && !followUp.items.isEmpty)
            let reachPage = try await app.page(SiteURL.announcementReach(.id(meeting.id!)).path, as: xa)
            #expect(reachPage.status == .ok && reachPage.text.contains("Thôn Đông"))
            let followPage = try await app.page(SiteURL.announcementFollowUp(.id(meeting.id!)).path, as: xa)
            #expect(followPage.status == .ok && followPage.text.contains(followUp.items[0].code))

            let tuphap = try await AccountActions.createToken(name: "demo-test-2", role: .justiceOfficer, unit: commune, on: app.db).1
            let queue = try await app.api(.GET, "/api/v1/communes/\(commune.id!)/questions", token: tuphap).decode(QuestionQueueDTO.self)
            #expect(queue.unanswered > 0 && queue.items.contains { $0.answer != nil })
            let bookings = try await app.api(.GET, "/api/v1/communes/\(commune.id!)/appointments", token: tuphap).decode([AppointmentDTO].self)
            #expect(Set(bookings.map(\.status)) == [.booked, .cancelled])
            #expect(bookings.allSatisfy { $0.day >= Day.today() && Day.weekday($0.day) <= 5 }, "on coming working days (today's later slots count: after midnight in Vietnam they are all still to come)")
            let dossiers = try await app.api(.GET, "/api/v1/communes/\(commune.id!)/dossiers", token: tuphap).decode([DossierDTO].self)
            #expect(Set(dossiers.map(\.status)) == Set(DossierStatus.allCases))
            for path in [SiteURL.questions(.id(commune.id!)).path, SiteURL.appointmentsDesk(.id(commune.id!)).path, SiteURL.dossiers(.id(commune.id!)).path] {
                let b = try await app.signIn("tuphap", password: Demo.demoPassword)
                #expect(try await app.page(path, as: b).status == .ok, "\(path)")
            }
        }
    }

    @Test("every printed account signs in and lands on a page with content; the printed card and PIN open the household's own pages; a second load duplicates nothing")
    func waysIn() async throws {
        try await withTestApp { app in
            let (_, lines) = try await Self.freshDemo(app)
            var roles = Set<Role>()
            for username in Self.accounts {
                #expect(lines.contains { $0.hasPrefix("  \(username)  ") }, "\(username) printed")
                let b = try await app.signIn(username, password: Demo.demoPassword)
                let landing = try await app.page("/", as: b)
                #expect(landing.status == .ok)
                #expect(landing.text.contains("<ul class=\"links\"><li><a href=\""), "\(username)'s landing page lists where to go")
                let p = try #require(try await Person.query(on: app.db).filter(\.$username == username).first())
                roles.formUnion(try await RoleGrant.query(on: app.db).filter(\.$personID == p.id!).all().map(\.role))
            }
            #expect(roles == Set(Role.allCases), "every role has a demo account")

            // The market: about 20 producer households per village and a cooperative with OCOP-rated products, batches with
            // steps, one recalled (in red on its public page); `sanxuat` manages one producer household and its batch.
            let sanxuat = try await app.signIn("sanxuat", password: Demo.demoPassword)
            let managed = try await MarketTests.json(app, .GET, "/api/v1/producers", as: sanxuat).decode([ProducerDTO].self)
            #expect(managed.count == 1 && managed.first?.kind == .household)
            let villages = try await Producer.query(on: app.db).filter(\.$kind == .household).all().reduce(into: [UUID: Int]()) { $0[$1.villageID, default: 0] += 1 }
            #expect(villages.count == 4 && villages.values.allSatisfy { $0 == DemoMarket.perVillage }, "\(villages)")
            #expect(try await Producer.query(on: app.db).filter(\.$kind == .cooperative).count() == 1)
            #expect(try await Product.query(on: app.db).filter(\.$ocopStars != nil).count() == 3)
            let recalled = try await Batch.query(on: app.db).filter(\.$recallReason != nil).all()
            let steps = try await app.count("batch_steps")
            #expect(recalled.count == 1 && steps > 0)
            if let r = recalled.first { #expect(try await app.anonymousPage("/b/\(r.code)").text.contains("class=\"recalled\"")) }
            if let p = managed.first {
                let products = try await MarketTests.json(app, .GET, "/api/v1/producers/\(p.id)/products", as: sanxuat).decode([ProductDTO].self)
                let batches = try await MarketTests.json(app, .GET, "/api/v1/products/\(products[0].id)/batches", as: sanxuat).decode([BatchDTO].self)
                #expect(batches.count == 1 && batches[0].steps.count == 3)
            }

            let cardLine = try #require(lines.first { $0.contains("/card/") })
            let url = String(cardLine.split(separator: " ").last!)
            #expect(url.hasPrefix(app.config.publicBase! + "/card/"), "built from the configured public address")
            let path = String(url.dropFirst(app.config.publicBase!.count))
            let signIn = try await app.cardSignIn(path)
            #expect(signIn.status == .seeOther && signIn.headers.first(name: .location) == SiteURL.myHousehold.path)
            let cookie = try #require(signIn.headers.setCookie?["thonso_session"]?.string)
            let household = Browser(cookie: cookie, csrf: "")
            let inbox = try await app.page(SiteURL.myAnnouncements.path, as: household)
            #expect(inbox.status == .ok)
            for s in DemoActivity.seeds() where (s.publishedDaysAgo ?? -1) >= 0 && s.villages.isEmpty {
                #expect(inbox.text.contains(s.title), "\(s.title) in the household's inbox")
            }
            #expect(try await app.page(SiteURL.myProcedures.path, as: household).status == .ok)

            let pinLine = try #require(lines.first { $0.contains("PIN") })
            #expect(pinLine.contains("0999000001") && pinLine.contains(DemoActivity.householdPIN))
            let byPin = try await app.signIn("0999000001", password: DemoActivity.householdPIN)
            #expect(try await app.page(SiteURL.myHousehold.path, as: byPin).status == .ok)
            try await Self.checkIdempotent(app, lines: lines)
        }
    }

    /// Loading the demo again duplicates nothing and prints the same lines (the same card).
    static func checkIdempotent(_ app: Application, lines: [String]) async throws {
        do {
            let tables = ["admin_units", "households", "residents", "people", "role_grants", "announcements", "deliveries",
                          "procedure_questions", "appointments", "dossiers", "jobs", "settings", "producers", "products", "batches", "producer_accounts"]
            var before: [String: Int] = [:]
            for t in tables { before[t] = try await app.count(t) }
            _ = try await Demo.load(app)
            let again = try await Demo.startLines(app)
            for t in tables { #expect(try await app.count(t) == before[t], "\(t)") }
            #expect(again == lines)
        }
    }
}
