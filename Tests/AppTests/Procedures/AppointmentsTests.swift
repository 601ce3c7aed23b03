import Foundation
import Testing
import Vapor
import VaporTesting
@testable import App

@Suite("Procedures: appointment slots and bookings")
struct ProceduresAppointmentsTests {
    static func slot(_ weekday: Int, _ start: String, capacity: Int = 3) -> AppointmentSlot {
        let s = AppointmentSlot()
        s.id = UUID(); s.weekday = weekday; s.startTime = start; s.minutes = 60; s.capacity = capacity; s.active = true
        return s
    }

    @Test("occurrences: weekly days, closed days and started slots left out; reminders the evening before")
    func occurrences() {
        #expect(Day.weekday("2026-11-23") == 1 && Day.weekday("2026-11-29") == 7)
        #expect(Day.adding(8, to: "2026-11-23") == "2026-12-01" && Day.adding(-1, to: "2026-03-01") == "2026-02-28")
        let mon = Self.slot(1, "08:00"), wed = Self.slot(3, "14:00")
        let occ = AppointmentActions.occurrences(slots: [wed, mon], closed: ["2026-11-25"], from: "2026-11-23", days: 14, nowDay: "2026-11-23", nowTime: "09:00")
        #expect(occ.map { "\($0.0.weekday) \($0.1)" } == ["1 2026-11-30", "3 2026-12-02"])
        let early = AppointmentActions.occurrences(slots: [mon], closed: [], from: "2026-11-23", days: 1, nowDay: "2026-11-23", nowTime: "07:59")
        #expect(early.count == 1)
        let now = Day.instant("2026-11-20", "10:00")!
        #expect(AppointmentActions.reminderTime(day: "2026-12-01", start: "08:00", now: now) == Day.instant("2026-11-30", "17:00"))
        let lateEvening = Day.instant("2026-11-30", "20:00")!
        #expect(AppointmentActions.reminderTime(day: "2026-12-01", start: "08:00", now: lateEvening) == Day.instant("2026-12-01", "07:00"))
        #expect(Day.instant("2026-11-30", "17:00")!.timeIntervalSince1970 == 1_796_032_800)   // 10:00 UTC
    }

