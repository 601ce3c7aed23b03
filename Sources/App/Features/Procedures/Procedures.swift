// Procedures: the civil-status procedures a commune guides people through (catalog and public guide pages),
// the QR boards placed in its villages (with scans counted per board and procedure), questions to the justice
// officer, weekly appointment slots and bookings, papers sent ahead, and dossiers with their channel and status.
// Every row carries its commune: the one scope rule (Support/Access.swift) decides who sees it.
import Fluent
import Vapor

/// One procedure in one commune's catalog. The catalog is copied from the seed (Procedures+Seed.swift) when a
/// commune's catalog is first opened, then edited by the commune.
public final class Procedure: Model, @unchecked Sendable {
    public static let schema = "procedures"
    @ID(key: .id) public var id: UUID?
    @Field(key: "commune_id") public var communeID: UUID
    /// Stable key in the URL of the guide: birthRegistration, certificationCopy…
    @Field(key: "key") public var key: String
    @Field(key: "name") public var name: String
    @Field(key: "national_code") public var nationalCode: String
    /// One line: what the procedure is for (on the poster and the guide).
    @Field(key: "summary") public var summary: String
    /// One step a line.
    @Field(key: "steps") public var steps: String
    /// One checklist item a line: the papers of the dossier.
    @Field(key: "dossier") public var dossier: String
    @Field(key: "time_limit") public var timeLimit: String
    /// Working days from receipt to result (0: the same day): what a dossier's due date is computed from.
    @Field(key: "working_days") public var workingDays: Int
    @Field(key: "fee") public var fee: String
    @Field(key: "legal_basis") public var legalBasis: String
    @Field(key: "online_url") public var onlineURL: String
    @Field(key: "online") public var online: String
    @Field(key: "handled_by") public var handledBy: String
    @Field(key: "position") public var position: Int
    @Timestamp(key: "created_at", on: .create, format: .appClock) public var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update, format: .appClock) public var updatedAt: Date?
    public init() {}

    var stepList: [String] { Self.lines(steps) }
    var dossierList: [String] { Self.lines(dossier) }
    static func lines(_ s: String) -> [String] {
        s.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}

public final class QrBoard: Model, @unchecked Sendable {
    public static let schema = "qr_boards"
    @ID(key: .id) public var id: UUID?
    @Field(key: "commune_id") public var communeID: UUID
    @OptionalField(key: "village_id") public var villageID: UUID?
    /// Where it stands: "Nhà văn hóa thôn Đông, cạnh cổng".
    @Field(key: "place") public var place: String
    @OptionalField(key: "latitude") public var latitude: Double?
    @OptionalField(key: "longitude") public var longitude: Double?
    /// Who to ask, printed on the poster: the justice officer's name, phone and hours ("" prints who handles it).
    @Field(key: "contact") public var contact: String
    @Timestamp(key: "created_at", on: .create, format: .appClock) public var createdAt: Date?
    public init() {}
}

/// A procedure shown on a board, with its own short code: `/q/{shortCode}` counts the scan and opens the guide.
public final class BoardProcedure: Model, @unchecked Sendable {
    public static let schema = "board_procedures"
    @ID(key: .id) public var id: UUID?
    @Field(key: "board_id") public var boardID: UUID
    @Field(key: "procedure_id") public var procedureID: UUID
    @Field(key: "short_code") public var shortCode: String
    @Field(key: "position") public var position: Int
    public init() {}
}

public final class ProcedureQuestion: Model, @unchecked Sendable {
    public static let schema = "procedure_questions"
    @ID(key: .id) public var id: UUID?
    @Field(key: "commune_id") public var communeID: UUID
    @Field(key: "procedure_id") public var procedureID: UUID
    /// The signed-in household that asked, or nil when asked with a phone number.
    @OptionalField(key: "household_id") public var householdID: UUID?
    @OptionalField(key: "phone") public var phone: String?
    /// What an anonymous asker quotes with their phone to read the answer.
    @Field(key: "code") public var code: String
    @Field(key: "question") public var question: String
    @OptionalField(key: "answer") public var answer: String?
    @Field(key: "asked_at") public var askedAt: Date
    @OptionalField(key: "answered_at") public var answeredAt: Date?
    @OptionalField(key: "answered_by") public var answeredBy: String?
    /// Shown on the procedure's guide page as a frequent question.
    @Field(key: "published") public var published: Bool
    /// Set when an anonymous sender confirmed the phone (PhoneConfirm): only then is anything sent to it.
    @OptionalField(key: "phone_confirmed_at") public var phoneConfirmedAt: Date?
    public init() {}
}

/// A weekly slot: every `weekday` (1 Monday … 7 Sunday) at `startTime` for `minutes`, `capacity` people.
public final class AppointmentSlot: Model, @unchecked Sendable {
    public static let schema = "appointment_slots"
    @ID(key: .id) public var id: UUID?
    @Field(key: "commune_id") public var communeID: UUID
    @Field(key: "weekday") public var weekday: Int
    @Field(key: "start_time") public var startTime: String
    @Field(key: "minutes") public var minutes: Int
    @Field(key: "capacity") public var capacity: Int
    @Field(key: "active") public var active: Bool
    @Timestamp(key: "created_at", on: .create, format: .appClock) public var createdAt: Date?
    public init() {}
}

