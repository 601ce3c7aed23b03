// What the demo commune does with its households, dated relative to today so the demo always looks current:
// notices of the last weeks and a meeting next week, published and fanned out through the real jobs, read and
// answered by most households (some not, so the follow-up lists have rows); questions to the justice officer,
// appointment bookings on coming working days, dossiers; and one household's card and PIN, printed at start.
// Each step goes through the actions the pages call, and is skipped when its rows are there.
import Fluent
import Foundation
import SQLKit
import Vapor

enum DemoActivity {
    /// The demo household's PIN (published, like the demo accounts' password).
    static let householdPIN = "2468"
    /// The demo household's card token, kept so that every start prints the same link (a demo-only secret, as
    /// public as the demo accounts' password).
    static let cardSetting = "demo.householdCard"
    static let officialName = "Cán bộ xã (mẫu)"
    static let justiceName = "Công chức tư pháp (mẫu)"

    static func load(_ commune: AdminUnit, app: Application, log: (@Sendable (String) -> Void)?) async throws {
        let db = app.db
        let households = try await Household.query(on: db).filter(\.$communeID == commune.id!).sort(\.$code).all()
        guard let demoHousehold = households.first else { return }
        try await announcements(commune, households: households, demo: demoHousehold, app: app, log: log)
        try await procedures(commune, households: households, demo: demoHousehold, on: db, log: log)
        try await DemoOutreach.load(commune, households: households, app: app, log: log)
        try await DemoAssets.load(commune, households: households, app: app, log: log)
        try await DemoLedger.load(commune, households: households, app: app, log: log)
        try await DemoReports.load(commune, households: households, app: app, log: log)
        try await DemoMarket.load(commune, households: households, app: app, log: log)
        try await DemoCriteria.load(commune, app: app, log: log)
        try await card(demoHousehold, app: app)
    }

    /// The household whose card and PIN are printed: the first of Thôn Đông, Tổ 1.
    static func demoHousehold(_ app: Application) async throws -> Household? {
        guard let commune = try await UnitQueries.byCode(Demo.communeCode, kind: .commune, on: app.db) else { return nil }
        return try await Household.query(on: app.db).filter(\.$communeID == commune.id!).sort(\.$code).first()
    }

    // MARK: announcements and meetings

    struct AnnouncementSeed {
        var title: String
        var body: String
        var category: AnnouncementCategory
        /// Village codes; empty for the whole commune.
        var villages: [String] = []
        /// Days before now it was published; nil leaves it a draft, negative schedules it.
        var publishedDaysAgo: Double?
        var startsInDays: Int? = nil
        var place: String? = nil
        var severity: String? = nil
        /// Shares (of 100) of the households that read it, and that a group head told in person.
        var read: Int = 0
        var informed: Int = 0
        /// The demo household has read it (the newest stay unread in its inbox).
        var demoRead: Bool = false
    }

