// What pages, the API and other features read about assets: the list (filtered, paged), one asset with its faults,
// maintenance and history, the figures per village and kind, and whether given assets work today (the ledger).
import Fluent
import SQLKit
import Vapor

public struct AssetFilter: Sendable {
    public var kind: AssetKind?
    public var status: AssetStatus?
    /// A unit (commune, village or group) the assets stand at or below.
    public var unit: UUID?
    public var q: String?
    public init(kind: AssetKind? = nil, status: AssetStatus? = nil, unit: UUID? = nil, q: String? = nil) {
        self.kind = kind; self.status = status; self.unit = unit; self.q = q
    }

    /// `?kind=&status=&village=` (or `unit=`) as a page or the API sends them; an unknown value is a field error.
    static func from(_ req: Request, permission: Permission = .manageAssets) async throws -> AssetFilter {
        var f = AssetFilter()
        func value(_ k: String) -> String? { req.queryValue(k).flatMap { $0.isEmpty ? nil : $0 } }
        if let k = value("kind") {
            guard let kind = AssetKind(rawValue: k) else { throw InvalidInput("kind", "assets.error.kind", [k]) }
            f.kind = kind
        }
        if let s = value("status") {
            guard let st = AssetStatus(rawValue: s) else { throw InvalidInput("status", "assets.error.status") }
            f.status = st
        }
        if let raw = value("village") ?? value("unit") {
            guard let id = UUID(uuidString: raw), (try? await req.access.unit(id, permission, on: req.db)) != nil else {
                throw InvalidInput("village", "error.unknownUnit")
            }
            f.unit = id
        }
        f.q = value("q")
        return f
    }
}

public enum AssetQueries {
    static func query(_ access: Access, _ f: AssetFilter, on db: any Database) -> QueryBuilder<Asset> {
        let q = Asset.query(on: db)
        if let roots = access.roots(.manageAssets) { q.filter(.sql(UnitClosure.below(Asset.schema, "unit_id", roots))) }
        if let u = f.unit { q.filter(.sql(UnitClosure.below(Asset.schema, "unit_id", [u]))) }
        if let k = f.kind { q.filter(\.$kind == k) }
        if let s = f.status { q.filter(\.$status == s) }
        if let text = f.q, !text.isEmpty {
            let like = "%" + text.replacingOccurrences(of: "%", with: "") + "%"
            q.group(.or) { $0.filter(\.$name, .custom("LIKE"), like).filter(\.$place, .custom("LIKE"), like) }
        }
        return q
    }

    /// The assets in the caller's units, by name.
    public static func list(_ access: Access, _ f: AssetFilter, page: PageRequest, on db: any Database) async throws -> Paged<AssetDTO> {
        let total = try await query(access, f, on: db).count()
        let rows = try await query(access, f, on: db).sort(\.$name).sort(\.$id).range(page.offset..<(page.offset + page.per)).all()
        return Paged(items: try await dtos(rows, on: db), page: page, total: total)
    }

    public static func dtos(_ assets: [Asset], on db: any Database) async throws -> [AssetDTO] {
        guard !assets.isEmpty else { return [] }
        let units = try await AdminUnit.query(on: db).filter(\.$id ~~ Array(Set(assets.map(\.unitID)))).all()
        var unitName: [UUID: String] = [:]
        for u in units { unitName[u.id!] = u.name }
        let open = try await openFaults(Array(Set(assets.map { $0.id! })), on: db)
        let residentIDs = assets.compactMap(\.caretakerResidentID)
        var residentName: [UUID: String] = [:]
        if !residentIDs.isEmpty {
            for r in try await Resident.query(on: db).filter(\.$id ~~ residentIDs).all() { residentName[r.id!] = r.fullName }
        }
        return assets.map { a in
            AssetDTO(id: a.id!, kind: a.kind, name: a.name, unitId: a.unitID, unitName: unitName[a.unitID] ?? "", communeId: a.communeID,
                     latitude: a.latitude, longitude: a.longitude, place: a.place, installedOn: a.installedOn,
                     caretakerPersonId: a.caretakerPersonID, caretakerResidentId: a.caretakerResidentID,
                     caretakerName: a.caretakerResidentID.flatMap { residentName[$0] } ?? a.caretakerName,
                     campaignId: a.campaignID, qrBoardId: a.qrBoardID, status: a.status, statusSince: a.statusSince,
                     openFaults: open[a.id!] ?? 0, notes: a.notes)
        }
    }

