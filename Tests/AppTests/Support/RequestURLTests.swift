import Testing
import Vapor
@testable import App

/// `req.queryValue` reads what `req.query[String.self, at:]` reads, parsing the query once; `req.urlPath` is `url.path`.
@Suite("Query values and the path, read once per request")
struct RequestURLTests {
    static let keys = ["q", "lang", "page", "per", "flag", "a", "x", "missing", "ô"]

    @Test("the same values as Vapor's decoder, for plain pairs, escapes, repeats, flags and brackets")
    func sameAsDecoder() async throws {
        let app = try await Application.make(.testing)
        defer { Task { try? await app.asyncShutdown() } }
        let urls = [
            "/units/1/households",
            "/units/1/households?",
            "/x?q=Nguy%E1%BB%85n+Th%E1%BB%8B&lang=en&page=2",
            "/x?q=a%2Bb&per=",
            "/x?q=1&q=2",
            "/x?flag&q=z",
            "/x?a[]=1&a[]=2&q=k",
            "/x?a[b]=1&q=m",
            "/x?%C3%B4=%C3%B4&x=%3D%26",
            "/x?q=%ZZ",
            "/x?&&q=ok&",
        ]
        for url in urls {
            let req = Request(application: app, method: .GET, url: URI(string: url), on: app.eventLoopGroup.next())
            for key in Self.keys {
                let expected = req.query[String.self, at: key]
                #expect(req.queryValue(key) == expected, "\(url) \(key)")
                // Asked again: served from what was parsed the first time.
                #expect(req.queryValue(key) == expected, "\(url) \(key), again")
            }
            #expect(req.urlPath == req.url.path)
        }
        let req = Request(application: app, method: .GET, url: URI(string: "/x?q=Nguy%E1%BB%85n+Th%E1%BB%8B"), on: app.eventLoopGroup.next())
        #expect(req.queryValue("q") == "Nguyễn Thị")
        #expect(req.queryValue("page") == nil)
    }

    @Test("cookie values as Vapor's parser reads them, the header parsed once")
    func cookies() async throws {
        let app = try await Application.make(.testing)
        defer { Task { try? await app.asyncShutdown() } }
        let headers = [nil, "", "lang=en", "thonso_session=s_abc-DEF_123; lang=vi", "lang=\"en\"; a=b=c;  x = y ", "broken", "lang=vi; lang=en"]
        for header in headers {
            var h = HTTPHeaders()
            if let header { h.add(name: .cookie, value: header) }
            let req = Request(application: app, method: .GET, url: URI(string: "/"), headers: h, on: app.eventLoopGroup.next())
            for name in ["lang", "thonso_session", "a", "x", "missing"] {
                let expected = req.cookies[name]?.string
                #expect(req.cookieValue(name) == expected, "\(header ?? "none") \(name)")
                #expect(req.cookieValue(name) == expected)
            }
        }
    }
}

/// `UUID.random`, `.text` and `UUID(text:)` (Support/UUIDText.swift) agree with Foundation's.
@Suite("Ids as text without Foundation's formatter")
struct UUIDTextTests {
    @Test("random ids are version 4 and distinct; text and parsing give Foundation's text and values")
    func sameAsFoundation() {
        let made = (0..<2000).map { _ in UUID.random() }
        #expect(Set(made).count == made.count)
        for u in made.prefix(500) + (0..<200).map({ _ in UUID() }) {
            #expect(u.text == u.uuidString)
            #expect(UUID(text: u.uuidString) == u)
            #expect(UUID(text: u.uuidString.lowercased()) == u)
        }
        for u in made.prefix(200) {
            // Version 4, RFC 4122 variant: the 13th hex digit is 4, the 17th one of 8, 9, A, B.
            let t = Array(u.text)
            #expect(t[14] == "4" && "89AB".contains(t[19]))
        }
        for bad in ["", "x", "123e4567-e89b-12d3-a456-42661417400", "123e4567-e89b-12d3-a456-4266141740000", "123e4567+e89b-12d3-a456-426614174000",
                    "123e4567-e89b-12d3-a456-42661417400g", "ĐĐĐĐĐĐĐĐ-e89b-12d3-a456-426614174000"] {
            #expect(UUID(text: bad) == UUID(uuidString: bad), "\(bad)")
        }
        #expect(UUID(text: "123E4567-e89b-12D3-a456-426614174000") == UUID(uuidString: "123E4567-E89B-12D3-A456-426614174000"))
    }

    @Test("time-ordered ids are version 7, carry their millisecond, and sort by it as bytes and as text")
    func timeOrdered() throws {
        // Three ids in each millisecond from 2025-12-01 00:00:00.123 UTC (each half-way through its millisecond).
        let ids = (0..<3000).map { i in UUID.timeOrdered(at: Date(timeIntervalSince1970: (Double(1_764_547_200_123 + i / 3) + 0.5) / 1000)) }
        #expect(Set(ids).count == ids.count)
        for (i, u) in ids.enumerated() {
            let t = Array(u.text)
            // Version 7, RFC 9562 variant.
            #expect(t[14] == "7" && "89AB".contains(t[19]))
            // The first 48 bits: the millisecond, big-endian.
            let ms = withUnsafeBytes(of: u.uuid) { raw in (0..<6).reduce(UInt64(0)) { $0 << 8 | UInt64(raw[$1]) } }
            #expect(ms == 1_764_547_200_123 + UInt64(i / 3))
        }
        // A later millisecond sorts after every id of an earlier one, by text (how SQLite keeps it) and by bytes.
        for i in stride(from: 3, to: ids.count, by: 3) {
            #expect(ids[i].text > ids[i - 1].text && ids[i].text > ids[i - 3].text)
            #expect(OutreachPlaceSums.compare(ids[i - 1], ids[i]) < 0)
        }
        #expect(UUID(text: ids[0].text) == ids[0])
    }
}
