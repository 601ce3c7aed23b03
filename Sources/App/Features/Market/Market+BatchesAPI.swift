// JSON routes for batches under /api/v1 (Resources/openapi.json, tag Market): a product's batches, one batch, its
// change and its recall. A producer's linked account and the officials of its village use the same routes.
import Fluent
import Vapor

struct MarketBatchesAPI {
    func add(api: any RoutesBuilder) {
        api.get(APIURL.productBatches(.key).components, use: list).rule(.product(.manageMarket))
        api.post(APIURL.productBatches(.key).components, use: create).rule(.product(.manageMarket))
        api.get(APIURL.batch(.key).components, use: get).rule(.batch(.manageMarket))
        api.patch(APIURL.batch(.key).components, use: update).rule(.batch(.manageMarket))
        api.post(APIURL.batchRecall(.key).components, use: recall).rule(.batch(.manageMarket))
    }

    static func dtos(_ req: Request, _ list: [Batch], product: Product) async throws -> [BatchDTO] {
        try await MarketQueries.batchDTOs(list, product: product, link: req.config.externalURL,
                                          pending: req.application.batchScans.pending, on: req.db)
    }

    func list(req: Request) async throws -> [BatchDTO] {
        let pr = try req.scoped(Product.self)
        let list = try await Batch.query(on: req.db).filter(\.$productID == pr.id!).sort(\.$producedOn, .descending).sort(\.$code).limit(1000).all()
        return try await Self.dtos(req, list, product: pr)
    }

    func create(req: Request) async throws -> Response {
        let pr = try req.scoped(Product.self)
        let b = try await MarketActions.createBatch(for: pr, producer: try req.scoped(Producer.self), try req.content.decode(BatchInput.self),
                                                    access: req.access, today: req.today, on: req.db)
        let res = try await Self.dtos(req, [b], product: pr)[0].encodeResponse(status: .created, for: req)
        res.headers.replaceOrAdd(name: .location, value: APIURL.batch(.id(b.id!)).path)
        return res
    }

    func get(req: Request) async throws -> BatchDTO {
        try await Self.dtos(req, [try req.scoped(Batch.self)], product: try req.scoped(Product.self))[0]
    }

    func update(req: Request) async throws -> BatchDTO {
        let b = try await MarketActions.updateBatch(try req.scoped(Batch.self), producer: try req.scoped(Producer.self),
                                                    try req.content.decode(BatchInput.self), today: req.today, on: req.db)
        return try await Self.dtos(req, [b], product: try req.scoped(Product.self))[0]
    }

    func recall(req: Request) async throws -> BatchDTO {
        let b = try await MarketActions.recall(try req.scoped(Batch.self), producer: try req.scoped(Producer.self),
                                               try req.content.decode(RecallInput.self), now: req.now, on: req.db)
        return try await Self.dtos(req, [b], product: try req.scoped(Product.self))[0]
    }
}
