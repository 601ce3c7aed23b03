// The unit tree the benchmarks write into (`thonso bench import`, `bench fanout`).
import Fluent
import Foundation
import Vapor

enum UnitsBench {
    /// A bench province (99) and commune (99999) with 4 villages of 9 groups, made once.
    static func commune(_ db: any Database) async throws -> AdminUnit {
        if let c = try await UnitQueries.byCode("99999", kind: .commune, on: db) { return c }
        var p = try await UnitQueries.byCode("99", kind: .province, on: db)
        if p == nil { p = try await UnitActions.create(UnitInput(kind: "province", code: "99", name: "Tỉnh đo hiệu năng"), on: db) }
        let province = p!
        let c = try await UnitActions.create(UnitInput(kind: "commune", code: "99999", name: "Xã đo hiệu năng", parentId: province.id!.uuidString), on: db)
        for v in 1...4 {
            let village = try await UnitActions.create(UnitInput(kind: "village", code: "B\(v)", name: "Thôn \(v)", parentId: c.id!.uuidString), on: db)
            for g in 1...9 {
                _ = try await UnitActions.create(UnitInput(kind: "group", code: "B\(v)-\(String(format: "%02d", g))", name: "Tổ \(g)", parentId: village.id!.uuidString), on: db)
            }
        }
        return c
    }
}
