// Appointments: the officer keeps weekly slots (a weekday, a start time, a length and a number of places) and closed
// days; a resident books a slot on a day for a procedure and gets a code. The last place of a slot is taken by a
// conditional UPDATE on the slot's row for that day (`taken < capacity`), so two bookings can never both take it.
import Fluent
import SQLKit
import Vapor

public struct SlotInput: Content {
    public var weekday: Int?
    public var startTime: String?
    public var minutes: Int?
    public var capacity: Int?
}

public struct SlotDTO: Content, Equatable {
    public var id: UUID
    public var communeId: UUID
    public var weekday: Int
    public var startTime: String
    public var minutes: Int
    public var capacity: Int
    public var active: Bool
}

public struct ClosedDayInput: Content {
    public var day: String?
    public var reason: String?
}

public struct ClosedDayDTO: Content, Equatable {
    public var id: UUID
    public var day: String
    public var reason: String
}

public struct OpeningDTO: Content, Equatable {
    public var slotId: UUID
    public var day: String
    public var startTime: String
    public var minutes: Int
    public var capacity: Int
    public var taken: Int
}

public struct BookingInput: Content {
    public var slotId: String?
    public var day: String?
    public var procedureId: String?
    public var name: String?
    public var phone: String?
}

public struct AppointmentDTO: Content, Equatable {
    public var id: UUID
    public var communeId: UUID
    public var procedureId: UUID
    public var day: String
    public var startTime: String
    public var code: String
    public var status: AppointmentStatus
    public var name: String
    public var phone: String?
    public var householdId: UUID?
    public var remindAt: Date
    /// Whether messages (confirmation, reminder) go to the phone: a household's booking, or a confirmed phone.
    public var phoneConfirmed: Bool
    /// When a code was sent to confirm the phone: where to send it (POST /api/v1/phone-confirmations/{id}).
    public var confirmationId: UUID?
}

extension AppointmentSlot {
    func toDTO() -> SlotDTO { SlotDTO(id: id!, communeId: communeID, weekday: weekday, startTime: startTime, minutes: minutes, capacity: capacity, active: active) }
}
extension Appointment {
    func toDTO() -> AppointmentDTO {
        AppointmentDTO(id: id!, communeId: communeID, procedureId: procedureID, day: day, startTime: startTime, code: code, status: status,
                       name: name, phone: phone, householdId: householdID, remindAt: remindAt,
                       phoneConfirmed: PhoneConfirm.mayNotify(householdID: householdID, confirmedAt: phoneConfirmedAt), confirmationId: nil)
    }
}

extension Day {
    /// "HH:mm" now in Asia/Ho_Chi_Minh.
    static func clock(_ now: Date = AppClock.now) -> String {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = zone
        let c = cal.dateComponents([.hour, .minute], from: now)
        return String(format: "%02d:%02d", c.hour!, c.minute!)
    }

    /// The instant of a local day and "HH:mm".
    static func instant(_ iso: String, _ time: String) -> Date? {
        guard let start = AuditQueries.dayStart(iso), let (h, m) = parseTime(time) else { return nil }
        return start.addingTimeInterval(Double(h * 3600 + m * 60))
    }

    static func parseTime(_ s: String) -> (Int, Int)? {
        let p = s.trimmingCharacters(in: .whitespaces).split(separator: ":")
        guard p.count == 2, p[0].count <= 2, p[1].count == 2, let h = Int(p[0]), let m = Int(p[1]), (0...23).contains(h), (0...59).contains(m) else { return nil }
        return (h, m)
    }
}

public enum AppointmentActions {
    static let horizonDays = 60

    /// The days each weekly slot is held from `from` for `days` days: closed days and slots already started are left out.
    static func occurrences(slots: [AppointmentSlot], closed: Set<String>, from: String, days: Int, nowDay: String, nowTime: String) -> [(AppointmentSlot, String)] {
        var out: [(AppointmentSlot, String)] = []
        for i in 0..<days {
            let day = Day.adding(i, to: from)
            if closed.contains(day) || day < nowDay { continue }
            let wd = Day.weekday(day)
            for s in slots.sorted(by: { $0.startTime < $1.startTime }) where s.active && s.weekday == wd {
                if day == nowDay && s.startTime <= nowTime { continue }
                out.append((s, day))
            }
        }
        return out
    }

    /// The reminder is due at 17:00 the day before; when that has passed, an hour before; when that has passed, now.
    static func reminderTime(day: String, start: String, now: Date) -> Date {
        if let eve = Day.instant(Day.adding(-1, to: day), "17:00"), eve > now { return eve }
        if let s = Day.instant(day, start), s.addingTimeInterval(-3600) > now { return s.addingTimeInterval(-3600) }
        return now
    }

