// Strings of a member's visit pages and the offline layer.
extension L10n {
    static let outreachVisits: [String: Entry] = [:]
}
