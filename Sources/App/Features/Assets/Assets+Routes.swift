// Assets's routes, joined here (pages under SiteURL's "assets" section, JSON under APIURL's): the register, faults
// and maintenance, the figures, import and export, the map and its GeoJSON (docs/assets.md).
import Vapor

enum AssetsRoutes {
    static func add(open: any RoutesBuilder, signedIn web: any RoutesBuilder, openAPI: any RoutesBuilder,
                    signedInAPI api: any RoutesBuilder, config: AppConfig) {
        AssetsAPI(maxUploadBytes: config.maxUploadMB * 1_048_576, compress: config.compressResponses).add(api)
        AssetsWeb(maxUploadBytes: config.maxUploadMB * 1_048_576, tileURL: config.mapTileURL).add(web)
    }
}

struct AssetsAPI {
    let maxUploadBytes: Int
    /// The map's documents, kept until the data under them changes (Assets+GeoJSON.swift).
    let maps = AssetMapCache()
    let compress: Bool

    func add(_ api: any RoutesBuilder) {
        let body = ByteCount(value: maxUploadBytes + 65_536)
        api.get(APIURL.assets.components, use: list).rule(.list(.manageAssets))
        api.post(APIURL.assets.components, use: create).rule(.action(.manageAssets))
        api.get(APIURL.asset(.key).components, use: get).rule(.asset(.manageAssets))
        api.patch(APIURL.asset(.key).components, use: update).rule(.asset(.manageAssets))
        api.delete(APIURL.asset(.key).components, use: delete).rule(.asset(.manageAssets))
        api.post(APIURL.assetStatus(.key).components, use: status).rule(.asset(.manageAssets))
        api.post(APIURL.assetFaults(.key).components, use: openFault).rule(.asset(.manageAssets))
        api.post(APIURL.assetMaintenance(.key).components, use: maintain).rule(.asset(.manageAssets))
        api.patch(APIURL.assetFault(.key).components, use: updateFault).rule(.assetFault(.handleReports))
        api.get(APIURL.unitAssetFigures(.key).components, use: figures).rule(.unit(.manageAssets))
        api.get(APIURL.unitAssetsGeoJSON(.key).components, use: geojson).rule(.unit(.manageAssets))
        api.get(APIURL.unitAssetsExport(.key).components, use: export).rule(.unit(.manageAssets))
        api.on(.POST, APIURL.unitAssetsImport(.key).components, body: .collect(maxSize: body), use: importAssets)
            .rule(.unit(.manageAssets)).maxBody(maxUploadBytes + 65_536)
    }

    func list(req: Request) async throws -> Paged<AssetDTO> {
        let f = try await AssetFilter.from(req)
        return try await AssetQueries.list(req.access, f, page: PageRequest(req, defaultPer: req.config.pageSize), on: req.db)
    }

    func create(req: Request) async throws -> Response {
        let a = try await AssetActions.create(try req.content.decode(AssetInput.self), access: req.access, today: req.today, on: req.db)
        let res = try await Self.detail(req, a).encodeResponse(status: .created, for: req)
        res.headers.replaceOrAdd(name: .location, value: APIURL.asset(.id(a.id!)).path)
        return res
    }

    /// The asset with its faults, maintenance and history; a resident caretaker's name is personal data: audited.
    static func detail(_ req: Request, _ a: Asset) async throws -> AssetDetailDTO {
        if let r = a.caretakerResidentID { try await Audit.record("view", Resident.schema, row: r, unit: a.unitID, on: req.db) }
        return try await AssetQueries.detail(a, on: req.db)
    }

    func get(req: Request) async throws -> AssetDetailDTO {
        try await Self.detail(req, try req.scoped(Asset.self))
    }

    func update(req: Request) async throws -> AssetDetailDTO {
        let a = try await AssetActions.update(try req.scoped(Asset.self), try req.content.decode(AssetInput.self), keepMissing: true,
                                              access: req.access, today: req.today, on: req.db)
        return try await Self.detail(req, a)
    }

    func delete(req: Request) async throws -> HTTPStatus {
        try await AssetActions.delete(try req.scoped(Asset.self), on: req.db)
        return .noContent
    }

    func status(req: Request) async throws -> AssetDetailDTO {
        let a = try await AssetActions.setStatus(try req.scoped(Asset.self), try req.content.decode(AssetStatusInput.self),
                                                 access: req.access, today: req.today, on: req.db)
        return try await Self.detail(req, a)
    }

    func openFault(req: Request) async throws -> Response {
        let a = try req.scoped(Asset.self)
        let f = try await AssetFaults.report(a, try req.content.decode(AssetFaultInput.self), access: req.access, on: req.db)
        let d = try await AssetQueries.detail(a, on: req.db)
        return try await d.faults.first { $0.id == f.id }!.encodeResponse(status: .created, for: req)
    }

