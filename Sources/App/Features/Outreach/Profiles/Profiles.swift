// A household's digital profile recorded by hand (the profile form, the JSON API) and read back: the current profile,
// the profile on a date, and the dated history with where each came from and who recorded it. Answers are checked by
// `ProfileAnswers.validate` against the household's residents in the year of the date (Outreach+Rules.swift) and
// written with `ProfileRows.row` (Outreach+Profiles.swift), as visits and the import write theirs.
import Fluent
import SQLKit
import Vapor

/// A profile as the form or the API sends it: the date it is true on, the answers, and whether the household agreed.
public struct ProfileInput: Content, Sendable {
    /// YYYY-MM-DD (or dd/MM/yyyy), today or earlier.
    public var asOf: String?
    public var profile: ProfileAnswers?
    /// The household agreed that its digital profile is kept for digital support: records a consent with purpose
    /// `OutreachConsent.purpose` unless one is in force.
    public var consent: Bool?

    public init(asOf: String? = nil, profile: ProfileAnswers? = nil, consent: Bool? = nil) {
        self.asOf = asOf
        self.profile = profile
        self.consent = consent
    }
}

/// One entry of a household's profile history: the answers, and who recorded them when.
public struct ProfileRecordDTO: Content, Sendable, Equatable {
    public var profile: ProfileDTO
    /// The name of the person who recorded it (nil for an API token or the system).
    public var recordedBy: String?
    public var recordedAt: Date
}

/// A household's profile on a date (`asOf`, nil: today), with what its counts are checked against.
public struct HouseholdProfileDTO: Content, Sendable, Equatable {
    public var householdId: UUID
    /// The date asked, or nil for the current profile.
    public var asOf: String?
    /// nil when nothing was recorded on or before that date.
    public var profile: ProfileDTO?
    public var residents: Int
    /// Residents 18 or older in the year of the date asked (or without a birth year).
    public var adults: Int
}

public enum ProfileActions {
    /// Records a profile as of a date, from the form or the API (`source` `.form`); with `consent`, records the
    /// household's consent for digital support unless one is in force. Throws InvalidInput naming each field at fault
    /// (`asOf`, `profile.adultsVneid`, …); nothing is written then.
    public static func record(_ input: ProfileInput, household h: Household, access: Access, on db: any Database) async throws -> ProfileDTO {
        var c = Checker()
        let checked = try await check(input, household: h, into: &c, on: db)
        try c.check()
        return try await write(checked!, household: h, consent: input.consent == true, access: access, on: db)
    }

    /// The checked date and answers, or nil with the issues in `c` (nothing written).
    static func check(_ input: ProfileInput, household h: Household, into c: inout Checker, on db: any Database) async throws -> (asOf: String, fields: ProfileFields)? {
        let before = c.issues.count
        let today = Day.today(AppClock.now)
        var asOf = c.day("asOf", input.asOf, required: true)
        if let d = asOf, d > today { c.add("asOf", "error.profile.future"); asOf = nil }
        let answers = input.profile ?? ProfileAnswers()
        if answers.isEmpty { c.add("profile", "error.profile.empty") }
        let year = Int((asOf ?? today).prefix(4)) ?? Int(today.prefix(4))!
        let counts = try await ProfileRows.headcounts(of: [h.id!], years: [year], on: db)[h.id!]?[year]
            ?? HouseholdHeadcount(residents: 0, adults: 0)
        let fields = answers.validate(into: &c, counts: counts)
        guard c.issues.count == before, let day = asOf else { return nil }
        return (day, fields)
    }

    static func write(_ checked: (asOf: String, fields: ProfileFields), household h: Household, consent: Bool, access: Access,
                      on db: any Database) async throws -> ProfileDTO {
        let id = UUID.random()
        let now = AppClock.now
        let unit = h.groupID ?? h.villageID
        let by = access.displayName
        return try await db.auditedTransaction { db in
            let sql = try ProfileRows.sql(db)
            try await Bulk.insert(sql, into: HouseholdProfile.schema, columns: ProfileRows.columns,
                                  rows: [ProfileRows.row(id: id, household: h.id!, asOf: checked.asOf, source: .form, visit: nil, checked.fields,
                                                         recordedBy: access.personID, at: now)])
            try await OutreachSummary.refresh([h.id!], on: db)
            if consent { try await ProfileConsent.record(household: h, on: checked.asOf, by: by, db: db) }
            let dto = try ProfileRows.dto(try await sql.raw("SELECT * FROM household_profiles WHERE id = \(bind: id)").first()!)
            try await Audit.record("create", HouseholdProfile.schema, row: h.id, unit: unit, after: dto, on: db)
            return dto
        }
    }
}

/// The consent a profile form or an import row records: purpose `OutreachConsent.purpose`, unless one is in force.
enum ProfileConsent {
    static func record(household h: Household, on day: String, by: String, db: any Database) async throws {
        let inForce = try await Consent.query(on: db).filter(\.$householdID == h.id!)
            .filter(\.$purpose == OutreachConsent.purpose).filter(\.$withdrawnOn == nil).first()
        guard inForce == nil else { return }
        let c = Consent()
        c.id = UUID.random()
        c.householdID = h.id!
        c.purpose = OutreachConsent.purpose
        c.givenOn = day
        c.collectedBy = String((by.isEmpty ? "—" : by).prefix(120))
        try await c.create(on: db)
        try await Audit.record("create", Consent.schema, row: c.id, unit: h.groupID ?? h.villageID, after: c.toDTO(), on: db)
    }
}

public enum ProfileQueries {
    /// The household's profile on `asOf` (nil: the current one) with its headcount for that year.
    public static func on(_ h: Household, asOf: String?, on db: any Database) async throws -> HouseholdProfileDTO {
        let day = asOf ?? Day.today(AppClock.now)
        let year = Int(day.prefix(4))!
        let profile = try await ProfileRows.latest(of: [h.id!], asOf: asOf, on: db)[h.id!]
        let counts = try await ProfileRows.headcounts(of: [h.id!], years: [year], on: db)[h.id!]?[year]
            ?? HouseholdHeadcount(residents: 0, adults: 0)
        return HouseholdProfileDTO(householdId: h.id!, asOf: asOf, profile: profile, residents: counts.residents, adults: counts.adults)
    }

    /// Every profile of the household (voided ones left out), newest first, with who recorded each and when.
    public static func history(of household: UUID, on db: any Database) async throws -> [ProfileRecordDTO] {
        let rows = try await ProfileRows.sql(db).raw("""
            SELECT p.*, pe.display_name AS recorded_by_name FROM household_profiles p
            LEFT JOIN people pe ON pe.id = p.recorded_by
            WHERE p.household_id = \(bind: household) AND p.voided_at IS NULL
            ORDER BY p.as_of DESC, p.created_at DESC
            """).all()
        return try rows.map { r in
            ProfileRecordDTO(profile: try ProfileRows.dto(r), recordedBy: try r.decode(column: "recorded_by_name", as: String?.self),
                             recordedAt: try r.decode(column: "created_at", as: Date.self))
        }
    }

    /// `?asOf=` of a request: nil when absent; InvalidInput (field `asOf`) when it is not a date.
    static func asOf(_ req: Request) throws -> String? {
        guard let raw = req.queryValue("asOf")?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
        guard let d = Day.parse(raw) else { throw InvalidInput("asOf", "error.date") }
        return d
    }
}
