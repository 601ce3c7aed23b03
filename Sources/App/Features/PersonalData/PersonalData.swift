// Personal data (Law 91/2025/QH15, Decree 356/2025): a consent record per household (purpose, date, who collected it,
// withdrawn?), and the data subject's requests a commune official serves: everything held about a household
// (JSON and a printable page), correction (the ordinary edit forms), and erasure by anonymisation: names, phones
// and addresses go, the counts (households, residents, gender, birth year, digital profiles) stay for statistics.
import Fluent
import Vapor

public final class Consent: Model, @unchecked Sendable {
    public static let schema = "consents"

    @ID(key: .id) public var id: UUID?
    @Field(key: "household_id") public var householdID: UUID
    @Field(key: "purpose") public var purpose: String
    @Field(key: "given_on") public var givenOn: String
    @Field(key: "collected_by") public var collectedBy: String
    @OptionalField(key: "withdrawn_on") public var withdrawnOn: String?
    @Timestamp(key: "created_at", on: .create, format: .appClock) public var createdAt: Date?

    public init() {}
}

public struct ConsentDTO: Content, Equatable {
    public var id: UUID
    public var householdId: UUID
    public var purpose: String
    public var givenOn: String
    public var collectedBy: String
    public var withdrawnOn: String?
}

public struct ConsentInput: Content {
    public var purpose: String?
    public var givenOn: String?
    public var collectedBy: String?
}

public struct WithdrawInput: Content {
    public var consentId: String?
    public var date: String?
}

public struct EraseInput: Content {
    /// Must be true: erasure cannot be undone.
    public var confirm: Bool?
}

/// Everything held about a household, for the data subject.
public struct PersonalDataExport: Content {
    public var household: HouseholdDTO
    public var village: String
    public var group: String?
    public var residents: [ResidentDTO]
    public var consents: [ConsentDTO]
    /// Its digital profiles, newest first (docs/outreach.md).
    public var profiles: [ProfileRecordDTO]
    /// Door-to-door visits to it, newest first, voided ones included (marked).
    public var visits: [VisitDTO]
    /// Its contributions to fundraising campaigns, reversals included, newest first (docs/ledger.md).
    public var contributions: [MyContributionDTO]
    /// The residents' reports it filed, signed in or with one of its phones in its commune, newest first, each with
    /// its photos (type and size) and its history (docs/reports.md).
    public var reports: [ReportDetailDTO]
    public var accessLog: [AuditEventDTO]
    public var exportedAt: Date
}

extension Consent {
    func toDTO() -> ConsentDTO {
        ConsentDTO(id: id!, householdId: householdID, purpose: purpose, givenOn: givenOn, collectedBy: collectedBy, withdrawnOn: withdrawnOn)
    }
}

public enum PersonalData {
    public static let erasedName = "(đã xóa)"

    public static func consents(of householdID: UUID, on db: any Database) async throws -> [Consent] {
        try await Consent.query(on: db).filter(\.$householdID == householdID).sort(\.$givenOn).all()
    }

    public static func record(_ input: ConsentInput, for h: Household, on db: any Database) async throws -> Consent {
        var c = Checker()
        let purpose = c.text("purpose", input.purpose, max: 200)
        let given = c.day("givenOn", input.givenOn, required: true)
        let by = c.text("collectedBy", input.collectedBy, max: 120)
        if let given, given > Day.today() { c.add("givenOn", "error.future") }
        try c.check()
        return try await db.auditedTransaction { db in
            let consent = Consent()
            consent.id = UUID.random()
            consent.householdID = h.id!
            consent.purpose = purpose
            consent.givenOn = given!
            consent.collectedBy = by
            try await consent.create(on: db)
            try await Audit.record("create", Consent.schema, row: consent.id, unit: h.groupID ?? h.villageID, after: consent.toDTO(), on: db)
            return consent
        }
    }

