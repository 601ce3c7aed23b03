// What every `thonso` subcommand may use: the exit code it ends with, and a progress bar that async work can update.
import ConsoleKit
import Vapor

/// ActivityIndicator is a class without Sendable; the import reports progress from one task at a time.
final class ProgressBox: @unchecked Sendable {
    let bar: ActivityIndicator<ProgressBar>
    init(_ bar: ActivityIndicator<ProgressBar>) { self.bar = bar }
    func set(_ v: Double) { bar.activity.currentProgress = v }
}

public struct ExitCode: Error { public let code: Int32; init(_ c: Int32) { code = c } }
