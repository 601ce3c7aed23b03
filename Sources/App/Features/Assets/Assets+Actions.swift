// Writes to the asset register: register, change, delete, status, faults and maintenance. Every write is one audited
// transaction; every input is checked by one function (`AssetRules`) shared by the form, the API and the import.
import Fluent
import SQLKit
import Vapor

/// The checks an asset's own cells get wherever they come from (form, JSON, a CSV line).
enum AssetRules {
    /// Words a person or a sheet may use for a kind (folded: no diacritics, lower case) → the kind.
    static let kindWords: [String: AssetKind] = {
        var m: [String: AssetKind] = [:]
        for k in AssetKind.allCases { m[k.rawValue.lowercased()] = k }
        for (w, k) in [("camera an ninh", AssetKind.camera), ("den nang luong mat troi", .solarLight), ("den", .solarLight),
                       ("den nlmt", .solarLight), ("wifi", .wifiPoint), ("wifi mien phi", .wifiPoint), ("diem wifi", .wifiPoint),
                       ("loa", .loudspeaker), ("loa truyen thanh", .loudspeaker), ("nha van hoa", .culturalHouse),
                       ("bang qr", .qrBoard), ("khac", .other)] { m[w] = k }
        return m
    }()

    static func kind(_ raw: String?, field: String = "kind", line: Int? = nil, into c: inout Checker) -> AssetKind? {
        let v = Fold.key((raw ?? "").trimmingCharacters(in: .whitespaces))
        if v.isEmpty { c.add(field, "error.required", line: line); return nil }
        guard let k = kindWords[v] else { c.add(field, "assets.error.kind", [raw ?? ""], line: line); return nil }
        if k == .qrBoard { c.add(field, "assets.error.qrBoardHere", line: line); return nil }
        return k
    }

    static func status(_ raw: String?, field: String = "status", line: Int? = nil, into c: inout Checker) -> AssetStatus? {
        let v = (raw ?? "").trimmingCharacters(in: .whitespaces)
        if v.isEmpty { c.add(field, "error.required", line: line); return nil }
        let words: [String: AssetStatus] = ["working": .working, "faulty": .faulty, "removed": .removed, "hoat dong": .working,
                                            "dang hoat dong": .working, "hong": .faulty, "da go": .removed, "go bo": .removed]
        guard let s = AssetStatus(rawValue: v) ?? words[Fold.key(v)] else { c.add(field, "assets.error.status", line: line); return nil }
        return s
    }

    /// An installation day: a date, not after today.
    static func installed(_ raw: String?, today: String, field: String = "installedOn", line: Int? = nil, into c: inout Checker) -> String? {
        let v = (raw ?? "").trimmingCharacters(in: .whitespaces)
        if v.isEmpty { return nil }
        guard let d = Day.parse(v) else { c.add(field, "error.date", line: line); return nil }
        if d > today { c.add(field, "assets.error.future", line: line); return nil }
        return d
    }
}

public enum AssetActions {
    /// The units an asset may stand in: a commune, a village or a group the caller may manage assets in.
    static func unit(_ raw: String?, access: Access, into c: inout Checker, on db: any Database) async throws -> AdminUnit? {
        let v = (raw ?? "").trimmingCharacters(in: .whitespaces)
        if v.isEmpty { c.add("unitId", "error.required"); return nil }
        if let id = UUID(uuidString: v), let u = try await AdminUnit.find(id, on: db), [.commune, .village, .group].contains(u.kind),
           try await access.allows(.manageAssets, u, on: db) { return u }
        c.add("unitId", "error.unknownUnit")
        return nil
    }

    static func commune(of u: AdminUnit) -> UUID { u.kind == .commune ? u.id! : (u.communeID ?? u.parentID!) }

