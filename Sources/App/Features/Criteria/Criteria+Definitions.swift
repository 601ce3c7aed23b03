// Defining criteria on pages, and sets that include other sets. A set may include the criteria of other sets (a
// province's set that includes the smart-village set SV): `criteria_set_includes` (migration 0025), followed
// transitively when a unit is evaluated (`CriteriaViews.allCriteria`). An include that would make a set reach itself
// is refused with the field `includes` and the cycle named. The forms (a new set, a set's page with its criteria and
// includes, a criterion added or changed) call the same checks as the JSON API (CriteriaActions.check): a bad
// definition re-shows the form with the message under the field and writes nothing.
import Fluent
import SQLKit
import Vapor

/// A set includes the criteria of another set (evaluated with its own), in `position` order.
public final class CriteriaSetInclude: Model, @unchecked Sendable {
    public static let schema = "criteria_set_includes"

    @ID(key: .id) public var id: UUID?
    @Field(key: "set_id") public var setID: UUID
    @Field(key: "included_set_id") public var includedSetID: UUID
    @Field(key: "position") public var position: Int

    public init() {}
}

public struct CriteriaSetIncludesInput: Content, Sendable {
    /// Ids of the sets included, in order (replaces what the set included).
    public var includes: [String]?
    public init(includes: [String]? = nil) { self.includes = includes }
}

public struct CriteriaSetIncludesDTO: Content, Sendable {
    public var setId: UUID
    public var includes: [CriteriaSetRefDTO]
}

public struct CriteriaSetRefDTO: Content, Sendable, Equatable {
    public var id: UUID
    public var code: String
    public var name: String
}

extension CriteriaViews {
    /// The sets `set` includes, directly.
    static func includes(of set: UUID, on db: any Database) async throws -> [UUID] {
        try await CriteriaSetInclude.query(on: db).filter(\.$setID == set).sort(\.$position).all().map(\.includedSetID)
    }

    /// The set's own criteria, then those of the sets it includes (depth first, each set once).
    static func allCriteria(of set: CriteriaSet, on db: any Database) async throws -> [Criterion] {
        var seen: Set<UUID> = [set.id!]
        var out = try await criteria(of: set, on: db)
        var queue = try await includes(of: set.id!, on: db)
        while !queue.isEmpty {
            let id = queue.removeFirst()
            guard seen.insert(id).inserted, let s = try await CriteriaSet.find(id, on: db) else { continue }
            out += try await criteria(of: s, on: db)
            queue = try await includes(of: id, on: db) + queue
        }
        return out
    }

    static func includesDTO(_ set: CriteriaSet, on db: any Database) async throws -> CriteriaSetIncludesDTO {
        var refs: [CriteriaSetRefDTO] = []
        for id in try await includes(of: set.id!, on: db) {
            if let s = try await CriteriaSet.find(id, on: db) { refs.append(CriteriaSetRefDTO(id: id, code: s.code, name: s.name)) }
        }
        return CriteriaSetIncludesDTO(setId: set.id!, includes: refs)
    }
}

extension CriteriaActions {
    /// A path from `from` to `target` through includes (as they would be with `set` including `proposed`), if any.
    static func path(from: UUID, to target: UUID, set: UUID, proposed: [UUID], on db: any Database) async throws -> [UUID]? {
        var seen: Set<UUID> = []
        func walk(_ id: UUID, _ trail: [UUID]) async throws -> [UUID]? {
            if id == target { return trail + [id] }
            guard seen.insert(id).inserted else { return nil }
            let next = id == set ? proposed : try await CriteriaViews.includes(of: id, on: db)
            for n in next { if let p = try await walk(n, trail + [id]) { return p } }
            return nil
        }
        return try await walk(from, [])
    }

