// Market: the commune's producers (a household, a cooperative or an enterprise), their products with OCOP ratings and
// certifications, and batches with dated steps behind a public traceability page and its QR code (docs/market.md).
// A producer account manages the producers it is linked to (`producer_accounts`) and nothing else; officials with
// `manageMarket` manage their units' producers.
import Fluent
import Vapor

public enum ProducerKind: String, Codable, Sendable, CaseIterable {
    case household, cooperative, enterprise
}

/// The OCOP programme's product groups, as a commune sorts its market page.
public enum ProductCategory: String, Codable, Sendable, CaseIterable {
    case food, drink, herbal, craft, textile, tourism, other
}

public final class Producer: Model, @unchecked Sendable {
    public static let schema = "producers"

    @ID(key: .id) public var id: UUID?
    @Field(key: "commune_id") public var communeID: UUID
    @Field(key: "village_id") public var villageID: UUID
    @Field(key: "kind") public var kind: ProducerKind
    @Field(key: "name") public var name: String
    @OptionalField(key: "household_id") public var householdID: UUID?
    @OptionalField(key: "contact_name") public var contactName: String?
    @OptionalField(key: "phone") public var phone: String?
    /// The producer chose to show its phone to buyers on public pages.
    @Field(key: "public_phone") public var publicPhone: Bool
    @Field(key: "makes") public var makes: String
    @OptionalField(key: "how_to_buy") public var howToBuy: String?
    /// http(s) links, one a line.
    @Field(key: "channels") public var channels: String
    @Field(key: "search_key") public var searchKey: String
    @Timestamp(key: "created_at", on: .create, format: .appClock) public var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update, format: .appClock) public var updatedAt: Date?

    public init() {}

    public var channelList: [String] { channels.split(separator: "\n").map(String.init).filter { !$0.isEmpty } }
}

public final class Product: Model, @unchecked Sendable {
    public static let schema = "products"

    @ID(key: .id) public var id: UUID?
    @Field(key: "producer_id") public var producerID: UUID
    @Field(key: "name") public var name: String
    @Field(key: "category") public var category: ProductCategory
    @OptionalField(key: "description") public var details: String?
    @Field(key: "unit") public var unit: String
    @OptionalField(key: "price_min") public var priceMin: Int64?
    @OptionalField(key: "price_max") public var priceMax: Int64?
    @OptionalField(key: "ocop_stars") public var ocopStars: Int?
    @OptionalField(key: "ocop_year") public var ocopYear: Int?
    @OptionalField(key: "ocop_decision") public var ocopDecision: String?
    @Field(key: "search_key") public var searchKey: String
    @Timestamp(key: "created_at", on: .create, format: .appClock) public var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update, format: .appClock) public var updatedAt: Date?

    public init() {}
}

public final class Certification: Model, @unchecked Sendable {
    public static let schema = "product_certifications"

    @ID(key: .id) public var id: UUID?
    @Field(key: "product_id") public var productID: UUID
    @Field(key: "name") public var name: String
    @OptionalField(key: "issuer") public var issuer: String?
    @OptionalField(key: "number") public var number: String?
    @Field(key: "valid_from") public var validFrom: String
    @OptionalField(key: "valid_to") public var validTo: String?

    public init() {}

    /// Valid on `day` (yyyy-MM-dd): from its first day to its last, inclusive.
    public func valid(on day: String) -> Bool { validFrom <= day && (validTo.map { day <= $0 } ?? true) }
}

public final class Batch: Model, @unchecked Sendable {
    public static let schema = "batches"

    @ID(key: .id) public var id: UUID?
    @Field(key: "product_id") public var productID: UUID
    /// The short public code: `/b/{code}`.
    @Field(key: "code") public var code: String
    @Field(key: "quantity") public var quantity: Double
    @Field(key: "produced_on") public var producedOn: String
    @OptionalField(key: "best_before") public var bestBefore: String?
    @OptionalField(key: "notes") public var notes: String?
    @OptionalField(key: "recalled_at") public var recalledAt: Date?
    @OptionalField(key: "recall_reason") public var recallReason: String?
    @Field(key: "scans") public var scans: Int
    @OptionalField(key: "created_by") public var createdBy: UUID?
    @Timestamp(key: "created_at", on: .create, format: .appClock) public var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update, format: .appClock) public var updatedAt: Date?

    public init() {}
}

public final class BatchStep: Model, @unchecked Sendable {
    public static let schema = "batch_steps"

    @ID(key: .id) public var id: UUID?
    @Field(key: "batch_id") public var batchID: UUID
    @Field(key: "position") public var position: Int
    @Field(key: "done_on") public var doneOn: String
    /// inputs | field | feed | processing | other (migration 0022; nil on older rows).
    @OptionalField(key: "kind") public var kind: String?
    @Field(key: "text") public var text: String

    public init() {}
}
