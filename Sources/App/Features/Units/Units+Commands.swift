// `thonso units load-official` loads the official lists. `thonso units check-closure [--repair]` recomputes the unit
// closure table from the units and their links and compares it with what is stored; exits 1 when they differ (and,
// with --repair, rebuilds it).
import Vapor

struct UnitsCommand: AsyncCommandGroup {
    var help: String { "Administrative units: load-official, check-closure" }
    var commands: [String: any AnyAsyncCommand] { ["load-official": LoadOfficialCommand(), "check-closure": CheckClosureCommand()] }
}

struct LoadOfficialCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "dir", help: "Directory with the cleaned official lists (default Resources/Data/official)")
        var dir: String?
    }
    var help: String { "Loads provinces, districts (before 1 July 2025), communes and their successions" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let dir = signature.dir.map { URL(fileURLWithPath: $0) } ?? OfficialUnits.directory(app)
        let r = try await OfficialUnits.load(from: dir, on: app.db)
        context.console.print("Added \(r.unitsAdded) units, \(r.linksAdded) parent links, \(r.successionsAdded) successions.")
    }
}

struct CheckClosureCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Flag(name: "repair", help: "Rebuild the table when it differs")
        var repair: Bool
    }
    var help: String { "Compares the unit closure table with the units and links it is derived from" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let db = context.application.db
        let (missing, extra) = try await UnitClosure.check(on: db)
        if missing.isEmpty && extra.isEmpty {
            context.console.print("unit_closure: consistent (\(try await UnitClosure.stored(on: db).count) rows)")
            return
        }
        context.console.print("unit_closure: \(missing.count) rows missing, \(extra.count) rows that should not be there")
        for r in (missing.prefix(10).map { "missing \($0)" } + extra.prefix(10).map { "extra \($0)" }) { context.console.print("  " + r) }
        if signature.repair {
            let n = try await db.writeTransaction { db in try await UnitClosure.rebuild(on: db) }
            context.console.print("unit_closure: rebuilt, \(n) rows")
            return
        }
        throw ExitCode(1)
    }
}
