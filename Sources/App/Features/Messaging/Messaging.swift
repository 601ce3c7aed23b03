// Messaging: announcements and meetings addressed to units and delivered to households. The household is the unit
// of reach: publishing freezes the audience into one delivery row per household, each channel (push, SMS, Zalo) adds
// one row per household it can reach, and every acknowledgement is recorded, so "reached 100%" is counted from rows
// and the households not reached become the group head's follow-up list.
import Fluent
import Vapor

public enum AnnouncementCategory: String, Codable, Sendable, CaseIterable {
    case notice, meeting, reminder, urgent
}

public enum AnnouncementStatus: String, Codable, Sendable, CaseIterable {
    /// Being written; editable.
    case draft
    /// Will be published at `publishAt`.
    case scheduled
    /// Gone out; can only be corrected (visibly) or withdrawn.
    case published
    case withdrawn
}

/// How far a delivery got. Ordered: a later state never moves back.
public enum DeliveryState: String, Codable, Sendable, CaseIterable {
    case queued, sent, delivered, read, failed

    var rank: Int {
        switch self {
        case .failed: return 0
        case .queued: return 1
        case .sent: return 2
        case .delivered: return 3
        case .read: return 4
        }
    }
}

public enum Channel: String, Codable, Sendable, CaseIterable {
    /// The household's page in Thôn Số; every household has it.
    case inbox
    case push, sms, zalo
    /// Rendered to speech for the village public-address system; not counted per household.
    case loudspeaker
    /// A group head told the household face to face.
    case inPerson

    /// Channels that send per household through a job.
    static let sent: [Channel] = [.push, .sms, .zalo]
}

public enum RSVP: String, Codable, Sendable, CaseIterable {
    case yes, no, maybe
}

/// CAP severity of an urgent alert.
public enum AlertSeverity: String, Codable, Sendable, CaseIterable {
    case extreme = "Extreme", severe = "Severe", moderate = "Moderate", minor = "Minor"
}

public final class Announcement: Model, @unchecked Sendable {
    public static let schema = "announcements"

    @ID(key: .id) public var id: UUID?
    /// The unit that owns it (the smallest unit holding the whole audience): who may edit it.
    @Field(key: "unit_id") public var unitID: UUID
    @Field(key: "commune_id") public var communeID: UUID
    @Field(key: "category") public var category: AnnouncementCategory
    @Field(key: "status") public var status: AnnouncementStatus
    @Field(key: "title") public var title: String
    @Field(key: "body") public var body: String
    /// Comma-separated channels chosen besides the inbox (push, sms, zalo, loudspeaker).
    @Field(key: "channels") public var channels: String
    @OptionalField(key: "publish_at") public var publishAt: Date?
    @OptionalField(key: "published_at") public var publishedAt: Date?
    @OptionalField(key: "withdrawn_at") public var withdrawnAt: Date?
    @OptionalField(key: "withdraw_reason") public var withdrawReason: String?
    @OptionalField(key: "author_id") public var authorID: UUID?
    @Field(key: "author_name") public var authorName: String
    /// Households in the audience, frozen when it went out.
    @OptionalField(key: "audience_count") public var audienceCount: Int?
    /// Meetings: when and where; reminders as minutes before, comma-separated.
    @OptionalField(key: "starts_at") public var startsAt: Date?
    @OptionalField(key: "place") public var place: String?
    @OptionalField(key: "reminders") public var reminders: String?
    /// Urgent alerts: CAP severity and when the alert expires.
    @OptionalField(key: "severity") public var severity: AlertSeverity?
    @OptionalField(key: "expires_at") public var expiresAt: Date?
    @Timestamp(key: "created_at", on: .create, format: .appClock) public var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update, format: .appClock) public var updatedAt: Date?

    public init() {}

    var channelList: [Channel] { channels.split(separator: ",").compactMap { Channel(rawValue: String($0)) } }
    var reminderMinutes: [Int] { (reminders ?? "").split(separator: ",").compactMap { Int($0) } }
}

