// Market's strings (Vietnamese first).
extension L10n {
    static let market: [String: Entry] = [
        "market.title": ("Chợ quê: sản phẩm của thôn", "The village market"),
        "error.market.kind": ("Loại cơ sở phải là hộ sản xuất, hợp tác xã hoặc doanh nghiệp", "The kind must be household, cooperative or enterprise"),
        "error.market.village": ("Chọn một thôn trong phạm vi bạn quản lý", "Choose a village within your units"),
        "error.market.household": ("Không tìm thấy hộ này trong xã", "No such household in the commune"),
        "error.market.link": ("Kênh bán hàng phải là một đường dẫn http:// hoặc https://", "A sales channel must be an http:// or https:// link"),
        "error.market.tooManyChannels": ("Tối đa {0} kênh bán hàng", "At most {0} sales channels"),
        "error.market.notProducer": ("Tài khoản này chưa có vai trò hộ sản xuất tại thôn của cơ sở", "This account does not hold the producer role over the producer's village"),
        "error.market.category": ("Nhóm sản phẩm không hợp lệ", "Unknown product category"),
        "error.market.priceRange": ("Giá cao nhất không được thấp hơn giá thấp nhất", "The highest price cannot be below the lowest"),
        "error.market.stars": ("Hạng OCOP phải từ 3 đến 5 sao", "The OCOP rating must be 3 to 5 stars"),
        "error.market.ocopYear": ("Năm công nhận OCOP phải từ 2018 đến {0}", "The OCOP year must be between 2018 and {0}"),
        "error.market.tooManyCertifications": ("Tối đa {0} chứng nhận", "At most {0} certifications"),
        "error.market.validToBeforeFrom": ("Ngày hết hạn không được trước ngày cấp", "The expiry date cannot be before the issue date"),
    ]
}
