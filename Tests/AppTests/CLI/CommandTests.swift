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

    static func run(_ args: [String], env: [String: String]) throws -> Run {
        let p = Process()
        p.executableURL = try #require(binary)
        p.arguments = args
        var environment = ProcessInfo.processInfo.environment
        for (k, v) in env { environment[k] = v }
        environment["LOG_LEVEL"] = "warning"
        p.environment = environment
        p.currentDirectoryURL = binary!.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Run(status: p.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }

    @Test("demo, export, re-import unchanged, and a bad file exits non-zero naming its lines", .enabled(if: binary != nil))
    func demoExportImport() throws {
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("thonso-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        var env: [String: String] = [:]
        let schema = "cli_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12)
        if let url = TestDB.postgresURL { env = ["DATABASE_URL": url, "DATABASE_SCHEMA": String(schema)] }
        else { env = ["DATABASE_PATH": tmp.appendingPathComponent("cli.sqlite").path] }

        let demo = try Self.run(["demo"], env: env)
        #expect(demo.status == 0, "\(demo.output)")
        #expect(demo.output.contains("1216 households"))
        let csv = tmp.appendingPathComponent("export.csv").path
        let export = try Self.run(["export", "households", "--commune", "09829", "--output", csv], env: env)
        #expect(export.status == 0, "\(export.output)")
        let again = try Self.run(["import", "households", csv, "--commune", "09829"], env: env)
        #expect(again.status == 0, "\(again.output)")
        #expect(again.output.contains("Households: 0 added, 0 updated, 1216 unchanged"))

        let bad = tmp.appendingPathComponent("bad.csv").path
        try "household_code,village_code,address,full_name,phone\nX-1,T1,Số 1,Nguyễn Văn An,123\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let refused = try Self.run(["import", "households", bad, "--commune", "09829"], env: env)
        #expect(refused.status == 1)
        #expect(refused.output.contains("line 2, phone"))
        let unknown = try Self.run(["import", "households", bad, "--commune", "00000"], env: env)
        #expect(unknown.status == 2)
        if TestDB.isPostgres {
            _ = try? Self.run(["migrate", "--revert", "--yes"], env: env)
        }
    }
}
