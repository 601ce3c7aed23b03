// Market's management pages (docs/market.md): the producers one manages, a producer with its products, a product
// with its certifications and batches, a batch with its dated steps, and the forms to register and change each, and
// to recall a batch. Officials with `manageMarket` see their units' producers; a producer account sees only the
// producers it is linked to (Market+Scope.swift). The pages call the same checks and actions as the JSON API; bad
// input re-shows the form with the message under the field at fault and writes nothing.
import Fluent
import SQLKit
import Vapor

struct MarketPagesWeb {
    func add(signedIn web: any RoutesBuilder) {
        web.get(SiteURL.producers.components, use: list).rule(.list(.manageMarket))
        web.get(SiteURL.producerNew.components, use: newProducer).rule(.action(.manageMarket))
        web.post(SiteURL.producerNew.components, use: createProducer).rule(.action(.manageMarket))
        web.get(SiteURL.producerPage(.key).components, use: producer).rule(.producer(.manageMarket))
        web.get(SiteURL.producerEdit(.key).components, use: editProducer).rule(.producer(.manageMarket))
        web.post(SiteURL.producerEdit(.key).components, use: saveProducer).rule(.producer(.manageMarket))
        web.get(SiteURL.productNew(.key).components, use: newProduct).rule(.producer(.manageMarket))
        web.post(SiteURL.productNew(.key).components, use: createProduct).rule(.producer(.manageMarket))
        web.get(SiteURL.productPage(.key).components, use: product).rule(.product(.manageMarket))
        web.get(SiteURL.productEdit(.key).components, use: editProduct).rule(.product(.manageMarket))
        web.post(SiteURL.productEdit(.key).components, use: saveProduct).rule(.product(.manageMarket))
        web.get(SiteURL.batchNew(.key).components, use: newBatch).rule(.product(.manageMarket))
        web.post(SiteURL.batchNew(.key).components, use: createBatch).rule(.product(.manageMarket))
        web.get(SiteURL.batchPage(.key).components, use: batch).rule(.batch(.manageMarket))
        web.get(SiteURL.batchEdit(.key).components, use: editBatch).rule(.batch(.manageMarket))
        web.post(SiteURL.batchEdit(.key).components, use: saveBatch).rule(.batch(.manageMarket))
        web.post(SiteURL.batchRecallForm(.key).components, use: recall).rule(.batch(.manageMarket))
    }

    static func form(_ req: Request) -> [String: String] { (try? req.content.decode([String: String].self)) ?? [:] }

    /// Field errors by name; an issue with a line (a certification, a step, a channel) is also kept as "field.line".
    static func errors(_ issues: [FieldIssue], _ lang: Lang) -> [String: String] {
        var e: [String: String] = [:]
        for i in issues {
            if let l = i.line, e["\(i.field).\(l)"] == nil { e["\(i.field).\(l)"] = i.message(lang) }
            if e[i.field] == nil { e[i.field] = i.line.map { lang.t("market.form.line", [String($0)]) + " " + i.message(lang) } ?? i.message(lang) }
        }
        return e
    }

    static func crumbs(_ req: Request, producer p: Producer? = nil, product pr: Product? = nil) -> [Crumb] {
        var c = [Crumb(name: req.lang.t("market.producers.title"), url: SiteURL.producers.path)]
        if let p { c.append(Crumb(name: p.name, url: SiteURL.producerPage(.id(p.id!)).path)) }
        if let pr { c.append(Crumb(name: pr.name, url: SiteURL.productPage(.id(pr.id!)).path)) }
        return c
    }

    static func kindOptions(_ req: Request, _ selected: String) -> [SelectOption] {
        ProducerKind.allCases.map { SelectOption(value: $0.rawValue, label: req.lang.t("market.kind.\($0.rawValue)"), selected: $0.rawValue == selected) }
    }

    static func categoryOptions(_ req: Request, _ selected: String) -> [SelectOption] {
        ProductCategory.allCases.map { SelectOption(value: $0.rawValue, label: req.lang.t("market.category.\($0.rawValue)"), selected: $0.rawValue == selected) }
    }

    // MARK: the producers

    struct ProducerRow: Encodable { var name: String; var url: String; var kind: String; var village: String; var makes: String; var products: Int }
    struct ListPage: Encodable {
        var layout: Layout
        var rows: [ProducerRow]
        var pager: Pager
        var q: String
        var newURL: String?
        var markets: [Crumb]
        var sellsOnline: [Crumb]
    }