public final class ClosedDay: Model, @unchecked Sendable {
    public static let schema = "closed_days"
    @ID(key: .id) public var id: UUID?
    @Field(key: "commune_id") public var communeID: UUID
    @Field(key: "day") public var day: String
    @Field(key: "reason") public var reason: String
    public init() {}
}

/// A slot on one day: the row whose `taken` count a booking raises with a conditional UPDATE, so two people can
/// never take its last place at once.
public final class SlotOccurrence: Model, @unchecked Sendable {
    public static let schema = "slot_occurrences"
    @ID(key: .id) public var id: UUID?
    @Field(key: "slot_id") public var slotID: UUID
    @Field(key: "day") public var day: String
    @Field(key: "capacity") public var capacity: Int
    @Field(key: "taken") public var taken: Int
    public init() {}
}

public enum AppointmentStatus: String, Codable, Sendable, CaseIterable { case booked, cancelled }

public final class Appointment: Model, @unchecked Sendable {
    public static let schema = "appointments"
    @ID(key: .id) public var id: UUID?
    @Field(key: "commune_id") public var communeID: UUID
    @Field(key: "occurrence_id") public var occurrenceID: UUID
    @Field(key: "procedure_id") public var procedureID: UUID
    @Field(key: "day") public var day: String
    @Field(key: "start_time") public var startTime: String
    @OptionalField(key: "household_id") public var householdID: UUID?
    @OptionalField(key: "phone") public var phone: String?
    @Field(key: "name") public var name: String
    @Field(key: "code") public var code: String
    @Field(key: "status") public var status: AppointmentStatus
    /// When the reminder is due (the day before, 17:00); messaging's jobs will send it.
    @Field(key: "remind_at") public var remindAt: Date
    @Timestamp(key: "created_at", on: .create, format: .appClock) public var createdAt: Date?
    @OptionalField(key: "cancelled_at") public var cancelledAt: Date?
    /// Set when an anonymous sender confirmed the phone (PhoneConfirm): only then is anything sent to it.
    @OptionalField(key: "phone_confirmed_at") public var phoneConfirmedAt: Date?
    public init() {}
}

/// Papers sent ahead for one procedure: one item per line of the procedure's checklist, each with its files.
public final class PaperSet: Model, @unchecked Sendable {
    public static let schema = "paper_sets"
    @ID(key: .id) public var id: UUID?
    @Field(key: "commune_id") public var communeID: UUID
    @Field(key: "procedure_id") public var procedureID: UUID
    @OptionalField(key: "appointment_id") public var appointmentID: UUID?
    @OptionalField(key: "household_id") public var householdID: UUID?
    @OptionalField(key: "phone") public var phone: String?
    @Field(key: "code") public var code: String
    @Timestamp(key: "created_at", on: .create, format: .appClock) public var createdAt: Date?
    /// Set when an anonymous sender confirmed the phone (PhoneConfirm): only then is anything sent to it.
    @OptionalField(key: "phone_confirmed_at") public var phoneConfirmedAt: Date?
    public init() {}
}

public enum PaperStatus: String, Codable, Sendable, CaseIterable { case pending, received, missing, wrong }

public final class PaperItem: Model, @unchecked Sendable {
    public static let schema = "paper_items"
    @ID(key: .id) public var id: UUID?
    @Field(key: "set_id") public var setID: UUID
    @Field(key: "position") public var position: Int
    @Field(key: "label") public var label: String
    @Field(key: "status") public var status: PaperStatus
    @OptionalField(key: "note") public var note: String?
    public init() {}
}

/// An uploaded photo or PDF; the bytes live under UPLOADS_DIR, never in the database.
public final class PaperFile: Model, @unchecked Sendable {
    public static let schema = "paper_files"
    @ID(key: .id) public var id: UUID?
    @Field(key: "set_id") public var setID: UUID
    @Field(key: "item_id") public var itemID: UUID
    @Field(key: "stored_name") public var storedName: String
    @Field(key: "original_name") public var originalName: String
    @Field(key: "content_type") public var contentType: String
    @Field(key: "size") public var size: Int
    @Timestamp(key: "created_at", on: .create, format: .appClock) public var createdAt: Date?
    public init() {}
}

public enum DossierChannel: String, Codable, Sendable, CaseIterable { case online, inPerson, post }
public enum DossierStatus: String, Codable, Sendable, CaseIterable { case received, processing, ready, done }

public final class Dossier: Model, @unchecked Sendable {
    public static let schema = "dossiers"
    @ID(key: .id) public var id: UUID?
    @Field(key: "commune_id") public var communeID: UUID
    @Field(key: "procedure_id") public var procedureID: UUID
    @Field(key: "channel") public var channel: DossierChannel
    @Field(key: "status") public var status: DossierStatus
    /// The commune's own reference (book number); no personal data.
    @Field(key: "reference") public var reference: String
    @Field(key: "received_on") public var receivedOn: String
    @Field(key: "due_on") public var dueOn: String
    /// The day it became ready for pick-up or done.
    @OptionalField(key: "done_on") public var doneOn: String?
    @Timestamp(key: "created_at", on: .create, format: .appClock) public var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update, format: .appClock) public var updatedAt: Date?
    public init() {}
}
