// JSON routes for households and residents under /api/v1 (described in Resources/openapi.json).
import Fluent
import Vapor

struct RegistryAPI {
    func addRoutes(to api: any RoutesBuilder) {
        let households = api.grouped("households")
        households.get(use: listHouseholds)
        households.post(use: createHousehold)
        households.get(":id", use: getHousehold)
        households.patch(":id", use: updateHousehold)
        let residents = api.grouped("residents")
        residents.get(use: listResidents)
        residents.post(use: createResident)
        residents.get(":id", use: getResident)
        residents.patch(":id", use: updateResident)
    }

    static func unitFilter(_ req: Request) async throws -> RegistryQueries.Filter {
        var f = RegistryQueries.Filter(search: req.query[String.self, at: "q"])
        if let u = req.query[String.self, at: "unit"], !u.isEmpty {
            guard let id = UUID(uuidString: u), let unit = try await AdminUnit.find(id, on: req.db) else {
                throw InvalidInput("unit", "error.unknownUnit")
            }
            f.unit = unit
        }
        return f
    }

    func listHouseholds(req: Request) async throws -> Paged<HouseholdDTO> {
        try await RegistryQueries.households(try await Self.unitFilter(req), page: PageRequest(req, defaultPer: req.config.pageSize), on: req.db)
    }

    func getHousehold(req: Request) async throws -> HouseholdDetailDTO {
        try await RegistryQueries.detail(req.idParameter(), on: req.db)
    }

    func createHousehold(req: Request) async throws -> Response {
        let h = try await RegistryActions.createHousehold(try req.content.decode(HouseholdInput.self), on: req.db)
        let res = try await RegistryQueries.detail(h.id!, on: req.db).encodeResponse(status: .created, for: req)
        res.headers.replaceOrAdd(name: .location, value: "/api/v1/households/\(h.id!.uuidString.lowercased())")
        return res
    }

    func updateHousehold(req: Request) async throws -> HouseholdDetailDTO {
        let (h, _) = try await RegistryQueries.household(req.idParameter(), on: req.db)
        _ = try await RegistryActions.updateHousehold(h, try req.content.decode(HouseholdInput.self), on: req.db)
        return try await RegistryQueries.detail(h.id!, on: req.db)
    }

    func listResidents(req: Request) async throws -> Paged<ResidentDTO> {
        var household: UUID? = nil
        if let raw = req.query[String.self, at: "household"], !raw.isEmpty {
            guard let id = UUID(uuidString: raw) else { throw InvalidInput("household", "error.unknownHousehold") }
            household = id
        }
        return try await RegistryQueries.residents(try await Self.unitFilter(req), householdID: household,
                                                   page: PageRequest(req, defaultPer: req.config.pageSize), on: req.db)
    }

    func getResident(req: Request) async throws -> ResidentDTO {
        guard let r = try await Resident.find(req.idParameter(), on: req.db),
              let h = try await Household.find(r.householdID, on: req.db) else { throw Abort(.notFound) }
        return r.toDTO(representativeID: h.representativeID)
    }

    func createResident(req: Request) async throws -> Response {
        let input = try req.content.decode(ResidentInput.self)
        guard let raw = input.householdId, !raw.isEmpty else { throw InvalidInput("householdId", "error.required") }
        guard let id = UUID(uuidString: raw), let h = try await Household.find(id, on: req.db) else {
            throw InvalidInput("householdId", "error.unknownHousehold")
        }
        let r = try await RegistryActions.createResident(in: h, input, on: req.db)
        let fresh = try await Household.find(h.id!, on: req.db)
        let res = try await r.toDTO(representativeID: fresh?.representativeID).encodeResponse(status: .created, for: req)
        res.headers.replaceOrAdd(name: .location, value: "/api/v1/residents/\(r.id!.uuidString.lowercased())")
        return res
    }

    func updateResident(req: Request) async throws -> ResidentDTO {
        guard let r = try await Resident.find(req.idParameter(), on: req.db) else { throw Abort(.notFound) }
        let updated = try await RegistryActions.updateResident(r, try req.content.decode(ResidentInput.self), on: req.db)
        let h = try await Household.find(r.householdID, on: req.db)
        return updated.toDTO(representativeID: h?.representativeID)
    }
}
