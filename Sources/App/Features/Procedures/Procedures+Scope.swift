// What every part of the procedures feature uses: the codes it hands out and how a request finds its commune and rows.
import Fluent
import Vapor

enum ProcCodes {
    /// Short codes for board URLs: lowercase, no look-alikes (0/o, 1/l/i).
    static let shortAlphabet = Array("23456789abcdefghjkmnpqrstuvwxyz")
    /// Codes people read out or type: uppercase, no look-alikes.
    static let refAlphabet = Array("23456789ABCDEFGHJKLMNPQRSTUVWXYZ")

    static func random(_ alphabet: [Character], _ n: Int) -> String {
        var g = SystemRandomNumberGenerator()
        return String((0..<n).map { _ in alphabet[Int(g.next() % UInt64(alphabet.count))] })
    }
    static func short() -> String { random(shortAlphabet, 6) }
    static func reference() -> String { random(refAlphabet, 8) }
}

enum ProcScope {
    /// The commune named by `:id`, if the caller holds `permission` on it; anything else is not found.
    static func commune(_ req: Request, _ permission: Permission) async throws -> AdminUnit {
        let u = try await req.access.unit(req.idParameter(), permission, on: req.db)
        guard u.kind == .commune else { throw Abort(.notFound) }
        return u
    }

    /// A row of this feature: found only when the caller holds `permission` on its commune.
    static func row<M: Model>(_ type: M.Type, _ req: Request, _ permission: Permission, commune: (M) -> UUID) async throws -> M where M.IDValue == UUID {
        guard let row = try await M.find(req.idParameter(), on: req.db) else { throw Abort(.notFound) }
        _ = try await req.access.unit(commune(row), permission, on: req.db)
        return row
    }

    static func communeByCode(_ code: String, on db: any Database) async throws -> AdminUnit {
        guard code.count <= 10, let c = try await UnitQueries.byCode(code, kind: .commune, on: db) else { throw Abort(.notFound) }
        return c
    }
}
