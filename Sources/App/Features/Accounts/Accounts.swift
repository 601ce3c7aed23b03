// Accounts: the people who sign in, the roles granted to them on units (each valid for the unit's whole subtree),
// and API tokens for integrations. What a role may do is decided here; where it may do it, by Support/Access.swift.
import Fluent
import Vapor

public enum Role: String, Codable, Sendable, CaseIterable {
    case admin, provinceCoordinator, communeOfficial, justiceOfficer, villageHead, groupHead, digitalTeamMember
    case householdRepresentative, producer

    /// What the role may do, anywhere below the unit it is granted on.
    public var permissions: Set<Permission> {
        switch self {
        case .admin: return Set(Permission.allCases)
        case .provinceCoordinator: return [.readRegistry, .manageUnits, .importExport, .readCriteria, .manageCriteria]
        case .communeOfficial: return [.readRegistry, .writeRegistry, .manageUnits, .importExport, .manageAccounts, .personalData,
                                       .publishAnnouncements, .manageProcedures, .serveProcedures, .visitHouseholds, .manageTeams,
                                       .manageAssets, .handleReports, .manageLedger, .manageMarket, .readCriteria, .manageCriteria]
        case .justiceOfficer: return [.readRegistry, .manageProcedures, .serveProcedures]
        case .villageHead: return [.readRegistry, .writeRegistry, .publishAnnouncements, .visitHouseholds, .manageAssets, .handleReports,
                                   .manageLedger, .manageMarket, .readCriteria]
        case .groupHead: return [.readRegistry, .writeRegistry, .publishAnnouncements]
        case .digitalTeamMember: return [.readRegistry, .writeRegistry, .visitHouseholds, .manageAssets]
        case .householdRepresentative: return []
        case .producer: return [.sellProducts]
        }
    }
}

public enum Permission: String, Codable, Sendable, CaseIterable {
    /// See units, households and residents.
    case readRegistry
    /// Add and change households and residents.
    case writeRegistry
    /// Add and change units; move villages; merge and carry communes.
    case manageUnits
    /// Import and export households as CSV.
    case importExport
    /// Grant and revoke roles, reset passwords, create API tokens.
    case manageAccounts
    /// Read the audit log (system administrators).
    case readAudit
    /// Record consent and serve data-subject requests: export, erase.
    case personalData
    /// Write, publish, correct and withdraw announcements and meetings; see their reach and follow up households.
    case publishAnnouncements
    /// Edit the procedure catalog and QR boards.
    case manageProcedures
    /// Answer questions, keep appointment slots, check papers sent ahead, record dossiers.
    case serveProcedures
    /// See the households to visit and their digital profiles; record visits and profiles; see the teams and
    /// trainings of one's units (outreach).
    case visitHouseholds
    /// Create digital teams and add or end members; plan trainings and take attendance; import profiles.
    case manageTeams
    /// Register, change and import assets; report faults and log maintenance on them (assets).
    case manageAssets
    /// See residents' reports of their units, assign, answer and close them; assign and close asset faults.
    case handleReports
    /// Open fundraising campaigns; record contributions, expenses and reversing entries (the ledger).
    case manageLedger
    /// Register the producers of one's units, change them and their products and batches, link producer accounts,
    /// recall batches (market).
    case manageMarket
    /// The producer role: manage the producers one's account is linked to (their products and batches), nothing else.
    case sellProducts
    /// See the criteria evaluations of one's units (what passes, what is missing, the rows behind each figure).
    case readCriteria
    /// Define criteria sets and their thresholds for one's units; enter manual values.
    case manageCriteria
}

public final class Person: Model, @unchecked Sendable {
    public static let schema = "people"

    @ID(key: .id) public var id: UUID?
    /// Lowercase; what the person types to sign in (or their phone).
    @Field(key: "username") public var username: String
    @OptionalField(key: "phone") public var phone: String?
    @Field(key: "display_name") public var displayName: String
    @Field(key: "password_hash") public var passwordHash: String
    @Field(key: "failed_count") public var failedCount: Int
    @OptionalField(key: "locked_until") public var lockedUntil: Date?
    @Field(key: "active") public var active: Bool
    @Timestamp(key: "created_at", on: .create, format: .appClock) public var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update, format: .appClock) public var updatedAt: Date?

    public init() {}
}

public final class RoleGrant: Model, @unchecked Sendable {
    public static let schema = "role_grants"

    @ID(key: .id) public var id: UUID?
    @Field(key: "person_id") public var personID: UUID
    @Field(key: "role") public var role: Role
    /// nil: the whole system (system administrators only).
    @OptionalField(key: "unit_id") public var unitID: UUID?
    @Timestamp(key: "created_at", on: .create, format: .appClock) public var createdAt: Date?

    public init() {}
    public init(personID: UUID, role: Role, unitID: UUID?) {
        self.id = UUID.random()
        self.personID = personID
        self.role = role
        self.unitID = unitID
    }
}

public final class ApiToken: Model, @unchecked Sendable {
    public static let schema = "api_tokens"

    @ID(key: .id) public var id: UUID?
    @Field(key: "name") public var name: String
    /// SHA-256 of the token, hex; the token itself is shown once and never stored.
    @Field(key: "token_hash") public var tokenHash: String
    @Field(key: "role") public var role: Role
    @OptionalField(key: "unit_id") public var unitID: UUID?
    /// When it was last used, to the minute (`lastUsedResolution`): not rewritten by every request.
    @OptionalField(key: "last_used_at") public var lastUsedAt: Date?
    public static let lastUsedResolution: TimeInterval = 60
    @OptionalField(key: "revoked_at") public var revokedAt: Date?
    @Timestamp(key: "created_at", on: .create, format: .appClock) public var createdAt: Date?

    public init() {}
}
