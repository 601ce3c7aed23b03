// A household's digital profile: a history of dated answers (HouseholdProfile rows). The current profile is the
// latest row not voided (by `as_of`, then by when it was recorded); the profile on a date is the latest dated on or
// before it. Rows are written by visits (Outreach+Visits.swift), the profile form and the import, all through
// `ProfileRows.row` after `ProfileAnswers.validate`.
import Fluent
import SQLKit
import Vapor

public enum ProfileRows {
    public static let columns = ["id", "household_id", "as_of", "source", "visit_id", "internet", "smartphone_users", "adults_vneid",
                                 "adults_cashless", "online_services", "e_health", "in_village_channel", "channel", "sells_online",
                                 "own_camera", "voided_at", "recorded_by", "created_at"]

    /// One row's values in the order of `columns`, for a multi-row insert (`Bulk.insert`).
    public static func row(id: UUID = UUID.random(), household: UUID, asOf: String, source: ProfileSource, visit: UUID?,
                           _ f: ProfileFields, recordedBy: UUID?, at: Date) -> [SQLValue] {
        [id, household, asOf, source.rawValue, visit, f.internet?.rawValue, f.smartphoneUsers, f.adultsVneid, f.adultsCashless,
         f.onlineServices, f.eHealth, f.inVillageChannel, f.channel?.rawValue, f.sellsOnline, f.ownCamera, Date?.none, recordedBy, at]
    }

    /// The latest profile (not voided) of each household, dated on or before `asOf` (nil: the current one).
    public static func latest(of households: [UUID], asOf: String? = nil, on db: any Database) async throws -> [UUID: ProfileDTO] {
        guard !households.isEmpty else { return [:] }
        var out: [UUID: ProfileDTO] = [:]
        // In chunks: SQLite takes at most 32,766 bound parameters.
        var start = 0
        while start < households.count {
            let chunk = Array(households[start..<min(households.count, start + 5000)])
            start += chunk.count
            let date: SQLQueryString = asOf.map { "AND as_of <= \(bind: $0)" } ?? ""
            let rows = try await sql(db).raw("""
                SELECT * FROM (
                  SELECT p.*, ROW_NUMBER() OVER (PARTITION BY household_id ORDER BY as_of DESC, created_at DESC, id DESC) AS rn
                  FROM household_profiles p WHERE household_id IN (\(binds: chunk)) AND voided_at IS NULL \(date)
                ) latest WHERE rn = 1
                """).all()
            for r in rows { let p = try dto(r); out[p.householdId] = p }
        }
        return out
    }

    /// Every profile of a household, newest first (voided ones left out).
    public static func history(of household: UUID, on db: any Database) async throws -> [ProfileDTO] {
        try await sql(db).raw("""
            SELECT * FROM household_profiles WHERE household_id = \(bind: household) AND voided_at IS NULL
            ORDER BY as_of DESC, created_at DESC
            """).all().map(dto)
    }

    static func dto(_ r: any SQLRow) throws -> ProfileDTO {
        ProfileDTO(id: try r.decode(column: "id", as: UUID.self), householdId: try r.decode(column: "household_id", as: UUID.self),
                   asOf: try r.decode(column: "as_of", as: String.self),
                   source: ProfileSource(rawValue: try r.decode(column: "source", as: String.self)) ?? .form,
                   visitId: try r.decode(column: "visit_id", as: UUID?.self),
                   internet: try r.decode(column: "internet", as: String?.self).flatMap(InternetAccess.init(rawValue:)),
                   smartphoneUsers: try r.decode(column: "smartphone_users", as: Int?.self),
                   adultsVneid: try r.decode(column: "adults_vneid", as: Int?.self),
                   adultsCashless: try r.decode(column: "adults_cashless", as: Int?.self),
                   onlineServices: try r.decode(column: "online_services", as: Bool?.self),
                   eHealth: try r.decode(column: "e_health", as: Bool?.self),
                   inVillageChannel: try r.decode(column: "in_village_channel", as: Bool?.self),
                   channel: try r.decode(column: "channel", as: String?.self).flatMap(VillageChannel.init(rawValue:)),
                   sellsOnline: try r.decode(column: "sells_online", as: Bool?.self),
                   ownCamera: try r.decode(column: "own_camera", as: Bool?.self))
    }

    /// Residents and adults (in `year`) of each household: what a profile's counts are checked against.
    public static func headcounts(of households: [UUID], years: Set<Int>, on db: any Database) async throws -> [UUID: [Int: HouseholdHeadcount]] {
        guard !households.isEmpty else { return [:] }
        var byHousehold: [UUID: [(Int?, Int)]] = [:]
        var start = 0
        while start < households.count {
            let chunk = Array(households[start..<min(households.count, start + 5000)])
            start += chunk.count
            let rows = try await sql(db).raw("""
                SELECT household_id, birth_year, COUNT(*) AS n FROM residents WHERE household_id IN (\(binds: chunk))
                GROUP BY household_id, birth_year
                """).all()
            for r in rows {
                byHousehold[try r.decode(column: "household_id", as: UUID.self), default: []]
                    .append((try r.decode(column: "birth_year", as: Int?.self), try r.decode(column: "n", as: Int.self)))
            }
        }
        var out: [UUID: [Int: HouseholdHeadcount]] = [:]
        for h in households {
            let groups = byHousehold[h] ?? []
            let residents = groups.reduce(0) { $0 + $1.1 }
            var perYear: [Int: HouseholdHeadcount] = [:]
            for y in years {
                let adults = groups.filter { Adults.isAdult(birthYear: $0.0, in: y) }.reduce(0) { $0 + $1.1 }
                perYear[y] = HouseholdHeadcount(residents: residents, adults: adults)
            }
            out[h] = perYear
        }
        return out
    }

    static func sql(_ db: any Database) throws -> any SQLDatabase {
        guard let s = db as? any SQLDatabase else { throw Abort(.internalServerError, reason: "outreach needs an SQL database") }
        return s
    }
}

extension ProfileDTO {
    /// The answers alone (no date, source or ids), to compare with a row about to be written.
    var fields: ProfileFields {
        ProfileFields(internet: internet, smartphoneUsers: smartphoneUsers, adultsVneid: adultsVneid, adultsCashless: adultsCashless,
                      onlineServices: onlineServices, eHealth: eHealth, inVillageChannel: inVillageChannel, channel: channel,
                      sellsOnline: sellsOnline, ownCamera: ownCamera)
    }
}
