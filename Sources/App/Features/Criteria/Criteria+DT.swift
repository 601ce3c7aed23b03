// The commune digital-transformation set XA-CDS, shipped as data like the smart-village set. Its shape follows what
// ../shared/domain/criteria.md says of Hà Nội's scoring (Decision 5279/QĐ-UBND, 23 Oct 2025): 47 indicators in 8
// groups — awareness 5, institutions 3, infrastructure 5, human resources 6, information security 4, digital
// government 10, digital economy 6, digital society 8 — grouped by the three pillars. The decision's own list of
// indicators is not in our sources, so the names below are ours: a plausible structure, labelled as such in the set's
// description, for a province to change or replace with its full set. Every indicator judges the commune; where a
// measure of the library counts it (summed over the commune's villages, or the commune's dossiers) it is counted from
// records, and the others (no measure) take dated manual values with their source.
import Fluent
import Vapor

public enum CriteriaDT {
    public static let code = "XA-CDS"

    struct Group { var name: String; var pillar: Pillar; var items: [Item] }
    struct Item { var name: String; var en: String; var measure: String?; var kind: ThresholdKind; var value: Double? }

    static func m(_ name: String, _ en: String, _ measure: String, _ kind: ThresholdKind, _ value: Double?) -> Item {
        Item(name: name, en: en, measure: measure, kind: kind, value: value)
    }
    /// An indicator records cannot give: entered by hand.
    static func h(_ name: String, _ en: String, _ kind: ThresholdKind, _ value: Double? = nil) -> Item {
        Item(name: name, en: en, measure: nil, kind: kind, value: value)
    }

