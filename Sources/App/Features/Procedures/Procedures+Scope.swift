// What every part of the procedures feature uses: the codes it hands out, and how a request finds its commune and
// rows under the one scope rule. Each row belongs to a commune (a paper item or file through its set), and the caller
// must hold the route's permission on that commune. Routes declare `.rule(.procedure(p))`, `.rule(.board(p))`, …;
// the rule loads the row before the handler runs, and `req.scoped(QrBoard.self)` reads it.
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
    static func communeByCode(_ code: String, on db: any Database) async throws -> AdminUnit {
        guard code.count <= 10, let c = try await UnitQueries.byCode(code, kind: .commune, on: db) else { throw Abort(.notFound) }
        return c
    }
}

/// A row that belongs to a commune directly.
protocol CommuneOwned: Model, ScopedRow where IDValue == UUID {
    var communeID: UUID { get }
}

extension CommuneOwned {
    public static func scoped(_ id: UUID, _ permission: Permission, for req: Request) async throws -> Self {
        guard let row = try await Self.find(id, on: req.db) else { throw Abort(.notFound) }
        _ = try await req.access.unit(row.communeID, permission, on: req.db)
        return row
    }
}

extension Procedure: CommuneOwned { public static var scopeKind: String { "procedure" } }
extension QrBoard: CommuneOwned { public static var scopeKind: String { "board" } }
extension ProcedureQuestion: CommuneOwned { public static var scopeKind: String { "question" } }
extension AppointmentSlot: CommuneOwned { public static var scopeKind: String { "slot" } }
extension Appointment: CommuneOwned { public static var scopeKind: String { "appointment" } }
extension PaperSet: CommuneOwned { public static var scopeKind: String { "paperSet" } }
extension Dossier: CommuneOwned { public static var scopeKind: String { "dossier" } }

/// A row that belongs to a commune through its paper set (an item, a file): the set is checked and kept for the
/// handler too.
protocol InPaperSet: Model, ScopedRow where IDValue == UUID {
    var setID: UUID { get }
}

extension InPaperSet {
    public static func scoped(_ id: UUID, _ permission: Permission, for req: Request) async throws -> Self {
        guard let row = try await Self.find(id, on: req.db) else { throw Abort(.notFound) }
        req.keepScoped(try await PaperSet.scoped(row.setID, permission, for: req))
        return row
    }
}

extension PaperItem: InPaperSet { public static var scopeKind: String { "paperItem" } }
extension PaperFile: InPaperSet { public static var scopeKind: String { "paperFile" } }

extension RouteRule {
    public static func procedure(_ p: Permission) -> RouteRule { .row(Procedure.self, p) }
    public static func board(_ p: Permission) -> RouteRule { .row(QrBoard.self, p) }
    public static func question(_ p: Permission) -> RouteRule { .row(ProcedureQuestion.self, p) }
    public static func slot(_ p: Permission) -> RouteRule { .row(AppointmentSlot.self, p) }
    public static func appointment(_ p: Permission) -> RouteRule { .row(Appointment.self, p) }
    public static func paperSet(_ p: Permission) -> RouteRule { .row(PaperSet.self, p) }
    public static func paperItem(_ p: Permission) -> RouteRule { .row(PaperItem.self, p) }
    public static func paperFile(_ p: Permission) -> RouteRule { .row(PaperFile.self, p) }
    public static func dossier(_ p: Permission) -> RouteRule { .row(Dossier.self, p) }
}
