// Creating and changing households and residents, and the queries the pages and the API share.
import Fluent
import SQLKit
import Vapor

public enum RegistryActions {

    /// The village (in force) and optional group (of that village) a household is placed in.
    static func placement(villageRaw: String?, groupRaw: String?, into c: inout Checker, db: any Database) async throws -> (AdminUnit?, AdminUnit?) {
        var village: AdminUnit? = nil, group: AdminUnit? = nil
        let v = (villageRaw ?? "").trimmingCharacters(in: .whitespaces)
        if v.isEmpty { c.add("villageId", "error.required") }
        else if let id = UUID(uuidString: v), let u = try await AdminUnit.find(id, on: db), u.kind == .village, u.isInForce(on: Day.today()) { village = u }
        else { c.add("villageId", "error.unknownVillage") }
        let g = (groupRaw ?? "").trimmingCharacters(in: .whitespaces)
        if !g.isEmpty {
            if let id = UUID(uuidString: g), let u = try await AdminUnit.find(id, on: db), u.kind == .group {
                if let village, u.parentID != village.id { c.add("groupId", "error.groupOtherVillage", [u.name, village.name]) }
                else { group = u }
            } else { c.add("groupId", "error.unknownGroup") }
        }
        return (village, group)
    }

    public static func createHousehold(_ input: HouseholdInput, on db: any Database) async throws -> Household {
        try await db.auditedTransaction { db in
            var c = Checker()
            let fields = input.validate(into: &c)
            let (code, address, phone, rep) = (fields.code, fields.address, fields.phone, fields.representative)
            let (village, group) = try await placement(villageRaw: input.villageId, groupRaw: input.groupId, into: &c, db: db)
            try c.check()
            if try await Household.query(on: db).filter(\.$code == code).count() > 0 {
                throw InvalidInput("code", "error.duplicateCode", [code])
            }
            let h = Household()
            h.id = UUID.random()
            h.code = code
            h.communeID = village!.communeID ?? village!.parentID!
            h.villageID = village!.id!
            h.groupID = group?.id
            h.address = address
            h.phone = phone
            if let rep {
                let r = Resident()
                r.id = UUID.random()
                r.householdID = h.id!
                r.fullName = rep.name; r.gender = rep.gender; r.birthYear = rep.birthYear
                r.relation = input.representative?.relation == nil ? .head : rep.relation
                r.phone = rep.phone
                r.searchKey = Resident.searchKey(name: rep.name, phone: rep.phone)
                h.representativeID = r.id
                h.searchKey = Household.searchKey(code: code, address: address, phone: phone, representative: rep.name)
                try await h.create(on: db)
                try await r.create(on: db)
                try await Audit.record("create", Resident.schema, row: r.id, unit: h.groupID ?? h.villageID, after: r.toDTO(representativeID: r.id), on: db)
            } else {
                h.searchKey = Household.searchKey(code: code, address: address, phone: phone, representative: nil)
                try await h.create(on: db)
            }
            try await OutreachSummary.refresh([h.id!], on: db)
            try await Audit.record("create", Household.schema, row: h.id, unit: h.groupID ?? h.villageID, after: h.toDTO(representativeName: rep?.name), on: db)
            return h
        }
    }

    public static func updateHousehold(_ h: Household, _ input: HouseholdInput, on db: any Database) async throws -> Household {
        try await db.auditedTransaction { db in
            var c = Checker()
            // The fields not sent keep their values; the household's rules check the result (a representative is
            // named by id here, among the household's residents).
            var merged = input
            merged.code = input.code ?? h.code
            merged.address = input.address ?? h.address
            merged.phone = input.phone ?? h.phone
            merged.representative = nil
            let fields = merged.validate(into: &c)
            let (code, address, phone) = (fields.code, fields.address, fields.phone)
            let (village, group) = try await placement(villageRaw: input.villageId ?? h.villageID.uuidString,
                                                       groupRaw: input.groupId ?? h.groupID?.uuidString, into: &c, db: db)
            var rep: Resident? = nil
            if let raw = input.representativeId, !raw.isEmpty {
                if let id = UUID(uuidString: raw), let r = try await Resident.find(id, on: db), r.householdID == h.id { rep = r }
                else { c.add("representativeId", "error.notAResident") }
            } else if let id = h.representativeID {
                rep = try await Resident.find(id, on: db)
            }
            try c.check()
            if code != h.code, try await Household.query(on: db).filter(\.$code == code).count() > 0 {
                throw InvalidInput("code", "error.duplicateCode", [code])
            }
            let before = h.toDTO(representativeName: nil)
            let place = (h.villageID, h.groupID)
            h.code = code
            h.villageID = village!.id!
            h.communeID = village!.communeID ?? village!.parentID!
            h.groupID = group?.id
            h.address = address
            h.phone = phone
            h.representativeID = rep?.id
            h.searchKey = Household.searchKey(code: code, address: address, phone: phone, representative: rep?.fullName)
            if h.hasChanges {
                try await h.update(on: db)
                try await OutreachSummary.refresh([h.id!], on: db)
                // Moved: its visits count where it lives now.
                if place != (h.villageID, h.groupID) { try await VisitMonths.recount(villages: [place.0, h.villageID], on: db) }
                try await Audit.record("update", Household.schema, row: h.id, unit: h.groupID ?? h.villageID, before: before, after: h.toDTO(representativeName: nil), on: db)
            }
            return h
        }
    }

