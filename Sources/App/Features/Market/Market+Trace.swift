// The public side of a batch: the traceability page its QR code opens (`/b/{code}`), the same data as JSON
// (`/api/v1/traceability/{code}`), the QR images, and the count of scans.
//
// Only what the producer published goes out: the producer's name, kind, village and commune, what it makes, how to
// buy, its sales channels, and its phone only when it chose to show it; never the contact's name nor the household.
//
// Scans: a page view writes nothing. It raises an in-memory counter of its batch (`BatchScans`); the counters are
// added to `batches.scans` in one short write transaction every 15 seconds (one UPDATE per batch scanned, whatever the
// number of scans) and when the server stops. A million anonymous scans therefore cost a few thousand updates, not a
// million, and cannot queue writers behind each other on SQLite. Several app instances each add their own counts
// (`scans = scans + n`), so none is lost; a crash loses at most the last 15 seconds' counts of that instance. The page
// shows the stored count plus this instance's pending ones.
import Fluent
import NIOConcurrencyHelpers
import NIOCore
import SQLKit
import Vapor

final class BatchScans: LifecycleHandler, @unchecked Sendable {
    static let interval: TimeAmount = .seconds(15)
    /// Distinct batches pending after which a view flushes at once (bounds the memory a flood of scans takes).
    static let flushAt = 10_000

    private let pending = NIOLockedValueBox<[UUID: Int]>([:])
    private let task = NIOLockedValueBox<RepeatedTask?>(nil)
    private let periodic: Bool

    init(periodic: Bool) { self.periodic = periodic }

    /// Counts one scan of `batch`; answers the scans pending for it here.
    func add(_ batch: UUID) -> (pending: Int, full: Bool) {
        pending.withLockedValue { p in
            p[batch, default: 0] += 1
            return (p[batch]!, p.count >= Self.flushAt)
        }
    }

    func pending(_ batch: UUID) -> Int { pending.withLockedValue { $0[batch] ?? 0 } }

    /// Adds the pending counts to `batches.scans` (one UPDATE per batch, one transaction); answers the scans written.
    /// The counts leave the buffer only once written, so a failed flush keeps them for the next.
    @discardableResult
    func flush(on db: any Database) async throws -> Int {
        let snapshot = pending.withLockedValue { $0 }
        guard !snapshot.isEmpty else { return 0 }
        try await db.writeTransaction { db in
            let sql = db as! any SQLDatabase
            for (id, n) in snapshot {
                try await sql.update(Batch.schema).set(SQLIdentifier("scans"), to: SQLRaw("scans + \(n)")).where("id", .equal, id).run()
            }
        }
        pending.withLockedValue { p in
            for (id, n) in snapshot {
                let left = (p[id] ?? 0) - n
                p[id] = left > 0 ? left : nil
            }
        }
        return snapshot.values.reduce(0, +)
    }

    func didBoot(_ app: Application) throws {
        guard periodic else { return }
        let t = app.eventLoopGroup.next().scheduleRepeatedTask(initialDelay: Self.interval, delay: Self.interval) { [weak self] _ in
            guard let self else { return }
            Task { do { try await self.flush(on: app.db) } catch { app.logger.warning("batch scans: \(error)") } }
        }
        task.withLockedValue { $0 = t }
    }

    func shutdownAsync(_ app: Application) async {
        task.withLockedValue { $0?.cancel(); $0 = nil }
        do { try await flush(on: app.db) } catch { app.logger.warning("batch scans at shutdown: \(error)") }
    }
}

struct BatchScansKey: StorageKey { typealias Value = BatchScans }

extension Application {
    var batchScans: BatchScans {
        if let s = storage[BatchScansKey.self] { return s }
        let s = BatchScans(periodic: false)
        storage[BatchScansKey.self] = s
        return s
    }
}

enum MarketScans {
    /// Installs the scan counter; it flushes on its own except in tests (which flush when they check).
    static func register(_ app: Application) {
        let s = BatchScans(periodic: app.environment != .testing)
        app.storage[BatchScansKey.self] = s
        app.lifecycle.use(s)
        app.storage[TracePageCacheKey.self] = TracePageCache()
    }
}

// MARK: the public data

public struct TraceProducerDTO: Content, Sendable, Equatable {
    public var name: String
    public var kind: ProducerKind
    public var village: String
    public var commune: String
    public var makes: String
    /// Only when the producer chose to publish it.
    public var phone: String?
    public var howToBuy: String?
    public var channels: [String]
}

public struct TraceProductDTO: Content, Sendable, Equatable {
    public var name: String
    public var category: ProductCategory
    public var description: String?
    public var unit: String
    public var ocop: OcopDTO?
}

public struct TraceDTO: Content, Sendable, Equatable {
    public var code: String
    public var url: String
    public var product: TraceProductDTO
    public var producer: TraceProducerDTO
    public var quantity: Double
    public var producedOn: String
    public var bestBefore: String?
    public var notes: String?
    public var steps: [BatchStepDTO]
    /// The certifications valid on the production day.
    public var certifications: [CertificationDTO]
    public var recalled: Bool
    public var recalledOn: String?
    public var recallReason: String?
    public var scans: Int
}

