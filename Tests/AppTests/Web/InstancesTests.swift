import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
@testable import App

/// How a province grows past one machine: two real `thonso serve` processes on one PostgreSQL schema, as two
/// instances behind a proxy would run (docs/operations.md). Sessions, jobs and limits live in the database, so what
/// one instance knows the other knows. Needs PostgreSQL (DATABASE_URL); skipped on SQLite.
@Suite("Several instances on one PostgreSQL", .serialized)
struct InstancesTests {
    static let households = 50_000

    /// A free TCP port on 127.0.0.1 (bound and released; the child binds it next).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        try #require(bound, "no free port")
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    /// One instance: `thonso serve` on its own port, no migration of its own (the test app migrated the schema).
    struct Instance {
        var process: Process
        var base: String
        /// Its job worker's name starts with this (`w-<pid>-`).
        var worker: String { "w-\(process.processIdentifier)-" }
    }

    static func start(_ env: [String: String], log: String, client: any Client) async throws -> Instance {
        let port = try freePort()
        let p = Process()
        p.executableURL = try #require(CommandTests.binary)
        p.arguments = ["serve"]
        p.currentDirectoryURL = CommandTests.binary!.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var environment = ProcessInfo.processInfo.environment
        for (k, v) in env { environment[k] = v }
        environment["PORT"] = String(port)
        p.environment = environment
        FileManager.default.createFile(atPath: log, contents: nil)
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let base = "http://127.0.0.1:\(port)"
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, p.isRunning {
            if let r = try? await client.get(URI(string: base + "/healthz")), r.status == .ok { return Instance(process: p, base: base) }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        if p.isRunning { p.terminate() }
        let said = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        throw Abort(.internalServerError, reason: "instance on port \(port) did not start: \(said.suffix(2000))")
    }

    static func stop(_ i: Instance) {
        if i.process.isRunning { i.process.terminate() }
        i.process.waitUntilExit()
    }

    @Test("two `serve` on one schema: a session, a 50,000-household fan-out shared by both workers, sign-in and anonymous limits",
          .enabled(if: CommandTests.binary != nil, "needs the built thonso binary"),
          .enabled(if: TestDB.isPostgres, "needs PostgreSQL: several instances share one PostgreSQL; set DATABASE_URL"))
    func twoInstances() async throws {
        try await withTestApp { app in
            // The test and both instances run one second into a day's window (the clock's, from here on): the
            // attempts counted below fall into one quarter-hour and one day, whatever the time on the machine.
            let day = Double(RateLimit.day)
            app.testClock.set(Date(timeIntervalSince1970: (floor(app.now.timeIntervalSince1970 / day) + 1) * day + 1))
            app.http.client.configuration.redirectConfiguration = .disallow
            let client = app.client
            let f = try await ProcFixture.make(app)
            let t = f.tree
            let birth = try await f.procedure(app, "birthRegistration")
            let sql = app.db as! any SQLDatabase

            // 50,000 households of the commune, across its two villages.
            var rows: [[SQLValue]] = []
            rows.reserveCapacity(Self.households)
            let created = app.now.addingTimeInterval(-60)
            for i in 0..<Self.households {
                let (village, group) = i % 3 == 2 ? (t.village2.id, UUID?.none) : (t.village1.id, Optional(i % 2 == 0 ? t.group11.id : t.group12.id))
                rows.append([UUID(), String(format: "M-%05d", i), t.commune.id, village, group, "Số \(i)", String(format: "0998%06d", i), "m \(i)", created, created])
            }
            try await Bulk.insert(sql, into: "households", columns: ["id", "code", "commune_id", "village_id", "group_id", "address", "phone", "search_key", "created_at", "updated_at"], rows: rows)
            rows = []
            let audience = try await Household.query(on: app.db).filter(\.$communeID == t.commune.id).count()
            #expect(audience >= Self.households)

            guard case .postgres(let url) = app.config.database else { return }
            let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("thonso-instances-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: scratch) }
            let env = ["DATABASE_URL": url, "DATABASE_SCHEMA": app.config.postgresSchema ?? "", "HOST": "127.0.0.1", "AUTO_MIGRATE": "0",
                       "JOB_WORKERS": "1", "JOB_POLL_SECONDS": "0.05", "FANOUT_BATCH": "1000", "PUSH": "0", "BCRYPT_COST": "4",
                       "TRUSTED_PROXIES": "127.0.0.1", "PROC_PER_ADDRESS_DAY": "3", "LOG_LEVEL": "debug",
                       "UPLOADS_DIR": scratch + "/uploads", "AUDIO_DIR": scratch + "/audio",
                       "CLOCK_OFFSET_SECONDS": String(app.testClock.offsetFromSystem)]
            try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
            let a = try await Self.start(env, log: scratch + "/a.log", client: client)
            defer { Self.stop(a) }
            let b = try await Self.start(env, log: scratch + "/b.log", client: client)
            defer { Self.stop(b) }

            // 1. Signed in on A, recognised by B; signed out on B, no longer recognised by A.
            func send(_ method: HTTPMethod, _ url: String, cookie: String? = nil, from address: String = "203.0.113.10",
                      form: [String: String]? = nil, json: (any Content)? = nil) async throws -> ClientResponse {
                var h: HTTPHeaders = ["X-Forwarded-For": address, "Sec-Fetch-Site": "same-origin"]
                if let cookie { h.add(name: .cookie, value: "thonso_session=\(cookie)") }
                return try await client.send(method, headers: h, to: URI(string: url)) { req in
                    if let form { try req.content.encode(form, as: .urlEncodedForm) }
                    if let json { try req.content.encode(json, as: .json) }
                }
            }
            func cookie(_ r: ClientResponse) -> String? { r.headers.setCookie?["thonso_session"]?.string }
            func text(_ r: ClientResponse) -> String { r.body.map { String(buffer: $0) } ?? "" }

            #expect(try await send(.GET, b.base + "/people").status == .seeOther, "B lets an anonymous visitor in")
            let page = try await send(.GET, a.base + "/signin")
            let anonymous = try #require(cookie(page))
            let csrf = try #require(scrapeCSRF(text(page)))
            let signedIn = try await send(.POST, a.base + "/signin", cookie: anonymous, form: ["username": "admin", "password": testPassword, "_csrf": csrf, "next": "/people"])
            #expect(signedIn.status == .seeOther)
            let session = try #require(cookie(signedIn))
            let onB = try await send(.GET, b.base + "/people", cookie: session)
            #expect(onB.status == .ok && text(onB).contains("Quản trị thử"), "B: \(onB.status)")
            let bCSRF = try #require(scrapeCSRF(text(onB)))
            #expect(try await send(.POST, b.base + "/signout", cookie: session, form: ["_csrf": bCSRF]).status == .seeOther)
            #expect(try await send(.GET, a.base + "/people", cookie: session).status == .seeOther, "A still knows a session ended on B")

            // 2. A notice to the whole commune, published through A: the fan-out hands itself back after each batch,
            // and both instances' workers take turns at it.
            let headers = HTTPHeaders([("Authorization", "Bearer \(app.testAuth.token)")])
            let draft = try await client.post(URI(string: a.base + "/api/v1/announcements"), headers: headers) { try $0.content.encode(announcement("Họp toàn xã", units: [t.commune]), as: .json) }
            #expect(draft.status == .created)
            let id = try draft.content.decode(AnnouncementDTO.self).id
            let published = try await client.post(URI(string: a.base + "/api/v1/announcements/\(id)/publish"), headers: headers)
            #expect(published.status == .ok)
            let deadline = Date().addingTimeInterval(300)
            var reach: ReachDTO? = nil
            while Date() < deadline {
                if try await sql.raw("SELECT 1 FROM announcements WHERE id = \(bind: id) AND audience_count IS NOT NULL").first() != nil {
                    reach = try await client.get(URI(string: b.base + "/api/v1/announcements/\(id)/reach"), headers: headers).content.decode(ReachDTO.self)
                    break
                }
                try await Task.sleep(nanoseconds: 20_000_000)
            }
            // Who claimed each batch, from the workers' own log lines (a claim lasts one batch: polling the table
            // missed them under load).
            var claimedBy = Set<String>()
            for file in [scratch + "/a.log", scratch + "/b.log"] {
                let log = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
                for line in log.split(separator: "\n") where line.contains("job claimed: fanout \(id.uuidString)") {
                    if let by = line.range(of: " by ") { claimedBy.insert(String(line[by.upperBound...]).trimmingCharacters(in: .whitespaces)) }
                }
            }
            #expect(claimedBy.contains { $0.hasPrefix(a.worker) }, "A's worker never claimed the fan-out: \(claimedBy)")
            #expect(claimedBy.contains { $0.hasPrefix(b.worker) }, "B's worker never claimed the fan-out: \(claimedBy)")
            #expect(claimedBy.allSatisfy { $0.hasPrefix(a.worker) || $0.hasPrefix(b.worker) }, "\(claimedBy)")
            let n = try await sql.raw("SELECT COUNT(*) AS n, COUNT(DISTINCT household_id) AS d FROM deliveries WHERE announcement_id = \(bind: id)").first()!
            #expect(try n.decode(column: "n", as: Int.self) == audience, "no delivery lost or doubled")
            #expect(try n.decode(column: "d", as: Int.self) == audience)
            #expect(reach?.households == audience && reach?.inProgress == false, "reach seen from B: \(String(describing: reach))")

            // 3. Sign-in attempts for one name, alternating instances: the budget (perName a quarter-hour) is one.
            let name = "khong-co-\(UUID().uuidString.prefix(6).lowercased())"
            var statuses: [HTTPResponseStatus] = []
            for i in 0...AccountsWeb.perName {
                let on = i % 2 == 0 ? a : b
                let p = try await send(.GET, on.base + "/signin", from: "203.0.113.20")
                let r = try await send(.POST, on.base + "/signin", cookie: cookie(p), from: "203.0.113.20",
                                       form: ["username": name, "password": "sai-\(i)", "_csrf": try #require(scrapeCSRF(text(p)))])
                statuses.append(r.status)
            }
            #expect(statuses.dropLast().allSatisfy { $0 == .unauthorized } && statuses.last == .tooManyRequests, "\(statuses)")
            #expect(try await RateLimit.count("signin:name:" + name, window: AccountsWeb.window, on: app.db) == AccountsWeb.perName + 1,
                    "the attempts are counted in rate_counters, shared by both")

            // 4. Anonymous questions from one client address (behind the trusted proxy), alternating instances: three a
            // day (PROC_PER_ADDRESS_DAY=3), then 429 on either; another address still may.
            var asked: [HTTPResponseStatus] = []
            for i in 0..<4 {
                let on = i % 2 == 0 ? a : b
                let r = try await send(.POST, on.base + "/api/v1/questions", from: "203.0.113.30",
                                       json: QuestionInput(procedureId: birth.id.uuidString, question: "Cần giấy tờ gì, lần \(i)?", phone: "099901000\(i)"))
                asked.append(r.status)
            }
            #expect(asked == [.created, .created, .created, .tooManyRequests], "\(asked)")
            let other = try await send(.POST, b.base + "/api/v1/questions", from: "203.0.113.31",
                                       json: QuestionInput(procedureId: birth.id.uuidString, question: "Lệ phí bao nhiêu?", phone: "0999010009"))
            #expect(other.status == .created)
            #expect(try await app.count("procedure_questions") == 4)
            #expect(try await RateLimit.count("proc:ask:addr:203.0.113.30", window: RateLimit.day, on: app.db) == 4)
        }
    }
}
