// Outreach: community digital technology teams (tổ công nghệ số cộng đồng) and their members, the door-to-door
// visits they make ("đi từng ngõ, gõ từng nhà"), each household's digital profile as dated answers, and the
// digital-skills trainings they run (docs/outreach.md). The profile and visits are personal data: views are audited,
// consent purpose "digitalSupport" is recorded, erasure covers them.
import Fluent
import Vapor

/// A community digital technology team, for a village or for the whole commune.
public final class DigitalTeam: Model, @unchecked Sendable {
    public static let schema = "digital_teams"

    @ID(key: .id) public var id: UUID?
    @Field(key: "name") public var name: String
    /// The village (or commune) it serves.
    @Field(key: "unit_id") public var unitID: UUID
    @Field(key: "commune_id") public var communeID: UUID
    @OptionalField(key: "disbanded_on") public var disbandedOn: String?
    @Timestamp(key: "created_at", on: .create, format: .appClock) public var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update, format: .appClock) public var updatedAt: Date?

    public init() {}
}

/// A member of a team: a resident of the commune or a person with an account, with the dates they joined and left.
public final class TeamMember: Model, @unchecked Sendable {
    public static let schema = "team_members"

    @ID(key: .id) public var id: UUID?
    @Field(key: "team_id") public var teamID: UUID
    @OptionalField(key: "resident_id") public var residentID: UUID?
    @OptionalField(key: "person_id") public var personID: UUID?
    @Field(key: "display_name") public var displayName: String
    @OptionalField(key: "phone") public var phone: String?
    @Field(key: "leader") public var leader: Bool
    @Field(key: "joined_on") public var joinedOn: String
    @OptionalField(key: "left_on") public var leftOn: String?
    @Timestamp(key: "created_at", on: .create, format: .appClock) public var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update, format: .appClock) public var updatedAt: Date?

    public init() {}
}

/// How a household reaches the internet at home.
public enum InternetAccess: String, Codable, Sendable, CaseIterable {
    case fibre, mobile, none
}

/// Which village channel the representative is in.
public enum VillageChannel: String, Codable, Sendable, CaseIterable {
    case zalo, facebook, other
}

/// What a visit helped with.
public enum VisitHelp: String, Codable, Sendable, CaseIterable {
    case vneid, cashless, onlineProcedure, villageChannel, webPush, other
}

/// How a visit went.
public enum VisitOutcome: String, Codable, Sendable, CaseIterable {
    /// Met the household; what was planned was done.
    case done
    /// Met the household; more is needed (see the next-visit date).
    case followUp
    /// Nobody was home.
    case notHome
    /// The household did not want help.
    case declined
}

/// One door-to-door visit. Append-only: a wrong visit is voided with a reason, never edited or deleted.
public final class Visit: Model, @unchecked Sendable {
    public static let schema = "visits"

    @ID(key: .id) public var id: UUID?
    /// Made on the phone that recorded the visit (a UUID); unique, so a visit sent twice is recorded once.
    @Field(key: "client_id") public var clientID: String
    @Field(key: "household_id") public var householdID: UUID
    @OptionalField(key: "team_id") public var teamID: UUID?
    @Field(key: "visited_on") public var visitedOn: String
    /// Who went (names, as the member wrote them).
    @Field(key: "visitors") public var visitors: String
    /// What it helped with: `VisitHelp` raw values separated by commas ("" for nothing).
    @Field(key: "helped") public var helped: String
    @OptionalField(key: "dossier_id") public var dossierID: UUID?
    @Field(key: "outcome") public var outcome: VisitOutcome
    @OptionalField(key: "notes") public var notes: String?
    @OptionalField(key: "next_visit_on") public var nextVisitOn: String?
    @OptionalField(key: "recorded_by") public var recordedBy: UUID?
    @OptionalField(key: "voided_at") public var voidedAt: Date?
    @OptionalField(key: "void_reason") public var voidReason: String?
    @OptionalField(key: "voided_by") public var voidedBy: UUID?
    @Field(key: "created_at") public var createdAt: Date

    public init() {}

    public var helpedList: [VisitHelp] { helped.split(separator: ",").compactMap { VisitHelp(rawValue: String($0)) } }
}

/// Where a profile's answers came from.
public enum ProfileSource: String, Codable, Sendable {
    case visit, `import`, form
}

/// A household's digital profile as of a date: the current profile is the latest (by date, then by when it was
/// recorded) that is not voided; "the profile on 30 June" is the latest dated on or before it. An answer left nil was
/// not known then.
public final class HouseholdProfile: Model, @unchecked Sendable {
    public static let schema = "household_profiles"

    @ID(key: .id) public var id: UUID?
    @Field(key: "household_id") public var householdID: UUID
    @Field(key: "as_of") public var asOf: String
    @Field(key: "source") public var source: ProfileSource
    @OptionalField(key: "visit_id") public var visitID: UUID?
    @OptionalField(key: "internet") public var internet: InternetAccess?
    @OptionalField(key: "smartphone_users") public var smartphoneUsers: Int?
    @OptionalField(key: "adults_vneid") public var adultsVneid: Int?
    @OptionalField(key: "adults_cashless") public var adultsCashless: Int?
    @OptionalField(key: "online_services") public var onlineServices: Bool?
    @OptionalField(key: "e_health") public var eHealth: Bool?
    @OptionalField(key: "in_village_channel") public var inVillageChannel: Bool?
    @OptionalField(key: "channel") public var channel: VillageChannel?
    @OptionalField(key: "sells_online") public var sellsOnline: Bool?
    @OptionalField(key: "own_camera") public var ownCamera: Bool?
    @OptionalField(key: "voided_at") public var voidedAt: Date?
    @OptionalField(key: "recorded_by") public var recordedBy: UUID?
    @Field(key: "created_at") public var createdAt: Date

    public init() {}
}

/// A digital-skills class.
public final class Training: Model, @unchecked Sendable {
    public static let schema = "trainings"

    @ID(key: .id) public var id: UUID?
    @Field(key: "commune_id") public var communeID: UUID
    @OptionalField(key: "team_id") public var teamID: UUID?
    @Field(key: "topic") public var topic: String
    @Field(key: "held_on") public var heldOn: String
    /// "HH:mm", Hà Nội time.
    @OptionalField(key: "starts_at") public var startsAt: String?
    @Field(key: "place") public var place: String
    @Field(key: "trainer") public var trainer: String
    @OptionalField(key: "announcement_id") public var announcementID: UUID?
    @OptionalField(key: "created_by") public var createdBy: UUID?
    @Timestamp(key: "created_at", on: .create, format: .appClock) public var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update, format: .appClock) public var updatedAt: Date?

    public init() {}
}
