import Foundation
import NIOCore
import NIOPosix
import Testing
import Vapor
@testable import App

@Suite("Graceful shutdown")
struct ShutdownTests {
    @Test("stopping the server while requests are still in flight does not crash; finished requests got answers")
    func shutdownUnderLoad() async throws {
        try await withTestApp { app in
            _ = try await Tree.make(app)
            app.http.server.configuration.port = 0
            try await app.server.start(address: .hostname("127.0.0.1", port: 0))
            let port = try #require(app.http.server.shared.localAddress?.port)
            let client = app.client
            let token = app.testAuth.token
            let results = await withTaskGroup(of: Int.self) { group in
                for i in 0..<60 {
                    group.addTask {
                        let path = i % 2 == 0 ? "/api/v1/units?q=thon" : "/api/v1/households"
                        do {
                            let res = try await client.get(URI(string: "http://127.0.0.1:\(port)\(path)"), headers: ["Authorization": "Bearer \(token)"])
                            return Int(res.status.code)
                        } catch { return -1 }
                    }
                }
                try? await Task.sleep(for: .milliseconds(30))
                await app.server.shutdown()
                var codes: [Int] = []
                for await c in group { codes.append(c) }
                return codes
            }
            #expect(results.count == 60)
            // Each request either completed normally or was refused at the socket; none got a server error.
            #expect(results.allSatisfy { $0 == 200 || $0 == -1 }, "\(results)")
        }
    }
}
