// Every HTML path, from one enum used both to register routes and to build links,
// so a renamed path cannot leave a dead link.
import Leaf
import Vapor

public enum Ref: Sendable {
    /// The route parameter placeholder, when registering.
    case key
    case id(UUID)

    var text: String {
        switch self {
        case .key: return ":id"
        case .id(let u): return u.uuidString.lowercased()
        }
    }
}

/// A path component that is a secret (a household card's token): its placeholder when registering, or the secret.
public enum Secret: Sendable {
    /// The route parameter placeholder, when registering.
    case key
    case value(String)

    var text: String {
        switch self {
        case .key: return ":token"
        case .value(let s): return s
        }
    }
}

public enum SiteURL: Sendable {
    case home, demo, healthz, search, css, traceCSS, pushScript, householdsTemplate, signIn, signOut, audit, auditCSV, people, tokens, myPassword
    case person(Ref), personGrants(Ref), personPassword(Ref), grantRevoke(Ref), tokenRevoke(Ref)
    case householdCard(Ref), householdCardRevoke(Ref), myHousehold, myPin
    /// The printed card's link: its last component is the card's secret token (see `isSecret`).
    case cardLink(Secret)
    case language(Lang)
    case units, unitNew
    case unit(Ref), unitEdit(Ref), unitMerge(Ref), unitMove(Ref), unitCarry(Ref)
    case unitHouseholds(Ref), unitImport(Ref), unitExport(Ref), householdNew(Ref)
    case household(Ref), householdEdit(Ref), residentNew(Ref), residentEdit(Ref)
    case householdData(Ref), householdDataJSON(Ref), consentNew(Ref), consentWithdraw(Ref), householdErase(Ref)
    // messaging
    case announcements, announcementNew, announcement(Ref), announcementEdit(Ref), announcementPublish(Ref), announcementCorrect(Ref), announcementWithdraw(Ref)
    case announcementReach(Ref), announcementFollowUp(Ref), announcementFollowUpImport(Ref), announcementInformed(Ref), announcementAttendance(Ref), announcementAudio(Ref), unitBulletin(Ref)
    case myAnnouncements, myAnnouncement(Ref), myAnnouncementRead(Ref), myAnnouncementRSVP(Ref), serviceWorker
    case hooksZalo, hooksSMS, capFeed, capAlert(Ref)
    // procedures
    case catalog(Ref), procedureNew(Ref), procedureEdit(Ref)
    case guide(String, String), guideAsk(String, String), guideBook(String, String), guidePapers(String, String)
    case boards(Ref), board(Ref), boardPoster(Ref), scan(String), scanSVG(String), scanPNG(String)
    case questions(Ref), questionAnswer(Ref), questionPublish(Ref)
    case appointmentsDesk(Ref), slotNew(Ref), closedDayNew(Ref), appointmentCancel(Ref)
    case paperSets(Ref), paperSet(Ref), paperItemMark(Ref), paperFile(Ref), papersUpload
    case dossiers(Ref), dossierNew(Ref), dossierStatus(Ref)
    case myProcedures, myAppointmentCancel(Ref), myPaperFile(Ref), lookup, unitProcedures(Ref), slotRetire(Ref)
    case phoneConfirm(Ref)
    // outreach (docs/outreach.md): teams; a member's visits (phone pages, offline layer); profiles; overview; trainings
    case teams, teamNew, team(Ref), teamMembers(Ref), teamMemberLeave(Ref)
    case visits, visitHousehold(Ref), visitRecord, visitVoid(Ref), visitsScript, visitsOffline
    case householdProfile(Ref), unitProfilesImport(Ref), unitProfilesExport(Ref)
    case profilesTemplate
    case outreach, unitOutreach(Ref), unitNeverVisited(Ref)
    case trainings, trainingNew, training(Ref), trainingAttendance(Ref), trainingSheet(Ref)

    // assets (docs/assets.md): the register, faults and maintenance, the map
    case assets
    case assetsMap, assetNew, asset(Ref), assetEdit(Ref), assetStatus(Ref), assetFaults(Ref), assetMaintenance(Ref), assetFault(Ref)
    case unitAssetsImport(Ref), unitAssetsExport(Ref), assetsMapScript, leafletScript, leafletStyle

    // ledger (docs/ledger.md): campaigns, contributions, expenses, the public ledger
    case campaigns
    case campaign(Ref), campaignContributions(Ref), campaignExpenses(Ref), campaignImport(Ref), campaignExport(Ref)
    case ledgerReceipt(Ref), ledgerReverse(Ref), publicLedger(Ref), myContributions, contributionsTemplate