    /// Replaces what `set` includes: sets the caller reads, not itself, without a cycle (field `includes`).
    public static func setIncludes(_ set: CriteriaSet, _ input: CriteriaSetIncludesInput, access: Access, on db: any Database) async throws -> CriteriaSet {
        var c = Checker()
        var ids: [UUID] = []
        var codes: [UUID: String] = [set.id!: set.code]
        for raw in (input.includes ?? []).map({ $0.trimmingCharacters(in: .whitespaces) }) where !raw.isEmpty {
            guard let id = UUID(uuidString: raw), let s = try? await access.criteriaSet(id, .readCriteria, on: db) else {
                c.add("includes", "error.criteria.unknownSet"); continue
            }
            codes[id] = s.code
            if !ids.contains(id) { ids.append(id) }
        }
        if ids.count > 20 { c.add("includes", "error.criteria.tooManyIncludes") }
        if c.issues.isEmpty {
            for id in ids {
                if let p = try await path(from: id, to: set.id!, set: set.id!, proposed: ids, on: db) {
                    var names: [String] = [set.code]
                    for step in p {
                        if codes[step] == nil { codes[step] = try await CriteriaSet.find(step, on: db)?.code ?? "?" }
                        names.append(codes[step]!)
                    }
                    c.add("includes", "error.criteria.cycle", [names.joined(separator: " → ")])
                    break
                }
            }
        }
        try c.check()
        let chosen = ids, names = ids.map { codes[$0] ?? $0.uuidString }.joined(separator: ", ")
        return try await db.auditedTransaction { db in
            try await CriteriaSetInclude.query(on: db).filter(\.$setID == set.id!).delete()
            for (i, id) in chosen.enumerated() {
                let inc = CriteriaSetInclude()
                inc.setID = set.id!; inc.includedSetID = id; inc.position = (i + 1) * 10
                try await inc.create(on: db)
            }
            try await Audit.record("update", CriteriaSet.schema, row: set.id, unit: set.ownerUnitID,
                                   after: ["includes": names], on: db)
            return set
        }
    }
}

struct CriteriaDefinitionsAPI {
    func add(_ api: any RoutesBuilder) {
        let includes = APIURL.criteriaSet(.key).components + ["includes"]
        api.get(includes, use: get).rule(.criteriaSet(.readCriteria))
        api.put(includes, use: put).rule(.criteriaSet(.manageCriteria))
    }

    func get(req: Request) async throws -> CriteriaSetIncludesDTO {
        try await CriteriaViews.includesDTO(try req.scoped(CriteriaSet.self), on: req.db)
    }

    func put(req: Request) async throws -> CriteriaSetIncludesDTO {
        let s = try await CriteriaActions.setIncludes(try req.scoped(CriteriaSet.self), try req.content.decode(CriteriaSetIncludesInput.self),
                                                      access: req.access, on: req.db)
        return try await CriteriaViews.includesDTO(s, on: req.db)
    }
}

// MARK: pages

struct CriteriaDefinitionsWeb {
    static let setsNew = SiteURL.criteria.components + ["sets", "new"]
    static let sets = SiteURL.criteria.components + ["sets"]
    static let set = SiteURL.criteria.components + ["sets", ":id"]
    static func setPath(_ id: UUID) -> String { SiteURL.criteria.path + "/sets/" + id.uuidString.lowercased() }
    static func criterionPath(_ id: UUID) -> String { SiteURL.criteria.path + "/criterion/" + id.uuidString.lowercased() }

    func add(_ web: any RoutesBuilder) {
        web.get(Self.setsNew, use: newSet).rule(.action(.manageCriteria))
        web.post(Self.sets, use: createSet).rule(.action(.manageCriteria))
        web.get(Self.set, use: setPage).rule(.criteriaSet(.readCriteria))
        web.post(Self.set + ["criteria"], use: createCriterion).rule(.criteriaSet(.manageCriteria))
        web.post(Self.set + ["includes"], use: saveIncludes).rule(.criteriaSet(.manageCriteria))
        web.get(SiteURL.criteria.components + ["criterion", ":id"], use: editCriterion).rule(.criterion(.manageCriteria))
        web.post(SiteURL.criteria.components + ["criterion", ":id"], use: updateCriterion).rule(.criterion(.manageCriteria))
    }

    // new set

    struct NewSetPage: Encodable { var layout: Layout; var form: FormState; var owners: [SelectOption]; var sources: [SelectOption]; var action: String }

