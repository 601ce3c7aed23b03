// Strings of the outreach overview.
extension L10n {
    static let outreachOverview: [String: Entry] = [:]
}
