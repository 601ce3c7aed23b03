// Writing the market: producers (officials register them and link producer accounts; a producer changes its own),
// products with their OCOP rating and certifications. Every input is checked by one function per record, used by
// the API and the pages, answering the field at fault; nothing is written when one is wrong.
import Fluent
import SQLKit
import Vapor

public enum MarketActions {
    /// A sales channel: an http(s) link with a host, at most 300 characters.
    static func isWebLink(_ s: String) -> Bool {
        guard s.count <= 300, !s.contains(where: { $0.isWhitespace }), let u = URL(string: s),
              let scheme = u.scheme?.lowercased(), scheme == "http" || scheme == "https", let host = u.host, !host.isEmpty else { return false }
        return true
    }

    struct ProducerFields: Sendable {
        var kind: ProducerKind
        var name: String
        var village: AdminUnit
        var householdID: UUID?
        var contactName: String?
        var phone: String?
        var publicPhone: Bool
        var makes: String
        var howToBuy: String?
        var channels: [String]
    }

    /// Checks a producer's fields. `current` is the producer being changed (its village stays unless an official
    /// moves it); a new producer needs a village where the caller may `manageMarket`.
    static func checkProducer(_ input: ProducerInput, current: Producer?, access: Access, on db: any Database) async throws -> ProducerFields {
        var c = Checker()
        let kindRaw = (input.kind ?? current?.kind.rawValue ?? "").trimmingCharacters(in: .whitespaces)
        let kind = ProducerKind(rawValue: kindRaw)
        if kind == nil { c.add("kind", kindRaw.isEmpty ? "error.required" : "error.market.kind") }
        let name = c.text("name", input.name ?? current?.name, max: 120)
        var village: AdminUnit? = nil
        let villageRaw = input.villageId ?? current?.villageID.uuidString ?? ""
        var allowed = false
        let found: AdminUnit? = try await UUID(uuidString: villageRaw.trimmingCharacters(in: .whitespaces)).asyncMap { try await AdminUnit.find($0, on: db) } ?? nil
        if let u = found, u.kind == .village {
            allowed = u.id == current?.villageID
            if !allowed { allowed = try await access.allows(.manageMarket, u, on: db) }
        }
        if allowed, let u = found {
            village = u
        } else {
            c.add("villageId", villageRaw.isEmpty ? "error.required" : "error.market.village")
        }
        var household: UUID? = current?.householdID
        if let raw = input.householdId?.trimmingCharacters(in: .whitespaces) {
            if raw.isEmpty { household = nil }
            else if let id = UUID(uuidString: raw), let h = try await Household.find(id, on: db), let v = village, h.communeID == v.parentID {
                household = h.id
            } else { c.add("householdId", "error.market.household") }
        }
        let contact = c.text("contactName", input.contactName ?? current?.contactName, max: 120, required: false)
        let phone = c.phone("phone", input.phone ?? current?.phone)
        let makes = c.text("makes", input.makes ?? current?.makes, max: 500, multiline: true)
        let how = c.text("howToBuy", input.howToBuy ?? current?.howToBuy, max: 1000, required: false, multiline: true)
        var channels: [String] = []
        let rawChannels = input.channels ?? current?.channelList ?? []
        if rawChannels.count > 10 { c.add("channels", "error.market.tooManyChannels", ["10"]) }
        for (i, raw) in rawChannels.prefix(10).enumerated() {
            let s = raw.trimmingCharacters(in: .whitespaces)
            if s.isEmpty { continue }
            if isWebLink(s) { channels.append(s) } else { c.add("channels", "error.market.link", line: i + 1) }
        }
        try c.check()
        return ProducerFields(kind: kind!, name: name, village: village!, householdID: household, contactName: contact.isEmpty ? nil : contact,
                              phone: phone, publicPhone: input.publicPhone ?? current?.publicPhone ?? false, makes: makes,
                              howToBuy: how.isEmpty ? nil : how, channels: channels)
    }

    static func apply(_ f: ProducerFields, to p: Producer) {
        p.kind = f.kind
        p.name = f.name
        p.villageID = f.village.id!
        p.communeID = f.village.parentID ?? f.village.id!
        p.householdID = f.householdID
        p.contactName = f.contactName
        p.phone = f.phone
        p.publicPhone = f.publicPhone
        p.makes = f.makes
        p.howToBuy = f.howToBuy
        p.channels = f.channels.joined(separator: "\n")
        p.searchKey = Fold.key([f.name, f.makes])
    }

