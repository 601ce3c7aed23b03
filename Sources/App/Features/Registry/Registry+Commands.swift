// `thonso import households` and `thonso export households`: a commune's households and residents from and to CSV or
// XLSX files (docs/registry.md).
import ConsoleKit
import Fluent
import Foundation
import Vapor

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