    func list(req: Request) async throws -> View {
        let q = req.queryValue("q") ?? ""
        let all = try await MarketQueries.producers(req.access, query: q, on: req.db)
        let page = PageRequest(req, defaultPer: req.config.pageSize)
        let shown = Array(all.dropFirst(page.offset).prefix(page.per))
        var counts: [UUID: Int] = [:]
        if !shown.isEmpty {
            for r in try await (req.db as! any SQLDatabase).select().column("producer_id").column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
                .from(Product.schema).where("producer_id", .in, SQLBind.group(shown.map { $0.id! })).groupBy("producer_id").all() {
                counts[try r.decode(column: "producer_id", as: UUID.self)] = try r.decode(column: "n", as: Int.self)
            }
        }
        let dtos = try await MarketQueries.producerDTOs(shown, on: req.db)
        // The public market pages of the villages shown, and (for those who visit households) the "sells online" check.
        var villages: [UUID: String] = [:]
        for d in dtos { villages[d.villageId] = d.villageName }
        var checks: [Crumb] = []
        if req.access.has(.visitHouseholds), let roots = req.access.roots(.visitHouseholds) {
            for u in try await AdminUnit.query(on: req.db).filter(\.$id ~~ roots).sort(\.$name).limit(20).all() {
                checks.append(Crumb(name: u.name, url: SiteURL.unitSellsOnline(.id(u.id!)).path))
            }
        }
        let title = req.lang.t("market.producers.title")
        return try await req.view.render("market/producers", ListPage(
            layout: Layout(req, title: title, crumbs: [Crumb(name: title, url: SiteURL.producers.path)]),
            rows: dtos.map { d in
                ProducerRow(name: d.name, url: SiteURL.producerPage(.id(d.id)).path, kind: req.lang.t("market.kind.\(d.kind.rawValue)"),
                            village: d.villageName, makes: d.makes, products: counts[d.id] ?? 0)
            },
            pager: Pager(req, page: page.page, per: page.per, total: all.count), q: q,
            newURL: req.access.has(.manageMarket) ? SiteURL.producerNew.path : nil,
            markets: villages.sorted { $0.value < $1.value }.map { Crumb(name: $0.value, url: SiteURL.villageMarket(.id($0.key)).path) },
            sellsOnline: checks))
    }

    // MARK: a producer

    struct ProductRow: Encodable {
        var name: String
        var url: String
        var category: String
        var stars: String
        var certs: [CertRow]
        var batches: Int
    }
    struct CertRow: Encodable { var name: String; var detail: String; var expired: Bool }
    struct ProducerPage: Encodable {
        var layout: Layout
        var p: ProducerDTO
        var kind: String
        var household: String?
        var householdURL: String?
        var products: [ProductRow]
        var editURL: String
        var newProductURL: String
        var marketURL: String
    }