    public static func createProducer(_ input: ProducerInput, access: Access, on db: any Database) async throws -> Producer {
        let f = try await checkProducer(input, current: nil, access: access, on: db)
        return try await db.auditedTransaction { db in
            let p = Producer()
            p.id = UUID.random()
            apply(f, to: p)
            try await p.create(on: db)
            try await Audit.record("create", Producer.schema, row: p.id, unit: p.villageID, after: ["name": p.name, "kind": p.kind.rawValue], on: db)
            return p
        }
    }

    public static func updateProducer(_ p: Producer, _ input: ProducerInput, access: Access, on db: any Database) async throws -> Producer {
        // Only an official moves a producer to another village (and only to one of theirs).
        if let v = input.villageId, v != p.villageID.uuidString, !(try await access.officiates(p, on: db)) {
            throw InvalidInput("villageId", "error.market.village")
        }
        let f = try await checkProducer(input, current: p, access: access, on: db)
        return try await db.auditedTransaction { db in
            apply(f, to: p)
            try await p.update(on: db)
            try await Audit.record("update", Producer.schema, row: p.id, unit: p.villageID, after: ["name": p.name], on: db)
            return p
        }
    }

    /// Links an account holding the producer role over the producer's village (an official's act).
    public static func link(_ p: Producer, _ input: ProducerAccountInput, access: Access, on db: any Database) async throws {
        guard try await access.officiates(p, on: db) else { throw Abort(.forbidden) }
        let name = (input.username ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        guard !name.isEmpty else { throw InvalidInput("username", "error.required") }
        guard let person = try await Person.query(on: db).filter(\.$username == name).first(),
              (try? await access.person(person.id!, .manageMarket, on: db)) != nil else {
            throw InvalidInput("username", "error.outreach.unknownPerson")
        }
        let grants = try await RoleGrant.query(on: db).filter(\.$personID == person.id!).filter(\.$role == .producer).all()
        var covers = false
        for g in grants where !covers {
            covers = try await Access(personID: person.id, tokenID: nil, displayName: "", grants: [Grant(role: .producer, unitID: g.unitID)])
                .allows(.sellProducts, unitID: p.villageID, on: db)
        }
        guard covers else { throw InvalidInput("username", "error.market.notProducer") }
        let pid = p.id!, me = person.id!
        try await db.auditedTransaction { db in
            let sql = db as! any SQLDatabase
            let exists = try await sql.select().column("person_id").from("producer_accounts")
                .where("producer_id", .equal, pid).where("person_id", .equal, me).first()
            if exists == nil {
                try await sql.insert(into: "producer_accounts").columns("producer_id", "person_id").values(SQLBind(pid), SQLBind(me)).run()
                try await Audit.record("link", Producer.schema, row: pid, unit: p.villageID, after: ["username": name], on: db)
            }
        }
    }

    /// Removes an account's link (an official's act).
    public static func unlink(_ p: Producer, username: String, access: Access, on db: any Database) async throws {
        guard try await access.officiates(p, on: db) else { throw Abort(.forbidden) }
        guard let person = try await Person.query(on: db).filter(\.$username == username.lowercased()).first() else { throw Abort(.notFound) }
        let pid = p.id!, me = person.id!
        try await db.auditedTransaction { db in
            try await (db as! any SQLDatabase).delete(from: "producer_accounts").where("producer_id", .equal, pid).where("person_id", .equal, me).run()
            try await Audit.record("unlink", Producer.schema, row: pid, unit: p.villageID, after: ["username": username], on: db)
        }
    }

    struct ProductFields: Sendable {
        var name: String
        var category: ProductCategory
        var details: String?
        var unit: String
        var priceMin: Int64?
        var priceMax: Int64?
        var stars: Int?
        var year: Int?
        var decision: String?
        var certifications: [(name: String, issuer: String?, number: String?, from: String, to: String?)]?
    }

    /// `keepMissing`: a field the input leaves out keeps its current value (the API's PATCH); a page's form sends every
    /// field, so there a missing price, rating or description clears it.
    static func checkProduct(_ input: ProductInput, current: Product?, today: String, keepMissing: Bool = true) throws -> ProductFields {
        let current = keepMissing ? current : nil
        var c = Checker()
        let name = c.text("name", input.name ?? current?.name, max: 120)
        let catRaw = (input.category ?? current?.category.rawValue ?? "").trimmingCharacters(in: .whitespaces)
        let category = ProductCategory(rawValue: catRaw)
        if category == nil { c.add("category", catRaw.isEmpty ? "error.required" : "error.market.category") }
        let details = c.text("description", input.description ?? current?.details, max: 2000, required: false, multiline: true)
        let unit = c.text("unit", input.unit ?? current?.unit, max: 40)
        let lo = input.priceMin ?? current?.priceMin, hi = input.priceMax ?? current?.priceMax
        for (field, v) in [("priceMin", lo), ("priceMax", hi)] {
            if let v, v < 0 { c.add(field, "error.moneyNegative") } else if let v, v > Money.maxDong { c.add(field, "error.moneyTooLarge") }
        }
        if let lo, let hi, lo >= 0, hi >= 0, hi < lo { c.add("priceMax", "error.market.priceRange") }
        let stars = input.ocopStars ?? current?.ocopStars
        var year = input.ocopYear ?? current?.ocopYear
        var decision: String? = c.text("ocopDecision", input.ocopDecision ?? current?.ocopDecision, max: 60, required: false)
        if let s = stars {
            if !(3...5).contains(s) { c.add("ocopStars", "error.market.stars") }
            let thisYear = Int(today.prefix(4)) ?? 2100
            if let y = year { if !(2018...thisYear).contains(y) { c.add("ocopYear", "error.market.ocopYear", [String(thisYear)]) } }
            else { c.add("ocopYear", "error.required") }
            if decision?.isEmpty ?? true { c.add("ocopDecision", "error.required") }
        } else {
            year = nil
            decision = nil
        }
        var certs: [(name: String, issuer: String?, number: String?, from: String, to: String?)]? = nil
        if let list = input.certifications {
            if list.count > 20 { c.add("certifications", "error.market.tooManyCertifications", ["20"]) }
            certs = []
            for (i, ci) in list.prefix(20).enumerated() {
                var cc = Checker()
                let n = cc.text("name", ci.name, max: 120)
                let issuer = cc.text("issuer", ci.issuer, max: 120, required: false)
                let number = cc.text("number", ci.number, max: 60, required: false)
                let from = cc.day("validFrom", ci.validFrom, required: true)
                let to = cc.day("validTo", ci.validTo)
                if let f = from, let t = to, t < f { cc.add("validTo", "error.market.validToBeforeFrom") }
                for issue in cc.issues { c.add("certifications.\(issue.field)", issue.key, issue.args, line: i + 1) }
                if cc.issues.isEmpty { certs!.append((n, issuer.isEmpty ? nil : issuer, number.isEmpty ? nil : number, from!, to)) }
            }
        }
        try c.check()
        return ProductFields(name: name, category: category!, details: details.isEmpty ? nil : details, unit: unit, priceMin: lo, priceMax: hi,
                             stars: stars, year: year, decision: (decision?.isEmpty ?? true) ? nil : decision, certifications: certs)
    }

    static func apply(_ f: ProductFields, to p: Product, producer: Producer) {
        p.name = f.name
        p.category = f.category
        p.details = f.details
        p.unit = f.unit
        p.priceMin = f.priceMin
        p.priceMax = f.priceMax
        p.ocopStars = f.stars
        p.ocopYear = f.year
        p.ocopDecision = f.decision
        p.searchKey = Fold.key([f.name, producer.name, f.details])
    }

    static func replaceCertifications(_ f: ProductFields, product: UUID, on db: any Database) async throws {
        guard let certs = f.certifications else { return }
        try await Certification.query(on: db).filter(\.$productID == product).delete()
        for ci in certs {
            let c = Certification()
            c.id = UUID.random()
            c.productID = product
            c.name = ci.name
            c.issuer = ci.issuer
            c.number = ci.number
            c.validFrom = ci.from
            c.validTo = ci.to
            try await c.create(on: db)
        }
    }

    public static func createProduct(for producer: Producer, _ input: ProductInput, today: String, on db: any Database) async throws -> Product {
        let f = try checkProduct(input, current: nil, today: today)
        return try await db.auditedTransaction { db in
            let p = Product()
            p.id = UUID.random()
            p.producerID = producer.id!
            apply(f, to: p, producer: producer)
            try await p.create(on: db)
            try await replaceCertifications(f, product: p.id!, on: db)
            try await Audit.record("create", Product.schema, row: p.id, unit: producer.villageID, after: ["name": p.name], on: db)
            return p
        }
    }

    public static func updateProduct(_ p: Product, producer: Producer, _ input: ProductInput, today: String, keepMissing: Bool = true,
                                     on db: any Database) async throws -> Product {
        let f = try checkProduct(input, current: p, today: today, keepMissing: keepMissing)
        return try await db.auditedTransaction { db in
            apply(f, to: p, producer: producer)
            try await p.update(on: db)
            try await replaceCertifications(f, product: p.id!, on: db)
            try await Audit.record("update", Product.schema, row: p.id, unit: producer.villageID, after: ["name": p.name], on: db)
            return p
        }
    }
}

public enum MarketQueries {
    public static func linkedProducerIDs(_ person: UUID, on db: any Database) async throws -> [UUID] {
        try await (db as! any SQLDatabase).select().column("producer_id").from("producer_accounts").where("person_id", .equal, person)
            .all().map { try $0.decode(column: "producer_id", as: UUID.self) }
    }