extension MarketQueries {
    /// A batch's public data by its code; nil when there is none.
    static func trace(code: String, link: (SiteURL) -> String, today: String, pending: (UUID) -> Int, on db: any Database) async throws -> (Batch, TraceDTO, UUID)? {
        guard (1...12).contains(code.count), code.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }),
              // The batch, its product and its producer in one read (a scan is the market's hot path).
              let b = try await Batch.query(on: db).filter(\.$code == code)
                  .join(Product.self, on: \Batch.$productID == \Product.$id).join(Producer.self, on: \Product.$producerID == \Producer.$id).first()
        else { return nil }
        let pr = try b.joined(Product.self), p = try b.joined(Producer.self)
        // Then the village's and the commune's names, the steps and the certifications: three small indexed reads.
        let units = try await AdminUnit.query(on: db).filter(\.$id ~~ [p.villageID, p.communeID]).all()
        let steps = try await BatchStep.query(on: db).filter(\.$batchID == b.id!).sort(\.$position).all()
        let certs = try await Certification.query(on: db).filter(\.$productID == pr.id!).sort(\.$validFrom).all()
        let name = Dictionary(units.map { ($0.id!, $0.name) }) { a, _ in a }
        let dto = TraceDTO(
            code: b.code, url: link(.batchPublic(b.code)),
            product: TraceProductDTO(name: pr.name, category: pr.category, description: pr.details, unit: pr.unit,
                                     ocop: pr.ocopStars.map { OcopDTO(stars: $0, year: pr.ocopYear ?? 0, decision: pr.ocopDecision ?? "") }),
            producer: TraceProducerDTO(name: p.name, kind: p.kind, village: name[p.villageID] ?? "", commune: name[p.communeID] ?? "", makes: p.makes,
                                       phone: p.publicPhone ? p.phone : nil, howToBuy: p.howToBuy, channels: p.channelList),
            quantity: b.quantity, producedOn: b.producedOn, bestBefore: b.bestBefore, notes: b.notes,
            steps: steps.map { BatchStepDTO(on: $0.doneOn, kind: $0.stepKind, text: $0.text) },
            certifications: certs.filter { $0.valid(on: b.producedOn) }.map {
                CertificationDTO(name: $0.name, issuer: $0.issuer, number: $0.number, validFrom: $0.validFrom, validTo: $0.validTo,
                                 expired: $0.validTo.map { $0 < today } ?? false)
            },
            recalled: b.recalledAt != nil, recalledOn: b.recalledAt.map { Day.today($0) }, recallReason: b.recallReason,
            scans: b.scans + pending(b.id!))
        return (b, dto, p.villageID)
    }
}

// MARK: the pages

struct MarketTraceWeb {
    func add(open: any RoutesBuilder, openAPI: any RoutesBuilder) {
        open.get(SiteURL.batchPublic(":code").components, use: page).rule(.open)
        open.get(SiteURL.batchQRSVG(":code").components, use: qrSVG).rule(.open)
        open.get(SiteURL.batchQRPNG(":code").components, use: qrPNG).rule(.open)
        openAPI.get(APIURL.publicBatch(":code").components, use: json).rule(.open)
    }

    static func code(_ req: Request) -> String { (req.parameters.get("code") ?? "").lowercased() }

    func json(req: Request) async throws -> Response {
        let scans = req.application.batchScans
        guard let (_, dto, _) = try await MarketQueries.trace(code: Self.code(req), link: req.config.externalURL, today: req.today,
                                                           pending: scans.pending, on: req.db) else { throw Abort(.notFound) }
        let res = try await dto.encodeResponse(for: req)
        res.headers.replaceOrAdd(name: .cacheControl, value: "public, max-age=60")
        return res
    }

    struct StepRow: Encodable { var day: String; var kind: String; var text: String }
    struct CertRow: Encodable { var name: String; var detail: String }
    /// The page's own frame: it stands alone (no navigation, its own small stylesheet), so it is the same for every
    /// visitor and can be kept per code (`TracePageCache`).
    struct Frame: Encodable {
        var lang: String
        var title: String
        var otherLang: String
        var otherLangName: String
        var switchURL: String
        var today: String
    }

    struct TracePage: Encodable {
        var page: Frame
        var t: TraceDTO
        var kind: String
        var place: String
        var quantity: String
        var producedOn: String
        var bestBefore: String
        var recalledOn: String
        var ocop: String
        var stars: String
        var steps: [StepRow]
        var certs: [CertRow]
        var scans: String
        var marketURL: String
    }

    /// Stands in for the scan count while a page is built; the count goes in its place at serve time. Random per
    /// process, so no text a producer writes can be taken for it.
    static let scanMarker = "\u{E000}" + UUID.random().uuidString + "\u{E000}"

