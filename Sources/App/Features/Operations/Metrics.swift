// Monitoring: `/metrics` in Prometheus' text format and `/readyz` (docs/operations.md, "Monitoring").
//
// Requests are counted by a middleware into this process's own registry (swift-prometheus), labelled with the route's
// pattern (`/api/v1/households/:id`), never the path a client sent: unknown paths share one label, and a card link's
// secret can never become a label. Jobs, deliveries and the database pool are read when Prometheus scrapes: jobs and
// deliveries as grouped counts from the database (so every instance answers the same figures), the pool from this
// process's connection pools.
import Fluent
import Foundation
import NIOConcurrencyHelpers
import Prometheus
import SQLKit
import Vapor

public enum Monitoring {
    /// Buckets of the request-duration histogram, in seconds.
    static let buckets: [Duration] = [.milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
                                      .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
                                      .milliseconds(2500), .seconds(5), .seconds(10)]
    /// The route label of a request that matched no route (a 404, a static file).
    static let unmatched = "unmatched"
    /// Deliveries are counted for notices published within this many days (a bounded count on every scrape).
    static let deliveryDays = 7
    static let jobStates = ["queued", "running", "done", "failed"]
    static let deliveryStates = DeliveryState.allCases.map(\.rawValue)
    static let deliveryChannels = Channel.sent.map(\.rawValue)

    struct RegistryKey: StorageKey { typealias Value = PrometheusCollectorRegistry }

    /// Sets up this application's registry and worker heartbeat; called once by `configure`.
    static func install(_ app: Application) {
        app.storage[RegistryKey.self] = PrometheusCollectorRegistry()
        app.storage[WorkerHeartbeat.Key.self] = WorkerHeartbeat()
        // Vapor's own request metrics go to swift-metrics' global system, which is not bootstrapped: off, at no cost.
        app.http.server.configuration.reportMetrics = false
    }

    /// The route's pattern as registered (`/card/:token`), "unmatched" when none matched; redacted by the URL map
    /// (SiteURL.redacted), so a secret route's component can never become a label even if registered as a literal.
    static func routeLabel(_ req: Request) -> String {
        guard let route = req.route else { return unmatched }
        return SiteURL.redacted("/" + route.path.map(\.description).joined(separator: "/"))
    }

    /// Whether the caller may read `/metrics`: its address is in METRICS_ALLOW, or it sends METRICS_TOKEN.
    static func allowed(_ req: Request) -> Bool {
        let config = req.config
        if let token = config.metricsToken, let sent = req.headers.bearerAuthorization?.token,
           constantTimeEqual(Array(sent.utf8), Array(token.utf8)) { return true }
        let address = req.clientAddress
        return config.metricsAllow.contains { $0.contains(address) }
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<a.count { diff |= a[i] ^ b[i] }
        return diff == 0
    }

    /// The whole exposition: the request metrics, then what is read now.
    static func render(_ req: Request) async throws -> String {
        var out = req.application.storage[RegistryKey.self]?.emitToString() ?? ""
        var text = TextFormat()
        try await jobs(req.db, into: &text)
        try await deliveries(req.db, into: &text)
        if let pool = await PoolReading.read(req.application) {
            text.family("thonso_db_pool_connections", "gauge", "Database connections of this process's pool, by state")
            text.sample("thonso_db_pool_connections", ["state": "in_use"], Double(pool.inUse))
            text.sample("thonso_db_pool_connections", ["state": "idle"], Double(pool.idle))
            text.family("thonso_db_pool_max_connections", "gauge", "The most connections this process's pool opens")
            text.sample("thonso_db_pool_max_connections", [:], Double(pool.max))
            text.family("thonso_db_pool_waiting", "gauge", "Requests for a connection waiting because the pool is fully in use")
            text.sample("thonso_db_pool_waiting", [:], Double(pool.waiting))
        }
        out += text.text
        return out
    }