    // reports (docs/reports.md): residents' reports, the officials' queue, the public list
    case reports
    case report(Ref), reportChange(Ref), reportPhoto(Ref), reportLookup, myReports
    /// The public form, list and report page of a commune (by its official code), and a report by its code.
    case reportNew(String), reportsPublic(String), reportPublic(String, String)
    /// Open311 GeoReport v2 (JSON): `service` and `request` are "<code>.json" (or the route's placeholder).
    case open311Services, open311Service(String), open311Requests, open311Request(String), reportScript

    // market (docs/market.md): producers, products, batches, labels, the traceability page, the village market
    case market
    /// A batch's public traceability page (its QR code holds this), its QR images, and its A4 label sheet.
    case batchPublic(String), batchQRSVG(String), batchQRPNG(String), batchLabels(Ref)
    /// The management pages: producers, a producer, its products and batches (signed in).
    case producers, producerNew, producerPage(Ref), producerEdit(Ref), productNew(Ref), productPage(Ref), productEdit(Ref)
    case batchNew(Ref), batchPage(Ref), batchEdit(Ref), batchRecallForm(Ref)
    /// A village's public market page; the households whose "sells online" answer and producer records disagree.
    case villageMarket(Ref), unitSellsOnline(Ref)
    /// A product's photos: add, remove, and one photo (public).
    case productPhotos(Ref), productPhotoRemove(Ref), productPhoto(Ref)

    // criteria (docs/criteria.md): the caller's units and sets, a unit's evaluation, the rows behind a figure
    case criteria, unitCriteria(Ref), unitCriteriaRows(Ref), unitCriteriaSnapshots(Ref)

