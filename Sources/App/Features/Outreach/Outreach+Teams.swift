// Teams and their members: a commune official lays out a team for a village (or the commune), names its leader and
// adds members, residents of the commune or people with accounts; a member with an account may be given the
// digital-team-member role on the team's unit in the same step.
import Fluent
import SQLKit
import Vapor

public enum TeamActions {
    public static func create(_ input: TeamInput, access: Access, on db: any Database) async throws -> DigitalTeam {
        var c = Checker()
        let name = c.text("name", input.name, max: 120)
        var unit: AdminUnit? = nil
        if let raw = input.unitId?.trimmingCharacters(in: .whitespaces), let id = UUID(uuidString: raw),
           let u = try await AdminUnit.find(id, on: db), u.kind == .village || u.kind == .commune,
           try await access.allows(.manageTeams, u, on: db) {
            unit = u
        } else {
            c.add("unitId", (input.unitId ?? "").isEmpty ? "error.required" : "error.outreach.teamUnit")
        }
        try c.check()
        let u = unit!
        guard let commune = u.kind == .commune ? u.id : u.parentID else { throw InvalidInput("unitId", "error.outreach.teamUnit") }
        return try await db.auditedTransaction { db in
            let t = DigitalTeam()
            t.id = UUID.random()
            t.name = name
            t.unitID = u.id!
            t.communeID = commune
            try await t.create(on: db)
            try await Audit.record("create", DigitalTeam.schema, row: t.id, unit: u.id, after: ["name": name], on: db)
            return t
        }
    }

    public static func addMember(to team: DigitalTeam, _ input: TeamMemberInput, access: Access, today: String, on db: any Database) async throws -> TeamMember {
        var c = Checker()
        var resident: Resident? = nil
        if let raw = input.residentId?.trimmingCharacters(in: .whitespaces), !raw.isEmpty {
            if let id = UUID(uuidString: raw), let r = try await Resident.find(id, on: db),
               let h = try await Household.find(r.householdID, on: db), h.communeID == team.communeID {
                resident = r
            } else { c.add("residentId", "error.outreach.unknownResident") }
        }
        var person: Person? = nil
        if let raw = input.personId?.trimmingCharacters(in: .whitespaces), !raw.isEmpty {
            // By id or by username; only someone the caller may manage (every grant of theirs inside the caller's units).
            let found: Person? = try await {
                if let id = UUID(uuidString: raw) { return try await Person.find(id, on: db) }
                return try await Person.query(on: db).filter(\.$username == raw.lowercased()).first()
            }()
            if let p = found, (try? await access.person(p.id!, .manageTeams, on: db)) != nil { person = p }
            else { c.add("personId", "error.outreach.unknownPerson") }
        }
        var name = c.text("displayName", input.displayName, max: 120, required: false)
        if name.isEmpty { name = resident?.fullName ?? person?.displayName ?? "" }
        if name.isEmpty && c.issues.isEmpty { c.add("displayName", "error.outreach.memberWho") }
        let phone = c.phone("phone", input.phone) ?? resident?.phone ?? person?.phone
        let joined = c.day("joinedOn", input.joinedOn) ?? today
        let left = c.day("leftOn", input.leftOn)
        if let l = left, l < joined { c.add("leftOn", "error.outreach.leftBeforeJoined") }
        if input.grantRole == true && person == nil && input.personId == nil { c.add("grantRole", "error.outreach.roleNeedsPerson") }
        try c.check()
        let grant = input.grantRole == true ? person : nil
        let residentID = resident?.id, personID = person?.id, displayName = name
        return try await db.auditedTransaction { db in
            // The team's row is held until the end, so two officials adding the same person, or two leaders, at once
            // are taken one after the other: the second sees the first's member.
            try await Writes.lockRow(DigitalTeam.schema, team.id!, on: db)
            var c = Checker()
            if let p = personID, try await TeamMember.query(on: db).filter(\.$teamID == team.id!).filter(\.$personID == p).filter(\.$leftOn == nil).first() != nil {
                c.add("personId", "error.outreach.alreadyMember")
            }
            if let r = residentID, try await TeamMember.query(on: db).filter(\.$teamID == team.id!).filter(\.$residentID == r).filter(\.$leftOn == nil).first() != nil {
                c.add("residentId", "error.outreach.alreadyMember")
            }
            try c.check()
            if input.leader == true {
                // One leader: naming a new one makes the former leader a member.
                try await TeamMember.query(on: db).filter(\.$teamID == team.id!).filter(\.$leader == true).set(\.$leader, to: false).update()
            }
            let m = TeamMember()
            m.id = UUID.random()
            m.teamID = team.id!
            m.residentID = residentID
            m.personID = personID
            m.displayName = displayName
            m.phone = phone
            m.leader = input.leader == true
            m.joinedOn = joined
            m.leftOn = left
            try await m.create(on: db)
            try await Audit.record("create", TeamMember.schema, row: m.id, unit: team.unitID,
                                   after: ["team": team.name, "name": displayName, "leader": m.leader ? "yes" : "no"], on: db)
            if let p = grant {
                _ = try await AccountActions.grant(p, GrantInput(role: Role.digitalTeamMember.rawValue, unitId: team.unitID.uuidString), access: access, on: db)
            }
            return m
        }
    }

