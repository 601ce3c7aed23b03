// Builds the application from one AppConfig: used by `main` and by every test.
import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import Leaf
import NIOSSL
import SQLKit
import Vapor

public func configure(_ app: Application, _ config: AppConfig) async throws {
    app.config = config
    try app.useConfiguredClock(config)
    switch config.database {
    case .sqlite(let path):
        // SQLite calls block a thread of this pool, and a connection waiting for the write lock (busy timeout) blocks
        // one for as long as it waits: the app gets its own pool, a few threads more than connections (one per event
        // loop), so a waiting connection never stops the lock holder or file reads (docs/operations.md).
        app.threadPool = NIOThreadPool(numberOfThreads: System.coreCount + 4)
        app.databases.use(.sqlite(.file(path), sqlLogLevel: .trace), as: .sqlite)
    case .postgres(let url):
        var pg = try SQLPostgresConfiguration(url: url)
        if url.contains("sslmode=disable") || url.contains("@127.0.0.1") || url.contains("@localhost") {
            pg.coreConfiguration.tls = .disable
        }
        if let schema = config.postgresSchema { pg.searchPath = [schema] }
        // Several connections per event loop: with Fluent's default of one, every request on a loop queued behind the
        // one in a transaction, and concurrent writers waited past the pool's 10 s timeout (a 500) under load.
        app.databases.use(.postgres(configuration: pg, maxConnectionsPerEventLoop: config.postgresPoolPerLoop, sqlLogLevel: .trace), as: .psql)
    }
    registerMigrations(app.migrations)

    app.http.server.configuration.hostname = config.host
    app.http.server.configuration.port = config.port
    // A phone on a slow line downloads a third or less of each page, script and list (docs/operations.md, COMPRESS).
    app.http.server.configuration.responseCompression = config.compressResponses ? .enabledForCompressibleTypes : .disabled
    // No browser or client of ours sends a compressed body; Vapor's default would inflate one on every request's path.
    app.http.server.configuration.requestDecompression = .disabled
    app.routes.defaultMaxBodySize = "1mb"

    app.passwords.use(.bcrypt(cost: config.bcryptCost))
    // Multipart bodies are checked before MultipartKit parses them (Support/Upload.swift: a byte it cannot handle in
    // a header name stopped the process).
    ContentConfiguration.global.use(decoder: SafeFormDataDecoder(), for: .formData)
    app.views.use(.cachedLeaf)   // Leaf, with rendered pages kept by context (Support/RenderCache.swift)
    app.leaf.tags["t"] = TranslateTag()
    app.leaf.tags["num"] = NumberTag()
    app.leaf.tags["day"] = DayTag()
    app.leaf.tags["url"] = URLTag()
    if app.environment == .testing { app.leaf.cache.isEnabled = true }

    Monitoring.install(app)
    app.middleware = .init()
    app.middleware.use(ClockMiddleware())   // first: everything after it reads the app's clock (Support/Clock.swift)
    app.middleware.use(RequestMetricsMiddleware(registry: app.storage[Monitoring.RegistryKey.self]!))
    app.middleware.use(RedactingRouteLogging())
    app.middleware.use(LanguageMiddleware())
    // Outside the error middleware, so error pages carry the same headers.
    app.middleware.use(SecurityHeadersMiddleware(tileOrigin: config.mapTileURL.flatMap(AppConfig.tileOrigin)))
    app.middleware.use(AppErrorMiddleware(logger: app.logger))
    app.middleware.use(MetricsGuardMiddleware())
    app.middleware.use(StaticFilesMiddleware(publicDirectory: app.directory.publicDirectory))
    app.middleware.use(SessionMiddleware())
    app.middleware.use(AccessMiddleware())
    app.middleware.use(CSRFMiddleware())
    app.middleware.use(APIGuardMiddleware())
    // Last: the matched route's rule, with its row loaded through the scope rule (Support/Access.swift).
    app.middleware.use(RouteRuleMiddleware())

    app.asyncCommands.use(UnitsCommand(), as: "units")
    app.asyncCommands.use(ImportCommand(), as: "import")
    app.asyncCommands.use(ExportCommand(), as: "export")
    app.asyncCommands.use(DemoCommand(), as: "demo")
    app.asyncCommands.use(BenchCommand(commands: ["import": BenchImportCommand(), "fanout": BenchFanoutCommand(), "writes": BenchWritesCommand(), "scope": BenchScopeCommand(),
                                                    "profiles-import": BenchProfilesImportCommand(),
                                                    "outreach": BenchOutreachCommand(), "geojson": BenchGeoJSONCommand(),
                                                    "ledger": BenchLedgerCommand(), "market": BenchMarketCommand(), "criteria": BenchCriteriaCommand()]), as: "bench")
    app.asyncCommands.use(UserCommand(), as: "user")
    app.asyncCommands.use(TokenCommand(), as: "token")
    app.asyncCommands.use(BackupCommand(), as: "backup")
    app.asyncCommands.use(RestoreCommand(), as: "restore")
    app.asyncCommands.use(CopyCommand(), as: "copy")

    try routes(app)
    MessagingActions.register(app)
    Housekeeping.register(app)
    MarketScans.register(app)
    app.lifecycle.use(PageChangesCompactor())
    app.asyncCommands.use(JobsCommand(), as: "jobs")

    // `thonso --help` (and `thonso CMD --help`) prints the help without creating or migrating a database.
    if config.offline { return }
    if case .postgres = config.database, let schema = config.postgresSchema, let sql = app.db as? any SQLDatabase {
        try await sql.raw("CREATE SCHEMA IF NOT EXISTS \(ident: schema)").run()
    }
    if case .sqlite = config.database, let sql = app.db as? any SQLDatabase {
        // Write-ahead log: pages and `thonso jobs run` read while a worker writes (the setting stays in the file).
        try await sql.raw("PRAGMA journal_mode=WAL").run()
        try await Writes.prepare(app)
        try await SQLiteSync.apply(app)
    }
    if config.autoMigrate {
        try await app.autoMigrate()
    }
    if config.messaging.pushEnabled, config.autoMigrate {
        // The VAPID key pair is made on first start and kept in the database (settings), so every instance signs alike.
        _ = try await PushSender.keys(app)
    }
    if config.messaging.jobWorkers > 0 && app.environment != .testing {
        app.lifecycle.use(JobWorker())
        app.workerHeartbeat?.expect()
    }
    if config.autoMigrate && app.environment != .testing {
        try await Housekeeping.schedule(on: app.db)
    }
    if config.demo {
        let started = Date()
        try await Demo.load(app) { app.logger.notice("\($0)") }
        for line in try await Demo.startLines(app) { app.logger.notice("\(line)") }
        app.logger.notice("demo ready in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
    }
}

/// Frame denial, no sniffing, a CSP without inline script, no referrer leaks.
struct SecurityHeadersMiddleware: AsyncMiddleware {
    /// MAP_TILE_URL's origin: the assets' map may load its basemap's images from there (nothing else).
    var tileOrigin: String? = nil

    func respond(to req: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let res = try await next.respond(to: req)
        res.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        res.headers.replaceOrAdd(name: "X-Frame-Options", value: "DENY")
        res.headers.replaceOrAdd(name: "Referrer-Policy", value: "same-origin")
        res.headers.replaceOrAdd(name: "Content-Security-Policy",
                                 value: "default-src 'self'; img-src 'self' data:\(tileOrigin.map { " " + $0 } ?? ""); style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'")
        return res
    }
}