    public var path: String {
        switch self {
        case .home: return "/"
        case .demo: return "/demo"
        case .healthz: return "/healthz"
        case .search: return "/search"
        case .css: return "/css/app.css"
        case .traceCSS: return "/css/trace.css"
        case .pushScript: return "/js/push.js"
        case .householdsTemplate: return "/templates/households.csv"
        case .signIn: return "/signin"
        case .signOut: return "/signout"
        case .audit: return "/audit"
        case .auditCSV: return "/audit.csv"
        case .people: return "/people"
        case .tokens: return "/tokens"
        case .myPassword: return "/account/password"
        case .person(let r): return "/people/\(r.text)"
        case .personGrants(let r): return "/people/\(r.text)/grants"
        case .personPassword(let r): return "/people/\(r.text)/password"
        case .grantRevoke(let r): return "/grants/\(r.text)/revoke"
        case .tokenRevoke(let r): return "/tokens/\(r.text)/revoke"
        case .householdCard(let r): return "/households/\(r.text)/card"
        case .householdCardRevoke(let r): return "/households/\(r.text)/card/revoke"
        case .cardLink(let s): return "/card/\(s.text)"
        case .myHousehold: return "/my"
        case .myPin: return "/my/pin"
        case .language(let l): return "/lang/\(l.rawValue)"
        case .units: return "/units"
        case .unitNew: return "/units/new"
        case .unit(let r): return "/units/\(r.text)"
        case .unitEdit(let r): return "/units/\(r.text)/edit"
        case .unitMerge(let r): return "/units/\(r.text)/merge"
        case .unitMove(let r): return "/units/\(r.text)/move"
        case .unitCarry(let r): return "/units/\(r.text)/carry"
        case .unitHouseholds(let r): return "/units/\(r.text)/households"
        case .unitImport(let r): return "/units/\(r.text)/import"
        case .unitExport(let r): return "/units/\(r.text)/households.csv"
        case .householdNew(let r): return "/units/\(r.text)/households/new"
        case .household(let r): return "/households/\(r.text)"
        case .householdEdit(let r): return "/households/\(r.text)/edit"
        case .residentNew(let r): return "/households/\(r.text)/residents/new"
        case .residentEdit(let r): return "/residents/\(r.text)/edit"
        case .householdData(let r): return "/households/\(r.text)/data"
        case .householdDataJSON(let r): return "/households/\(r.text)/data.json"
        case .consentNew(let r): return "/households/\(r.text)/consent"
        case .consentWithdraw(let r): return "/households/\(r.text)/consent/withdraw"
        case .householdErase(let r): return "/households/\(r.text)/erase"
        // messaging
        case .announcements: return "/announcements"
        case .announcementNew: return "/announcements/new"
        case .announcement(let r): return "/announcements/\(r.text)"
        case .announcementEdit(let r): return "/announcements/\(r.text)/edit"
        case .announcementPublish(let r): return "/announcements/\(r.text)/publish"
        case .announcementCorrect(let r): return "/announcements/\(r.text)/correct"
        case .announcementWithdraw(let r): return "/announcements/\(r.text)/withdraw"
        case .announcementReach(let r): return "/announcements/\(r.text)/reach"
        case .announcementFollowUp(let r): return "/announcements/\(r.text)/follow-up"
        case .announcementFollowUpImport(let r): return "/announcements/\(r.text)/follow-up/import"
        case .announcementInformed(let r): return "/announcements/\(r.text)/informed"
        case .announcementAttendance(let r): return "/announcements/\(r.text)/attendance"
        case .announcementAudio(let r): return "/announcements/\(r.text)/audio.wav"
        case .unitBulletin(let r): return "/units/\(r.text)/bulletin.wav"
        case .myAnnouncements: return "/my/announcements"
        case .myAnnouncement(let r): return "/my/announcements/\(r.text)"
        case .myAnnouncementRead(let r): return "/my/announcements/\(r.text)/read"
        case .myAnnouncementRSVP(let r): return "/my/announcements/\(r.text)/rsvp"
        case .serviceWorker: return "/sw.js"
        case .hooksZalo: return "/hooks/zalo"
        case .hooksSMS: return "/hooks/sms"
        case .capFeed: return "/cap/alerts.atom"
        case .capAlert(let r): return "/cap/alerts/\(r.text)"
        // procedures
        case .catalog(let r): return "/communes/\(r.text)/procedures"
        case .procedureNew(let r): return "/communes/\(r.text)/procedures/new"
        case .procedureEdit(let r): return "/procedures/\(r.text)/edit"
        case .guide(let c, let k): return "/p/\(c)/\(k)"
        case .guideAsk(let c, let k): return "/p/\(c)/\(k)/ask"
        case .guideBook(let c, let k): return "/p/\(c)/\(k)/book"
        case .guidePapers(let c, let k): return "/p/\(c)/\(k)/papers"
        case .boards(let r): return "/communes/\(r.text)/boards"
        case .board(let r): return "/boards/\(r.text)"
        case .boardPoster(let r): return "/boards/\(r.text)/poster"
        case .scan(let code): return "/q/\(code)"
        case .scanSVG(let code): return "/q/\(code)/qr.svg"
        case .scanPNG(let code): return "/q/\(code)/qr.png"
        case .questions(let r): return "/communes/\(r.text)/questions"
        case .questionAnswer(let r): return "/questions/\(r.text)/answer"
        case .questionPublish(let r): return "/questions/\(r.text)/publish"
        case .appointmentsDesk(let r): return "/communes/\(r.text)/appointments"
        case .slotNew(let r): return "/communes/\(r.text)/slots"
        case .closedDayNew(let r): return "/communes/\(r.text)/closed-days"
        case .appointmentCancel(let r): return "/appointments/\(r.text)/cancel"
        case .paperSets(let r): return "/communes/\(r.text)/papers"
        case .paperSet(let r): return "/papers/\(r.text)"
        case .paperItemMark(let r): return "/paper-items/\(r.text)"
        case .paperFile(let r): return "/paper-files/\(r.text)"
        case .papersUpload: return "/papers-ahead/upload"
        case .dossiers(let r): return "/communes/\(r.text)/dossiers"
        case .dossierNew(let r): return "/communes/\(r.text)/dossiers/new"
        case .dossierStatus(let r): return "/dossiers/\(r.text)/status"
        case .myProcedures: return "/my/procedures"
        case .myAppointmentCancel(let r): return "/my/appointments/\(r.text)/cancel"
        case .myPaperFile(let r): return "/my/paper-files/\(r.text)"
        case .lookup: return "/lookup"
        case .unitProcedures(let r): return "/units/\(r.text)/procedures"
        case .slotRetire(let r): return "/slots/\(r.text)/retire"
        case .phoneConfirm(let r): return "/confirm/\(r.text)"
        // outreach
        case .teams: return "/teams"
        case .teamNew: return "/teams/new"
        case .team(let r): return "/teams/\(r.text)"
        case .teamMembers(let r): return "/teams/\(r.text)/members"
        case .teamMemberLeave(let r): return "/team-members/\(r.text)/leave"
        case .visits: return "/visits"
        case .visitHousehold(let r): return "/visits/households/\(r.text)"
        case .visitRecord: return "/visits/record"
        case .visitVoid(let r): return "/visits/\(r.text)/void"
        case .visitsScript: return "/js/visits.js"
        case .visitsOffline: return "/visits/offline"
        case .householdProfile(let r): return "/households/\(r.text)/profile"
        case .unitProfilesImport(let r): return "/units/\(r.text)/profiles/import"
        case .unitProfilesExport(let r): return "/units/\(r.text)/profiles.csv"
        case .profilesTemplate: return "/templates/profiles.csv"
        case .outreach: return "/outreach"
        case .unitOutreach(let r): return "/units/\(r.text)/outreach"
        case .unitNeverVisited(let r): return "/units/\(r.text)/outreach/never-visited"
        case .trainings: return "/trainings"
        case .trainingNew: return "/trainings/new"
        case .training(let r): return "/trainings/\(r.text)"
        case .trainingAttendance(let r): return "/trainings/\(r.text)/attendance"
        case .trainingSheet(let r): return "/trainings/\(r.text)/sheet"

        // assets
        case .assets: return "/assets"
        case .assetsMap: return "/assets/map"
        case .assetNew: return "/assets/new"
        case .asset(let r): return "/assets/\(r.text)"
        case .assetEdit(let r): return "/assets/\(r.text)/edit"
        case .assetStatus(let r): return "/assets/\(r.text)/status"
        case .assetFaults(let r): return "/assets/\(r.text)/faults"
        case .assetMaintenance(let r): return "/assets/\(r.text)/maintenance"
        case .assetFault(let r): return "/asset-faults/\(r.text)"
        case .unitAssetsImport(let r): return "/units/\(r.text)/assets/import"
        case .unitAssetsExport(let r): return "/units/\(r.text)/assets.csv"
        case .assetsMapScript: return "/js/assets-map.js"
        case .leafletScript: return "/vendor/leaflet/leaflet.js"
        case .leafletStyle: return "/vendor/leaflet/leaflet.css"

        // ledger
        case .campaigns: return "/campaigns"
        case .campaign(let r): return "/campaigns/\(r.text)"
        case .campaignContributions(let r): return "/campaigns/\(r.text)/contributions"
        case .campaignExpenses(let r): return "/campaigns/\(r.text)/expenses"
        case .campaignImport(let r): return "/campaigns/\(r.text)/import"
        case .campaignExport(let r): return "/campaigns/\(r.text)/ledger.csv"
        case .ledgerReceipt(let r): return "/ledger-entries/\(r.text)/receipt"
        case .ledgerReverse(let r): return "/ledger-entries/\(r.text)/reverse"
        case .publicLedger(let r): return "/ledger/\(r.text)"
        case .myContributions: return "/my/contributions"
        case .contributionsTemplate: return "/templates/contributions.csv"

        // reports
        case .reports: return "/reports"
        case .report(let r): return "/reports/\(r.text)"
        case .reportChange(let r): return "/reports/\(r.text)/change"
        case .reportPhoto(let r): return "/report-photos/\(r.text)"
        case .reportLookup: return "/reports/lookup"
        case .myReports: return "/my/reports"
        case .reportNew(let c): return "/r/\(c)/new"
        case .reportsPublic(let c): return "/r/\(c)"
        case .reportPublic(let c, let code): return "/r/\(c)/\(code)"
        case .open311Services: return "/open311/v2/services.json"
        case .open311Service(let s): return "/open311/v2/services/\(s)"
        case .open311Requests: return "/open311/v2/requests.json"
        case .open311Request(let r): return "/open311/v2/requests/\(r)"
        case .reportScript: return "/js/report.js"

        // market
        case .market: return "/market"
        case .batchPublic(let code): return "/b/\(code)"
        case .batchQRSVG(let code): return "/b/\(code)/qr.svg"
        case .batchQRPNG(let code): return "/b/\(code)/qr.png"
        case .batchLabels(let r): return "/batches/\(r.text)/labels"
        case .producers: return "/producers"
        case .producerNew: return "/producers/new"
        case .producerPage(let r): return "/producers/\(r.text)"
        case .producerEdit(let r): return "/producers/\(r.text)/edit"
        case .productNew(let r): return "/producers/\(r.text)/products/new"
        case .productPage(let r): return "/products/\(r.text)"
        case .productEdit(let r): return "/products/\(r.text)/edit"
        case .batchNew(let r): return "/products/\(r.text)/batches/new"
        case .batchPage(let r): return "/batches/\(r.text)"
        case .batchEdit(let r): return "/batches/\(r.text)/edit"
        case .batchRecallForm(let r): return "/batches/\(r.text)/recall"
        case .villageMarket(let r): return "/market/\(r.text)"
        case .unitSellsOnline(let r): return "/units/\(r.text)/sells-online"
        case .productPhotos(let r): return "/products/\(r.text)/photos"
        case .productPhotoRemove(let r): return "/products/\(r.text)/photos/remove"
        case .productPhoto(let r): return "/market/photos/\(r.text)"

        // criteria
        case .criteria: return "/criteria"
        case .unitCriteria(let r): return "/criteria/units/\(r.text)"
        case .unitCriteriaRows(let r): return "/criteria/units/\(r.text)/rows"
        case .unitCriteriaSnapshots(let r): return "/criteria/units/\(r.text)/snapshots"
        }
    }

