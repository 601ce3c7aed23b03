// What goes over the wire for messaging: DTOs, never models.
import Vapor

public struct CorrectionDTO: Content, Sendable {
    public var at: Date
    public var authorName: String
    public var note: String
    public var previousTitle: String
    public var previousBody: String
}

public struct AnnouncementDTO: Content, Sendable {
    public var id: UUID
    public var unitId: UUID
    public var communeId: UUID
    public var category: AnnouncementCategory
    public var status: AnnouncementStatus
    public var title: String
    public var body: String
    public var channels: [Channel]
    public var unitIds: [UUID]
    public var publishAt: Date?
    public var publishedAt: Date?
    public var withdrawnAt: Date?
    public var withdrawReason: String?
    public var authorName: String
    public var audienceCount: Int?
    public var startsAt: Date?
    public var place: String?
    public var reminders: [Int]?
    public var severity: AlertSeverity?
    public var expiresAt: Date?
    public var corrections: [CorrectionDTO]?

    init(_ a: Announcement, units: [UUID], corrections: [AnnouncementCorrection]? = nil) {
        id = a.id!
        unitId = a.unitID
        communeId = a.communeID
        category = a.category
        status = a.status
        title = a.title
        body = a.body
        channels = a.channelList
        unitIds = units
        publishAt = a.publishAt
        publishedAt = a.publishedAt
        withdrawnAt = a.withdrawnAt
        withdrawReason = a.withdrawReason
        authorName = a.authorName
        audienceCount = a.audienceCount
        startsAt = a.startsAt
        place = a.place
        reminders = a.category == .meeting ? a.reminderMinutes : nil
        severity = a.severity
        expiresAt = a.expiresAt
        self.corrections = corrections?.map { CorrectionDTO(at: $0.at, authorName: $0.authorName, note: $0.note, previousTitle: $0.previousTitle, previousBody: $0.previousBody) }
    }
}

public struct PreviewDTO: Content, Sendable {
    public var households: Int
}

public struct ReachRowDTO: Content, Sendable {
    public var unitId: UUID
    public var code: String
    public var name: String
    public var kind: UnitKind
    public var households: Int
    public var delivered: Int
    public var read: Int
    public var deliveredPercent: Double
    public var readPercent: Double
    public var groups: [ReachRowDTO]?
}

public struct ChannelCountsDTO: Content, Sendable {
    public var channel: Channel
    public var queued: Int
    public var sent: Int
    public var delivered: Int
    public var read: Int
    public var failed: Int
}

public struct ReachDTO: Content, Sendable {
    public var announcementId: UUID
    /// Households in the audience the caller may see (all of them for the notice's owners).
    public var households: Int
    public var delivered: Int
    public var read: Int
    public var deliveredPercent: Double
    public var readPercent: Double
    /// Households reached by each channel first (inbox, push, sms, zalo, inPerson).
    public var reachedVia: [String: Int]
    public var villages: [ReachRowDTO]
    public var channels: [ChannelCountsDTO]
    /// Meetings: answers and attendance.
    public var rsvp: [String: Int]?
    public var attended: Int?
    /// The fan-out is still writing deliveries.
    public var inProgress: Bool
}

public struct FollowUpRowDTO: Content, Sendable {
    public var householdId: UUID
    public var code: String
    public var representative: String?
    public var address: String
    public var phone: String?
    public var villageId: UUID
    public var groupId: UUID?
    public var state: DeliveryState
    public var rsvp: RSVP?
    public var attended: Bool?
    /// Per channel: its state and the last error.
    public var channels: [String: String]
}

public struct InboxItemDTO: Content, Sendable {
    public var id: UUID
    public var category: AnnouncementCategory
    public var status: AnnouncementStatus
    public var title: String
    public var body: String
    public var unitName: String
    public var publishedAt: Date?
    public var corrected: Bool
    public var withdrawReason: String?
    public var state: DeliveryState
    public var rsvp: RSVP?
    public var startsAt: Date?
    public var place: String?
}

public struct PushSubscriptionInput: Content, Sendable {
    public struct Keys: Content, Sendable { public var p256dh: String?; public var auth: String? }
    public var endpoint: String?
    public var keys: Keys?
}
