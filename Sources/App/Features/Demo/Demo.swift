// The demo: a current commune with every feature in use, so that a newcomer sees what the app does.
// Xã Đan Phượng (09784) as it is today: Song Phượng's figures (4 villages, 36 self-management groups, 1,216
// households, about 5,300 residents, generated, clearly synthetic names, addresses and phones, all 0999xxxxxx)
// registered under Xã Song Phượng (09829) before the 2025 reform and carried into Xã Đan Phượng on 1 July 2025,
// so the pre-reform commune is one click back with its history. Then notices, a meeting, their reach, questions,
// bookings and dossiers (Demo+Activity.swift), and one household's card and PIN.
// Everything goes through the app's own actions (the registry through the import's bulk path), and each step is
// skipped when its rows are there, so loading twice changes nothing. A feature added later adds its step here.
import Fluent
import Foundation
import SQLKit
import Vapor

public enum Demo {
    /// Xã Đan Phượng: the commune the demo opens on, in force since 1 July 2025.
    public static let communeCode = "09784"
    /// Xã Song Phượng: the pre-reform commune whose villages were carried into Xã Đan Phượng.
    public static let formerCommuneCode = "09829"
    public static let villageNames = ["Thôn Đông", "Thôn Đoài", "Thôn Nam", "Thôn Bắc"]

