// Strings of the training pages.
extension L10n {
    static let trainings: [String: Entry] = [:]
}
