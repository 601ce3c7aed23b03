// The A4 label sheet of a batch: every label holds the batch's QR code (its public URL), the URL printed under it for
// people who type, the product, the batch code and its dates. Two common label papers: 3×8 (24 labels of 70 × 37 mm)
// and 4×10 (40 labels of 52.5 × 29.7 mm), printed at 100% with no margins.
import Fluent
import Vapor

enum MarketWeb {
    /// A quantity as people write it: whole numbers without decimals, others with up to 2 (a comma in Vietnamese).
    static func quantity(_ q: Double, lang: Lang) -> String {
        if q == q.rounded(), abs(q) < 1e15 { return lang.number(Int(q)) }
        let s = String(format: "%.2f", q).replacingOccurrences(of: "0+$", with: "", options: .regularExpression)
        return lang == .vi ? s.replacingOccurrences(of: ".", with: ",") : s
    }
}

struct LabelSize: Sendable {
    var key: String
    var columns: Int
    var rows: Int
    /// Millimetres.
    var width: Double
    var height: Double
    /// The sizes themselves are in Public/css/app.css (`.sheet.s3x8`, `.sheet.s4x10`).
    static let all = [LabelSize(key: "3x8", columns: 3, rows: 8, width: 70, height: 37.125),
                      LabelSize(key: "4x10", columns: 4, rows: 10, width: 52.5, height: 29.7)]
    var count: Int { columns * rows }
}

struct MarketLabelsWeb {
    func add(signedIn web: any RoutesBuilder) {
        web.get(SiteURL.batchLabels(.key).components, use: sheet).rule(.batch(.manageMarket))
    }

    struct Label: Encodable { var svg: String }
    struct SizeLink: Encodable { var key: String; var url: String; var current: Bool }
    struct Sheet: Encodable {
        var layout: Layout
        var labels: [Label]
        var product: String
        var code: String
        var url: String
        var producedOn: String
        var bestBefore: String
        var producer: String
        var sizeKey: String
        var hint: String
        var sizes: [SizeLink]
    }

    func sheet(req: Request) async throws -> Response {
        let b = try req.scoped(Batch.self), pr = try req.scoped(Product.self), p = try req.scoped(Producer.self)
        let key = req.queryValue("size") ?? "3x8"
        guard let size = LabelSize.all.first(where: { $0.key == key }) else { throw InvalidInput("size", "error.market.labelSize") }
        let url = try req.config.printedURL(.batchPublic(b.code))
        // Level M: a label is small, and M keeps the modules large enough for a phone camera at 24 mm.
        guard let svg = QRCode.svg(url, size: 100, level: .medium) else { throw Abort(.internalServerError) }
        let lang = req.lang
        let view = try await req.view.render("market/labels", Sheet(
            layout: Layout(req, title: "\(lang.t("market.labels.title")) · \(pr.name) · \(b.code)"),
            labels: Array(repeating: Label(svg: svg), count: size.count), product: pr.name, code: b.code, url: url,
            producedOn: Day.display(b.producedOn), bestBefore: b.bestBefore.map(Day.display) ?? "", producer: p.name,
            sizeKey: size.key,
            hint: lang.t("market.labels.hint", [size.key.replacingOccurrences(of: "x", with: "×"), String(size.count),
                                                 String(format: "%g", size.width), String(format: "%g", size.height)]),
            sizes: LabelSize.all.map { SizeLink(key: $0.key.replacingOccurrences(of: "x", with: "×"),
                                                url: SiteURL.batchLabels(.id(b.id!)).path + "?size=" + $0.key, current: $0.key == size.key) }))
        return try await view.encodeResponse(for: req)
    }
}
