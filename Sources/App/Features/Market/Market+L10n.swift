// Market's strings (Vietnamese first).
extension L10n {
    static let market: [String: Entry] = [
        "market.title": ("Chợ quê: sản phẩm của thôn", "The village market"),
    ]
}
