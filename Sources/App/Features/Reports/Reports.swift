// Residents' reports (phản ánh hiện trường, GLOSSARY: FeedbackReport): a resident — signed in as their household, or
// anyone with a phone number — reports a problem on the ground (a broken light, a dead camera, a blocked drain…) at a
// place (a point, an asset, or words), with up to three photos. It is routed to the unit responsible (the village
// containing it, else the commune), where officials acknowledge, assign, answer and close it; each change is an event
// and is told to the reporter through messaging's direct channel. A report about an asset opens a fault on it.
// The public sees reports without any personal data; Open311 GeoReport v2 clients see the same (Open311.swift).
import Fluent
import Vapor

/// What a report is about; also Open311's service codes.
public enum ReportCategory: String, Codable, Sendable, CaseIterable {
    case brokenLight, camera, wifi, road, drainage, rubbish, security, other
}

/// Where a report stands: submitted → acknowledged / assigned → resolved | closed (rejected with a reason).
public enum ReportStatus: String, Codable, Sendable, CaseIterable {
    case submitted, acknowledged, assigned, resolved, closed

    public var isOpen: Bool { self != .resolved && self != .closed }
}

public final class FeedbackReport: Model, @unchecked Sendable {
    public static let schema = "feedback_reports"

    @ID(key: .id) public var id: UUID?
    @Field(key: "code") public var code: String
    @Field(key: "commune_id") public var communeID: UUID
    /// The unit responsible: the village containing the place, else the commune.
    @Field(key: "unit_id") public var unitID: UUID
    @Field(key: "category") public var category: ReportCategory
    @OptionalField(key: "latitude") public var latitude: Double?
    @OptionalField(key: "longitude") public var longitude: Double?
    @OptionalField(key: "asset_id") public var assetID: UUID?
    @OptionalField(key: "place") public var place: String?
    @Field(key: "description") public var description: String
    @OptionalField(key: "household_id") public var householdID: UUID?
    @OptionalField(key: "phone") public var phone: String?
    @OptionalField(key: "phone_confirmed_at") public var phoneConfirmedAt: Date?
    @OptionalField(key: "reporter_name") public var reporterName: String?
    /// web | api | open311
    @Field(key: "source") public var source: String
    /// The API token an Open311 client sent it with.
    @OptionalField(key: "token_id") public var tokenID: UUID?
    @Field(key: "status") public var status: ReportStatus
    @OptionalField(key: "assignee_person_id") public var assigneePersonID: UUID?
    @OptionalField(key: "answer") public var answer: String?
    @OptionalField(key: "close_reason") public var closeReason: String?
    @Field(key: "submitted_at") public var submittedAt: Date
    @Field(key: "updated_at") public var updatedAt: Date
    @OptionalField(key: "closed_at") public var closedAt: Date?

    public init() {}
}

public final class ReportPhoto: Model, @unchecked Sendable {
    public static let schema = "feedback_report_photos"

    @ID(key: .id) public var id: UUID?
    @Field(key: "report_id") public var reportID: UUID
    /// "<report id>/<photo id>.<ext>" under UPLOADS_DIR/reports.
    @Field(key: "stored_name") public var storedName: String
    @Field(key: "content_type") public var contentType: String
    @Field(key: "size") public var size: Int
    @Field(key: "created_at") public var createdAt: Date

    public init() {}
}

/// One change of a report: who did what, when, and the status after it.
public final class ReportEvent: Model, @unchecked Sendable {
    public static let schema = "feedback_report_events"

    @ID(key: .id) public var id: UUID?
    @Field(key: "report_id") public var reportID: UUID
    @Field(key: "at") public var at: Date
    /// submitted | acknowledged | assigned | answered | resolved | closed
    @Field(key: "kind") public var kind: String
    @Field(key: "status") public var status: ReportStatus
    @OptionalField(key: "note") public var note: String?
    @OptionalField(key: "by_person_id") public var byPersonID: UUID?
    @OptionalField(key: "by_name") public var byName: String?

    public init() {}
}

/// REPORTS_* settings (README's configuration table).
public struct ReportsConfig: Sendable, Equatable {
    /// REPORTS_PER_PHONE_DAY: reports one phone number may send a day without signing in (default 5).
    public var perPhoneDay = 5
    /// REPORTS_PER_ADDRESS_DAY: reports (and, separately, photos) one client address may send a day (default 10).
    public var perAddressDay = 10
    /// REPORTS_PER_UNIT_DAY: anonymous reports one commune may receive a day from everyone together (default 200).
    public var perUnitDay = 200
    /// REPORTS_PHOTOS_PER_UNIT_DAY: anonymous photos one commune may receive a day (default 300).
    public var photosPerUnitDay = 300
    /// REPORTS_PHOTO_MAX_MB: the largest photo (default 5).
    public var photoMaxMB = 5

    public init() {}

    static func fromEnvironment(_ env: [String: String]) throws -> ReportsConfig {
        func int(_ k: String, _ def: Int, _ range: ClosedRange<Int>) throws -> Int {
            guard let raw = env[k], !raw.isEmpty else { return def }
            guard let n = Int(raw), range.contains(n) else {
                throw ConfigError(message: "\(k) must be a whole number in \(range.lowerBound)...\(range.upperBound), got '\(raw)'")
            }
            return n
        }
        var c = ReportsConfig()
        c.perPhoneDay = try int("REPORTS_PER_PHONE_DAY", 5, 1...1000)
        c.perAddressDay = try int("REPORTS_PER_ADDRESS_DAY", 10, 1...10_000)
        c.perUnitDay = try int("REPORTS_PER_UNIT_DAY", 200, 1...100_000)
        c.photosPerUnitDay = try int("REPORTS_PHOTOS_PER_UNIT_DAY", 300, 1...100_000)
        c.photoMaxMB = try int("REPORTS_PHOTO_MAX_MB", 5, 1...50)
        return c
    }
}
