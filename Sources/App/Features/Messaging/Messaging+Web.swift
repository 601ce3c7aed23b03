// Messaging's pages: officials write, publish, correct and withdraw notices and meetings and follow up the households
// not reached; a household reads its inbox, acknowledges, answers invitations. Loudspeaker audio and the CAP feed.
// Every page works without JavaScript; push subscription is the only thing a script adds.
import Fluent
import Vapor

struct MessagingWeb {
    func addRoutes(open: any RoutesBuilder, signedIn: any RoutesBuilder) {
        signedIn.get(SiteURL.announcements.components, use: index).rule(.list(.publishAnnouncements))
        signedIn.get(SiteURL.announcementNew.components, use: newForm).rule(.action(.publishAnnouncements))
        signedIn.post(SiteURL.announcementNew.components, use: create).rule(.action(.publishAnnouncements))
        signedIn.get(SiteURL.announcement(.key).components, use: show).rule(.announcement(.publishAnnouncements))
        signedIn.get(SiteURL.announcementEdit(.key).components, use: editForm).rule(.announcementToChange(.publishAnnouncements))
        signedIn.post(SiteURL.announcementEdit(.key).components, use: edit).rule(.announcementToChange(.publishAnnouncements))
        signedIn.post(SiteURL.announcementPublish(.key).components, use: publish).rule(.announcementToChange(.publishAnnouncements))
        signedIn.post(SiteURL.announcementCorrect(.key).components, use: correct).rule(.announcementToChange(.publishAnnouncements))
        signedIn.post(SiteURL.announcementWithdraw(.key).components, use: withdraw).rule(.announcementToChange(.publishAnnouncements))
        signedIn.get(SiteURL.announcementReach(.key).components, use: reach).rule(.announcement(.publishAnnouncements)).kept(Self.reachPage)
        signedIn.get(SiteURL.announcementFollowUp(.key).components, use: followUp).rule(.announcement(.publishAnnouncements))
        signedIn.post(SiteURL.announcementInformed(.key).components, use: informed).rule(.announcement(.publishAnnouncements))
        signedIn.on(.POST, SiteURL.announcementFollowUpImport(.key).components, body: .collect(maxSize: "20mb"), use: followUpImport)
            .rule(.announcement(.publishAnnouncements))
        signedIn.get(SiteURL.announcementAttendance(.key).components, use: attendanceForm).rule(.announcement(.publishAnnouncements))
        signedIn.post(SiteURL.announcementAttendance(.key).components, use: attendance).rule(.announcement(.publishAnnouncements))
        signedIn.get(SiteURL.announcementAudio(.key).components, use: audio).rule(.announcement(.publishAnnouncements))
        signedIn.get(SiteURL.unitBulletin(.key).components, use: bulletin).rule(.unit(.publishAnnouncements))
        signedIn.get(SiteURL.myAnnouncements.components, use: inbox).rule(.signedIn).kept(Self.inboxPage)
        signedIn.get(SiteURL.myAnnouncement(.key).components, use: myAnnouncement).rule(.signedIn)
        signedIn.post(SiteURL.myAnnouncementRead(.key).components, use: read).rule(.signedIn)
        signedIn.post(SiteURL.myAnnouncementRSVP(.key).components, use: rsvp).rule(.signedIn)
        open.get(SiteURL.capFeed.components, use: capFeed).rule(.open)
        open.get(SiteURL.capAlert(.key).components, use: capAlert).rule(.open)
        // Announcements were "notices" on the web until issue 12: old links and bookmarks move on with a 301.
        for (old, new) in SiteURL.formerPaths {
            let from = old.split(separator: "/").map { PathComponent(stringLiteral: String($0)) }
            let moved: @Sendable (Request) -> Response = { req in
                let rest = req.urlPath.dropFirst(old.count)
                return req.redirect(to: new.path + rest + (req.url.query.map { "?" + $0 } ?? ""), redirectType: .permanent)
            }
            open.get(from, use: moved).rule(.open)
            open.get(from + [.catchall], use: moved).rule(.open)
        }
    }

    // MARK: view models


    struct AnnouncementRow: Encodable {
        var url: String
        var title: String
        var category: String
        var categoryKey: String
        var status: String
        var statusKey: String
        var when: String
        var households: String
    }

    struct IndexPage: Encodable {
        var layout: Layout
        var rows: [AnnouncementRow]
        var pager: Pager
        var newURL: String
        var filters: [SelectOption]
    }

    static func row(_ a: AnnouncementDTO, _ lang: Lang) -> AnnouncementRow {
        AnnouncementRow(url: SiteURL.announcement(.id(a.id)).path, title: a.title, category: lang.t("announcement.category.\(a.category.rawValue)"),
                  categoryKey: a.category.rawValue, status: lang.t("announcement.status.\(a.status.rawValue)"), statusKey: a.status.rawValue,
                  when: Moment.display(a.publishedAt ?? a.publishAt), households: a.audienceCount.map { lang.number($0) } ?? "")
    }

