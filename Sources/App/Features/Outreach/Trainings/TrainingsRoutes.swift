// Digital-skills trainings: planning, invitations through messaging, attendance (docs/outreach.md).
// JSON routes under /api/v1 (Resources/openapi.json); the pages are in Trainings+Web.swift.
import Vapor

struct TrainingsRoutes {
    func add(web: any RoutesBuilder, api: any RoutesBuilder) {
        api.get(APIURL.trainings.components, use: list).rule(.list(.visitHouseholds))
        api.post(APIURL.trainings.components, use: create).rule(.action(.manageTeams))
        api.get(APIURL.training(.key).components, use: get).rule(.training(.visitHouseholds))
        api.put(APIURL.training(.key).components, use: update).rule(.training(.manageTeams))
        api.get(APIURL.trainingAttendance(.key).components, use: attendance).rule(.training(.manageTeams))
        api.on(.PUT, APIURL.trainingAttendance(.key).components, body: .collect(maxSize: "2mb"), use: recordAttendance).rule(.training(.manageTeams))
        TrainingsWeb().addRoutes(to: web)
    }

    func list(req: Request) async throws -> Paged<TrainingDTO> {
        try await TrainingQueries.list(req.access, page: PageRequest(req, defaultPer: req.config.pageSize), on: req.db)
    }

    func create(req: Request) async throws -> Response {
        let t = try await TrainingActions.create(try req.content.decode(TrainingInput.self), access: req.access, app: req.application, on: req.db)
        let res = try await TrainingQueries.detail(t, on: req.db).encodeResponse(status: .created, for: req)
        res.headers.replaceOrAdd(name: .location, value: APIURL.training(.id(t.id!)).path)
        return res
    }

    func get(req: Request) async throws -> TrainingDTO {
        try await TrainingQueries.detail(try req.scoped(Training.self), on: req.db)
    }

    func update(req: Request) async throws -> TrainingDTO {
        let t = try req.scoped(Training.self)
        try await TrainingActions.update(t, try req.content.decode(TrainingInput.self), access: req.access, app: req.application, on: req.db)
        return try await TrainingQueries.detail(t, on: req.db)
    }

    /// The invited residents with what was recorded for each (personal data: the view is audited).
    func attendance(req: Request) async throws -> AttendanceDTO {
        let t = try req.scoped(Training.self)
        let dto = try await TrainingQueries.attendance(t, on: req.db)
        try await Audit.record("view", "training_attendance", row: t.id, unit: t.communeID, after: ["residents": String(dto.invited)], on: req.db)
        return dto
    }

    /// All or nothing: 200 with the attendance after the change, or 422 naming each entry at fault by its index.
    func recordAttendance(req: Request) async throws -> AttendanceDTO {
        let t = try req.scoped(Training.self)
        let body = try req.content.decode(AttendanceInput.self)
        _ = try await TrainingActions.recordAttendance(t, body.attendance, access: req.access, now: req.now, on: req.db)
        return try await TrainingQueries.attendance(t, on: req.db)
    }
}
