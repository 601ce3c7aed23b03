// Assets's strings (Vietnamese first).
extension L10n {
    static let assets: [String: Entry] = [
        "assets.title": ("Tài sản", "Assets"),
    ]
}
