// Registry: households and the residents registered in them. The household is the unit of reach: each names one
// representative (a resident) who receives notices. Least data: a birth year, not a birth date; no ID numbers here.
import Fluent
import Vapor

public enum Gender: String, Codable, Sendable, CaseIterable {
    case male, female, unknown
}

public enum Relation: String, Codable, Sendable, CaseIterable {
    case head, spouse, child, parent, grandchild, sibling, other
}

public final class Household: Model, @unchecked Sendable {
    public static let schema = "households"

    @ID(key: .id) public var id: UUID?
    /// Unique across the database; officials usually prefix it with the commune code ("09829-0001").
    @Field(key: "code") public var code: String
    @Field(key: "commune_id") public var communeID: UUID
    @Field(key: "village_id") public var villageID: UUID
    @OptionalField(key: "group_id") public var groupID: UUID?
    @Field(key: "address") public var address: String
    @OptionalField(key: "phone") public var phone: String?
    @OptionalField(key: "representative_id") public var representativeID: UUID?
    @Field(key: "search_key") public var searchKey: String
    /// SHA-256 of the token printed on the household's card; nil when no card is valid.
    @OptionalField(key: "card_token_hash") public var cardTokenHash: String?
    @OptionalField(key: "card_issued_at") public var cardIssuedAt: Date?
    /// The phone and PIN (bcrypt) the representative may sign in with instead of the card.
    @OptionalField(key: "pin_phone") public var pinPhone: String?
    @OptionalField(key: "pin_hash") public var pinHash: String?
    @OptionalField(key: "pin_failed") public var pinFailed: Int?
    @OptionalField(key: "pin_locked_until") public var pinLockedUntil: Date?
    @Timestamp(key: "created_at", on: .create, format: .appClock) public var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update, format: .appClock) public var updatedAt: Date?

    public init() {}
}

public final class Resident: Model, @unchecked Sendable {
    public static let schema = "residents"

    @ID(key: .id) public var id: UUID?
    @Field(key: "household_id") public var householdID: UUID
    @Field(key: "full_name") public var fullName: String
    @Field(key: "gender") public var gender: Gender
    @OptionalField(key: "birth_year") public var birthYear: Int?
    @Field(key: "relation") public var relation: Relation
    @OptionalField(key: "phone") public var phone: String?
    @Field(key: "search_key") public var searchKey: String
    @Timestamp(key: "created_at", on: .create, format: .appClock) public var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update, format: .appClock) public var updatedAt: Date?

    public init() {}
}

extension Household {
    /// What a household search matches: its code, address, phone and the representative's name.
    static func searchKey(code: String, address: String, phone: String?, representative: String?) -> String {
        Fold.key([code, representative, address, phone])
    }
}

extension Resident {
    static func searchKey(name: String, phone: String?) -> String { Fold.key([name, phone]) }
}