    func index(req: Request) async throws -> View {
        let status = AnnouncementStatus(rawValue: req.queryValue("status") ?? "")
        let page = PageRequest(req, defaultPer: req.config.pageSize)
        let result = try await MessagingQueries.list(req.access, status: status, page: page, on: req.db)
        let filters = [SelectOption(value: "", label: req.lang.t("announcement.filter.all"), selected: status == nil)]
            + AnnouncementStatus.allCases.map { SelectOption(value: $0.rawValue, label: req.lang.t("announcement.status.\($0.rawValue)"), selected: status == $0) }
        return try await req.view.render("messaging/index", IndexPage(
            layout: Layout(req, title: req.lang.t("announcement.title"), crumbs: [Crumb(name: req.lang.t("nav.home"), url: "/")]),
            rows: result.items.map { Self.row($0, req.lang) }, pager: Pager(req, page: page.page, per: page.per, total: result.total),
            newURL: req.access.has(.publishAnnouncements) ? SiteURL.announcementNew.path : "", filters: filters))
    }

    // MARK: the form

    struct FormPage: Encodable {
        var layout: Layout
        var action: String
        var form: FormState
        var categories: [SelectOption]
        var units: [SelectOption]
        var channels: [SelectOption]
        var reminders: [SelectOption]
        var severities: [SelectOption]
        var preview: String?
        var isNew: Bool
    }

    /// The communes, villages and groups the caller may address: their own units and what lies below them.
    static func audienceOptions(_ req: Request, selected: Set<String>) async throws -> [SelectOption] {
        var roots: [AdminUnit]
        if let r = try await req.access.rootUnits(.publishAnnouncements, on: req.db) { roots = r } else {
            let ids = try await AdminUnit.query(on: req.db).filter(\.$kind == .village).all(\.$communeID)
            roots = try await AdminUnit.query(on: req.db).filter(\.$id ~~ Array(Set(ids.compactMap { $0 }))).sort(\.$code).limit(20).all()
        }
        var out: [SelectOption] = []
        func add(_ u: AdminUnit, depth: Int) {
            let id = u.id!.uuidString.lowercased()
            let pad = String(repeating: "— ", count: depth)
            out.append(SelectOption(value: id, label: pad + u.name, selected: selected.contains(id), note: req.lang.t("kind.\(u.kind.rawValue)")))
        }
        let today = Day.today()
        for root in roots.sorted(by: { $0.code < $1.code }) {
            switch root.kind {
            case .province, .district:
                for c in try await AdminUnit.query(on: req.db).filter(\.$parentID == root.id).filter(\.$kind == .commune).sort(\.$code).limit(200).all() where c.isInForce(on: today) {
                    add(c, depth: 0)
                }
            case .commune:
                add(root, depth: 0)
                for v in try await AdminUnit.query(on: req.db).filter(\.$parentID == root.id).sort(\.$code).all() where v.isInForce(on: today) {
                    add(v, depth: 1)
                    for g in try await AdminUnit.query(on: req.db).filter(\.$parentID == v.id).sort(\.$code).all() where g.isInForce(on: today) { add(g, depth: 2) }
                }
            case .village:
                add(root, depth: 0)
                for g in try await AdminUnit.query(on: req.db).filter(\.$parentID == root.id).sort(\.$code).all() where g.isInForce(on: today) { add(g, depth: 1) }
            case .group:
                add(root, depth: 0)
            }
        }
        return out
    }

    static let reminderChoices = [10080, 1440, 120, 60]

    func formPage(_ req: Request, action: String, values: [String: String], units: Set<String>, channels: Set<String>, reminders: Set<Int>,
                  issues: [FieldIssue] = [], preview: Int? = nil, isNew: Bool, status: HTTPResponseStatus = .ok) async throws -> Response {
        let lang = req.lang
        let m = req.config.messaging
        let category = values["category"] ?? "notice"
        let page = FormPage(
            layout: Layout(req, title: lang.t(isNew ? "announcement.new" : "announcement.edit"), crumbs: [Crumb(name: lang.t("announcement.title"), url: SiteURL.announcements.path)]),
            action: action, form: FormState(values: values, issues: issues, lang: lang),
            categories: AnnouncementCategory.allCases.map { SelectOption(value: $0.rawValue, label: lang.t("announcement.category.\($0.rawValue)"), selected: $0.rawValue == category) },
            units: try await Self.audienceOptions(req, selected: units),
            channels: [Channel.push, .zalo, .sms, .loudspeaker].map { ch in
                let on = ch == .loudspeaker || MessagingActions.configured(ch, m)
                return SelectOption(value: ch.rawValue, label: lang.t("announcement.channel.\(ch.rawValue)"), selected: channels.contains(ch.rawValue), note: on ? "" : lang.t("announcement.channelOff"))
            },
            reminders: Self.reminderChoices.map { SelectOption(value: String($0), label: lang.t("announcement.reminder.\($0)"), selected: reminders.contains($0)) },
            severities: AlertSeverity.allCases.map { SelectOption(value: $0.rawValue, label: lang.t("announcement.severity.\($0.rawValue)"), selected: (values["severity"] ?? "Severe") == $0.rawValue) },
            preview: preview.map { lang.t("announcement.previewCount", [lang.number($0)]) }, isNew: isNew)
        return try await req.view.render("messaging/form", page).encodeResponse(status: status, for: req)
    }

    func newForm(req: Request) async throws -> Response {
        try await formPage(req, action: SiteURL.announcementNew.path, values: ["category": req.queryValue("category") ?? "notice"], units: [],
                           channels: ["push", "zalo"], reminders: Set(req.config.messaging.defaultReminders), isNew: true)
    }

