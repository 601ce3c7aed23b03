// The village market page (`/market/{village}`): public, light and printable — the village's producers and their
// products with OCOP stars, grouped by category, with how to buy. Only what a producer chose to publish goes out
// (never the contact's name, the household, or a phone the producer keeps private). A plain GET form searches
// without diacritics ("banh" finds "bánh", "dong" finds "đồng"); the same data as JSON: `/api/v1/market/{village}`.
import Fluent
import Vapor

public struct MarketProducerDTO: Content, Sendable, Equatable {
    public var id: UUID
    public var name: String
    public var kind: ProducerKind
    public var makes: String
    /// Only when the producer chose to publish it.
    public var phone: String?
    public var howToBuy: String?
    public var channels: [String]
}

public struct MarketProductDTO: Content, Sendable, Equatable {
    public var id: UUID
    public var producerId: UUID
    public var name: String
    public var category: ProductCategory
    public var description: String?
    public var unit: String
    public var priceMin: Int64?
    public var priceMax: Int64?
    public var ocop: OcopDTO?
    /// The names of the certifications valid today.
    public var certifications: [String]
    /// The product's photos (paths on this site), in the order they were added.
    public var photos: [String]
}

public struct VillageMarketDTO: Content, Sendable, Equatable {
    public var villageId: UUID
    public var village: String
    public var commune: String
    /// The search, when one was made (matched without diacritics).
    public var q: String?
    public var producers: [MarketProducerDTO]
    public var products: [MarketProductDTO]
}

extension MarketQueries {
    /// A village's market, or nil when `id` is not a village. With `query`, the products whose name, producer or
    /// description match it, and the producers whose name or what they make match it, or that make one of them.
    static func villageMarket(_ id: UUID, query: String?, today: String, on db: any Database) async throws -> VillageMarketDTO? {
        guard let v = try await AdminUnit.find(id, on: db), v.kind == .village else { return nil }
        let commune = try await v.parentID.asyncMap { try await AdminUnit.find($0, on: db)?.name } ?? nil
        let producers = try await Producer.query(on: db).filter(\.$villageID == id).sort(\.$name).all()
        var products = producers.isEmpty ? [] : try await Product.query(on: db).filter(\.$producerID ~~ producers.map { $0.id! }).sort(\.$name).all()
        let key = Fold.key(query ?? "")
        var shown = producers
        if !key.isEmpty {
            let matching = Set(producers.filter { $0.searchKey.contains(key) }.map { $0.id! })
            products = products.filter { $0.searchKey.contains(key) }
            let makers = Set(products.map(\.producerID))
            shown = producers.filter { matching.contains($0.id!) || makers.contains($0.id!) }
        }
        var certs: [UUID: [String]] = [:]
        if !products.isEmpty {
            for c in try await Certification.query(on: db).filter(\.$productID ~~ products.map { $0.id! }).sort(\.$validFrom).all() where c.valid(on: today) {
                certs[c.productID, default: []].append(c.name)
            }
        }
        let photos = try await photoPaths(products.map { $0.id! }, on: db)
        return VillageMarketDTO(
            villageId: id, village: v.name, commune: commune ?? "", q: key.isEmpty ? nil : query,
            producers: shown.map { p in
                MarketProducerDTO(id: p.id!, name: p.name, kind: p.kind, makes: p.makes, phone: p.publicPhone ? p.phone : nil, howToBuy: p.howToBuy,
                                  channels: p.channelList)
            },
            products: products.map { pr in
                MarketProductDTO(id: pr.id!, producerId: pr.producerID, name: pr.name, category: pr.category, description: pr.details, unit: pr.unit,
                                 priceMin: pr.priceMin, priceMax: pr.priceMax,
                                 ocop: pr.ocopStars.map { OcopDTO(stars: $0, year: pr.ocopYear ?? 0, decision: pr.ocopDecision ?? "") },
                                 certifications: certs[pr.id!] ?? [], photos: photos[pr.id!] ?? [])
            })
    }
}

struct MarketPublicWeb {
    func add(open: any RoutesBuilder, openAPI: any RoutesBuilder) {
        open.get(SiteURL.villageMarket(.key).components, use: page).rule(.open)
        openAPI.get(APIURL.villageMarket(.key).components, use: json).rule(.open)
    }

    static func market(_ req: Request) async throws -> VillageMarketDTO {
        guard let id = req.parameters.get("id").flatMap(UUID.init(uuidString:)),
              let m = try await MarketQueries.villageMarket(id, query: req.queryValue("q"), today: req.today, on: req.db) else {
            throw Abort(.notFound)
        }
        return m
    }

    func json(req: Request) async throws -> Response {
        let res = try await Self.market(req).encodeResponse(for: req)
        res.headers.replaceOrAdd(name: .cacheControl, value: "public, max-age=60")
        return res
    }

    struct ProductCard: Encodable {
        var id: String
        var name: String
        var stars: String
        var ocop: String
        var price: String
        var description: String
        var producer: String
        var producerAnchor: String
        var certs: String
        var photo: String
    }
    struct Group: Encodable { var name: String; var products: [ProductCard] }
    struct ProducerCard: Encodable {
        var anchor: String
        var p: MarketProducerDTO
        var kind: String
    }
    struct Page: Encodable {
        var layout: Layout
        var m: VillageMarketDTO
        var q: String
        var groups: [Group]
        var producers: [ProducerCard]
        var found: String
        var action: String
    }

    func page(req: Request) async throws -> Response {
        let m = try await Self.market(req)
        let lang = req.lang
        let names = Dictionary(m.producers.map { ($0.id, $0.name) }) { a, _ in a }
        let groups: [Group] = ProductCategory.allCases.compactMap { cat in
            let list = m.products.filter { $0.category == cat }
            guard !list.isEmpty else { return nil }
            return Group(name: lang.t("market.category.\(cat.rawValue)"), products: list.map { d in
                let card = ProductDTO(id: d.id, producerId: d.producerId, name: d.name, category: d.category, description: d.description, unit: d.unit,
                                      priceMin: d.priceMin, priceMax: d.priceMax, ocop: d.ocop, certifications: [])
                return ProductCard(id: "sp-\(d.id.uuidString.lowercased().prefix(8))", name: d.name,
                                   stars: d.ocop.map { String(repeating: "★", count: $0.stars) } ?? "",
                                   ocop: d.ocop.map { lang.t("market.village.ocop", [String($0.stars), String($0.year)]) } ?? "",
                                   price: MarketPagesWeb.price(card, lang), description: d.description ?? "", producer: names[d.producerId] ?? "",
                                   producerAnchor: "#cs-\(d.producerId.uuidString.lowercased().prefix(8))", certs: d.certifications.joined(separator: " · "),
                                   photo: d.photos.first ?? "")
            })
        }
        let title = lang.t("market.village.title", [m.village])
        let q = req.queryValue("q") ?? ""
        let view = try await req.view.render("market/village", Page(
            layout: Layout(req, title: title), m: m, q: q, groups: groups,
            producers: m.producers.map { ProducerCard(anchor: "cs-\($0.id.uuidString.lowercased().prefix(8))", p: $0, kind: lang.t("market.kind.\($0.kind.rawValue)")) },
            found: m.q == nil ? "" : lang.t("market.village.found", [lang.number(m.products.count), q]),
            action: SiteURL.villageMarket(.id(m.villageId)).path))
        let res = try await view.encodeResponse(for: req)
        res.headers.replaceOrAdd(name: .cacheControl, value: "public, max-age=60")
        return res
    }
}
