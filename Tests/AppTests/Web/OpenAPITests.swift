import Foundation
import Testing
import Vapor
@testable import App

@Suite("The OpenAPI document matches the routes")
struct OpenAPITests {
    @Test("every JSON route is documented, and every documented operation is a route")
    func routesMatch() async throws {
        try await withTestApp { app in
            let res = try await app.page("/api/v1/openapi.json")
            #expect(res.status == .ok)
            let doc = try JSONSerialization.jsonObject(with: Data(res.text.utf8)) as? [String: Any]
            #expect(doc?["openapi"] as? String == "3.1.0")
            let paths = doc?["paths"] as? [String: [String: Any]] ?? [:]
            var documented = Set<String>()
            for (path, ops) in paths {
                for method in ops.keys where ["get", "post", "put", "patch", "delete"].contains(method) {
                    documented.insert("\(method.uppercased()) \(path)")
                }
            }
            var served = Set<String>()
            for route in app.routes.all {
                let path = "/" + route.path.map { c -> String in
                    if case .parameter(let name) = c { return "{\(name)}" }
                    return c.description
                }.joined(separator: "/")
                guard path.hasPrefix("/api/") || path.hasPrefix("/open311/") || ["/healthz", "/livez", "/readyz", "/metrics"].contains(path) else { continue }
                served.insert("\(route.method.rawValue) \(path)")
            }
            #expect(served.subtracting(documented).isEmpty, "undocumented: \(served.subtracting(documented).sorted())")
            #expect(documented.subtracting(served).isEmpty, "documented but not served: \(documented.subtracting(served).sorted())")
        }
    }

    /// The status codes the document lists for an operation.
    static func documented(_ doc: [String: Any], _ method: String, _ path: String) -> Set<String> {
        let paths = doc["paths"] as? [String: [String: Any]] ?? [:]
        let op = paths[path]?[method.lowercased()] as? [String: Any]
        return Set((op?["responses"] as? [String: Any] ?? [:]).keys)
    }

    @Test("the refusals every operation can give are in the document: 401 everywhere, 400/413/415 wherever there is a body; a malformed multipart upload is a 400, not a 500")
    func refusalsDocumented() async throws {
        try await withTestApp { app in
            let page = try await app.page("/api/v1/openapi.json")
            let doc = try #require(try JSONSerialization.jsonObject(with: Data(page.text.utf8)) as? [String: Any])
            let paths = doc["paths"] as? [String: [String: Any]] ?? [:]
            var missing: [String] = []
            for (path, ops) in paths {
                for (method, raw) in ops where ["get", "post", "put", "patch", "delete"].contains(method) {
                    let op = raw as? [String: Any] ?? [:]
                    // `/metrics` answers a token that is not METRICS_TOKEN with the not-found page, never 401 (below).
                    var needed = path == "/metrics" ? [] : ["401"]
                    if op["requestBody"] != nil { needed += ["400", "413", "415"] }
                    let have = Self.documented(doc, method, path)
                    for code in needed where !have.contains(code) { missing.append("\(method.uppercased()) \(path) \(code)") }
                }
            }
            #expect(missing.isEmpty, "\(missing.sorted())")

            // A token that is not valid is refused even where none is needed, as the document says.
            let health = try await app.api(.GET, "/healthz", token: "ts_not-a-token")
            #expect(health.status == .unauthorized && Self.documented(doc, "GET", "/healthz").contains("401"))
            #expect(try health.decode(ErrorBody.self).error == "unauthorized")
            let ready = try await app.api(.GET, "/readyz", token: "ts_not-a-token")
            #expect(ready.status == .unauthorized && Self.documented(doc, "GET", "/readyz").contains("401"))
            #expect(try ready.decode(ErrorBody.self).error == "unauthorized")
            let metrics = try await app.api(.GET, "/metrics", token: "ts_not-a-token")
            #expect(metrics.status == .notFound && Self.documented(doc, "GET", "/metrics") == ["200", "404"])
            // A body without a content type: 415, documented.
            let bare = try await app.testing().sendRequest(.POST, "/api/v1/questions", body: ByteBuffer(string: "{}"))
            #expect(bare.status == .unsupportedMediaType && Self.documented(doc, "POST", "/api/v1/questions").contains("415"))
            // A multipart body that is not one (what the fuzzer sent): 400 in the user's language, nothing stored.
            let boundary = "7c5156fb04a2177cf9e322ad31ebde44"
            let broken = try await app.testing().sendRequest(.POST, "/api/v1/paper-sets/ABC-123/files",
                                                               headers: ["Content-Type": "multipart/form-data; boundary=\(boundary)", "Accept-Language": "en"],
                                                               body: ByteBuffer(string: "--\(boundary)\r\nNone--\(boundary)--\r\n"))
            #expect(broken.status == .badRequest, "\(broken.status) \(broken.text)")
            #expect(Self.documented(doc, "POST", "/api/v1/paper-sets/{id}/files").contains("400"))
            let body = try broken.decode(ErrorBody.self)
            // Named as the upload's fault, in the caller's language.
            #expect(body.fields?.first?.field == "file" && body.fields?.first?.message == Lang.en.t("error.badUpload"))
            #expect(try await app.count("paper_files") == 0)
        }
    }
}
