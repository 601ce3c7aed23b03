// What a report goes through: submitted (checked field by field, routed to its unit, its photos checked by content and
// stored, a fault opened on its asset), then acknowledged, assigned, answered, resolved or closed by an official —
// each change an event, told to the reporter through messaging's direct channel.
import Fluent
import SQLKit
import Vapor

/// A photo as it arrived (a form's file), before it is checked.
public struct IncomingPhoto: Sendable {
    public var filename: String
    public var data: ByteBuffer
    public init(filename: String, data: ByteBuffer) {
        self.filename = filename
        self.data = data
    }
}

/// Who sends a report: a household signed in, an anonymous visitor (with the client's address, for limits), or an
/// Open311 client's API token.
public struct ReportSender: Sendable {
    public var householdID: UUID?
    public var origin: Origin?
    public var tokenID: UUID?
    public var source: String
}

public enum ReportActions {
    public static let maxPhotos = 3
    static func sql(_ db: any Database) -> any SQLDatabase { db as! any SQLDatabase }

    // MARK: submitting

    /// Checks a report against its commune; answers the unit responsible and what the row will hold. Writes nothing.
    static func check(_ input: ReportInput, point: Result<GeoPoint?, InvalidInput>, commune: AdminUnit, householdID: UUID?, phoneRequired: Bool,
                      photos: [IncomingPhoto], config: AppConfig, on db: any Database) async throws -> (FeedbackReport, Asset?, [(IncomingPhoto, String, String)]) {
        var c = Checker()
        let category = ReportCategory(rawValue: (input.category ?? "").trimmingCharacters(in: .whitespaces))
        if (input.category ?? "").trimmingCharacters(in: .whitespaces).isEmpty { c.add("category", "error.required") }
        else if category == nil { c.add("category", "reports.error.category") }
        var geo: GeoPoint? = nil
        switch point {
        case .success(let p): geo = p
        case .failure(let e): for i in e.issues { c.add(i.field, i.key, i.args) }
        }
        var asset: Asset? = nil
        let assetRaw = (input.assetId ?? "").trimmingCharacters(in: .whitespaces)
        if !assetRaw.isEmpty {
            if let id = UUID(uuidString: assetRaw), let a = try await Asset.find(id, on: db), a.communeID == commune.id!, a.status != .removed { asset = a }
            else { c.add("assetId", "reports.error.unknownAsset") }
        }
        var village: AdminUnit? = nil
        let villageRaw = (input.villageId ?? "").trimmingCharacters(in: .whitespaces)
        if !villageRaw.isEmpty {
            if let id = UUID(uuidString: villageRaw), let v = try await AdminUnit.find(id, on: db), v.kind == .village, v.parentID == commune.id { village = v }
            else { c.add("villageId", "reports.error.unknownVillage") }
        }
        let place = c.text("place", input.place, max: 300, required: false)
        let description = c.text("description", input.description, max: 2000, multiline: true)
        if !description.isEmpty && description.count < 5 { c.add("description", "reports.error.short") }
        let phone = c.phone("phone", input.phone, required: phoneRequired)
        let name = c.text("name", input.name, max: 120, required: false)
        if geo == nil && asset == nil && place.isEmpty && !c.issues.contains(where: { ["latitude", "longitude", "assetId"].contains($0.field) }) {
            c.add("place", "reports.error.noPlace")
        }
        if photos.count > maxPhotos { c.add("photos", "reports.error.tooManyPhotos", [String(maxPhotos)]) }
        var checked: [(IncomingPhoto, String, String)] = []
        for (i, p) in photos.prefix(maxPhotos).enumerated() {
            let size = p.data.readableBytes
            let sniffed = PaperSniff.kind(p.data.getBytes(at: p.data.readerIndex, length: min(16, size)) ?? [])
            if size == 0 { c.add("photos", "reports.error.photoEmpty", [String(i + 1)]) }
            else if size > config.reports.photoMaxMB * 1_048_576 { c.add("photos", "reports.error.photoTooBig", [String(i + 1), String(config.reports.photoMaxMB)]) }
            else if let k = sniffed, k.contentType.hasPrefix("image/") { checked.append((p, k.contentType, k.ext)) }
            else { c.add("photos", "reports.error.photoType", [String(i + 1)]) }
        }
        try c.check()
        var household: Household? = nil
        if let householdID { household = try await Household.find(householdID, on: db) }
        // The unit responsible: the asset's village, the village picked, the household's village, else the commune.
        var unitID = commune.id!
        if let a = asset {
            unitID = try await villageOf(a.unitID, commune: commune.id!, on: db)
        } else if let v = village {
            unitID = v.id!
        } else if let h = household, h.communeID == commune.id {
            unitID = h.villageID
        }
        let r = FeedbackReport()
        r.id = UUID.random()
        r.code = ProcCodes.reference()
        r.communeID = commune.id!
        r.unitID = unitID
        r.category = category!
        r.latitude = geo?.latitude ?? asset?.latitude
        r.longitude = geo?.longitude ?? asset?.longitude
        r.assetID = asset?.id
        r.place = place.isEmpty ? nil : place
        r.description = description
        r.householdID = householdID
        r.phone = householdID == nil ? phone : nil
        r.reporterName = name.isEmpty ? nil : name
        r.status = .submitted
        return (r, asset, checked)
    }