    @Test("an officer keeps slots and closed days; residents book, get a code, cancel; full, past, closed and wrong days are refused")
    func booking() async throws {
        try await withTestApp { app in
            let f = try await ProcFixture.make(app)
            let c = f.tree.commune.id
            let today = Day.today()
            let day = Day.adding(2, to: today), closedDay = Day.adding(9, to: today)
            let bad = try await app.api(.POST, "/api/v1/communes/\(c)/slots", json: SlotInput(weekday: 9, startTime: "25:00", minutes: 60, capacity: 0), token: f.officerToken)
            #expect(Set(try bad.decode(ErrorBody.self).fields?.map(\.field) ?? []) == ["weekday", "startTime", "capacity"])
            #expect(try await app.count("appointment_slots") == 0)
            let slot = try await app.api(.POST, "/api/v1/communes/\(c)/slots", json: SlotInput(weekday: Day.weekday(day), startTime: "08:00", minutes: 60, capacity: 2), token: f.officerToken).decode(SlotDTO.self)
            let closed = try await app.form("/communes/\(c)/closed-days", ["day": closedDay, "reason": "Nghỉ lễ"], as: f.officer)
            #expect(closed.status == .seeOther)
            let openings = try await app.api(.GET, "/api/v1/communes/\(c)/openings", token: "").decode([OpeningDTO].self)
            #expect(openings.map(\.day) == [day])

            // A visitor books from the guide.
            let (visitor, page) = try await app.visitor("/p/00001/birthRegistration/book")
            #expect(page.text.contains("còn 2 chỗ"))
            let booked = try await app.form("/p/00001/birthRegistration/book", ["opening": "\(slot.id.uuidString)|\(day)", "name": "Trần Văn Bình", "phone": "0999222333"], as: visitor)
            #expect(booked.status == .ok && booked.text.contains("Đã đặt lịch"))
            let code = try #require(booked.text.range(of: "Mã lịch hẹn: ").map { String(booked.text[$0.upperBound...].prefix(8)) })
            // A household books the last place and sees it, with its reminder, on its own page.
            let (home, _) = try await app.householdBrowser(code: "HH-1", village: f.tree.village1)
            let second = try await app.form("/p/00001/deathRegistration/book", ["opening": "\(slot.id.uuidString)|\(day)", "name": "Lê Thị Hoa"], as: home)
            #expect(second.status == .ok)
            let mine = try await app.page("/my/procedures", as: home)
            #expect(mine.text.contains("Đăng ký khai tử") && mine.text.contains(Day.display(day)) && mine.text.contains("17:00"))
            #expect(!mine.text.contains(code))

            // Full now: a clear message, nothing stored.
            let count = try await app.count("appointments")
            let full = try await app.form("/p/00001/birthRegistration/book", ["opening": "\(slot.id.uuidString)|\(day)", "name": "Người Thứ Ba", "phone": "0999222444"], as: visitor)
            #expect(full.status == .conflict && full.text.contains("Khung giờ này đã hết chỗ"))
            let past = try await app.api(.POST, "/api/v1/appointments", json: BookingInput(slotId: slot.id.uuidString, day: Day.adding(-5, to: day), procedureId: nil, name: "A", phone: "0999222555"), token: "")
            #expect(Set(try past.decode(ErrorBody.self).fields?.map(\.field) ?? []) == ["day", "procedureId"])
            let birth = try await f.procedure(app, "birthRegistration")
            let pastOnly = try await app.api(.POST, "/api/v1/appointments", json: BookingInput(slotId: slot.id.uuidString, day: Day.adding(-7, to: day), procedureId: birth.id.uuidString, name: "A", phone: "0999222555"), token: "")
            #expect(try pastOnly.decode(ErrorBody.self).fields?.first?.message == "Khung giờ này đã qua; hãy chọn khung giờ khác.")
            let onClosed = try await app.api(.POST, "/api/v1/appointments", json: BookingInput(slotId: slot.id.uuidString, day: closedDay, procedureId: birth.id.uuidString, name: "A", phone: "0999222555"), token: "")
            #expect(try onClosed.decode(ErrorBody.self).fields?.first?.message == "Ngày này xã nghỉ: Nghỉ lễ.")
            let wrongDay = try await app.api(.POST, "/api/v1/appointments", json: BookingInput(slotId: slot.id.uuidString, day: Day.adding(1, to: day), procedureId: birth.id.uuidString, name: "A", phone: "0999222555"), token: "")
            #expect(try wrongDay.decode(ErrorBody.self).fields?.first?.field == "day")
            let foreign = try await app.api(.GET, "/api/v1/communes/\(f.tree.otherCommune.id)/procedures").decode([ProcedureDTO].self)[0]
            let unknown = try await app.api(.POST, "/api/v1/appointments", json: BookingInput(slotId: slot.id.uuidString, day: day, procedureId: foreign.id.uuidString, name: "A", phone: "0999222555"), token: "")
            #expect(try unknown.decode(ErrorBody.self).fields?.first?.field == "procedureId")
            #expect(try await app.count("appointments") == count)

            // The visitor cancels with phone + code; the place comes back; a second cancel is refused.
            let list = try await app.api(.GET, "/api/v1/communes/\(c)/appointments", token: f.officerToken).decode([AppointmentDTO].self)
            let mineA = try #require(list.first { $0.code == code })
            #expect(try await app.form("/my/appointments/\(mineA.id)/cancel", ["phone": "0999000000"], as: visitor).status == .notFound)
            let cancel = try await app.form("/my/appointments/\(mineA.id)/cancel", ["phone": "0999222333"], as: visitor)
            #expect(cancel.status == .seeOther)
            #expect(try await app.api(.GET, "/api/v1/communes/\(c)/openings", token: "").decode([OpeningDTO].self).first?.taken == 1)
            #expect(try await app.api(.POST, "/api/v1/appointments/\(mineA.id)/cancel", token: f.officerToken).status == .conflict)
            #expect(try await app.api(.POST, "/api/v1/appointments/\(mineA.id)/cancel", token: f.otherOfficerToken).status == .notFound)
            let desk = try await app.page("/communes/\(c)/appointments", as: f.officer)
            #expect(desk.text.contains("Lê Thị Hoa") && desk.text.contains("Đã hủy") && desk.text.contains("Nghỉ lễ"))

            // With phone + code through the API: the household's booking is not reachable that way (no phone).
            let householdBooking = try #require(list.first { $0.name == "Lê Thị Hoa" })
            #expect(try await app.api(.POST, "/api/v1/lookup/cancel", json: LookupInput(phone: "0999222333", code: householdBooking.code), token: "").status == .notFound)
            #expect(try await app.api(.POST, "/api/v1/lookup/cancel", json: LookupInput(phone: "0999222333", code: code), token: "").status == .conflict)

            // A retired slot is no longer offered nor bookable; its bookings stay.
            #expect(try await app.form("/slots/\(slot.id)/retire", [:], as: f.officer).status == .seeOther)
            #expect(try await app.api(.GET, "/api/v1/communes/\(c)/openings", token: "").decode([OpeningDTO].self).isEmpty)
            let retired = try await app.api(.POST, "/api/v1/appointments", json: BookingInput(slotId: slot.id.uuidString, day: day, procedureId: birth.id.uuidString, name: "A", phone: "0999222555"), token: "")
            #expect(try retired.decode(ErrorBody.self).fields?.first?.message == "Không có khung giờ này.")
            #expect(try await app.api(.GET, "/api/v1/communes/\(c)/appointments", token: f.officerToken).decode([AppointmentDTO].self).count == 2)

            // Tomorrow just after midnight: its reminder is due within a day, listed on the desk.
            let tomorrow = Day.adding(1, to: Day.today())
            let early = try await app.api(.POST, "/api/v1/communes/\(c)/slots", json: SlotInput(weekday: Day.weekday(tomorrow), startTime: "00:30", minutes: 30, capacity: 1), token: f.officerToken).decode(SlotDTO.self)
            let soon = try await app.api(.POST, "/api/v1/appointments", json: BookingInput(slotId: early.id.uuidString, day: tomorrow, procedureId: birth.id.uuidString, name: "Phùng Văn Sớm", phone: "0999222666"), token: "")
            #expect(soon.status == .created)
            #expect(try soon.decode(AppointmentDTO.self).remindAt <= app.now.addingTimeInterval(86_400))
            let deskSoon = try await app.page("/communes/\(c)/appointments", as: f.officer)
            #expect(deskSoon.text.contains("Nhắc lịch đến hạn trong 24 giờ") && deskSoon.text.contains("Phùng Văn Sớm"))
        }
    }

