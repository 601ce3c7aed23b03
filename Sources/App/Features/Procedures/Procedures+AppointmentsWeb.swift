// Pages and JSON routes for appointments.
import Fluent
import Vapor

struct AppointmentsRoutes {
    struct AppointmentItem: Encodable { var procedure: String; var day: String; var time: String; var code: String; var status: String; var reminder: String; var cancelURL: String }
    static func items(_ list: [Appointment], _ req: Request, mine: Bool) async throws -> [AppointmentItem] { [] }
}