    /// A small deterministic generator, so the demo is the same every time.
    struct Rand {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 33
        }
        mutating func pick<T>(_ a: [T]) -> T { a[Int(next() % UInt64(a.count))] }
        mutating func int(_ r: ClosedRange<Int>) -> Int { r.lowerBound + Int(next() % UInt64(r.count)) }
    }

    static let families = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô", "Dương", "Đào", "Phùng", "Kiều"]
    static let maleMiddle = ["Văn", "Đức", "Hữu", "Minh", "Quang", "Xuân"]
    static let femaleMiddle = ["Thị", "Ngọc", "Thu", "Thanh", "Minh", "Hồng"]
    static let maleGiven = ["An", "Bình", "Cường", "Dũng", "Hải", "Hùng", "Khánh", "Long", "Nam", "Phúc", "Quân", "Sơn", "Tuấn", "Việt", "Thắng", "Đạt"]
    static let femaleGiven = ["Hà", "Hằng", "Hoa", "Hương", "Lan", "Mai", "Nga", "Phượng", "Thảo", "Trang", "Vân", "Yến", "Linh", "Ngân", "Thủy", "Huyền"]

    /// Rows as an official's CSV would give them: `households` households with `residents` residents in all.
    public static func rows(households: Int, residents: Int, villageCodes: [String], groupsPerVillage: Int,
                            codePrefix: String, seed: UInt64 = 9829) -> [RegistryCSV.Row] {
        var rng = Rand(state: seed)
        var sizes = (0..<households).map { _ in rng.int(2...6) }
        var total = sizes.reduce(0, +)
        while total != residents {
            let i = rng.int(0...(households - 1))
            if total < residents, sizes[i] < 9 { sizes[i] += 1; total += 1 }
            else if total > residents, sizes[i] > 1 { sizes[i] -= 1; total -= 1 }
        }
        let thisYear = Int(Day.today().prefix(4))!
        var out: [RegistryCSV.Row] = []
        out.reserveCapacity(residents)
        var line = 1
        for h in 0..<households {
            let v = h * villageCodes.count / households
            let perVillage = households / villageCodes.count
            let g = min(groupsPerVillage - 1, (h - v * perVillage) * groupsPerVillage / max(1, perVillage))
            let code = "\(codePrefix)-\(String(format: "%05d", h + 1))"
            let villageCode = villageCodes[v]
            let groupCode = "\(villageCode)-\(String(format: "%02d", g + 1))"
            let address = "Số \(rng.int(1...120)), ngõ \(rng.int(1...30)), tổ \(g + 1) (địa chỉ mẫu)"
            let hphone = "0999" + String(format: "%06d", h + 1)
            let family = rng.pick(families)
            let headYear = thisYear - rng.int(30...75)
            let headMale = rng.int(0...3) > 0
            for p in 0..<sizes[h] {
                line += 1
                var male: Bool, year: Int, relation: Relation, fam = family
                switch p {
                case 0: male = headMale; year = headYear; relation = .head
                case 1: male = !headMale; year = headYear + rng.int(-4...4); relation = .spouse; fam = rng.pick(families)
                case 2 where headYear < thisYear - 65: male = rng.int(0...1) == 0; year = headYear - 25; relation = .parent; fam = rng.pick(families)
                default: male = rng.int(0...1) == 0; year = min(thisYear, headYear + rng.int(20...35)); relation = .child
                }
                let name = "\(fam) \(male ? rng.pick(maleMiddle) : rng.pick(femaleMiddle)) \(male ? rng.pick(maleGiven) : rng.pick(femaleGiven))"
                let phone: String? = (thisYear - year >= 16 && rng.int(0...9) < 8) ? "0999" + String(format: "%06d", 500_000 + (h * 9 + p) % 500_000) : nil
                out.append(RegistryCSV.Row(line: line, householdCode: code, villageCode: villageCode, groupCode: groupCode,
                                           address: address, householdPhone: hphone, fullName: name,
                                           gender: male ? .male : .female, birthYear: year, relation: relation,
                                           phone: phone, representative: p == 0))
            }
        }
        return out
    }

    /// No households and no accounts yet: the only state in which the web page may load the demo.
    /// Whether the web page may load the demo: when DEMO is set, or the server listens on loopback only (a developer's
    /// machine). A real install makes its first administrator with `thonso user create --role admin`.
    public static func offered(_ config: AppConfig) -> Bool { config.demo || config.listensLocally }

    public static func isFresh(_ db: any Database) async throws -> Bool {
        let households = try await Household.query(on: db).count()
        let people = try await Person.query(on: db).count()
        return households == 0 && people == 0
    }

    /// One account per role on the demo commune (or its first village and group), all with this password.
    public static let demoPassword = "thonso-demo"

    /// Creates the demo accounts if missing and answers the lines to print at start.
    public static func accountList(_ app: Application) async throws -> [String] {
        guard let commune = try await UnitQueries.byCode(communeCode, kind: .commune, on: app.db) else { return [] }
        // Demo accounts have a published password: never add them beside real accounts.
        let demoThere = try await Person.query(on: app.db).filter(\.$username == "quantri").count() > 0
        if !demoThere, try await Person.query(on: app.db).count() > 0 {
            return ["Demo accounts not created: this database already has accounts."]
        }
        let village = try await AdminUnit.query(on: app.db).filter(\.$parentID == commune.id).filter(\.$code == "T1").first()
        let group = try await AdminUnit.query(on: app.db).filter(\.$parentID == village?.id).filter(\.$code == "T1-01").first()
        let province = try await UnitQueries.byCode("01", kind: .province, on: app.db)
        let people: [(String, String, Role, AdminUnit?)] = [
            ("quantri", "Quản trị hệ thống (mẫu)", .admin, nil),
            ("tinh", "Điều phối viên tỉnh (mẫu)", .provinceCoordinator, province),
            ("xa", "Cán bộ xã (mẫu)", .communeOfficial, commune),
            ("tuphap", "Công chức tư pháp (mẫu)", .justiceOfficer, commune),
            ("truongthon", "Trưởng thôn (mẫu)", .villageHead, village),
            ("totruong", "Tổ trưởng (mẫu)", .groupHead, group),
            ("congnghe", "Tổ công nghệ số (mẫu)", .digitalTeamMember, village),
            ("daidien", "Đại diện hộ (mẫu)", .householdRepresentative, group),
            ("sanxuat", "Hộ sản xuất (mẫu)", .producer, commune),
        ]
        var lines = ["Demo accounts (password \(demoPassword)):"]
        for (username, name, role, unit) in people {
            if try await Person.query(on: app.db).filter(\.$username == username).count() == 0 {
                _ = try await AccountActions.createPerson(username: username, displayName: name, password: demoPassword,
                                                          role: role, unit: role == .admin ? nil : unit, app: app)
            }
            lines.append("  \(username)  \(role.rawValue)  \(unit?.name ?? "whole system")")
        }
        // The digital-team member belongs to Thôn Đông's team (made by the load, before the accounts).
        if let village, let member = try await Person.query(on: app.db).filter(\.$username == "congnghe").first() {
            try await DemoOutreach.linkMember(member, village: village, today: Day.today(app.now), on: app.db)
        }
        // The producer account manages one producer household of the market (made by the load, before the accounts).
        try await DemoMarket.linkAccount(commune, app: app)
        // The commune official also keeps the pre-reform commune's records (its history is one click back).
        if let former = try await UnitQueries.byCode(formerCommuneCode, kind: .commune, on: app.db),
           let xa = try await Person.query(on: app.db).filter(\.$username == "xa").first() {
            let system = Access(personID: nil, tokenID: nil, displayName: "demo", grants: [Grant(role: .admin, unitID: nil)])
            _ = try await AccountActions.grant(xa, GrantInput(role: Role.communeOfficial.rawValue, unitId: former.id!.uuidString), access: system, on: app.db)
            lines.append("  xa  communeOfficial  \(former.name) (before 01/07/2025)")
        }
        return lines
    }

    /// What `serve --demo`, `thonso demo` and the home page's demo button print: the accounts (created if missing),
    /// the demo household's card link and PIN, and the commune's page.
    public static func startLines(_ app: Application) async throws -> [String] {
        var lines = try await accountList(app)
        lines += try await DemoActivity.householdLines(app)
        if let c = try await UnitQueries.byCode(communeCode, kind: .commune, on: app.db) {
            lines.append("Demo commune: \(app.config.externalURL(.unit(.id(c.id!))))")
        }
        return lines
    }

    /// Loads the official lists if missing, then Song Phượng's villages, groups and households carried into Xã Đan
    /// Phượng, then what the commune does with them (Demo+Activity.swift). Each step does nothing when its rows are
    /// there. Answers the current commune.
    @discardableResult
    public static func load(_ app: Application, log plain: (@Sendable (String) -> Void)? = nil) async throws -> AdminUnit {
        let db = app.db
        // Each line says how long the load has taken so far.
        let started = Date()
        var log: (@Sendable (String) -> Void)? = nil
        if let plain {
            log = { @Sendable (line: String) in
                let seconds = String(format: "%.1f", Date().timeIntervalSince(started))
                plain("\(line) (\(seconds) s)")
            }
        }
        if try await UnitQueries.byCode(formerCommuneCode, kind: .commune, on: db) == nil {
            _ = try await OfficialUnits.load(from: OfficialUnits.directory(app), on: db, log: log)
        }
        guard let former = try await UnitQueries.byCode(formerCommuneCode, kind: .commune, on: db),
              let commune = try await UnitQueries.byCode(communeCode, kind: .commune, on: db) else {
            throw ConfigError(message: "communes \(formerCommuneCode) and \(communeCode) are not in the official list")
        }
        try await registry(former: former, into: commune, on: db, log: log)
        try await ProcedureCatalogSeed.demo(commune, on: db)
        try await DemoActivity.load(commune, app: app, log: log)
        return commune
    }

    /// Song Phượng's villages and groups, its households imported as an official's CSV would be, then the commune
    /// carried into its successor (as an official does with the button on its page after `load-official`).
    static func registry(former: AdminUnit, into commune: AdminUnit, on database: any Database, log: (@Sendable (String) -> Void)?) async throws {
        if try await Household.query(on: database).filter(\.$communeID == commune.id!).count() > 0 { return }
        if try await Household.query(on: database).filter(\.$communeID == former.id!).count() == 0 {
            var villageCodes: [String] = []
            for (i, name) in villageNames.enumerated() {
                let vcode = "T\(i + 1)"
                villageCodes.append(vcode)
                let existing = try await AdminUnit.query(on: database).filter(\.$parentID == former.id).filter(\.$code == vcode).first()
                var village: AdminUnit
                if let existing { village = existing } else {
                    village = try await UnitActions.create(UnitInput(kind: "village", code: vcode, name: name, typeName: "thôn",
                                                                     parentId: former.id!.uuidString), on: database)
                }
                for g in 1...9 {
                    let gcode = "\(vcode)-\(String(format: "%02d", g))"
                    if try await AdminUnit.query(on: database).filter(\.$parentID == village.id).filter(\.$code == gcode).first() == nil {
                        _ = try await UnitActions.create(UnitInput(kind: "group", code: gcode, name: "Tổ \(g)", typeName: "tổ tự quản",
                                                                   parentId: village.id!.uuidString), on: database)
                    }
                }
            }
            let rows = rows(households: 1216, residents: 5300, villageCodes: villageCodes, groupsPerVillage: 9, codePrefix: formerCommuneCode)
            let report = try await RegistryCSV.importRows(rows, into: former, on: database)
            log?("demo households of \(former.name) (\(former.code)): \(report.householdsAdded) households, \(report.residentsAdded) residents")
        }
        let moved = try await UnitActions.carry(former, input: CarryInput(targetId: commune.id!.uuidString), on: database)
        log?("demo commune \(commune.name) (\(commune.code)): \(moved.villagesMoved) villages of \(former.name) carried in on \(Day.display(former.validTo))")
    }
}
