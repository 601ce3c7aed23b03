// What goes over the wire for reports: inputs, the officials' view, the reporter's view and the public view (no
// personal data: no name, phone, description or photos).
import Fluent
import Vapor

public struct ReportInput: Content {
    /// The commune's official code (the JSON API; the pages carry it in the path, a household's session its own).
    public var communeCode: String?
    public var category: String?
    public var latitude: Double?
    public var longitude: Double?
    public var assetId: String?
    public var villageId: String?
    public var place: String?
    public var description: String?
    public var phone: String?
    public var name: String?
    public init(communeCode: String? = nil, category: String? = nil, latitude: Double? = nil, longitude: Double? = nil, assetId: String? = nil,
                villageId: String? = nil, place: String? = nil, description: String? = nil, phone: String? = nil, name: String? = nil) {
        self.communeCode = communeCode; self.category = category; self.latitude = latitude; self.longitude = longitude; self.assetId = assetId
        self.villageId = villageId; self.place = place; self.description = description; self.phone = phone; self.name = name
    }
}

public struct ReportChangeInput: Content, Sendable {
    /// acknowledge | assign | answer | resolve | reject
    public var action: String?
    public var assigneeId: String?
    /// The answer to the reporter (assign, answer, resolve).
    public var answer: String?
    /// Why it is closed without a fix (reject).
    public var reason: String?
    public init(action: String? = nil, assigneeId: String? = nil, answer: String? = nil, reason: String? = nil) {
        self.action = action; self.assigneeId = assigneeId; self.answer = answer; self.reason = reason
    }
}

public struct ReportPhotoDTO: Content, Equatable {
    public var id: UUID
    public var contentType: String
    public var size: Int
}

public struct ReportEventDTO: Content, Equatable {
    public var at: Date
    public var kind: String
    public var status: ReportStatus
    public var note: String?
    public var byName: String?
}

/// A report as its officials (and its reporter) see it.
public struct ReportDTO: Content, Equatable {
    public var id: UUID
    public var code: String
    public var communeId: UUID
    public var unitId: UUID
    public var category: ReportCategory
    public var latitude: Double?
    public var longitude: Double?
    public var assetId: UUID?
    public var place: String?
    public var description: String
    public var householdId: UUID?
    public var phone: String?
    public var name: String?
    public var source: String
    public var status: ReportStatus
    public var assigneePersonId: UUID?
    public var answer: String?
    public var closeReason: String?
    public var submittedAt: Date
    public var updatedAt: Date
    public var closedAt: Date?
    /// Whether messages go to the reporter: a household's report, or an anonymous one whose phone was confirmed.
    public var phoneConfirmed: Bool
    /// When a code was sent to confirm the phone (right after an anonymous report): where to send it.
    public var confirmationId: UUID?
}

public struct ReportDetailDTO: Content, Equatable {
    public var report: ReportDTO
    public var photos: [ReportPhotoDTO]
    public var events: [ReportEventDTO]
}

/// A report as anyone may see it: no name, phone, description or photos.
public struct PublicReportDTO: Content, Equatable {
    public var code: String
    public var category: ReportCategory
    public var unitName: String
    public var status: ReportStatus
    public var submittedAt: Date
    public var updatedAt: Date
    public var answer: String?
    public var closeReason: String?
    public var latitude: Double?
    public var longitude: Double?
    public var assetName: String?
}

public struct NearbyAssetDTO: Content, Equatable {
    public var id: UUID
    public var kind: String
    public var name: String
    public var status: String
    public var metres: Int
    /// Where it is (the form's map draws it).
    public var latitude: Double
    public var longitude: Double
}

extension FeedbackReport {
    func toDTO() -> ReportDTO {
        ReportDTO(id: id!, code: code, communeId: communeID, unitId: unitID, category: category, latitude: latitude, longitude: longitude, assetId: assetID,
                  place: place, description: description, householdId: householdID, phone: phone, name: reporterName, source: source, status: status,
                  assigneePersonId: assigneePersonID, answer: answer, closeReason: closeReason, submittedAt: submittedAt, updatedAt: updatedAt,
                  closedAt: closedAt, phoneConfirmed: PhoneConfirm.mayNotify(householdID: householdID, confirmedAt: phoneConfirmedAt), confirmationId: nil)
    }
}

enum ReportQueries {
    static func detail(_ r: FeedbackReport, on db: any Database) async throws -> ReportDetailDTO {
        let photos = try await ReportPhoto.query(on: db).filter(\.$reportID == r.id!).sort(\.$createdAt).all()
        let events = try await ReportEvent.query(on: db).filter(\.$reportID == r.id!).sort(\.$at).all()
        return ReportDetailDTO(report: r.toDTO(), photos: photos.map { ReportPhotoDTO(id: $0.id!, contentType: $0.contentType, size: $0.size) },
                               events: events.map { ReportEventDTO(at: $0.at, kind: $0.kind, status: $0.status, note: $0.note, byName: $0.byName) })
    }

    /// The public view of reports (their units' and assets' names looked up once).
    static func publicDTOs(_ rows: [FeedbackReport], on db: any Database) async throws -> [PublicReportDTO] {
        let units = try await AdminUnit.query(on: db).filter(\.$id ~~ Array(Set(rows.map(\.unitID)))).all()
        let unitNames = Dictionary(uniqueKeysWithValues: units.map { ($0.id!, $0.name) })
        let assetIDs = Array(Set(rows.compactMap(\.assetID)))
        let assets = assetIDs.isEmpty ? [] : try await Asset.query(on: db).filter(\.$id ~~ assetIDs).all()
        let assetNames = Dictionary(uniqueKeysWithValues: assets.map { ($0.id!, $0.name) })
        return rows.map { r in
            PublicReportDTO(code: r.code, category: r.category, unitName: unitNames[r.unitID] ?? "", status: r.status, submittedAt: r.submittedAt,
                            updatedAt: r.updatedAt, answer: r.answer, closeReason: r.closeReason, latitude: r.latitude, longitude: r.longitude,
                            assetName: r.assetID.flatMap { assetNames[$0] })
        }
    }

    /// The queue: reports under the caller's units for handleReports, oldest first, by status, category and village.
    static func queue(roots: [UUID]?, status: [ReportStatus], category: ReportCategory?, unit: UUID?, limit: Int = 500, on db: any Database) async throws -> [FeedbackReport] {
        let q = FeedbackReport.query(on: db)
        if let roots { q.filter(.sql(UnitClosure.below(FeedbackReport.schema, "unit_id", roots))) }
        if !status.isEmpty { q.filter(\.$status ~~ status) }
        if let category { q.filter(\.$category == category) }
        if let unit { q.filter(.sql(UnitClosure.below(FeedbackReport.schema, "unit_id", [unit]))) }
        return try await q.sort(\.$submittedAt).sort(\.$code).limit(limit).all()
    }
}
