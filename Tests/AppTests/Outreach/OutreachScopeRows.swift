import Fluent
import Foundation
import Testing
import Vapor
@testable import App

/// A team, a member, a visit and a training for the scope matrix: inside (village T1, its household in group T1-01,
/// commune 00001) and outside (village X1 of commune 00003).
enum OutreachScopeRows {
    struct Rows { var team: UUID; var member: UUID; var visit: UUID; var training: UUID }

    static func rows(_ app: Application, commune: UUID, village: UUID, household: UUID) async throws -> Rows {
        let team = DigitalTeam()
        team.id = UUID(); team.name = "Tổ thử"; team.unitID = village; team.communeID = commune
        try await team.create(on: app.db)
        let m = TeamMember()
        m.id = UUID(); m.teamID = team.id!; m.displayName = "Thành viên thử"; m.leader = false; m.joinedOn = Day.today(app.now)
        try await m.create(on: app.db)
        let v = Visit()
        v.id = UUID(); v.clientID = UUID().uuidString.lowercased(); v.householdID = household; v.teamID = team.id
        v.visitedOn = Day.today(app.now); v.visitors = "Thành viên thử"; v.helped = ""; v.outcome = .done; v.createdAt = app.now
        try await v.create(on: app.db)
        let t = Training()
        t.id = UUID(); t.communeID = commune; t.topic = "Cài VNeID"; t.heldOn = Day.today(app.now); t.place = "Nhà văn hoá"; t.trainer = "Người dạy thử"
        try await t.create(on: app.db)
        return Rows(team: team.id!, member: m.id!, visit: v.id!, training: t.id!)
    }

    /// The inside and outside row for a route's row kind.
    static func target(_ kind: String, inside: Rows, outside: Rows) -> (UUID, UUID)? {
        switch kind {
        case "team": return (inside.team, outside.team)
        case "teamMember": return (inside.member, outside.member)
        case "visit": return (inside.visit, outside.visit)
        case "training": return (inside.training, outside.training)
        default: return nil
        }
    }
}