    static func seeds() -> [AnnouncementSeed] {
        [
            // Older notices first (published in this order), one every two to four weeks over five months: read by most
            // households, as the village groups and the team's visits made reading them a habit (SV-04: 90 days' reach).
            AnnouncementSeed(title: "Tuyên truyền phòng chống lừa đảo qua điện thoại và mạng xã hội",
                       body: "Không cung cấp mã OTP, mật khẩu VNeID, tài khoản ngân hàng cho bất kỳ ai qua điện thoại. Công an xã không yêu cầu chuyển tiền để giải quyết hồ sơ.\nKhi nghi ngờ, gọi trưởng thôn hoặc Công an xã.",
                       category: .notice, publishedDaysAgo: 160, read: 91, informed: 4, demoRead: true),
            AnnouncementSeed(title: "Lịch tiếp công dân của Chủ tịch UBND xã",
                       body: "Chủ tịch UBND xã tiếp công dân vào sáng thứ Năm hằng tuần tại trụ sở UBND xã; bà con có thể gửi kiến nghị trước qua trưởng thôn.",
                       category: .notice, publishedDaysAgo: 130, read: 92, informed: 4, demoRead: true),
            AnnouncementSeed(title: "Tiêm phòng dại cho chó, mèo",
                       body: "Thú y xã tiêm phòng dại cho chó, mèo tại nhà văn hóa các thôn trong tuần tới; mỗi hộ đăng ký với tổ trưởng số con cần tiêm.",
                       category: .notice, publishedDaysAgo: 105, read: 93, informed: 3, demoRead: true),
            AnnouncementSeed(title: "Kế hoạch phổ cập kỹ năng số cho người dân các thôn",
                       body: "Tổ công nghệ số cộng đồng mở lớp phổ cập kỹ năng số cơ bản tại nhà văn hóa các thôn, bốn buổi tối, mỗi buổi một chủ đề: điện thoại thông minh và Zalo; VNeID và dịch vụ công trực tuyến; thanh toán điện tử; sổ sức khỏe điện tử.\nMỗi hộ cử ít nhất một người trong độ tuổi lao động tham dự.",
                       category: .notice, publishedDaysAgo: 80, read: 93, informed: 3, demoRead: true),
            AnnouncementSeed(title: "Hướng dẫn mở tài khoản thanh toán không dùng tiền mặt",
                       body: "Các ngân hàng trên địa bàn hỗ trợ mở tài khoản miễn phí tại nhà văn hóa các thôn; mang theo căn cước. Tổ công nghệ số hướng dẫn cài ứng dụng và thanh toán bằng mã QR.",
                       category: .notice, publishedDaysAgo: 64, read: 92, informed: 4, demoRead: true),
            AnnouncementSeed(title: "Thu quỹ phòng, chống thiên tai",
                       body: "Thực hiện quy định về quỹ phòng, chống thiên tai, tổ trưởng các tổ tự quản thu theo danh sách; bà con có thể chuyển khoản theo mã QR của xã và giữ biên nhận.",
                       category: .notice, publishedDaysAgo: 50, read: 92, informed: 4, demoRead: true),
            AnnouncementSeed(title: "Lịch tạm ngừng cấp điện để bảo dưỡng đường dây",
                       body: "Điện lực tạm ngừng cấp điện từ 7:00 đến 16:00 ngày Chủ nhật tới để bảo dưỡng đường dây 35 kV; các hộ chủ động sắp xếp sinh hoạt.",
                       category: .notice, publishedDaysAgo: 33, read: 93, informed: 3, demoRead: true),
            AnnouncementSeed(title: "Lịch tiêm chủng mở rộng cho trẻ dưới 5 tuổi",
                       body: "Trạm y tế xã tổ chức tiêm chủng mở rộng vào sáng thứ Bảy tuần này, từ 7:30 đến 11:00, tại trạm y tế.\nGia đình có trẻ dưới 5 tuổi mang theo sổ tiêm chủng hoặc sổ sức khỏe điện tử.",
                       category: .notice, publishedDaysAgo: 19, read: 94, informed: 3, demoRead: true),
            AnnouncementSeed(title: "Hướng dẫn kích hoạt tài khoản định danh điện tử VNeID mức 2",
                       body: "Tổ công nghệ số cộng đồng hỗ trợ bà con kích hoạt VNeID mức 2 tại nhà văn hóa các thôn, tối thứ Ba và thứ Năm hằng tuần.\nMang theo căn cước và điện thoại có số đã đăng ký chính chủ.",
                       category: .notice, publishedDaysAgo: 11, read: 92, informed: 4, demoRead: true),
            AnnouncementSeed(title: "Lịch thu gom rác thải và tổng vệ sinh đường làng thôn Đoài",
                       body: "Sáng Chủ nhật, 6:30, mỗi hộ cử một người tham gia tổng vệ sinh đường làng, ngõ xóm thôn Đoài.\nRác thải được thu gom vào thứ Hai, thứ Tư, thứ Sáu; đề nghị phân loại rác tại nguồn.",
                       category: .notice, villages: ["T2"], publishedDaysAgo: 5, read: 90, informed: 5),
            AnnouncementSeed(title: "Cảnh báo mưa lớn, đề phòng ngập úng và sạt lở bờ kênh",
                       body: "Theo dự báo, từ đêm nay đến hết ngày mai có mưa to đến rất to. Đề nghị các hộ gần kênh tiêu chủ động kê cao tài sản, không cho trẻ em ra khu vực bờ kênh; khi cần hỗ trợ liên hệ trưởng thôn.",
                       category: .urgent, publishedDaysAgo: 2, severity: "Severe", read: 86, informed: 8),
            AnnouncementSeed(title: "Giấy mời họp dân: lấy ý kiến về kế hoạch xây dựng thôn thông minh",
                       body: "UBND xã trân trọng kính mời đại diện các hộ gia đình dự hội nghị lấy ý kiến nhân dân về kế hoạch xây dựng thôn thông minh năm tới (camera an ninh, đèn năng lượng mặt trời, wifi công cộng).\nĐề nghị bà con xác nhận tham dự trên trang Thôn Số.",
                       category: .meeting, publishedDaysAgo: 1, startsInDays: 7, place: "Hội trường UBND xã Đan Phượng", read: 80, informed: 8),
            AnnouncementSeed(title: "Thông báo lịch trả kết quả hồ sơ trực tuyến tháng tới",
                       body: "Bộ phận một cửa của xã trả kết quả hồ sơ nộp trực tuyến vào sáng các ngày làm việc; bà con có thể nhận qua bưu điện.",
                       category: .notice, publishedDaysAgo: -1),
            AnnouncementSeed(title: "Kế hoạch ra quân làm sạch môi trường (bản nháp)",
                       body: "Bản nháp: thời gian, địa điểm và phân công các thôn sẽ được bổ sung sau cuộc họp giao ban.",
                       category: .notice, publishedDaysAgo: nil),
        ]
    }

