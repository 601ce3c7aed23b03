import Foundation
import Testing
@testable import App

/// Runs the real `thonso` binary that `swift build` put beside the test bundle, as an operator would.
@Suite("The thonso command line", .serialized)
struct CommandTests {
    static let binary: URL? = {
        var dir = URL(fileURLWithPath: #filePath)
        while dir.path != "/" && !FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) {
            dir.deleteLastPathComponent()
        }
        for config in ["debug", "release"] {
            let url = dir.appendingPathComponent(".build/\(config)/thonso")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return nil
    }()

    struct Run { var status: Int32; var output: String }

    static func run(_ args: [String], env: [String: String]) async throws -> Run {
        let p = Process()
        p.executableURL = try #require(binary)
        p.arguments = args
        var environment = ProcessInfo.processInfo.environment
        for (k, v) in env { environment[k] = v }
        environment["LOG_LEVEL"] = "warning"
        p.environment = environment
        p.currentDirectoryURL = binary!.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let r = try await Subprocess.run(p, mergeErrors: true)
        return Run(status: r.status, output: r.text)
    }

    @Test("a command that fails says why and exits 1, without a crash or a backtrace", .enabled(if: binary != nil))
    func failingCommandExitsCleanly() async throws {
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("thonso-cli-fail-\(UUID().uuidString.prefix(8)).sqlite")
        defer { try? FileManager.default.removeItem(at: tmp) }
        let env = ["DATABASE_PATH": tmp.path, "AUTO_MIGRATE": "1"]
        // An unknown subcommand of a command group, and an unknown command: ConsoleKit throws, main must not rethrow.
        for args in [["import", "/no/such/file.csv"], ["no-such-command"]] {
            let r = try await Self.run(args, env: env)
            #expect(r.status == 1, "\(args): \(r.status) \(r.output)")
            #expect(r.output.contains("thonso: Unknown command"), "\(args): \(r.output)")
            #expect(!r.output.contains("Fatal error") && !r.output.contains("Backtrac") && !r.output.contains("crashed"), "\(args): \(r.output)")
        }
    }

    @Test("demo, export, re-import unchanged, a bad file exits non-zero naming its lines, and every migration reverts and applies again", .enabled(if: binary != nil))
    func demoExportImport() async throws {
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("thonso-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        var env: [String: String] = [:]
        let schema = "cli_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12)
        if let url = TestDB.postgresURL { env = ["DATABASE_URL": url, "DATABASE_SCHEMA": String(schema)] }
        else { env = ["DATABASE_PATH": tmp.appendingPathComponent("cli.sqlite").path] }

        let demo = try await Self.run(["demo"], env: env)
        #expect(demo.status == 0, "\(demo.output)")
        #expect(demo.output.contains("1216 households"))
        let csv = tmp.appendingPathComponent("export.csv").path
        let export = try await Self.run(["export", "households", "--commune", Demo.communeCode, "--output", csv], env: env)
        #expect(export.status == 0, "\(export.output)")
        let again = try await Self.run(["import", "households", csv, "--commune", Demo.communeCode], env: env)
        #expect(again.status == 0, "\(again.output)")
        #expect(again.output.contains("Households: 0 added, 0 updated, 1216 unchanged"))
        // The same as an Excel workbook: the output's extension chooses it, and the import reads it by its content.
        let xlsx = tmp.appendingPathComponent("export.xlsx").path
        let excel = try await Self.run(["export", "households", "--commune", Demo.communeCode, "--output", xlsx], env: env)
        #expect(excel.status == 0, "\(excel.output)")
        #expect(XLSX.isZip(try Data(contentsOf: URL(fileURLWithPath: xlsx))))
        let fromExcel = try await Self.run(["import", "households", xlsx, "--commune", Demo.communeCode], env: env)
        #expect(fromExcel.output.contains("Households: 0 added, 0 updated, 1216 unchanged"), "\(fromExcel.output)")
        let badFormat = try await Self.run(["export", "households", "--commune", Demo.communeCode, "--format", "pdf"], env: env)
        #expect(badFormat.status == 2)

        let bad = tmp.appendingPathComponent("bad.csv").path
        try "household_code,village_code,address,full_name,phone\nX-1,T1,Số 1,Nguyễn Văn An,123\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let refused = try await Self.run(["import", "households", bad, "--commune", Demo.communeCode], env: env)
        #expect(refused.status == 1)
        #expect(refused.output.contains("line 2, phone"))
        let unknown = try await Self.run(["import", "households", bad, "--commune", "00000"], env: env)
        #expect(unknown.status == 2)
        // The import checks a row by the same rules as the form and the API (Registry+Rules.swift): a control
        // character in a name is refused as it is there.
        let control = tmp.appendingPathComponent("control.csv").path
        try "household_code,village_code,address,full_name\nX-2,T1,Số 2,Nguyễn\u{7}Văn An\n".write(toFile: control, atomically: true, encoding: .utf8)
        let controlled = try await Self.run(["import", "households", control, "--commune", Demo.communeCode], env: env)
        #expect(controlled.status == 1)
        #expect(controlled.output.contains("line 2, full_name: \(Lang.en.t("error.controlChars"))"), "\(controlled.output)")

        // Cells a spreadsheet would run as formulas come out of `thonso export` with a quote before them, and
        // the export still imports back unchanged.
        let hostile = tmp.appendingPathComponent("hostile.csv").path
        try """
        household_code,village_code,group_code,address,household_phone,full_name,gender,birth_year,relation,phone,representative
        X-1,T1,T1-01,=cmd|' /C calc'!A0,+84 999 000 002,+1,nam,1970,chủ hộ,,x
        X-1,,,,,-1,nữ,1972,vợ,,
        X-1,,,,,@x,nam,2001,con,,

        """.write(toFile: hostile, atomically: true, encoding: .utf8)
        let added = try await Self.run(["import", "households", hostile, "--commune", Demo.communeCode], env: env)
        #expect(added.status == 0, "\(added.output)")
        let out = try await Self.run(["export", "households", "--commune", Demo.communeCode, "--output", csv], env: env)
        #expect(out.status == 0, "\(out.output)")
        let cells = csvCells(try String(contentsOfFile: csv, encoding: .utf8))
        #expect(formulaCells(cells).isEmpty, "\(formulaCells(cells))")
        let flat = Set(cells.flatMap { $0 })
        for v in ["=cmd|' /C calc'!A0", "+1", "-1", "@x"] { #expect(flat.contains("'" + v), "\(v)") }
        let back = try await Self.run(["import", "households", csv, "--commune", Demo.communeCode], env: env)
        #expect(back.output.contains("Households: 0 added, 0 updated, 1217 unchanged"), "\(back.output)")
        // An operator can roll every migration back over a full demo and apply them again, on both databases.
        let revert = try await Self.run(["migrate", "--revert", "--yes"], env: env)
        #expect(revert.status == 0 && revert.output.contains("Migration successful"), "\(revert.output.suffix(2000))")
        let reapply = try await Self.run(["migrate", "--yes"], env: env)
        #expect(reapply.status == 0, "\(reapply.output.suffix(2000))")
        if TestDB.isPostgres {
            _ = try? await Self.run(["migrate", "--revert", "--yes"], env: env)
        }
    }
}
