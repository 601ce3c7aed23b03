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
                guard path.hasPrefix("/api/") || path == "/healthz" || path == "/livez" else { continue }
                served.insert("\(route.method.rawValue) \(path)")
            }
            #expect(served.subtracting(documented).isEmpty, "undocumented: \(served.subtracting(documented).sorted())")
            #expect(documented.subtracting(served).isEmpty, "documented but not served: \(documented.subtracting(served).sorted())")
        }
    }
}