    struct FormBody: Content {
        var title: String?
        var body: String?
        var category: String?
        var unitIds: [String]?
        var channels: [String]?
        var publishAt: String?
        var startsAt: String?
        var place: String?
        var reminders: [String]?
        var severity: String?
        var expiresAt: String?
        /// save | publish | preview
        var intent: String?

        var input: AnnouncementInput {
            AnnouncementInput(title: title, body: body, category: category, unitIds: unitIds, channels: channels, publishAt: publishAt,
                              startsAt: startsAt, place: place, reminders: (reminders ?? []).compactMap { Int($0) }, severity: severity, expiresAt: expiresAt)
        }
        var values: [String: String] {
            ["title": title ?? "", "body": body ?? "", "category": category ?? "", "publishAt": publishAt ?? "", "startsAt": startsAt ?? "",
             "place": place ?? "", "severity": severity ?? "", "expiresAt": expiresAt ?? ""]
        }
    }

    func submitted(_ req: Request, action: String, isNew: Bool, existing: Announcement?) async throws -> Response {
        let f = try req.content.decode(FormBody.self)
        let units = Set(f.unitIds ?? []), channels = Set(f.channels ?? []), reminders = Set((f.reminders ?? []).compactMap { Int($0) })
        func again(_ issues: [FieldIssue], preview: Int? = nil, status: HTTPResponseStatus) async throws -> Response {
            try await formPage(req, action: action, values: f.values, units: units, channels: channels, reminders: reminders, issues: issues,
                               preview: preview, isNew: isNew, status: status)
        }
        do {
            if f.intent == "preview" {
                let c = try await MessagingActions.check(f.input, access: req.access, config: req.config.messaging, on: req.db)
                return try await again([], preview: try await MessagingActions.previewCount(c.units.map { $0.id! }, on: req.db), status: .ok)
            }
            let a: Announcement
            if let existing {
                try await MessagingActions.update(existing, f.input, access: req.access, app: req.application, on: req.db)
                a = existing
            } else {
                a = try await MessagingActions.create(f.input, access: req.access, app: req.application, on: req.db)
            }
            if f.intent == "publish" { try await MessagingActions.publish(a, on: req.db) }
            return req.redirect(to: SiteURL.announcement(.id(a.id!)).path, redirectType: .normal)
        } catch let e as InvalidInput {
            return try await again(e.issues, status: e.status)
        }
    }

    func create(req: Request) async throws -> Response {
        try await submitted(req, action: SiteURL.announcementNew.path, isNew: true, existing: nil)
    }

    func editForm(req: Request) async throws -> Response {
        let a = try req.scoped(Announcement.self)
        guard a.status == .draft else { return req.redirect(to: SiteURL.announcement(.id(a.id!)).path, redirectType: .normal) }
        let units = Set(try await MessagingActions.audienceIDs(a.id!, on: req.db).map { $0.uuidString.lowercased() })
        return try await formPage(req, action: SiteURL.announcementEdit(.id(a.id!)).path, values: [
            "title": a.title, "body": a.body, "category": a.category.rawValue, "publishAt": Moment.input(a.publishAt),
            "startsAt": Moment.input(a.startsAt), "place": a.place ?? "", "severity": a.severity?.rawValue ?? "", "expiresAt": Moment.input(a.expiresAt),
        ], units: units, channels: Set(a.channelList.map(\.rawValue)), reminders: Set(a.reminderMinutes), isNew: false)
    }

    func edit(req: Request) async throws -> Response {
        let a = try req.scoped(Announcement.self)
        return try await submitted(req, action: SiteURL.announcementEdit(.id(a.id!)).path, isNew: false, existing: a)
    }

    // MARK: one announcement

    struct ShowPage: Encodable {
        var layout: Layout
        var announcement: AnnouncementDTO
        var category: String
        var status: String
        var published: String?
        var scheduled: String?
        var starts: String?
        var expires: String?
        var audience: [String]
        var corrections: [CorrectionView]
        var reach: ReachView?
        var canEdit: Bool
        var isDraft: Bool
        var isLive: Bool
        var isMeeting: Bool
        var isUrgent: Bool
        var hasAudio: Bool
        var urls: [String: String]
        var form: FormState
        var withdrawn: String?
        var channels: String
    }

    struct CorrectionView: Encodable { var at: String; var author: String; var note: String; var previousTitle: String; var previousBody: String }

    struct BarRow: Encodable {
        var name: String
        var kind: String
        var households: String
        var delivered: String
        var read: String
        var deliveredPercent: String
        var readPercent: String
        var deliveredWidth: Int
        var readWidth: Int
        var followUpURL: String
        var isGroup: Bool
    }

    struct ReachView: Encodable {
        var households: String
        var delivered: String
        var read: String
        var deliveredPercent: String
        var readPercent: String
        var rows: [BarRow]
        var channels: [[String]]
        var via: [[String]]
        var rsvp: [[String]]
        var attended: String?
        var inProgress: Bool
    }