    public static func createSlot(in commune: AdminUnit, _ input: SlotInput, on db: any Database) async throws -> AppointmentSlot {
        var c = Checker()
        if !(1...7).contains(input.weekday ?? 0) { c.add("weekday", "error.proc.weekday") }
        let time = Day.parseTime(input.startTime ?? "")
        if time == nil { c.add("startTime", "error.proc.time") }
        if !(5...480).contains(input.minutes ?? 0) { c.add("minutes", "error.proc.minutes") }
        if !(1...200).contains(input.capacity ?? 0) { c.add("capacity", "error.proc.capacity") }
        try c.check()
        return try await db.auditedTransaction { db in
            let s = AppointmentSlot()
            s.id = UUID.random()
            s.communeID = commune.id!
            s.weekday = input.weekday!
            s.startTime = String(format: "%02d:%02d", time!.0, time!.1)
            s.minutes = input.minutes!
            s.capacity = input.capacity!
            s.active = true
            try await s.create(on: db)
            try await Audit.record("create", AppointmentSlot.schema, row: s.id, unit: commune.id, after: s.toDTO(), on: db)
            return s
        }
    }

    /// A slot no longer offered; appointments already booked in it stay.
    public static func retire(_ s: AppointmentSlot, on db: any Database) async throws -> AppointmentSlot {
        if !s.active { return s }
        return try await db.auditedTransaction { db in
            s.active = false
            try await s.update(on: db)
            try await Audit.record("retire", AppointmentSlot.schema, row: s.id, unit: s.communeID, after: s.toDTO(), on: db)
            return s
        }
    }

    public static func closeDay(in commune: AdminUnit, _ input: ClosedDayInput, on db: any Database) async throws -> ClosedDay {
        var c = Checker()
        let day = c.day("day", input.day, required: true)
        let reason = c.text("reason", input.reason, max: 200)
        try c.check()
        if try await ClosedDay.query(on: db).filter(\.$communeID == commune.id!).filter(\.$day == day!).count() > 0 {
            throw InvalidInput("day", "error.proc.closedDayTaken")
        }
        return try await db.auditedTransaction { db in
            let d = ClosedDay()
            d.id = UUID.random()
            d.communeID = commune.id!
            d.day = day!
            d.reason = reason
            try await d.create(on: db)
            try await Audit.record("create", ClosedDay.schema, row: d.id, unit: commune.id, after: ["day": d.day, "reason": reason], on: db)
            return d
        }
    }

    public static func openings(_ communeID: UUID, days: Int = 14, on db: any Database, now: Date = AppClock.now) async throws -> [OpeningDTO] {
        let slots = try await AppointmentSlot.query(on: db).filter(\.$communeID == communeID).filter(\.$active == true).all()
        let today = Day.today(now)
        let closed = Set(try await ClosedDay.query(on: db).filter(\.$communeID == communeID).filter(\.$day >= today).all().map(\.day))
        let occ = occurrences(slots: slots, closed: closed, from: today, days: days, nowDay: today, nowTime: Day.clock(now))
        let rows = slots.isEmpty ? [] : try await SlotOccurrence.query(on: db).filter(\.$slotID ~~ slots.map { $0.id! }).filter(\.$day >= today).all()
        var taken: [String: Int] = [:]
        for r in rows { taken["\(r.slotID)|\(r.day)"] = r.taken }
        return occ.map { s, d in
            OpeningDTO(slotId: s.id!, day: d, startTime: s.startTime, minutes: s.minutes, capacity: s.capacity, taken: taken["\(s.id!)|\(d)"] ?? 0)
        }
    }