    /// The producers the caller manages: those of its units for `manageMarket`, and those its account is linked to.
    public static func producers(_ access: Access, query: String?, on db: any Database) async throws -> [Producer] {
        let q = Producer.query(on: db)
        if let roots = access.roots(.manageMarket) {
            var mine: [UUID] = []
            if let me = access.personID, access.has(.sellProducts) { mine = try await linkedProducerIDs(me, on: db) }
            if roots.isEmpty && mine.isEmpty { return [] }
            q.group(.or) { or in
                if !roots.isEmpty { or.filter(.sql(UnitClosure.below(Producer.schema, "village_id", roots))) }
                if !mine.isEmpty { or.filter(\.$id ~~ mine) }
            }
            // A linked account keeps its producers only while its producer role covers their village.
            if roots.isEmpty {
                let all = try await q.sort(\.$name).all()
                var kept: [Producer] = []
                for p in all where try await access.managesOwn(p, on: db) { kept.append(p) }
                let key = Fold.key(query ?? "")
                return kept.filter { p in key.isEmpty || p.searchKey.contains(key) }
            }
        }
        if let query, !query.trimmingCharacters(in: .whitespaces).isEmpty { q.filter(Fold.matches(Producer.schema, query)) }
        return try await q.sort(\.$name).limit(1000).all()
    }