    /// Jobs by state, and how long the oldest has waited: a due queued job since it was due, a running or failed
    /// job since it last changed. Grouped counts over the `jobs_due` index.
    static func jobs(_ db: any Database, into text: inout TextFormat) async throws {
        let sql = try Jobs.sql(db)
        let now = AppClock.now
        var counts = Dictionary(uniqueKeysWithValues: jobStates.map { ($0, 0) })
        for r in try await sql.raw("SELECT state, COUNT(*) AS n FROM jobs GROUP BY state").all() {
            counts[try r.decode(column: "state", as: String.self)] = try r.decode(column: "n", as: Int.self)
        }
        text.family("thonso_jobs", "gauge", "Background jobs by state (all instances)")
        for (state, n) in counts.sorted(by: { $0.key < $1.key }) { text.sample("thonso_jobs", ["state": state], Double(n)) }
        text.family("thonso_jobs_oldest_age_seconds", "gauge",
                    "Seconds the oldest job has waited: queued since due, running or failed since it last changed")
        let due = try await sql.raw("SELECT run_at FROM jobs WHERE state = 'queued' AND run_at <= \(bind: now) ORDER BY run_at LIMIT 1")
            .first()?.decode(column: "run_at", as: Date.self)
        text.sample("thonso_jobs_oldest_age_seconds", ["state": "queued"], due.map { max(0, now.timeIntervalSince($0)) } ?? 0)
        for state in ["running", "failed"] {
            let at = try await sql.raw("SELECT updated_at FROM jobs WHERE state = \(bind: state) ORDER BY updated_at LIMIT 1")
                .first()?.decode(column: "updated_at", as: Date.self)
            text.sample("thonso_jobs_oldest_age_seconds", ["state": state], at.map { max(0, now.timeIntervalSince($0)) } ?? 0)
        }
    }

    /// Channel deliveries (Web Push, SMS, Zalo) of the notices published in the last `deliveryDays` days, by channel and
    /// state, and how long the oldest due queued one has waited per channel.
    static func deliveries(_ db: any Database, into text: inout TextFormat) async throws {
        let sql = try Jobs.sql(db)
        let now = AppClock.now
        let since = now.addingTimeInterval(-Double(deliveryDays) * 86_400)
        var counts: [String: [String: Int]] = [:]
        for c in deliveryChannels { counts[c] = Dictionary(uniqueKeysWithValues: deliveryStates.map { ($0, 0) }) }
        let rows = try await sql.raw("""
            SELECT cd.channel, cd.state, COUNT(*) AS n FROM channel_deliveries cd
            WHERE cd.announcement_id IN (SELECT id FROM announcements WHERE published_at >= \(bind: since))
            GROUP BY cd.channel, cd.state
            """).all()
        for r in rows {
            let c = try r.decode(column: "channel", as: String.self), s = try r.decode(column: "state", as: String.self)
            counts[c, default: [:]][s] = try r.decode(column: "n", as: Int.self)
        }
        text.family("thonso_deliveries", "gauge",
                    "Channel deliveries of the notices published in the last \(deliveryDays) days, by channel and state (all instances)")
        for (c, states) in counts.sorted(by: { $0.key < $1.key }) {
            for (s, n) in states.sorted(by: { $0.key < $1.key }) { text.sample("thonso_deliveries", ["channel": c, "state": s], Double(n)) }
        }
        text.family("thonso_deliveries_oldest_queued_seconds", "gauge",
                    "Seconds the oldest due queued channel delivery has waited, by channel")
        for c in deliveryChannels {
            let at = try await sql.raw("""
                SELECT cd.next_attempt_at FROM channel_deliveries cd
                WHERE cd.announcement_id IN (SELECT id FROM announcements WHERE published_at >= \(bind: since))
                  AND cd.channel = \(bind: c) AND cd.state = 'queued' AND cd.next_attempt_at <= \(bind: now)
                ORDER BY cd.next_attempt_at LIMIT 1
                """).first()?.decode(column: "next_attempt_at", as: Date.self)
            text.sample("thonso_deliveries_oldest_queued_seconds", ["channel": c], at.map { max(0, now.timeIntervalSince($0)) } ?? 0)
        }
    }
}

/// Prometheus' text format for the figures read at scrape time.
struct TextFormat {
    var text = ""

    mutating func family(_ name: String, _ type: String, _ help: String) {
        text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
    }

