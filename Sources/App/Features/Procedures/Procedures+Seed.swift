// The seed catalog: the five civil-status procedures a commune handles (certification in its two forms), from
// ../shared/domain/procedures.md. Data, not logic: a commune gets its own copy when its catalog is first opened
// and edits it from then on. Re-check codes and fees on the national procedure database before relying on them.
import Fluent
import Foundation
import SQLKit

struct ProcedureSeed: Sendable {
    var key, name, code, summary, steps, dossier, timeLimit: String
    var workingDays: Int
    var fee, legalBasis, online: String
}

enum ProcedureCatalogSeed {
    static let portal = "https://dichvucong.gov.vn"
    static let handledBy = "Công chức Tư pháp – Hộ tịch, UBND xã"
    static let civilStatusLaw = "Luật Hộ tịch 2014; Nghị định 123/2015/NĐ-CP; Thông tư 01/2022/TT-BTP; Nghị định 120/2025/NĐ-CP"

    static let all: [ProcedureSeed] = [
        ProcedureSeed(key: "birthRegistration", name: "Đăng ký khai sinh", code: "1.001193",
            summary: "Khai sinh cho trẻ: nộp trực tuyến hoặc tại xã, nhận giấy khai sinh trong ngày.",
            steps: "Chuẩn bị tờ khai và giấy chứng sinh\nNộp hồ sơ trực tuyến trên Cổng Dịch vụ công hoặc tại bộ phận một cửa của xã\nCông chức tư pháp kiểm tra hồ sơ\nNhận giấy khai sinh (trực tiếp hoặc bản điện tử)",
            dossier: "Tờ khai đăng ký khai sinh\nGiấy chứng sinh của cơ sở y tế (hoặc văn bản của người làm chứng / giấy cam đoan)\nGiấy tờ về mang thai hộ (nếu có)\nCăn cước công dân của người đi đăng ký (xuất trình)",
            timeLimit: "Trong ngày; nộp sau 15 giờ thì trả trong ngày làm việc tiếp theo", workingDays: 0,
            fee: "Miễn lệ phí khi đăng ký đúng hạn; đăng ký quá hạn theo mức của tỉnh",
            legalBasis: civilStatusLaw + "; Nghị định 63/2024/NĐ-CP (liên thông)",
            online: "Có: liên thông với đăng ký thường trú và cấp thẻ bảo hiểm y tế cho trẻ dưới 6 tuổi"),
        ProcedureSeed(key: "deathRegistration", name: "Đăng ký khai tử", code: "1.000656",
            summary: "Khai tử trong 15 ngày kể từ ngày mất; giải quyết trong ngày.",
            steps: "Chuẩn bị tờ khai và giấy báo tử\nNộp hồ sơ trực tuyến hoặc tại bộ phận một cửa của xã trong 15 ngày kể từ ngày mất\nCông chức tư pháp kiểm tra hồ sơ\nNhận trích lục khai tử",
            dossier: "Tờ khai đăng ký khai tử\nGiấy báo tử hoặc giấy tờ thay giấy báo tử",
            timeLimit: "Đăng ký trong 15 ngày kể từ ngày mất; giải quyết trong ngày", workingDays: 0,
            fee: "Miễn lệ phí khi đăng ký đúng hạn",
            legalBasis: civilStatusLaw + "; Nghị định 63/2024/NĐ-CP (liên thông)",
            online: "Có: liên thông với xóa đăng ký thường trú và trợ cấp mai táng"),
        ProcedureSeed(key: "marriageRegistration", name: "Đăng ký kết hôn", code: "1.000894",
            summary: "Đăng ký kết hôn: nộp trực tuyến, hai bên cùng có mặt để ký.",
            steps: "Chuẩn bị tờ khai (có thể nộp trực tuyến)\nNộp hồ sơ tại xã nơi cư trú của một trong hai bên\nCông chức tư pháp kiểm tra, xác minh nếu cần\nHai bên cùng có mặt ký giấy chứng nhận kết hôn",
            dossier: "Tờ khai đăng ký kết hôn\nGiấy xác nhận tình trạng hôn nhân khi không cư trú tại xã (không cần nếu Cơ sở dữ liệu quốc gia đã có)\nGiấy tờ ly hôn hoặc giấy chứng tử nếu đã từng kết hôn",
            timeLimit: "Trong ngày; tối đa 5 ngày làm việc nếu cần xác minh", workingDays: 5,
            fee: "Miễn lệ phí cho công dân Việt Nam cư trú trong nước",
            legalBasis: civilStatusLaw,
            online: "Nộp trực tuyến được, nhưng hai bên phải có mặt để ký"),
        ProcedureSeed(key: "maritalStatusConfirmation", name: "Xác nhận tình trạng hôn nhân", code: "1.004873",
            summary: "Cấp giấy xác nhận tình trạng hôn nhân: trực tiếp, trực tuyến hoặc qua bưu chính.",
            steps: "Chuẩn bị tờ khai\nNộp hồ sơ trực tiếp, trực tuyến hoặc qua bưu chính\nCông chức tư pháp kiểm tra, xác minh nếu cần\nNhận giấy xác nhận",
            dossier: "Tờ khai cấp giấy xác nhận tình trạng hôn nhân\nGiấy tờ ly hôn hoặc giấy chứng tử nếu đã từng kết hôn",
            timeLimit: "3 ngày làm việc; tối đa 23 ngày nếu cần xác minh", workingDays: 3,
            fee: "Theo mức của tỉnh",
            legalBasis: civilStatusLaw,
            online: "Có: trực tiếp, trực tuyến hoặc qua bưu chính"),
        ProcedureSeed(key: "certificationCopy", name: "Chứng thực bản sao từ bản chính", code: "2.000815",
            summary: "Chứng thực bản sao từ bản chính tại xã, nhận trong ngày.",
            steps: "Mang bản chính và bản sao đến bộ phận một cửa của xã\nCông chức đối chiếu bản sao với bản chính\nNộp phí và nhận bản sao đã chứng thực",
            dossier: "Bản chính giấy tờ\nBản sao cần chứng thực",
            timeLimit: "Trong ngày; nộp sau 15 giờ thì trả ngày hôm sau; việc lớn thêm tối đa 2 ngày làm việc", workingDays: 1,
            fee: "2.000 đ/trang; từ trang thứ 3 là 1.000 đ/trang; tối đa 200.000 đ/bản (Thông tư 226/2016/TT-BTC)",
            legalBasis: "Nghị định 23/2015/NĐ-CP; Thông tư 226/2016/TT-BTC",
            online: "Nộp trực tiếp tại xã"),
        ProcedureSeed(key: "certificationSignature", name: "Chứng thực chữ ký", code: "2.000884",
            summary: "Chứng thực chữ ký: người ký ký trước mặt công chức, nhận trong ngày.",
            steps: "Mang căn cước và giấy tờ cần ký đến xã\nKý trước mặt công chức\nNộp phí và nhận giấy tờ đã chứng thực",
            dossier: "Căn cước công dân của người ký\nGiấy tờ, văn bản cần chứng thực chữ ký",
            timeLimit: "Trong ngày", workingDays: 0,
            fee: "10.000 đ/trường hợp",
            legalBasis: "Nghị định 23/2015/NĐ-CP; Thông tư 226/2016/TT-BTC",
            online: "Nộp trực tiếp tại xã"),
    ]

