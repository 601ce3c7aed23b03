// Dossiers: each filed dossier with its channel (online, in person, by post) and status (received, processing, ready
// for pick-up, done), its due date computed from the procedure's working days, so the commune's online share and
// on-time share are counted from rows (figures the criteria capability will read).
import Fluent
import Vapor

public struct DossierInput: Content {
    public var procedureId: String?
    public var channel: String?
    public var reference: String?
    public var receivedOn: String?
}

public struct DossierStatusInput: Content {
    public var status: String?
    /// The day it became ready or done (default today).
    public var doneOn: String?
}

public struct DossierDTO: Content, Equatable {
    public var id: UUID
    public var communeId: UUID
    public var procedureId: UUID
    public var channel: DossierChannel
    public var status: DossierStatus
    public var reference: String
    public var receivedOn: String
    public var dueOn: String
    public var doneOn: String?
    /// Finished (ready or done) by the due date; nil while still open.
    public var onTime: Bool?
}

public struct DossierFiguresDTO: Content, Equatable {
    public var total: Int
    public var online: Int
    /// online / total, 0…1; nil when there is no dossier.
    public var onlineShare: Double?
    public var finished: Int
    public var onTime: Int
    /// on time / finished, 0…1; nil when none is finished.
    public var onTimeShare: Double?
    /// Still open after their due date.
    public var overdue: Int
}

extension Dossier {
    var isFinished: Bool { status == .ready || status == .done }
    func toDTO() -> DossierDTO {
        DossierDTO(id: id!, communeId: communeID, procedureId: procedureID, channel: channel, status: status, reference: reference,
                   receivedOn: receivedOn, dueOn: dueOn, doneOn: doneOn, onTime: isFinished ? (doneOn ?? "9999") <= dueOn : nil)
    }
}

public enum DossierActions {
    /// The due day: `workingDays` working days after `received` (Saturdays, Sundays and the commune's closed days
    /// do not count); 0 is the same day.
    public static func dueDate(received: String, workingDays: Int, holidays: Set<String> = []) -> String {
        var day = received, left = workingDays
        while left > 0 {
            day = Day.adding(1, to: day)
            if Day.weekday(day) <= 5 && !holidays.contains(day) { left -= 1 }
        }
        return day
    }

    public static func create(in commune: AdminUnit, _ input: DossierInput, on db: any Database) async throws -> Dossier {
        var c = Checker()
        let p = try await CatalogActions.named(input.procedureId, in: commune.id!, into: &c, on: db)
        let channel = DossierChannel(rawValue: (input.channel ?? "").trimmingCharacters(in: .whitespaces))
        if channel == nil { c.add("channel", "error.proc.channel") }
        let reference = c.text("reference", input.reference, max: 60)
        let received = (input.receivedOn ?? "").isEmpty ? Day.today() : c.day("receivedOn", input.receivedOn)
        if let r = received, r > Day.today() { c.add("receivedOn", "error.proc.future") }
        try c.check()
        let holidays = Set(try await ClosedDay.query(on: db).filter(\.$communeID == commune.id!).filter(\.$day >= received!).all().map(\.day))
        let due = dueDate(received: received!, workingDays: p!.workingDays, holidays: holidays)
        return try await db.auditedTransaction { db in
            let d = Dossier()
            d.id = UUID.random()
            d.communeID = commune.id!
            d.procedureID = p!.id!
            d.channel = channel!
            d.status = .received
            d.reference = reference
            d.receivedOn = received!
            d.dueOn = due
            try await d.create(on: db)
            try await Audit.record("create", Dossier.schema, row: d.id, unit: commune.id, after: d.toDTO(), on: db)
            return d
        }
    }

    public static func setStatus(_ d: Dossier, _ input: DossierStatusInput, on db: any Database) async throws -> Dossier {
        var c = Checker()
        let status = DossierStatus(rawValue: (input.status ?? "").trimmingCharacters(in: .whitespaces))
        if status == nil { c.add("status", "error.proc.status") }
        let doneOn = (input.doneOn ?? "").isEmpty ? nil : c.day("doneOn", input.doneOn)
        if let x = doneOn, x < d.receivedOn || x > Day.today() { c.add("doneOn", "error.proc.doneOn") }
        try c.check()
        return try await db.auditedTransaction { db in
            let before = d.toDTO()
            d.status = status!
            if d.isFinished { d.doneOn = doneOn ?? d.doneOn ?? Day.today() } else { d.doneOn = nil }
            try await d.update(on: db)
            try await Audit.record("update", Dossier.schema, row: d.id, unit: d.communeID, before: before, after: d.toDTO(), on: db)
            return d
        }
    }

