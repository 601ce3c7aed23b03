// Ledger's strings (Vietnamese first).
extension L10n {
    static let ledger: [String: Entry] = [
        "ledger.title": ("Xã hội hóa", "Campaigns"),
    ]
}
