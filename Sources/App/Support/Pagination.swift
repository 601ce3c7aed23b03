// One page of a list, shared by HTML and JSON handlers.
import Vapor

public struct PageRequest: Sendable {
    /// The largest page number taken (a larger one is read as this): with `maxPer` rows a page, offsets stay far
    /// from overflowing.
    public static let maxPage = 1_000_000, maxPer = 500
    public var page: Int
    public var per: Int
    public var offset: Int { (page - 1) * per }

    /// Both numbers are bounded here, where they are parsed, so no arithmetic on them can overflow.
    public init(page: Int = 1, per: Int = 50) {
        self.page = min(max(1, page), Self.maxPage)
        self.per = min(max(1, per), Self.maxPer)
    }

    public init(_ req: Request, defaultPer: Int) {
        self.init(page: Self.number(req.queryValue("page")) ?? 1,
                  per: Self.number(req.queryValue("per")) ?? defaultPer)
    }

    /// A whole number from a query parameter, saturated to ±1,000,000,000 (digits beyond Int's range included);
    /// nil when it is not one.
    static func number(_ raw: String?) -> Int? {
        guard var text = raw?.trimmingCharacters(in: .whitespaces), !text.isEmpty, text.count <= 40 else { return nil }
        var negative = false
        if text.first == "-" || text.first == "+" { negative = text.first == "-"; text.removeFirst() }
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        let digits = text.drop { $0 == "0" }
        let limit = 1_000_000_000
        let value = digits.count > 10 ? limit : min(Int(digits.isEmpty ? "0" : String(digits)) ?? limit, limit)
        return negative ? -value : value
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

    public var pageCount: Int { max(1, total / max(1, per) + (total % max(1, per) == 0 ? 0 : 1)) }
}
