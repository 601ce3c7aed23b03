// What outreach sends over the wire (never the models).
import Vapor

public struct TeamDTO: Content, Sendable, Equatable {
    public var id: UUID
    public var name: String
    public var unitId: UUID
    public var unitName: String
    public var communeId: UUID
    public var disbandedOn: String?
    /// Current members (joined, not left).
    public var memberCount: Int
    /// ≥ 3 current members and a visit or training in the last 90 days.
    public var active: Bool
    public var lastActivityOn: String?
}

public struct TeamMemberDTO: Content, Sendable, Equatable {
    public var id: UUID
    public var teamId: UUID
    public var residentId: UUID?
    public var personId: UUID?
    public var displayName: String
    public var phone: String?
    public var leader: Bool
    public var joinedOn: String
    public var leftOn: String?
}

public struct TeamDetailDTO: Content, Sendable {
    public var team: TeamDTO
    public var members: [TeamMemberDTO]
    /// Visits by the team in the last 90 days, not voided.
    public var visitsLast90Days: Int
}

public struct TeamInput: Content, Sendable {
    public var name: String?
    /// A village of the commune, or the commune itself.
    public var unitId: String?
    public init(name: String? = nil, unitId: String? = nil) { self.name = name; self.unitId = unitId }
}

public struct TeamMemberInput: Content, Sendable {
    /// A resident of the commune, or a person with an account (one of the two, or a name alone).
    public var residentId: String?
    public var personId: String?
    public var displayName: String?
    public var phone: String?
    public var leader: Bool?
    public var joinedOn: String?
    public var leftOn: String?
    /// Give the person the digital-team-member role on the team's unit in the same step.
    public var grantRole: Bool?
    public init(residentId: String? = nil, personId: String? = nil, displayName: String? = nil, phone: String? = nil,
                leader: Bool? = nil, joinedOn: String? = nil, leftOn: String? = nil, grantRole: Bool? = nil) {
        self.residentId = residentId; self.personId = personId; self.displayName = displayName; self.phone = phone
        self.leader = leader; self.joinedOn = joinedOn; self.leftOn = leftOn; self.grantRole = grantRole
    }
}

public struct ProfileDTO: Content, Sendable, Equatable {
    public var id: UUID
    public var householdId: UUID
    public var asOf: String
    public var source: ProfileSource
    public var visitId: UUID?
    public var internet: InternetAccess?
    public var smartphoneUsers: Int?
    public var adultsVneid: Int?
    public var adultsCashless: Int?
    public var onlineServices: Bool?
    public var eHealth: Bool?
    public var inVillageChannel: Bool?
    public var channel: VillageChannel?
    public var sellsOnline: Bool?
    public var ownCamera: Bool?
}

public struct VisitDTO: Content, Sendable, Equatable {
    public var id: UUID
    public var clientId: String
    public var householdId: UUID
    public var teamId: UUID?
    public var visitedOn: String
    public var visitors: String
    public var helped: [VisitHelp]
    public var dossierId: UUID?
    public var outcome: VisitOutcome
    public var notes: String?
    public var nextVisitOn: String?
    public var voided: Bool
    public var voidReason: String?
    public var profile: ProfileDTO?
}

/// One household on a member's list to visit: only what the visit form needs (it is what a phone caches offline).
public struct VisitTargetDTO: Content, Sendable, Equatable {
    public var householdId: UUID
    public var code: String
    public var address: String
    public var representative: String?
    public var villageName: String
    public var groupName: String?
    public var groupId: UUID?
    public var residents: Int
    public var adults: Int
    public var lastVisitOn: String?
    public var nextVisitOn: String?
    public var profile: ProfileDTO?
}

public struct VisitBatchInput: Content, Sendable {
    public var visits: [VisitInput]?
    public init(visits: [VisitInput]?) { self.visits = visits }
}

/// The answer for one visit of a batch.
public struct VisitResultDTO: Content, Sendable, Equatable {
    public enum Status: String, Codable, Sendable { case recorded, duplicate, refused }
    public var clientId: String?
    public var status: Status
    public var visitId: UUID?
    public var errors: [ErrorBody.Field]?
}

public struct VisitBatchResultDTO: Content, Sendable {
    public var recorded: Int
    public var duplicates: Int
    public var refused: Int
    public var results: [VisitResultDTO]
}

public struct VoidInput: Content, Sendable {
    public var reason: String?
    public init(reason: String? = nil) { self.reason = reason }
}

extension ErrorBody.Field: Equatable {
    public static func == (a: Self, b: Self) -> Bool { a.field == b.field && a.message == b.message && a.line == b.line }
}