    public static func createResident(in h: Household, _ input: ResidentInput, on db: any Database) async throws -> Resident {
        try await db.auditedTransaction { db in
            let v = try input.validate()
            let r = Resident()
            r.id = UUID.random()
            r.householdID = h.id!
            r.fullName = v.name; r.gender = v.gender; r.birthYear = v.birthYear; r.relation = v.relation; r.phone = v.phone
            r.searchKey = Resident.searchKey(name: v.name, phone: v.phone)
            try await r.create(on: db)
            try await OutreachSummary.refresh([h.id!], on: db)
            try await Audit.record("create", Resident.schema, row: r.id, unit: h.groupID ?? h.villageID, after: r.toDTO(representativeID: nil), on: db)
            if input.isRepresentative == true || h.representativeID == nil {
                try await setRepresentative(h, r, on: db)
            }
            return r
        }
    }

    public static func updateResident(_ r: Resident, _ input: ResidentInput, on db: any Database) async throws -> Resident {
        try await db.auditedTransaction { db in
            var merged = input
            merged.fullName = input.fullName ?? r.fullName
            merged.gender = input.gender ?? r.gender.rawValue
            merged.birthYear = input.birthYear ?? r.birthYear
            merged.relation = input.relation ?? r.relation.rawValue
            merged.phone = input.phone ?? r.phone
            let v = try merged.validate()
            let before = r.toDTO(representativeID: nil)
            r.fullName = v.name; r.gender = v.gender; r.birthYear = v.birthYear; r.relation = v.relation; r.phone = v.phone
            r.searchKey = Resident.searchKey(name: v.name, phone: v.phone)
            guard let h = try await Household.find(r.householdID, on: db) else { throw Abort(.notFound) }
            if r.hasChanges {
                try await r.update(on: db)
                try await OutreachSummary.refresh([h.id!], on: db)
                try await Audit.record("update", Resident.schema, row: r.id, unit: h.groupID ?? h.villageID, before: before, after: r.toDTO(representativeID: nil), on: db)
            }
            if input.isRepresentative == true || h.representativeID == r.id {
                try await setRepresentative(h, r, on: db)
            }
            return r
        }
    }

    static func setRepresentative(_ h: Household, _ r: Resident, on db: any Database) async throws {
        h.representativeID = r.id
        h.searchKey = Household.searchKey(code: h.code, address: h.address, phone: h.phone, representative: r.fullName)
        if h.hasChanges { try await h.update(on: db) }
    }
}

public enum RegistryQueries {
    public struct Filter: Sendable {
        public var unit: AdminUnit?
        public var search: String?
        /// The caller's root units (Support/Access.swift); nil: everywhere.
        public var scope: [AdminUnit]?
        public init(unit: AdminUnit? = nil, search: String? = nil, scope: [AdminUnit]? = nil) {
            self.unit = unit; self.search = search; self.scope = scope
        }
    }

    /// Households (or rows joined to them) below a unit: the one place this filter is decided.
    static func scoped<M: Model>(_ q: QueryBuilder<M>, _ f: Filter, on db: any Database) async throws {
        if let roots = f.scope {
            // Below the caller's roots through the unit closure table: the household's village (or, for a group
            // root, its group) is at or below one of them.
            q.filter(.sql(UnitClosure.villageOrGroupBelow(Household.schema, roots: roots)))
        }
        guard let unit = f.unit else { return }
        switch unit.kind {
        case .group: q.filter(Household.self, \.$groupID == unit.id)
        case .village: q.filter(Household.self, \.$villageID == unit.id!)
        case .commune: q.filter(Household.self, \.$communeID == unit.id!)
        case .province, .district:
            q.filter(Household.self, \.$communeID ~~ (try await UnitQueries.communeIDs(under: unit, on: db)))
        }
    }

