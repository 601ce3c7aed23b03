// `thonso copy`: an SQLite installation with every feature's rows moves into an empty PostgreSQL schema row for row;
// the copy works there (the same token and password sign in, the same figures answer); a target holding data is
// refused. Needs the test PostgreSQL (DATABASE_URL), as CI's second run has.
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting
@testable import App

@Suite("thonso copy: SQLite to PostgreSQL")
struct CopyTests {
    /// Every row of every table of the PostgreSQL schema, read from `db` and normalised by the PostgreSQL column type
    /// (ids as lower-case UUIDs, times to the microsecond, booleans, numbers, text): equal lists, equal rows.
    static func rows(_ db: any SQLDatabase, columnsFrom pg: any SQLDatabase) async throws -> [String: [String]] {
        let cols = try await pg.raw("""
            SELECT table_name, column_name, data_type FROM information_schema.columns
            WHERE table_schema = current_schema() AND table_name <> '_fluent_migrations' ORDER BY table_name, ordinal_position
            """).all()
        var tables: [String: [(String, String)]] = [:]
        for r in cols {
            tables[try r.decode(column: "table_name", as: String.self), default: []]
                .append((try r.decode(column: "column_name", as: String.self), try r.decode(column: "data_type", as: String.self)))
        }
        var out: [String: [String]] = [:]
        for (table, columns) in tables {
            let list = columns.map { "\"\($0.0)\"" }.joined(separator: ", ")
            var lines: [String] = []
            for row in try await db.raw("SELECT \(unsafeRaw: list) FROM \(ident: table)").all() {
                var fields: [String] = []
                for (name, type) in columns {
                    if try row.decodeNil(column: name) { fields.append("∅"); continue }
                    switch type {
                    case "uuid": fields.append(try row.decode(column: name, as: UUID.self).uuidString.lowercased())
                    case "boolean": fields.append(String(try row.decode(column: name, as: Bool.self)))
                    case "timestamp with time zone":
                        fields.append(String(Int64((try row.decode(column: name, as: Date.self).timeIntervalSince1970 * 1e6).rounded())))
                    case "bigint": fields.append(String(try row.decode(column: name, as: Int64.self)))
                    case "double precision": fields.append(String(try row.decode(column: name, as: Double.self)))
                    default: fields.append(try row.decode(column: name, as: String.self))
                    }
                }
                lines.append(fields.joined(separator: " | "))
            }
            out[table] = lines.sorted()
        }
        return out
    }

    /// A JSON answer with its keys sorted (the encoder's key order is not fixed).
    static func canonical(_ text: String) throws -> String {
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
        return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .fragmentsAllowed]), as: UTF8.self)
    }

    @Test("every feature's rows copied row for row into an empty, migrated schema; the copied installation answers the same; a schema holding data is refused; `thonso copy` prints the counts",
          .enabled(if: TestDB.isPostgres, "needs the test PostgreSQL: DATABASE_URL"))
    func copyIntoPostgres() async throws {
        let fm = FileManager.default
        let path = fm.temporaryDirectory.appendingPathComponent("thonso-copy-\(UUID().uuidString).sqlite").path
        defer { for s in ["", "-wal", "-shm"] { try? fm.removeItem(atPath: path + s) } }
        var token = "", communeID = UUID(), announcementID = ""
        var reach = "", households = "", householdRows = 0
        try await withTestApp({ $0.database = .sqlite(path: path); $0.postgresSchema = nil }) { src in
            #expect(!(src.db as! any SQLDatabase).dialect.name.contains("postgres"))
            let f = try await BackupTests.fillEveryFeature(src)
            token = src.testAuth.token
            communeID = f.tree.commune.id
            let list = try await src.api(.GET, "/api/v1/announcements")
            announcementID = try #require(list.text.range(of: #""id":""#).map { r in String(list.text[r.upperBound...].prefix { $0 != "\"" }) })
            reach = try Self.canonical(try await src.api(.GET, "/api/v1/announcements/\(announcementID)/reach").text)
            households = try Self.canonical(try await src.api(.GET, "/api/v1/households?unit=\(communeID)").text)
            #expect(households.contains("BK-CARD"))
        }

        let url = try #require(TestDB.postgresURL)
        let schema = "t_copy_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12)
        let app = try await Application.make(.testing)
        app.logger.logLevel = .warning
        var config = AppConfig(database: .postgres(url: url), postgresSchema: String(schema))
        config.bcryptCost = 4
        do {
            try await configure(app, config)  // creates and migrates the schema, and writes its Web Push keys
            let pg = app.db as! any SQLDatabase
            let counts = try await Copy.run(from: path, into: app.db)
            #expect(counts.count > 20 && counts.contains { $0.table == "admin_units" && $0.rows > 5 })

            // Row for row, read from both sides.
            let before = try await Copy.withSQLite(path) { try await Self.rows($0, columnsFrom: pg) }
            let after = try await Self.rows(pg, columnsFrom: pg)
            #expect(before.keys.sorted() == after.keys.sorted())
            for (table, rows) in before.sorted(by: { $0.key < $1.key }) {
                #expect(rows == after[table], "\(table)")
            }
            for table in ["households", "residents", "people", "api_tokens", "sessions", "deliveries", "procedure_questions",
                          "qr_boards", "audit_events", "settings", "announcements", "rate_counters", "assets", "asset_faults", "ledger_entries", "ledger_sums", "asset_map_versions"] {
                #expect((after[table]?.count ?? 0) > 0, "\(table) has rows to compare")
            }

            // The copied installation answers as the SQLite one did: its API token, its password, its figures.
            let copiedReach = try Self.canonical(try await app.api(.GET, "/api/v1/announcements/\(announcementID)/reach", token: token).text)
            #expect(copiedReach == reach)
            let copiedHouseholds = try Self.canonical(try await app.api(.GET, "/api/v1/households?unit=\(communeID)", token: token).text)
            #expect(copiedHouseholds == households)
            householdRows = after["households"]?.count ?? 0
            _ = try await app.signIn("admin")

            // Again into a schema that now holds data: refused, nothing added.
            let people = try await app.count("people")
            await #expect { try await Copy.run(from: path, into: app.db) } throws: { ($0 as? Copy.Failure)?.description.contains("holds data") == true }
            #expect(try await app.count("people") == people)
        } catch {
            try? await (app.db as! any SQLDatabase).raw("DROP SCHEMA IF EXISTS \(ident: String(schema)) CASCADE").run()
            try? await app.asyncShutdown()
            throw error
        }
        try? await (app.db as! any SQLDatabase).raw("DROP SCHEMA IF EXISTS \(ident: String(schema)) CASCADE").run()
        try? await app.asyncShutdown()

        // The command line, as an operator runs it: into a fresh schema, counts printed.
        guard CommandTests.binary != nil else { return }
        let cliSchema = String(schema) + "_cli"
        let run = try await CommandTests.run(["copy", "--from", path], env: ["DATABASE_URL": url, "DATABASE_SCHEMA": cliSchema, "DATABASE_PATH": "/nonexistent.sqlite"])
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("households: \(householdRows) rows") && run.output.contains("counts checked"), "\(run.output)")
        let again = try await CommandTests.run(["copy", "--from", path], env: ["DATABASE_URL": url, "DATABASE_SCHEMA": cliSchema])
        #expect(again.status == 1 && again.output.contains("holds data"), "\(again.output)")
        _ = try? await Backup.run("psql", [url, "-c", "DROP SCHEMA IF EXISTS \(cliSchema) CASCADE"])
    }
}