    /// Whether the path carries a secret (a `Secret` component): such a path never reaches a log line or a metrics
    /// label as sent (`redacted`). Every case taking a `Secret` answers true and is listed in `secretRoutes`.
    public var isSecret: Bool {
        if case .cardLink = self { return true }
        return false
    }

    /// The patterns of the routes that carry a secret, as registered.
    public static let secretRoutes: [SiteURL] = [.cardLink(.key)]

    /// A path as logs and metrics may show it: on a route that carries a secret (matched by its fixed components
    /// from the map, so a renamed route stays covered), each secret component becomes "…"; a registered pattern's
    /// placeholder (`:token`) is kept. Any other path is answered unchanged.
    public static func redacted(_ path: String) -> String {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        for route in secretRoutes {
            let pattern = route.path.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count >= pattern.count else { continue }
            var out = parts.map(String.init)
            var matches = true
            for (i, p) in pattern.enumerated() {
                if p.hasPrefix(":") {
                    if !parts[i].hasPrefix(":") { out[i] = "…" }
                } else if p != parts[i] {
                    matches = false
                    break
                }
            }
            if matches { return out.joined(separator: "/") }
        }
        return path
    }

    /// Paths announcements had before they were named so (`/notices/…`): each is answered with a 301 to the same
    /// place under its new path (Messaging+Web.swift), so printed links and bookmarks keep working.
    public static let formerPaths: [(old: String, new: SiteURL)] = [("/notices", .announcements), ("/my/notices", .myAnnouncements)]