    static func announcements(_ commune: AdminUnit, households: [Household], demo: Household, app: Application,
                        log: (@Sendable (String) -> Void)?) async throws {
        let db = app.db
        if try await Announcement.query(on: db).filter(\.$communeID == commune.id!).count() > 0 { return }
        let official = Access(personID: nil, tokenID: nil, displayName: officialName, grants: [Grant(role: .communeOfficial, unitID: commune.id!)])
        let now = app.now
        // The households were registered before these notices went out (the fan-out reaches the households that
        // existed when a notice was published): the registry's own date, set in one statement as the import sets it.
        let registered = now.addingTimeInterval(-400 * 86_400)
        try await (db as! any SQLDatabase).update(Household.schema).set("created_at", to: registered)
            .where("commune_id", .equal, commune.id!).where("created_at", .greaterThan, registered).run()
        let villages = try await AdminUnit.query(on: db).filter(\.$parentID == commune.id!).filter(\.$kind == .village).all()
        var published: [(Announcement, AnnouncementSeed)] = []
        for seed in seeds() {
            let units = seed.villages.isEmpty ? [commune.id!] : villages.filter { seed.villages.contains($0.code) }.map { $0.id! }
            var startsAt: String? = nil
            if let d = seed.startsInDays { startsAt = Day.adding(d, to: Day.today(now)) + " 19:30" }
            var publishAt: String? = nil
            if let ago = seed.publishedDaysAgo, ago < 0 { publishAt = Day.adding(Int(-ago), to: Day.today(now)) + " 07:00" }
            let input = AnnouncementInput(title: seed.title, body: seed.body, category: seed.category.rawValue,
                                          unitIds: units.map(\.uuidString), channels: [], publishAt: publishAt, startsAt: startsAt,
                                          place: seed.place, severity: seed.severity)
            let a = try await MessagingActions.create(input, access: official, app: app, on: db)
            guard let ago = seed.publishedDaysAgo else { continue }
            try await MessagingActions.publish(a, on: db, now: ago < 0 ? now : now.addingTimeInterval(-ago * 86_400))
            if ago >= 0 { published.append((a, seed)) }
        }
        // The fan-out and whatever follows it, as the server's worker would run them.
        let jobs = try await Jobs.runUntilIdle(app, worker: "demo")
        log?("demo announcements: \(published.count) published, \(jobs) jobs run")
        try await reach(published, commune: commune, households: households, demo: demo, on: db)
    }

