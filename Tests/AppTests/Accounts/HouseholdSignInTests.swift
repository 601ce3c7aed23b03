import Foundation
import Testing
import Vapor
import VaporTesting
@testable import App

@Suite("A household representative signs in with the card or a PIN")
struct HouseholdSignInTests {
    static func cookie(_ res: TestingHTTPResponse) -> String? { res.headers.setCookie?["thonso_session"]?.string }

    @Test("the printed card's QR code reads back to its URL; the URL signs the household in to its own page only; a new card voids the old")
    func card() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            let h = try await app.api(.POST, "/api/v1/households", json: householdInput("HH-1", village: t.village1, name: "Lò Văn Páo")).decode(HouseholdDetailDTO.self)
            let card = try await app.form("/households/\(h.household.id)/card", [:])
            #expect(card.status == .ok && card.text.contains("<svg") && card.text.contains("Lò Văn Páo"))
            let tokenAt = try #require(card.text.range(of: "/card/ts_"))
            let start = try #require(card.text.range(of: "http://", options: .backwards, range: card.text.startIndex..<tokenAt.lowerBound))
            let url = String(card.text[start.lowerBound...].prefix { $0 != "<" && $0 != "\"" })
            #expect(url.contains("/card/ts_"))
            if let decoded = try await Self.zbar(url) { #expect(decoded == url) }
            let path = String(url[url.range(of: "/card/")!.lowerBound...])

            // Opening the link only asks; it signs nobody in and writes no session.
            let ask = try await app.anonymousPage(path)
            #expect(ask.status == .ok && Self.cookie(ask)?.hasPrefix("s_") != true && ask.text.contains("HH-1"))
            #expect(try await app.count("sessions") == 1)   // the administrator's browser only
            let signIn = try await app.cardSignIn(path)
            #expect(signIn.status == .seeOther && signIn.headers.first(name: .location) == "/my")
            let cookie = try #require(Self.cookie(signIn))
            let mine = try await app.testing().sendRequest(.GET, "/my", headers: ["Cookie": "thonso_session=\(cookie)"])
            #expect(mine.status == .ok && mine.text.contains("HH-1") && mine.text.contains("Lò Văn Páo"))
            for other in ["/units/\(t.village1.id)", "/households/\(h.household.id)", "/search?q=lo"] {
                let res = try await app.testing().sendRequest(.GET, other, headers: ["Cookie": "thonso_session=\(cookie)"])
                #expect(res.status == .notFound || !res.text.contains("HH-1"), "\(other)")
            }
            #expect(try await app.count("households") == 1)
            let stored = try #require(await Household.find(h.household.id, on: app.db))
            #expect(stored.cardTokenHash != nil && !url.contains(stored.cardTokenHash!))

            // A new card voids the old one and ends the session it opened.
            _ = try await app.form("/households/\(h.household.id)/card", [:])
            #expect(try await app.anonymousPage(path).status == .notFound)
            let after = try await app.testing().sendRequest(.GET, "/my", headers: ["Cookie": "thonso_session=\(cookie)"])
            #expect(after.status == .seeOther)
        }
    }

    @Test("at debug level the card link is logged without its token: the route's secret component comes from the URL map")
    func cardLinkNotLogged() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            let h = try await app.api(.POST, "/api/v1/households", json: householdInput("HH-L", village: t.village1)).decode(HouseholdDetailDTO.self)
            let card = try await app.form("/households/\(h.household.id)/card", [:])
            let start = try #require(card.text.range(of: "/card/ts_"))
            let path = String(card.text[start.lowerBound...].prefix { $0 != "<" && $0 != "\"" })
            let token = String(path.dropFirst("/card/".count))
            #expect(token.count >= 20 && path == SiteURL.cardLink(.value(token)).path)

            let lines = LogLines()
            app.logger = Logger(label: "test") { _ in CapturingLogHandler(lines: lines) }
            app.logger.logLevel = .debug
            #expect(try await app.cardSignIn(path).status == .seeOther)              // the link's GET, then the POST
            #expect(try await app.anonymousPage(path + "/more").status == .notFound)   // no route, still redacted
            let logged = lines.all
            for line in ["GET /card/… ", "POST /card/… ", "GET /card/…/more "] {
                #expect(logged.contains { $0.hasPrefix(line) }, "\(line)in \(logged)")
            }
            #expect(!logged.contains { $0.contains(token) })
            // The pattern a metrics label shows is kept; only a sent secret is replaced.
            #expect(SiteURL.redacted("/card/:token") == "/card/:token" && SiteURL.redacted("/households/\(h.household.id)") == "/households/\(h.household.id)")
        }
    }

    @Test("the representative sets a PIN and signs in with phone and PIN; wrong PINs lock it")
    func pin() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            let h = try await app.api(.POST, "/api/v1/households", json: householdInput("HH-2", village: t.village1)).decode(HouseholdDetailDTO.self)
            let card = try await app.form("/households/\(h.household.id)/card", [:])
            let start = try #require(card.text.range(of: "/card/ts_"))
            let path = String(card.text[start.lowerBound...].prefix { $0 != "<" && $0 != "\"" })
            let cookie = try #require(Self.cookie(try await app.cardSignIn(path)))
            let mine = try await app.testing().sendRequest(.GET, "/my", headers: ["Cookie": "thonso_session=\(cookie)"])
            let csrf = try #require(scrapeCSRF(mine.text))
            let bad = try await app.testing().sendRequest(.POST, "/my/pin", headers: ["Cookie": "thonso_session=\(cookie)"]) { req in
                try req.content.encode(["phone": "0999 777 888", "pin": "12", "_csrf": csrf], as: .urlEncodedForm)
            }
            #expect(bad.status == .unprocessableEntity && bad.text.contains("Mã PIN gồm 4 đến 8 chữ số."))
            let set = try await app.testing().sendRequest(.POST, "/my/pin", headers: ["Cookie": "thonso_session=\(cookie)"]) { req in
                try req.content.encode(["phone": "0999 777 888", "pin": "2468", "_csrf": csrf], as: .urlEncodedForm)
            }
            #expect(set.status == .ok && set.text.contains("Đã đặt mã PIN."))

            func attempt(_ pin: String) async throws -> TestingHTTPResponse {
                // A fresh browser each time: a successful sign-in renews the form token.
                let page = try await app.anonymousPage("/signin")
                let c2 = try #require(Self.cookie(page))
                let t2 = try #require(scrapeCSRF(page.text))
                return try await app.testing().sendRequest(.POST, "/signin", headers: ["Cookie": "thonso_session=\(c2)"]) { req in
                    try req.content.encode(["username": "0999777888", "password": pin, "_csrf": t2], as: .urlEncodedForm)
                }
            }
            let ok = try await attempt("2468")
            #expect(ok.status == .seeOther && ok.headers.first(name: .location) == "/my")
            for _ in 0..<5 { _ = try await attempt("0000") }
            // Locked, the right PIN answers as a wrong one.
            let locked = try await attempt("2468")
            #expect(locked.status == .unauthorized)
        }
    }

    /// Draws the symbol as a PGM and reads it with zbarimg (Debian's zbar-tools); nil when zbarimg is not installed
    /// outside CI (CI installs it, so there it must read).
    static func zbar(_ text: String) async throws -> String? {
        let candidates = ["/usr/bin/zbarimg", "/usr/local/bin/zbarimg"]
        guard let tool = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            #expect(ProcessInfo.processInfo.environment["CI"] == nil, "CI must have zbarimg")
            return nil
        }
        let m = try #require(QRCode.matrix(text))
        let scale = 6, quiet = 4, n = (m.count + 2 * quiet) * scale
        var pgm = Data("P5\n\(n) \(n)\n255\n".utf8)
        for y in 0..<n {
            for x in 0..<n {
                let my = y / scale - quiet, mx = x / scale - quiet
                let dark = my >= 0 && my < m.count && mx >= 0 && mx < m.count && m[my][mx]
                pgm.append(dark ? 0 : 255)
            }
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("qr-\(UUID().uuidString).pgm")
        try pgm.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = ["--quiet", "--raw", file.path]
        return try await Subprocess.run(p).text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// Log lines (message and metadata), gathered from every request of a test.
final class LogLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.lock(); lines.append(line); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return lines }
}

struct CapturingLogHandler: LogHandler {
    let lines: LogLines
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String, function: String, line: UInt) {
        let all = self.metadata.merging(metadata ?? [:]) { $1 }
        lines.append(all.isEmpty ? message.description : message.description + " " + all.map { "\($0)=\($1)" }.sorted().joined(separator: " "))
    }
}