    /// The page a scan opens: counted (in memory, see `BatchScans`), then served from `TracePageCache` or built.
    func page(req: Request) async throws -> Response {
        let code = Self.code(req)
        guard (1...12).contains(code.count), code.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }),
              let hit = try await TraceVersion.lookup(code, on: req.db) else { throw Abort(.notFound) }
        let scans = req.application.batchScans
        let counted = scans.add(hit.id)
        let shown = hit.scans + counted.pending
        if counted.full { try await scans.flush(on: req.db) }
        let lang = req.lang, today = req.today
        let cache = req.application.tracePages
        let key = "\(code) \(lang.rawValue) \(today)"
        let entry: TracePageCache.Entry
        if let kept = cache.get(key, version: hit.version) {
            entry = kept
        } else {
            // Gone between the two reads (no batch is deleted today, but a page is never built from nothing).
            guard let built = try await Self.build(req, code: code, version: hit.version) else { throw Abort(.notFound) }
            cache.put(key, built)
            entry = built
        }
        let number = Array(lang.number(shown).utf8)
        var body = ByteBufferAllocator().buffer(capacity: entry.head.count + number.count + entry.tail.count)
        body.writeBytes(entry.head)
        body.writeBytes(number)
        body.writeBytes(entry.tail)
        var headers = HTTPHeaders()
        headers.contentType = .html
        return Response(status: .ok, headers: headers, body: .init(buffer: body))
    }

    /// Renders the page of `code` with the scan marker where the count goes, split there; nil when the batch is gone.
    static func build(_ req: Request, code: String, version: Int64) async throws -> TracePageCache.Entry? {
        guard let (b, dto, village) = try await MarketQueries.trace(code: code, link: req.config.externalURL, today: req.today,
                                                                     pending: { _ in 0 }, on: req.db) else { return nil }
        let lang = req.lang
        let other: Lang = lang == .vi ? .en : .vi
        let path = SiteURL.batchPublic(b.code).path
        let frame = Frame(lang: lang.rawValue, title: "\(dto.product.name) · \(lang.t("market.trace.batch", [b.code]))", otherLang: other.rawValue,
                          otherLangName: other == .vi ? "Tiếng Việt" : "English",
                          switchURL: SiteURL.language(other).path + "?back=" + (path.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/"),
                          today: Day.display(req.today))
        let q = MarketWeb.quantity(dto.quantity, lang: lang)
        let view = try await req.view.render("market/trace", TracePage(
            page: frame,
            t: dto, kind: lang.t("market.kind.\(dto.producer.kind.rawValue)"),
            place: lang.t("market.trace.where", [dto.producer.village, dto.producer.commune]),
            quantity: "\(q) \(dto.product.unit)", producedOn: Day.display(dto.producedOn), bestBefore: dto.bestBefore.map(Day.display) ?? "",
            recalledOn: dto.recalledOn.map(Day.display) ?? "",
            ocop: dto.product.ocop.map { lang.t("market.trace.ocop", [String($0.stars), String($0.year), $0.decision]) } ?? "",
            stars: dto.product.ocop.map { String(repeating: "★", count: $0.stars) } ?? "",
            steps: dto.steps.map { StepRow(day: Day.display($0.on), kind: lang.t("market.step.\($0.kind.rawValue)"), text: $0.text) },
            certs: dto.certifications.map { c in
                let detail = [c.issuer, c.number].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " · ")
                let valid = c.validTo.map { lang.t("market.trace.validUntil", [Day.display(c.validFrom), Day.display($0)]) }
                    ?? lang.t("market.trace.validFrom", [Day.display(c.validFrom)])
                return CertRow(name: c.name, detail: [detail, valid].filter { !$0.isEmpty }.joined(separator: " · "))
            },
            scans: lang.t("market.trace.scans", [scanMarker]), marketURL: SiteURL.villageMarket(.id(village)).path))
        let html = Array(view.data.readableBytesView)
        let marker = Array(scanMarker.utf8)
        guard let at = Self.find(marker, in: html) else { throw Abort(.internalServerError, reason: "the trace page lost its scan marker") }
        return TracePageCache.Entry(version: version, head: Array(html[..<at]), tail: Array(html[(at + marker.count)...]))
    }

    static func find(_ needle: [UInt8], in hay: [UInt8]) -> Int? {
        guard !needle.isEmpty, hay.count >= needle.count else { return nil }
        var i = 0
        while i <= hay.count - needle.count {
            if hay[i] == needle[0] && hay[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }

    static func batchURL(_ req: Request) async throws -> String {
        let code = Self.code(req)
        guard (1...12).contains(code.count), try await Batch.query(on: req.db).filter(\.$code == code).count() > 0 else { throw Abort(.notFound) }
        return try req.config.printedURL(.batchPublic(code))
    }

    func qrSVG(req: Request) async throws -> Response {
        guard let svg = QRCode.svg(try await Self.batchURL(req), size: 300) else { throw Abort(.notFound) }
        return Response(status: .ok, headers: ["Content-Type": "image/svg+xml", "Cache-Control": "public, max-age=86400"], body: .init(string: svg))
    }

    func qrPNG(req: Request) async throws -> Response {
        guard let png = QRCode.png(try await Self.batchURL(req), scale: 8) else { throw Abort(.notFound) }
        return Response(status: .ok, headers: ["Content-Type": "image/png", "Cache-Control": "public, max-age=86400"], body: .init(data: Data(png)))
    }
}