    /// Most households read each notice (and answer the meeting), a group head tells some in person, the rest are
    /// not reached: fewer in the outlying groups (each village's last two), so the follow-up lists have rows.
    /// The demo household reads through the inbox's own action; the bulk of households is marked in a few
    /// set-based statements (one per outcome, the same columns `MessagingActions.advance` moves), as thousands of
    /// single acknowledgements took most of the load's time on PostgreSQL.
    static func reach(_ announcements: [(Announcement, AnnouncementSeed)], commune: AdminUnit, households: [Household], demo: Household,
                      on db: any Database) async throws {
        let groupCodes = Dictionary(uniqueKeysWithValues: try await AdminUnit.query(on: db).filter(\.$communeID == commune.id!)
            .filter(\.$kind == .group).all().map { ($0.id!, $0.code) })
        var rng = Demo.Rand(state: 784)
        for (a, seed) in announcements {
            let invited = Set(try await Delivery.query(on: db).filter(\.$announcementID == a.id!).all(\.$householdID))
            var outcomes: [String: [UUID]] = [:]
            for h in households where invited.contains(h.id!) && h.id != demo.id {
                let roll = rng.int(0...99)
                let outlying = h.groupID.flatMap { groupCodes[$0] }.map { $0.hasSuffix("-08") || $0.hasSuffix("-09") } ?? false
                let read = seed.read - (outlying ? 12 : 0)
                if roll < read {
                    if seed.category == .meeting && roll < read * 3 / 4 {
                        outcomes[roll < read / 2 ? "yes" : (roll < read * 5 / 8 ? "maybe" : "no"), default: []].append(h.id!)
                    } else {
                        outcomes["read", default: []].append(h.id!)
                    }
                } else if roll < read + seed.informed {
                    outcomes["informed", default: []].append(h.id!)
                }
            }
            let published = a.publishedAt ?? AppClock.now
            let at = min(AppClock.now, published.addingTimeInterval(5 * 3600))
            let marks = outcomes
            try await db.writeTransaction { tx in
                for (outcome, ids) in marks.sorted(by: { $0.key < $1.key }) {
                    switch outcome {
                    case "read": try await mark(a, ids, .read, via: .inbox, at: at, on: tx)
                    case "informed": try await mark(a, ids, .delivered, via: .inPerson, informedBy: "Tổ trưởng (mẫu)", at: at, on: tx)
                    default: try await mark(a, ids, .read, via: .inbox, rsvp: RSVP(rawValue: outcome), at: at, on: tx)
                    }
                }
                try await Audit.record("demoReach", Announcement.schema, row: a.id, unit: a.unitID,
                                       after: marks.mapValues { String($0.count) }, on: tx)
                if seed.demoRead { _ = try await MessagingActions.acknowledge(household: demo.id!, announcement: a.id!, on: tx) }
            }
        }
    }