    /// The village a unit lies in (a group's parent), or the commune when the unit is the commune itself.
    static func villageOf(_ unitID: UUID, commune: UUID, on db: any Database) async throws -> UUID {
        guard let u = try await AdminUnit.find(unitID, on: db) else { return commune }
        switch u.kind {
        case .village: return u.id!
        case .group: return u.parentID ?? commune
        default: return commune
        }
    }

    /// Submits a report: checks everything (nothing is written on bad input), counts an anonymous sender against the
    /// day's limits (per phone, per client address, per commune; photos too), then writes the report, its photos, its
    /// first event and — for an asset — a fault on it, in one transaction.
    public static func submit(_ input: ReportInput, point: Result<GeoPoint?, InvalidInput>, commune: AdminUnit, sender: ReportSender,
                              photos: [IncomingPhoto] = [], config: AppConfig, on db: any Database, now: Date = AppClock.now) async throws -> FeedbackReport {
        let (r, asset, checked) = try await check(input, point: point, commune: commune, householdID: sender.householdID,
                                                    phoneRequired: sender.householdID == nil && sender.tokenID == nil, photos: photos, config: config, on: db)
        try await admit(r, photos: checked.count, sender: sender, config: config, on: db, now: now)
        r.source = sender.source
        r.tokenID = sender.tokenID
        r.submittedAt = now
        r.updatedAt = now
        let dir = URL(fileURLWithPath: config.uploadsDir).appendingPathComponent("reports").appendingPathComponent(r.id!.uuidString.lowercased())
        var written: [String] = []
        var rows: [ReportPhoto] = []
        do {
            for (p, type, ext) in checked {
                try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
                let photo = ReportPhoto()
                photo.id = UUID.random()
                photo.reportID = r.id!
                photo.storedName = "\(r.id!.uuidString.lowercased())/\(photo.id!.uuidString.lowercased()).\(ext)"
                photo.contentType = type
                photo.size = p.data.readableBytes
                photo.createdAt = now
                let path = photoPath(photo.storedName, config: config)
                guard FileManager.default.createFile(atPath: path, contents: Data(buffer: p.data)) else { throw Abort(.internalServerError) }
                written.append(path)
                rows.append(photo)
            }
            let photoRows = rows
            return try await db.auditedTransaction { db in
                try await r.create(on: db)
                for p in photoRows { try await p.create(on: db) }
                try await event(r, "submitted", note: nil, by: nil, at: now, on: db)
                if let a = asset { try await openFault(a, report: r, now: now, on: db) }
                try await Audit.record("submit", FeedbackReport.schema, row: r.id, unit: r.unitID,
                                       after: ["code": r.code, "category": r.category.rawValue, "photos": String(photoRows.count), "source": r.source], on: db)
                return r
            }
        } catch {
            for p in written { try? FileManager.default.removeItem(atPath: p) }
            try? FileManager.default.removeItem(at: dir)
            throw error
        }
    }

