// Procedures' part of the configuration: how much anyone without a sign-in may send, and how a phone is confirmed.
// Defaults are safe for one commune; a province raises PROC_PER_COMMUNE_DAY only if a commune really gets more.
import Foundation

public struct ProceduresConfig: Sendable, Equatable {
    /// PROC_PER_PHONE_DAY: anonymous questions, bookings and paper sets one phone number may send a day, each (default 5).
    public var perPhoneDay = 5
    /// PROC_PER_ADDRESS_DAY: the same, per client address (default 20; a village on one mobile network may share an address).
    public var perAddressDay = 20
    /// PROC_PER_COMMUNE_DAY: the same, per commune, from all anonymous senders together (default 300).
    public var perCommuneDay = 300
    /// CONFIRM_PER_PHONE_DAY: confirmation codes sent to one phone a day (default 3).
    public var confirmPerPhoneDay = 3
    /// CONFIRM_PER_ADDRESS_DAY: confirmation codes one client address may have sent a day (default 5). With the
    /// commune's figure below, this bounds the messages an anonymous stranger can make the commune pay for.
    public var confirmPerAddressDay = 5
    /// CONFIRM_PER_COMMUNE_DAY: confirmation codes sent for one commune a day (default 50).
    public var confirmPerCommuneDay = 50
    /// CONFIRM_MINUTES: how long a code is good for (default 30).
    public var confirmMinutes = 30
    /// CONFIRM_ATTEMPTS: wrong codes allowed before the code is void (default 5).
    public var confirmAttempts = 5

    public init() {}

    static func fromEnvironment(_ env: [String: String]) throws -> ProceduresConfig {
        func int(_ k: String, _ def: Int, _ range: ClosedRange<Int>) throws -> Int {
            guard let raw = env[k], !raw.isEmpty else { return def }
            guard let n = Int(raw), range.contains(n) else {
                throw ConfigError(message: "\(k) must be a whole number in \(range.lowerBound)...\(range.upperBound), got '\(raw)'")
            }
            return n
        }
        var c = ProceduresConfig()
        c.perPhoneDay = try int("PROC_PER_PHONE_DAY", 5, 1...1000)
        c.perAddressDay = try int("PROC_PER_ADDRESS_DAY", 20, 1...100_000)
        c.perCommuneDay = try int("PROC_PER_COMMUNE_DAY", 300, 1...1_000_000)
        c.confirmPerPhoneDay = try int("CONFIRM_PER_PHONE_DAY", 3, 1...100)
        c.confirmPerAddressDay = try int("CONFIRM_PER_ADDRESS_DAY", 5, 1...10_000)
        c.confirmPerCommuneDay = try int("CONFIRM_PER_COMMUNE_DAY", 50, 1...100_000)
        c.confirmMinutes = try int("CONFIRM_MINUTES", 30, 5...1440)
        c.confirmAttempts = try int("CONFIRM_ATTEMPTS", 5, 1...20)
        return c
    }
}