    public var components: [PathComponent] {
        path.split(separator: "/").map { PathComponent(stringLiteral: String($0)) }
    }

    public static func unit(_ id: UUID) -> String { SiteURL.unit(.id(id)).path }
    public static func household(_ id: UUID) -> String { SiteURL.household(.id(id)).path }
}

/// Every JSON path under `/api/v1` (described in Resources/openapi.json), from one enum used to register the routes
/// and to build `Location` headers and links, as `SiteURL` does for pages.
public enum APIURL: Sendable {
    case openAPI
    // units
    case units, unitsMerge, unit(Ref), unitSummary(Ref), unitHistory(Ref), unitParent(Ref), unitMove(Ref), unitCarry(Ref)
    // registry and personal data
    case households, household(Ref), residents, resident(Ref), unitHouseholdsExport(Ref)
    case householdConsents(Ref), householdConsentsWithdraw(Ref), householdPersonalData(Ref), householdErase(Ref)
    // accounts and audit
    case people, person(Ref), personGrants(Ref), personPassword(Ref), grant(Ref), tokens, token(Ref), audit
    // messaging
    case announcements, announcementsPreview, announcement(Ref), announcementPublish(Ref), announcementCorrect(Ref)
    case announcementWithdraw(Ref), announcementReach(Ref), announcementFollowUp(Ref), announcementInformed(Ref)
    case announcementAttendance(Ref), myAnnouncements, myAnnouncementRead(Ref), myAnnouncementRSVP(Ref)
    /// The household inbox's first API paths (`/my/notices/…`), still answered for clients built against them;
    /// deprecated in the OpenAPI document.
    case formerMyNotices, formerMyNoticeRead(Ref), formerMyNoticeRSVP(Ref)
    case pushSubscriptions, pushReceipt(Ref), pushKey
    // procedures
    case communeProcedures(Ref), procedure(Ref), communeBoards(Ref), board(Ref)
    case questions, communeQuestions(Ref), questionAnswer(Ref), questionPublish(Ref)
    case lookup, lookupCancel, myProcedures, communeClosedDays(Ref), phoneConfirmation(Ref)
    case communeDossiers(Ref), communeDossierFigures(Ref), dossier(Ref)
    case slotRetire(Ref), communeSlots(Ref), communeAppointments(Ref), appointmentCancel(Ref), communeOpenings(Ref), appointments
    case paperSets, paperSetFiles(Ref), communePaperSets(Ref), paperSet(Ref), paperItem(Ref), paperFile(Ref)
    // outreach
    case teams, team(Ref), teamMembers(Ref), teamMember(Ref)
    case visitTargets, visits, visitsSync, visitVoid(Ref), householdVisits(Ref)
    case householdProfile(Ref), householdProfiles(Ref), unitProfilesExport(Ref), unitProfilesImport(Ref)
    case unitOutreach(Ref)
    case trainings, training(Ref), trainingAttendance(Ref)

    // assets
    case assets, asset(Ref), assetStatus(Ref), assetFaults(Ref), assetMaintenance(Ref), assetFault(Ref)
    case unitAssetFigures(Ref), unitAssetsGeoJSON(Ref), unitAssetsExport(Ref), unitAssetsImport(Ref)

    // ledger
    case campaigns
    case campaign(Ref), campaignContributions(Ref), campaignContributionsImport(Ref), campaignExpenses(Ref)
    case ledgerEntryReverse(Ref), publicLedger(Ref), myContributions