    static func reachView(_ r: ReachDTO, _ a: Announcement, _ lang: Lang) -> ReachView {
        func pct(_ d: Double) -> String { lang.percent(d) }
        var rows: [BarRow] = []
        for v in r.villages {
            for (row, isGroup) in [(v, false)] + (v.groups ?? []).map({ ($0, true) }) {
                rows.append(BarRow(name: row.name, kind: lang.t("kind.\(row.kind.rawValue)"), households: lang.number(row.households),
                                   delivered: lang.number(row.delivered), read: lang.number(row.read), deliveredPercent: pct(row.deliveredPercent),
                                   readPercent: pct(row.readPercent), deliveredWidth: Int(row.deliveredPercent * 2), readWidth: Int(row.readPercent * 2),
                                   followUpURL: SiteURL.announcementFollowUp(.id(a.id!)).path + "?unit=\(row.unitId.uuidString.lowercased())", isGroup: isGroup))
            }
        }
        return ReachView(
            households: lang.number(r.households), delivered: lang.number(r.delivered), read: lang.number(r.read),
            deliveredPercent: pct(r.deliveredPercent), readPercent: pct(r.readPercent), rows: rows,
            channels: r.channels.map { [lang.t("announcement.channel.\($0.channel.rawValue)"), lang.number($0.queued), lang.number($0.sent), lang.number($0.delivered), lang.number($0.read), lang.number($0.failed)] },
            via: r.reachedVia.sorted { $0.key < $1.key }.map { [lang.t("announcement.channel.\($0.key)"), lang.number($0.value)] },
            rsvp: (r.rsvp ?? [:]).sorted { $0.key > $1.key }.map { [lang.t("announcement.rsvp.\($0.key)"), lang.number($0.value)] },
            attended: r.attended.map { lang.number($0) }, inProgress: r.inProgress)
    }

    func showPage(_ req: Request, _ a: Announcement, form: FormState = FormState(), status: HTTPResponseStatus = .ok) async throws -> Response {
        let lang = req.lang
        let dto = try await MessagingQueries.detail(a, on: req.db)
        let names = try await AdminUnit.query(on: req.db).filter(\.$id ~~ dto.unitIds).all().sorted { $0.code < $1.code }.map(\.name)
        let reach = a.status == .published || a.status == .withdrawn ? Self.reachView(try await MessagingQueries.reach(a, req.access, on: req.db), a, lang) : nil
        let id = Ref.id(a.id!)
        let page = ShowPage(
            layout: Layout(req, title: a.title, crumbs: [Crumb(name: lang.t("announcement.title"), url: SiteURL.announcements.path)]),
            announcement: dto, category: lang.t("announcement.category.\(a.category.rawValue)"), status: lang.t("announcement.status.\(a.status.rawValue)"),
            published: a.publishedAt.map { Moment.display($0) }, scheduled: a.publishAt.map { Moment.display($0) },
            starts: a.startsAt.map { Moment.display($0) }, expires: a.expiresAt.map { Moment.display($0) }, audience: names,
            corrections: (dto.corrections ?? []).map { CorrectionView(at: Moment.display($0.at), author: $0.authorName, note: $0.note, previousTitle: $0.previousTitle, previousBody: $0.previousBody) },
            reach: reach, canEdit: try await req.access.canEdit(a, on: req.db), isDraft: a.status == .draft,
            isLive: a.status == .published || a.status == .scheduled, isMeeting: a.category == .meeting, isUrgent: a.category == .urgent,
            hasAudio: a.channelList.contains(.loudspeaker),
            urls: ["edit": SiteURL.announcementEdit(id).path, "publish": SiteURL.announcementPublish(id).path, "correct": SiteURL.announcementCorrect(id).path,
                   "withdraw": SiteURL.announcementWithdraw(id).path, "reach": SiteURL.announcementReach(id).path, "followUp": SiteURL.announcementFollowUp(id).path,
                   "attendance": SiteURL.announcementAttendance(id).path, "audio": SiteURL.announcementAudio(id).path, "cap": SiteURL.capAlert(id).path],
            form: form.values.isEmpty ? FormState(values: ["title": a.title, "body": a.body]) : form,
            withdrawn: a.withdrawnAt.map { lang.t("announcement.withdrawnOn", [Moment.display($0), a.withdrawReason ?? ""]) },
            channels: ([lang.t("announcement.channel.inbox")] + a.channelList.map { lang.t("announcement.channel.\($0.rawValue)") }).joined(separator: ", "))
        return try await req.view.render("messaging/show", page).encodeResponse(status: status, for: req)
    }

    func show(req: Request) async throws -> Response {
        try await showPage(req, try req.scoped(Announcement.self))
    }

    func publish(req: Request) async throws -> Response {
        let a = try req.scoped(Announcement.self)
        do { try await MessagingActions.publish(a, on: req.db) } catch let e as InvalidInput {
            return try await showPage(req, a, form: FormState(values: ["title": a.title, "body": a.body], issues: e.issues, lang: req.lang), status: e.status)
        }
        return req.redirect(to: SiteURL.announcement(.id(a.id!)).path, redirectType: .normal)
    }

    struct CorrectBody: Content { var title: String?; var body: String?; var note: String?; var reason: String? }

