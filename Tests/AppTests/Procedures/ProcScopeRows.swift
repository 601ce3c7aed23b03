import Fluent
import Foundation
import Testing
import Vapor
@testable import App

/// Rows of the procedures feature in a commune, for the scope matrix: one per kind of `:id` a `.communeRow` route takes.
enum ProcScopeRows {
    static func rows(_ app: Application, commune id: UUID) async throws -> [String: UUID] {
        let commune = try #require(await AdminUnit.find(id, on: app.db))
        let catalog = try await CatalogActions.list(commune, on: app.db)
        let board = try await BoardActions.create(in: commune, BoardInput(place: "Bảng thử", procedureIds: [catalog[0].id!.uuidString]), on: app.db)
        let q = try await QuestionActions.ask(catalog[0], QuestionInput(question: "Cần mang giấy tờ gì?", phone: "0999111222"), householdID: nil, on: app.db)
        let tomorrow = Day.adding(1, to: Day.today())
        let slot = try await AppointmentActions.createSlot(in: commune, SlotInput(weekday: Day.weekday(tomorrow), startTime: "08:00", minutes: 60, capacity: 5), on: app.db)
        let a = try await AppointmentActions.book(BookingInput(slotId: slot.id!.uuidString, day: tomorrow, procedureId: catalog[0].id!.uuidString, name: "Người Thử", phone: "0999111222"),
                                                  householdID: nil, on: app.db)
        let set = try await PaperActions.start(catalog[0], PaperSetInput(phone: "0999111222"), householdID: nil, on: app.db)
        let item = try #require(try await PaperItem.query(on: app.db).filter(\.$setID == set.id!).first())
        let file = try await PaperActions.upload(to: set, itemRaw: item.id!.uuidString, filename: "a.jpg", data: ByteBuffer(bytes: [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3]),
                                                 config: app.config, on: app.db)
        let dossier = try await DossierActions.create(in: commune, DossierInput(procedureId: catalog[0].id!.uuidString, channel: "online", reference: "KS-1"), on: app.db)
        return ["slots": slot.id!, "dossiers": dossier.id!, "procedures": catalog[0].id!, "boards": board.id!, "questions": q.id!, "appointments": a.id!,
                "papers": set.id!, "paper-sets": set.id!, "paper-items": item.id!, "paper-files": file.id!]
    }

    /// The inside and outside row for a route's path (by the word before `:id`).
    static func target(_ path: String, inside: [String: UUID], outside: [String: UUID]) throws -> (UUID, UUID) {
        let parts = path.split(separator: "/").map(String.init)
        let i = try #require(parts.firstIndex(of: ":id"), "no :id in \(path)")
        let kind = parts[i - 1]
        let a = try #require(inside[kind], "no fixture row for \(kind) (\(path))")
        return (a, try #require(outside[kind]))
    }
}
