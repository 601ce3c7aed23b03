// Strings of the personal-data page (the data subject's requests) and consent.
extension L10n {
    static let personalData: [String: Entry] = [
        "personal.title": ("Dữ liệu cá nhân của hộ", "The household's personal data"),
        "personal.link": ("Dữ liệu cá nhân và đồng ý", "Personal data and consent"),
        "personal.intro": ("Toàn bộ dữ liệu Thôn Số lưu về hộ này, để trả lời yêu cầu của chủ thể dữ liệu (Luật Bảo vệ dữ liệu cá nhân 91/2025/QH15).", "Everything Thôn Số holds about this household, to answer the data subject's request (Personal Data Protection Law 91/2025/QH15)."),
        "personal.json": ("Tải JSON", "Download JSON"),
        "personal.consents": ("Đồng ý xử lý dữ liệu", "Consent"),
        "personal.log": ("Ai đã xem hoặc sửa (50 lần gần nhất)", "Who viewed or changed it (latest 50)"),
        "personal.erase": ("Xóa dữ liệu cá nhân", "Erase personal data"),
        "personal.eraseHint": ("Họ tên, số điện thoại và địa chỉ bị thay bằng \"(đã xóa)\"; giới tính, năm sinh và số hộ, số nhân khẩu được giữ cho thống kê. Thẻ đăng nhập, mã PIN và các phiên đang mở của hộ hết hiệu lực; đăng ký nhận thông báo, giấy tờ gửi trước, số điện thoại và nội dung câu hỏi, lịch hẹn của hộ bị xóa; phản ánh của hộ mất nội dung, tên, số điện thoại và ảnh; khoản đóng góp giữ số tiền và số phiếu thu nhưng không còn tên hộ. Không thể hoàn tác.", "Names, phones and the address are replaced by \"(đã xóa)\"; gender, birth year and the counts stay for statistics. The household's sign-in card, PIN and open sessions end; its push subscriptions, papers sent ahead, and the phones and text of its questions and bookings are removed; its reports lose their words, name, phone and photos; its contributions keep their amounts and receipt numbers but no longer name it. This cannot be undone."),
        "personal.eraseConfirm": ("Tôi xác nhận hộ đã yêu cầu xóa", "I confirm the household asked for erasure"),
        "personal.correct": ("Sửa dữ liệu: dùng trang sửa hộ và sửa nhân khẩu.", "Correction: use the household and resident edit pages."),
        "consent.new": ("Ghi nhận đồng ý", "Record consent"),
        "consent.purpose": ("Mục đích", "Purpose"),
        "consent.givenOn": ("Ngày đồng ý", "Given on"),
        "consent.collectedBy": ("Người thu thập", "Collected by"),
        "consent.withdrawnOn": ("Ngày rút lại", "Withdrawn on"),
        "consent.withdraw": ("Rút lại đồng ý", "Withdraw"),
    ]
}
