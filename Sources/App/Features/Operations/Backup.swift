// Backups: one dated archive holding a consistent copy of the database (SQLite's `VACUUM INTO`, taken while the
// server runs; `pg_dump` for PostgreSQL), the uploads and audio directories and a manifest, with a SHA-256 beside it.
// `thonso restore` brings an archive back into an empty database (it refuses one holding data) and runs without
// starting the app, so nothing holds the database open. BACKUP_KEEP archives are kept; older ones are deleted.
import Crypto
import Fluent
import Foundation
import SQLKit
import Vapor

public enum Backup {
    public struct Manifest: Codable, Sendable {
        public var format: Int
        public var createdAt: String
        public var database: String
        public var schema: String?
        public var migrations: Int
    }

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
        init(_ d: String) { description = d }
    }

    static let prefix = "thonso-backup-"

    /// Runs a program and answers its standard output; throws with its standard error when it fails.
    @discardableResult
    static func run(_ program: String, _ args: [String], env: [String: String] = [:]) async throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [program] + args
        var e = ProcessInfo.processInfo.environment
        for (k, v) in env { e[k] = v }
        p.environment = e
        let r = try await Subprocess.run(p)
        guard r.status == 0 else {
            throw Failure("\(program) failed (\(r.status)): \(r.errorText.prefix(500))")
        }
        return r.text
    }

    static func sha256(_ path: String) throws -> String {
        guard let h = FileHandle(forReadingAtPath: path) else { throw Failure("cannot read \(path)") }
        defer { try? h.close() }
        var hasher = SHA256()
        while let chunk = try h.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    static func copyDirectory(_ from: String, to: String) throws {
        let fm = FileManager.default
        guard fm.fileExists(atPath: from) else { try fm.createDirectory(atPath: to, withIntermediateDirectories: true); return }
        try fm.copyItem(atPath: from, toPath: to)
    }

    /// Writes an archive into `dir` and answers its path; keeps the newest `keep` archives there.
    public static func make(_ app: Application, dir: String, keep: Int, now: Date = AppClock.now) async throws -> String {
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let stamp: String = {
            let f = DateFormatter()
            f.dateFormat = "yyyyMMdd-HHmmss"
            f.timeZone = TimeZone(identifier: "UTC")
            return f.string(from: now)
        }()
        let work = fm.temporaryDirectory.appendingPathComponent("thonso-backup-\(UUID.random().uuidString)").path
        try fm.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? fm.removeItem(atPath: work) }
        guard let sql = app.db as? any SQLDatabase else { throw Failure("backups need an SQL database") }
        let migrations = try await sql.raw("SELECT COUNT(*) AS n FROM _fluent_migrations").first()?.decode(column: "n", as: Int.self) ?? 0
        let kind: String
        switch app.config.database {
        case .sqlite:
            kind = "sqlite"
            // A consistent copy while others write: one statement, one read transaction.
            try await sql.raw("VACUUM INTO \(bind: work + "/database.sqlite")").run()
        case .postgres(let url):
            kind = "postgres"
            var args = ["--format=custom", "--no-owner", "--file=\(work)/database.pgdump"]
            if let s = app.config.postgresSchema { args.append("--schema=\(s)") }
            try await run("pg_dump", args + [url])
        }
        try copyDirectory(app.config.uploadsDir, to: work + "/uploads")
        try copyDirectory(app.config.messaging.audioDir, to: work + "/audio")
        let iso = ISO8601DateFormatter().string(from: now)
        let manifest = Manifest(format: 1, createdAt: iso, database: kind, schema: app.config.postgresSchema, migrations: migrations)
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try enc.encode(manifest).write(to: URL(fileURLWithPath: work + "/manifest.json"))
        var name = "\(prefix)\(stamp).tar.gz"
        var n = 1
        while fm.fileExists(atPath: dir + "/" + name) { n += 1; name = "\(prefix)\(stamp)-\(n).tar.gz" }
        let archive = (dir as NSString).appendingPathComponent(name)
        try await run("tar", ["-czf", archive, "-C", work, "."])
        try "\(try sha256(archive))  \(name)\n".write(toFile: archive + ".sha256", atomically: true, encoding: .utf8)
        try prune(dir: dir, keep: keep)
        return archive
    }

    /// Deletes all but the newest `keep` archives (and their checksums).
    static func prune(dir: String, keep: Int) throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: dir)
            .filter { $0.hasPrefix(prefix) && $0.hasSuffix(".tar.gz") }.sorted()
        for old in names.dropLast(max(1, keep)) {
            try? FileManager.default.removeItem(atPath: dir + "/" + old)
            try? FileManager.default.removeItem(atPath: dir + "/" + old + ".sha256")
        }
    }

    /// Brings an archive back: checks its checksum, refuses a database that holds data (people, units or households)
    /// or non-empty uploads/audio directories, then restores. Runs without the app (nothing else holds the database).
    public static func restore(_ archive: String, config: AppConfig, log: @Sendable (String) -> Void = { _ in }) async throws {
        let fm = FileManager.default
        guard fm.fileExists(atPath: archive) else { throw Failure("no archive at \(archive)") }
        if let sum = try? String(contentsOfFile: archive + ".sha256", encoding: .utf8) {
            let expected = String(sum.prefix { !$0.isWhitespace })
            guard expected == (try sha256(archive)) else { throw Failure("the archive's SHA-256 does not match \(archive).sha256: it is damaged") }
        } else {
            log("no \(archive).sha256 beside the archive: its integrity is not checked")
        }
        let work = fm.temporaryDirectory.appendingPathComponent("thonso-restore-\(UUID.random().uuidString)").path
        try fm.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? fm.removeItem(atPath: work) }
        try await run("tar", ["-xzf", archive, "-C", work])
        guard let data = fm.contents(atPath: work + "/manifest.json"),
              let manifest = try? JSONDecoder().decode(Manifest.self, from: data) else { throw Failure("the archive has no readable manifest.json") }
        for dir in [config.uploadsDir, config.messaging.audioDir] where ((try? fm.contentsOfDirectory(atPath: dir)) ?? []).contains(where: { !$0.hasPrefix(".") }) {
            throw Failure("\(dir) is not empty: restore into an empty installation")
        }
        switch config.database {
        case .sqlite(let path):
            guard manifest.database == "sqlite" else { throw Failure("the archive holds a \(manifest.database) database; this installation uses SQLite (see `thonso copy` in docs/operations.md)") }
            if fm.fileExists(atPath: path), try await holdsData(sqlite: path) { throw Failure("\(path) holds data: restore into an empty database") }
            for suffix in ["", "-wal", "-shm"] { try? fm.removeItem(atPath: path + suffix) }
            try fm.copyItem(atPath: work + "/database.sqlite", toPath: path)
        case .postgres(let url):
            guard manifest.database == "postgres" else { throw Failure("the archive holds a \(manifest.database) database; this installation uses PostgreSQL") }
            guard manifest.schema == config.postgresSchema else {
                throw Failure("the archive's schema is \(manifest.schema ?? "the default") but DATABASE_SCHEMA is \(config.postgresSchema ?? "unset")")
            }
            if try await holdsData(postgres: url, schema: config.postgresSchema) { throw Failure("the database holds data: restore into an empty database") }
            try await run("pg_restore", ["--no-owner", "--clean", "--if-exists", "--exit-on-error", "--dbname=\(url)", work + "/database.pgdump"])
        }
        for (from, to) in [("uploads", config.uploadsDir), ("audio", config.messaging.audioDir)] {
            let parent = (to as NSString).deletingLastPathComponent
            if !parent.isEmpty { try fm.createDirectory(atPath: parent, withIntermediateDirectories: true) }
            try? fm.removeItem(atPath: to)
            try fm.copyItem(atPath: work + "/" + from, toPath: to)
        }
        log("restored \(manifest.database) backup of \(manifest.createdAt) (\(manifest.migrations) migrations)")
    }

    static let dataTables = ["people", "admin_units", "households"]

    static func holdsData(sqlite path: String) async throws -> Bool {
        let tables = try await run("sqlite3", [path, "SELECT name FROM sqlite_master WHERE type = 'table'"]).split(separator: "\n").map(String.init)
        for t in dataTables where tables.contains(t) {
            if (Int(try await run("sqlite3", [path, "SELECT COUNT(*) FROM \(t)"]).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) > 0 { return true }
        }
        return false
    }

    static func holdsData(postgres url: String, schema: String?) async throws -> Bool {
        let s = schema ?? "public"
        for t in dataTables {
            let exists = try await run("psql", ["-tA", url, "-c", "SELECT to_regclass('\(s).\(t)') IS NOT NULL"]).trimmingCharacters(in: .whitespacesAndNewlines)
            guard exists == "t" else { continue }
            if (Int(try await run("psql", ["-tA", url, "-c", "SELECT COUNT(*) FROM \"\(s)\".\"\(t)\""]).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) > 0 { return true }
        }
        return false
    }
}

/// `thonso backup [--dir DIR] [--keep N]`: an archive of the running installation (see Backup).
struct BackupCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "dir", help: "Where archives go (default BACKUP_DIR, else ./backups)") var dir: String?
        @Option(name: "keep", help: "How many archives to keep (default BACKUP_KEEP, else 14)") var keep: Int?
    }
    var help: String { "Writes a consistent backup (database, uploads, audio) into one dated archive with a SHA-256" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let env = ProcessInfo.processInfo.environment
        let dir = signature.dir ?? env["BACKUP_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "backups"
        let keep = min(max(signature.keep ?? env["BACKUP_KEEP"].flatMap(Int.init) ?? 14, 1), 1000)
        do {
            let path = try await Backup.make(app, dir: dir, keep: keep)
            context.console.print("Backup written: \(path) (SHA-256 in \(path).sha256; keeping the newest \(keep))")
        } catch let e as Backup.Failure {
            context.console.error(e.description)
            throw ExitCode(1)
        }
    }
}

/// `thonso restore ARCHIVE` is run by the executable before the app starts (so nothing holds the database); this
/// entry only lists it in `thonso --help`.
struct RestoreCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "archive", help: "A thonso-backup-….tar.gz (its .sha256 beside it is checked)") var archive: String
    }
    var help: String { "Restores a backup into an empty database (refuses one holding data)" }
    func run(using context: CommandContext, signature: Signature) async throws {
        context.console.error("restore runs before the app starts: call it as `thonso restore ARCHIVE`")
        throw ExitCode(2)
    }
}