    func correct(req: Request) async throws -> Response {
        let a = try req.scoped(Announcement.self)
        let f = try req.content.decode(CorrectBody.self)
        do { try await MessagingActions.correct(a, title: f.title, body: f.body, note: f.note, access: req.access, on: req.db) } catch let e as InvalidInput {
            let fresh = try await Announcement.find(a.id, on: req.db) ?? a
            return try await showPage(req, fresh, form: FormState(values: ["title": f.title ?? "", "body": f.body ?? "", "note": f.note ?? ""], issues: e.issues, lang: req.lang), status: e.status)
        }
        return req.redirect(to: SiteURL.announcement(.id(a.id!)).path, redirectType: .normal)
    }

    func withdraw(req: Request) async throws -> Response {
        let a = try req.scoped(Announcement.self)
        let f = try req.content.decode(CorrectBody.self)
        do { try await MessagingActions.withdraw(a, reason: f.reason, on: req.db) } catch let e as InvalidInput {
            let fresh = try await Announcement.find(a.id, on: req.db) ?? a
            return try await showPage(req, fresh, form: FormState(values: ["title": fresh.title, "body": fresh.body, "reason": f.reason ?? ""], issues: e.issues, lang: req.lang), status: e.status)
        }
        return req.redirect(to: SiteURL.announcement(.id(a.id!)).path, redirectType: .normal)
    }

    /// A notice's reach page, kept ready per caller under the units' and the notices' version.
    static let reachPage = KeptPage(
        name: "reach", parts: [.units, .messages],
        target: { req in req.parameters.get("id").flatMap(UUID.init(text:))?.text },
        canonical: { req in req.canonicalLangParameter ?? "" })

    /// A household's inbox, kept ready per household under the units' and the notices' version; a view that marks
    /// notices delivered is not kept (the next one is, once nothing is left to mark).
    static let inboxPage = KeptPage(
        name: "inbox", parts: [.units, .messages],
        target: { req in req.access.householdID?.text },
        canonical: { req in
            let page = PageRequest(req, defaultPer: 20)
            var parts: [String] = []
            if let lang = req.canonicalLangParameter { parts.append(lang) }
            if req.queryValue("per") != nil { parts.append("per=\(page.per)") }
            if req.queryValue("page") != nil { parts.append("page=\(page.page)") }
            return parts.joined(separator: "&")
        })

    struct ReachPage: Encodable { var layout: Layout; var title: String; var reach: ReachView; var backURL: String }

    func reach(req: Request) async throws -> View {
        let a = try req.scoped(Announcement.self)
        // Kept ready under the notices' and the units' version (Support/SignedInPages.swift), per caller.
        if let pages = req.application.signedInPages {
            return try await pages.answer(req, Self.reachPage) {
                // Read again after the version: the rule loaded the notice (and decided who may change it) before it.
                guard let fresh = try await Announcement.find(a.id!, on: req.db) else { throw Abort(.notFound) }
                return (try await reachPage(req, fresh, canEdit: nil), 0)
            }.0
        }
        return try await reachPage(req, a, canEdit: req.canEditScopedAnnouncement(a))
    }

    private func reachPage(_ req: Request, _ a: Announcement, canEdit: Bool?) async throws -> View {
        let r = Self.reachView(try await MessagingQueries.reach(a, req.access, canEdit: canEdit, on: req.db), a, req.lang)
        return try await req.view.render("messaging/reach", ReachPage(
            layout: Layout(req, title: req.lang.t("announcement.reach"), crumbs: [Crumb(name: req.lang.t("announcement.title"), url: SiteURL.announcements.path),
                                                                         Crumb(name: a.title, url: SiteURL.announcement(.id(a.id!)).path)]),
            title: a.title, reach: r, backURL: SiteURL.announcement(.id(a.id!)).path))
    }

    // MARK: follow-up and attendance

    struct FollowRow: Encodable {
        var householdId: String
        var code: String
        var representative: String
        var address: String
        var phone: String
        var state: String
        var channels: String?
        var rsvp: String?
        var attended: Bool
    }

    struct FollowPage: Encodable {
        var layout: Layout
        var title: String
        var unitName: String?
        var rows: [FollowRow]
        var pager: Pager
        var informedURL: String
        var back: String
        var canInform: Bool
        var printAllURL: String?
        var total: String
        var isMeeting: Bool
        var unitId: String
        /// The list as a file: this + "csv" or "xlsx".
        var downloadURL: String?
        /// Where the marked list is uploaded, what it did, and its problems.
        var importURL: String? = nil
        var importDone: String? = nil
        var importErrors: [ImportIssue] = []
    }

    struct ImportIssue: Encodable { var line: String; var field: String; var message: String }

    static func followRows(_ items: [FollowUpRowDTO], _ lang: Lang) -> [FollowRow] {
        items.map { r in
            FollowRow(householdId: r.householdId.uuidString.lowercased(), code: r.code, representative: r.representative ?? "", address: r.address,
                      phone: r.phone ?? "", state: lang.t("announcement.state.\(r.state.rawValue)"),
                      channels: r.channels.isEmpty ? nil : r.channels.sorted { $0.key < $1.key }.map { lang.t("announcement.channel.\($0.key)") + ": " + $0.value }.joined(separator: "; "),
                      rsvp: r.rsvp.map { lang.t("announcement.rsvp.\($0.rawValue)") }, attended: r.attended ?? false)
        }
    }

