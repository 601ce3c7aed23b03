import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting
@testable import App

extension Application {
    /// Starts this app's server on 127.0.0.1 and sends `n` requests at once, each from its own client task
    /// (`make(i)`: method, path, JSON body), with `token`; answers the statuses in the order the requests were made.
    func atOnce(_ n: Int, token: String, _ make: @escaping @Sendable (Int) -> (HTTPMethod, String, any Content & Sendable)) async throws -> [HTTPStatus] {
        try await atOnce(n, tokens: Array(repeating: token, count: n), make)
    }

    /// The same, request `i` sent with `tokens[i]` (several officials at once).
    func atOnce(_ n: Int, tokens: [String], _ make: @escaping @Sendable (Int) -> (HTTPMethod, String, any Content & Sendable)) async throws -> [HTTPStatus] {
        try await server.start(address: .hostname("127.0.0.1", port: 0))
        do {
            let port = try #require(http.server.shared.localAddress?.port)
            let client = self.client
            let statuses = try await withThrowingTaskGroup(of: (Int, HTTPStatus).self) { group in
                for i in 0..<n {
                    group.addTask {
                        let (method, path, body) = make(i)
                        let res = try await client.send(method, headers: ["Authorization": "Bearer \(tokens[i])"], to: URI(string: "http://127.0.0.1:\(port)\(path)")) { req in
                            try req.content.encode(body, as: .json)
                        }
                        return (i, res.status)
                    }
                }
                var all = [HTTPStatus](repeating: .internalServerError, count: n)
                for try await (i, s) in group { all[i] = s }
                return all
            }
            await server.shutdown()
            return statuses
        } catch {
            await server.shutdown()
            throw error
        }
    }
}

/// Several officials or clients writing the same asset at once (status changes, faults opened, assigned, fixed and
/// closed): no 500, no lost transition, and the asset's status always equal to the last row of its history.
@Suite("Assets: concurrent writers")
struct AssetsConcurrencyTests {
    /// The asset's stored status, and whether it matches its history's last row and the audit log's count of `action`s.
    func consistent(_ app: Application, _ id: UUID) async throws -> Asset {
        let a = try #require(await Asset.find(id, on: app.db))
        let last = try #require(try await AssetStatusChange.query(on: app.db).filter(\.$assetID == id).sort(\.$fromDay, .descending).sort(\.$createdAt, .descending).first())
        #expect(last.status == a.status && last.fromDay == a.statusSince, "asset \(a.status) since \(a.statusSince), history \(last.status) from \(last.fromDay)")
        return a
    }

    @Test("faults opened and fixed on one asset by several clients at once: every fault counted, the asset works again once the last is fixed")
    func faultsAtOnce() async throws {
        try await withTestApp({ $0.postgresPoolPerLoop = 8 }) { app in
            let t = try await Tree.make(app)
            let a = try await app.api(.POST, "/api/v1/assets", json: AssetsTests.camera(t)).decode(AssetDetailDTO.self).asset
            let token = app.testAuth.token
            let opened = try await app.atOnce(6, token: token) { i in (.POST, "/api/v1/assets/\(a.id)/faults", AssetFaultInput(description: "Mất hình \(i)")) }
            #expect(opened == Array(repeating: .created, count: 6))
            var d = try await app.api(.GET, "/api/v1/assets/\(a.id)").decode(AssetDetailDTO.self)
            #expect(d.asset.status == .faulty && d.asset.openFaults == 6 && d.faults.count == 6)
            #expect(d.history.filter { $0.status == .faulty }.count == 1)
            _ = try await consistent(app, a.id)
            // Each fault fixed by its own client at once: the last one to commit sees no other open, so the asset works.
            let ids = d.faults.map(\.id)
            let fixed = try await app.atOnce(6, token: token) { i in (.PATCH, "/api/v1/asset-faults/\(ids[i])", FaultUpdateInput(status: "fixed")) }
            #expect(fixed == Array(repeating: .ok, count: 6))
            d = try await app.api(.GET, "/api/v1/assets/\(a.id)").decode(AssetDetailDTO.self)
            #expect(d.asset.status == .working && d.asset.openFaults == 0 && d.faults.allSatisfy { $0.status == .fixed })
            #expect(try await consistent(app, a.id).status == .working)
        }
    }

    @Test("one fault fixed, closed and assigned by several officials at once: one wins, the others are refused with the field; the log has one change")
    func oneFaultManyHands() async throws {
        try await withTestApp({ $0.postgresPoolPerLoop = 8 }) { app in
            let t = try await Tree.make(app)
            let a = try await app.api(.POST, "/api/v1/assets", json: AssetsTests.camera(t)).decode(AssetDetailDTO.self).asset
            let fault = try await app.api(.POST, "/api/v1/assets/\(a.id)/faults", json: AssetFaultInput(description: "Cột đèn đổ")).decode(AssetFaultDTO.self)
            let statuses = try await app.atOnce(6, token: app.testAuth.token) { i in
                (.PATCH, "/api/v1/asset-faults/\(fault.id)", i % 2 == 0 ? FaultUpdateInput(status: "fixed") : FaultUpdateInput(status: "closed", reason: "Trùng báo cáo \(i)"))
            }
            #expect(statuses.filter { $0 == .ok }.count == 1, "\(statuses)")
            #expect(statuses.filter { $0 == .unprocessableEntity }.count == 5, "\(statuses)")
            let updates = try await AuditEvent.query(on: app.db).filter(\.$tableName == AssetFault.schema).filter(\.$rowID == fault.id).filter(\.$action == "update").count()
            #expect(updates == 1)
            let d = try await app.api(.GET, "/api/v1/assets/\(a.id)").decode(AssetDetailDTO.self)
            #expect(d.asset.status == .working && [FaultStatus.fixed, .closed].contains(d.faults[0].status))
            #expect(d.history.map(\.status) == [.working], "the fix on the day the fault began replaces it: \(d.history.map(\.status))")
            _ = try await consistent(app, a.id)
        }
    }

    @Test("the same status change sent by several clients at once is made once; the others are refused with the field")
    func statusAtOnce() async throws {
        try await withTestApp({ $0.postgresPoolPerLoop = 8 }) { app in
            let t = try await Tree.make(app)
            let a = try await app.api(.POST, "/api/v1/assets", json: AssetsTests.camera(t, installed: "2025-01-01")).decode(AssetDetailDTO.self).asset
            let statuses = try await app.atOnce(5, token: app.testAuth.token) { _ in (.POST, "/api/v1/assets/\(a.id)/status", AssetStatusInput(status: "removed")) }
            #expect(statuses.filter { $0 == .ok }.count == 1 && statuses.filter { $0 == .unprocessableEntity }.count == 4, "\(statuses)")
            let changes = try await AuditEvent.query(on: app.db).filter(\.$tableName == Asset.schema).filter(\.$rowID == a.id).filter(\.$action == "status").count()
            #expect(changes == 1)
            let d = try await app.api(.GET, "/api/v1/assets/\(a.id)").decode(AssetDetailDTO.self)
            #expect(d.asset.status == .removed && d.history.filter { $0.status == .removed }.count == 1)
            _ = try await consistent(app, a.id)
        }
    }
}
