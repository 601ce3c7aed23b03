// Configuration, read once from the environment into one typed struct. Every key is the variable's name;
// every default is safe for development. The README's table lists them.
import Vapor

public struct AppConfig: Sendable {
    public enum Database: Sendable, Equatable {
        case sqlite(path: String)
        case postgres(url: String)
    }

    /// DATABASE_URL (postgres://…) selects PostgreSQL; otherwise DATABASE_PATH (default ./thonso.sqlite).
    public var database: Database
    /// HOST, PORT: where `serve` listens (default 127.0.0.1:8080).
    public var host: String
    public var port: Int
    /// PAGE_SIZE: rows per page in lists (default 50).
    public var pageSize: Int
    /// MAX_UPLOAD_MB: the largest CSV an official may upload (default 50).
    public var maxUploadMB: Int
    /// DEMO=1 (or `--demo`): load the demo commune into an empty database at start.
    public var demo: Bool
    /// AUTO_MIGRATE=0 turns off migrating at start (default on).
    public var autoMigrate: Bool
    /// BCRYPT_COST: work factor for password hashes (default 12; 4–16).
    public var bcryptCost: Int
    /// COOKIE_SECURE: session cookies only over HTTPS; on by default when PUBLIC_URL is https://, off when it is http://
    /// or unset (development on 127.0.0.1).
    public var secureCookies: Bool
    /// DATABASE_SCHEMA: with PostgreSQL, the schema to use (created if missing; default the server's search_path).
    public var postgresSchema: String?
    /// Channels, workers and audio for messaging (Features/Messaging/Messaging+Config.swift).
    public var messaging: MessagingConfig = MessagingConfig()
    /// PUBLIC_URL (formerly BASE_URL, still read): the one address every external link is built from — household
    /// cards, QR boards and posters, SMS, Zalo, Web Push and CAP (e.g. https://thonso.songphuong.vn). Never the
    /// request's Host header. Unset, links use http://HOST:PORT, and cards and posters are refused unless HOST is loopback.
    public var publicURL: String? = nil
    /// UPLOADS_DIR: where papers sent ahead are stored, outside the database (default ./uploads).
    public var uploadsDir: String = "uploads"
    /// PAPERS_MAX_MB: the largest photo or PDF a resident may send ahead (default 10).
    public var papersMaxMB: Int = 10
    /// Set by the executable for `--help`: configure touches no database (nothing is created or migrated).
    public var offline = false
    /// SESSION_IDLE_MINUTES: a session unused this long ends (default 240; 5–10080).
    public var sessionIdleMinutes: Int = 240
    /// SESSION_MAX_HOURS: a session ends this long after sign-in, used or not (default 24; 1–720).
    public var sessionMaxHours: Int = 24
    /// AUDIT_PERSONAL_DAYS: audit rows older than this lose the personal text they hold (names, typed usernames,
    /// before/after values) to the hourly housekeeping job (default 365; 30–3650; docs/security.md).
    public var auditPersonalDays: Int = 365
    /// TRUSTED_PROXIES: addresses or CIDR ranges of reverse proxies whose X-Forwarded-For is believed (default none).
    public var trustedProxies: [AddressRange] = []
    /// METRICS_ALLOW: addresses or CIDR ranges that may read `/metrics` (default 127.0.0.1 and ::1; comma-separated).
    public var metricsAllow: [AddressRange] = [AddressRange("127.0.0.1")!, AddressRange("::1")!]
    /// METRICS_TOKEN: a bearer token that may read `/metrics` from anywhere (at least 16 characters; default none).
    public var metricsToken: String? = nil
    /// Limits on anonymous questions, bookings and paper sets, and phone confirmation (Features/Procedures/Procedures+Config.swift).
    public var procedures: ProceduresConfig = ProceduresConfig()
    /// Residents' reports: anonymous limits and photo size (REPORTS_*; docs/reports.md).
    public var reports: ReportsConfig = ReportsConfig()
    /// RENDER_CACHE_MB: rendered pages kept by template, language and context (Support/RenderCache.swift), at most this
    /// many MB; 0 turns it off (default 8; 0–1024).
    public var renderCacheMB: Int = 8
    /// SQLITE_SYNCHRONOUS: `full` (default) or `normal`, SQLite's `PRAGMA synchronous` on every connection. In WAL mode
    /// `normal` does not sync the log at each commit: a committed write survives a crash of the process, not a power
    /// loss or an operating system crash, which can lose the last commits (never corrupt the file). A commune office's
    /// machine often has no UPS, and an official told "saved" must not lose the row: `full` unless the operator
    /// chooses otherwise (docs/operations.md).
    public var sqliteSynchronousFull: Bool = true
    /// SQLITE_CACHE_MB: the page cache of each SQLite connection, in MB (`PRAGMA cache_size`; default 16, 1–1024).
    /// SQLite's own default is 2 MB: a commune of 45,000 households does not fit, and a visit sync then spent about a
    /// third of its time reading pages back from the operating system (docs/benchmarks.md). Memory is taken only as
    /// pages are read, at most this much per connection (one per event loop).
    public var sqliteCacheMB: Int = 16
    /// SWIFT_EXECUTOR: `nio` (default) runs Swift's async code on the server's event loops, so a handler awaiting a
    /// query resumes on a loop thread instead of hopping to a separate pool of threads; `default` keeps Swift's own
    /// pool (to compare: docs/benchmarks.md). Read once when the process starts (thonso's entrypoint).
    public var nioExecutor: Bool = true
    /// CLOCK_OFFSET_SECONDS: runs the app's clock this many seconds ahead of the machine's (or behind, negative), so a
    /// test can start a `serve` or `jobs run` process at the time its own clock shows (a lease run out, a back-off
    /// over). For tests only: refused under `--env production` (docs/clock.md). Default none; at most ±10 years.
    public var clockOffsetSeconds: Double? = nil
    /// PG_POOL_PER_LOOP: PostgreSQL connections per event loop (one loop per core; default 4, 1–32). The test suite
    /// uses 2: its many apps at once would pass PostgreSQL's max_connections.
    public var postgresPoolPerLoop: Int = 4
    /// COMPRESS: gzip or deflate pages, scripts, styles and JSON for clients that accept it (default on; images and
    /// other compressed types are sent as they are). Off when a reverse proxy compresses already.
    public var compressResponses: Bool = true
    /// IDLE_PAGE_OUT: when idle after being busy, also hand the resident pages of code back to the kernel
    /// (Support/MemoryTrim.swift; default on). They come back from the page cache when used again.
    public var idlePageOut: Bool = true
    /// OFFLINE_CACHE_DAYS: how long a member's phone keeps the households it cached for the offline visit form before
    /// it stops showing them (default 7; 1–60; docs/outreach.md).
    public var offlineCacheDays: Int = 7
    /// `CRITERIA_PRECOMPUTE`: the criteria pages of today (province, commune, village, default set) are served from
    /// figures the hourly job counts ahead (docs/criteria.md, "Precomputed dashboards"); for a province on PostgreSQL.
    public var criteriaPrecompute: Bool = false
    /// MAP_TILE_URL: a tile server for the assets' map basemap, e.g. `https://tiles.example.vn/{z}/{x}/{y}.png`
    /// (http or https, with {z}, {x} and {y}). Default none: the map shows its points over a plain grid, with no
    /// request leaving the app (docs/assets.md).
    public var mapTileURL: String? = nil

