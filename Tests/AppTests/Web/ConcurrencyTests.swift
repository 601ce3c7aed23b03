import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
@testable import App

/// Writes under concurrency, against the real server on a port: no request answers an error, on either database.
@Suite("Concurrent writes and small defects")
struct ConcurrencyTests {
    @Test("8 API clients × 50 mixed writes against the running server: every one succeeds and is kept")
    func concurrentWrites() async throws {
        try await withTestApp({ $0.postgresPoolPerLoop = 4 }) { app in
            try await app.server.start(address: .hostname("127.0.0.1", port: 0))
            let port = try #require(app.http.server.shared.localAddress?.port)
            let base = "http://127.0.0.1:\(port)"
            do {
                let village = try await WriteLoad.setup(base: base, token: app.testAuth.token, prefix: "01", client: app.client)
                let r = try await WriteLoad.run(base: base, token: app.testAuth.token, village: village, clients: 8, writes: 50, client: app.client)
                #expect(r.errors.isEmpty, "\(r.errors.count) errors, e.g. \(r.errors.prefix(3))")
                #expect(r.requests == 400)
                // 50 writes in rounds of six: 9 groups, 8 households (each with a second resident, renamed) per client.
                let groups = try await AdminUnit.query(on: app.db).filter(\.$kind == .group).count()
                #expect(groups == 8 * 9)
                #expect(try await app.count("households") == 8 * 8)
                #expect(try await app.count("residents") == 8 * 8 * 2)
                let renamed = try await Resident.query(on: app.db).filter(\.$fullName ~~ "Đổi").count()
                #expect(renamed == 8 * 8)
            } catch {
                await app.server.shutdown()
                throw error
            }
            await app.server.shutdown()
        }
    }

    @Test("a write that collided waits a random time in a window that doubles from 5 ms up to 640 ms, about 2.5 s over all retries")
    func retryBackoff() {
        var ceiling: UInt64 = 0
        for attempt in 1...Writes.retries {
            let window = UInt64(5_000_000) << UInt64(min(attempt - 1, 7))
            for _ in 0..<50 {
                let wait = Writes.backoff(attempt)
                #expect(wait >= 1_000_000 && wait <= window, "attempt \(attempt): \(wait)")
            }
            ceiling += window
        }
        #expect(Writes.backoff(99) <= 640_000_000)
        #expect(ceiling <= 3_000_000_000)
    }

    @Test("a request that waited out the database pool answers 503 with Retry-After (overloaded), not 500")
    func poolTimeout() async throws {
        try await withTestApp { app in
            app.get("api", "v1", "pool-test") { _ -> String in throw ConnectionPoolTimeoutError.connectionRequestTimeout }.rule(.open)
            let res = try await app.api(.GET, "/api/v1/pool-test")
            #expect(res.status == .serviceUnavailable)
            #expect(res.headers.first(name: .retryAfter) == "2")
            #expect(try res.decode(ErrorBody.self).error == "busy")
        }
    }

    static func brokenMultipart() -> (HTTPHeaders, ByteBuffer) {
        var h = HTTPHeaders()
        h.replaceOrAdd(name: .contentType, value: "multipart/form-data; boundary=xyz")
        // A part that never ends and a header line without a colon.
        return (h, ByteBuffer(string: "--xyz\r\nContent-Disposition form-data name=\"file\"\r\n\r\nabc"))
    }

