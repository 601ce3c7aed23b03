// JSON routes for producers and products under /api/v1 (Resources/openapi.json, tag Market).
import Fluent
import Vapor

struct MarketAPI {
    func add(api: any RoutesBuilder) {
        api.get(APIURL.producers.components, use: list).rule(.list(.manageMarket))
        api.post(APIURL.producers.components, use: create).rule(.action(.manageMarket))
        api.get(APIURL.producer(.key).components, use: get).rule(.producer(.manageMarket))
        api.patch(APIURL.producer(.key).components, use: update).rule(.producer(.manageMarket))
        api.post(APIURL.producerAccounts(.key).components, use: link).rule(.producer(.manageMarket))
        api.get(APIURL.producerProducts(.key).components, use: products).rule(.producer(.manageMarket))
        api.post(APIURL.producerProducts(.key).components, use: createProduct).rule(.producer(.manageMarket))
        api.get(APIURL.product(.key).components, use: product).rule(.product(.manageMarket))
        api.patch(APIURL.product(.key).components, use: updateProduct).rule(.product(.manageMarket))
    }

    func list(req: Request) async throws -> [ProducerDTO] {
        let list = try await MarketQueries.producers(req.access, query: req.queryValue("q"), on: req.db)
        return try await MarketQueries.producerDTOs(list, on: req.db)
    }

    func create(req: Request) async throws -> Response {
        let p = try await MarketActions.createProducer(try req.content.decode(ProducerInput.self), access: req.access, on: req.db)
        let res = try await MarketQueries.producerDTOs([p], on: req.db)[0].encodeResponse(status: .created, for: req)
        res.headers.replaceOrAdd(name: .location, value: APIURL.producer(.id(p.id!)).path)
        return res
    }

    func get(req: Request) async throws -> ProducerDTO {
        try await MarketQueries.producerDTOs([try req.scoped(Producer.self)], on: req.db)[0]
    }

    func update(req: Request) async throws -> ProducerDTO {
        let p = try await MarketActions.updateProducer(try req.scoped(Producer.self), try req.content.decode(ProducerInput.self), access: req.access, on: req.db)
        return try await MarketQueries.producerDTOs([p], on: req.db)[0]
    }

    func link(req: Request) async throws -> ProducerDTO {
        let p = try req.scoped(Producer.self)
        try await MarketActions.link(p, try req.content.decode(ProducerAccountInput.self), access: req.access, on: req.db)
        return try await MarketQueries.producerDTOs([p], on: req.db)[0]
    }

    func products(req: Request) async throws -> [ProductDTO] {
        let p = try req.scoped(Producer.self)
        let list = try await Product.query(on: req.db).filter(\.$producerID == p.id!).sort(\.$name).all()
        return try await MarketQueries.productDTOs(list, today: req.today, on: req.db)
    }

    func createProduct(req: Request) async throws -> Response {
        let p = try req.scoped(Producer.self)
        let pr = try await MarketActions.createProduct(for: p, try req.content.decode(ProductInput.self), today: req.today, on: req.db)
        let res = try await MarketQueries.productDTOs([pr], today: req.today, on: req.db)[0].encodeResponse(status: .created, for: req)
        res.headers.replaceOrAdd(name: .location, value: APIURL.product(.id(pr.id!)).path)
        return res
    }

    func product(req: Request) async throws -> ProductDTO {
        try await MarketQueries.productDTOs([try req.scoped(Product.self)], today: req.today, on: req.db)[0]
    }

    func updateProduct(req: Request) async throws -> ProductDTO {
        let pr = try await MarketActions.updateProduct(try req.scoped(Product.self), producer: try req.scoped(Producer.self),
                                                       try req.content.decode(ProductInput.self), today: req.today, on: req.db)
        return try await MarketQueries.productDTOs([pr], today: req.today, on: req.db)[0]
    }
}