    /// Who looks after it: a person with an account (id or username), a resident of the commune, or a name only.
    static func caretaker(_ input: AssetInput, commune: UUID?, into c: inout Checker, on db: any Database) async throws
        -> (person: UUID?, resident: UUID?, name: String?) {
        let name = c.text("caretakerName", input.caretakerName, max: 120, required: false)
        if let raw = input.caretakerPersonId?.trimmingCharacters(in: .whitespaces), !raw.isEmpty {
            let p: Person? = try await {
                if let id = UUID(uuidString: raw) { return try await Person.find(id, on: db) }
                return try await Person.query(on: db).filter(\.$username == raw.lowercased()).first()
            }()
            guard let p, p.active else { c.add("caretakerPersonId", "assets.error.unknownPerson"); return (nil, nil, nil) }
            return (p.id, nil, name.isEmpty ? p.displayName : name)
        }
        if let raw = input.caretakerResidentId?.trimmingCharacters(in: .whitespaces), !raw.isEmpty {
            guard let id = UUID(uuidString: raw), let r = try await Resident.find(id, on: db),
                  let h = try await Household.find(r.householdID, on: db), commune == nil || h.communeID == commune else {
                c.add("caretakerResidentId", "assets.error.unknownResident"); return (nil, nil, nil)
            }
            // The resident's name is read from the registry when shown (and audited), not copied here.
            return (nil, r.id, nil)
        }
        return (nil, nil, name.isEmpty ? nil : name)
    }

    static func campaign(_ raw: String?, commune: UUID?, into c: inout Checker, on db: any Database) async throws -> UUID? {
        let v = (raw ?? "").trimmingCharacters(in: .whitespaces)
        if v.isEmpty { return nil }
        guard let id = UUID(uuidString: v), let k = try await Campaign.find(id, on: db), commune == nil || k.communeID == commune else {
            c.add("campaignId", "assets.error.unknownCampaign"); return nil
        }
        return k.id
    }

    /// Registers an asset (status working from its installation day, or today). `pointIssues`: what a form found
    /// in the typed coordinates.
    public static func create(_ input: AssetInput, pointIssues: [FieldIssue] = [], access: Access, today: String, on db: any Database) async throws -> Asset {
        var c = Checker()
        let kind = AssetRules.kind(input.kind, into: &c)
        let name = c.text("name", input.name, max: 200)
        let unit = try await unit(input.unitId, access: access, into: &c, on: db)
        let communeID = unit.map(commune(of:))
        let point = check(input.latitude, input.longitude, into: &c)
        for i in pointIssues { c.add(i.field, i.key, i.args) }
        let place = c.text("place", input.place, max: 200, required: false)
        let installed = AssetRules.installed(input.installedOn, today: today, into: &c)
        let notes = c.text("notes", input.notes, max: 2000, required: false, multiline: true)
        let care = try await caretaker(input, commune: communeID, into: &c, on: db)
        let campaign = try await campaign(input.campaignId, commune: communeID, into: &c, on: db)
        try c.check()
        let a = Asset()
        a.id = UUID.random()
        a.kind = kind!
        a.name = name
        a.unitID = unit!.id!
        a.communeID = communeID!
        a.latitude = point?.latitude
        a.longitude = point?.longitude
        a.place = place.isEmpty ? nil : place
        a.installedOn = installed
        a.caretakerPersonID = care.person
        a.caretakerResidentID = care.resident
        a.caretakerName = care.name
        a.campaignID = campaign
        a.status = .working
        a.statusSince = installed ?? today
        a.notes = notes.isEmpty ? nil : notes
        let by = access.personID
        return try await db.auditedTransaction { db in
            try await a.create(on: db)
            try await History.add(a.id!, .working, from: a.statusSince, fault: nil, by: by, on: db)
            try await Audit.record("create", Asset.schema, row: a.id, unit: a.unitID, after: ["kind": a.kind.rawValue, "name": a.name], on: db)
            return a
        }
    }

    /// A point from JSON numbers: both or neither, inside Vietnam.
    static func check(_ lat: Double?, _ lon: Double?, into c: inout Checker) -> GeoPoint? {
        if lat == nil && lon == nil { return nil }
        guard let lat, let lon else { c.add(lat == nil ? "latitude" : "longitude", "error.required"); return nil }
        let p = GeoPoint(latitude: lat, longitude: lon)
        let issues = p.check()
        for i in issues { c.add(i.field, i.key, i.args) }
        return issues.isEmpty ? p : nil
    }

