// Pages and JSON routes for appointments: the officer's desk (slots, closed days, bookings), booking from the guide,
// cancelling by the resident or the officer.
import Fluent
import Vapor

struct AppointmentsRoutes {
    func addRoutes(open: any RoutesBuilder, signedIn: any RoutesBuilder, openAPI: any RoutesBuilder, api: any RoutesBuilder) {
        signedIn.get(SiteURL.appointmentsDesk(.key).components, use: desk).rule(.commune(.serveProcedures))
        signedIn.post(SiteURL.slotNew(.key).components, use: createSlot).rule(.commune(.serveProcedures))
        signedIn.post(SiteURL.closedDayNew(.key).components, use: createClosedDay).rule(.commune(.serveProcedures))
        signedIn.post(SiteURL.appointmentCancel(.key).components, use: officerCancel).rule(.appointment(.serveProcedures))
        signedIn.post(SiteURL.slotRetire(.key).components, use: retire).rule(.slot(.serveProcedures))
        api.post(APIURL.slotRetire(.key).components, use: retireAPI).rule(.slot(.serveProcedures))
        open.get(SiteURL.guideBook(":commune", ":key").components, use: bookPage).rule(.open)
        open.post(SiteURL.guideBook(":commune", ":key").components, use: book).rule(.open)
        // The resident's own cancel: the household session that booked, or the phone it was booked with.
        open.post(SiteURL.myAppointmentCancel(.key).components, use: residentCancel).rule(.open)

        api.get(APIURL.communeSlots(.key).components, use: slotsAPI).rule(.commune(.serveProcedures))
        api.post(APIURL.communeSlots(.key).components, use: createSlotAPI).rule(.commune(.serveProcedures))
        api.post(APIURL.communeClosedDays(.key).components, use: closedDayAPI).rule(.commune(.serveProcedures))
        api.get(APIURL.communeAppointments(.key).components, use: appointmentsAPI).rule(.commune(.serveProcedures))
        api.post(APIURL.appointmentCancel(.key).components, use: cancelAPI).rule(.appointment(.serveProcedures))
        openAPI.get(APIURL.communeOpenings(.key).components, use: openingsAPI).rule(.open)
        openAPI.post(APIURL.appointments.components, use: bookAPI).rule(.open)
    }

    static func weekdayName(_ req: Request, _ iso: String) -> String { req.lang.t("proc.weekday.\(Day.weekday(iso))") }

    // MARK: the officer's desk

    struct SlotRow: Encodable { var weekday: String; var time: String; var minutes: Int; var capacity: Int; var retireURL: String }
    struct DayRow: Encodable { var day: String; var reason: String }
    struct OpeningRow: Encodable { var label: String; var taken: Int; var capacity: Int }
    struct BookingRow: Encodable { var day: String; var time: String; var procedure: String; var name: String; var phone: String; var code: String; var status: String; var reminder: String; var cancelURL: String }
    struct DeskPage: Encodable {
        var layout: Layout
        var slots: [SlotRow]
        var closed: [DayRow]
        var openings: [OpeningRow]
        var bookings: [BookingRow]
        /// Booked appointments whose reminder is due within a day: until messaging sends them, the officer can call.
        var reminders: [BookingRow]
        var weekdays: [SelectOption]
        var slotForm: FormState
        var dayForm: FormState
        var slotURL: String
        var dayURL: String
    }

    func deskPage(_ req: Request, _ commune: AdminUnit, slotForm: FormState = FormState(), dayForm: FormState = FormState(), status: HTTPResponseStatus = .ok) async throws -> Response {
        let today = Day.today()
        let slots = try await AppointmentSlot.query(on: req.db).filter(\.$communeID == commune.id!).filter(\.$active == true).sort(\.$weekday).sort(\.$startTime).all()
        let closed = try await ClosedDay.query(on: req.db).filter(\.$communeID == commune.id!).filter(\.$day >= today).sort(\.$day).all()
        let openings = try await AppointmentActions.openings(commune.id!, on: req.db)
        let bookings = try await Appointment.query(on: req.db).filter(\.$communeID == commune.id!).filter(\.$day >= today).sort(\.$day).sort(\.$startTime).limit(500).all()
        let names = try await ProcedureViews.names(bookings.map(\.procedureID), on: req.db)
        let title = req.lang.t("proc.appointments")
        let soon = req.now.addingTimeInterval(86_400)
        func row(_ a: Appointment) -> BookingRow {
            BookingRow(day: Day.display(a.day), time: a.startTime, procedure: names[a.procedureID] ?? "", name: a.name, phone: a.phone ?? "", code: a.code,
                       status: req.lang.t("proc.status.\(a.status.rawValue)"), reminder: a.status == .booked ? Moment.display(a.remindAt) : "",
                       cancelURL: a.status == .booked ? SiteURL.appointmentCancel(.id(a.id!)).path : "")
        }
        let view = try await req.view.render("procedures/appointments", DeskPage(
            layout: Layout(req, title: "\(title) · \(commune.name)", crumbs: try await ProcedureViews.crumbs(req, commune, Crumb(name: title, url: SiteURL.appointmentsDesk(.id(commune.id!)).path))),
            slots: slots.map { SlotRow(weekday: req.lang.t("proc.weekday.\($0.weekday)"), time: $0.startTime, minutes: $0.minutes, capacity: $0.capacity,
                                        retireURL: SiteURL.slotRetire(.id($0.id!)).path) },
            closed: closed.map { DayRow(day: Day.display($0.day), reason: $0.reason) },
            openings: openings.map { OpeningRow(label: "\(Self.weekdayName(req, $0.day)) \(Day.display($0.day)) \($0.startTime)", taken: $0.taken, capacity: $0.capacity) },
            bookings: bookings.map(row),
            reminders: bookings.filter { $0.status == .booked && $0.remindAt <= soon && (Day.instant($0.day, $0.startTime) ?? .distantPast) > req.now }.map(row),
            weekdays: (1...7).map { SelectOption(value: String($0), label: req.lang.t("proc.weekday.\($0)"), selected: slotForm.values["weekday"] == String($0)) },
            slotForm: slotForm, dayForm: dayForm,
            slotURL: SiteURL.slotNew(.id(commune.id!)).path, dayURL: SiteURL.closedDayNew(.id(commune.id!)).path))
        return try await view.encodeResponse(status: status, for: req)
    }