    func maintain(req: Request) async throws -> Response {
        let a = try req.scoped(Asset.self)
        let m = try await AssetActions.maintain(a, try req.content.decode(MaintenanceInput.self), access: req.access, today: req.today, on: req.db)
        return try await AssetMaintenanceDTO(id: m.id!, assetId: m.assetID, faultId: m.faultID, doneOn: m.doneOn, work: m.work, costDong: m.costDong)
            .encodeResponse(status: .created, for: req)
    }

    func updateFault(req: Request) async throws -> AssetFaultDTO {
        let f = try req.scoped(AssetFault.self), a = try req.scoped(Asset.self)
        _ = try await AssetFaults.update(f, asset: a, try req.content.decode(FaultUpdateInput.self), access: req.access, on: req.db)
        return try await AssetQueries.detail(a, on: req.db).faults.first { $0.id == f.id }!
    }

    func figures(req: Request) async throws -> [AssetFigureDTO] {
        let f = try await AssetFilter.from(req)
        return try await AssetQueries.figures(below: try req.scoped(AdminUnit.self), kind: f.kind, today: req.today, on: req.db)
    }

    /// RFC 7946, `application/geo+json`, gzip-compressed when the client accepts it (COMPRESS). The document is
    /// kept, plain and compressed, under the data version read before its rows (`AssetMapCache`): a request that
    /// finds it at the current version sends the kept bytes.
    func geojson(req: Request) async throws -> Response {
        let f = try await AssetFilter.from(req)
        let unit = try req.scoped(AdminUnit.self)
        let below = f.unit ?? unit.id!
        let key = "\(below)|\(f.kind?.rawValue ?? "")|\(f.status?.rawValue ?? "")"
        let version = try await AssetMapVersion.current(on: req.db)
        let entry: AssetMapCache.Entry
        if let version, let kept = maps.get(key, version: version) {
            entry = kept
        } else {
            let plain = try await AssetGeoJSON.bytes(below: below, kind: f.kind, status: f.status, on: req.db)
            let gzip: [UInt8]? = try compress ? AssetGeoJSON.gzip(plain) : nil
            entry = AssetMapCache.Entry(version: version ?? -1, plain: plain, gzip: gzip, used: 0)
            if version != nil { maps.put(key, entry) }
        }
        var headers = HTTPHeaders()
        headers.contentType = AssetGeoJSON.mediaType
        headers.replaceOrAdd(name: .vary, value: "Accept-Encoding")
        headers.responseCompression = .disable
        if let gzip = entry.gzip, Self.acceptsGzip(req.headers) {
            headers.replaceOrAdd(name: .contentEncoding, value: "gzip")
            return Response(status: .ok, headers: headers, body: .init(buffer: ByteBuffer(bytes: gzip)))
        }
        return Response(status: .ok, headers: headers, body: .init(buffer: ByteBuffer(bytes: entry.plain)))
    }

    /// Whether `Accept-Encoding` lists gzip (or `*`) without `q=0`.
    static func acceptsGzip(_ headers: HTTPHeaders) -> Bool {
        for value in headers[.acceptEncoding] {
            for part in value.split(separator: ",") {
                let items = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
                guard let coding = items.first, coding == "gzip" || coding == "x-gzip" || coding == "*" else { continue }
                let zero = items.dropFirst().contains { $0.replacingOccurrences(of: " ", with: "").hasPrefix("q=0") && !$0.contains(where: { "123456789".contains($0) }) }
                if !zero { return true }
            }
        }
        return false
    }

    /// `?format=csv` (default) or `xlsx`.
    func export(req: Request) async throws -> Response {
        let unit = try req.scoped(AdminUnit.self)
        let raw = req.queryValue("format") ?? "csv"
        guard ["csv", "xlsx"].contains(raw.lowercased()) else { throw InvalidInput("format", "error.exportFormat") }
        return try await AssetsWeb.exportResponse(req, unit, format: SheetFile.Format(query: raw))
    }

    /// A CSV body (`text/csv`) or a multipart form with the file in `file`; all-or-nothing.
    func importAssets(req: Request) async throws -> AssetImportReport {
        let unit = try req.scoped(AdminUnit.self)
        let data: Data
        if req.headers.contentType?.type == "multipart" {
            let upload = try req.uploadForm(AssetsWeb.Upload.self)
            guard let file = upload.file, file.data.readableBytes > 0 else { throw InvalidInput("file", "error.required") }
            data = Data(buffer: file.data)
        } else {
            guard let buffer = req.body.data, buffer.readableBytes > 0 else { throw InvalidInput("file", "error.required") }
            data = Data(buffer: buffer)
        }
        return try await AssetsCSV.importFile(data, into: unit, access: req.access, today: req.today, on: req.db)
    }
}