    /// Changes an asset: every field is replaced by the input's (a field left out of a JSON body keeps its value).
    /// A QR board's asset keeps its kind, unit and place: those are the board's (Procedures › QR boards).
    public static func update(_ a: Asset, _ input: AssetInput, pointIssues: [FieldIssue] = [], keepMissing: Bool, access: Access,
                              today: String, on db: any Database) async throws -> Asset {
        var c = Checker()
        let before = ["kind": a.kind.rawValue, "name": a.name]
        var kind = a.kind
        if let raw = input.kind, !(keepMissing && raw.isEmpty) {
            if a.qrBoardID != nil {
                if Fold.key(raw) != Fold.key(a.kind.rawValue) { c.add("kind", "assets.error.boardKind") }
            } else if let k = AssetRules.kind(raw, into: &c) { kind = k }
        }
        let name = input.name == nil && keepMissing ? a.name : c.text("name", input.name, max: 200)
        var unit: AdminUnit? = nil
        if input.unitId != nil || !keepMissing, a.qrBoardID == nil {
            unit = try await AssetActions.unit(input.unitId, access: access, into: &c, on: db)
            if let u = unit, commune(of: u) != a.communeID { c.add("unitId", "assets.error.otherCommune"); unit = nil }
        }
        var point: GeoPoint? = a.latitude.map { GeoPoint(latitude: $0, longitude: a.longitude ?? 0) }
        if input.latitude != nil || input.longitude != nil || !keepMissing { point = check(input.latitude, input.longitude, into: &c) }
        for i in pointIssues { c.add(i.field, i.key, i.args) }
        let place = input.place == nil && keepMissing ? (a.place ?? "") : c.text("place", input.place, max: 200, required: false)
        let installed = input.installedOn == nil && keepMissing ? a.installedOn : AssetRules.installed(input.installedOn, today: today, into: &c)
        let notes = input.notes == nil && keepMissing ? (a.notes ?? "") : c.text("notes", input.notes, max: 2000, required: false, multiline: true)
        var care: (person: UUID?, resident: UUID?, name: String?) = (a.caretakerPersonID, a.caretakerResidentID, a.caretakerName)
        if input.caretakerPersonId != nil || input.caretakerResidentId != nil || input.caretakerName != nil || !keepMissing {
            care = try await caretaker(input, commune: a.communeID, into: &c, on: db)
        }
        let campaign = input.campaignId == nil && keepMissing ? a.campaignID : try await AssetActions.campaign(input.campaignId, commune: a.communeID, into: &c, on: db)
        try c.check()
        a.kind = kind
        a.name = name
        if let u = unit { a.unitID = u.id! }
        a.latitude = point?.latitude
        a.longitude = point?.longitude
        a.place = place.isEmpty ? nil : place
        a.installedOn = installed
        a.notes = notes.isEmpty ? nil : notes
        a.caretakerPersonID = care.person
        a.caretakerResidentID = care.resident
        a.caretakerName = care.name
        a.campaignID = campaign
        return try await db.auditedTransaction { db in
            try await a.update(on: db)
            try await Audit.record("update", Asset.schema, row: a.id, unit: a.unitID, before: before, after: ["kind": a.kind.rawValue, "name": a.name], on: db)
            return a
        }
    }

    /// Deletes an asset entered by mistake: only one with no fault and no maintenance, and never a QR board's (it
    /// goes with its board). Anything else is marked removed instead, so its history stays.
    public static func delete(_ a: Asset, on db: any Database) async throws {
        if a.qrBoardID != nil { throw InvalidInput("id", "assets.error.boardDelete", status: .conflict) }
        try await db.auditedTransaction { db in
            let faults = try await AssetFault.query(on: db).filter(\.$assetID == a.id!).count()
            let work = try await AssetMaintenance.query(on: db).filter(\.$assetID == a.id!).count()
            if faults + work > 0 { throw InvalidInput("id", "assets.error.hasHistory", status: .conflict) }
            // An expense of the ledger that bought it, or a resident's report about it, keeps it too.
            if let sql = db as? any SQLDatabase {
                for table in ["expense_assets", "feedback_reports"] {
                    let row = try await sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from(table)
                        .where("asset_id", .equal, a.id!).first()
                    if try row?.decode(column: "n", as: Int.self) ?? 0 > 0 { throw InvalidInput("id", "assets.error.inUse", status: .conflict) }
                }
            }
            try await AssetStatusChange.query(on: db).filter(\.$assetID == a.id!).delete()
            try await a.delete(on: db)
            try await Audit.record("delete", Asset.schema, row: a.id, unit: a.unitID, before: ["kind": a.kind.rawValue, "name": a.name], on: db)
        }
    }