    public static func withdraw(_ input: WithdrawInput, for h: Household, on db: any Database) async throws -> Consent {
        var c = Checker()
        let day = c.day("date", input.date) ?? Day.today()
        var consent: Consent? = nil
        if let raw = input.consentId, let id = UUID(uuidString: raw), let found = try await Consent.find(id, on: db), found.householdID == h.id {
            consent = found
            if found.withdrawnOn != nil { c.add("consentId", "error.alreadyWithdrawn") }
            else if day < found.givenOn { c.add("date", "error.periodOrder") }
        } else {
            c.add("consentId", (input.consentId ?? "").isEmpty ? "error.required" : "error.unknownConsent")
        }
        try c.check()
        let found = consent!
        return try await db.auditedTransaction { db in
            let before = found.toDTO()
            found.withdrawnOn = day
            try await found.update(on: db)
            try await Audit.record("update", Consent.schema, row: found.id, unit: h.groupID ?? h.villageID, before: before, after: found.toDTO(), on: db)
            return found
        }
    }

    public static func export(_ h: Household, on db: any Database) async throws -> PersonalDataExport {
        let detail = try await RegistryQueries.detail(h.id!, on: db)
        let village = try await AdminUnit.find(h.villageID, on: db)
        let group = try await h.groupID.asyncMap { try await AdminUnit.find($0, on: db) } ?? nil
        let rowIDs = [h.id!] + detail.residents.map(\.id)
        let log = try await AuditEvent.query(on: db).filter(\.$rowID ~~ rowIDs).sort(\.$at, .descending).limit(500).all()
        let phones = Array(Set([h.phone, h.pinPhone].compactMap { $0 } + detail.residents.compactMap(\.phone)))
        return PersonalDataExport(household: detail.household, village: village?.name ?? "", group: group?.name,
                                  residents: detail.residents, consents: try await consents(of: h.id!, on: db).map { $0.toDTO() },
                                  profiles: try await ProfileQueries.history(of: h.id!, on: db),
                                  visits: try await VisitQueries.of(household: h.id!, on: db),
                                  contributions: try await LedgerQueries.mine(h.id!, on: db),
                                  reports: try await ReportErasure.export(householdID: h.id!, communeID: h.communeID, phones: phones, on: db),
                                  accessLog: log.map { $0.toDTO() }, exportedAt: AppClock.now)
    }