    /// An anonymous booking (no household) is limited per phone, and with its `origin` per address and per commune.
    public static func book(_ input: BookingInput, householdID: UUID?, origin: Origin? = nil, on db: any Database, now: Date = AppClock.now) async throws -> Appointment {
        var c = Checker()
        var slot: AppointmentSlot? = nil
        let rawSlot = (input.slotId ?? "").trimmingCharacters(in: .whitespaces)
        if rawSlot.isEmpty { c.add("slotId", "error.required") }
        else if let id = UUID(uuidString: rawSlot), let s = try await AppointmentSlot.find(id, on: db), s.active { slot = s }
        else { c.add("slotId", "error.proc.unknownSlot") }
        let day = c.day("day", input.day, required: true)
        var procedure: Procedure? = nil
        if let slot { procedure = try await CatalogActions.named(input.procedureId, in: slot.communeID, into: &c, on: db) }
        let name = c.text("name", input.name, max: 120)
        let phone = c.phone("phone", input.phone, required: householdID == nil)
        if let slot, let day {
            let today = Day.today(now)
            if Day.weekday(day) != slot.weekday { c.add("day", "error.proc.slotDay") }
            else if day < today || (day == today && slot.startTime <= Day.clock(now)) { c.add("day", "error.proc.slotPast") }
            else if day > Day.adding(horizonDays, to: today) { c.add("day", "error.proc.slotTooFar") }
            else if let closed = try await ClosedDay.query(on: db).filter(\.$communeID == slot.communeID).filter(\.$day == day).first() {
                c.add("day", "error.proc.slotClosed", [closed.reason])
            }
        }
        try c.check()
        let s = slot!, d = day!, p = procedure!
        let perPhone = AnonymousLimit.perPhone(origin)
        if let phone, let start = AuditQueries.dayStart(Day.today(now)),
           try await Appointment.query(on: db).filter(\.$phone == phone).filter(\.$createdAt >= start).count() >= perPhone {
            throw InvalidInput("phone", "error.proc.tooManyBookings", [String(perPhone)], status: .tooManyRequests)
        }
        if householdID == nil, let origin { try await AnonymousLimit.admit("book", communeID: s.communeID, origin: origin, on: db) }
        return try await db.auditedTransaction { db in
            guard let sql = db as? any SQLDatabase else { throw Abort(.internalServerError) }
            try await sql.insert(into: SlotOccurrence.schema)
                .columns("id", "slot_id", "day", "capacity", "taken")
                .values(SQLBind(UUID.random()), SQLBind(s.id!), SQLBind(d), SQLBind(s.capacity), SQLBind(0))
                .ignoringConflicts(with: ["slot_id", "day"])
                .run()
            // The one place the last seat is decided: only a row with a place left is raised.
            let row = try await sql.raw("""
                UPDATE \(ident: SlotOccurrence.schema) SET \(ident: "taken") = \(ident: "taken") + 1
                WHERE \(ident: "slot_id") = \(bind: s.id!) AND \(ident: "day") = \(bind: d) AND \(ident: "taken") < \(ident: "capacity")
                RETURNING \(ident: "id")
                """).first()
            guard let row else { throw InvalidInput("slotId", "error.proc.slotFull", status: .conflict) }
            let a = Appointment()
            a.id = UUID.random()
            a.communeID = s.communeID
            a.occurrenceID = try row.decode(column: "id", as: UUID.self)
            a.procedureID = p.id!
            a.day = d
            a.startTime = s.startTime
            a.householdID = householdID
            a.phone = phone
            a.name = name
            a.code = ProcCodes.reference()
            a.status = .booked
            a.remindAt = reminderTime(day: d, start: s.startTime, now: now)
            try await a.create(on: db)
            try await Audit.record("book", Appointment.schema, row: a.id, unit: s.communeID, after: ["day": d, "time": s.startTime, "code": a.code], on: db)
            try await ProcedureNotify.booked(a, on: db)
            return a
        }
    }

    public static func cancel(_ a: Appointment, on db: any Database, now: Date = AppClock.now) async throws -> Appointment {
        if a.status == .cancelled { throw InvalidInput("code", "error.proc.alreadyCancelled", status: .conflict) }
        if let start = Day.instant(a.day, a.startTime), start <= now { throw InvalidInput("day", "error.proc.slotPast") }
        return try await db.auditedTransaction { db in
            guard let sql = db as? any SQLDatabase else { throw Abort(.internalServerError) }
            a.status = .cancelled
            a.cancelledAt = now
            try await a.update(on: db)
            try await sql.raw("""
                UPDATE \(ident: SlotOccurrence.schema) SET \(ident: "taken") = \(ident: "taken") - 1
                WHERE \(ident: "id") = \(bind: a.occurrenceID) AND \(ident: "taken") > 0
                """).run()
            try await Audit.record("cancel", Appointment.schema, row: a.id, unit: a.communeID, after: ["code": a.code], on: db)
            return a
        }
    }
}

extension ProcedureNotify {
    /// The confirmation now, and the reminder at `a.remindAt` (sent only if the booking still stands then).
    static func booked(_ a: Appointment, on db: any Database) async throws {
        guard PhoneConfirm.mayNotify(householdID: a.householdID, confirmedAt: a.phoneConfirmedAt) else { return }
        let unit = try await communeName(a.communeID, on: db)
        let path = a.householdID == nil ? SiteURL.lookup.path : SiteURL.myProcedures.path
        let when = "\(a.startTime) \(Day.display(a.day))"
        try await DirectMessage.enqueue(key: "booked:\(a.id!)", .init(householdID: a.householdID, phone: PhoneConfirm.recipient(a.householdID, a.phone), unit: unit,
                                                                      title: Lang.vi.t("proc.notify.booked", [when, a.code]), path: path), on: db)
        if a.remindAt > AppClock.now {
            try await DirectMessage.enqueue(key: "reminder:\(a.id!)", .init(householdID: a.householdID, phone: PhoneConfirm.recipient(a.householdID, a.phone), unit: unit,
                                                                            title: Lang.vi.t("proc.notify.reminder", [when, a.code]), path: path,
                                                                            appointmentID: a.id), at: a.remindAt, on: db)
        }
    }
}
