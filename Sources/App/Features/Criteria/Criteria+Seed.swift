// The starter smart-village set SV-01…SV-14 (../shared/domain/criteria.md), shipped as data with the seed figures as
// thresholds: where the seeds report a figure it is the default (SV-01 100 %, SV-05 5 cameras, SV-07 97 %, SV-09
// 75 %, SV-13 60 %, SV-14 20 sellers); where they leave it to the province, ours is marked in docs/criteria.md.
// SV-13 is the commune's figure (dossiers are the commune's), shown on each village's page and not mandatory there.
import Fluent
import SQLKit
import Vapor

public enum CriteriaSeed {
    public static let starterCode = "SV"

    struct Item {
        var code: String, vi: String, en: String, measure: String, kind: ThresholdKind, value: Double?, unit: UnitKind
        var mandatory: Bool, group: String, pillar: Pillar
    }

    static let starter: [Item] = [
        Item(code: "SV-01", vi: "Hộ có kết nối internet cáp quang / 4G", en: "Households with fibre or mobile broadband",
             measure: "households.internet", kind: .shareAtLeast, value: 100, unit: .village, mandatory: true, group: "Hạ tầng số", pillar: .society),
        Item(code: "SV-02", vi: "Điểm wifi miễn phí tại nhà văn hóa", en: "Free wifi at the cultural house",
             measure: "assets.wifiPoint.working", kind: .countAtLeast, value: 1, unit: .village, mandatory: true, group: "Hạ tầng số", pillar: .society),
        Item(code: "SV-03", vi: "Hộ tham gia nhóm thông tin của thôn", en: "Households in the village messaging group",
             measure: "households.villageChannel", kind: .shareAtLeast, value: 100, unit: .village, mandatory: true, group: "Thông tin", pillar: .government),
        Item(code: "SV-04", vi: "Thông báo đến được hộ (90 ngày)", en: "Announcements reaching households (last 90 days)",
             measure: "deliveries.read90", kind: .shareAtLeast, value: 80, unit: .village, mandatory: true, group: "Thông tin", pillar: .government),
        Item(code: "SV-05", vi: "Camera an ninh nơi công cộng", en: "Public security cameras",
             measure: "assets.camera.working", kind: .countAtLeast, value: 5, unit: .village, mandatory: true, group: "An ninh, chiếu sáng", pillar: .society),
        Item(code: "SV-06", vi: "Đèn chiếu sáng năng lượng mặt trời", en: "Solar street lights",
             measure: "assets.solarLight.working", kind: .countAtLeast, value: 1, unit: .village, mandatory: true, group: "An ninh, chiếu sáng", pillar: .society),
        Item(code: "SV-07", vi: "Hộ có người dùng điện thoại thông minh", en: "Households with a smartphone user",
             measure: "households.smartphone", kind: .shareAtLeast, value: 97, unit: .village, mandatory: true, group: "Công dân số", pillar: .society),
        Item(code: "SV-08", vi: "Người có tài khoản định danh điện tử (VNeID)", en: "Adults with VNeID",
             measure: "adults.vneid", kind: .shareAtLeast, value: 80, unit: .village, mandatory: true, group: "Công dân số", pillar: .government),
        Item(code: "SV-09", vi: "Người có tài khoản thanh toán điện tử", en: "Adults with cashless payment",
             measure: "adults.cashless", kind: .shareAtLeast, value: 75, unit: .village, mandatory: true, group: "Công dân số", pillar: .economy),
        Item(code: "SV-10", vi: "Tổ công nghệ số cộng đồng hoạt động", en: "An active community digital technology team",
             measure: "teams.active", kind: .yesNo, value: nil, unit: .village, mandatory: true, group: "Tổ chức", pillar: .society),
        Item(code: "SV-11", vi: "Người được phổ cập kỹ năng số", en: "Residents trained in basic digital skills",
             measure: "residents.trained", kind: .shareAtLeast, value: 30, unit: .village, mandatory: true, group: "Công dân số", pillar: .society),
        Item(code: "SV-12", vi: "Mã QR hướng dẫn thủ tục hành chính", en: "QR boards guiding procedures",
             measure: "qrBoards.placed", kind: .countAtLeast, value: 1, unit: .village, mandatory: true, group: "Chính quyền số", pillar: .government),
        Item(code: "SV-13", vi: "Hồ sơ thủ tục nộp trực tuyến (của xã)", en: "Dossiers filed online (the commune's)",
             measure: "dossiers.online", kind: .shareAtLeast, value: 60, unit: .commune, mandatory: false, group: "Chính quyền số", pillar: .government),
        Item(code: "SV-14", vi: "Hộ kinh doanh trên nền tảng số", en: "Households selling online",
             measure: "households.sellsOnline", kind: .countAtLeast, value: 20, unit: .village, mandatory: false, group: "Kinh tế số", pillar: .economy),
    ]

    /// Inserts the starter set (no owner) unless a shipped set with its code is there.
    public static func insertStarter(on db: any Database) async throws {
        if try await CriteriaSet.query(on: db).filter(\.$ownerUnitID == nil).filter(\.$code == starterCode).first() != nil { return }
        let set = CriteriaSet()
        set.id = UUID.random()
        set.code = starterCode
        set.name = "Thôn thông minh (bộ tiêu chí khởi đầu)"
        set.description = "SV-01…SV-14; ngưỡng mặc định theo số liệu các mô hình đã triển khai, tỉnh điều chỉnh được."
        try await set.create(on: db)
        for (i, item) in starter.enumerated() {
            let c = Criterion()
            c.setID = set.id!
            c.code = item.code; c.name = item.vi; c.nameEn = item.en; c.measureKey = item.measure
            c.thresholdKind = item.kind; c.thresholdValue = item.value; c.unitKind = item.unit; c.mandatory = item.mandatory
            c.groupName = item.group; c.pillar = item.pillar; c.position = (i + 1) * 10
            try await c.create(on: db)
        }
    }
}