    func renderNewSet(_ req: Request, _ form: FormState) async throws -> View {
        let lang = req.lang
        let q = AdminUnit.query(on: req.db).filter(\.$validTo > req.today).filter(\.$kind != .group)
        if let roots = req.access.roots(.manageCriteria) { q.filter(.sql(UnitClosure.below(AdminUnit.schema, "id", roots))) }
        else { q.group(.or) { $0.filter(\.$kind == .province).filter(\.$kind == .commune) } }
        let units = try await q.sort(\.$kind).sort(\.$code).limit(500).all()
        var owners: [SelectOption] = []
        if req.access.roots(.manageCriteria) == nil {
            owners.append(SelectOption(value: "", label: lang.t("criteria.shipped"), selected: (form.values["ownerUnitId"] ?? "").isEmpty))
        }
        owners += units.map { SelectOption(value: $0.id!.uuidString, label: "\($0.name) (\(lang.t("criteria.kind.\($0.kind.rawValue)")))",
                                           selected: form.values["ownerUnitId"] == $0.id!.uuidString) }
        var sources = [SelectOption(value: "", label: lang.t("criteria.def.noCopy"), selected: (form.values["copyFrom"] ?? "").isEmpty)]
        for s in try await CriteriaAPI.visibleSets(req) {
            sources.append(SelectOption(value: s.id!.uuidString, label: "\(s.code) · \(s.name)", selected: form.values["copyFrom"] == s.id!.uuidString))
        }
        let title = lang.t("criteria.def.newSet")
        return try await req.view.render("criteria/set-new", NewSetPage(
            layout: Layout(req, title: title, crumbs: [Crumb(name: lang.t("nav.criteria"), url: SiteURL.criteria.path), Crumb(name: title, url: SiteURL.criteria.path + "/sets/new")]),
            form: form, owners: owners, sources: sources, action: SiteURL.criteria.path + "/sets"))
    }

    func newSet(req: Request) async throws -> View {
        guard req.access.has(.manageCriteria) else { throw Abort(.forbidden) }
        return try await renderNewSet(req, FormState())
    }

    func createSet(req: Request) async throws -> Response {
        guard req.access.has(.manageCriteria) else { throw Abort(.forbidden) }
        let input = (try? req.content.decode(CriteriaSetInput.self)) ?? CriteriaSetInput()
        do {
            let s = try await CriteriaActions.createSet(input, access: req.access, on: req.db)
            return req.redirect(to: Self.setPath(s.id!), redirectType: .normal)
        } catch let e as InvalidInput {
            let form = FormState(values: ["ownerUnitId": input.ownerUnitId ?? "", "code": input.code ?? "", "name": input.name ?? "",
                                          "description": input.description ?? "", "copyFrom": input.copyFrom ?? ""], issues: e.issues, lang: req.lang)
            return try await renderNewSet(req, form).encodeResponse(status: e.status, for: req)
        }
    }

    // a set's page

    struct CriterionRow: Encodable {
        var code: String; var name: String; var measure: String; var threshold: String; var unitKind: String; var mandatory: Bool
        var group: String; var from: String?; var editURL: String?
    }
    struct CriterionForm: Encodable {
        var form: FormState
        var measures: [SelectOption]; var kinds: [SelectOption]; var unitKinds: [SelectOption]; var pillars: [SelectOption]
        var mandatory: Bool
        var action: String
        var submit: String
    }
    struct SetPage: Encodable {
        var layout: Layout
        var name: String
        var owner: String
        var description: String
        var rows: [CriterionRow]
        var includes: [String]
        var canManage: Bool
        var includeForm: FormState
        var includeOptions: [SelectOption]
        var includeAction: String
        var criterion: CriterionForm?
    }

    static func criterionForm(_ req: Request, _ form: FormState, action: String, submit: String) -> CriterionForm {
        let lang = req.lang
        let v = form.values
        var measures = [SelectOption(value: "", label: lang.t("criteria.def.manualMeasure"), selected: (v["measureKey"] ?? "").isEmpty)]
        measures += Measures.all.map { SelectOption(value: $0.key, label: "\($0.name(lang)) (\($0.key))", selected: v["measureKey"] == $0.key) }
        let kinds = ThresholdKind.allCases.map { SelectOption(value: $0.rawValue, label: lang.t("criteria.def.kind.\($0.rawValue)"), selected: v["thresholdKind"] == $0.rawValue) }
        let unitKinds = [UnitKind.village, .commune, .district, .province].map {
            SelectOption(value: $0.rawValue, label: lang.t("criteria.kind.\($0.rawValue)"), selected: (v["unitKind"] ?? "village") == $0.rawValue)
        }
        var pillars = [SelectOption(value: "", label: "—", selected: (v["pillar"] ?? "").isEmpty)]
        pillars += Pillar.allCases.map { SelectOption(value: $0.rawValue, label: lang.t("criteria.pillar.\($0.rawValue)"), selected: v["pillar"] == $0.rawValue) }
        return CriterionForm(form: form, measures: measures, kinds: kinds, unitKinds: unitKinds, pillars: pillars,
                             mandatory: (v["mandatory"] ?? "on") == "on", action: action, submit: submit)
    }