    /// The day's limits for someone not signed in. The phone is counted from the rows (a typo'd or hostile number
    /// cannot flood the queue); the client address and the commune through `RateLimit`, so that changing the phone
    /// number alone gets nothing more. An Open311 client (an API token) counts against the commune's budget only.
    static func admit(_ r: FeedbackReport, photos: Int, sender: ReportSender, config: AppConfig, on db: any Database, now: Date) async throws {
        guard sender.householdID == nil else { return }
        let l = config.reports
        let wait = RateLimit.day - Int(now.timeIntervalSince1970) % RateLimit.day
        if let phone = r.phone, let start = Day.start(Day.today(now)),
           try await FeedbackReport.query(on: db).filter(\.$phone == phone).filter(\.$submittedAt >= start).count() >= l.perPhoneDay {
            throw InvalidInput("phone", "reports.error.tooManyFromPhone", [String(l.perPhoneDay)], status: .tooManyRequests)
        }
        if let origin = sender.origin, sender.tokenID == nil {
            guard try await RateLimit.allow("report:addr:\(origin.address)", limit: l.perAddressDay, window: RateLimit.day, on: db, now: now) else {
                throw TooManyRequests("reports.error.tooManyFromAddress", retryAfter: wait)
            }
            if photos > 0 {
                var n = 0
                for _ in 0..<photos { n = try await RateLimit.hit("reportphoto:addr:\(origin.address)", window: RateLimit.day, on: db, now: now) }
                if n > l.perAddressDay { throw TooManyRequests("reports.error.photosFromAddress", retryAfter: wait) }
            }
        }
        guard try await RateLimit.allow("report:unit:\(r.communeID)", limit: l.perUnitDay, window: RateLimit.day, on: db, now: now) else {
            throw TooManyRequests("reports.error.tooManyInUnit", retryAfter: wait)
        }
        if photos > 0 {
            var n = 0
            for _ in 0..<photos { n = try await RateLimit.hit("reportphoto:unit:\(r.communeID)", window: RateLimit.day, on: db, now: now) }
            if n > l.photosPerUnitDay { throw TooManyRequests("reports.error.photosInUnit", retryAfter: wait) }
        }
    }

    /// A fault on the asset the report is about (the asset register's workflow takes it from there), and the asset
    /// marked faulty from today.
    static func openFault(_ a: Asset, report r: FeedbackReport, now: Date, on db: any Database) async throws {
        let f = AssetFault()
        f.id = UUID.random()
        f.assetID = a.id!
        f.communeID = a.communeID
        f.status = .open
        f.description = String("\(Lang.vi.t("reports.faultFrom", [r.code])): \(r.description)".prefix(2000))
        f.openedAt = now
        f.reportID = r.id
        try await f.create(on: db)
        if a.status == .working {
            a.status = .faulty
            a.statusSince = Day.today(now)
            try await a.update(on: db)
        }
        try await Audit.record("openFault", AssetFault.schema, row: f.id, unit: a.unitID, after: ["asset": a.name, "report": r.code], on: db)
    }

    static func photoPath(_ stored: String, config: AppConfig) -> String {
        URL(fileURLWithPath: config.uploadsDir).appendingPathComponent("reports").appendingPathComponent(stored).path
    }

    @discardableResult
    static func event(_ r: FeedbackReport, _ kind: String, note: String?, by access: Access?, at now: Date, on db: any Database) async throws -> ReportEvent {
        let e = ReportEvent()
        e.id = UUID.random()
        e.reportID = r.id!
        e.at = now
        e.kind = kind
        e.status = r.status
        e.note = note
        e.byPersonID = access?.personID
        e.byName = access?.displayName
        try await e.create(on: db)
        return e
    }

    // MARK: the officials' changes

