// The `thonso` subcommands beyond `serve` and `migrate`: load the official units, import and export households,
// load the demo, run benchmarks.
import ConsoleKit
import Fluent
import Foundation
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

struct ImportCommand: AsyncCommandGroup {
    var help: String { "Imports: households FILE.csv|FILE.xlsx --commune CODE" }
    var commands: [String: any AnyAsyncCommand] { ["households": ImportHouseholdsCommand()] }
}

struct ImportHouseholdsCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "file", help: "CSV or XLSX file, one row per resident (docs/registry.md); the format is read from the content")
        var file: String
        @Option(name: "commune", help: "Official code of the commune (5 digits)")
        var commune: String?
    }
    var help: String { "Imports households and residents from CSV or XLSX, all or nothing" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        guard let code = signature.commune, let commune = try await UnitQueries.byCode(code, kind: .commune, on: app.db) else {
            context.console.error("--commune CODE: no commune with that code")
            throw ExitCode(2)
        }
        guard let data = FileManager.default.contents(atPath: signature.file) else {
            context.console.error("cannot read \(signature.file)")
            throw ExitCode(2)
        }
        let bar = context.console.progressBar(title: "Importing into \(commune.name)")
        bar.start()
        let progress = ProgressBox(bar)
        do {
            let r = try await RegistryCSV.importFile(data, into: commune, on: app.db) { progress.set($0) }
            bar.succeed()
            context.console.print("Rows: \(r.rows). Households: \(r.householdsAdded) added, \(r.householdsUpdated) updated, \(r.householdsUnchanged) unchanged. Residents: \(r.residentsAdded) added, \(r.residentsUpdated) updated, \(r.residentsUnchanged) unchanged.")
        } catch let e as InvalidInput {
            bar.fail()
            context.console.error("Nothing was imported. \(e.issues.count) problem(s):")
            for i in e.issues {
                context.console.error("  line \(i.line.map(String.init) ?? "-"), \(i.field): \(i.message(.en))")
            }
            throw ExitCode(1)
        }
    }
}

/// ActivityIndicator is a class without Sendable; the import reports progress from one task at a time.
final class ProgressBox: @unchecked Sendable {
    let bar: ActivityIndicator<ProgressBar>
    init(_ bar: ActivityIndicator<ProgressBar>) { self.bar = bar }
    func set(_ v: Double) { bar.activity.currentProgress = v }
}

struct ExportCommand: AsyncCommandGroup {
    var help: String { "Exports: households --commune CODE [--output FILE.csv|FILE.xlsx] [--format csv|xlsx]" }
    var commands: [String: any AnyAsyncCommand] { ["households": ExportHouseholdsCommand()] }
}

struct ExportHouseholdsCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "commune", help: "Official code of the commune")
        var commune: String?
        @Option(name: "output", help: "File to write (default: standard output)")
        var output: String?
        @Option(name: "format", help: "csv or xlsx (default: the output file's extension, else csv)")
        var format: String?
    }
    var help: String { "Exports a commune's households and residents as CSV or XLSX" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        guard let code = signature.commune, let commune = try await UnitQueries.byCode(code, kind: .commune, on: app.db) else {
            context.console.error("--commune CODE: no commune with that code")
            throw ExitCode(2)
        }
        let format: SheetFile.Format
        switch signature.format?.lowercased() {
        case "csv": format = .csv
        case "xlsx": format = .xlsx
        case nil: format = signature.output?.lowercased().hasSuffix(".xlsx") == true ? .xlsx : .csv
        default:
            context.console.error("--format: csv or xlsx")
            throw ExitCode(2)
        }
        let data = try await RegistryCSV.export(unit: commune, format: format, on: app.db)
        if let out = signature.output { try data.write(to: URL(fileURLWithPath: out), options: .atomic) }
        else { FileHandle.standardOutput.write(data) }
    }
}

struct DemoCommand: AsyncCommand {
    struct Signature: CommandSignature {}
    var help: String { "Loads the demo commune (official lists; Song Phượng's synthetic households carried into Xã Đan Phượng; notices, reach, questions, bookings) and prints its accounts and household card" }
    func run(using context: CommandContext, signature: Signature) async throws {
        try await Demo.load(context.application) { context.console.print($0) }
        for line in try await Demo.startLines(context.application) { context.console.print(line) }
    }
}

public struct ExitCode: Error { public let code: Int32; init(_ c: Int32) { code = c } }