    static func openFaults(_ ids: [UUID], on db: any Database) async throws -> [UUID: Int] {
        guard !ids.isEmpty, let sql = db as? any SQLDatabase else { return [:] }
        var out: [UUID: Int] = [:]
        for chunk in stride(from: 0, to: ids.count, by: 500).map({ Array(ids[$0..<min(ids.count, $0 + 500)]) }) {
            for r in try await sql.raw("""
                SELECT asset_id, COUNT(*) AS n FROM asset_faults WHERE asset_id IN (\(binds: chunk)) AND status IN ('open', 'assigned') GROUP BY asset_id
                """).all() {
                out[try r.decode(column: "asset_id", as: UUID.self)] = try r.decode(column: "n", as: Int.self)
            }
        }
        return out
    }

    public static func detail(_ a: Asset, on db: any Database) async throws -> AssetDetailDTO {
        let dto = try await dtos([a], on: db)[0]
        let faults = try await AssetFault.query(on: db).filter(\.$assetID == a.id!).sort(\.$openedAt, .descending).all()
        let people = try await Person.query(on: db).filter(\.$id ~~ faults.compactMap(\.assigneePersonID)).all()
        var names: [UUID: String] = [:]
        for p in people { names[p.id!] = p.displayName }
        let work = try await AssetMaintenance.query(on: db).filter(\.$assetID == a.id!).sort(\.$doneOn, .descending).all()
        let history = try await AssetStatusChange.query(on: db).filter(\.$assetID == a.id!).sort(\.$fromDay, .descending).all()
        let purpose = try await a.campaignID.asyncMap { try await Campaign.find($0, on: db)?.purpose } ?? nil
        return AssetDetailDTO(
            asset: dto, campaignPurpose: purpose,
            faults: faults.map { f in
                AssetFaultDTO(id: f.id!, assetId: f.assetID, status: f.status, description: f.description, openedAt: f.openedAt, reportId: f.reportID,
                              assigneePersonId: f.assigneePersonID, assigneeName: f.assigneePersonID.flatMap { names[$0] },
                              assignedAt: f.assignedAt, fixedAt: f.fixedAt, closedAt: f.closedAt, closeReason: f.closeReason)
            },
            maintenance: work.map { AssetMaintenanceDTO(id: $0.id!, assetId: $0.assetID, faultId: $0.faultID, doneOn: $0.doneOn, work: $0.work, costDong: $0.costDong) },
            maintenanceCostDong: Money.sum(work.map(\.costDong)),
            history: history.map { AssetStatusChangeDTO(status: $0.status, fromDay: $0.fromDay) })
    }

    /// Whether each asset works today (status working), for the ledger's expenses: ids not found are left out.
    /// Reads no scope (the ledger is public; it shows only whether each works).
    public static func workingToday(ids: [UUID], on db: any Database) async throws -> [UUID: Bool] {
        guard !ids.isEmpty, let sql = db as? any SQLDatabase else { return [:] }
        var out: [UUID: Bool] = [:]
        for chunk in stride(from: 0, to: ids.count, by: 500).map({ Array(ids[$0..<min(ids.count, $0 + 500)]) }) {
            for r in try await sql.raw("SELECT id, status FROM assets WHERE id IN (\(binds: chunk))").all() {
                out[try r.decode(column: "id", as: UUID.self)] = try r.decode(column: "status", as: String.self) == AssetStatus.working.rawValue
            }
        }
        return out
    }