    public static func households(_ f: Filter, page: PageRequest, on db: any Database) async throws -> Paged<HouseholdDTO> {
        if f.scope == nil, let unit = f.unit, unit.kind != .province, unit.kind != .district, let sql = db as? any SQLDatabase {
            return try await households(in: unit, search: f.search, page: page, sql: sql)
        }
        let q = Household.query(on: db)
        try await scoped(q, f, on: db)
        if let s = f.search, !Fold.key(s).isEmpty {
            // The household's own key (code, address, phone, representative) or any of its residents' names.
            let pattern = Fold.likePattern(s)
            q.filter(.sql(embed: "(\(ident: "households").\(ident: "search_key") LIKE \(bind: pattern) ESCAPE '\\' OR \(ident: "households").\(ident: "id") IN (SELECT \(ident: "household_id") FROM \(ident: "residents") WHERE \(ident: "search_key") LIKE \(bind: pattern) ESCAPE '\\'))"))
        }
        // The page with its representatives' names in one query; the count only when the page is full or not the first.
        let counting = q.copy()
        let rows = try await q.join(Resident.self, on: \Household.$representativeID == \Resident.$id, method: .left)
            .sort(\.$code).range(page.offset..<(page.offset + page.per)).all()
        let total = page.offset == 0 && rows.count < page.per ? rows.count : try await counting.count()
        return Paged(items: rows.map { h in
            h.toDTO(representativeName: h.representativeID == nil ? nil : (try? h.joined(Resident.self))?.fullName)
        }, page: page, total: total)
    }

    /// A commune's, village's or group's households in plain SQL, with their representatives' names: what a unit's
    /// household list shows (decoding Fluent models reflects over every field of every row).
    static func households(in unit: AdminUnit, search: String?, page: PageRequest, sql: any SQLDatabase) async throws -> Paged<HouseholdDTO> {
        let column: SQLQueryString = unit.kind == .group ? "h.group_id" : unit.kind == .village ? "h.village_id" : "h.commune_id"
        var filter: SQLQueryString = "\(column) = \(bind: unit.id!)"
        if let s = search, !Fold.key(s).isEmpty {
            let pattern = Fold.likePattern(s)
            filter = "\(filter) AND (h.search_key LIKE \(bind: pattern) ESCAPE '\\' OR h.id IN (SELECT household_id FROM residents WHERE search_key LIKE \(bind: pattern) ESCAPE '\\'))"
        }
        let rows = try await sql.raw("""
            SELECT h.id, h.code, h.commune_id, h.village_id, h.group_id, h.address, h.phone, h.representative_id, r.full_name AS representative_name,
              COUNT(*) OVER () AS total
            FROM households h LEFT JOIN residents r ON r.id = h.representative_id
            WHERE \(filter) ORDER BY h.code LIMIT \(unsafeRaw: String(page.per)) OFFSET \(unsafeRaw: String(page.offset))
            """).all()
        // The count comes with the page (a window over every matching row, before LIMIT); only a page past the end,
        // which has no row to carry it, counts again.
        let total: Int
        if let first = rows.first { total = try first.decode(column: "total", as: Int.self) }
        else if page.offset == 0 { total = 0 }
        else { total = try await sql.raw("SELECT COUNT(*) AS n FROM households h WHERE \(filter)").first()?.decode(column: "n", as: Int.self) ?? 0 }
        return Paged(items: try rows.map { r in
            HouseholdDTO(id: try r.decode(column: "id", as: UUID.self), code: try r.decode(column: "code", as: String.self),
                         communeId: try r.decode(column: "commune_id", as: UUID.self), villageId: try r.decode(column: "village_id", as: UUID.self),
                         groupId: try r.decode(column: "group_id", as: UUID?.self), address: try r.decode(column: "address", as: String.self),
                         phone: try r.decode(column: "phone", as: String?.self), representativeId: try r.decode(column: "representative_id", as: UUID?.self),
                         representativeName: try r.decode(column: "representative_name", as: String?.self))
        }, page: page, total: total)
    }

    public static func residents(_ f: Filter, householdID: UUID? = nil, page: PageRequest, on db: any Database) async throws -> Paged<ResidentDTO> {
        let q = Resident.query(on: db).join(Household.self, on: \Resident.$householdID == \Household.$id)
        if let householdID { q.filter(\.$householdID == householdID) }
        try await scoped(q, f, on: db)
        if let s = f.search, !Fold.key(s).isEmpty {
            q.filter(Fold.matches("residents", s))
        }
        let total = try await q.count()
        let rows = try await q.sort(Household.self, \.$code).sort(\.$fullName).range(page.offset..<(page.offset + page.per)).all()
        var reps: [UUID: UUID] = [:]
        for r in rows { if let h = try? r.joined(Household.self), let rep = h.representativeID { reps[h.id!] = rep } }
        return Paged(items: rows.map { $0.toDTO(representativeID: reps[$0.householdID]) }, page: page, total: total)
    }

    public static func household(_ id: UUID, on db: any Database) async throws -> (Household, [Resident]) {
        guard let h = try await Household.find(id, on: db) else { throw Abort(.notFound) }
        let residents = try await Resident.query(on: db).filter(\.$householdID == id).sort(\.$birthYear).all()
        return (h, residents)
    }

    public static func detail(_ id: UUID, on db: any Database) async throws -> HouseholdDetailDTO {
        let (h, rs) = try await household(id, on: db)
        let rep = rs.first { $0.id == h.representativeID }
        return HouseholdDetailDTO(household: h.toDTO(representativeName: rep?.fullName),
                                  residents: rs.map { $0.toDTO(representativeID: h.representativeID) })
    }
}
