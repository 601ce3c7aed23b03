// The catalog: state changes (each audited, in one transaction) and the queries pages and API share.
import Fluent
import SQLKit
import Vapor

public enum CatalogActions {
    static let textMax = 4000

    static func check(_ input: ProcedureInput, existing p: Procedure?, into c: inout Checker) -> ProcedureInput {
        var out = ProcedureInput()
        out.name = c.text("name", input.name ?? p?.name, max: 200)
        out.nationalCode = c.text("nationalCode", input.nationalCode ?? p?.nationalCode, max: 30, required: false)
        out.summary = c.text("summary", input.summary ?? p?.summary, max: 300)
        out.steps = lines(&c, "steps", input.steps ?? p?.steps)
        out.dossier = lines(&c, "dossier", input.dossier ?? p?.dossier)
        out.timeLimit = c.text("timeLimit", input.timeLimit ?? p?.timeLimit, max: 300)
        out.fee = c.text("fee", input.fee ?? p?.fee, max: 300)
        out.legalBasis = c.text("legalBasis", (input.legalBasis ?? p?.legalBasis)?.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\r", with: ""), max: 1000, required: false)
        out.online = c.text("online", input.online ?? p?.online, max: 300, required: false)
        out.handledBy = c.text("handledBy", input.handledBy ?? p?.handledBy, max: 200, required: false)
        let url = c.text("onlineUrl", input.onlineUrl ?? p?.onlineURL, max: 300, required: false)
        if !url.isEmpty, !(url.hasPrefix("https://") || url.hasPrefix("http://")) || url.contains(" ") { c.add("onlineUrl", "error.proc.url") }
        out.onlineUrl = url
        let days = input.workingDays ?? p?.workingDays ?? 0
        if !(0...60).contains(days) { c.add("workingDays", "error.proc.workingDays") }
        out.workingDays = days
        return out
    }

    /// A list kept one item a line: each line checked as text, empty lines dropped.
    static func lines(_ c: inout Checker, _ field: String, _ value: String?) -> String {
        let items = Procedure.lines((value ?? "").replacingOccurrences(of: "\r", with: ""))
        if items.isEmpty { c.add(field, "error.required"); return "" }
        var probe = Checker()
        let joined = items.map { probe.text(field, $0, max: 500) }.joined(separator: "\n")
        if let first = probe.issues.first { c.add(first.field, first.key, first.args) }
        else if joined.count > textMax { c.add(field, "error.tooLong", [String(textMax)]) }
        return joined
    }

    static func apply(_ v: ProcedureInput, to p: Procedure) {
        p.name = v.name!; p.nationalCode = v.nationalCode!; p.summary = v.summary!; p.steps = v.steps!; p.dossier = v.dossier!
        p.timeLimit = v.timeLimit!; p.workingDays = v.workingDays!; p.fee = v.fee!; p.legalBasis = v.legalBasis!
        p.onlineURL = v.onlineUrl!; p.online = v.online!; p.handledBy = v.handledBy!
    }

    public static func create(in commune: AdminUnit, _ input: ProcedureInput, on db: any Database) async throws -> Procedure {
        try await db.auditedTransaction { db in
            var c = Checker()
            let key = c.text("key", input.key, max: 40)
            if !key.isEmpty, !(key.first!.isLetter && key.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }) { c.add("key", "error.proc.key") }
            let v = check(input, existing: nil, into: &c)
            try c.check()
            if try await Procedure.query(on: db).filter(\.$communeID == commune.id!).filter(\.$key == key).count() > 0 {
                throw InvalidInput("key", "error.proc.keyTaken", [key])
            }
            let p = Procedure()
            p.id = UUID.random()
            p.communeID = commune.id!
            p.key = key
            p.position = (try await Procedure.query(on: db).filter(\.$communeID == commune.id!).max(\.$position) ?? 0) + 1
            apply(v, to: p)
            try await p.create(on: db)
            try await Audit.record("create", Procedure.schema, row: p.id, unit: commune.id, after: p.toDTO(communeCode: commune.code), on: db)
            return p
        }
    }

    public static func update(_ p: Procedure, _ input: ProcedureInput, communeCode: String, on db: any Database) async throws -> Procedure {
        try await db.auditedTransaction { db in
            var c = Checker()
            let v = check(input, existing: p, into: &c)
            try c.check()
            let before = p.toDTO(communeCode: communeCode)
            apply(v, to: p)
            if p.hasChanges {
                try await p.update(on: db)
                try await Audit.record("update", Procedure.schema, row: p.id, unit: p.communeID, before: before, after: p.toDTO(communeCode: communeCode), on: db)
            }
            return p
        }
    }

    public static func list(_ commune: AdminUnit, on db: any Database) async throws -> [Procedure] {
        try await ProcedureCatalogSeed.ensure(communeID: commune.id!, on: db)
        return try await Procedure.query(on: db).filter(\.$communeID == commune.id!).sort(\.$position).all()
    }

    /// A procedure named in a body: must be in this commune's catalog, else "unknown procedure".
    static func named(_ raw: String?, in communeID: UUID, field: String = "procedureId", into c: inout Checker, on db: any Database) async throws -> Procedure? {
        let s = (raw ?? "").trimmingCharacters(in: .whitespaces)
        if s.isEmpty { c.add(field, "error.required"); return nil }
        if let id = UUID(uuidString: s), let p = try await Procedure.find(id, on: db), p.communeID == communeID { return p }
        c.add(field, "error.proc.unknownProcedure")
        return nil
    }
}