    public static func producerDTOs(_ list: [Producer], on db: any Database) async throws -> [ProducerDTO] {
        guard !list.isEmpty else { return [] }
        let villages = try await AdminUnit.query(on: db).filter(\.$id ~~ Set(list.map(\.villageID))).all()
        var vname: [UUID: String] = [:]
        for v in villages { vname[v.id!] = v.name }
        var accounts: [UUID: [String]] = [:]
        for r in try await (db as! any SQLDatabase).select().column(SQLColumn("producer_id", table: "producer_accounts")).column(SQLColumn("username", table: "people"))
            .from("producer_accounts").join("people", on: SQLColumn("person_id", table: "producer_accounts"), .equal, SQLColumn("id", table: "people"))
            .where(SQLColumn("producer_id", table: "producer_accounts"), .in, SQLBind.group(list.map { $0.id! })).all() {
            accounts[try r.decode(column: "producer_id", as: UUID.self), default: []].append(try r.decode(column: "username", as: String.self))
        }
        return list.map { p in
            ProducerDTO(id: p.id!, kind: p.kind, name: p.name, communeId: p.communeID, villageId: p.villageID, villageName: vname[p.villageID] ?? "",
                        householdId: p.householdID, contactName: p.contactName, phone: p.phone, publicPhone: p.publicPhone, makes: p.makes,
                        howToBuy: p.howToBuy, channels: p.channelList, accounts: (accounts[p.id!] ?? []).sorted())
        }
    }

    public static func productDTOs(_ list: [Product], today: String, on db: any Database) async throws -> [ProductDTO] {
        guard !list.isEmpty else { return [] }
        let certs = try await Certification.query(on: db).filter(\.$productID ~~ list.map { $0.id! }).sort(\.$validFrom).all()
        var byProduct: [UUID: [CertificationDTO]] = [:]
        for c in certs {
            byProduct[c.productID, default: []].append(CertificationDTO(name: c.name, issuer: c.issuer, number: c.number, validFrom: c.validFrom,
                                                                       validTo: c.validTo, expired: c.validTo.map { $0 < today } ?? false))
        }
        return list.map { p in
            ProductDTO(id: p.id!, producerId: p.producerID, name: p.name, category: p.category, description: p.details, unit: p.unit,
                       priceMin: p.priceMin, priceMax: p.priceMax,
                       ocop: p.ocopStars.map { OcopDTO(stars: $0, year: p.ocopYear ?? 0, decision: p.ocopDecision ?? "") },
                       certifications: byProduct[p.id!] ?? [])
        }
    }
}
