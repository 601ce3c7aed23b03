// `thonso copy`: moves an installation from its SQLite file to PostgreSQL (docs/operations.md, "Moving to
// PostgreSQL"). Every table's rows are copied, in one transaction, from the SQLite file into the app's PostgreSQL
// database, which the app has migrated at start: tables in the order their foreign keys need (parents first, and
// within a table that refers to itself, such as the unit tree, parents before children), values read as the type the
// PostgreSQL column has, so ids, timestamps, booleans and JSON text keep their values. A target holding data is
// refused; counts are compared per table before the transaction commits.
import Fluent
import Foundation
import NIOCore
import SQLiteKit
import SQLKit
import Vapor

public enum Copy {
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
        init(_ d: String) { description = d }
    }

    public struct TableCount: Sendable, Equatable {
        public var table: String
        public var rows: Int
    }

    /// Rows the app writes into a fresh database at start (the Web Push key pair, the housekeeping job) or its
    /// migrations seed (the shipped criteria set, migration 0020): a target holding only these counts as empty, and
    /// they are replaced by the source's. The kept pages' version rows (0034) too.
    static let startupTables: Set<String> = ["settings", "jobs", "criteria_sets", "criteria", "page_versions"]
    static let batchRows = 500

    /// Tables the target's own triggers fill as the rows go in, so not copied: a campaign's ledger sums, made again
    /// from its entries (migration 0025; still counted on both sides, so the trigger must have made the same rows),
    /// and the map's change log (0024; PostgreSQL appends a row per writing statement, SQLite's stays empty), emptied
    /// again before the copy commits: the copied versions of `asset_map_versions` carry on from the SQLite file's; the
    /// same for the traceability pages' change log (0029) and `market_versions`, and the kept pages' (0034) and `page_versions`.
    static let derivedTables: Set<String> = ["ledger_sums", "asset_map_changes", "market_changes", "page_changes"]

    struct Column { var name: String; var type: String }
    /// A table, its columns, the columns that refer to itself and the other tables it refers to.
    struct Table { var name: String; var columns: [Column]; var selfKeys: [String] = []; var deps: Set<String> = [] }

    /// Copies `sqlitePath` into `target` (a migrated PostgreSQL database); answers the rows copied per table.
    public static func run(from sqlitePath: String, into target: any Database, log: @escaping @Sendable (String) -> Void = { _ in }) async throws -> [TableCount] {
        guard let pg = target as? any SQLDatabase, pg.dialect.name == "postgresql" else {
            throw Failure("the target must be PostgreSQL: set DATABASE_URL (or --to postgres://…)")
        }
        guard FileManager.default.fileExists(atPath: sqlitePath) else { throw Failure("no SQLite file at \(sqlitePath)") }
        return try await withSQLite(sqlitePath) { src in try await copy(from: src, into: pg, target: target, log: log) }
    }

    /// Opens the SQLite file on a connection of its own (not through the app, whose database is the target).
    static func withSQLite<T: Sendable>(_ path: String, _ body: (any SQLDatabase) async throws -> T) async throws -> T {
        let conn = try await SQLiteConnection.open(storage: .file(path: path), threadPool: NIOThreadPool.singleton,
                                                   on: MultiThreadedEventLoopGroup.singleton.any())
        do {
            let result = try await body(conn.sql())
            try await conn.close()
            return result
        } catch {
            try? await conn.close()
            throw error
        }
    }

    static func copy(from src: any SQLDatabase, into pg: any SQLDatabase, target: any Database, log: @escaping @Sendable (String) -> Void) async throws -> [TableCount] {
        // The same migrations on both sides, so the tables and columns agree.
        let srcMigrations = try await names(src, "SELECT name FROM _fluent_migrations")
        let dstMigrations = try await names(pg, "SELECT name FROM _fluent_migrations")
        guard !srcMigrations.isEmpty else { throw Failure("the SQLite file has no migrations: is it a Thôn Số database?") }
        if srcMigrations != dstMigrations {
            let onlySrc = srcMigrations.subtracting(dstMigrations).sorted(), onlyDst = dstMigrations.subtracting(srcMigrations).sorted()
            throw Failure("the two databases are not at the same migration: only in SQLite \(onlySrc), only in PostgreSQL \(onlyDst); run `thonso migrate` on the SQLite file with this version first")
        }
        let tables = try await targetTables(pg)
        let srcTables = try await names(src, "SELECT name FROM sqlite_master WHERE type = 'table'")
        for t in tables where !srcTables.contains(t.name) { throw Failure("table \(t.name) is missing from the SQLite file") }
        for t in tables {
            let have = Set(try await src.raw("SELECT name FROM pragma_table_info(\(bind: t.name))").all().map { try $0.decode(column: "name", as: String.self) })
            let missing = t.columns.map(\.name).filter { !have.contains($0) }
            if !missing.isEmpty { throw Failure("the SQLite table \(t.name) has no column \(missing.joined(separator: ", "))") }
        }
        try await refuseData(pg, tables)

        return try await target.writeTransaction { db in
            let tx = db as! any SQLDatabase
            try await refuseData(tx, tables)
            for t in tables where startupTables.contains(t.name) {
                try await tx.raw("DELETE FROM \(ident: t.name)").run()
            }
            var counts: [TableCount] = []
            for t in try order(tables) {
                let n = derivedTables.contains(t.name) ? 0 : try await copyTable(t, from: src, into: tx)
                if !derivedTables.contains(t.name) { log("\(t.name): \(n)") }
                counts.append(TableCount(table: t.name, rows: n))
            }
            try await tx.raw("DELETE FROM asset_map_changes").run()
            try await tx.raw("DELETE FROM market_changes").run()
            try await tx.raw("DELETE FROM page_changes").run()
            for i in counts.indices where derivedTables.contains(counts[i].table) {
                counts[i].rows = try await count(tx, counts[i].table)
                log("\(counts[i].table): \(counts[i].rows) (made by the database from the rows copied)")
            }
            try await resetSequences(tx)
            // Counted again on both sides before committing: a difference rolls everything back.
            for c in counts {
                let s = try await count(src, c.table), d = try await count(tx, c.table)
                guard s == d, d == c.rows else { throw Failure("\(c.table): \(s) rows in SQLite but \(d) in PostgreSQL; nothing was copied") }
            }
            return counts
        }
    }

    static func names(_ db: any SQLDatabase, _ query: String) async throws -> Set<String> {
        Set(try await db.raw(SQLQueryString(query)).all().map { try $0.decode(column: "name", as: String.self) })
    }

    static func count(_ db: any SQLDatabase, _ table: String) async throws -> Int {
        try await db.raw("SELECT COUNT(*) AS n FROM \(ident: table)").first()?.decode(column: "n", as: Int.self) ?? 0
    }

    /// The target's tables (its current schema) with their columns and the columns that refer to the table itself.
    static func targetTables(_ pg: any SQLDatabase) async throws -> [Table] {
        let cols = try await pg.raw("""
            SELECT table_name, column_name, data_type FROM information_schema.columns
            WHERE table_schema = current_schema() AND table_name IN
              (SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE')
            ORDER BY table_name, ordinal_position
            """).all()
        var tables: [String: Table] = [:]
        for r in cols {
            let t = try r.decode(column: "table_name", as: String.self)
            if t == "_fluent_migrations" { continue }
            tables[t, default: Table(name: t, columns: [])].columns
                .append(Column(name: try r.decode(column: "column_name", as: String.self), type: try r.decode(column: "data_type", as: String.self)))
        }
        for (t, refs) in try await foreignKeys(pg) {
            tables[t]?.selfKeys = refs.filter { $0.ref == t }.map(\.column)
            tables[t]?.deps = Set(refs.map(\.ref).filter { $0 != t && $0 != "_fluent_migrations" })
        }
        return tables.values.sorted { $0.name < $1.name }
    }

    /// table → (column, referenced table) for every foreign key of the current schema.
    static func foreignKeys(_ pg: any SQLDatabase) async throws -> [String: [(column: String, ref: String)]] {
        let rows = try await pg.raw("""
            SELECT (SELECT relname FROM pg_class WHERE oid = c.conrelid) AS tbl, (SELECT relname FROM pg_class WHERE oid = c.confrelid) AS ref,
                   a.attname AS col
            FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
            WHERE c.contype = 'f' AND c.connamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
            """).all()
        var out: [String: [(column: String, ref: String)]] = [:]
        for r in rows {
            out[try r.decode(column: "tbl", as: String.self), default: []]
                .append((try r.decode(column: "col", as: String.self), try r.decode(column: "ref", as: String.self)))
        }
        return out
    }

    /// Parents before children: a table comes after every table its foreign keys name (itself aside).
    static func order(_ tables: [Table]) throws -> [Table] {
        var done = Set<String>(), out: [Table] = []
        var left = tables
        while !left.isEmpty {
            let ready = left.filter { $0.deps.allSatisfy { done.contains($0) } }
            guard !ready.isEmpty else { throw Failure("the tables' foreign keys form a cycle: \(left.map(\.name).sorted())") }
            for t in ready { done.insert(t.name); out.append(t) }
            left.removeAll { done.contains($0.name) }
        }
        return out
    }

    /// Refuses a target where any table but the start-up ones holds a row.
    static func refuseData(_ pg: any SQLDatabase, _ tables: [Table]) async throws {
        for t in tables where !startupTables.contains(t.name) {
            if try await pg.raw("SELECT 1 AS x FROM \(ident: t.name) LIMIT 1").first() != nil {
                throw Failure("the PostgreSQL database holds data (\(t.name) has rows): copy only into an empty, migrated database")
            }
        }
    }

    /// Reads the source table in rowid order, page by page, and inserts it in batches, each value cast to its column's
    /// type. A table that refers to itself is read whole and inserted parents first.
    static func copyTable(_ t: Table, from src: any SQLDatabase, into pg: any SQLDatabase) async throws -> Int {
        let select = t.columns.map { "\"\($0.name)\"" }.joined(separator: ", ")
        var copied = 0
        if !t.selfKeys.isEmpty {
            let rows = try await src.raw("SELECT \(unsafeRaw: select) FROM \(ident: t.name) ORDER BY rowid").all()
            let values = try rows.map { try decode($0, t) }
            let idIndex = t.columns.firstIndex { $0.name == "id" }
            guard let idIndex else { throw Failure("\(t.name) refers to itself but has no id column") }
            let keyIndexes = t.selfKeys.compactMap { k in t.columns.firstIndex { $0.name == k } }
            var inserted = Set<String>(), pending = Array(values.indices), ordered: [[Value]] = []
            let ids = Set(values.map { $0[idIndex].key })
            while !pending.isEmpty {
                let ready = pending.filter { i in keyIndexes.allSatisfy { k in
                    let v = values[i][k].key
                    return v.isEmpty || inserted.contains(v) || !ids.contains(v) || v == values[i][idIndex].key
                } }
                guard !ready.isEmpty else { throw Failure("\(t.name): rows refer to each other in a cycle") }
                for i in ready { ordered.append(values[i]); inserted.insert(values[i][idIndex].key) }
                let r = Set(ready)
                pending.removeAll { r.contains($0) }
            }
            for start in stride(from: 0, to: ordered.count, by: batchRows) {
                try await insert(t, Array(ordered[start..<min(ordered.count, start + batchRows)]), into: pg)
            }
            return ordered.count
        }
        var after: Int64 = -1
        while true {
            let rows = try await src.raw("""
                SELECT rowid AS "__rowid", \(unsafeRaw: select) FROM \(ident: t.name) WHERE rowid > \(bind: after) ORDER BY rowid LIMIT \(unsafeRaw: String(batchRows))
                """).all()
            if rows.isEmpty { break }
            try await insert(t, try rows.map { try decode($0, t) }, into: pg)
            copied += rows.count
            after = try rows.last!.decode(column: "__rowid", as: Int64.self)
        }
        return copied
    }

    /// One value, typed after the PostgreSQL column.
    enum Value: Sendable {
        case null, uuid(UUID), bool(Bool), date(Date), int(Int64), double(Double), text(String)

        /// A string for comparing ids (empty for NULL).
        var key: String {
            switch self {
            case .null: return ""
            case .uuid(let u): return u.uuidString
            case .text(let s): return s
            case .int(let i): return String(i)
            default: return "\(self)"
            }
        }
    }

    static func decode(_ row: any SQLRow, _ t: Table) throws -> [Value] {
        try t.columns.map { c in
            if try row.decodeNil(column: c.name) { return .null }
            switch c.type {
            case "uuid": return .uuid(try row.decode(column: c.name, as: UUID.self))
            case "boolean": return .bool(try row.decode(column: c.name, as: Bool.self))
            case "timestamp with time zone", "timestamp without time zone": return .date(try row.decode(column: c.name, as: Date.self))
            case "bigint", "integer", "smallint": return .int(try row.decode(column: c.name, as: Int64.self))
            case "double precision", "real", "numeric": return .double(try row.decode(column: c.name, as: Double.self))
            case "text", "character varying", "character", "json", "jsonb": return .text(try row.decode(column: c.name, as: String.self))
            default: throw Failure("\(t.name).\(c.name): column type \(c.type) is not handled by thonso copy")
            }
        }
    }

    static func insert(_ t: Table, _ rows: [[Value]], into pg: any SQLDatabase) async throws {
        guard !rows.isEmpty else { return }
        let head: String = "INSERT INTO \"\(t.name)\" (\(t.columns.map { "\"\($0.name)\"" }.joined(separator: ", "))) VALUES "
        var q = SQLQueryString(head)
        for (ri, row) in rows.enumerated() {
            q.appendLiteral(ri == 0 ? "(" : ", (")
            for (ci, v) in row.enumerated() {
                if ci > 0 { q.appendLiteral(", ") }
                switch v {
                case .null: q.appendLiteral("NULL")
                case .uuid(let u): q.appendInterpolation(bind: u)
                case .bool(let b): q.appendInterpolation(bind: b)
                case .date(let d): q.appendInterpolation(bind: d)
                case .int(let i): q.appendInterpolation(bind: i)
                case .double(let x): q.appendInterpolation(bind: x)
                case .text(let s): q.appendInterpolation(bind: s)
                }
                q.appendLiteral("::\(t.columns[ci].type)")
            }
            q.appendLiteral(")")
        }
        try await pg.raw(q).run()
    }

    /// Every sequence behind a column (serial or identity) is set past the largest value copied.
    static func resetSequences(_ pg: any SQLDatabase) async throws {
        let rows = try await pg.raw("""
            SELECT table_name, column_name FROM information_schema.columns
            WHERE table_schema = current_schema() AND (column_default LIKE 'nextval(%' OR is_identity = 'YES')
            """).all()
        for r in rows {
            let t = try r.decode(column: "table_name", as: String.self), c = try r.decode(column: "column_name", as: String.self)
            try await pg.raw("""
                SELECT setval(pg_get_serial_sequence(\(bind: "\"\(t)\""), \(bind: c)), COALESCE((SELECT MAX(\(ident: c)) FROM \(ident: t)), 0) + 1, false)
                """).run()
        }
    }
}

/// `thonso copy [--from FILE] [--to postgres://…]`: the SQLite installation into an empty PostgreSQL database.
struct CopyCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "from", help: "The SQLite file (default DATABASE_PATH, else ./thonso.sqlite)") var from: String?
        @Option(name: "to", help: "The PostgreSQL database (default DATABASE_URL); read at start, before this runs") var to: String?
    }
    var help: String { "Copies every row of the SQLite file into an empty, migrated PostgreSQL database (docs/operations.md)" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let from = signature.from ?? ProcessInfo.processInfo.environment["DATABASE_PATH"].flatMap { $0.isEmpty ? nil : $0 } ?? "thonso.sqlite"
        do {
            let counts = try await Copy.run(from: from, into: app.db)
            context.console.print("Copied \(from) into PostgreSQL\(app.config.postgresSchema.map { " (schema \($0))" } ?? ""):")
            for c in counts { context.console.print("  \(c.table): \(c.rows) rows") }
            context.console.print("\(counts.reduce(0) { $0 + $1.rows }) rows in \(counts.count) tables; counts checked on both sides")
        } catch let e as Copy.Failure {
            context.console.error("copy: \(e.description)")
            throw ExitCode(1)
        }
    }
}
