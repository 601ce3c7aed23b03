// Strings of the procedures feature (catalog, guides, QR boards, questions, appointments, dossiers).
extension L10n {
    static let procedures: [String: Entry] = [:]
}
