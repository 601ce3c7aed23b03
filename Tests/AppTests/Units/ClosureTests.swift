import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
@testable import App

/// The unit closure table (Features/Units/UnitClosure.swift): what it holds, that the unit actions keep it right,
/// and that scope follows it.
@Suite("Units: the closure table")
struct ClosureTests {
    @Test("a village moved on a day: current rows follow its new commune, past rows keep the old one until that day")
    func logic() {
        let (p, a, b, v, g) = (UUID(), UUID(), UUID(), UUID(), UUID())
        let past = Day.distantPast, future = Day.distantFuture
        let nodes: [UUID: UnitClosure.Node] = [
            p: .init(validFrom: past, validTo: future, parent: nil, links: []),
            a: .init(validFrom: past, validTo: "2025-07-01", parent: p, links: [(p, past, "2025-07-01")]),
            b: .init(validFrom: "2025-07-01", validTo: future, parent: p, links: [(p, "2025-07-01", future)]),
            v: .init(validFrom: past, validTo: future, parent: b, links: [(a, past, "2025-07-01"), (b, "2025-07-01", future)]),
            g: .init(validFrom: "2020-01-01", validTo: future, parent: v, links: [(v, "2020-01-01", future)]),
        ]
        let rows = Set(UnitClosure.rows(of: g, nodes: nodes).map { "\($0.ancestor == p ? "p" : $0.ancestor == a ? "a" : $0.ancestor == b ? "b" : $0.ancestor == v ? "v" : "g")\($0.depth) \($0.validFrom)…\($0.validTo) \($0.current)" })
        #expect(rows == [
            "g0 2020-01-01…\(future) true",
            "v1 2020-01-01…\(future) true",
            "b2 2025-07-01…\(future) true",
            "p3 2025-07-01…\(future) true",
            "a2 2020-01-01…2025-07-01 false",
            "p3 2020-01-01…2025-07-01 false",
        ])
        // The old commune ended with the reform: its own current path keeps its period, so scope still finds it.
        #expect(UnitClosure.rows(of: a, nodes: nodes).contains { $0.ancestor == p && $0.current && $0.validTo == "2025-07-01" })
    }

    @Test("created, moved, merged and carried units keep the table equal to a rebuild; scope follows the moves")
    func maintained() async throws {
        try await withTestApp { app in
            let t = try await Tree.make(app)
            let (missing0, extra0) = try await UnitClosure.check(on: app.db)
            #expect(missing0.isEmpty && extra0.isEmpty)
            // A commune official of the other commune: village2, its group and its households are outside.
            let other = try #require(await AdminUnit.find(t.otherCommune.id, on: app.db))
            let (_, otherToken) = try await AccountActions.createToken(name: "xa-khac", role: .communeOfficial, unit: other, on: app.db)
            // village2 (code T2, free in the other commune) with a group of its own.
            let g21 = try await app.api(.POST, "/api/v1/units", json: UnitInput(kind: "group", code: "T2-01", name: "Tổ 1", parentId: t.village2.id.uuidString)).decode(UnitDTO.self)
            let h = try await app.api(.POST, "/api/v1/households", json: householdInput("HH-1", village: t.village2, group: g21))
            #expect(h.status == .created, "\(h.text)")
            let hid = try h.decode(HouseholdDetailDTO.self).household.id
            #expect(try await app.api(.GET, "/api/v1/households/\(hid)", token: otherToken).status == .notFound)
            #expect(try await app.api(.GET, "/api/v1/units/\(g21.id)", token: otherToken).status == .notFound)

            // Move village2 into the other commune.
            let moved = try await app.api(.POST, "/api/v1/units/\(t.village2.id)/move", json: MoveInput(communeId: t.otherCommune.id.uuidString, date: "2026-01-01"))
            #expect(moved.status == .ok, "\(moved.text)")
            let (missing1, extra1) = try await UnitClosure.check(on: app.db)
            #expect(missing1.isEmpty && extra1.isEmpty, "\(missing1) \(extra1)")
            #expect(try await app.api(.GET, "/api/v1/households/\(hid)", token: otherToken).status == .ok)
            #expect(try await app.api(.GET, "/api/v1/units/\(g21.id)", token: otherToken).status == .ok)
            let listed = try await app.api(.GET, "/api/v1/households", token: otherToken).decode(Paged<HouseholdDTO>.self)
            #expect(listed.items.map(\.id) == [hid])
            // The old commune's official no longer sees it.
            let first = try #require(await AdminUnit.find(t.commune.id, on: app.db))
            let (_, firstToken) = try await AccountActions.createToken(name: "xa-cu", role: .communeOfficial, unit: first, on: app.db)
            #expect(try await app.api(.GET, "/api/v1/households/\(hid)", token: firstToken).status == .notFound)
            // History: the group was under the first commune until the move.
            let sql = app.db as! any SQLDatabase
            let past = try await sql.raw("""
                SELECT valid_to FROM unit_closure WHERE descendant_id = \(bind: g21.id) AND ancestor_id = \(bind: t.commune.id) AND is_current = \(bind: false)
                """).first()
            #expect(try past?.decode(column: "valid_to", as: String.self) == "2026-01-01")

            // Merge the first commune into a new one, then carry: still consistent.
            let merged = try await app.api(.POST, "/api/v1/units/merge", json: MergeInput(sourceIds: [t.commune.id.uuidString], targetId: nil,
                newCommune: UnitInput(kind: "commune", code: "00003", name: "Xã Mới", parentId: t.province.id.uuidString), date: "2026-07-01"))
            #expect(merged.status == .ok || merged.status == .created, "\(merged.text)")
            let (missing2, extra2) = try await UnitClosure.check(on: app.db)
            #expect(missing2.isEmpty && extra2.isEmpty, "\(missing2) \(extra2)")

            // A damaged table is found by the check.
            try await sql.raw("DELETE FROM unit_closure WHERE descendant_id = \(bind: t.group12.id) AND depth = 1").run()
            let (missing3, _) = try await UnitClosure.check(on: app.db)
            #expect(missing3.count == 1)
        }
    }

}
