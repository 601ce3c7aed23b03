// The thin executable: reads configuration, builds the app, runs a command (`serve` by default).
import App
import Logging
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
        if arguments.contains("--help") || arguments.contains("-h") { config.offline = true }
        // `serve --hostname/--port` override HOST/PORT: read them here too, so links built from them (when PUBLIC_URL
        // is unset) name the address the server really listens on.
        config.applyServeFlags(arguments)
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
            try await app.execute()
        } catch let e as ExitCode {
            try? await app.asyncShutdown()
            exit(e.code)
        } catch {
            app.logger.report(error: error)
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }
}
