// One page of a list, shared by HTML and JSON handlers.
import Vapor

public struct PageRequest: Sendable {
    public var page: Int
    public var per: Int
    public var offset: Int { (page - 1) * per }

    public init(page: Int = 1, per: Int = 50) {
        self.page = max(1, page)
        self.per = min(max(1, per), 500)
    }

    public init(_ req: Request, defaultPer: Int) {
        self.init(page: (try? req.query.get(Int.self, at: "page")) ?? 1,
                  per: (try? req.query.get(Int.self, at: "per")) ?? defaultPer)
    }
}

public struct Paged<Item: Content>: Content {
    public var items: [Item]
    public var page: Int
    public var per: Int
    public var total: Int

    public init(items: [Item], page: PageRequest, total: Int) {
        self.items = items
        self.page = page.page
        self.per = page.per
        self.total = total
    }

    public var pageCount: Int { max(1, (total + per - 1) / per) }
}