    public enum Filter: String, Sendable { case all, online, finished, onTime, late, overdue }

    public static func list(_ communeID: UUID, filter: Filter, on db: any Database) async throws -> [Dossier] {
        let all = try await Dossier.query(on: db).filter(\.$communeID == communeID).sort(\.$receivedOn, .descending).all()
        let today = Day.today()
        return all.filter { d in
            switch filter {
            case .all: return true
            case .online: return d.channel == .online
            case .finished: return d.isFinished
            case .onTime: return d.toDTO().onTime == true
            case .late: return d.toDTO().onTime == false
            case .overdue: return !d.isFinished && d.dueOn < today
            }
        }
    }

    public static func figures(_ communeID: UUID, on db: any Database) async throws -> DossierFiguresDTO {
        let all = try await Dossier.query(on: db).filter(\.$communeID == communeID).all()
        let today = Day.today()
        let online = all.filter { $0.channel == .online }.count
        let finished = all.filter(\.isFinished)
        let onTime = finished.filter { $0.toDTO().onTime == true }.count
        return DossierFiguresDTO(total: all.count, online: online, onlineShare: all.isEmpty ? nil : Double(online) / Double(all.count),
                                 finished: finished.count, onTime: onTime, onTimeShare: finished.isEmpty ? nil : Double(onTime) / Double(finished.count),
                                 overdue: all.filter { !$0.isFinished && $0.dueOn < today }.count)
    }

    /// "96,5%" in Vietnamese, "96.5%" in English.
    static func percent(_ share: Double?, _ lang: Lang) -> String {
        guard let share else { return "—" }
        let s = String(format: "%.1f", share * 100)
        return (lang == .vi ? s.replacingOccurrences(of: ".", with: ",") : s) + "%"
    }
}

struct DossiersRoutes {
    func addRoutes(signedIn: any RoutesBuilder, api: any RoutesBuilder) {
        signedIn.get(SiteURL.dossiers(.key).components, use: page).rule(.commune(.serveProcedures))
        signedIn.post(SiteURL.dossierNew(.key).components, use: create).rule(.commune(.serveProcedures))
        signedIn.post(SiteURL.dossierStatus(.key).components, use: status).rule(.dossier(.serveProcedures))
        api.get(APIURL.communeDossiers(.key).components, use: listAPI).rule(.commune(.serveProcedures))
        api.post(APIURL.communeDossiers(.key).components, use: createAPI).rule(.commune(.serveProcedures))
        api.get(APIURL.communeDossierFigures(.key).components, use: figuresAPI).rule(.commune(.serveProcedures))
        api.patch(APIURL.dossier(.key).components, use: statusAPI).rule(.dossier(.serveProcedures))
    }

    struct Row: Encodable { var reference: String; var procedure: String; var channel: String; var status: String; var statusKey: String; var received: String; var due: String; var done: String; var late: Bool; var statusURL: String }
    struct Figure: Encodable { var label: String; var value: String; var detail: String; var url: String }
    struct Page: Encodable {
        var layout: Layout
        var figures: [Figure]
        var rows: [Row]
        var filterName: String
        var allURL: String
        var procedures: [SelectOption]
        var channels: [SelectOption]
        var statuses: [SelectOption]
        var form: FormState
        var action: String
    }