    // reports
    case reports
    case report(Ref), reportChange(Ref), reportLookup, reportAssets

    // market
    case producers, producer(Ref), producerAccounts(Ref), producerProducts(Ref), product(Ref)
    case productBatches(Ref), batch(Ref), batchRecall(Ref), publicBatch(String)
    case villageMarket(Ref), unitSellsOnline(Ref)

    // criteria
    case criteriaMeasures, criteriaSets, criteriaSet(Ref), criteriaSetCriteria(Ref), criterion(Ref)
    case unitEvaluation(Ref), unitCriteriaRows(Ref), unitCriteriaValues(Ref), unitCriteriaSnapshots(Ref), unitCriteriaCommunes(Ref)

    public static let prefix = "/api/v1"

    /// Whether a request path lies in the API's area (any version, known route or not): such requests take JSON,
    /// answer errors as JSON and 401 rather than a sign-in page, and skip the form token (bearer or same-origin JSON).
    public static func isAPI(_ path: String) -> Bool { path.hasPrefix("/api/") }

    public var path: String { Self.prefix + tail }

    /// The path below `/api/v1`.
    var tail: String {
        switch self {
        case .openAPI: return "/openapi.json"
        case .units: return "/units"
        case .unitsMerge: return "/units/merge"
        case .unit(let r): return "/units/\(r.text)"
        case .unitSummary(let r): return "/units/\(r.text)/summary"
        case .unitHistory(let r): return "/units/\(r.text)/history"
        case .unitParent(let r): return "/units/\(r.text)/parent"
        case .unitMove(let r): return "/units/\(r.text)/move"
        case .unitCarry(let r): return "/units/\(r.text)/carry"
        case .households: return "/households"
        case .household(let r): return "/households/\(r.text)"
        case .residents: return "/residents"
        case .resident(let r): return "/residents/\(r.text)"
        case .unitHouseholdsExport(let r): return "/units/\(r.text)/households/export"
        case .householdConsents(let r): return "/households/\(r.text)/consents"
        case .householdConsentsWithdraw(let r): return "/households/\(r.text)/consents/withdraw"
        case .householdPersonalData(let r): return "/households/\(r.text)/personal-data"
        case .householdErase(let r): return "/households/\(r.text)/erase"
        case .people: return "/people"
        case .person(let r): return "/people/\(r.text)"
        case .personGrants(let r): return "/people/\(r.text)/grants"
        case .personPassword(let r): return "/people/\(r.text)/password"
        case .grant(let r): return "/grants/\(r.text)"
        case .tokens: return "/tokens"
        case .token(let r): return "/tokens/\(r.text)"
        case .audit: return "/audit"
        case .announcements: return "/announcements"
        case .announcementsPreview: return "/announcements/preview"
        case .announcement(let r): return "/announcements/\(r.text)"
        case .announcementPublish(let r): return "/announcements/\(r.text)/publish"
        case .announcementCorrect(let r): return "/announcements/\(r.text)/correct"
        case .announcementWithdraw(let r): return "/announcements/\(r.text)/withdraw"
        case .announcementReach(let r): return "/announcements/\(r.text)/reach"
        case .announcementFollowUp(let r): return "/announcements/\(r.text)/follow-up"
        case .announcementInformed(let r): return "/announcements/\(r.text)/informed"
        case .announcementAttendance(let r): return "/announcements/\(r.text)/attendance"
        case .myAnnouncements: return "/my/announcements"
        case .myAnnouncementRead(let r): return "/my/announcements/\(r.text)/read"
        case .myAnnouncementRSVP(let r): return "/my/announcements/\(r.text)/rsvp"
        case .formerMyNotices: return "/my/notices"
        case .formerMyNoticeRead(let r): return "/my/notices/\(r.text)/read"
        case .formerMyNoticeRSVP(let r): return "/my/notices/\(r.text)/rsvp"
        case .pushSubscriptions: return "/my/push-subscriptions"
        case .pushReceipt(let r): return "/my/push-receipts/\(r.text)"
        case .pushKey: return "/push/key"
        case .communeProcedures(let r): return "/communes/\(r.text)/procedures"
        case .procedure(let r): return "/procedures/\(r.text)"
        case .communeBoards(let r): return "/communes/\(r.text)/boards"
        case .board(let r): return "/boards/\(r.text)"
        case .questions: return "/questions"
        case .communeQuestions(let r): return "/communes/\(r.text)/questions"
        case .questionAnswer(let r): return "/questions/\(r.text)/answer"
        case .questionPublish(let r): return "/questions/\(r.text)/publish"
        case .lookup: return "/lookup"
        case .lookupCancel: return "/lookup/cancel"
        case .myProcedures: return "/my/procedures"
        case .communeClosedDays(let r): return "/communes/\(r.text)/closed-days"
        case .phoneConfirmation(let r): return "/phone-confirmations/\(r.text)"
        case .communeDossiers(let r): return "/communes/\(r.text)/dossiers"
        case .communeDossierFigures(let r): return "/communes/\(r.text)/dossier-figures"
        case .dossier(let r): return "/dossiers/\(r.text)"
        case .slotRetire(let r): return "/slots/\(r.text)/retire"
        case .communeSlots(let r): return "/communes/\(r.text)/slots"
        case .communeAppointments(let r): return "/communes/\(r.text)/appointments"
        case .appointmentCancel(let r): return "/appointments/\(r.text)/cancel"
        case .communeOpenings(let r): return "/communes/\(r.text)/openings"
        case .appointments: return "/appointments"
        case .paperSets: return "/paper-sets"
        case .paperSetFiles(let r): return "/paper-sets/\(r.text)/files"
        case .communePaperSets(let r): return "/communes/\(r.text)/paper-sets"
        case .paperSet(let r): return "/paper-sets/\(r.text)"
        case .paperItem(let r): return "/paper-items/\(r.text)"
        case .paperFile(let r): return "/paper-files/\(r.text)"
        // outreach
        case .teams: return "/teams"
        case .team(let r): return "/teams/\(r.text)"
        case .teamMembers(let r): return "/teams/\(r.text)/members"
        case .teamMember(let r): return "/team-members/\(r.text)"
        case .visitTargets: return "/visits/households"
        case .visits: return "/visits"
        case .visitsSync: return "/visits/sync"
        case .visitVoid(let r): return "/visits/\(r.text)/void"
        case .householdVisits(let r): return "/households/\(r.text)/visits"
        case .householdProfile(let r): return "/households/\(r.text)/profile"
        case .householdProfiles(let r): return "/households/\(r.text)/profiles"
        case .unitProfilesExport(let r): return "/units/\(r.text)/profiles/export"
        case .unitProfilesImport(let r): return "/units/\(r.text)/profiles/import"
        case .unitOutreach(let r): return "/units/\(r.text)/outreach"
        case .trainings: return "/trainings"
        case .training(let r): return "/trainings/\(r.text)"
        case .trainingAttendance(let r): return "/trainings/\(r.text)/attendance"

        // assets
        case .assets: return "/assets"
        case .asset(let r): return "/assets/\(r.text)"
        case .assetStatus(let r): return "/assets/\(r.text)/status"
        case .assetFaults(let r): return "/assets/\(r.text)/faults"
        case .assetMaintenance(let r): return "/assets/\(r.text)/maintenance"
        case .assetFault(let r): return "/asset-faults/\(r.text)"
        case .unitAssetFigures(let r): return "/units/\(r.text)/asset-figures"
        case .unitAssetsGeoJSON(let r): return "/units/\(r.text)/assets.geojson"
        case .unitAssetsExport(let r): return "/units/\(r.text)/assets/export"
        case .unitAssetsImport(let r): return "/units/\(r.text)/assets/import"

        // ledger
        case .campaigns: return "/campaigns"
        case .campaign(let r): return "/campaigns/\(r.text)"
        case .campaignContributions(let r): return "/campaigns/\(r.text)/contributions"
        case .campaignContributionsImport(let r): return "/campaigns/\(r.text)/contributions/import"
        case .campaignExpenses(let r): return "/campaigns/\(r.text)/expenses"
        case .ledgerEntryReverse(let r): return "/ledger-entries/\(r.text)/reverse"
        case .publicLedger(let r): return "/ledger/\(r.text)"
        case .myContributions: return "/my/contributions"

        // reports
        case .reports: return "/reports"
        case .report(let r): return "/reports/\(r.text)"
        case .reportChange(let r): return "/reports/\(r.text)/change"
        case .reportLookup: return "/reports/lookup"
        case .reportAssets: return "/reports/nearby-assets"

        // market
        case .producers: return "/producers"
        case .producer(let r): return "/producers/\(r.text)"
        case .producerAccounts(let r): return "/producers/\(r.text)/accounts"
        case .producerProducts(let r): return "/producers/\(r.text)/products"
        case .product(let r): return "/products/\(r.text)"
        case .productBatches(let r): return "/products/\(r.text)/batches"
        case .batch(let r): return "/batches/\(r.text)"
        case .batchRecall(let r): return "/batches/\(r.text)/recall"
        case .publicBatch(let code): return "/traceability/\(code)"
        case .villageMarket(let r): return "/market/\(r.text)"
        case .unitSellsOnline(let r): return "/units/\(r.text)/sells-online"

        // criteria
        case .criteriaMeasures: return "/criteria/measures"
        case .criteriaSets: return "/criteria/sets"
        case .criteriaSet(let r): return "/criteria/sets/\(r.text)"
        case .criteriaSetCriteria(let r): return "/criteria/sets/\(r.text)/criteria"
        case .criterion(let r): return "/criteria/\(r.text)"
        case .unitEvaluation(let r): return "/criteria/units/\(r.text)/evaluation"
        case .unitCriteriaRows(let r): return "/criteria/units/\(r.text)/rows"
        case .unitCriteriaValues(let r): return "/criteria/units/\(r.text)/values"
        case .unitCriteriaSnapshots(let r): return "/criteria/units/\(r.text)/snapshots"
        case .unitCriteriaCommunes(let r): return "/criteria/units/\(r.text)/communes"
        }
    }