    @Test("two people never take the last place at once: concurrent bookings through HTTP")
    func concurrent() async throws {
        try await withTestApp { app in
            let f = try await ProcFixture.make(app)
            let day = Day.adding(3, to: Day.today())
            let slot = try await app.api(.POST, "/api/v1/communes/\(f.tree.commune.id)/slots", json: SlotInput(weekday: Day.weekday(day), startTime: "09:00", minutes: 30, capacity: 3), token: f.officerToken).decode(SlotDTO.self)
            let birth = try await f.procedure(app, "birthRegistration")
            let statuses = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for i in 0..<12 {
                    group.addTask {
                        try await app.api(.POST, "/api/v1/appointments", json: BookingInput(slotId: slot.id.uuidString, day: day, procedureId: birth.id.uuidString,
                                                                                            name: "Người \(i)", phone: String(format: "09990000%02d", i)), token: "").status
                    }
                }
                var out: [HTTPStatus] = []
                for try await s in group { out.append(s) }
                return out
            }
            #expect(statuses.filter { $0 == .created }.count == 3, "\(statuses)")
            #expect(statuses.filter { $0 == .conflict }.count == 9, "\(statuses)")
            #expect(try await app.count("appointments") == 3)
            #expect(try await app.api(.GET, "/api/v1/communes/\(f.tree.commune.id)/openings", token: "").decode([OpeningDTO].self).first?.taken == 3)
        }
    }
}
