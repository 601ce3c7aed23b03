// What the market sends over the wire (never the models).
import Vapor

public struct ProducerDTO: Content, Sendable, Equatable {
    public var id: UUID
    public var kind: ProducerKind
    public var name: String
    public var communeId: UUID
    public var villageId: UUID
    public var villageName: String
    public var householdId: UUID?
    public var contactName: String?
    public var phone: String?
    public var publicPhone: Bool
    public var makes: String
    public var howToBuy: String?
    public var channels: [String]
    /// Usernames of the producer accounts that manage it.
    public var accounts: [String]
}

public struct ProducerInput: Content, Sendable {
    public var kind: String?
    public var name: String?
    public var villageId: String?
    public var householdId: String?
    public var contactName: String?
    public var phone: String?
    public var publicPhone: Bool?
    public var makes: String?
    public var howToBuy: String?
    public var channels: [String]?
    public init(kind: String? = nil, name: String? = nil, villageId: String? = nil, householdId: String? = nil, contactName: String? = nil,
                phone: String? = nil, publicPhone: Bool? = nil, makes: String? = nil, howToBuy: String? = nil, channels: [String]? = nil) {
        self.kind = kind; self.name = name; self.villageId = villageId; self.householdId = householdId; self.contactName = contactName
        self.phone = phone; self.publicPhone = publicPhone; self.makes = makes; self.howToBuy = howToBuy; self.channels = channels
    }
}

public struct ProducerAccountInput: Content, Sendable {
    /// The account's username; it must hold the producer role over the producer's village.
    public var username: String?
    public init(username: String? = nil) { self.username = username }
}

public struct CertificationDTO: Content, Sendable, Equatable {
    public var name: String
    public var issuer: String?
    public var number: String?
    public var validFrom: String
    public var validTo: String?
    /// Past its last day (today).
    public var expired: Bool
}

public struct CertificationInput: Content, Sendable {
    public var name: String?
    public var issuer: String?
    public var number: String?
    public var validFrom: String?
    public var validTo: String?
    public init(name: String? = nil, issuer: String? = nil, number: String? = nil, validFrom: String? = nil, validTo: String? = nil) {
        self.name = name; self.issuer = issuer; self.number = number; self.validFrom = validFrom; self.validTo = validTo
    }
}

public struct OcopDTO: Content, Sendable, Equatable {
    public var stars: Int
    public var year: Int
    public var decision: String
}

public struct ProductDTO: Content, Sendable, Equatable {
    public var id: UUID
    public var producerId: UUID
    public var name: String
    public var category: ProductCategory
    public var description: String?
    public var unit: String
    /// Whole đồng.
    public var priceMin: Int64?
    public var priceMax: Int64?
    public var ocop: OcopDTO?
    public var certifications: [CertificationDTO]
}

public struct ProductInput: Content, Sendable {
    public var name: String?
    public var category: String?
    public var description: String?
    public var unit: String?
    public var priceMin: Int64?
    public var priceMax: Int64?
    /// 3 to 5; with the year and the decision number.
    public var ocopStars: Int?
    public var ocopYear: Int?
    public var ocopDecision: String?
    /// Replaces the product's certifications.
    public var certifications: [CertificationInput]?
    public init(name: String? = nil, category: String? = nil, description: String? = nil, unit: String? = nil, priceMin: Int64? = nil,
                priceMax: Int64? = nil, ocopStars: Int? = nil, ocopYear: Int? = nil, ocopDecision: String? = nil,
                certifications: [CertificationInput]? = nil) {
        self.name = name; self.category = category; self.description = description; self.unit = unit; self.priceMin = priceMin
        self.priceMax = priceMax; self.ocopStars = ocopStars; self.ocopYear = ocopYear; self.ocopDecision = ocopDecision
        self.certifications = certifications
    }
}
