// Reports's strings (Vietnamese first).
extension L10n {
    static let reports: [String: Entry] = [
        "reports.title": ("Phản ánh hiện trường", "Residents' reports"),
    ]
}