    mutating func sample(_ name: String, _ labels: [String: String], _ value: Double) {
        text += name
        if !labels.isEmpty {
            text += "{" + labels.sorted(by: { $0.key < $1.key }).map { k, v in
                let escaped = v.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                    .replacingOccurrences(of: "\n", with: "\\n")
                return "\(k)=\"\(escaped)\""
            }.joined(separator: ",") + "}"
        }
        let v = value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(format: "%.3f", value)
        text += " \(v)\n"
    }
}

/// Counts every request but `/metrics` itself: by method, route pattern and status, with a latency histogram by
/// method and route. Outermost, so it sees the status of every answer, error pages included.
struct RequestMetricsMiddleware: AsyncMiddleware {
    let registry: PrometheusCollectorRegistry

    nonisolated(unsafe) static let requests = MetricNameDescriptor(namespace: "thonso", metricName: "http_requests", unitName: "total",
                                               helpText: "HTTP requests answered, by method, route pattern and status")
    nonisolated(unsafe) static let duration = MetricNameDescriptor(namespace: "thonso", metricName: "http_request_duration", unitName: "seconds",
                                               helpText: "Time to answer HTTP requests, by method and route pattern")

    func respond(to req: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if req.urlPath == "/metrics" { return try await next.respond(to: req) }
        let start = ContinuousClock.now
        let status: UInt
        do {
            let res = try await next.respond(to: req)
            status = res.status.code
            record(req, status: status, start: start)
            return res
        } catch {
            record(req, status: (error as? any AbortError)?.status.code ?? 500, start: start)
            throw error
        }
    }

    private func record(_ req: Request, status: UInt, start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        let route = Monitoring.routeLabel(req)
        // A request that matched no route is counted under one method too: any string a client sends is not a label.
        let method = route == Monitoring.unmatched ? "other" : req.method.rawValue
        registry.makeCounter(descriptor: Self.requests, labels: [("method", method), ("route", route), ("status", String(status))]).increment()
        registry.makeDurationHistogram(descriptor: Self.duration, labels: [("method", method), ("route", route)], buckets: Monitoring.buckets)
            .record(elapsed)
    }
}

/// `/metrics` is answered only to METRICS_ALLOW addresses or the METRICS_TOKEN bearer; everyone else gets the same 404
/// as a path that does not exist. Before the access middleware, which would refuse METRICS_TOKEN as an unknown API token.
struct MetricsGuardMiddleware: AsyncMiddleware {
    func respond(to req: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard req.urlPath == "/metrics" else { return try await next.respond(to: req) }
        guard Monitoring.allowed(req) else { throw Abort(.notFound) }
        req.headers.remove(name: .authorization)
        req.storage[MetricsAllowedKey.self] = true
        return try await next.respond(to: req)
    }
}

struct MetricsAllowedKey: StorageKey { typealias Value = Bool }

/// When this process's job worker last went round its loop (readiness).
final class WorkerHeartbeat: Sendable {
    struct Key: StorageKey { typealias Value = WorkerHeartbeat }
    private let state = NIOLockedValueBox<(expected: Bool, last: Date?)>((false, nil))

    /// This process runs a worker: readiness waits for its loop.
    func expect() { state.withLockedValue { $0.expected = true } }
    func beat(_ at: Date = Date()) { state.withLockedValue { $0.last = at } }  // system clock: whether the loop turns, not a calendar time
    var reading: (expected: Bool, last: Date?) { state.withLockedValue { $0 } }
}

extension Application {
    var workerHeartbeat: WorkerHeartbeat? { storage[WorkerHeartbeat.Key.self] }
}

public enum Readiness {
    public struct Body: Content {
        public var status: String
        public var migrations: Int
        public var pending: [String]?
        public var worker: String
        public var reason: String?
    }

    /// A worker is stalled when its loop has not gone round for this long (a job step holds it at most a lease).
    static func stallSeconds(_ config: AppConfig) -> Double {
        max(10 * config.messaging.jobPollSeconds, config.messaging.jobLeaseSeconds)
    }