    public init(database: Database, host: String = "127.0.0.1", port: Int = 8080, pageSize: Int = 50,
                maxUploadMB: Int = 50, demo: Bool = false, autoMigrate: Bool = true, postgresSchema: String? = nil,
                bcryptCost: Int = 12, secureCookies: Bool = false) {
        self.database = database
        self.host = host
        self.port = port
        self.pageSize = pageSize
        self.maxUploadMB = maxUploadMB
        self.demo = demo
        self.autoMigrate = autoMigrate
        self.postgresSchema = postgresSchema
        self.bcryptCost = bcryptCost
        self.secureCookies = secureCookies
    }

    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) throws -> AppConfig {
        func int(_ key: String, _ def: Int, _ range: ClosedRange<Int>) throws -> Int {
            guard let raw = env[key], !raw.isEmpty else { return def }
            guard let v = Int(raw), range.contains(v) else {
                throw ConfigError(message: "\(key) must be a whole number in \(range.lowerBound)...\(range.upperBound), got '\(raw)'")
            }
            return v
        }
        func flag(_ key: String, _ def: Bool) -> Bool {
            guard let raw = env[key]?.lowercased(), !raw.isEmpty else { return def }
            return ["1", "true", "yes", "on"].contains(raw)
        }
        func schema(_ raw: String?) throws -> String? {
            guard let raw, !raw.isEmpty else { return nil }
            guard raw.count <= 63, raw.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") }) else {
                throw ConfigError(message: "DATABASE_SCHEMA must be lowercase letters, digits and _ (got '\(raw)')")
            }
            return raw
        }
        let db: Database
        if let url = env["DATABASE_URL"], !url.isEmpty {
            guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") else {
                throw ConfigError(message: "DATABASE_URL must start with postgres:// (got a different scheme)")
            }
            db = .postgres(url: url)
        } else {
            db = .sqlite(path: env["DATABASE_PATH"].flatMap { $0.isEmpty ? nil : $0 } ?? "thonso.sqlite")
        }
        var config = AppConfig(
            database: db,
            host: env["HOST"].flatMap { $0.isEmpty ? nil : $0 } ?? "127.0.0.1",
            port: try int("PORT", 8080, 1...65535),
            pageSize: try int("PAGE_SIZE", 50, 5...500),
            maxUploadMB: try int("MAX_UPLOAD_MB", 50, 1...2048),
            demo: flag("DEMO", false),
            autoMigrate: flag("AUTO_MIGRATE", true),
            postgresSchema: try schema(env["DATABASE_SCHEMA"]),
            bcryptCost: try int("BCRYPT_COST", 12, 4...16),
            secureCookies: false)
        config.messaging = try MessagingConfig.fromEnvironment(env, host: config.host, port: config.port,
                                                               sqlite: { if case .sqlite = db { return true } else { return false } }())
        let publicRaw = env["PUBLIC_URL"].flatMap { $0.isEmpty ? nil : $0 }, baseRaw = env["BASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
        if let p = publicRaw, let b = baseRaw, p != b {
            throw ConfigError(message: "PUBLIC_URL and BASE_URL (its former name) differ: set only PUBLIC_URL")
        }
        if let u = publicRaw ?? baseRaw {
            let name = publicRaw != nil ? "PUBLIC_URL" : "BASE_URL"
            guard u.hasPrefix("http://") || u.hasPrefix("https://"), !u.contains(" "), URL(string: u)?.host != nil else {
                throw ConfigError(message: "\(name) must be an http:// or https:// address (got '\(u)')")
            }
            config.publicURL = u.hasSuffix("/") ? String(u.dropLast()) : u
        }
        config.secureCookies = flag("COOKIE_SECURE", config.publicURL?.hasPrefix("https://") ?? false)
        if let d = env["UPLOADS_DIR"], !d.isEmpty { config.uploadsDir = d }
        config.papersMaxMB = try int("PAPERS_MAX_MB", 10, 1...100)
        config.sessionIdleMinutes = try int("SESSION_IDLE_MINUTES", 240, 5...10_080)
        config.sessionMaxHours = try int("SESSION_MAX_HOURS", 24, 1...720)
        config.auditPersonalDays = try int("AUDIT_PERSONAL_DAYS", 365, 30...3650)
        if let raw = env["TRUSTED_PROXIES"], !raw.isEmpty {
            config.trustedProxies = try raw.split(separator: ",").map { part in
                let t = part.trimmingCharacters(in: .whitespaces)
                guard let r = AddressRange(t) else {
                    throw ConfigError(message: "TRUSTED_PROXIES must be addresses or CIDR ranges separated by commas (got '\(t)')")
                }
                return r
            }
        }
        if let raw = env["METRICS_ALLOW"] {
            config.metricsAllow = try raw.split(separator: ",").map { part in
                let t = part.trimmingCharacters(in: .whitespaces)
                guard let r = AddressRange(t) else {
                    throw ConfigError(message: "METRICS_ALLOW must be addresses or CIDR ranges separated by commas (got '\(t)')")
                }
                return r
            }
        }
        if let t = env["METRICS_TOKEN"], !t.isEmpty {
            guard t.count >= 16, !t.contains(where: { $0.isWhitespace }) else {
                throw ConfigError(message: "METRICS_TOKEN must be at least 16 characters without spaces")
            }
            config.metricsToken = t
        }
        config.procedures = try ProceduresConfig.fromEnvironment(env)
        config.reports = try ReportsConfig.fromEnvironment(env)
        config.renderCacheMB = try int("RENDER_CACHE_MB", 8, 0...1024)
        config.sqliteCacheMB = try int("SQLITE_CACHE_MB", 16, 1...1024)
        config.offlineCacheDays = try int("OFFLINE_CACHE_DAYS", 7, 1...60)
        if let t = env["MAP_TILE_URL"], !t.isEmpty {
            guard t.hasPrefix("http://") || t.hasPrefix("https://"), !t.contains(" "), !t.contains("\""),
                  ["{z}", "{x}", "{y}"].allSatisfy({ t.contains($0) }), AppConfig.tileOrigin(t) != nil else {
                throw ConfigError(message: "MAP_TILE_URL must be an http:// or https:// address with {z}, {x} and {y} (got '\(t)')")
            }
            config.mapTileURL = t
        }
        switch env["SQLITE_SYNCHRONOUS"]?.lowercased() ?? "" {
        case "normal": config.sqliteSynchronousFull = false
        case "", "full": config.sqliteSynchronousFull = true
        case let other: throw ConfigError(message: "SQLITE_SYNCHRONOUS must be normal or full (got '\(other)')")
        }
        switch env["SWIFT_EXECUTOR"]?.lowercased() ?? "" {
        case "", "nio": config.nioExecutor = true
        case "default": config.nioExecutor = false
        case let other: throw ConfigError(message: "SWIFT_EXECUTOR must be nio or default (got '\(other)')")
        }
        config.postgresPoolPerLoop = try int("PG_POOL_PER_LOOP", 4, 1...32)
        config.compressResponses = flag("COMPRESS", true)
        config.idlePageOut = flag("IDLE_PAGE_OUT", true)
        config.criteriaPrecompute = flag("CRITERIA_PRECOMPUTE", false)
        if let raw = env["CLOCK_OFFSET_SECONDS"], !raw.isEmpty {
            guard let v = Double(raw), v.isFinite, abs(v) <= 10 * 366 * 86_400 else {
                throw ConfigError(message: "CLOCK_OFFSET_SECONDS must be a number of seconds within ±10 years (got '\(raw)')")
            }
            config.clockOffsetSeconds = v
        }
        return config
    }
}