    /// acknowledge | assign | answer | resolve | reject. A report that is resolved or closed takes no more changes.
    public static func change(_ r: FeedbackReport, _ input: ReportChangeInput, by access: Access, on db: any Database, now: Date = AppClock.now) async throws -> FeedbackReport {
        var c = Checker()
        let action = (input.action ?? "").trimmingCharacters(in: .whitespaces)
        guard ["acknowledge", "assign", "answer", "resolve", "reject"].contains(action) else { throw InvalidInput("action", "reports.error.action") }
        if !r.status.isOpen { throw InvalidInput("action", "reports.error.closed", status: .conflict) }
        var assigneeFound: UUID? = nil
        var noteText: String? = nil
        switch action {
        case "assign":
            let raw = (input.assigneeId ?? "").trimmingCharacters(in: .whitespaces)
            if raw.isEmpty { c.add("assigneeId", "error.required") }
            else if let id = UUID(uuidString: raw), try await assignees(r, on: db).contains(where: { $0.id == id }) { assigneeFound = id }
            else { c.add("assigneeId", "reports.error.assignee") }
            let n = c.text("answer", input.answer, max: 2000, required: false, multiline: true)
            noteText = n.isEmpty ? nil : n
        case "answer":
            noteText = c.text("answer", input.answer, max: 2000, multiline: true)
        case "resolve":
            let n = c.text("answer", input.answer, max: 2000, required: r.answer == nil, multiline: true)
            noteText = n.isEmpty ? nil : n
        case "reject":
            noteText = c.text("reason", input.reason, max: 500, multiline: true)
        default:
            if r.status != .submitted { c.add("action", "reports.error.already") }
        }
        try c.check()
        let (assignee, note) = (assigneeFound, noteText), reportID = r.id!, held = r
        let changed = try await db.auditedTransaction { db -> FeedbackReport in
            // Two officials at once: under the report's lock, the second works on the report as the first left it
            // (a closed report answers 409, a second acknowledgement 422, as when read so) instead of writing over it.
            try await Writes.lockRow(FeedbackReport.schema, reportID, on: db)
            guard let r = try await FeedbackReport.find(reportID, on: db) else { throw Abort(.notFound) }
            if !r.status.isOpen { throw InvalidInput("action", "reports.error.closed", status: .conflict) }
            if action == "acknowledge" && r.status != .submitted { throw InvalidInput("action", "reports.error.already") }
            if action == "resolve" && note == nil && r.answer == nil { throw InvalidInput("answer", "error.required") }
            let before = ["status": r.status.rawValue]
            var kind = action
            switch action {
            case "acknowledge": r.status = .acknowledged; kind = "acknowledged"
            case "assign": r.status = .assigned; r.assigneePersonID = assignee; kind = "assigned"
            case "answer": r.answer = note; if r.status == .submitted { r.status = .acknowledged }; kind = "answered"
            case "resolve": if let note { r.answer = note }; r.status = .resolved; r.closedAt = now; kind = "resolved"
            default: r.closeReason = note; r.status = .closed; r.closedAt = now; kind = "closed"
            }
            r.updatedAt = now
            try await r.update(on: db)
            var eventNote = note
            if kind == "assigned", let a = assignee, let p = try await Person.find(a, on: db) { eventNote = [p.displayName, note].compactMap { $0 }.joined(separator: ": ") }
            let e = try await event(r, kind, note: eventNote, by: access, at: now, on: db)
            try await Audit.record(kind, FeedbackReport.schema, row: r.id, unit: r.unitID, before: before, after: ["status": r.status.rawValue], on: db)
            try await notify(r, kind: kind, eventID: e.id!, on: db)
            return r
        }
        // The caller's copy follows (the demo and the pages go on with it).
        held.status = changed.status; held.answer = changed.answer; held.assigneePersonID = changed.assigneePersonID
        held.closeReason = changed.closeReason; held.closedAt = changed.closedAt; held.updatedAt = changed.updatedAt
        return changed
    }

    /// Tells the reporter: a household through its page (and its phone when SMS/Zalo is set up), an anonymous
    /// reporter by SMS/Zalo once their phone is confirmed (procedures' rule).
    static func notify(_ r: FeedbackReport, kind: String, eventID: UUID, on db: any Database) async throws {
        guard PhoneConfirm.mayNotify(householdID: r.householdID, confirmedAt: r.phoneConfirmedAt) else { return }
        let commune = try await AdminUnit.find(r.communeID, on: db)?.name ?? ""
        try await DirectMessage.enqueue(key: "report:\(eventID)", .init(
            householdID: r.householdID, phone: PhoneConfirm.recipient(r.householdID, r.phone), unit: commune,
            title: Lang.vi.t("reports.notify.\(kind)", [r.code]),
            path: r.householdID == nil ? SiteURL.reportLookup.path + "?code=\(r.code)" : SiteURL.myReports.path), on: db)
    }

    public struct Assignee: Sendable, Equatable { public var id: UUID; public var name: String }

    /// The people a report may be assigned to: those holding a role on its unit or on a unit above it (the village
    /// head, the commune's officials, the digital team members of the village, …).
    public static func assignees(_ r: FeedbackReport, on db: any Database) async throws -> [Assignee] {
        let rows = try await sql(db).raw("""
            SELECT DISTINCT p.id, p.display_name FROM people p JOIN role_grants g ON g.person_id = p.id
            WHERE p.active = \(bind: true) AND g.unit_id IN (SELECT ancestor_id FROM unit_closure WHERE descendant_id = \(bind: r.unitID) AND is_current = \(bind: true))
            ORDER BY p.display_name
            """).all()
        return try rows.map { Assignee(id: try $0.decode(column: "id", as: UUID.self), name: try $0.decode(column: "display_name", as: String.self)) }
    }