    /// Sets the status from a day on (default today; not before the current status began, not after today).
    public static func setStatus(_ a: Asset, _ input: AssetStatusInput, access: Access, today: String, on db: any Database) async throws -> Asset {
        var c = Checker()
        let status = AssetRules.status(input.status, into: &c)
        let day = c.day("from", input.from) ?? today
        if day > today { c.add("from", "assets.error.future") }
        else if day < a.statusSince { c.add("from", "assets.error.beforeSince", [Day.display(a.statusSince)]) }
        if let s = status, s == a.status { c.add("status", "assets.error.sameStatus") }
        try c.check()
        let by = access.personID, id = a.id!, held = a
        let changed = try await db.auditedTransaction { db -> Asset in
            // Another client may have changed it since it was read: check again under the row's lock.
            let a = try await AssetLocks.fresh(id, on: db)
            if status == a.status { throw InvalidInput("status", "assets.error.sameStatus") }
            if day < a.statusSince { throw InvalidInput("from", "assets.error.beforeSince", [Day.display(a.statusSince)]) }
            let before = a.status.rawValue
            try await History.change(a, to: status!, from: day, fault: nil, by: by, on: db)
            try await Audit.record("status", Asset.schema, row: a.id, unit: a.unitID, before: ["status": before], after: ["status": a.status.rawValue, "from": day], on: db)
            return a
        }
        held.status = changed.status; held.statusSince = changed.statusSince
        return changed
    }

    /// Records a piece of maintenance; a cost is whole đồng (a form's text through `Money.parse`).
    public static func maintain(_ a: Asset, _ input: MaintenanceInput, costIssue: String? = nil, access: Access, today: String, on db: any Database) async throws -> AssetMaintenance {
        var c = Checker()
        let day = c.day("doneOn", input.doneOn, required: true)
        if let d = day, d > today { c.add("doneOn", "assets.error.future") }
        let work = c.text("work", input.work, max: 500, multiline: true)
        var cost: Int64 = 0
        if let k = costIssue { c.add("costDong", k) }
        switch input.costDong {
        case .dong(let v)?: cost = v
        case .refused(let key)?: c.add("costDong", key)
        case nil: break
        }
        var fault: UUID? = nil
        if let raw = input.faultId?.trimmingCharacters(in: .whitespaces), !raw.isEmpty {
            if let id = UUID(uuidString: raw), let f = try await AssetFault.find(id, on: db), f.assetID == a.id { fault = f.id }
            else { c.add("faultId", "assets.error.unknownFault") }
        }
        try c.check()
        let m = AssetMaintenance()
        m.id = UUID.random()
        m.assetID = a.id!
        m.communeID = a.communeID
        m.faultID = fault
        m.doneOn = day!
        m.work = work
        m.costDong = cost
        m.recordedBy = access.personID
        return try await db.auditedTransaction { db in
            try await m.create(on: db)
            try await Audit.record("create", AssetMaintenance.schema, row: m.id, unit: a.unitID,
                                   after: ["asset": a.name, "doneOn": m.doneOn, "costDong": String(m.costDong)], on: db)
            return m
        }
    }
}

enum AssetLocks {
    /// Inside a write transaction: the asset as stored now, its row held until the transaction ends
    /// (`Writes.lockRow`), so that status changes and faults of one asset from several clients take turns.
    static func fresh(_ id: UUID, on db: any Database) async throws -> Asset {
        try await Writes.lockRow(Asset.schema, id, on: db)
        guard let a = try await Asset.find(id, on: db) else { throw Abort(.notFound) }
        return a
    }
}

/// The status history: one row per change, the asset's own `status` / `status_since` kept equal to the last row.
enum History {
    static func add(_ asset: UUID, _ status: AssetStatus, from day: String, fault: UUID?, by: UUID?, on db: any Database) async throws {
        let h = AssetStatusChange()
        h.id = UUID.random()
        h.assetID = asset
        h.status = status
        h.fromDay = day
        h.faultID = fault
        h.changedBy = by
        try await h.create(on: db)
    }