    /// Records that a member left (on `on`, by default today); a leader who leaves stops leading.
    public static func leave(_ m: TeamMember, team: DigitalTeam, on day: String?, today: String, on db: any Database) async throws -> TeamMember {
        var c = Checker()
        let d = c.day("leftOn", day) ?? today
        if d < m.joinedOn { c.add("leftOn", "error.outreach.leftBeforeJoined") }
        try c.check()
        return try await db.auditedTransaction { db in
            m.leftOn = d
            m.leader = false
            try await m.update(on: db)
            try await Audit.record("update", TeamMember.schema, row: m.id, unit: team.unitID, after: ["leftOn": d], on: db)
            return m
        }
    }
}

public enum TeamQueries {
    /// How far back a team's work counts for "active".
    public static let activeDays = 90
    public static let activeMembers = 3

    /// Teams in the caller's units for `visitHouseholds` (or `manageTeams`), and the teams the caller belongs to.
    public static func list(_ access: Access, today: String, on db: any Database) async throws -> [TeamDTO] {
        let q = DigitalTeam.query(on: db)
        let roots = Set((access.roots(.visitHouseholds) ?? []) + (access.roots(.manageTeams) ?? []))
        let everywhere = access.roots(.visitHouseholds) == nil || access.roots(.manageTeams) == nil
        if !everywhere {
            var mine: [UUID] = []
            if let me = access.personID {
                mine = try await TeamMember.query(on: db).filter(\.$personID == me).filter(\.$leftOn == nil).all().map(\.teamID)
            }
            let rootList = Array(roots)
            q.group(.or) { or in
                or.filter(.sql(UnitClosure.below(DigitalTeam.schema, "unit_id", rootList)))
                if !mine.isEmpty { or.filter(\.$id ~~ mine) }
            }
        }
        let teams = try await q.sort(\.$name).all()
        return try await dtos(teams, today: today, on: db)
    }

    public static func dtos(_ teams: [DigitalTeam], today: String, on db: any Database) async throws -> [TeamDTO] {
        guard !teams.isEmpty else { return [] }
        let ids = teams.map { $0.id! }
        let sql = try ProfileRows.sql(db)
        let since = Day.adding(-activeDays, to: today)
        var members: [UUID: Int] = [:], last: [UUID: String] = [:]
        for r in try await sql.raw("""
            SELECT team_id, COUNT(*) AS n FROM team_members WHERE team_id IN (\(binds: ids)) AND joined_on <= \(bind: today)
              AND (left_on IS NULL OR left_on > \(bind: today)) GROUP BY team_id
            """).all() { members[try r.decode(column: "team_id", as: UUID.self)] = try r.decode(column: "n", as: Int.self) }
        for r in try await sql.raw("""
            SELECT team_id, MAX(d) AS last FROM (
              SELECT team_id, visited_on AS d FROM visits WHERE team_id IN (\(binds: ids)) AND voided_at IS NULL AND visited_on <= \(bind: today)
              UNION ALL
              SELECT team_id, held_on AS d FROM trainings WHERE team_id IN (\(binds: ids)) AND held_on <= \(bind: today)
            ) work GROUP BY team_id
            """).all() {
            if let d = try r.decode(column: "last", as: String?.self) { last[try r.decode(column: "team_id", as: UUID.self)] = d }
        }
        let units = try await AdminUnit.query(on: db).filter(\.$id ~~ teams.map(\.unitID)).all()
        var unitName: [UUID: String] = [:]
        for u in units { unitName[u.id!] = u.name }
        return teams.map { t in
            let n = members[t.id!] ?? 0
            let l = last[t.id!]
            return TeamDTO(id: t.id!, name: t.name, unitId: t.unitID, unitName: unitName[t.unitID] ?? "", communeId: t.communeID,
                           disbandedOn: t.disbandedOn, memberCount: n,
                           active: t.disbandedOn == nil && n >= activeMembers && (l.map { $0 >= since } ?? false), lastActivityOn: l)
        }
    }

    public static func detail(_ team: DigitalTeam, today: String, on db: any Database) async throws -> TeamDetailDTO {
        let dto = try await dtos([team], today: today, on: db)[0]
        let members = try await TeamMember.query(on: db).filter(\.$teamID == team.id!)
            .sort(\.$leader, .descending).sort(\.$displayName).all()
        let since = Day.adding(-activeDays, to: today)
        let visits = try await Visit.query(on: db).filter(\.$teamID == team.id!).filter(\.$voidedAt == nil)
            .filter(\.$visitedOn >= since).count()
        return TeamDetailDTO(team: dto, members: members.map { $0.toDTO() }, visitsLast90Days: visits)
    }
}

extension TeamMember {
    func toDTO() -> TeamMemberDTO {
        TeamMemberDTO(id: id!, teamId: teamID, residentId: residentID, personId: personID, displayName: displayName, phone: phone,
                      leader: leader, joinedOn: joinedOn, leftOn: leftOn)
    }
}
