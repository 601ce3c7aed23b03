// Product photos: up to `maxPhotos` a product, each checked by its content like the procedures' papers and the
// residents' reports (`PaperSniff`: JPEG, PNG or WebP by their first bytes, whatever the file's name or the type the
// browser sent), stored under UPLOADS_DIR/products, served publicly with the type found (`/market/photos/{id}`), and
// shown on the product's page and the village market page (lazy thumbnails). Not on the traceability page, which
// stays under 30 KB. A file that is not an image is refused naming the field; an unreadable multipart body answers 400.
import Fluent
import Vapor

public final class ProductPhoto: Model, @unchecked Sendable {
    public static let schema = "product_photos"

    @ID(key: .id) public var id: UUID?
    @Field(key: "product_id") public var productID: UUID
    /// "<product id>/<photo id>.<ext>" under UPLOADS_DIR/products.
    @Field(key: "stored_name") public var storedName: String
    @Field(key: "content_type") public var contentType: String
    @Field(key: "size") public var size: Int
    @Field(key: "created_at") public var createdAt: Date

    public init() {}
}

extension MarketActions {
    static let maxPhotos = 4
    static let photoMaxBytes = 3 * 1_048_576

    static func photoPath(_ stored: String, config: AppConfig) -> String {
        URL(fileURLWithPath: config.uploadsDir).appendingPathComponent("products").appendingPathComponent(stored).path
    }

    /// Adds a photo to a product: an image by its content, at most `photoMaxBytes`, at most `maxPhotos` a product.
    static func addPhoto(_ product: Product, producer: Producer, data: ByteBuffer?, config: AppConfig, now: Date, on db: any Database) async throws -> ProductPhoto {
        var c = Checker()
        let size = data?.readableBytes ?? 0
        let sniffed = data.flatMap { d in PaperSniff.kind(d.getBytes(at: d.readerIndex, length: min(16, size)) ?? []) }
        if size == 0 { c.add("photo", "error.required") }
        else if size > photoMaxBytes { c.add("photo", "error.market.photoTooBig", [String(photoMaxBytes / 1_048_576)]) }
        else if !(sniffed?.contentType.hasPrefix("image/") ?? false) { c.add("photo", "error.market.photoType") }
        if try await ProductPhoto.query(on: db).filter(\.$productID == product.id!).count() >= maxPhotos {
            c.add("photo", "error.market.tooManyPhotos", [String(maxPhotos)])
        }
        try c.check()
        guard let data, let kind = sniffed else { throw Abort(.internalServerError) }
        let photo = ProductPhoto()
        photo.id = UUID.random()
        photo.productID = product.id!
        photo.storedName = "\(product.id!.uuidString.lowercased())/\(photo.id!.uuidString.lowercased()).\(kind.ext)"
        photo.contentType = kind.contentType
        photo.size = size
        photo.createdAt = now
        let path = photoPath(photo.storedName, config: config)
        try FileManager.default.createDirectory(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path, withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: path, contents: Data(buffer: data)) else { throw Abort(.internalServerError) }
        do {
            try await db.auditedTransaction { db in
                try await photo.create(on: db)
                try await Audit.record("addPhoto", Product.schema, row: product.id, unit: producer.villageID,
                                       after: ["photo": photo.id!.uuidString, "type": kind.contentType, "size": String(size)], on: db)
            }
        } catch {
            try? FileManager.default.removeItem(atPath: path)
            throw error
        }
        return photo
    }

    static func removePhoto(_ photo: ProductPhoto, product: Product, producer: Producer, config: AppConfig, on db: any Database) async throws {
        try await db.auditedTransaction { db in
            try await photo.delete(on: db)
            try await Audit.record("removePhoto", Product.schema, row: product.id, unit: producer.villageID, after: ["photo": photo.id!.uuidString], on: db)
        }
        try? FileManager.default.removeItem(atPath: photoPath(photo.storedName, config: config))
    }
}

extension MarketQueries {
    /// The photos' public paths by product, in the order they were added.
    static func photoPaths(_ products: [UUID], on db: any Database) async throws -> [UUID: [String]] {
        guard !products.isEmpty else { return [:] }
        var out: [UUID: [String]] = [:]
        for p in try await ProductPhoto.query(on: db).filter(\.$productID ~~ products).sort(\.$createdAt).sort(\.$id).all() {
            out[p.productID, default: []].append(SiteURL.productPhoto(.id(p.id!)).path)
        }
        return out
    }
}

struct MarketPhotosWeb {
    func add(open: any RoutesBuilder, signedIn web: any RoutesBuilder) {
        let limit = MarketActions.photoMaxBytes + 65_536
        web.on(.POST, SiteURL.productPhotos(.key).components, body: .collect(maxSize: ByteCount(value: limit)), use: upload)
            .rule(.product(.manageMarket)).maxBody(limit)
        web.post(SiteURL.productPhotoRemove(.key).components, use: remove).rule(.product(.manageMarket))
        open.get(SiteURL.productPhoto(.key).components, use: photo).rule(.open)
    }

    struct Form: Content { var photo: File? }

    func upload(req: Request) async throws -> Response {
        let pr = try req.scoped(Product.self), p = try req.scoped(Producer.self)
        let f = try req.uploadForm(Form.self)
        do {
            _ = try await MarketActions.addPhoto(pr, producer: p, data: f.photo?.data, config: req.config, now: req.now, on: req.db)
            return req.redirect(to: SiteURL.productPage(.id(pr.id!)).path, redirectType: .normal)
        } catch let e as InvalidInput {
            return try await MarketPagesWeb().renderProduct(req, photoForm: FormState(values: [:], issues: e.issues, lang: req.lang), status: e.status)
        }
    }

    func remove(req: Request) async throws -> Response {
        let pr = try req.scoped(Product.self), p = try req.scoped(Producer.self)
        let raw = (try? req.content.get(String.self, at: "photoId")) ?? ""
        // A photo already removed (a second click), or not this product's: nothing to do.
        if let id = UUID(uuidString: raw), let photo = try await ProductPhoto.find(id, on: req.db), photo.productID == pr.id {
            try await MarketActions.removePhoto(photo, product: pr, producer: p, config: req.config, on: req.db)
        }
        return req.redirect(to: SiteURL.productPage(.id(pr.id!)).path, redirectType: .normal)
    }

    func photo(req: Request) async throws -> Response {
        guard let id = req.parameters.get("id").flatMap(UUID.init(uuidString:)), let photo = try await ProductPhoto.find(id, on: req.db) else {
            throw Abort(.notFound)
        }
        let res = try await req.fileio.asyncStreamFile(at: MarketActions.photoPath(photo.storedName, config: req.config))
        res.headers.replaceOrAdd(name: .contentType, value: photo.contentType)
        res.headers.replaceOrAdd(name: .cacheControl, value: "public, max-age=86400")
        res.headers.replaceOrAdd(name: .contentDisposition, value: "inline")
        return res
    }
}