    func desk(req: Request) async throws -> Response {
        try await deskPage(req, try req.scoped(ScopedCommune.self).unit)
    }

    func createSlot(req: Request) async throws -> Response {
        let commune = try req.scoped(ScopedCommune.self).unit
        let f = (try? req.content.decode([String: String].self)) ?? [:]
        do {
            _ = try await AppointmentActions.createSlot(in: commune, SlotInput(weekday: Int(f["weekday"] ?? ""), startTime: f["startTime"],
                                                                              minutes: Int(f["minutes"] ?? ""), capacity: Int(f["capacity"] ?? "")), on: req.db)
            return req.redirect(to: SiteURL.appointmentsDesk(.id(commune.id!)).path, redirectType: .normal)
        } catch let e as InvalidInput {
            return try await deskPage(req, commune, slotForm: FormState(values: f, issues: e.issues, lang: req.lang), status: e.status)
        }
    }

    func createClosedDay(req: Request) async throws -> Response {
        let commune = try req.scoped(ScopedCommune.self).unit
        let f = (try? req.content.decode([String: String].self)) ?? [:]
        do {
            _ = try await AppointmentActions.closeDay(in: commune, ClosedDayInput(day: f["day"], reason: f["reason"]), on: req.db)
            return req.redirect(to: SiteURL.appointmentsDesk(.id(commune.id!)).path, redirectType: .normal)
        } catch let e as InvalidInput {
            return try await deskPage(req, commune, dayForm: FormState(values: f, issues: e.issues, lang: req.lang), status: e.status)
        }
    }

    func retire(req: Request) async throws -> Response {
        let s = try req.scoped(AppointmentSlot.self)
        _ = try await AppointmentActions.retire(s, on: req.db)
        return req.redirect(to: SiteURL.appointmentsDesk(.id(s.communeID)).path, redirectType: .normal)
    }

    func retireAPI(req: Request) async throws -> SlotDTO {
        let s = try req.scoped(AppointmentSlot.self)
        return try await AppointmentActions.retire(s, on: req.db).toDTO()
    }

    func officerCancel(req: Request) async throws -> Response {
        let a = try req.scoped(Appointment.self)
        _ = try await AppointmentActions.cancel(a, on: req.db)
        return req.redirect(to: SiteURL.appointmentsDesk(.id(a.communeID)).path, redirectType: .normal)
    }

    // MARK: booking from the guide

    struct BookPage: Encodable {
        var layout: Layout
        var procedure: String
        var guideURL: String
        var openings: [SelectOption]
        var disabled: [String]
        var form: FormState
        var confirmation: String?
        var confirm: ConfirmBox?
        var householdSignedIn: Bool
        var action: String
    }

    func bookPageResponse(_ req: Request, form: FormState = FormState(), confirmation: String? = nil, confirm: ConfirmBox? = nil, status: HTTPResponseStatus = .ok) async throws -> Response {
        let (commune, p) = try await Guide.target(req)
        let openings = try await AppointmentActions.openings(commune.id!, on: req.db)
        let view = try await req.view.render("procedures/book", BookPage(
            layout: Layout(req, title: "\(req.lang.t("proc.book")) · \(p.name)", needsToken: true), procedure: p.name,
            guideURL: SiteURL.guide(commune.code, p.key).path,
            openings: openings.filter { $0.taken < $0.capacity }.map { o in
                let value = "\(o.slotId.uuidString)|\(o.day)"
                return SelectOption(value: value, label: "\(Self.weekdayName(req, o.day)) \(Day.display(o.day)) · \(o.startTime) · \(req.lang.t("proc.placesLeft", [String(o.capacity - o.taken)]))",
                              selected: form.values["opening"] == value)
            },
            disabled: openings.filter { $0.taken >= $0.capacity }.map { "\(Self.weekdayName(req, $0.day)) \(Day.display($0.day)) · \($0.startTime) · \(req.lang.t("proc.full"))" },
            form: form, confirmation: confirmation, confirm: confirm, householdSignedIn: req.access.householdID != nil, action: req.urlPath))
        return try await view.encodeResponse(status: status, for: req)
    }