    /// Moves these households' deliveries of a notice forward, never back (as `MessagingActions.advance` does one).
    static func mark(_ a: Announcement, _ ids: [UUID], _ state: DeliveryState, via channel: Channel, rsvp: RSVP? = nil,
                     informedBy: String? = nil, at: Date, on db: any Database) async throws {
        let sql = try MessagingActions.sql(db)
        let lower = DeliveryState.allCases.filter { $0.rank < state.rank }.map(\.rawValue)
        let readAt: SQLQueryString = state == .read ? ", read_at = \(bind: at)" : ""
        let informed: SQLQueryString = informedBy.map { ", informed_by = \(bind: $0)" } ?? ""
        let answer: SQLQueryString = rsvp.map { ", rsvp = \(bind: $0.rawValue), rsvp_at = \(bind: at)" } ?? ""
        var from = 0
        while from < ids.count {
            let chunk = Array(ids[from..<min(ids.count, from + 500)])
            from += 500
            try await sql.raw("""
                UPDATE deliveries SET state = \(bind: state.rawValue), delivered_at = COALESCE(delivered_at, \(bind: at)),
                  reached_via = COALESCE(reached_via, \(bind: channel.rawValue))\(readAt)\(informed)\(answer)
                WHERE announcement_id = \(bind: a.id!) AND household_id IN (\(binds: chunk)) AND state IN (\(binds: lower))
                """).run()
        }
    }

    // MARK: procedures

    static func procedures(_ commune: AdminUnit, households: [Household], demo: Household, on db: any Database,
                           log: (@Sendable (String) -> Void)?) async throws {
        if try await ProcedureQuestion.query(on: db).filter(\.$communeID == commune.id!).count() > 0 { return }
        let catalog = Dictionary(uniqueKeysWithValues: try await Procedure.query(on: db).filter(\.$communeID == commune.id!).all().map { ($0.key, $0) })
        guard let birth = catalog["birthRegistration"], let marriage = catalog["marriageRegistration"],
              let marital = catalog["maritalStatusConfirmation"], let copy = catalog["certificationCopy"],
              let death = catalog["deathRegistration"] else { return }
        let now = AppClock.now
        let day = 86_400.0
        let pick = [demo] + stride(from: 37, to: households.count, by: 97).map { households[$0] }

        // Questions: answered (some published on the guide page), and still open.
        let questions: [(Procedure, String, Household, Double, String?, Bool)] = [
            (birth, "Con tôi sinh ở bệnh viện huyện, tôi có thể đăng ký khai sinh trực tuyến không, cần chuẩn bị giấy tờ gì?", pick[0], 9,
             "Được. Anh/chị nộp trên Cổng dịch vụ công với giấy chứng sinh và căn cước của cha mẹ; kết quả trả trong ngày làm việc.", true),
            (marital, "Tôi cần giấy xác nhận tình trạng hôn nhân để vay vốn ngân hàng, mất bao lâu?", pick[1], 6,
             "Trong 3 ngày làm việc kể từ khi nhận đủ hồ sơ; anh/chị có thể đặt lịch hẹn để không phải chờ.", true),
            (copy, "Chứng thực bản sao sổ hộ khẩu cũ có còn được không?", pick[2], 4,
             "Sổ hộ khẩu không còn giá trị sử dụng; xã chứng thực bản sao các giấy tờ còn hiệu lực.", false),
            (marriage, "Hai người ở hai xã khác nhau thì đăng ký kết hôn ở xã nào?", pick[3], 2, nil, false),
            (death, "Ông tôi mất ở nhà, gia đình cần những giấy tờ gì để đăng ký khai tử?", pick[4], 1, nil, false),
            (birth, "Đăng ký khai sinh quá hạn có bị phạt không?", pick[0], 0.2, nil, false),
        ]
        for (p, text, h, ago, answer, publish) in questions {
            let asked = now.addingTimeInterval(-ago * day)
            let q = try await QuestionActions.ask(p, QuestionInput(question: text), householdID: h.id!, on: db, now: asked)
            if let answer {
                _ = try await QuestionActions.answer(q, AnswerInput(answer: answer, publish: publish), by: justiceName, on: db,
                                                     now: asked.addingTimeInterval(0.3 * day))
            }
        }

        // Bookings on the coming working days: booked, and one cancelled.
        let openings = try await AppointmentActions.openings(commune.id!, days: 14, on: db, now: now)
        let bookings: [(Procedure, Household?, String?, Bool)] = [
            (birth, pick[0], nil, false), (marital, pick[1], nil, false), (copy, nil, "0999700001", false),
            (marriage, pick[3], nil, false), (copy, nil, "0999700002", true), (death, pick[4], nil, false),
        ]
        var made = 0
        for (i, (p, h, phone, cancel)) in bookings.enumerated() where i < openings.count {
            let o = openings[i * openings.count / bookings.count]
            var name = "Người đặt lịch (mẫu)"
            if let rep = h?.representativeID, let r = try await Resident.find(rep, on: db) { name = r.fullName }
            let a = try await AppointmentActions.book(BookingInput(slotId: o.slotId.uuidString, day: o.day, procedureId: p.id!.uuidString,
                                                                   name: name, phone: phone), householdID: h?.id, on: db, now: now)
            if cancel { _ = try await AppointmentActions.cancel(a, on: db, now: now) }
            made += 1
        }

        // Dossiers of the last weeks, each in its state; one overdue. Most are filed online (SV-13 asks for over 60%).
        let dossiers: [(Procedure, DossierChannel, Int, DossierStatus, Int?)] = [
            (marital, .online, 90, .done, 88), (copy, .online, 65, .done, 64), (birth, .online, 40, .done, 38),
            (birth, .online, 20, .done, 19), (copy, .inPerson, 15, .done, 15), (marital, .online, 12, .done, 10),
            (marriage, .inPerson, 9, .ready, 6), (birth, .online, 6, .processing, nil), (marital, .post, 30, .processing, nil),
            (death, .inPerson, 2, .received, nil), (copy, .online, 0, .received, nil),
        ]
        for (i, (p, channel, ago, status, doneAgo)) in dossiers.enumerated() {
            let received = Day.adding(-ago, to: Day.today(now))
            let d = try await DossierActions.create(in: commune, DossierInput(procedureId: p.id!.uuidString, channel: channel.rawValue,
                                                                              reference: "HS-MAU-\(String(format: "%03d", i + 1))", receivedOn: received), on: db)
            if status != .received {
                _ = try await DossierActions.setStatus(d, DossierStatusInput(status: status.rawValue,
                                                                             doneOn: doneAgo.map { Day.adding(-$0, to: Day.today(now)) }), on: db)
            }
        }
        log?("demo procedures: \(questions.count) questions, \(made) bookings, \(dossiers.count) dossiers")
    }

