// Concurrent API writers against a running server: `clients` tasks each send `writes` requests in turn — create a
// group, rename it, create a household in it, change its address, add a resident, rename the resident — through the
// JSON API with a token, as a fuzzer or several officials at once would. Used by the concurrency test (zero errors
// on both databases) and by `thonso bench writes`, which compares the ways SQLite write transactions can start.
import Foundation
import Vapor

public enum WriteLoad {
    public struct Result: Sendable {
        public var requests = 0
        public var errors: [String] = []
        public var seconds = 0.0
        public var latencies: [Double] = []
        public var throughput: Double { seconds > 0 ? Double(requests) / seconds : 0 }
        public func percentile(_ p: Double) -> Double {
            guard !latencies.isEmpty else { return 0 }
            let s = latencies.sorted()
            return s[min(s.count - 1, Int(Double(s.count) * p))]
        }
    }

    /// A province, a commune and a village for the load; `prefix` is two digits, different for runs on one database.
    public static func setup(base: String, token: String, prefix: String, client: any Client) async throws -> UUID {
        func unit(_ kind: String, _ code: String, _ name: String, _ parent: UUID?) async throws -> UUID {
            let res = try await client.post(URI(string: base + APIURL.units.path), headers: ["Authorization": "Bearer \(token)"]) {
                try $0.content.encode(UnitInput(kind: kind, code: code, name: name, parentId: parent?.uuidString))
            }
            guard res.status == .created else { throw Abort(.internalServerError, reason: "setup \(kind): \(res.status) \(res.body.map { String(buffer: $0) } ?? "")") }
            return try res.content.decode(UnitDTO.self).id
        }
        let province = try await unit("province", prefix, "Tỉnh thử \(prefix)", nil)
        let commune = try await unit("commune", "000\(prefix)", "Xã thử \(prefix)", province)
        return try await unit("village", "V\(prefix)", "Thôn thử \(prefix)", commune)
    }

    public static func run(base: String, token: String, village: UUID, clients: Int, writes: Int, tag: String = "w",
                           client: any Client) async throws -> Result {
        let start = Date()  // elapsed time of the load: system clock (Support/Clock.swift)
        let results = try await withThrowingTaskGroup(of: Result.self) { group in
            for c in 0..<clients {
                group.addTask { try await one(c, base: base, token: token, village: village, writes: writes, tag: tag, client: client) }
            }
            var total = Result()
            for try await r in group {
                total.requests += r.requests
                total.errors += r.errors
                total.latencies += r.latencies
            }
            return total
        }
        var r = results
        r.seconds = Date().timeIntervalSince(start)
        return r
    }

    static func one(_ c: Int, base: String, token: String, village: UUID, writes: Int, tag: String, client: any Client) async throws -> Result {
        var r = Result()
        let headers: HTTPHeaders = ["Authorization": "Bearer \(token)"]
        var groupID: UUID? = nil, householdID: UUID? = nil, residentID: UUID? = nil
        func send<T: Content>(_ method: HTTPMethod, _ path: String, _ body: T, expect: HTTPStatus) async throws -> ClientResponse? {
            let t0 = Date()
            let res = try await client.send(method, headers: headers, to: URI(string: base + path)) { try $0.content.encode(body) }
            r.latencies.append(Date().timeIntervalSince(t0))
            r.requests += 1
            if res.status != expect {
                r.errors.append("\(method) \(path): \(res.status.code) \(res.body.map { String(buffer: $0).prefix(200) } ?? "")")
                return nil
            }
            return res
        }
        for j in 0..<writes {
            let code = "\(tag)\(c)-\(j)"
            switch j % 6 {
            case 0:
                if let res = try await send(.POST, APIURL.units.path, UnitInput(kind: "group", code: code, name: "Tổ \(code)", parentId: village.uuidString), expect: .created) {
                    groupID = try res.content.decode(UnitDTO.self).id
                }
            case 1:
                guard let g = groupID else { continue }
                _ = try await send(.PATCH, APIURL.unit(.id(g)).path, UnitInput(name: "Tổ đổi tên \(code)"), expect: .ok)
            case 2:
                let rep = ResidentInput(householdId: nil, fullName: "Nguyễn Văn \(code)", gender: "male", birthYear: 1970, relation: "head", phone: nil, isRepresentative: true)
                let input = HouseholdInput(code: code, villageId: village.uuidString, groupId: groupID?.uuidString, address: "Số \(j)", phone: nil,
                                           representativeId: nil, representative: rep)
                if let res = try await send(.POST, APIURL.households.path, input, expect: .created) {
                    householdID = try res.content.decode(HouseholdDetailDTO.self).household.id
                }
            case 3:
                guard let h = householdID else { continue }
                _ = try await send(.PATCH, APIURL.household(.id(h)).path, HouseholdInput(address: "Số \(j), ngõ \(c)"), expect: .ok)
            case 4:
                guard let h = householdID else { continue }
                let input = ResidentInput(householdId: h.uuidString, fullName: "Trần Thị \(code)", gender: "female", birthYear: 1995, relation: "child", phone: nil, isRepresentative: false)
                if let res = try await send(.POST, APIURL.residents.path, input, expect: .created) {
                    residentID = try res.content.decode(ResidentDTO.self).id
                }
            default:
                guard let id = residentID else { continue }
                _ = try await send(.PATCH, APIURL.resident(.id(id)).path, ResidentInput(fullName: "Trần Thị Đổi \(code)"), expect: .ok)
            }
        }
        return r
    }
}
