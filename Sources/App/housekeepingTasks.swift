// What the hourly housekeeping job (Support/Housekeeping.swift) deletes: one line per task, support's and features'.
// Like routes.swift and migrations.swift, this is where features join the app.
import Fluent
import Vapor

extension Housekeeping {
    /// Each task deletes what is due and answers a line for the log.
    static func tasks() -> [(String, Task)] {
        [
            ("sessions", { app in "\(try await SessionStore.sweep(config: app.config, on: app.db)) ended sessions" }),
            ("rate counters", { app in "\(try await RateLimit.sweep(on: app.db)) old rate-limit windows" }),
            ("phone confirmations", { app in "\(try await PhoneConfirm.sweep(on: app.db)) expired phone confirmations" }),
            ("audit personal text", { app in
                "\(try await AuditRedaction.sweep(days: app.config.auditPersonalDays, on: app.db)) audit rows older than \(app.config.auditPersonalDays) days blanked"
            }),
            ("hook events", { app in "\(try await HookReplay.sweep(on: app.db)) callback events past the replay window" }),
            ("criteria snapshots", { app in try await CriteriaSnapshots.monthly(app) }),
            ("criteria dashboards", { app in try await CriteriaDashboards.hourly(app) }),
            ("outreach rows", { app in "\(try await OutreachSummary.sweep(on: app.db)) household outreach rows counted again (a new year, or none yet)" }),
            ("asset map changes", { app in "\(try await AssetMapVersion.compact(on: app.db)) map changes moved into the map's version" }),
            ("market page changes", { app in "\(try await TraceVersion.compact(on: app.db)) market changes moved into the traceability pages' version" }),
            ("page changes", { app in "\(try await PageVersion.compact(on: app.db)) page changes moved into the kept pages' versions" }),
            ("ledger sums", { app in "\(try await LedgerSums.check(on: app.db)) campaigns' kept ledger sums found wrong and counted again" }),
        ]
    }
}