    /// Reads only: the database answers, every registered migration is in its log, this process's worker (if it runs
    /// one) went round recently.
    static func check(_ req: Request) async -> (HTTPStatus, Body) {
        var body = Body(status: "ok", migrations: 0, pending: nil, worker: "none", reason: nil)
        do {
            guard let sql = req.db as? any SQLDatabase else { throw Abort(.internalServerError) }
            _ = try await sql.raw("SELECT 1 AS ok").first()
        } catch {
            req.logger.error("readiness: database: \(String(reflecting: error))")
            body.status = "unavailable"; body.reason = "database unavailable"
            return (.serviceUnavailable, body)
        }
        do {
            let migrator = Migrator(databases: req.application.databases, migrations: req.application.migrations,
                                    logger: req.logger, on: req.eventLoop)
            let pending = try await migrator.previewPrepareBatch().get().map { $0.0.name }
            let done = try await (req.db as! any SQLDatabase).raw("SELECT COUNT(*) AS n FROM _fluent_migrations").first()?
                .decode(column: "n", as: Int.self) ?? 0
            body.migrations = done
            if !pending.isEmpty {
                body.pending = pending
                body.status = "unavailable"; body.reason = "migrations pending"
                return (.serviceUnavailable, body)
            }
        } catch {
            body.status = "unavailable"; body.reason = "migrations not run"
            return (.serviceUnavailable, body)
        }
        if let hb = req.application.workerHeartbeat?.reading, hb.expected {
            guard let last = hb.last else {
                body.worker = "starting"; body.status = "unavailable"; body.reason = "job worker not started"
                return (.serviceUnavailable, body)
            }
            if Date().timeIntervalSince(last) > stallSeconds(req.config) {  // elapsed time: system clock, as `beat`
                body.worker = "stalled"; body.status = "unavailable"; body.reason = "job worker stalled"
                return (.serviceUnavailable, body)
            }
            body.worker = "running"
        }
        return (.ok, body)
    }
}

func addMonitoringRoutes(_ app: Application) {
    app.get("readyz") { req async throws -> Response in
        let (status, body) = await Readiness.check(req)
        let res = try await body.encodeResponse(status: status, for: req)
        res.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return res
    }.rule(.open)
    app.get("metrics") { req async throws -> Response in
        // The guard middleware let this through; a route reached any other way (none today) answers as if absent.
        guard req.storage[MetricsAllowedKey.self] == true else { throw Abort(.notFound) }
        let res = Response(status: .ok, body: .init(string: try await Monitoring.render(req)))
        res.headers.replaceOrAdd(name: .contentType, value: "text/plain; version=0.0.4; charset=utf-8")
        res.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return res
    }.rule(.open)
}

/// The database pool of this process, read from AsyncKit's pools (one per event loop). AsyncKit keeps these counts
/// private, so they are read by reflection on each pool's own event loop; if a new AsyncKit renames them, the pool
/// figures are left out of `/metrics` (MetricsTests fails, so an upgrade notices).
struct PoolReading: Sendable {
    var inUse = 0, idle = 0, waiting = 0, max = 0

    private struct Box: @unchecked Sendable { let value: Any }

    static func child(_ value: Any, _ label: String) -> Any? {
        Mirror(reflecting: value).children.first { $0.label == label }?.value
    }

    static func read(_ app: Application) async -> PoolReading? {
        _ = app.db  // the driver exists once a database has been asked for
        guard let drivers = child(app.databases, "drivers") else { return nil }
        var pools: [Any] = []
        for entry in Mirror(reflecting: drivers).children {
            guard let driver = child(entry.value, "value"), let group = child(driver, "pool"),
                  let storage = child(group, "storage") else { continue }
            for e in Mirror(reflecting: storage).children {
                if let pool = child(e.value, "value") { pools.append(pool) }
            }
        }
        guard !pools.isEmpty else { return nil }
        var total = PoolReading()
        for pool in pools {
            guard let loop = child(pool, "eventLoop") as? any EventLoop else { return nil }
            let box = Box(value: pool)
            let one: PoolReading? = try? await loop.submit { () -> PoolReading? in
                guard let active = child(box.value, "activeConnections") as? Int, let max = child(box.value, "maxConnections") as? Int,
                      let available = child(box.value, "available"), let waiters = child(box.value, "waiters") else { return nil }
                let idle = Mirror(reflecting: available).children.count
                return PoolReading(inUse: active - idle, idle: idle, waiting: Mirror(reflecting: waiters).children.count, max: max)
            }.get()
            guard let one else { return nil }
            total.inUse += one.inUse; total.idle += one.idle; total.waiting += one.waiting; total.max += one.max
        }
        return total
    }
}