    /// Changes the asset's status from `day` (a change on the day the current status began replaces it).
    static func change(_ a: Asset, to status: AssetStatus, from day: String, fault: UUID?, by: UUID?, on db: any Database) async throws {
        guard status != a.status else { return }
        try await AssetStatusChange.query(on: db).filter(\.$assetID == a.id!).filter(\.$fromDay >= day).delete()
        try await add(a.id!, status, from: day, fault: fault, by: by, on: db)
        a.status = status
        a.statusSince = day
        try await a.update(on: db)
    }
}

/// Faults on assets: opened (the asset becomes faulty), assigned to a person, fixed (the asset works again once no
/// other fault is unresolved) or closed with a reason.
public enum AssetFaults {
    /// Opens a fault on an asset inside the caller's write transaction (`db`): the residents' reports call this when
    /// a report names an asset. The asset becomes faulty from today unless it is already; `reportID` links the
    /// report, `by` the person who opened it (nil: a resident or the system). Throws `InvalidInput` (field
    /// `assetId`: unknown asset; `description`: empty or too long); checks no scope (the caller did).
    /// Stable signature: docs/assets.md.
    public static func open(assetID: UUID, description: String, reportID: UUID?, by: UUID?, on db: any Database) async throws -> AssetFault {
        var c = Checker()
        let text = c.text("description", description, max: 2000, multiline: true)
        try await Writes.lockRow(Asset.schema, assetID, on: db)
        guard let a = try await Asset.find(assetID, on: db) else { throw InvalidInput("assetId", "assets.error.unknownAsset") }
        if a.status == .removed { c.add("assetId", "assets.error.removed") }
        try c.check()
        let now = AppClock.now
        let f = AssetFault()
        f.id = UUID.random()
        f.assetID = a.id!
        f.communeID = a.communeID
        f.status = .open
        f.description = text
        f.openedAt = now
        f.openedBy = by
        f.reportID = reportID
        try await f.create(on: db)
        if a.status != .faulty {
            let today = Day.today(now)
            try await History.change(a, to: .faulty, from: max(today, a.statusSince), fault: f.id, by: by, on: db)
        }
        try await Audit.record("create", AssetFault.schema, row: f.id, unit: a.unitID, after: ["asset": a.name, "report": reportID?.uuidString ?? ""], on: db)
        return f
    }

    /// A fault reported by someone who manages the asset (the page's and the API's own transaction).
    public static func report(_ a: Asset, _ input: AssetFaultInput, access: Access, on db: any Database) async throws -> AssetFault {
        var c = Checker()
        _ = c.text("description", input.description, max: 2000, multiline: true)
        if a.status == .removed { c.add("description", "assets.error.removed") }
        try c.check()
        let id = a.id!, text = input.description ?? "", by = access.personID
        return try await db.auditedTransaction { db in try await open(assetID: id, description: text, reportID: nil, by: by, on: db) }
    }

