// "Sells online": a household's digital profile answers whether it sells online, and the market knows which
// households are producers (`producers.household_id`). A producer household sells online; where the two disagree —
// the latest profile says no but the household is a producer, or it says yes but no producer record names the
// household — the household is listed for the team to check on their next visit (`/units/{id}/sells-online`, and
// the same as JSON). Read-only: nothing here changes a profile or a producer.
import Fluent
import SQLKit
import Vapor

public enum SellsOnlineDisagreement: String, Codable, Sendable, CaseIterable {
    /// A producer household whose latest profile answers "does not sell online".
    case producerProfileNo
    /// A latest profile answering "sells online" for a household no producer record names.
    case profileYesNoProducer
}

public struct SellsOnlineRowDTO: Content, Sendable, Equatable {
    public var householdId: UUID
    public var householdCode: String
    public var village: String
    public var disagreement: SellsOnlineDisagreement
    /// The day of the profile that answers (yyyy-MM-dd).
    public var profileAsOf: String
    /// The producers that name the household (empty for `profileYesNoProducer`).
    public var producers: [String]
}

public struct SellsOnlineDTO: Content, Sendable, Equatable {
    public var unitId: UUID
    public var unit: String
    /// Households a producer record names (they sell online).
    public var producerHouseholds: Int
    /// Households whose latest profile answers "sells online".
    public var profileSaysYes: Int
    public var rows: [SellsOnlineRowDTO]
}

extension MarketQueries {
    static func sellsOnline(_ unit: AdminUnit, on db: any Database) async throws -> SellsOnlineDTO {
        let sql = db as! any SQLDatabase
        let inside = UnitClosure.villageOrGroupBelow("h", roots: [unit])
        // Each household's latest profile (not voided), for the households of the unit that answered the question.
        let profiles = try await sql.raw("""
            SELECT lp.household_id, lp.sells_online, lp.as_of, h.code, h.village_id FROM (
              SELECT p.household_id, p.sells_online, p.as_of,
                ROW_NUMBER() OVER (PARTITION BY p.household_id ORDER BY p.as_of DESC, p.created_at DESC, p.id DESC) AS rn
              FROM household_profiles p JOIN households h ON h.id = p.household_id
              WHERE \(inside) AND p.voided_at IS NULL) lp
            JOIN households h ON h.id = lp.household_id
            WHERE lp.rn = 1 AND lp.sells_online IS NOT NULL
            """).all()
        var latest: [UUID: (sells: Bool, asOf: String, code: String, village: UUID)] = [:]
        for r in profiles {
            latest[try r.decode(column: "household_id", as: UUID.self)] = (try r.decode(column: "sells_online", as: Bool.self), try r.decode(column: "as_of", as: String.self),
                                                                           try r.decode(column: "code", as: String.self), try r.decode(column: "village_id", as: UUID.self))
        }
        // Producer records naming a household of the unit.
        let named = try await sql.raw("""
            SELECT pr.household_id, pr.name FROM producers pr JOIN households h ON h.id = pr.household_id WHERE \(inside) ORDER BY pr.name
            """).all()
        var producers: [UUID: [String]] = [:]
        for r in named { producers[try r.decode(column: "household_id", as: UUID.self), default: []].append(try r.decode(column: "name", as: String.self)) }
        var rows: [(UUID, SellsOnlineDisagreement)] = []
        for (h, names) in producers where !names.isEmpty { if let l = latest[h], !l.sells { rows.append((h, .producerProfileNo)) } }
        for (h, l) in latest where l.sells && producers[h] == nil { rows.append((h, .profileYesNoProducer)) }
        let villages = try await AdminUnit.query(on: db).filter(\.$id ~~ Set(rows.compactMap { latest[$0.0]?.village })).all()
        let vname = Dictionary(villages.map { ($0.id!, $0.name) }) { a, _ in a }
        let out = rows.compactMap { h, d -> SellsOnlineRowDTO? in
            guard let l = latest[h] else { return nil }
            return SellsOnlineRowDTO(householdId: h, householdCode: l.code, village: vname[l.village] ?? "", disagreement: d, profileAsOf: l.asOf,
                                     producers: producers[h] ?? [])
        }.sorted { ($0.village, $0.householdCode) < ($1.village, $1.householdCode) }
        return SellsOnlineDTO(unitId: unit.id!, unit: unit.name, producerHouseholds: producers.count, profileSaysYes: latest.values.filter(\.sells).count,
                              rows: out)
    }
}

struct MarketSellsOnline {
    func add(signedIn web: any RoutesBuilder, api: any RoutesBuilder) {
        web.get(SiteURL.unitSellsOnline(.key).components, use: page).rule(.unit(.visitHouseholds))
        api.get(APIURL.unitSellsOnline(.key).components, use: json).rule(.unit(.visitHouseholds))
    }

    func json(req: Request) async throws -> SellsOnlineDTO {
        try await MarketQueries.sellsOnline(try req.scoped(AdminUnit.self), on: req.db)
    }

    struct Row: Encodable { var code: String; var url: String; var visitURL: String; var village: String; var what: String; var asOf: String }
    struct Page: Encodable {
        var layout: Layout
        var d: SellsOnlineDTO
        var rows: [Row]
        var summary: String
    }

    func page(req: Request) async throws -> View {
        let u = try req.scoped(AdminUnit.self)
        let d = try await MarketQueries.sellsOnline(u, on: req.db)
        let lang = req.lang
        let title = lang.t("market.sellsOnline.title")
        return try await req.view.render("market/sells-online", Page(
            layout: Layout(req, title: "\(title) · \(u.name)", crumbs: [Crumb(name: lang.t("market.producers.title"), url: SiteURL.producers.path),
                                                                        Crumb(name: title, url: SiteURL.unitSellsOnline(.id(u.id!)).path)]),
            d: d,
            rows: d.rows.map { r in
                let what = r.disagreement == .producerProfileNo
                    ? lang.t("market.sellsOnline.producerProfileNo", [r.producers.joined(separator: ", ")])
                    : lang.t("market.sellsOnline.profileYesNoProducer")
                return Row(code: r.householdCode, url: SiteURL.household(.id(r.householdId)).path, visitURL: SiteURL.visitHousehold(.id(r.householdId)).path,
                           village: r.village, what: what, asOf: Day.display(r.profileAsOf))
            },
            summary: lang.t("market.sellsOnline.summary", [lang.number(d.producerHouseholds), lang.number(d.profileSaysYes), lang.number(d.rows.count)])))
    }
}