    static func certRows(_ list: [CertificationDTO], _ lang: Lang) -> [CertRow] {
        list.map { c in
            let who = [c.issuer, c.number].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " · ")
            let valid = c.validTo.map { lang.t("market.trace.validUntil", [Day.display(c.validFrom), Day.display($0)]) }
                ?? lang.t("market.trace.validFrom", [Day.display(c.validFrom)])
            return CertRow(name: c.name, detail: [who, valid].filter { !$0.isEmpty }.joined(separator: " · "), expired: c.expired)
        }
    }

    func producer(req: Request) async throws -> View {
        let p = try req.scoped(Producer.self)
        let dto = try await MarketQueries.producerDTOs([p], on: req.db)[0]
        let list = try await Product.query(on: req.db).filter(\.$producerID == p.id!).sort(\.$name).all()
        let products = try await MarketQueries.productDTOs(list, today: req.today, on: req.db)
        var batches: [UUID: Int] = [:]
        for b in try await Batch.query(on: req.db).filter(\.$productID ~~ list.map { $0.id! }).all() { batches[b.productID, default: 0] += 1 }
        var household: Household? = nil
        if let h = p.householdID, try await req.access.officiates(p, on: req.db) { household = try await Household.find(h, on: req.db) }
        return try await req.view.render("market/producer", ProducerPage(
            layout: Layout(req, title: p.name, crumbs: Self.crumbs(req, producer: p)), p: dto, kind: req.lang.t("market.kind.\(p.kind.rawValue)"),
            household: household?.code, householdURL: household.map { SiteURL.household(.id($0.id!)).path },
            products: products.map { d in
                ProductRow(name: d.name, url: SiteURL.productPage(.id(d.id)).path, category: req.lang.t("market.category.\(d.category.rawValue)"),
                           stars: d.ocop.map { String(repeating: "★", count: $0.stars) } ?? "", certs: Self.certRows(d.certifications, req.lang),
                           batches: batches[d.id] ?? 0)
            },
            editURL: SiteURL.producerEdit(.id(p.id!)).path, newProductURL: SiteURL.productNew(.id(p.id!)).path,
            marketURL: SiteURL.villageMarket(.id(p.villageID)).path))
    }

    struct ProducerFormPage: Encodable {
        var layout: Layout
        var form: FormState
        var kinds: [SelectOption]
        var villages: [SelectOption]
        /// A producer account changes its own details, not its village nor its household.
        var official: Bool
        var publicPhone: Bool
        var villageName: String
        var action: String
        var cancelURL: String
    }

    func renderProducerForm(_ req: Request, _ values: [String: String], errors: [String: String] = [:], producer p: Producer?,
                            status: HTTPResponseStatus = .ok) async throws -> Response {
        let official = try await p.asyncMap { try await req.access.officiates($0, on: req.db) } ?? true
        let title = req.lang.t(p == nil ? "market.producer.new" : "market.producer.edit")
        var villages: [SelectOption] = []
        if official {
            let q = AdminUnit.query(on: req.db).filter(\.$kind == .village).filter(\.$validTo > req.today)
            if let roots = req.access.roots(.manageMarket) { q.filter(.sql(UnitClosure.below(AdminUnit.schema, "id", roots))) }
            villages = try await q.sort(\.$name).limit(500).all().map {
                SelectOption(value: $0.id!.uuidString, label: $0.name, selected: $0.id!.uuidString.lowercased() == (values["villageId"] ?? "").lowercased())
            }
        }
        let villageName = try await p.asyncMap { try await AdminUnit.find($0.villageID, on: req.db)?.name } ?? nil
        var crumbs = Self.crumbs(req, producer: p)
        crumbs.append(Crumb(name: title, url: req.urlPath))
        let view = try await req.view.render("market/producer-form", ProducerFormPage(
            layout: Layout(req, title: title, crumbs: crumbs), form: FormState(values: values, errors: errors),
            kinds: Self.kindOptions(req, values["kind"] ?? ""), villages: villages, official: official,
            publicPhone: !(values["publicPhone"] ?? "").isEmpty, villageName: villageName ?? "",
            action: p.map { SiteURL.producerEdit(.id($0.id!)).path } ?? SiteURL.producerNew.path,
            cancelURL: p.map { SiteURL.producerPage(.id($0.id!)).path } ?? SiteURL.producers.path))
        return try await view.encodeResponse(status: status, for: req)
    }

    /// Registering a producer is an official's act (a producer account changes only its own).
    static func officialOnly(_ req: Request) throws {
        guard req.access.has(.manageMarket) else { throw Abort(.forbidden) }
    }

    func newProducer(req: Request) async throws -> Response {
        try Self.officialOnly(req)
        return try await renderProducerForm(req, ["kind": "household", "villageId": req.queryValue("village") ?? ""], producer: nil)
    }

    func editProducer(req: Request) async throws -> Response {
        let p = try req.scoped(Producer.self)
        var household = ""
        if let h = p.householdID { household = try await Household.find(h, on: req.db)?.code ?? "" }
        return try await renderProducerForm(req, [
            "kind": p.kind.rawValue, "name": p.name, "villageId": p.villageID.uuidString, "householdCode": household, "contactName": p.contactName ?? "",
            "phone": p.phone ?? "", "publicPhone": p.publicPhone ? "on" : "", "makes": p.makes, "howToBuy": p.howToBuy ?? "",
            "channels": p.channelList.joined(separator: "\n")], producer: p)
    }

    /// The form's fields as the action's input; a household is named by its code in the producer's commune.
    static func producerInput(_ req: Request, _ f: [String: String], official: Bool) async throws -> ProducerInput {
        var input = ProducerInput(kind: f["kind"] ?? "", name: f["name"] ?? "", contactName: f["contactName"] ?? "", phone: f["phone"] ?? "",
                                  publicPhone: !(f["publicPhone"] ?? "").isEmpty, makes: f["makes"] ?? "", howToBuy: f["howToBuy"] ?? "",
                                  channels: (f["channels"] ?? "").split(whereSeparator: \.isNewline).map(String.init))
        guard official else { return input }
        input.villageId = f["villageId"] ?? ""
        let code = (f["householdCode"] ?? "").trimmingCharacters(in: .whitespaces)
        if code.isEmpty { input.householdId = "" }
        else if let vid = UUID(uuidString: input.villageId ?? ""), let v = try await AdminUnit.find(vid, on: req.db),
                let h = try await Household.query(on: req.db).filter(\.$code == code).filter(\.$communeID == (v.parentID ?? vid)).first() {
            input.householdId = h.id!.uuidString
        } else { input.householdId = "?" }
        return input
    }

    /// The action names the household by id; the form, by code.
    static func producerErrors(_ e: InvalidInput, _ lang: Lang) -> [String: String] {
        errors(e.issues.map { $0.field == "householdId" ? FieldIssue("householdCode", $0.key, $0.args, line: $0.line) : $0 }, lang)
    }

    func createProducer(req: Request) async throws -> Response {
        try Self.officialOnly(req)
        let f = Self.form(req)
        do {
            let p = try await MarketActions.createProducer(try await Self.producerInput(req, f, official: true), access: req.access, on: req.db)
            return req.redirect(to: SiteURL.producerPage(.id(p.id!)).path, redirectType: .normal)
        } catch let e as InvalidInput {
            return try await renderProducerForm(req, f, errors: Self.producerErrors(e, req.lang), producer: nil, status: e.status)
        }
    }

    func saveProducer(req: Request) async throws -> Response {
        let p = try req.scoped(Producer.self)
        let f = Self.form(req)
        let official = try await req.access.officiates(p, on: req.db)
        do {
            _ = try await MarketActions.updateProducer(p, try await Self.producerInput(req, f, official: official), access: req.access, on: req.db)
            return req.redirect(to: SiteURL.producerPage(.id(p.id!)).path, redirectType: .normal)
        } catch let e as InvalidInput {
            return try await renderProducerForm(req, f, errors: Self.producerErrors(e, req.lang), producer: p, status: e.status)
        }
    }

    // MARK: a product

    struct BatchRow: Encodable { var code: String; var url: String; var producedOn: String; var quantity: String; var recalled: Bool; var scans: String }
    struct ProductPage: Encodable {
        var layout: Layout
        var d: ProductDTO
        var producer: String
        var category: String
        var stars: String
        var ocop: String
        var price: String
        var certs: [CertRow]
        var batches: [BatchRow]
        var editURL: String
        var newBatchURL: String
        var photos: [PhotoRow]
        var photoURL: String
        var removePhotoURL: String
        var canAddPhoto: Bool
        var photoForm: FormState
    }
    struct PhotoRow: Encodable { var id: String; var url: String }

    static func price(_ d: ProductDTO, _ lang: Lang) -> String {
        switch (d.priceMin, d.priceMax) {
        case let (lo?, hi?) where lo != hi: return "\(Money.format(lo, lang)) – \(Money.format(hi, lang)) / \(d.unit)"
        case let (lo?, _): return "\(Money.format(lo, lang)) / \(d.unit)"
        case let (nil, hi?): return "\(Money.format(hi, lang)) / \(d.unit)"
        default: return ""
        }
    }

    func product(req: Request) async throws -> Response { try await renderProduct(req) }

    func renderProduct(_ req: Request, photoForm: FormState = FormState(), status: HTTPResponseStatus = .ok) async throws -> Response {
        let pr = try req.scoped(Product.self), p = try req.scoped(Producer.self)
        let photos = try await ProductPhoto.query(on: req.db).filter(\.$productID == pr.id!).sort(\.$createdAt).sort(\.$id).all()
        let d = try await MarketQueries.productDTOs([pr], today: req.today, on: req.db)[0]
        let list = try await Batch.query(on: req.db).filter(\.$productID == pr.id!).sort(\.$producedOn, .descending).sort(\.$code).limit(500).all()
        let scans = req.application.batchScans
        let lang = req.lang
        let view = try await req.view.render("market/product", ProductPage(
            layout: Layout(req, title: pr.name, crumbs: Self.crumbs(req, producer: p, product: pr)), d: d, producer: p.name,
            category: lang.t("market.category.\(pr.category.rawValue)"), stars: d.ocop.map { String(repeating: "★", count: $0.stars) } ?? "",
            ocop: d.ocop.map { lang.t("market.trace.ocop", [String($0.stars), String($0.year), $0.decision]) } ?? "",
            price: Self.price(d, lang), certs: Self.certRows(d.certifications, lang),
            batches: list.map { b in
                BatchRow(code: b.code, url: SiteURL.batchPage(.id(b.id!)).path, producedOn: Day.display(b.producedOn),
                         quantity: "\(MarketWeb.quantity(b.quantity, lang: lang)) \(pr.unit)", recalled: b.recalledAt != nil,
                         scans: lang.number(b.scans + scans.pending(b.id!)))
            },
            editURL: SiteURL.productEdit(.id(pr.id!)).path, newBatchURL: SiteURL.batchNew(.id(pr.id!)).path,
            photos: photos.map { PhotoRow(id: $0.id!.uuidString, url: SiteURL.productPhoto(.id($0.id!)).path) },
            photoURL: SiteURL.productPhotos(.id(pr.id!)).path, removePhotoURL: SiteURL.productPhotoRemove(.id(pr.id!)).path,
            canAddPhoto: photos.count < MarketActions.maxPhotos, photoForm: photoForm))
        return try await view.encodeResponse(status: status, for: req)
    }

    struct CertFormRow: Encodable {
        var n: Int
        var name: String, issuer: String, number: String, validFrom: String, validTo: String
        var errors: [String: String]
    }
    struct ProductFormPage: Encodable {
        var layout: Layout
        var form: FormState
        var categories: [SelectOption]
        var stars: [SelectOption]
        var certs: [CertFormRow]
        var action: String
        var cancelURL: String
    }

    static let blankRows = 2

    func renderProductForm(_ req: Request, _ values: [String: String], errors: [String: String] = [:], producer p: Producer, product pr: Product?,
                           status: HTTPResponseStatus = .ok) async throws -> Response {
        let title = req.lang.t(pr == nil ? "market.product.new" : "market.product.edit")
        var crumbs = Self.crumbs(req, producer: p, product: pr)
        crumbs.append(Crumb(name: title, url: req.urlPath))
        let filled = (1...20).last { i in ["certName", "certIssuer", "certNumber", "certFrom", "certTo"].contains { !(values["\($0)\(i)"] ?? "").isEmpty } } ?? 0
        let certs = (1...min(20, filled + Self.blankRows)).map { i in
            CertFormRow(n: i, name: values["certName\(i)"] ?? "", issuer: values["certIssuer\(i)"] ?? "", number: values["certNumber\(i)"] ?? "",
                        validFrom: values["certFrom\(i)"] ?? "", validTo: values["certTo\(i)"] ?? "",
                        errors: ["name": errors["certifications.name.\(i)"], "validFrom": errors["certifications.validFrom.\(i)"],
                                 "validTo": errors["certifications.validTo.\(i)"], "issuer": errors["certifications.issuer.\(i)"],
                                 "number": errors["certifications.number.\(i)"]].compactMapValues { $0 })
        }
        let view = try await req.view.render("market/product-form", ProductFormPage(
            layout: Layout(req, title: title, crumbs: crumbs), form: FormState(values: values, errors: errors),
            categories: Self.categoryOptions(req, values["category"] ?? ""),
            stars: ["3", "4", "5"].map { SelectOption(value: $0, label: "\($0) ★", selected: values["ocopStars"] == $0) }, certs: certs,
            action: pr.map { SiteURL.productEdit(.id($0.id!)).path } ?? SiteURL.productNew(.id(p.id!)).path,
            cancelURL: pr.map { SiteURL.productPage(.id($0.id!)).path } ?? SiteURL.producerPage(.id(p.id!)).path))
        return try await view.encodeResponse(status: status, for: req)
    }

    func newProduct(req: Request) async throws -> Response {
        try await renderProductForm(req, ["category": "food"], producer: try req.scoped(Producer.self), product: nil)
    }

    func editProduct(req: Request) async throws -> Response {
        let pr = try req.scoped(Product.self)
        var v: [String: String] = [
            "name": pr.name, "category": pr.category.rawValue, "description": pr.details ?? "", "unit": pr.unit,
            "priceMin": pr.priceMin.map(Money.plain) ?? "", "priceMax": pr.priceMax.map(Money.plain) ?? "",
            "ocopStars": pr.ocopStars.map(String.init) ?? "", "ocopYear": pr.ocopYear.map(String.init) ?? "", "ocopDecision": pr.ocopDecision ?? ""]
        let certs = try await Certification.query(on: req.db).filter(\.$productID == pr.id!).sort(\.$validFrom).all()
        for (i, c) in certs.enumerated() {
            v["certName\(i + 1)"] = c.name; v["certIssuer\(i + 1)"] = c.issuer ?? ""; v["certNumber\(i + 1)"] = c.number ?? ""
            v["certFrom\(i + 1)"] = c.validFrom; v["certTo\(i + 1)"] = c.validTo ?? ""
        }
        return try await renderProductForm(req, v, producer: try req.scoped(Producer.self), product: pr)
    }

    /// The form's fields as the action's input, with the issues of the typed numbers; a certification's line is its
    /// row on the form (blank rows are left out).
    static func productInput(_ f: [String: String]) -> (ProductInput, [FieldIssue], [Int]) {
        var issues: [FieldIssue] = []
        func money(_ field: String) -> Int64? {
            let raw = (f[field] ?? "").trimmingCharacters(in: .whitespaces)
            if raw.isEmpty { return nil }
            switch Money.parse(raw) {
            case .success(let v): return v
            case .failure(let e): issues.append(FieldIssue(field, e.key)); return nil
            }
        }
        func int(_ field: String, _ key: String) -> Int? {
            let raw = (f[field] ?? "").trimmingCharacters(in: .whitespaces)
            if raw.isEmpty { return nil }
            guard let v = Int(raw) else { issues.append(FieldIssue(field, key)); return nil }
            return v
        }
        var certs: [CertificationInput] = [], rows: [Int] = []
        for i in 1...20 {
            let c = CertificationInput(name: f["certName\(i)"] ?? "", issuer: f["certIssuer\(i)"] ?? "", number: f["certNumber\(i)"] ?? "",
                                       validFrom: f["certFrom\(i)"] ?? "", validTo: f["certTo\(i)"] ?? "")
            if [c.name, c.issuer, c.number, c.validFrom, c.validTo].allSatisfy({ ($0 ?? "").trimmingCharacters(in: .whitespaces).isEmpty }) { continue }
            certs.append(c)
            rows.append(i)
        }
        let stars = int("ocopStars", "error.market.stars")
        let input = ProductInput(name: f["name"] ?? "", category: f["category"] ?? "", description: f["description"] ?? "", unit: f["unit"] ?? "",
                                 priceMin: money("priceMin"), priceMax: money("priceMax"), ocopStars: stars,
                                 ocopYear: int("ocopYear", "error.market.ocopYearNumber"), ocopDecision: f["ocopDecision"] ?? "", certifications: certs)
        return (input, issues, rows)
    }

    /// Issues of certification lines renumbered to the form's rows.
    static func renumber(_ issues: [FieldIssue], rows: [Int]) -> [FieldIssue] {
        issues.map { i in
            guard let l = i.line, l >= 1, l <= rows.count, i.field.hasPrefix("certifications.") || i.field.hasPrefix("steps.") else { return i }
            return FieldIssue(i.field, i.key, i.args, line: rows[l - 1])
        }
    }

    /// Checks the typed numbers and the action's own checks together, so the form shows every issue at once.
    static func productIssues(_ f: [String: String], current: Product?, today: String) -> (ProductInput, [FieldIssue], [Int]) {
        let (input, parsed, rows) = productInput(f)
        var issues = parsed
        do { _ = try MarketActions.checkProduct(input, current: current, today: today, keepMissing: false) }
        catch let e as InvalidInput { issues += e.issues.filter { i in !parsed.contains { $0.field == i.field } } }
        catch {}
        return (input, renumber(issues, rows: rows), rows)
    }

    func createProduct(req: Request) async throws -> Response {
        let p = try req.scoped(Producer.self)
        let f = Self.form(req)
        let (input, issues, rows) = Self.productIssues(f, current: nil, today: req.today)
        if !issues.isEmpty { return try await renderProductForm(req, f, errors: Self.errors(issues, req.lang), producer: p, product: nil, status: .unprocessableEntity) }
        do {
            let pr = try await MarketActions.createProduct(for: p, input, today: req.today, on: req.db)
            return req.redirect(to: SiteURL.productPage(.id(pr.id!)).path, redirectType: .normal)
        } catch let e as InvalidInput {
            return try await renderProductForm(req, f, errors: Self.errors(Self.renumber(e.issues, rows: rows), req.lang), producer: p, product: nil, status: e.status)
        }
    }

    func saveProduct(req: Request) async throws -> Response {
        let pr = try req.scoped(Product.self), p = try req.scoped(Producer.self)
        let f = Self.form(req)
        let (input, issues, rows) = Self.productIssues(f, current: pr, today: req.today)
        if !issues.isEmpty { return try await renderProductForm(req, f, errors: Self.errors(issues, req.lang), producer: p, product: pr, status: .unprocessableEntity) }
        do {
            _ = try await MarketActions.updateProduct(pr, producer: p, input, today: req.today, keepMissing: false, on: req.db)
            return req.redirect(to: SiteURL.productPage(.id(pr.id!)).path, redirectType: .normal)
        } catch let e as InvalidInput {
            return try await renderProductForm(req, f, errors: Self.errors(Self.renumber(e.issues, rows: rows), req.lang), producer: p, product: pr, status: e.status)
        }
    }

    // MARK: a batch

    struct StepRow: Encodable { var day: String; var kind: String; var text: String }
    struct BatchPage: Encodable {
        var layout: Layout
        var d: BatchDTO
        var product: String
        var quantity: String
        var producedOn: String
        var bestBefore: String
        var recalledOn: String
        var steps: [StepRow]
        var publicURL: String
        var labelsURL: String
        var editURL: String
        var recallURL: String
        var recall: FormState
    }

    func renderBatch(_ req: Request, recall: FormState = FormState(), status: HTTPResponseStatus = .ok) async throws -> Response {
        let b = try req.scoped(Batch.self), pr = try req.scoped(Product.self), p = try req.scoped(Producer.self)
        let d = try await MarketBatchesAPI.dtos(req, [b], product: pr)[0]
        let lang = req.lang
        let title = lang.t("market.trace.batch", [b.code])
        var crumbs = Self.crumbs(req, producer: p, product: pr)
        crumbs.append(Crumb(name: title, url: SiteURL.batchPage(.id(b.id!)).path))
        let view = try await req.view.render("market/batch", BatchPage(
            layout: Layout(req, title: "\(pr.name) · \(title)", crumbs: crumbs), d: d, product: pr.name,
            quantity: "\(MarketWeb.quantity(b.quantity, lang: lang)) \(pr.unit)", producedOn: Day.display(b.producedOn),
            bestBefore: b.bestBefore.map(Day.display) ?? "", recalledOn: b.recalledAt.map { Day.display(Day.today($0)) } ?? "",
            steps: d.steps.map { StepRow(day: Day.display($0.on), kind: lang.t("market.step.\($0.kind.rawValue)"), text: $0.text) },
            publicURL: SiteURL.batchPublic(b.code).path, labelsURL: SiteURL.batchLabels(.id(b.id!)).path, editURL: SiteURL.batchEdit(.id(b.id!)).path,
            recallURL: SiteURL.batchRecallForm(.id(b.id!)).path, recall: recall))
        return try await view.encodeResponse(status: status, for: req)
    }

    func batch(req: Request) async throws -> Response { try await renderBatch(req) }

    func recall(req: Request) async throws -> Response {
        let b = try req.scoped(Batch.self), p = try req.scoped(Producer.self)
        let f = Self.form(req)
        do {
            _ = try await MarketActions.recall(b, producer: p, RecallInput(reason: f["reason"] ?? ""), now: req.now, on: req.db)
            return req.redirect(to: SiteURL.batchPage(.id(b.id!)).path, redirectType: .normal)
        } catch let e as InvalidInput {
            return try await renderBatch(req, recall: FormState(values: f, errors: Self.errors(e.issues, req.lang)), status: e.status)
        }
    }

    struct StepFormRow: Encodable {
        var n: Int
        var on: String, text: String
        var kinds: [SelectOption]
        var errors: [String: String]
    }
    struct BatchFormPage: Encodable {
        var layout: Layout
        var form: FormState
        var unit: String
        var steps: [StepFormRow]
        var action: String
        var cancelURL: String
    }

    func renderBatchForm(_ req: Request, _ values: [String: String], errors: [String: String] = [:], product pr: Product, producer p: Producer,
                         batch b: Batch?, status: HTTPResponseStatus = .ok) async throws -> Response {
        let title = b.map { req.lang.t("market.batch.edit", [$0.code]) } ?? req.lang.t("market.batch.new")
        var crumbs = Self.crumbs(req, producer: p, product: pr)
        crumbs.append(Crumb(name: title, url: req.urlPath))
        let max = MarketActions.maxSteps
        let filled = (1...max).last { i in ["stepOn", "stepText"].contains { !(values["\($0)\(i)"] ?? "").isEmpty } } ?? 0
        let steps = (1...min(max, filled + 3)).map { i in
            StepFormRow(n: i, on: values["stepOn\(i)"] ?? "", text: values["stepText\(i)"] ?? "",
                        kinds: BatchStepKind.allCases.map { k in
                            SelectOption(value: k.rawValue, label: req.lang.t("market.step.\(k.rawValue)"), selected: (values["stepKind\(i)"] ?? "") == k.rawValue)
                        },
                        errors: ["on": errors["steps.on.\(i)"], "kind": errors["steps.kind.\(i)"], "text": errors["steps.text.\(i)"]].compactMapValues { $0 })
        }
        let view = try await req.view.render("market/batch-form", BatchFormPage(
            layout: Layout(req, title: title, crumbs: crumbs), form: FormState(values: values, errors: errors), unit: pr.unit, steps: steps,
            action: b.map { SiteURL.batchEdit(.id($0.id!)).path } ?? SiteURL.batchNew(.id(pr.id!)).path,
            cancelURL: b.map { SiteURL.batchPage(.id($0.id!)).path } ?? SiteURL.productPage(.id(pr.id!)).path))
        return try await view.encodeResponse(status: status, for: req)
    }

    func newBatch(req: Request) async throws -> Response {
        try await renderBatchForm(req, ["producedOn": req.today], product: try req.scoped(Product.self), producer: try req.scoped(Producer.self), batch: nil)
    }

    func editBatch(req: Request) async throws -> Response {
        let b = try req.scoped(Batch.self)
        var v = ["quantity": MarketWeb.quantity(b.quantity, lang: .en).replacingOccurrences(of: ",", with: ""), "producedOn": b.producedOn,
                 "bestBefore": b.bestBefore ?? "", "notes": b.notes ?? ""]
        for s in try await BatchStep.query(on: req.db).filter(\.$batchID == b.id!).sort(\.$position).all() {
            v["stepOn\(s.position)"] = s.doneOn; v["stepKind\(s.position)"] = s.stepKind.rawValue; v["stepText\(s.position)"] = s.text
        }
        return try await renderBatchForm(req, v, product: try req.scoped(Product.self), producer: try req.scoped(Producer.self), batch: b)
    }

    /// The form's fields as the action's input; a step's line is its row on the form (blank rows are left out).
    static func batchInput(_ f: [String: String]) -> (BatchInput, [FieldIssue], [Int]) {
        var issues: [FieldIssue] = []
        let raw = (f["quantity"] ?? "").trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ",", with: ".")
        var quantity: Double? = nil
        if raw.isEmpty { issues.append(FieldIssue("quantity", "error.required")) }
        else if let q = Double(raw) { quantity = q } else { issues.append(FieldIssue("quantity", "error.market.quantity")) }
        var steps: [BatchStepInput] = [], rows: [Int] = []
        for i in 1...MarketActions.maxSteps {
            let on = (f["stepOn\(i)"] ?? "").trimmingCharacters(in: .whitespaces), text = (f["stepText\(i)"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            if on.isEmpty && text.isEmpty { continue }
            steps.append(BatchStepInput(on: on, kind: f["stepKind\(i)"], text: text))
            rows.append(i)
        }
        return (BatchInput(quantity: quantity, producedOn: f["producedOn"] ?? "", bestBefore: f["bestBefore"] ?? "", notes: f["notes"] ?? "", steps: steps),
                issues, rows)
    }

    static func batchIssues(_ f: [String: String], current: Batch?, today: String) -> (BatchInput, [FieldIssue], [Int]) {
        let (input, parsed, rows) = batchInput(f)
        var issues = parsed
        var checked = input
        if checked.quantity == nil { checked.quantity = 1 }   // its issue is already named
        do { _ = try MarketActions.checkBatch(checked, current: nil, today: today) }
        catch let e as InvalidInput { issues += e.issues }
        catch {}
        return (input, renumber(issues, rows: rows), rows)
    }

    func createBatch(req: Request) async throws -> Response {
        let pr = try req.scoped(Product.self), p = try req.scoped(Producer.self)
        let f = Self.form(req)
        let (input, issues, rows) = Self.batchIssues(f, current: nil, today: req.today)
        if !issues.isEmpty { return try await renderBatchForm(req, f, errors: Self.errors(issues, req.lang), product: pr, producer: p, batch: nil, status: .unprocessableEntity) }
        do {
            let b = try await MarketActions.createBatch(for: pr, producer: p, input, access: req.access, today: req.today, on: req.db)
            return req.redirect(to: SiteURL.batchPage(.id(b.id!)).path, redirectType: .normal)
        } catch let e as InvalidInput {
            return try await renderBatchForm(req, f, errors: Self.errors(Self.renumber(e.issues, rows: rows), req.lang), product: pr, producer: p, batch: nil, status: e.status)
        }
    }

    func saveBatch(req: Request) async throws -> Response {
        let b = try req.scoped(Batch.self), pr = try req.scoped(Product.self), p = try req.scoped(Producer.self)
        let f = Self.form(req)
        let (input, issues, rows) = Self.batchIssues(f, current: b, today: req.today)
        if !issues.isEmpty { return try await renderBatchForm(req, f, errors: Self.errors(issues, req.lang), product: pr, producer: p, batch: b, status: .unprocessableEntity) }
        do {
            _ = try await MarketActions.updateBatch(b, producer: p, input, today: req.today, on: req.db)
            return req.redirect(to: SiteURL.batchPage(.id(b.id!)).path, redirectType: .normal)
        } catch let e as InvalidInput {
            return try await renderBatchForm(req, f, errors: Self.errors(Self.renumber(e.issues, rows: rows), req.lang), product: pr, producer: p, batch: b, status: e.status)
        }
    }
}