    /// Moves a fault: assigned (to a person: id or username), fixed, or closed with a reason. A fault fixed or closed
    /// is final.
    public static func update(_ f: AssetFault, asset a: Asset, _ input: FaultUpdateInput, access: Access, on db: any Database) async throws -> AssetFault {
        var c = Checker()
        let raw = (input.status ?? "").trimmingCharacters(in: .whitespaces)
        let target = FaultStatus(rawValue: raw)
        if raw.isEmpty { c.add("status", "error.required") }
        else if target == nil || target == .open { c.add("status", "assets.error.faultStatus") }
        if f.status == .fixed || f.status == .closed { c.add("status", "assets.error.faultDone") }
        var found: Person? = nil
        if target == .assigned {
            let who = (input.assignee ?? "").trimmingCharacters(in: .whitespaces)
            if who.isEmpty { c.add("assignee", "error.required") }
            else {
                let p: Person? = try await {
                    if let id = UUID(uuidString: who) { return try await Person.find(id, on: db) }
                    return try await Person.query(on: db).filter(\.$username == who.lowercased()).first()
                }()
                if let p, p.active { found = p } else { c.add("assignee", "assets.error.unknownPerson") }
            }
        }
        let assignee = found
        let reason = target == .closed ? c.text("reason", input.reason, max: 500, multiline: true) : ""
        try c.check()
        let now = AppClock.now, by = access.personID, faultID = f.id!, assetID = a.id!, heldAsset = a, heldFault = f
        let (changed, asset) = try await db.auditedTransaction { db -> (AssetFault, Asset) in
            // The asset's lock orders every change of its faults: a fault fixed or closed by another client meanwhile
            // is seen here (422, as when it was read so), and of two faults fixed at once the second sees the first fixed.
            let a = try await AssetLocks.fresh(assetID, on: db)
            guard let f = try await AssetFault.find(faultID, on: db) else { throw Abort(.notFound) }
            if f.status == .fixed || f.status == .closed { throw InvalidInput("status", "assets.error.faultDone") }
            let before = f.status.rawValue
            switch target! {
            case .assigned:
                f.assigneePersonID = assignee!.id
                f.assignedAt = now
                f.status = .assigned
            case .fixed:
                f.fixedAt = now
                f.status = .fixed
            case .closed:
                f.closedAt = now
                f.closeReason = reason
                f.status = .closed
            case .open: break
            }
            try await f.update(on: db)
            if target == .fixed || target == .closed, a.status == .faulty {
                let others = try await AssetFault.query(on: db).filter(\.$assetID == a.id!).filter(\.$id != f.id!)
                    .filter(\.$status ~~ [.open, .assigned]).count()
                if others == 0 {
                    try await History.change(a, to: .working, from: max(Day.today(now), a.statusSince), fault: f.id, by: by, on: db)
                }
            }
            try await Audit.record("update", AssetFault.schema, row: f.id, unit: a.unitID, before: ["status": before],
                                   after: ["status": f.status.rawValue, "assignee": assignee?.displayName ?? ""], on: db)
            return (f, a)
        }
        // The caller's copies follow (the pages and the API answer from them).
        heldAsset.status = asset.status; heldAsset.statusSince = asset.statusSince
        heldFault.status = changed.status; heldFault.assigneePersonID = changed.assigneePersonID; heldFault.assignedAt = changed.assignedAt
        heldFault.fixedAt = changed.fixedAt; heldFault.closedAt = changed.closedAt; heldFault.closeReason = changed.closeReason
        return changed
    }
}

/// The procedures' QR boards in the register: each board has one asset of kind qrBoard (`assets.qr_board_id` is
/// unique), made in the same transaction as the board.
public enum AssetMirror {
    /// Makes the board's asset if it has none (inside the caller's transaction).
    public static func board(_ b: QrBoard, on db: any Database) async throws {
        if try await Asset.query(on: db).filter(\.$qrBoardID == b.id!).first() != nil { return }
        let a = Asset()
        a.id = UUID.random()
        a.kind = .qrBoard
        a.name = b.place
        a.unitID = b.villageID ?? b.communeID
        a.communeID = b.communeID
        if let lat = b.latitude, let lon = b.longitude, GeoPoint(latitude: lat, longitude: lon).inVietnam {
            a.latitude = lat
            a.longitude = lon
        }
        a.place = b.place
        a.qrBoardID = b.id
        a.status = .working
        let day = Day.today(b.createdAt ?? AppClock.now)
        a.statusSince = day
        a.installedOn = day
        try await a.create(on: db)
        try await History.add(a.id!, .working, from: day, fault: nil, by: nil, on: db)
    }
}

/// What erasing a household (Features/PersonalData) does to assets: a resident of it stops being named as a
/// caretaker (inside the erasure's transaction).
public enum AssetErasure {
    public static func erase(residents: [UUID], on db: any Database) async throws -> Int {
        guard !residents.isEmpty else { return 0 }
        let n = try await Asset.query(on: db).filter(\.$caretakerResidentID ~~ residents).count()
        try await Asset.query(on: db).filter(\.$caretakerResidentID ~~ residents)
            .set(\.$caretakerResidentID, to: nil).set(\.$caretakerName, to: nil).update()
        return n
    }
}
