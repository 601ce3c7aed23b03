// A list of appointments as the desk and a resident's own page (Procedures+MyProcedures.swift) show them.
import Fluent
import Vapor

enum AppointmentViews {
    struct AppointmentItem: Encodable { var procedure: String; var day: String; var time: String; var code: String; var status: String; var reminder: String; var cancelURL: String }

    static func items(_ list: [Appointment], _ req: Request, mine: Bool) async throws -> [AppointmentItem] {
        let names = try await ProcedureViews.names(list.map(\.procedureID), on: req.db)
        let now = req.now
        return list.map { a in
            let future = (Day.instant(a.day, a.startTime) ?? now) > now
            return AppointmentItem(procedure: names[a.procedureID] ?? "", day: Day.display(a.day), time: a.startTime, code: a.code,
                                   status: req.lang.t("proc.status.\(a.status.rawValue)"),
                                   reminder: a.status == .booked && future ? Moment.display(a.remindAt) : "",
                                   cancelURL: a.status == .booked && future ? SiteURL.myAppointmentCancel(.id(a.id!)).path : "")
        }
    }
}