    func render(_ req: Request, _ commune: AdminUnit, form: FormState = FormState(), status: HTTPResponseStatus = .ok) async throws -> Response {
        let filter = DossierActions.Filter(rawValue: req.queryValue("show") ?? "all") ?? .all
        let rows = try await DossierActions.list(commune.id!, filter: filter, on: req.db)
        let fig = try await DossierActions.figures(commune.id!, on: req.db)
        let catalog = try await CatalogActions.list(commune, on: req.db)
        let names = Dictionary(uniqueKeysWithValues: catalog.map { ($0.id!, $0.name) })
        let base = SiteURL.dossiers(.id(commune.id!)).path
        let lang = req.lang
        let title = req.lang.t("proc.dossiers")
        let view = try await req.view.render("procedures/dossiers", Page(
            layout: Layout(req, title: "\(title) · \(commune.name)", crumbs: try await ProcedureViews.crumbs(req, commune, Crumb(name: title, url: base))),
            figures: [
                Figure(label: lang.t("proc.onlineShare"), value: DossierActions.percent(fig.onlineShare, lang), detail: lang.t("proc.ofTotal", [lang.number(fig.online), lang.number(fig.total)]), url: base + "?show=online"),
                Figure(label: lang.t("proc.onTimeShare"), value: DossierActions.percent(fig.onTimeShare, lang), detail: lang.t("proc.ofTotal", [lang.number(fig.onTime), lang.number(fig.finished)]), url: base + "?show=onTime"),
                Figure(label: lang.t("proc.overdue"), value: lang.number(fig.overdue), detail: "", url: base + "?show=overdue"),
            ],
            rows: rows.map { d in
                let dto = d.toDTO()
                return Row(reference: d.reference, procedure: names[d.procedureID] ?? "", channel: lang.t("proc.channel.\(d.channel.rawValue)"),
                           status: lang.t("proc.dstatus.\(d.status.rawValue)"), statusKey: d.status.rawValue, received: Day.display(d.receivedOn),
                           due: Day.display(d.dueOn), done: Day.display(d.doneOn ?? ""), late: dto.onTime == false || (!d.isFinished && d.dueOn < Day.today()),
                           statusURL: SiteURL.dossierStatus(.id(d.id!)).path)
            },
            filterName: filter == .all ? "" : lang.t("proc.filter.\(filter.rawValue)"), allURL: base,
            procedures: catalog.map { SelectOption(value: $0.id!.uuidString, label: $0.name, selected: form.values["procedureId"] == $0.id!.uuidString) },
            channels: DossierChannel.allCases.map { SelectOption(value: $0.rawValue, label: lang.t("proc.channel.\($0.rawValue)"), selected: form.values["channel"] == $0.rawValue) },
            statuses: DossierStatus.allCases.map { SelectOption(value: $0.rawValue, label: lang.t("proc.dstatus.\($0.rawValue)"), selected: false) },
            form: form, action: SiteURL.dossierNew(.id(commune.id!)).path))
        return try await view.encodeResponse(status: status, for: req)
    }

    func page(req: Request) async throws -> Response { try await render(req, try req.scoped(ScopedCommune.self).unit) }

    func create(req: Request) async throws -> Response {
        let commune = try req.scoped(ScopedCommune.self).unit
        let f = (try? req.content.decode([String: String].self)) ?? [:]
        do {
            _ = try await DossierActions.create(in: commune, DossierInput(procedureId: f["procedureId"], channel: f["channel"], reference: f["reference"], receivedOn: f["receivedOn"]), on: req.db)
            return req.redirect(to: SiteURL.dossiers(.id(commune.id!)).path, redirectType: .normal)
        } catch let e as InvalidInput {
            return try await render(req, commune, form: FormState(values: f, issues: e.issues, lang: req.lang), status: e.status)
        }
    }

    func status(req: Request) async throws -> Response {
        let d = try req.scoped(Dossier.self)
        let f = (try? req.content.decode([String: String].self)) ?? [:]
        _ = try await DossierActions.setStatus(d, DossierStatusInput(status: f["status"], doneOn: f["doneOn"]), on: req.db)
        return req.redirect(to: SiteURL.dossiers(.id(d.communeID)).path, redirectType: .normal)
    }

    func listAPI(req: Request) async throws -> [DossierDTO] {
        let commune = try req.scoped(ScopedCommune.self).unit
        let raw = req.queryValue("show") ?? "all"
        guard let filter = DossierActions.Filter(rawValue: raw) else { throw InvalidInput("show", "error.proc.filter") }
        return try await DossierActions.list(commune.id!, filter: filter, on: req.db).map { $0.toDTO() }
    }

    func createAPI(req: Request) async throws -> Response {
        let commune = try req.scoped(ScopedCommune.self).unit
        return try await DossierActions.create(in: commune, try req.content.decode(DossierInput.self), on: req.db).toDTO().encodeResponse(status: .created, for: req)
    }

    func figuresAPI(req: Request) async throws -> DossierFiguresDTO {
        let commune = try req.scoped(ScopedCommune.self).unit
        return try await DossierActions.figures(commune.id!, on: req.db)
    }

    func statusAPI(req: Request) async throws -> DossierDTO {
        let d = try req.scoped(Dossier.self)
        return try await DossierActions.setStatus(d, try req.content.decode(DossierStatusInput.self), on: req.db).toDTO()
    }
}