    /// Gives a commune its own copy of the seed catalog the first time it is opened (idempotent: the unique index on
    /// (commune_id, key) keeps a race from doubling it).
    static func ensure(communeID: UUID, on db: any Database) async throws {
        if try await Procedure.query(on: db).filter(\.$communeID == communeID).count() > 0 { return }
        do {
            try await db.auditedTransaction { db in
                for (i, s) in all.enumerated() {
                    let p = Procedure()
                    p.id = UUID.random()
                    p.communeID = communeID
                    p.key = s.key; p.name = s.name; p.nationalCode = s.code; p.summary = s.summary
                    p.steps = s.steps; p.dossier = s.dossier; p.timeLimit = s.timeLimit; p.workingDays = s.workingDays
                    p.fee = s.fee; p.legalBasis = s.legalBasis; p.onlineURL = portal; p.online = s.online
                    p.handledBy = handledBy; p.position = i + 1
                    try await p.create(on: db)
                }
                try await Audit.record("seedCatalog", Procedure.schema, unit: communeID, after: ["procedures": String(all.count)], on: db)
            }
        } catch {
            // Another request seeded it first: fine, as long as the catalog is there now.
            if try await Procedure.query(on: db).filter(\.$communeID == communeID).count() == 0 { throw error }
        }
    }
}

extension ProcedureCatalogSeed {
    /// The demo commune's catalog, a QR board in each village (synthetic places and coordinates; Thôn Đông's and Thôn
    /// Đoài's placed first, the others some weeks later: their dates are the boards' own, so the criteria's trends show
    /// them arriving) and weekly slots.
    static func demo(_ commune: AdminUnit, on db: any Database) async throws {
        if try await QrBoard.query(on: db).filter(\.$communeID == commune.id!).count() > 0 { return }
        try await ensure(communeID: commune.id!, on: db)
        let catalog = try await Procedure.query(on: db).filter(\.$communeID == commune.id!).sort(\.$position).all()
        let villages = try await AdminUnit.query(on: db).filter(\.$parentID == commune.id).filter(\.$kind == .village).sort(\.$code).all()
        let ids = catalog.map { $0.id!.uuidString }
        let contact = "Công chức tư pháp (mẫu) · 0999 000 000 · sáng thứ Hai – thứ Sáu, 7:30–11:30"
        let boards: [(String, Double, Double, [String], String, Int)] = [
            ("Nhà văn hóa thôn Đông (bảng mẫu)", 21.0905, 105.6601, ids, contact, 150),
            ("Điếm canh đầu ngõ thôn Đoài (bảng mẫu)", 21.0931, 105.6648, Array(ids.prefix(4)), "", 125),
            ("Nhà văn hóa thôn Nam (bảng mẫu)", 21.0712, 105.6623, ids, contact, 105),
            ("Cổng chợ thôn Bắc (bảng mẫu)", 21.0738, 105.6772, Array(ids.prefix(4)), "", 95),
        ]
        let now = AppClock.now
        for (i, (place, lat, lon, procedures, contact, daysAgo)) in boards.enumerated() where i < max(2, villages.count) {
            let board = try await BoardActions.create(in: commune, BoardInput(villageId: i < villages.count ? villages[i].id!.uuidString : nil, place: place,
                                                                              latitude: lat, longitude: lon, contact: contact.isEmpty ? nil : contact,
                                                                              procedureIds: procedures), on: db)
            try await (db as! any SQLDatabase).update(QrBoard.schema).set("created_at", to: now.addingTimeInterval(-Double(daysAgo) * 86_400))
                .where("id", .equal, board.id!).run()
        }
        for weekday in [2, 4] {
            _ = try await AppointmentActions.createSlot(in: commune, SlotInput(weekday: weekday, startTime: "08:00", minutes: 60, capacity: 5), on: db)
            _ = try await AppointmentActions.createSlot(in: commune, SlotInput(weekday: weekday, startTime: "14:00", minutes: 60, capacity: 5), on: db)
        }
    }
}