    static let groups: [Group] = [
        Group(name: "1. Nhận thức số", pillar: .government, items: [
            h("Ban chỉ đạo chuyển đổi số của xã được kiện toàn", "The commune's digital-transformation steering board is in place", .yesNo),
            h("Kế hoạch chuyển đổi số năm của xã được ban hành", "The commune's yearly digital-transformation plan is issued", .yesNo),
            h("Tin bài tuyên truyền về chuyển đổi số trong năm", "News items on digital transformation this year", .countAtLeast, 12),
            h("Hội nghị, buổi quán triệt về chuyển đổi số trong năm", "Meetings on digital transformation this year", .countAtLeast, 2),
            m("Tổ công nghệ số cộng đồng đang hoạt động", "Active community digital technology teams", "teams.active", .countAtLeast, 1),
        ]),
        Group(name: "2. Thể chế số", pillar: .government, items: [
            h("Quy chế quản lý, vận hành hệ thống thông tin của xã", "Rules for running the commune's information systems", .yesNo),
            h("Quy chế sử dụng văn bản điện tử, chữ ký số", "Rules for electronic documents and digital signatures", .yesNo),
            h("Kinh phí chuyển đổi số được bố trí trong dự toán năm", "Digital-transformation funds in the yearly budget", .yesNo),
        ]),
        Group(name: "3. Hạ tầng số", pillar: .society, items: [
            m("Hộ có kết nối internet cáp quang / 4G", "Households with fibre or mobile internet", "households.internet", .shareAtLeast, 90),
            m("Điểm wifi miễn phí nơi công cộng đang hoạt động", "Working free public wifi points", "assets.wifiPoint.working", .countAtLeast, 1),
            m("Camera an ninh nơi công cộng đang hoạt động", "Working public security cameras", "assets.camera.working", .countAtLeast, 5),
            h("Cán bộ, công chức xã có máy tính kết nối mạng", "Commune staff with a networked computer", .shareAtLeast, 100),
            h("Hệ thống truyền thanh cơ sở ứng dụng công nghệ số", "Digital public-address system", .yesNo),
        ]),
        Group(name: "4. Nhân lực số", pillar: .society, items: [
            m("Người trong độ tuổi lao động được phổ cập kỹ năng số", "Working-age residents trained in digital skills", "residents.trained", .shareAtLeast, 30),
            h("Cán bộ, công chức xã được bồi dưỡng kỹ năng số", "Commune staff trained in digital skills", .shareAtLeast, 100),
            h("Có cán bộ phụ trách chuyển đổi số của xã", "A staff member in charge of digital transformation", .yesNo),
            h("Thành viên tổ công nghệ số cộng đồng được tập huấn", "Community team members trained", .shareAtLeast, 80),
            m("Người trưởng thành dùng điện thoại thông minh", "Adults using a smartphone", "adults.smartphone", .shareAtLeast, 80),
            h("Lớp phổ cập kỹ năng số tổ chức trong năm", "Digital-skills classes held this year", .countAtLeast, 2),
        ]),
        Group(name: "5. An toàn thông tin", pillar: .government, items: [
            h("Hệ thống thông tin của xã được phê duyệt cấp độ an toàn", "The commune's information systems have an approved security level", .yesNo),
            h("Máy tính của xã có phần mềm phòng chống mã độc", "Commune computers with anti-malware", .shareAtLeast, 100),
            h("Không xảy ra sự cố mất an toàn thông tin nghiêm trọng", "No serious information-security incident", .yesNo),
            h("Cán bộ được tập huấn an toàn thông tin", "Staff trained in information security", .shareAtLeast, 80),
        ]),
        Group(name: "6. Chính quyền số", pillar: .government, items: [
            m("Hồ sơ thủ tục hành chính nộp trực tuyến", "Dossiers filed online", "dossiers.online", .shareAtLeast, 60),
            h("Hồ sơ được số hóa kết quả giải quyết", "Dossiers whose results are digitised", .shareAtLeast, 80),
            h("Hồ sơ giải quyết đúng hạn", "Dossiers settled on time", .shareAtLeast, 95),
            h("Văn bản đi được ký số", "Outgoing documents digitally signed", .shareAtLeast, 90),
            h("Hồ sơ thanh toán phí, lệ phí trực tuyến", "Fees paid online", .shareAtLeast, 30),
            h("Trang thông tin điện tử của xã cập nhật thường xuyên", "The commune's website kept up to date", .yesNo),
            m("Bảng mã QR hướng dẫn thủ tục tại các thôn", "QR boards guiding procedures in the villages", "qrBoards.placed", .countAtLeast, 1),
            m("Thông báo của xã đến được hộ (90 ngày)", "Notices reaching households (90 days)", "deliveries.read90", .shareAtLeast, 80),
            m("Hộ tham gia nhóm thông tin của thôn", "Households in the village messaging group", "households.villageChannel", .shareAtLeast, 90),
            h("Phản ánh, kiến nghị được trả lời trên môi trường số", "Residents' reports answered online", .shareAtLeast, 90),
        ]),
        Group(name: "7. Kinh tế số", pillar: .economy, items: [
            m("Người có tài khoản thanh toán điện tử", "Adults with cashless payment", "adults.cashless", .shareAtLeast, 75),
            m("Hộ kinh doanh trên nền tảng số", "Households selling online", "households.sellsOnline", .countAtLeast, 20),
            h("Sản phẩm OCOP, đặc sản lên sàn thương mại điện tử", "OCOP and local products on e-commerce platforms", .countAtLeast, 1),
            h("Cửa hàng, chợ chấp nhận thanh toán không dùng tiền mặt", "Shops and markets taking cashless payment", .shareAtLeast, 50),
            h("Hợp tác xã ứng dụng công nghệ số", "Cooperatives using digital technology", .countAtLeast, 1),
            h("Hộ kinh doanh dùng hóa đơn điện tử", "Businesses issuing e-invoices", .shareAtLeast, 80),
        ]),
        Group(name: "8. Xã hội số", pillar: .society, items: [
            m("Người có tài khoản định danh điện tử (VNeID)", "Adults with VNeID", "adults.vneid", .shareAtLeast, 80),
            m("Hộ có người dùng điện thoại thông minh", "Households with a smartphone user", "households.smartphone", .shareAtLeast, 90),
            h("Người dân có hồ sơ sức khỏe điện tử", "Residents with an electronic health record", .shareAtLeast, 80),
            h("Học sinh có tài khoản học tập trực tuyến", "Pupils with an online learning account", .shareAtLeast, 80),
            h("Người hưởng an sinh xã hội nhận tiền qua tài khoản", "Social benefits paid into accounts", .shareAtLeast, 80),
            m("Đèn chiếu sáng năng lượng mặt trời đang hoạt động", "Working solar street lights", "assets.solarLight.working", .countAtLeast, 10),
            h("Thôn đạt mô hình thôn thông minh", "Villages that are smart-village models", .countAtLeast, 1),
            h("Nhà văn hóa thôn có điểm truy cập internet công cộng", "Village cultural houses with public internet", .shareAtLeast, 100),
        ]),
    ]

    /// Inserts the set (no owner) unless a shipped set with its code is there. Codes are CDS-g.i.
    public static func insert(on db: any Database) async throws {
        if try await CriteriaSet.query(on: db).filter(\.$ownerUnitID == nil).filter(\.$code == code).first() != nil { return }
        let set = CriteriaSet()
        set.id = UUID.random()
        set.code = code
        set.name = "Chuyển đổi số cấp xã (47 chỉ tiêu, 8 nhóm)"
        set.description = "Cấu trúc minh họa theo QĐ 5279/QĐ-UBND (8 nhóm, 47 chỉ tiêu, 3 trụ cột); tên chỉ tiêu do hệ thống đặt, "
            + "tỉnh sửa hoặc nạp bộ đầy đủ. Chỉ tiêu không đếm được từ hồ sơ thì nhập tay kèm ngày và nguồn."
        try await set.create(on: db)
        var position = 0
        for (g, group) in groups.enumerated() {
            for (i, item) in group.items.enumerated() {
                position += 10
                let c = Criterion()
                c.setID = set.id!
                c.code = "CDS-\(g + 1).\(i + 1)"; c.name = item.name; c.nameEn = item.en; c.measureKey = item.measure
                c.thresholdKind = item.kind; c.thresholdValue = item.kind == .yesNo ? nil : item.value; c.unitKind = .commune
                c.mandatory = true; c.groupName = group.name; c.pillar = group.pillar; c.position = position
                try await c.create(on: db)
            }
        }
    }
}