    @Test("a multipart header name with bytes from 0x80 up (which stopped MultipartKit's parser, and the server) answers 400 on the API and the pages")
    func nonASCIIHeaderName() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            var h = HTTPHeaders()
            h.replaceOrAdd(name: .contentType, value: "multipart/form-data; boundary=eb58ad60")
            var body = ByteBuffer(string: "--eb58ad60\r\nZ")
            body.writeBytes([0xF2, 0x99, 0xB9, 0xA2])
            body.writeString("--eb58ad60--\r\n")
            let api = try await app.testing().sendRequest(.POST, "/api/v1/paper-sets/\(UUID())/files", headers: h, body: body)
            #expect(api.status == .badRequest, "\(api.status) \(api.body.string)")
            let b = try await app.adminBrowser()
            var ph = b.headers(h)
            ph.replaceOrAdd(name: "X-CSRF-Token", value: b.csrf)
            #expect(try await app.testing().sendRequest(.POST, "/units/\(t.commune.id)/import", headers: ph, body: body).status == .badRequest)
            // A form route that decodes whatever the client says it sent: refused too, not a crash.
            #expect(try await app.testing().sendRequest(.POST, "/account/password", headers: ph, body: body).status.code < 500)
            // UTF-8 in a header value (a Vietnamese file name) is fine.
            var ok = [UInt8]("--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"giấy.csv\"\r\n\r\ndata\r\n--x--\r\n".utf8)
            #expect(SafeFormDataDecoder.headerNamesAreASCII(ok, boundary: "x"))
            ok.insert(0xC3, at: 5)
            #expect(!SafeFormDataDecoder.headerNamesAreASCII(ok, boundary: "x"))
            #expect(try await app.api(.GET, "/api/v1/units").status == .ok)
        }
    }

    @Test("a malformed multipart upload answers 400 naming the file, on every upload route, and writes nothing")
    func malformedUpload() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            let (h, body) = Self.brokenMultipart()
            let b = try await app.adminBrowser()
            let audit = try await app.count("audit_events")
            // The JSON API (an open route).
            let api = try await app.testing().sendRequest(.POST, "/api/v1/paper-sets/\(UUID())/files", headers: h, body: body)
            #expect(api.status == .badRequest, "\(api.status) \(api.body.string)")
            let err = try api.content.decode(ErrorBody.self)
            #expect(err.error == "invalid")
            #expect(err.fields?.first?.field == "file")
            #expect(err.fields?.first?.message.contains("multipart") == true)
            // The pages, with the form token in its header (as a script would send it).
            var ph = b.headers(h)
            ph.replaceOrAdd(name: "X-CSRF-Token", value: b.csrf)
            let papers = try await app.testing().sendRequest(.POST, "/papers-ahead/upload", headers: ph, body: body)
            #expect(papers.status == .badRequest, "\(papers.status)")
            let imp = try await app.testing().sendRequest(.POST, "/units/\(t.commune.id)/import", headers: ph, body: body)
            #expect(imp.status == .badRequest, "\(imp.status)")
            #expect(imp.body.string.contains("multipart"))
            #expect(try await app.count("households") == 0)
            #expect(try await app.count("audit_events") == audit)
        }
    }

    @Test("an API token's last use is written at most once a minute: reads in between write nothing")
    func tokenLastUsed() async throws {
        try await withTestApp { app in
            _ = try await app.api(.GET, "/api/v1/units")
            let first = try #require(try await ApiToken.query(on: app.db).filter(\.$name == "tests").first()?.lastUsedAt)
            // Each read within the minute on the app's clock, however slowly a loaded machine runs the requests.
            for i in 0..<3 {
                app.testClock.set(first.addingTimeInterval(Double(10 * (i + 1))))
                #expect(try await app.api(.GET, "/api/v1/units").status == .ok)
            }
            let same = try #require(try await ApiToken.query(on: app.db).filter(\.$name == "tests").first()?.lastUsedAt)
            #expect(abs(same.timeIntervalSince(first)) < 0.001)
            // A minute later, the next use is written.
            let old = first
            app.testClock.set(first.addingTimeInterval(61))
            _ = try await app.api(.GET, "/api/v1/units")
            let later = try #require(try await ApiToken.query(on: app.db).filter(\.$name == "tests").first()?.lastUsedAt)
            #expect(later.timeIntervalSince(old) > 60)
        }
    }
}
