// A household's digital profile: its history and form, and the import and export of profiles (docs/outreach.md).
// JSON under /api/v1 (Resources/openapi.json); the pages are in Profiles+Web.swift. Every view of a profile is a row
// of the audit log, as a view of a household is.
import Vapor

struct ProfilesRoutes {
    let maxUploadBytes: Int

    func add(web: any RoutesBuilder, api: any RoutesBuilder) {
        let body = ByteCount(value: maxUploadBytes + 65_536)
        api.get(APIURL.householdProfile(.key).components, use: current).rule(.household(.visitHouseholds))
        api.post(APIURL.householdProfile(.key).components, use: record).rule(.household(.visitHouseholds))
        api.get(APIURL.householdProfiles(.key).components, use: history).rule(.household(.visitHouseholds))
        api.on(.POST, APIURL.unitProfilesImport(.key).components, body: .collect(maxSize: body), use: importProfiles)
            .rule(.unit(.manageTeams)).maxBody(maxUploadBytes + 65_536)
        api.get(APIURL.unitProfilesExport(.key).components, use: export).rule(.unit(.manageTeams))
        ProfilesWeb(maxUploadBytes: maxUploadBytes).addRoutes(to: web)
    }

    static func audited(_ req: Request, _ h: Household) async throws {
        try await Audit.record("view", HouseholdProfile.schema, row: h.id, unit: h.groupID ?? h.villageID, on: req.db)
    }

    /// The current profile (`?asOf=YYYY-MM-DD`: the profile on that date).
    func current(req: Request) async throws -> HouseholdProfileDTO {
        let h = try req.scoped(Household.self)
        let asOf = try ProfileQueries.asOf(req)
        try await Self.audited(req, h)
        return try await ProfileQueries.on(h, asOf: asOf, on: req.db)
    }

    func record(req: Request) async throws -> Response {
        let h = try req.scoped(Household.self)
        let p = try await ProfileActions.record(try req.content.decode(ProfileInput.self), household: h, access: req.access, on: req.db)
        let res = try await p.encodeResponse(status: .created, for: req)
        res.headers.replaceOrAdd(name: .location, value: APIURL.householdProfile(.id(h.id!)).path + "?asOf=\(p.asOf)")
        return res
    }

    func history(req: Request) async throws -> [ProfileRecordDTO] {
        let h = try req.scoped(Household.self)
        try await Self.audited(req, h)
        return try await ProfileQueries.history(of: h.id!, on: req.db)
    }

    /// The unit a profile import or export works on: a commune or a village (a group too for an export).
    static func unit(_ req: Request, groups: Bool) throws -> AdminUnit {
        let unit = try req.scoped(AdminUnit.self)
        guard [.commune, .village].contains(unit.kind) || (groups && unit.kind == .group) else { throw Abort(.notFound) }
        return unit
    }

    /// A CSV body (`text/csv`) or a multipart form with the file in `file`; all-or-nothing.
    func importProfiles(req: Request) async throws -> ProfileImportReport {
        let unit = try Self.unit(req, groups: false)
        let data: Data
        if req.headers.contentType?.type == "multipart" {
            let upload = try req.uploadForm(ProfilesWeb.Upload.self)
            guard let file = upload.file, file.data.readableBytes > 0 else { throw InvalidInput("file", "error.required") }
            data = Data(buffer: file.data)
        } else {
            guard let buffer = req.body.data, buffer.readableBytes > 0 else { throw InvalidInput("file", "error.required") }
            data = Data(buffer: buffer)
        }
        return try await ProfilesCSV.importFile(data, into: unit, access: req.access, on: req.db)
    }

    /// `?format=csv` (default) or `xlsx`.
    func export(req: Request) async throws -> Response {
        let unit = try Self.unit(req, groups: true)
        let raw = req.queryValue("format") ?? "csv"
        guard ["csv", "xlsx"].contains(raw.lowercased()) else { throw InvalidInput("format", "error.exportFormat") }
        return try await ProfilesWeb.exportResponse(req, unit, format: SheetFile.Format(query: raw))
    }
}
