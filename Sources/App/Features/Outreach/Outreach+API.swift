// JSON routes for teams and visits under /api/v1 (Resources/openapi.json). The batch sync is what a member's phone
// sends its offline queue to: each visit answered on its own (recorded, duplicate or refused with its fields).
import Fluent
import Vapor

struct TeamsRoutes {
    func add(web: any RoutesBuilder, api: any RoutesBuilder) {
        api.get(APIURL.teams.components, use: list).rule(.list(.visitHouseholds))
        api.post(APIURL.teams.components, use: create).rule(.action(.manageTeams))
        api.get(APIURL.team(.key).components, use: get).rule(.team(.visitHouseholds))
        api.post(APIURL.teamMembers(.key).components, use: addMember).rule(.team(.manageTeams))
        api.patch(APIURL.teamMember(.key).components, use: updateMember).rule(.teamMember(.manageTeams))
        TeamsWeb().addRoutes(to: web)
    }

    func list(req: Request) async throws -> [TeamDTO] {
        try await TeamQueries.list(req.access, today: req.today, on: req.db)
    }

    func create(req: Request) async throws -> Response {
        let t = try await TeamActions.create(try req.content.decode(TeamInput.self), access: req.access, on: req.db)
        let res = try await TeamQueries.detail(t, today: req.today, on: req.db).encodeResponse(status: .created, for: req)
        res.headers.replaceOrAdd(name: .location, value: APIURL.team(.id(t.id!)).path)
        return res
    }

    func get(req: Request) async throws -> TeamDetailDTO {
        try await TeamQueries.detail(try req.scoped(DigitalTeam.self), today: req.today, on: req.db)
    }

    func addMember(req: Request) async throws -> Response {
        let team = try req.scoped(DigitalTeam.self)
        let m = try await TeamActions.addMember(to: team, try req.content.decode(TeamMemberInput.self), access: req.access, today: req.today, on: req.db)
        return try await m.toDTO().encodeResponse(status: .created, for: req)
    }

    struct MemberUpdate: Content { var leftOn: String? }

    /// Records that a member left (the only change a member's row takes: joined dates and names stay as recorded).
    func updateMember(req: Request) async throws -> TeamMemberDTO {
        let m = try req.scoped(TeamMember.self)
        let body = try req.content.decode(MemberUpdate.self)
        return try await TeamActions.leave(m, team: try req.scoped(DigitalTeam.self), on: body.leftOn ?? "", today: req.today, on: req.db).toDTO()
    }
}

struct VisitsAPI {
    func addRoutes(to api: any RoutesBuilder) {
        api.get(APIURL.visitTargets.components, use: targets).rule(.list(.visitHouseholds))
        api.post(APIURL.visits.components, use: recordOne).rule(.action(.visitHouseholds))
        api.on(.POST, APIURL.visitsSync.components, body: .collect(maxSize: "2mb"), use: sync).rule(.action(.visitHouseholds))
        api.post(APIURL.visitVoid(.key).components, use: void).rule(.visit(.visitHouseholds))
        api.get(APIURL.householdVisits(.key).components, use: ofHousehold).rule(.household(.visitHouseholds))
    }

    /// The households the caller may visit (`unit`: a village or group to narrow to), never visited first.
    func targets(req: Request) async throws -> Paged<VisitTargetDTO> {
        var unit: AdminUnit? = nil
        if let raw = req.queryValue("unit"), !raw.isEmpty {
            guard let id = UUID(uuidString: raw) else { throw InvalidInput("unit", "error.unknownUnit") }
            unit = try await req.access.unit(id, .visitHouseholds, on: req.db)
        }
        let page = try await VisitQueries.targets(req.access, unit: unit, page: PageRequest(req, defaultPer: req.config.pageSize), on: req.db)
        try await Audit.record("view", "visit_targets", unit: unit?.id, after: ["households": String(page.items.count)], on: req.db)
        return page
    }

    /// One visit (a form or an integration): 201 with the visit, 200 when its `clientId` was recorded before, 422
    /// with the fields at fault.
    func recordOne(req: Request) async throws -> Response {
        let input = try req.content.decode(VisitInput.self)
        let result = try await VisitActions.record([input], access: req.access, lang: req.lang, on: req.db).results[0]
        switch result.status {
        case .refused:
            return try await ErrorBody(error: "invalid", message: req.lang.t("error.invalid"), fields: result.errors)
                .encodeResponse(status: .unprocessableEntity, for: req)
        case .recorded, .duplicate:
            let visit = try await Visit.find(result.visitId!, on: req.db)!
            let dto = try await VisitQueries.of(household: visit.householdID, on: req.db).first { $0.id == visit.id }!
            let res = try await dto.encodeResponse(status: result.status == .recorded ? .created : .ok, for: req)
            res.headers.replaceOrAdd(name: .location, value: APIURL.householdVisits(.id(visit.householdID)).path)
            return res
        }
    }

    /// A phone's queue: at most `VisitActions.maxBatch` visits, each answered on its own.
    func sync(req: Request) async throws -> VisitBatchResultDTO {
        let body = try req.content.decode(VisitBatchInput.self)
        guard let visits = body.visits else { throw InvalidInput("visits", "error.required") }
        return try await VisitActions.record(visits, access: req.access, lang: req.lang, on: req.db)
    }

    func void(req: Request) async throws -> VisitDTO {
        let v = try req.scoped(Visit.self)
        let h = try req.scoped(Household.self)
        let voided = try await VisitActions.void(v, household: h, try req.content.decode(VoidInput.self), access: req.access, on: req.db)
        return voided.toDTO()
    }

    func ofHousehold(req: Request) async throws -> [VisitDTO] {
        let h = try req.scoped(Household.self)
        try await Audit.record("view", Visit.schema, row: h.id, unit: h.groupID ?? h.villageID, on: req.db)
        return try await VisitQueries.of(household: h.id!, on: req.db)
    }
}