    /// The marked list uploaded back (FollowUpImport): the list again with what was recorded, or with every problem.
    func followUpImport(req: Request) async throws -> Response {
        let a = try req.scoped(Announcement.self)
        let unit: AdminUnit?
        do { unit = try await MessagingAPI.unitParameter(req) } catch is InvalidInput { throw Abort(.notFound) }
        do {
            let upload = try req.uploadForm(RegistryWeb.Upload.self)
            guard let file = upload.file, file.data.readableBytes > 0 else { throw InvalidInput("file", "error.required") }
            let r = try await FollowUpImport.run(a, data: Data(buffer: file.data), unit: unit, access: req.access, on: req.db)
            return try await followUpPage(req, a, unit, done: req.lang.t("announcement.importInformedDone", [req.lang.number(r.marked), req.lang.number(r.already)]))
        } catch let e as InvalidInput {
            let issues = e.issues.prefix(200).map { ImportIssue(line: $0.line.map(String.init) ?? "", field: $0.field, message: $0.message(req.lang)) }
            return try await followUpPage(req, a, unit, errors: Array(issues), status: e.status)
        }
    }

    func followUp(req: Request) async throws -> Response {
        let a = try req.scoped(Announcement.self)
        let unit: AdminUnit?
        do { unit = try await MessagingAPI.unitParameter(req) } catch is InvalidInput { throw Abort(.notFound) }
        return try await followUpPage(req, a, unit)
    }

    func followUpPage(_ req: Request, _ a: Announcement, _ unit: AdminUnit?, done: String? = nil, errors: [ImportIssue] = [],
                      status: HTTPResponseStatus = .ok) async throws -> Response {
        if let raw = req.queryValue("format"), ["csv", "xlsx"].contains(raw.lowercased()) {
            let format = SheetFile.Format(query: raw)
            let file = try await FollowUpExport.file(a, unit: unit, access: req.access, format: format, lang: req.lang, on: req.db)
            try await Audit.record("export", Delivery.schema, row: a.id, unit: unit?.id ?? a.unitID, after: ["rows": String(file.rows)], on: req.db)
            return SheetFile.response(file.0, format: format, name: file.name)
        }
        let unitQuery = (unit?.id).map { "unit=\($0.uuidString.lowercased())&" } ?? ""
        let page = PageRequest(req, defaultPer: req.queryValue("print") == "1" ? 500 : req.config.pageSize)
        let result = try await MessagingQueries.followUp(a, unit: unit, access: req.access, page: page, on: req.db)
        try await Audit.recordRead("list", Delivery.schema, row: a.id, unit: unit?.id ?? a.unitID, after: ["rows": String(result.items.count)], for: req)
        let title = req.lang.t("announcement.followUp")
        return try await req.view.render("messaging/follow-up", FollowPage(
            layout: Layout(req, title: title, crumbs: [Crumb(name: req.lang.t("announcement.title"), url: SiteURL.announcements.path), Crumb(name: a.title, url: SiteURL.announcement(.id(a.id!)).path)]),
            title: a.title, unitName: unit?.name, rows: Self.followRows(result.items, req.lang),
            pager: Pager(req, page: page.page, per: page.per, total: result.total), informedURL: SiteURL.announcementInformed(.id(a.id!)).path,
            back: req.method == .GET ? req.urlPath + (req.url.query.map { "?" + $0 } ?? "") : SiteURL.announcementFollowUp(.id(a.id!)).path + "?" + unitQuery,
            canInform: a.status == .published,
            printAllURL: result.total > page.per ? SiteURL.announcementFollowUp(.id(a.id!)).path + "?" + unitQuery + "print=1" : nil,
            total: req.lang.number(result.total), isMeeting: a.category == .meeting, unitId: unit?.id?.uuidString.lowercased() ?? "",
            downloadURL: SiteURL.announcementFollowUp(.id(a.id!)).path + "?" + unitQuery + "format=",
            importURL: a.status == .published ? SiteURL.announcementFollowUpImport(.id(a.id!)).path + (unit == nil ? "" : "?" + unitQuery.dropLast()) : nil,
            importDone: done, importErrors: errors)).encodeResponse(status: status, for: req)
    }

    struct InformedBody: Content { var householdId: String?; var back: String? }

    func informed(req: Request) async throws -> Response {
        let a = try req.scoped(Announcement.self)
        let f = try req.content.decode(InformedBody.self)
        _ = try await MessagingActions.markInformed(a, household: f.householdId, access: req.access, on: req.db)
        let back = LocalPath.safe(f.back, or: SiteURL.announcementFollowUp(.id(a.id!)).path)
        return req.redirect(to: back, redirectType: .normal)
    }