    /// Anonymises the household: names, phones and the address are replaced; gender, birth year, relation, the
    /// household's place and code stay, so the counts and statistics hold. What lets anyone sign in as the household
    /// goes too (card, PIN phone and hash, open sessions), and so do its push subscriptions, the addresses its
    /// messages were sent to, and what it left in procedures: the text and phones of its questions, the names and
    /// phones of its bookings, its papers' phones and files (rows now, bytes under UPLOADS_DIR once committed).
    /// Questions, bookings and papers sent with one of the household's phones (not signed in) count as its own.
    /// Its visits lose who went and the notes; its digital profiles (counts and yes/no answers, no text) stay. Its
    /// contributions keep their amounts, dates and receipts, but lose the name and the link to the household.
    public static func erase(_ h: Household, _ input: EraseInput, config: AppConfig, on db: any Database) async throws -> HouseholdDetailDTO {
        guard input.confirm == true else { throw InvalidInput("confirm", "error.confirmErase") }
        let (detail, paths) = try await db.auditedTransaction { db -> (HouseholdDetailDTO, [String]) in
            let id = h.id!
            let residents = try await Resident.query(on: db).filter(\.$householdID == id).all()
            let phones = Array(Set([h.phone, h.pinPhone].compactMap { $0 } + residents.compactMap(\.phone)))
            for (i, r) in residents.enumerated() {
                r.fullName = "\(erasedName) \(i + 1)"
                r.phone = nil
                r.searchKey = Resident.searchKey(name: r.fullName, phone: nil)
                try await r.update(on: db)
            }
            h.address = erasedName
            h.phone = nil
            h.searchKey = Household.searchKey(code: h.code, address: h.address, phone: nil, representative: nil)
            h.cardTokenHash = nil
            h.cardIssuedAt = nil
            h.pinPhone = nil
            h.pinHash = nil
            h.pinFailed = nil
            h.pinLockedUntil = nil
            try await h.update(on: db)
            let sessions = try await SessionStore.end(household: id, on: db)
            try await PushSubscription.query(on: db).filter(\.$householdID == id).delete()
            try await ChannelDelivery.query(on: db).filter(\.$householdID == id).filter(\.$state == .queued)
                .set(\.$state, to: .failed).set(\.$lastError, to: "erased").update()
            try await ChannelDelivery.query(on: db).filter(\.$householdID == id).set(\.$address, to: erasedName).update()

            // The household's own rows in procedures, or rows sent with one of its phones in its commune.
            func mine<M: Model>(_ q: QueryBuilder<M>, household: KeyPath<M, OptionalFieldProperty<M, UUID>>,
                                commune: KeyPath<M, FieldProperty<M, UUID>>, phone: KeyPath<M, OptionalFieldProperty<M, String>>) -> QueryBuilder<M> {
                q.group(.or) { or in
                    or.filter(household == id)
                    if !phones.isEmpty { or.group(.and) { and in and.filter(commune == h.communeID).filter(phone ~~ phones.map { Optional($0) }) } }
                }
            }
            let questions = try await mine(ProcedureQuestion.query(on: db), household: \.$householdID, commune: \.$communeID, phone: \.$phone).all()
            for q in questions {
                q.phone = nil
                q.question = erasedName
                if q.answer != nil { q.answer = erasedName }
                q.published = false
                try await q.update(on: db)
            }
            let bookings = try await mine(Appointment.query(on: db), household: \.$householdID, commune: \.$communeID, phone: \.$phone).all()
            for a in bookings {
                a.phone = nil
                a.name = erasedName
                try await a.update(on: db)
            }
            let sets = try await mine(PaperSet.query(on: db), household: \.$householdID, commune: \.$communeID, phone: \.$phone).all()
            var paths: [String] = []
            if !sets.isEmpty {
                let setIDs = sets.map { $0.id! }
                let files = try await PaperFile.query(on: db).filter(\.$setID ~~ setIDs).all()
                paths = files.map { PaperActions.path($0, config: config) }
                try await PaperFile.query(on: db).filter(\.$setID ~~ setIDs).delete()
                try await PaperItem.query(on: db).filter(\.$setID ~~ setIDs).set(\.$note, to: nil).update()
                for s in sets where s.phone != nil {
                    s.phone = nil
                    try await s.update(on: db)
                }
            }
            // Residents' reports (Features/Reports): the household's, and those sent with its phones in its commune.
            let (reports, reportPhotos) = try await ReportErasure.erase(householdID: id, communeID: h.communeID, phones: phones, erasedName: erasedName, config: config, on: db)
            paths += reportPhotos
            // Visits keep their dates, help and outcome (and the profile answers, counts with no text); who went and
            // what they wrote (notes, a void's reason) go.
            let visits = try await Visit.query(on: db).filter(\.$householdID == id).count()
            try await Visit.query(on: db).filter(\.$householdID == id).set(\.$visitors, to: erasedName).update()
            try await Visit.query(on: db).filter(\.$householdID == id).filter(\.$notes != nil).set(\.$notes, to: erasedName).update()
            // A void's reason is free text about the visit, so it goes too (the void itself, and when, stay).
            try await Visit.query(on: db).filter(\.$householdID == id).filter(\.$voidReason != nil).set(\.$voidReason, to: erasedName).update()
            // Nothing the outreach overview counts changes (places, birth years, visits' dates, profiles stay); its row is
            // rewritten all the same, as after every write to a household.
            try await OutreachSummary.refresh([id], on: db)
            // Assets it looked after no longer name its residents (docs/assets.md).
            let caretaking = try await AssetErasure.erase(residents: residents.map { $0.id! }, on: db)
            // Its contributions keep their amounts and receipts, not the name nor the link (Features/Ledger).
            let contributions = try await LedgerActions.erase(household: id, on: db)
            // The erasure itself is recorded, without the erased values.
            try await Audit.record("erase", Household.schema, row: id, unit: h.groupID ?? h.villageID,
                                   after: ["residents": String(residents.count), "sessions": String(sessions), "questions": String(questions.count),
                                           "appointments": String(bookings.count), "paperFiles": String(paths.count - reportPhotos.count), "visits": String(visits),
                                           "assetsCaredFor": String(caretaking), "contributions": String(contributions), "reports": String(reports)], on: db)
            return (try await RegistryQueries.detail(id, on: db), paths)
        }
        for p in paths { try? FileManager.default.removeItem(atPath: p) }
        // The sets' folders, once empty.
        for dir in Set(paths.map { URL(fileURLWithPath: $0).deletingLastPathComponent().path }) {
            if (try? FileManager.default.contentsOfDirectory(atPath: dir))?.isEmpty == true { try? FileManager.default.removeItem(atPath: dir) }
        }
        return detail
    }
}