extension AppConfig {
    /// Takes `--hostname/-H` and `--port/-p` from the command line (as `serve` does), so HOST and PORT agree with
    /// where the server listens; links built from them follow.
    public mutating func applyServeFlags(_ arguments: [String]) {
        func value(_ names: [String]) -> String? {
            for (i, a) in arguments.enumerated() {
                for n in names {
                    if a == n, i + 1 < arguments.count { return arguments[i + 1] }
                    if a.hasPrefix(n + "=") { return String(a.dropFirst(n.count + 1)) }
                }
            }
            return nil
        }
        if let h = value(["--hostname", "-H"]), !h.isEmpty { host = h }
        if let raw = value(["--port", "-p"]), let p = Int(raw), (1...65535).contains(p) { port = p }
    }

    /// Whether the server listens on a loopback address only (development on this machine).
    public var listensLocally: Bool { ["127.0.0.1", "::1", "localhost"].contains(host) }

    /// The one address every external link starts with: PUBLIC_URL, or http://HOST:PORT when it is unset.
    public var linkBase: String { publicURL ?? "http://\(host):\(port)" }

    /// The address printed links are built from: `linkBase` when PUBLIC_URL is set or the server listens locally; nil
    /// when neither (printing cards and posters is then refused).
    public var publicBase: String? { publicURL != nil || listensLocally ? linkBase : nil }