    func attendanceForm(req: Request) async throws -> Response {
        let a = try req.scoped(Announcement.self)
        guard a.category == .meeting else { return req.redirect(to: SiteURL.announcement(.id(a.id!)).path, redirectType: .normal) }
        let unit: AdminUnit?
        do { unit = try await MessagingAPI.unitParameter(req) } catch is InvalidInput { throw Abort(.notFound) }
        let page = PageRequest(page: 1, per: 500)
        let result = try await MessagingQueries.followUp(a, unit: unit, access: req.access, all: true, page: page, on: req.db)
        return try await req.view.render("messaging/attendance", FollowPage(
            layout: Layout(req, title: req.lang.t("announcement.attendance"), crumbs: [Crumb(name: req.lang.t("announcement.title"), url: SiteURL.announcements.path), Crumb(name: a.title, url: SiteURL.announcement(.id(a.id!)).path)]),
            title: a.title, unitName: unit?.name, rows: Self.followRows(result.items, req.lang), pager: Pager(req, page: 1, per: 500, total: result.total),
            informedURL: SiteURL.announcementAttendance(.id(a.id!)).path, back: "", canInform: a.status == .published && unit != nil, printAllURL: nil,
            total: req.lang.number(result.total), isMeeting: true, unitId: unit?.id?.uuidString.lowercased() ?? "", downloadURL: nil)).encodeResponse(for: req)
    }

    struct AttendanceBody: Content { var unitId: String?; var householdIds: [String]? }

    func attendance(req: Request) async throws -> Response {
        let a = try req.scoped(Announcement.self)
        let f = try req.content.decode(AttendanceBody.self)
        guard let id = UUID(uuidString: f.unitId ?? ""), let unit = try await AdminUnit.find(id, on: req.db), [.village, .group].contains(unit.kind) else {
            throw InvalidInput("unitId", "error.announcement.unknownUnit")
        }
        _ = try await MessagingActions.recordAttendance(a, unit: unit, present: f.householdIds ?? [], access: req.access, on: req.db)
        return req.redirect(to: SiteURL.announcementReach(.id(a.id!)).path, redirectType: .normal)
    }

    // MARK: loudspeaker

