// What every page's chrome needs: title, language, breadcrumb, the other language's link.
import Vapor

public struct Crumb: Encodable, Sendable {
    public var name: String
    public var url: String
}

public struct Layout: Encodable {
    var title: String
    var lang: String
    var otherLang: String
    var otherLangName: String
    var switchURL: String
    var crumbs: [Crumb]
    var today: String
    /// The form token (Support/CSRF.swift); made for signed-in callers and for pages with a public form.
    var csrf: String
    /// Who is signed in, for the header; nil when nobody is.
    var user: String?
    var signOutURL: String
    var signInURL: String
    /// Notices: for those who publish them, and a household's inbox.
    var announcementsURL: String?
    /// Officials search the registry; a household representative does not.
    var canSearch = false
    var inboxURL: String?
    /// Outreach: a member's households to visit, and the overview with its teams and trainings (for those who visit
    /// households or manage teams).
    var visitsURL: String?
    var outreachURL: String?
    /// Assets (those who manage them), residents' reports (those who handle them), campaigns (those who keep the ledger).
    var assetsURL: String?
    var reportsURL: String?
    var ledgerURL: String?
    /// Criteria: the evaluations of one's units (those who read them).
    var criteriaURL: String?
    /// Market: the producers one manages (officials of the market, and producer accounts).
    var marketURL: String?

    init(_ req: Request, title: String, crumbs: [Crumb] = [], needsToken: Bool = false) {
        self.title = title
        lang = req.lang.rawValue
        let other: Lang = req.lang == .vi ? .en : .vi
        otherLang = other.rawValue
        otherLangName = other == .vi ? "Tiếng Việt" : "English"
        var back = req.urlPath
        if let q = req.url.query, !q.isEmpty {
            let kept = q.split(separator: "&").filter { !$0.hasPrefix("lang=") }.joined(separator: "&")
            if !kept.isEmpty { back += "?" + kept }
        }
        switchURL = SiteURL.language(other).path + "?back=" + (back.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/")
        self.crumbs = crumbs
        today = Day.display(Day.today())
        csrf = (needsToken || req.access.isSignedIn) ? req.csrfToken : ""
        user = req.access.personID != nil ? req.access.displayName : req.access.householdID != nil ? req.lang.t("household.title") : nil
        canSearch = req.access.personID != nil
        signOutURL = SiteURL.signOut.path
        signInURL = SiteURL.signIn.path
        announcementsURL = req.access.has(.publishAnnouncements) ? SiteURL.announcements.path : nil
        inboxURL = req.access.householdID != nil ? SiteURL.myAnnouncements.path : nil
        visitsURL = req.access.has(.visitHouseholds) ? SiteURL.visits.path : nil
        outreachURL = req.access.has(.visitHouseholds) || req.access.has(.manageTeams) ? SiteURL.outreach.path : nil
        assetsURL = req.access.has(.manageAssets) ? SiteURL.assets.path : nil
        reportsURL = req.access.has(.handleReports) ? SiteURL.reports.path : nil
        ledgerURL = req.access.has(.manageLedger) ? SiteURL.campaigns.path : nil
        criteriaURL = req.access.has(.readCriteria) ? SiteURL.criteria.path : nil
        marketURL = req.access.has(.manageMarket) || req.access.has(.sellProducts) ? SiteURL.producers.path : nil
    }
}

/// A form field's value and its error message, so a form re-renders with the user's input and the errors in place.
public struct FormState: Encodable {
    public var values: [String: String]
    public var errors: [String: String]
    public var hasErrors: Bool { !errors.isEmpty }

    public init(values: [String: String] = [:], errors: [String: String] = [:]) {
        self.values = values
        self.errors = errors
    }

    public init(values: [String: String], issues: [FieldIssue], lang: Lang) {
        self.values = values
        var e: [String: String] = [:]
        for i in issues where e[i.field] == nil { e[i.field] = i.message(lang) }
        errors = e
    }

    enum CodingKeys: String, CodingKey { case values, errors, hasErrors }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(values, forKey: .values)
        try c.encode(errors, forKey: .errors)
        try c.encode(hasErrors, forKey: .hasErrors)
    }
}
