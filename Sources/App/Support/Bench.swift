// `thonso bench …`: the command group (each feature gives its benchmarks, configure.swift joins them) and what every
// benchmark uses: a timer and a printable name of the database.
import Foundation
import Vapor

struct BenchCommand: AsyncCommandGroup {
    let commands: [String: any AnyAsyncCommand]
    var help: String { "Benchmarks: " + commands.keys.sorted().joined(separator: ", ") }
}

enum Bench {
    static func time(_ body: () async throws -> Void) async throws -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try await body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
}

extension AppConfig.Database {
    /// For printing: the kind and place, never a password.
    var label: String {
        switch self {
        case .sqlite(let path): return "SQLite \(path)"
        case .postgres(let url):
            let host = URL(string: url)?.host ?? "?"
            return "PostgreSQL on \(host)"
        }
    }
}