    func renderSet(_ req: Request, _ set: CriteriaSet, criterion: FormState? = nil, include: FormState? = nil) async throws -> View {
        let lang = req.lang
        let canManage = try await req.access.reaches(set, .manageCriteria, on: req.db)
        let owner = try await set.ownerUnitID.asyncMap { try await AdminUnit.find($0, on: req.db) } ?? nil
        var rows: [CriterionRow] = []
        for c in try await CriteriaViews.allCriteria(of: set, on: req.db) {
            let own = c.setID == set.id
            let from = own ? nil : try await CriteriaSet.find(c.setID, on: req.db)?.code
            rows.append(CriterionRow(code: c.code, name: lang == .en ? (c.nameEn ?? c.name) : c.name,
                                     measure: c.measureKey.flatMap { Measures.byKey[$0]?.name(lang) } ?? lang.t("criteria.manual"),
                                     threshold: CriteriaWeb.threshold(CriteriaViews.dto(c), lang), unitKind: lang.t("criteria.kind.\(c.unitKind.rawValue)"),
                                     mandatory: c.mandatory, group: [c.pillar.map { lang.t("criteria.pillar.\($0.rawValue)") }, c.groupName].compactMap { $0 }.joined(separator: " · "),
                                     from: from, editURL: own && canManage ? Self.criterionPath(c.id!) : nil))
        }
        let included = try await CriteriaViews.includes(of: set.id!, on: req.db)
        var includeNames: [String] = []
        var options: [SelectOption] = []
        let chosen = include.map { Set(($0.values["includes"] ?? "").split(separator: ",").map(String.init)) } ?? Set(included.map(\.uuidString))
        for s in try await CriteriaAPI.visibleSets(req) where s.id != set.id {
            if included.contains(s.id!) { includeNames.append("\(s.code) · \(s.name)") }
            options.append(SelectOption(value: s.id!.uuidString, label: "\(s.code) · \(s.name)", selected: chosen.contains(s.id!.uuidString)))
        }
        let path = Self.setPath(set.id!)
        let title = "\(set.code) · \(set.name)"
        return try await req.view.render("criteria/set", SetPage(
            layout: Layout(req, title: title, crumbs: [Crumb(name: lang.t("nav.criteria"), url: SiteURL.criteria.path), Crumb(name: set.code, url: path)]),
            name: title, owner: owner?.name ?? lang.t("criteria.shipped"), description: set.description ?? "", rows: rows, includes: includeNames,
            canManage: canManage, includeForm: include ?? FormState(), includeOptions: options, includeAction: path + "/includes",
            criterion: canManage ? Self.criterionForm(req, criterion ?? FormState(), action: path + "/criteria", submit: lang.t("criteria.def.addCriterion")) : nil))
    }

    func setPage(req: Request) async throws -> View {
        try await renderSet(req, try req.scoped(CriteriaSet.self))
    }

    /// What a criterion form posts: every field as text (a number is checked here, the rest by CriteriaActions.check).
    struct CriterionFormInput: Content {
        var code: String?; var name: String?; var nameEn: String?; var measureKey: String?; var thresholdKind: String?
        var thresholdValue: String?; var unitKind: String?; var mandatory: String?; var groupName: String?; var pillar: String?
        var position: String?

        var values: [String: String] {
            ["code": code ?? "", "name": name ?? "", "nameEn": nameEn ?? "", "measureKey": measureKey ?? "", "thresholdKind": thresholdKind ?? "",
             "thresholdValue": thresholdValue ?? "", "unitKind": unitKind ?? "", "mandatory": mandatory == nil ? "off" : "on",
             "groupName": groupName ?? "", "pillar": pillar ?? "", "position": position ?? ""]
        }