    func audio(req: Request) async throws -> Response {
        let a = try req.scoped(Announcement.self)
        let path = try await Speech.announcement(a, app: req.application)
        let res = try await req.fileio.asyncStreamFile(at: path, mediaType: HTTPMediaType(type: "audio", subType: "wav"))
        res.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"thong-bao-\(a.id!.uuidString.prefix(8).lowercased()).wav\"")
        return res
    }

    func bulletin(req: Request) async throws -> Response {
        let unit = try req.scoped(AdminUnit.self)
        let day = Day.parse(req.queryValue("date") ?? Day.today()) ?? Day.today()
        guard let path = try await Speech.bulletin(unit: unit, day: day, app: req.application) else {
            throw InvalidInput("date", "error.announcement.noneThatDay", [Day.display(day)])
        }
        let res = try await req.fileio.asyncStreamFile(at: path, mediaType: HTTPMediaType(type: "audio", subType: "wav"))
        res.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"ban-tin-\(unit.code)-\(day).wav\"")
        return res
    }

    // MARK: the household's inbox

    struct InboxRow: Encodable {
        var url: String
        var title: String
        var category: String
        var categoryKey: String
        var unit: String
        var when: String
        var unread: Bool
        var withdrawn: Bool
        var corrected: Bool
        var starts: String?
    }

    struct InboxPage: Encodable {
        var layout: Layout
        var rows: [InboxRow]
        var pager: Pager
        var pushKeyURL: String
        var pushSubscribeURL: String
    }

    func inbox(req: Request) async throws -> Response {
        guard let h = req.access.householdID else { return req.redirect(to: SiteURL.announcements.path, redirectType: .normal) }
        guard let pages = req.application.signedInPages else { return try await buildInbox(req, h).0.encodeResponse(for: req) }
        return try await pages.answer(req, Self.inboxPage) { try await buildInbox(req, h) }.0.encodeResponse(for: req)
    }

    /// The inbox page, and -1 for its rows when it marked notices delivered (so it is not kept).
    private func buildInbox(_ req: Request, _ h: UUID) async throws -> (View, Int) {
        let page = PageRequest(req, defaultPer: 20)
        let result = try await MessagingQueries.inbox(household: h, page: page, on: req.db)
        // Only what is not yet delivered is looked up again (a page already seen costs no query here).
        let unseen = result.items.filter { $0.status == .published && ($0.state == .queued || $0.state == .sent) }.map(\.id)
        try await MessagingQueries.markSeen(household: h, announcements: unseen, on: req.db)
        let lang = req.lang
        let view = try await req.view.render("messaging/inbox", InboxPage(
            layout: Layout(req, title: lang.t("announcement.inbox")),
            rows: result.items.map { i in
                InboxRow(url: SiteURL.myAnnouncement(.id(i.id)).path, title: i.title, category: lang.t("announcement.category.\(i.category.rawValue)"),
                         categoryKey: i.category.rawValue, unit: i.unitName, when: Moment.display(i.publishedAt), unread: i.state != .read,
                         withdrawn: i.status == .withdrawn, corrected: i.corrected, starts: i.startsAt.map { Moment.display($0) })
            },
            pager: Pager(req, page: page.page, per: page.per, total: result.total), pushKeyURL: APIURL.pushKey.path,
            pushSubscribeURL: APIURL.pushSubscriptions.path))
        return (view, unseen.isEmpty ? result.items.count : -1)
    }

    struct MyAnnouncementPage: Encodable {
        var layout: Layout
        var announcement: InboxItemDTO
        var category: String
        var when: String
        var starts: String
        var corrections: [CorrectionView]
        var read: Bool
        var readURL: String
        var rsvpURL: String
        var rsvp: String?
        var rsvpChoices: [SelectOption]
        var canAnswer: Bool
        var error: String?
        var paragraphs: [String]
    }

    func myAnnouncementPage(_ req: Request, _ id: UUID, error: String? = nil, status: HTTPResponseStatus = .ok) async throws -> Response {
        guard let h = req.access.householdID, let d = try await Delivery.query(on: req.db).filter(\.$householdID == h).filter(\.$announcementID == id).first(),
              let a = try await Announcement.find(id, on: req.db), a.status != .draft else { throw Abort(.notFound) }
        if a.status == .published { try await MessagingQueries.markSeen(household: h, announcements: [id], on: req.db) }
        let lang = req.lang
        let unit = try await AdminUnit.find(a.unitID, on: req.db)?.name ?? ""
        let fixes = try await AnnouncementCorrection.query(on: req.db).filter(\.$announcementID == id).sort(\.$at).all()
        let item = InboxItemDTO(id: id, category: a.category, status: a.status, title: a.title, body: a.body, unitName: unit, publishedAt: a.publishedAt,
                                corrected: !fixes.isEmpty, withdrawReason: a.withdrawReason, state: d.state, rsvp: d.rsvp, startsAt: a.startsAt, place: a.place)
        let open = a.status == .published && (a.startsAt ?? .distantFuture) > req.now
        return try await req.view.render("messaging/mine", MyAnnouncementPage(
            layout: Layout(req, title: a.title, crumbs: [Crumb(name: lang.t("announcement.inbox"), url: SiteURL.myAnnouncements.path)]),
            announcement: item, category: lang.t("announcement.category.\(a.category.rawValue)"), when: Moment.display(a.publishedAt), starts: Moment.display(a.startsAt),
            corrections: fixes.map { CorrectionView(at: Moment.display($0.at), author: $0.authorName, note: $0.note, previousTitle: $0.previousTitle, previousBody: $0.previousBody) },
            read: d.state == .read, readURL: SiteURL.myAnnouncementRead(.id(id)).path, rsvpURL: SiteURL.myAnnouncementRSVP(.id(id)).path,
            rsvp: d.rsvp.map { lang.t("announcement.rsvp.\($0.rawValue)") },
            rsvpChoices: RSVP.allCases.map { SelectOption(value: $0.rawValue, label: lang.t("announcement.rsvp.\($0.rawValue)"), selected: d.rsvp == $0) },
            canAnswer: a.category == .meeting && open, error: error,
            paragraphs: a.body.components(separatedBy: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty })).encodeResponse(status: status, for: req)
    }

    func myAnnouncement(req: Request) async throws -> Response { try await myAnnouncementPage(req, try req.idParameter()) }

    func read(req: Request) async throws -> Response {
        guard let h = req.access.householdID else { throw Abort(.notFound) }
        let id = try req.idParameter()
        _ = try await MessagingActions.acknowledge(household: h, announcement: id, on: req.db)
        return req.redirect(to: SiteURL.myAnnouncement(.id(id)).path, redirectType: .normal)
    }

    struct RSVPBody: Content { var rsvp: String? }

    func rsvp(req: Request) async throws -> Response {
        guard let h = req.access.householdID else { throw Abort(.notFound) }
        let id = try req.idParameter()
        guard let a = try await Announcement.find(id, on: req.db) else { throw Abort(.notFound) }
        do { _ = try await MessagingActions.answer(household: h, announcement: a, rsvp: try req.content.decode(RSVPBody.self).rsvp, on: req.db) } catch let e as InvalidInput {
            return try await myAnnouncementPage(req, id, error: e.issues.first?.message(req.lang), status: e.status)
        }
        return req.redirect(to: SiteURL.myAnnouncement(.id(id)).path, redirectType: .normal)
    }

    // MARK: CAP

    func capFeed(req: Request) async throws -> Response {
        let alerts = try await Announcement.query(on: req.db).filter(\.$category == .urgent).filter(\.$status ~~ [.published, .withdrawn])
            .sort(\.$publishedAt, .descending).limit(50).all()
        var entries: [(alert: CAPAlert, url: String)] = []
        for a in alerts { entries.append((try await AlertsCAP.alert(a, app: req.application, on: req.db), req.config.externalURL(.capAlert(.id(a.id!))))) }
        let xml = capAtomFeed(id: req.config.externalURL(.capFeed), title: Lang.vi.t("announcement.capFeedTitle"), selfURL: req.config.externalURL(.capFeed),
                              updated: alerts.first.flatMap { $0.updatedAt ?? $0.publishedAt } ?? req.now, entries: entries)
        let res = Response(status: .ok, body: .init(string: xml))
        res.headers.contentType = HTTPMediaType(type: "application", subType: "atom+xml", parameters: ["charset": "utf-8"])
        return res
    }

    func capAlert(req: Request) async throws -> Response {
        guard let a = try await Announcement.find(try req.idParameter(), on: req.db), a.category == .urgent,
              a.status == .published || a.status == .withdrawn else { throw Abort(.notFound) }
        let res = Response(status: .ok, body: .init(string: capXML(try await AlertsCAP.alert(a, app: req.application, on: req.db))))
        res.headers.contentType = HTTPMediaType(type: "application", subType: "cap+xml", parameters: ["charset": "utf-8"])
        return res
    }
}
