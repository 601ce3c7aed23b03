// The thin executable: reads configuration, builds the app, runs a command (`serve` by default).
import App
import Logging
import NIOCore
import NIOPosix
import Vapor

@main
enum Entrypoint {
    static func main() async throws {
        var arguments = CommandLine.arguments
        let demoFlag = arguments.contains("--demo")
        arguments.removeAll { $0 == "--demo" }
        var env = try Environment.detect(arguments: arguments)
        try LoggingSystem.bootstrap(from: &env)
        var config: AppConfig
        do { config = try AppConfig.fromEnvironment() } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            exit(2)
        }
        if demoFlag { config.demo = true }
        // Before the first suspension of async code: Swift's tasks then run on NIO's event loops (the ones Vapor
        // serves on), so awaiting a query or a future no longer hops between two pools of threads (SWIFT_EXECUTOR).
        if config.nioExecutor { _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor() }
        if arguments.contains("--help") || arguments.contains("-h") { config.offline = true }
        // `serve --hostname/--port` override HOST/PORT: read them here too, so links built from them (when PUBLIC_URL
        // is unset) name the address the server really listens on.
        config.applyServeFlags(arguments)
        // `thonso copy --to postgres://…`: the target is the app's database, so it is chosen before the app is built.
        if arguments.count >= 2, arguments[1] == "copy", let i = arguments.firstIndex(where: { $0 == "--to" || $0.hasPrefix("--to=") }) {
            let url = arguments[i] == "--to" ? (i + 1 < arguments.count ? arguments[i + 1] : "") : String(arguments[i].dropFirst(5))
            guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") else {
                FileHandle.standardError.write(Data("copy: --to must be a postgres:// address\n".utf8))
                exit(2)
            }
            config.database = .postgres(url: url)
        }
        // `thonso restore ARCHIVE`: before the app starts, so nothing holds the database open.
        if arguments.count >= 3, arguments[1] == "restore", !config.offline {
            do {
                try await Backup.restore(arguments[2], config: config) { print($0) }
                exit(0)
            } catch {
                FileHandle.standardError.write(Data("restore: \(error)\n".utf8))
                exit(1)
            }
        }
        let app = try await Application.make(env)
        do {
            try await configure(app, config)
            // Commands read the app's clock too (CLOCK_OFFSET_SECONDS in tests; the machine's time otherwise).
            try await app.executeOnClock()
        } catch let e as ExitCode {
            try? await app.asyncShutdown()
            exit(e.code)
        } catch {
            // A failed command says why on standard error and exits non-zero; it never crashes the process (an
            // error thrown out of `main` stops Swift with a trap and a backtrace, which reads as a bug).
            FileHandle.standardError.write(Data("thonso: \(Self.describe(error))\n".utf8))
            try? await app.asyncShutdown()
            exit(1)
        }
        try await app.asyncShutdown()
    }

    /// An error as a person reads it (ConsoleKit's command errors say what was wrong and suggest a command).
    static func describe(_ error: any Error) -> String {
        if let e = error as? CommandError { return "\(e.description.replacingOccurrences(of: "\n\n", with: "\n")) (see `thonso --help`)" }
        return (error as? any LocalizedError)?.errorDescription ?? String(describing: error)
    }
}
