// Strings of the messaging feature (announcements, deliveries, reach, meetings, alerts).
extension L10n {
    static let messaging: [String: Entry] = [:]
}