    func bookPage(req: Request) async throws -> Response { try await bookPageResponse(req) }

    func book(req: Request) async throws -> Response {
        let (_, p) = try await Guide.target(req)
        let f = (try? req.content.decode([String: String].self)) ?? [:]
        let parts = (f["opening"] ?? "").split(separator: "|").map(String.init)
        do {
            let a = try await AppointmentActions.book(BookingInput(slotId: parts.first ?? "", day: parts.count > 1 ? parts[1] : "", procedureId: p.id!.uuidString,
                                                                   name: f["name"], phone: f["phone"]), householdID: req.access.householdID,
                                                      origin: Origin(req), on: req.db)
            let outcome = try await PhoneConfirm.afterSubmit(.appointment(a.id!), phone: a.phone, householdID: a.householdID, communeID: a.communeID, req)
            let msg = req.lang.t("proc.booked", ["\(Self.weekdayName(req, a.day)) \(Day.display(a.day))", a.startTime, a.code, Moment.display(a.remindAt)])
            return try await bookPageResponse(req, confirmation: msg, confirm: PhoneConfirm.box(outcome, phone: a.phone, req))
        } catch let e as InvalidInput {
            // The slot and the day are one choice on the page.
            let issues = e.issues.map { $0.field == "slotId" || $0.field == "day" ? FieldIssue("opening", $0.key, $0.args) : $0 }
            return try await bookPageResponse(req, form: FormState(values: f, issues: issues, lang: req.lang), status: e.status)
        } catch let e as TooManyRequests {
            return try await bookPageResponse(req, form: FormState(values: f, errors: ["limit": req.lang.t(e.key)]), status: .tooManyRequests)
        }
    }

    func residentCancel(req: Request) async throws -> Response {
        guard let a = try await Appointment.find(req.idParameter(), on: req.db) else { throw Abort(.notFound) }
        let phone = Phone.normalize((try? req.content.get(String.self, at: "phone")) ?? "")
        let owns = (a.householdID != nil && a.householdID == req.access.householdID) || (phone != nil && a.phone == phone)
        guard owns else { throw Abort(.notFound) }
        _ = try await AppointmentActions.cancel(a, on: req.db)
        if a.householdID != nil && a.householdID == req.access.householdID { return req.redirect(to: SiteURL.myProcedures.path, redirectType: .normal) }
        return req.redirect(to: SiteURL.lookup.path + "?phone=\(phone ?? "")&code=\(a.code)", redirectType: .normal)
    }

    // MARK: JSON

    func slotsAPI(req: Request) async throws -> [SlotDTO] {
        let commune = try req.scoped(ScopedCommune.self).unit
        return try await AppointmentSlot.query(on: req.db).filter(\.$communeID == commune.id!).sort(\.$weekday).sort(\.$startTime).all().map { $0.toDTO() }
    }

    func createSlotAPI(req: Request) async throws -> Response {
        let commune = try req.scoped(ScopedCommune.self).unit
        return try await AppointmentActions.createSlot(in: commune, try req.content.decode(SlotInput.self), on: req.db).toDTO().encodeResponse(status: .created, for: req)
    }

    func closedDayAPI(req: Request) async throws -> Response {
        let commune = try req.scoped(ScopedCommune.self).unit
        let d = try await AppointmentActions.closeDay(in: commune, try req.content.decode(ClosedDayInput.self), on: req.db)
        return try await ClosedDayDTO(id: d.id!, day: d.day, reason: d.reason).encodeResponse(status: .created, for: req)
    }

    func appointmentsAPI(req: Request) async throws -> [AppointmentDTO] {
        let commune = try req.scoped(ScopedCommune.self).unit
        return try await Appointment.query(on: req.db).filter(\.$communeID == commune.id!).filter(\.$day >= Day.today())
            .sort(\.$day).sort(\.$startTime).limit(1000).all().map { $0.toDTO() }
    }

    func cancelAPI(req: Request) async throws -> AppointmentDTO {
        let a = try req.scoped(Appointment.self)
        return try await AppointmentActions.cancel(a, on: req.db).toDTO()
    }

    func openingsAPI(req: Request) async throws -> [OpeningDTO] {
        guard let c = try await AdminUnit.find(req.idParameter(), on: req.db), c.kind == .commune else { throw Abort(.notFound) }
        return try await AppointmentActions.openings(c.id!, on: req.db)
    }

    func bookAPI(req: Request) async throws -> Response {
        let a = try await AppointmentActions.book(try req.content.decode(BookingInput.self), householdID: req.access.householdID, origin: Origin(req), on: req.db)
        let outcome = try await PhoneConfirm.afterSubmit(.appointment(a.id!), phone: a.phone, householdID: a.householdID, communeID: a.communeID, req)
        var dto = a.toDTO()
        dto.confirmationId = PhoneConfirm.id(outcome)
        return try await dto.encodeResponse(status: .created, for: req)
    }
}