    /// The whole path's components (`api`, `v1`, …), for registering on the application's root builders.
    public var components: [PathComponent] {
        path.split(separator: "/").map { PathComponent(stringLiteral: String($0)) }
    }
}

// MARK: links in views

/// An unknown name or wrong arguments in a view's `#url(…)`: a defect, so the page fails loudly (500) in tests.
public struct UnknownURLName: Error, CustomStringConvertible {
    public var name: String
    public var args: [String]
    public var description: String { "#url: no page named \"\(name)\" taking \(args.count) argument(s) in SiteURL" }
}

extension SiteURL {
    /// The pages views link to, by name: `#url("units")`, `#url("unit", u.id)`. Every name is a SiteURL case, so a
    /// renamed path changes here and in every view at once.
    static let byName: [String: @Sendable ([String]) -> SiteURL?] = {
        func fixed(_ u: SiteURL) -> @Sendable ([String]) -> SiteURL? { { $0.isEmpty ? u : nil } }
        func ref(_ make: @escaping @Sendable (Ref) -> SiteURL) -> @Sendable ([String]) -> SiteURL? {
            { a in a.count == 1 ? UUID(uuidString: a[0]).map { make(.id($0)) } : nil }
        }
        return [
            "home": fixed(.home), "css": fixed(.css), "traceCss": fixed(.traceCSS), "pushScript": fixed(.pushScript), "householdsTemplate": fixed(.householdsTemplate),
            "search": fixed(.search), "signIn": fixed(.signIn), "units": fixed(.units), "audit": fixed(.audit),
            "people": fixed(.people), "tokens": fixed(.tokens), "myPassword": fixed(.myPassword), "myHousehold": fixed(.myHousehold),
            "myPin": fixed(.myPin), "myProcedures": fixed(.myProcedures), "myAnnouncements": fixed(.myAnnouncements),
            "announcements": fixed(.announcements), "lookup": fixed(.lookup),
            "unit": ref { .unit($0) }, "household": ref { .household($0) }, "person": ref { .person($0) },
            "announcement": ref { .announcement($0) }, "myAnnouncement": ref { .myAnnouncement($0) }, "board": ref { .board($0) },
            // outreach
            "teams": fixed(.teams), "teamNew": fixed(.teamNew), "team": ref { .team($0) }, "visits": fixed(.visits),
            "visitsOffline": fixed(.visitsOffline), "visitRecord": fixed(.visitRecord), "visitHousehold": ref { .visitHousehold($0) },
            "outreach": fixed(.outreach), "unitOutreach": ref { .unitOutreach($0) }, "householdProfile": ref { .householdProfile($0) },
            "trainings": fixed(.trainings), "trainingNew": fixed(.trainingNew), "training": ref { .training($0) },
            // criteria
            "criteria": fixed(.criteria), "unitCriteria": ref { .unitCriteria($0) },
            // market
            "producers": fixed(.producers), "producerNew": fixed(.producerNew), "producerPage": ref { .producerPage($0) },
            "villageMarket": ref { .villageMarket($0) },
        ]
    }()

    /// The page a view names, or `UnknownURLName`.
    public static func named(_ name: String, _ args: [String] = []) throws -> SiteURL {
        guard let make = byName[name], let url = make(args) else { throw UnknownURLName(name: name, args: args) }
        return url
    }
}

/// `#url("name", args…)`: a path from the URL map for a view (Resources/Views), never a literal path.
struct URLTag: LeafTag {
    func render(_ ctx: LeafContext) throws -> LeafData {
        guard let name = ctx.parameters.first?.string else { throw UnknownURLName(name: "", args: []) }
        let args = ctx.parameters.dropFirst().map { $0.string ?? "" }
        return .string(try SiteURL.named(name, Array(args)).path)
    }
}

extension Request {
    /// The `:id` route parameter as a UUID; a malformed id is simply not found.
    public func idParameter() throws -> UUID {
        guard let s = parameters.get("id"), let id = UUID(text: s) else { throw Abort(.notFound) }
        return id
    }
}
