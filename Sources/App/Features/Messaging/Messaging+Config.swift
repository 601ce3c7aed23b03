// Messaging's part of the configuration, read with the rest of AppConfig. A channel whose settings are absent is off.
import Foundation

public struct MessagingConfig: Sendable {
    public struct SMS: Sendable, Equatable {
        /// SMS_URL: the gateway's send endpoint (POST, JSON).
        public var url: String
        /// SMS_USER / SMS_PASSWORD: HTTP basic credentials for the gateway.
        public var user: String
        public var password: String
        /// SMS_SENDER: the brand name or number messages come from.
        public var sender: String
        /// SMS_TEMPLATE: the text; {title}, {unit}, {link} and {code} are filled in.
        public var template: String
    }
    public struct Zalo: Sendable, Equatable {
        /// ZALO_URL: base of the template-message API (…/message/template is appended).
        public var url: String
        /// ZALO_ACCESS_TOKEN: the official account's access token.
        public var accessToken: String
        /// ZALO_TEMPLATE_ID: the approved template; its parameters are title, unit, link.
        public var templateID: String
        /// ZALO_APP_ID / ZALO_SECRET: used to verify the webhook's signature.
        public var appID: String
        public var secret: String
    }

    public var sms: SMS?
    public var zalo: Zalo?
    /// Web push is on unless PUSH=0; PUSH_SUBJECT is the contact the push services see (mailto: or https:).
    public var pushEnabled: Bool
    public var pushSubject: String
    /// PUSH_ALLOW_PRIVATE_HOSTS=1: accept http:// push endpoints and hosts on loopback, private, link-local and
    /// unique-local addresses. Off by default; only for tests and a developer's local push service (never in production:
    /// it lets a signed-in household make the server post to the machine's own network).
    public var pushAllowPrivateHosts: Bool = false
    /// PUSH_PER_HOUSEHOLD: browsers one household may subscribe (default 10; 1–100).
    public var pushPerHousehold: Int = 10
    /// JOB_WORKERS: 1 runs a worker inside `serve` (default), 0 leaves jobs to `thonso jobs run`.
    public var jobWorkers: Int
    /// JOB_POLL_SECONDS: how often an idle worker looks for due jobs.
    public var jobPollSeconds: Double
    /// JOB_LEASE_SECONDS: how long a claimed job is a worker's before another may take it over.
    public var jobLeaseSeconds: Double
    /// FANOUT_BATCH: households written per transaction when a notice goes out (50,000 on SQLite, 10,000 on PostgreSQL).
    public var fanoutBatch: Int
    /// FANOUT_PAUSE_MS: a pause between batches, to leave a small machine's database room for pages.
    public var fanoutPauseMS: Int
    /// REMINDERS: default minutes before a meeting when reminders go out (default 1440,120: a day and two hours).
    public var defaultReminders: [Int]
    /// ESPEAK: the espeak-ng binary for loudspeaker audio (default: found on PATH).
    public var espeak: String
    /// AUDIO_DIR: where rendered loudspeaker audio is kept (default ./audio).
    public var audioDir: String

    public init(sms: SMS? = nil, zalo: Zalo? = nil, pushEnabled: Bool = true, pushSubject: String = "mailto:admin@thonso.invalid",
                jobWorkers: Int = 1, jobPollSeconds: Double = 1, jobLeaseSeconds: Double = 60,
                fanoutBatch: Int = 10000, fanoutPauseMS: Int = 0, defaultReminders: [Int] = [1440, 120], espeak: String = "espeak-ng",
                audioDir: String = "audio") {
        self.sms = sms
        self.zalo = zalo
        self.pushEnabled = pushEnabled
        self.pushSubject = pushSubject
        self.jobWorkers = jobWorkers
        self.jobPollSeconds = jobPollSeconds
        self.jobLeaseSeconds = jobLeaseSeconds
        self.fanoutBatch = fanoutBatch
        self.fanoutPauseMS = fanoutPauseMS
        self.defaultReminders = defaultReminders
        self.espeak = espeak
        self.audioDir = audioDir
    }

    static func fromEnvironment(_ env: [String: String], host: String, port: Int, sqlite: Bool = true) throws -> MessagingConfig {
        func v(_ k: String) -> String? { env[k].flatMap { $0.isEmpty ? nil : $0 } }
        func num(_ k: String, _ def: Double, _ range: ClosedRange<Double>) throws -> Double {
            guard let raw = v(k) else { return def }
            guard let d = Double(raw), range.contains(d) else {
                throw ConfigError(message: "\(k) must be a number in \(range.lowerBound)...\(range.upperBound), got '\(raw)'")
            }
            return d
        }
        var c = MessagingConfig()
        if let url = v("SMS_URL") {
            guard URL(string: url)?.scheme?.hasPrefix("http") == true else { throw ConfigError(message: "SMS_URL must be an http(s) URL") }
            c.sms = SMS(url: url, user: v("SMS_USER") ?? "", password: v("SMS_PASSWORD") ?? "", sender: v("SMS_SENDER") ?? "THONSO",
                        template: v("SMS_TEMPLATE") ?? "{unit}: {title}. Xem: {link}")
        }
        if let url = v("ZALO_URL") {
            guard URL(string: url)?.scheme?.hasPrefix("http") == true else { throw ConfigError(message: "ZALO_URL must be an http(s) URL") }
            guard let token = v("ZALO_ACCESS_TOKEN"), let template = v("ZALO_TEMPLATE_ID") else {
                throw ConfigError(message: "ZALO_URL needs ZALO_ACCESS_TOKEN and ZALO_TEMPLATE_ID")
            }
            c.zalo = Zalo(url: url, accessToken: token, templateID: template, appID: v("ZALO_APP_ID") ?? "", secret: v("ZALO_SECRET") ?? "")
        }
        c.pushEnabled = !["0", "false", "no", "off"].contains(v("PUSH")?.lowercased() ?? "")
        c.pushAllowPrivateHosts = ["1", "true", "yes", "on"].contains(v("PUSH_ALLOW_PRIVATE_HOSTS")?.lowercased() ?? "")
        c.pushPerHousehold = Int(try num("PUSH_PER_HOUSEHOLD", 10, 1...100))
        if let s = v("PUSH_SUBJECT") {
            guard s.hasPrefix("mailto:") || s.hasPrefix("https:") else { throw ConfigError(message: "PUSH_SUBJECT must start with mailto: or https:") }
            c.pushSubject = s
        }
        c.jobWorkers = Int(try num("JOB_WORKERS", 1, 0...1))
        c.jobPollSeconds = try num("JOB_POLL_SECONDS", 1, 0.05...60)
        c.jobLeaseSeconds = try num("JOB_LEASE_SECONDS", 60, 1...3600)
        // SQLite commits are the cost (one writer, a sync each), so it takes bigger batches (docs/benchmarks.md).
        c.fanoutBatch = Int(try num("FANOUT_BATCH", sqlite ? 50000 : 10000, 10...50000))
        c.fanoutPauseMS = Int(try num("FANOUT_PAUSE_MS", 0, 0...10000))
        if let r = v("REMINDERS") {
            let parts = r.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !parts.isEmpty, parts.allSatisfy({ ($0 ?? 0) > 0 && ($0 ?? 0) <= 43200 }) else {
                throw ConfigError(message: "REMINDERS must be minutes before a meeting, e.g. 1440,120")
            }
            c.defaultReminders = parts.compactMap { $0 }
        }
        c.espeak = v("ESPEAK") ?? "espeak-ng"
        c.audioDir = v("AUDIO_DIR") ?? "audio"
        return c
    }
}