public final class AnnouncementUnit: Model, @unchecked Sendable {
    public static let schema = "announcement_units"

    @ID(key: .id) public var id: UUID?
    @Field(key: "announcement_id") public var announcementID: UUID
    @Field(key: "unit_id") public var unitID: UUID

    public init() {}
    init(announcementID: UUID, unitID: UUID) {
        id = UUID.random()
        self.announcementID = announcementID
        self.unitID = unitID
    }
}

/// A published notice is never silently changed: each correction keeps what it said before.
public final class AnnouncementCorrection: Model, @unchecked Sendable {
    public static let schema = "announcement_corrections"

    @ID(key: .id) public var id: UUID?
    @Field(key: "announcement_id") public var announcementID: UUID
    @Field(key: "at") public var at: Date
    @Field(key: "author_name") public var authorName: String
    @Field(key: "note") public var note: String
    @Field(key: "previous_title") public var previousTitle: String
    @Field(key: "previous_body") public var previousBody: String

    public init() {}
}

/// One per household in the audience: the inbox entry, and the household's best state over all channels.
public final class Delivery: Model, @unchecked Sendable {
    public static let schema = "deliveries"

    @ID(key: .id) public var id: UUID?
    @Field(key: "announcement_id") public var announcementID: UUID
    @Field(key: "household_id") public var householdID: UUID
    @Field(key: "village_id") public var villageID: UUID
    @OptionalField(key: "group_id") public var groupID: UUID?
    @Field(key: "state") public var state: DeliveryState
    /// The channel that first reached the household (inbox, push, sms, zalo, inPerson).
    @OptionalField(key: "reached_via") public var reachedVia: Channel?
    @OptionalField(key: "delivered_at") public var deliveredAt: Date?
    @OptionalField(key: "read_at") public var readAt: Date?
    /// Who marked it "informed in person".
    @OptionalField(key: "informed_by") public var informedBy: String?
    @OptionalField(key: "rsvp") public var rsvp: RSVP?
    @OptionalField(key: "rsvp_at") public var rsvpAt: Date?
    @OptionalField(key: "attended") public var attended: Bool?
    @OptionalField(key: "created_at") public var createdAt: Date?

    public init() {}
}

/// One per household, channel and purpose (the notice, a correction, each reminder).
public final class ChannelDelivery: Model, @unchecked Sendable {
    public static let schema = "channel_deliveries"

    @ID(key: .id) public var id: UUID?
    @Field(key: "delivery_id") public var deliveryID: UUID
    @Field(key: "announcement_id") public var announcementID: UUID
    @Field(key: "household_id") public var householdID: UUID
    @Field(key: "channel") public var channel: Channel
    @Field(key: "purpose") public var purpose: String
    /// The phone number (SMS, Zalo) or "subscriptions" (push), frozen when it was queued.
    @Field(key: "address") public var address: String
    @Field(key: "state") public var state: DeliveryState
    @Field(key: "attempts") public var attempts: Int
    @Field(key: "next_attempt_at") public var nextAttemptAt: Date
    @OptionalField(key: "last_error") public var lastError: String?
    /// The gateway's message id, to match its callbacks.
    @OptionalField(key: "external_id") public var externalID: String?
    @OptionalField(key: "sent_at") public var sentAt: Date?
    @OptionalField(key: "delivered_at") public var deliveredAt: Date?
    @OptionalField(key: "read_at") public var readAt: Date?

    public init() {}
}

public final class PushSubscription: Model, @unchecked Sendable {
    public static let schema = "push_subscriptions"

    @ID(key: .id) public var id: UUID?
    @Field(key: "household_id") public var householdID: UUID
    @Field(key: "endpoint") public var endpoint: String
    @Field(key: "p256dh") public var p256dh: String
    @Field(key: "auth") public var auth: String
    @Field(key: "failures") public var failures: Int
    @Timestamp(key: "created_at", on: .create, format: .appClock) public var createdAt: Date?

    public init() {}
}