    // MARK: the household's card and PIN

    /// Prints a card for the demo household and sets its PIN, as an official and the household would; once.
    static func card(_ h: Household, app: Application) async throws {
        if try await Settings.get(cardSetting, on: app.db) != nil { return }
        let secret = try await HouseholdSignIn.newCard(h, on: app.db)
        try await HouseholdSignIn.storePin(h, phone: h.phone, pinHash: try await app.password.async.hash(householdPIN), keeping: nil, on: app.db)
        _ = try await Settings.setOnce(cardSetting, secret, on: app.db)
    }

    /// The card link (from the configured public address, as the printed card has it) and the phone and PIN.
    static func householdLines(_ app: Application) async throws -> [String] {
        guard let h = try await demoHousehold(app), let secret = try await Settings.get(cardSetting, on: app.db),
              h.cardTokenHash == Tokens.hash(secret) else { return [] }
        let village = try await AdminUnit.find(h.villageID, on: app.db)?.name ?? ""
        var lines = ["Demo household \(h.code) (\(village)), its representative's own pages:"]
        if app.config.publicBase != nil {
            lines.append("  card link  \(app.config.externalURL(.cardLink(.value(secret))))")
        } else {
            lines.append("  card link  (set PUBLIC_URL to print it: \(SiteURL.cardLink(.value("…")).path))")
        }
        if let phone = h.pinPhone, h.pinHash != nil { lines.append("  or sign in with phone \(phone) and PIN \(householdPIN)") }
        return lines
    }

    /// The card link itself, for tests and the home page.
    static func cardPath(_ app: Application) async throws -> String? {
        guard let secret = try await Settings.get(cardSetting, on: app.db) else { return nil }
        return SiteURL.cardLink(.value(secret)).path
    }
}