        /// The API's input; a number that is not one is the field at fault.
        func input() throws -> CriterionInput {
            var c = Checker()
            func number(_ field: String, _ raw: String?) -> Double? {
                let t = (raw ?? "").trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ",", with: ".")
                guard !t.isEmpty else { return nil }
                guard t.count <= 20, let v = Double(t), v.isFinite else { c.add(field, "error.criteria.number"); return nil }
                return v
            }
            let value = number("thresholdValue", thresholdValue)
            let position = number("position", position)
            if let p = position, p != p.rounded() { c.add("position", "error.criteria.position") }
            try c.check()
            return CriterionInput(code: code, name: name, nameEn: nameEn ?? "", measureKey: measureKey ?? "", thresholdKind: thresholdKind,
                                  thresholdValue: value, unitKind: unitKind, mandatory: mandatory != nil, groupName: groupName ?? "",
                                  pillar: pillar ?? "", position: position.flatMap { abs($0) <= 1e9 ? Int($0) : -1 })
        }
    }

    func createCriterion(req: Request) async throws -> Response {
        let set = try req.scoped(CriteriaSet.self)
        let raw = (try? req.content.decode(CriterionFormInput.self)) ?? CriterionFormInput()
        do {
            _ = try await CriteriaActions.createCriterion(in: set, try raw.input(), on: req.db)
            return req.redirect(to: Self.setPath(set.id!), redirectType: .normal)
        } catch let e as InvalidInput {
            return try await renderSet(req, set, criterion: FormState(values: raw.values, issues: e.issues, lang: req.lang)).encodeResponse(status: e.status, for: req)
        }
    }

    func saveIncludes(req: Request) async throws -> Response {
        let set = try req.scoped(CriteriaSet.self)
        struct Form: Content { var includes: [String]? }
        let ids = (try? req.content.decode(Form.self))?.includes ?? []
        do {
            _ = try await CriteriaActions.setIncludes(set, CriteriaSetIncludesInput(includes: ids), access: req.access, on: req.db)
            return req.redirect(to: Self.setPath(set.id!), redirectType: .normal)
        } catch let e as InvalidInput {
            return try await renderSet(req, set, include: FormState(values: ["includes": ids.joined(separator: ",")], issues: e.issues, lang: req.lang))
                .encodeResponse(status: e.status, for: req)
        }
    }

    // a criterion changed

    struct EditPage: Encodable { var layout: Layout; var setName: String; var setURL: String; var criterion: CriterionForm }

    func renderEdit(_ req: Request, _ c: Criterion, _ set: CriteriaSet, _ form: FormState) async throws -> View {
        let lang = req.lang
        let title = lang.t("criteria.def.editCriterion", [c.code])
        return try await req.view.render("criteria/criterion-edit", EditPage(
            layout: Layout(req, title: title, crumbs: [Crumb(name: lang.t("nav.criteria"), url: SiteURL.criteria.path),
                                                       Crumb(name: set.code, url: Self.setPath(set.id!)), Crumb(name: c.code, url: Self.criterionPath(c.id!))]),
            setName: "\(set.code) · \(set.name)", setURL: Self.setPath(set.id!),
            criterion: Self.criterionForm(req, form, action: Self.criterionPath(c.id!), submit: lang.t("criteria.def.save"))))
    }

    func editCriterion(req: Request) async throws -> View {
        let c = try req.scoped(Criterion.self)
        let values: [String: String] = [
            "code": c.code, "name": c.name, "nameEn": c.nameEn ?? "", "measureKey": c.measureKey ?? "", "thresholdKind": c.thresholdKind.rawValue,
            "thresholdValue": c.thresholdValue.map { $0 == $0.rounded() ? String(Int($0)) : String($0) } ?? "", "unitKind": c.unitKind.rawValue,
            "mandatory": c.mandatory ? "on" : "off", "groupName": c.groupName ?? "", "pillar": c.pillar?.rawValue ?? "", "position": String(c.position),
        ]
        return try await renderEdit(req, c, try req.scoped(CriteriaSet.self), FormState(values: values))
    }

    func updateCriterion(req: Request) async throws -> Response {
        let c = try req.scoped(Criterion.self), set = try req.scoped(CriteriaSet.self)
        let raw = (try? req.content.decode(CriterionFormInput.self)) ?? CriterionFormInput()
        do {
            _ = try await CriteriaActions.updateCriterion(c, in: set, try raw.input(), on: req.db)
            return req.redirect(to: Self.setPath(set.id!), redirectType: .normal)
        } catch let e as InvalidInput {
            return try await renderEdit(req, c, set, FormState(values: raw.values, issues: e.issues, lang: req.lang)).encodeResponse(status: e.status, for: req)
        }
    }
}
