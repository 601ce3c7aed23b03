// Every HTML path, from one enum used both to register routes and to build links,
// so a renamed path cannot leave a dead link.
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

public enum SiteURL: Sendable {
    case home, demo, healthz, search, css, signIn, signOut, audit, auditCSV, people, tokens, myPassword
    case person(Ref), personGrants(Ref), personPassword(Ref), grantRevoke(Ref), tokenRevoke(Ref)
    case householdCard(Ref), householdCardRevoke(Ref), myHousehold, myPin
    case language(Lang)
    case units, unitNew
    case unit(Ref), unitEdit(Ref), unitMerge(Ref), unitMove(Ref), unitCarry(Ref)
    case unitHouseholds(Ref), unitImport(Ref), unitExport(Ref), householdNew(Ref)
    case household(Ref), householdEdit(Ref), residentNew(Ref), residentEdit(Ref)
    case householdData(Ref), householdDataJSON(Ref), consentNew(Ref), consentWithdraw(Ref), householdErase(Ref)
    // messaging
    case notices, noticeNew, notice(Ref), noticeEdit(Ref), noticePublish(Ref), noticeCorrect(Ref), noticeWithdraw(Ref)
    case noticeReach(Ref), noticeFollowUp(Ref), noticeInformed(Ref), noticeAttendance(Ref), noticeAudio(Ref), unitBulletin(Ref)
    case myNotices, myNotice(Ref), myNoticeRead(Ref), myNoticeRSVP(Ref), pushReceipt(Ref), serviceWorker
    case hooksZalo, hooksSMS, capFeed, capAlert(Ref)

    public var path: String {
        switch self {
        case .home: return "/"
        case .demo: return "/demo"
        case .healthz: return "/healthz"
        case .search: return "/search"
        case .css: return "/css/app.css"
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
        case .notices: return "/notices"
        case .noticeNew: return "/notices/new"
        case .notice(let r): return "/notices/\(r.text)"
        case .noticeEdit(let r): return "/notices/\(r.text)/edit"
        case .noticePublish(let r): return "/notices/\(r.text)/publish"
        case .noticeCorrect(let r): return "/notices/\(r.text)/correct"
        case .noticeWithdraw(let r): return "/notices/\(r.text)/withdraw"
        case .noticeReach(let r): return "/notices/\(r.text)/reach"
        case .noticeFollowUp(let r): return "/notices/\(r.text)/follow-up"
        case .noticeInformed(let r): return "/notices/\(r.text)/informed"
        case .noticeAttendance(let r): return "/notices/\(r.text)/attendance"
        case .noticeAudio(let r): return "/notices/\(r.text)/audio.wav"
        case .unitBulletin(let r): return "/units/\(r.text)/bulletin.wav"
        case .myNotices: return "/my/notices"
        case .myNotice(let r): return "/my/notices/\(r.text)"
        case .myNoticeRead(let r): return "/my/notices/\(r.text)/read"
        case .myNoticeRSVP(let r): return "/my/notices/\(r.text)/rsvp"
        case .pushReceipt(let r): return "/api/v1/my/push-receipts/\(r.text)"
        case .serviceWorker: return "/sw.js"
        case .hooksZalo: return "/hooks/zalo"
        case .hooksSMS: return "/hooks/sms"
        case .capFeed: return "/cap/alerts.atom"
        case .capAlert(let r): return "/cap/alerts/\(r.text)"
        }
    }

    public var components: [PathComponent] {
        path.split(separator: "/").map { PathComponent(stringLiteral: String($0)) }
    }

    public static func unit(_ id: UUID) -> String { SiteURL.unit(.id(id)).path }
    public static func household(_ id: UUID) -> String { SiteURL.household(.id(id)).path }
}

extension Request {
    /// The `:id` route parameter as a UUID; a malformed id is simply not found.
    public func idParameter() throws -> UUID {
        guard let s = parameters.get("id"), let id = UUID(uuidString: s) else { throw Abort(.notFound) }
        return id
    }
}
