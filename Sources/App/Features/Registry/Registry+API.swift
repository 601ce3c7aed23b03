// JSON routes for households and residents under /api/v1 (described in Resources/openapi.json).
import Fluent
import Vapor

struct RegistryAPI {
    func addRoutes(to api: any RoutesBuilder) {
        api.get(APIURL.households.components, use: listHouseholds).rule(.list(.readRegistry))
        api.post(APIURL.households.components, use: createHousehold).rule(.action(.writeRegistry))
        api.get(APIURL.household(.key).components, use: getHousehold).rule(.household(.readRegistry))
        api.patch(APIURL.household(.key).components, use: updateHousehold).rule(.household(.writeRegistry))
        api.get(APIURL.residents.components, use: listResidents).rule(.list(.readRegistry))
        api.post(APIURL.residents.components, use: createResident).rule(.action(.writeRegistry))
        api.get(APIURL.resident(.key).components, use: getResident).rule(.resident(.readRegistry))
        api.patch(APIURL.resident(.key).components, use: updateResident).rule(.resident(.writeRegistry))
        api.get(APIURL.unitHouseholdsExport(.key).components, use: exportHouseholds).rule(.unit(.importExport))
    }

    /// A commune's, village's or group's households in the import's columns: `?format=csv` (default) or `xlsx`.
    func exportHouseholds(req: Request) async throws -> Response {
        let unit = try req.scoped(AdminUnit.self)
        guard [.commune, .village, .group].contains(unit.kind) else { throw Abort(.notFound) }
        let raw = req.queryValue("format") ?? "csv"
        guard ["csv", "xlsx"].contains(raw.lowercased()) else { throw InvalidInput("format", "error.exportFormat") }
        let format = SheetFile.Format(query: raw)
        let data = try await RegistryCSV.export(unit: unit, format: format, on: req.db)
        try await Audit.record("export", Household.schema, unit: unit.id, on: req.db)
        return SheetFile.response(data, format: format, name: "households-\(unit.code)")
    }

    static func unitFilter(_ req: Request) async throws -> RegistryQueries.Filter {
        var f = RegistryQueries.Filter(search: req.queryValue("q"), scope: try await req.access.rootUnits(.readRegistry, on: req.db))
        if let u = req.queryValue("unit"), !u.isEmpty {
            guard let id = UUID(uuidString: u), let unit = try await AdminUnit.find(id, on: req.db),
                  try await req.access.allows(.readRegistry, unit, on: req.db) else {
                throw InvalidInput("unit", "error.unknownUnit")
            }
            f.unit = unit
        }
        return f
    }

    func listHouseholds(req: Request) async throws -> Paged<HouseholdDTO> {
        let f = try await Self.unitFilter(req)
        let page = try await RegistryQueries.households(f, page: PageRequest(req, defaultPer: req.config.pageSize), on: req.db)
        try await Audit.recordRead("list", Household.schema, unit: f.unit?.id, after: ["q": f.search ?? "", "rows": String(page.items.count)], for: req)
        return page
    }

    func getHousehold(req: Request) async throws -> HouseholdDetailDTO {
        let h = try req.scoped(Household.self)
        try await Audit.recordRead("view", Household.schema, row: h.id, unit: h.groupID ?? h.villageID, for: req)
        return try await RegistryQueries.detail(h.id!, on: req.db)
    }

    /// The village and group a household goes into must be ones the caller may write in; others are "unknown".
    /// The household's place (its group, else its village) must be one the caller may write in.
    static func checkPlacement(villageId: String?, groupId: String?, _ req: Request) async throws {
        let group = (groupId ?? "").trimmingCharacters(in: .whitespaces)
        let village = (villageId ?? "").trimmingCharacters(in: .whitespaces)
        let (raw, field, key) = group.isEmpty ? (village, "villageId", "error.unknownVillage") : (group, "groupId", "error.unknownGroup")
        guard !raw.isEmpty, let id = UUID(uuidString: raw), let u = try await AdminUnit.find(id, on: req.db) else { return }
        if !(try await req.access.allows(.writeRegistry, u, on: req.db)) { throw InvalidInput(field, key) }
    }

    func createHousehold(req: Request) async throws -> Response {
        let input = try req.content.decode(HouseholdInput.self)
        try await Self.checkPlacement(villageId: input.villageId, groupId: input.groupId, req)
        let h = try await RegistryActions.createHousehold(input, on: req.db)
        let res = try await RegistryQueries.detail(h.id!, on: req.db).encodeResponse(status: .created, for: req)
        res.headers.replaceOrAdd(name: .location, value: APIURL.household(.id(h.id!)).path)
        return res
    }

    func updateHousehold(req: Request) async throws -> HouseholdDetailDTO {
        let h = try req.scoped(Household.self)
        let input = try req.content.decode(HouseholdInput.self)
        try await Self.checkPlacement(villageId: input.villageId ?? h.villageID.uuidString,
                                      groupId: input.groupId ?? (input.villageId == nil ? h.groupID?.uuidString : nil), req)
        _ = try await RegistryActions.updateHousehold(h, input, on: req.db)
        return try await RegistryQueries.detail(h.id!, on: req.db)
    }

    func listResidents(req: Request) async throws -> Paged<ResidentDTO> {
        var household: UUID? = nil
        if let raw = req.queryValue("household"), !raw.isEmpty {
            guard let id = UUID(uuidString: raw), let h = try? await req.access.household(id, .readRegistry, on: req.db) else {
                throw InvalidInput("household", "error.unknownHousehold")
            }
            household = h.id
        }
        let f = try await Self.unitFilter(req)
        let page = try await RegistryQueries.residents(f, householdID: household, page: PageRequest(req, defaultPer: req.config.pageSize), on: req.db)
        try await Audit.recordRead("list", Resident.schema, row: household, unit: f.unit?.id, after: ["q": f.search ?? "", "rows": String(page.items.count)], for: req)
        return page
    }

    func getResident(req: Request) async throws -> ResidentDTO {
        let (r, h) = (try req.scoped(Resident.self), try req.scoped(Household.self))
        try await Audit.recordRead("view", Resident.schema, row: r.id, unit: h.groupID ?? h.villageID, for: req)
        return r.toDTO(representativeID: h.representativeID)
    }

    func createResident(req: Request) async throws -> Response {
        let input = try req.content.decode(ResidentInput.self)
        guard let raw = input.householdId, !raw.isEmpty else { throw InvalidInput("householdId", "error.required") }
        guard let id = UUID(uuidString: raw), let h = try? await req.access.household(id, .writeRegistry, on: req.db) else {
            throw InvalidInput("householdId", "error.unknownHousehold")
        }
        let r = try await RegistryActions.createResident(in: h, input, on: req.db)
        let fresh = try await Household.find(h.id!, on: req.db)
        let res = try await r.toDTO(representativeID: fresh?.representativeID).encodeResponse(status: .created, for: req)
        res.headers.replaceOrAdd(name: .location, value: APIURL.resident(.id(r.id!)).path)
        return res
    }

    func updateResident(req: Request) async throws -> ResidentDTO {
        let (r, _) = (try req.scoped(Resident.self), try req.scoped(Household.self))
        let updated = try await RegistryActions.updateResident(r, try req.content.decode(ResidentInput.self), on: req.db)
        let h = try await Household.find(r.householdID, on: req.db)
        return updated.toDTO(representativeID: h?.representativeID)
    }
}
