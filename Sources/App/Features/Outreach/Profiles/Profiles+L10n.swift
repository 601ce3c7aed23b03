// Strings of the profile pages, import and export.
extension L10n {
    static let outreachProfiles: [String: Entry] = [:]
}