    // MARK: reading

    /// The report a reporter follows with their phone and its code (404 on `code` otherwise).
    public static func lookup(code raw: String?, phone rawPhone: String?, householdID: UUID?, on db: any Database) async throws -> FeedbackReport {
        let code = (raw ?? "").trimmingCharacters(in: .whitespaces).uppercased()
        guard code.count == 8, let r = try await FeedbackReport.query(on: db).filter(\.$code == code).first() else {
            throw InvalidInput("code", "reports.error.notFound", status: .notFound)
        }
        if let h = householdID, r.householdID == h { return r }
        if let p = rawPhone.flatMap(Phone.normalize), r.phone == p { return r }
        throw InvalidInput("code", "reports.error.notFound", status: .notFound)
    }

    /// Assets of the commune near a point (within `metres`), nearest first: what the form offers to pick.
    public static func nearbyAssets(_ communeID: UUID, _ p: GeoPoint, metres: Double = 500, limit: Int = 10, on db: any Database) async throws -> [NearbyAssetDTO] {
        let d = metres / 111_000 * 1.5
        let assets = try await Asset.query(on: db).filter(\.$communeID == communeID).filter(\.$status != .removed)
            .filter(\.$latitude >= p.latitude - d).filter(\.$latitude <= p.latitude + d)
            .filter(\.$longitude >= p.longitude - d * 1.2).filter(\.$longitude <= p.longitude + d * 1.2).limit(2000).all()
        return assets.compactMap { a -> NearbyAssetDTO? in
            guard let la = a.latitude, let lo = a.longitude else { return nil }
            let m = p.metres(to: GeoPoint(latitude: la, longitude: lo))
            return m <= metres ? NearbyAssetDTO(id: a.id!, kind: a.kind.rawValue, name: a.name, status: a.status.rawValue, metres: Int(m.rounded()),
                                          latitude: la, longitude: lo) : nil
        }.sorted { $0.metres < $1.metres }.prefix(limit).map { $0 }
    }
}

/// Erasure (Features/PersonalData): a household's reports, and reports sent with one of its phones in its commune,
/// lose the reporter's words, place in words, name and phone, and their photos; what happened (category, unit, dates,
/// states, the official answer) is kept for the counts.
enum ReportErasure {
    /// The reports a household filed: signed in as it, or sent in its commune with one of its phones (the
    /// household's, its PIN phone, a resident's). The personal-data export lists these and erasure clears them.
    static func filedBy(householdID: UUID, communeID: UUID, phones: [String], on db: any Database) -> QueryBuilder<FeedbackReport> {
        FeedbackReport.query(on: db).group(.or) { or in
            or.filter(\.$householdID == householdID)
            if !phones.isEmpty { or.group(.and) { and in and.filter(\.$communeID == communeID).filter(\.$phone ~~ phones.map { Optional($0) }) } }
        }
    }

    /// The export's view of them (Features/PersonalData), newest first, with their photos' types and their history.
    static func export(householdID: UUID, communeID: UUID, phones: [String], on db: any Database) async throws -> [ReportDetailDTO] {
        let rows = try await filedBy(householdID: householdID, communeID: communeID, phones: phones, on: db).sort(\.$submittedAt, .descending).limit(500).all()
        var out: [ReportDetailDTO] = []
        for r in rows { out.append(try await ReportQueries.detail(r, on: db)) }
        return out
    }

    /// Answers how many reports were erased and the photo files to delete once the transaction is committed.
    static func erase(householdID: UUID, communeID: UUID, phones: [String], erasedName: String, config: AppConfig, on db: any Database) async throws -> (Int, [String]) {
        let rows = try await filedBy(householdID: householdID, communeID: communeID, phones: phones, on: db).all()
        guard !rows.isEmpty else { return (0, []) }
        let ids = rows.map { $0.id! }
        let photos = try await ReportPhoto.query(on: db).filter(\.$reportID ~~ ids).all()
        try await ReportPhoto.query(on: db).filter(\.$reportID ~~ ids).delete()
        for r in rows {
            r.description = erasedName
            r.place = nil
            r.phone = nil
            r.reporterName = nil
            try await r.update(on: db)
        }
        return (rows.count, photos.map { ReportActions.photoPath($0.storedName, config: config) })
    }
}