    /// The one function every external link is built with (household card and its QR, board and poster QR codes,
    /// announcement links in SMS, Zalo, Web Push and the CAP feed, confirmation links): `linkBase` + the path from the
    /// URL map. Never the request's Host header.
    public func externalURL(_ url: SiteURL) -> String { externalURL(path: url.path) }

    /// The same, for a path kept from the map earlier (a queued message's link).
    public func externalURL(path: String) -> String { linkBase + path }

    /// Refuses (409, naming PUBLIC_URL) when a link is to be printed and no public address is known.
    public func requirePrintable() throws {
        guard publicBase != nil else { throw InvalidInput("publicURL", "error.publicURLMissing", status: .conflict) }
    }

    /// A link to print (card, board, poster): `externalURL`, once `requirePrintable` allows it.
    public func printedURL(_ url: SiteURL) throws -> String {
        try requirePrintable()
        return externalURL(url)
    }
}

public struct ConfigError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { "Configuration error: \(message)" }
}

struct AppConfigKey: StorageKey { typealias Value = AppConfig }

extension Application {
    public var config: AppConfig {
        get { storage[AppConfigKey.self]! }
        set { storage[AppConfigKey.self] = newValue }
    }
}

extension Request {
    public var config: AppConfig { application.config }
}

extension AppConfig {
    /// The scheme, host and port of a tile address (for the pages' Content-Security-Policy), nil when it has none.
    static func tileOrigin(_ template: String) -> String? {
        guard let schemeEnd = template.range(of: "://") else { return nil }
        let rest = template[schemeEnd.upperBound...]
        let host = rest.prefix { $0 != "/" }
        guard !host.isEmpty, !host.contains("{") else { return nil }
        return String(template[..<schemeEnd.upperBound]) + host
    }
}