    /// Per village and kind, for the assets at or below `unit` (the filter's kind applies): how many (not removed),
    /// how many work today, and the share of days they worked in the last 90 days (`days` ending today).
    public static func figures(below unit: AdminUnit, kind: AssetKind? = nil, today: String, days: Int = 90, on db: any Database) async throws -> [AssetFigureDTO] {
        guard let sql = db as? any SQLDatabase else { return [] }
        var q = sql.select().columns([SQLColumn("id", table: "a"), SQLColumn("kind", table: "a"), SQLColumn("status", table: "a"), SQLColumn("unit_id", table: "a")] as [any SQLExpression]).from(SQLAlias(SQLIdentifier(Asset.schema), as: SQLIdentifier("a")))
            .where(UnitClosure.below("a", "unit_id", [unit.id!]))
        if let kind { q = q.where(SQLColumn("kind", table: "a"), .equal, SQLBind(kind.rawValue)) }
        struct Row { var id: UUID; var kind: AssetKind; var status: AssetStatus; var unit: UUID }
        let rows = try await q.all().compactMap { r -> Row? in
            guard let k = AssetKind(rawValue: try r.decode(column: "kind", as: String.self)),
                  let s = AssetStatus(rawValue: try r.decode(column: "status", as: String.self)) else { return nil }
            return Row(id: try r.decode(column: "id", as: UUID.self), kind: k, status: s, unit: try r.decode(column: "unit_id", as: UUID.self))
        }
        guard !rows.isEmpty else { return [] }
        // Each asset's village: its unit if a village, its group's village, nil for the commune's own.
        let units = try await AdminUnit.query(on: db).filter(\.$id ~~ Array(Set(rows.map(\.unit)))).all()
        var villageOf: [UUID: UUID?] = [:]
        var parents: Set<UUID> = []
        for u in units {
            switch u.kind {
            case .village: villageOf[u.id!] = u.id
            case .group: villageOf[u.id!] = u.parentID; if let p = u.parentID { parents.insert(p) }
            default: villageOf[u.id!] = .some(nil)
            }
        }
        var names: [UUID: String] = [:]
        for u in units where u.kind == .village { names[u.id!] = u.name }
        let missing = parents.subtracting(names.keys)
        if !missing.isEmpty { for u in try await AdminUnit.query(on: db).filter(\.$id ~~ Array(missing)).all() { names[u.id!] = u.name } }
        // Days each asset worked and counted in the window, from its status rows.
        let first = Day.adding(-(days - 1), to: today)
        let firstN = dayNumber(first), lastN = dayNumber(today)
        var changes: [UUID: [(Int, AssetStatus)]] = [:]
        let ids = rows.map(\.id)
        for chunk in stride(from: 0, to: ids.count, by: 500).map({ Array(ids[$0..<min(ids.count, $0 + 500)]) }) {
            for r in try await sql.raw("SELECT asset_id, status, from_day FROM asset_status_changes WHERE asset_id IN (\(binds: chunk)) ORDER BY from_day").all() {
                guard let s = AssetStatus(rawValue: try r.decode(column: "status", as: String.self)) else { continue }
                changes[try r.decode(column: "asset_id", as: UUID.self), default: []].append((dayNumber(try r.decode(column: "from_day", as: String.self)), s))
            }
        }
        struct Key: Hashable { var village: UUID?; var kind: AssetKind }
        var acc: [Key: (total: Int, working: Int, worked: Int, counted: Int)] = [:]
        for r in rows {
            let key = Key(village: villageOf[r.unit] ?? nil, kind: r.kind)
            var v = acc[key] ?? (0, 0, 0, 0)
            if r.status != .removed { v.total += 1 }
            if r.status == .working { v.working += 1 }
            let list = changes[r.id] ?? []
            for (i, c) in list.enumerated() {
                let start = max(c.0, firstN)
                let end = min(i + 1 < list.count ? list[i + 1].0 - 1 : lastN, lastN)
                guard end >= start, c.1 != .removed else { continue }
                v.counted += end - start + 1
                if c.1 == .working { v.worked += end - start + 1 }
            }
            acc[key] = v
        }
        return acc.map { k, v in
            AssetFigureDTO(villageId: k.village, villageName: k.village.flatMap { names[$0] } ?? unit.name, kind: k.kind, total: v.total,
                           workingToday: v.working, workingShare90: v.counted > 0 ? Double(v.worked) / Double(v.counted) : nil)
        }.sorted { ($0.villageName, $0.kind.rawValue) < ($1.villageName, $1.kind.rawValue) }
    }

    /// Days since 1970-01-01 of an ISO day.
    static func dayNumber(_ iso: String) -> Int {
        Int(((Day.start(iso) ?? Date(timeIntervalSince1970: 0)).timeIntervalSince1970 + 12 * 3600) / 86_400)
    }
}
