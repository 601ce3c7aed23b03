import Foundation
import Testing
import Vapor
import VaporTesting
@testable import App

@Suite("Procedures: papers sent ahead")
struct ProceduresPapersTests {
    static let jpeg = Data([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46] + Array(repeating: 0x11, count: 200))
    static let pdf = Data("%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n".utf8)
    static let exe = Data([0x4D, 0x5A, 0x90, 0x00, 0x03] + Array(repeating: 0, count: 100))

    static func stored(_ app: Application) -> Int {
        let dir = URL(fileURLWithPath: app.config.uploadsDir).appendingPathComponent("papers").path
        return (FileManager.default.enumerator(atPath: dir)?.allObjects as? [String] ?? []).filter { $0.contains(".") }.count
    }

    @Test("files are recognised by their first bytes, not their names")
    func sniff() {
        #expect(PaperSniff.kind(Array(Self.jpeg))?.contentType == "image/jpeg")
        #expect(PaperSniff.kind([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0])?.ext == "png")
        #expect(PaperSniff.kind(Array("RIFF\u{0}\u{0}\u{0}\u{0}WEBPVP8 ".utf8))?.contentType == "image/webp")
        #expect(PaperSniff.kind(Array(Self.pdf))?.contentType == "application/pdf")
        #expect(PaperSniff.kind(Array(Self.exe)) == nil)
        #expect(PaperSniff.kind(Array("hello".utf8)) == nil && PaperSniff.kind([]) == nil)
    }

    @Test("a resident with a phone sends papers; bad files are refused and not stored; the officer checks them; the resident sees what is missing")
    func anonymous() async throws {
        try await withTestApp { app in
            let f = try await ProcFixture.make(app)
            let (visitor, startPage) = try await app.visitor("/p/00001/marriageRegistration/papers")
            #expect(startPage.text.contains("Tờ khai đăng ký kết hôn"))
            let bad = try await app.form("/p/00001/marriageRegistration/papers", ["phone": "099"], as: visitor)
            #expect(bad.status == .unprocessableEntity && bad.text.contains("Số điện thoại phải có 10 chữ số"))
            #expect(try await app.count("paper_sets") == 0)
            let started = try await app.form("/p/00001/marriageRegistration/papers", ["phone": "0999333444"], as: visitor)
            #expect(started.status == .seeOther)
            let back = try #require(started.headers.first(name: .location))
            #expect(back.hasPrefix("/lookup?phone=0999333444&code="))
            let code = String(back.suffix(8))
            let set = try await app.api(.GET, "/api/v1/communes/\(f.tree.commune.id)/paper-sets", token: f.officerToken).decode([PaperSetDTO].self)[0]
            #expect(set.code == code && set.items.count == 3 && set.missing.count == 3)
            let look = try await app.page(back, as: visitor)
            #expect(look.text.contains("Còn thiếu: Tờ khai đăng ký kết hôn"))

            let item1 = set.items[0].id, item2 = set.items[1].id
            let ok = try await app.multipart("/papers-ahead/upload", fields: ["code": code, "phone": "0999333444", "itemId": item1.uuidString],
                                             file: ("file", "to-khai.jpg", "image/jpeg", Self.jpeg), as: visitor)
            #expect(ok.status == .seeOther)
            #expect(try await app.count("paper_files") == 1 && Self.stored(app) == 1)

            // An .exe renamed .jpg, a 30 MB photo, a wrong phone: refused with a clear message, nothing stored.
            let exe = try await app.multipart("/papers-ahead/upload", fields: ["code": code, "phone": "0999333444", "itemId": item2.uuidString],
                                              file: ("file", "anh.jpg", "image/jpeg", Self.exe), as: visitor)
            #expect(exe.status == .unprocessableEntity && exe.text.contains("Chỉ nhận ảnh JPEG, PNG, WebP hoặc tệp PDF"))
            var big = Self.jpeg
            big.append(Data(count: 30 * 1_048_576))
            let tooBig = try await app.multipart("/api/v1/paper-sets/\(code)/files", fields: ["phone": "0999333444", "itemId": item2.uuidString],
                                                 file: ("file", "anh.jpg", "image/jpeg", big), as: nil)
            #expect(tooBig.status == .unprocessableEntity)
            let body = try tooBig.decode(ErrorBody.self)
            #expect(body.fields?.first?.field == "file" && body.fields?.first?.message == "Tệp quá lớn: tối đa 10 MB.")
            let wrongPhone = try await app.multipart("/api/v1/paper-sets/\(code)/files", fields: ["phone": "0999000000", "itemId": item2.uuidString],
                                                     file: ("file", "a.pdf", "application/pdf", Self.pdf), as: nil)
            #expect(wrongPhone.status == .notFound)
            #expect(try await app.count("paper_files") == 1 && Self.stored(app) == 1)
            let viaAPI = try await app.multipart("/api/v1/paper-sets/\(code)/files", fields: ["phone": "0999333444", "itemId": item2.uuidString],
                                                 file: ("file", "giay.pdf", "application/pdf", Self.pdf), as: nil)
            #expect(viaAPI.status == .created)
            #expect(try viaAPI.decode(PaperFileDTO.self).contentType == "application/pdf")

            // The officer checks: the first received, the second wrong.
            let marked = try await app.form("/paper-items/\(item1)", ["status": "received"], as: f.officer)
            #expect(marked.status == .seeOther)
            let wrong = try await app.api(.POST, "/api/v1/paper-items/\(item2)", json: PaperMarkInput(status: "wrong", note: "Ảnh mờ, chụp lại"), token: f.officerToken)
            #expect(try wrong.decode(PaperItemDTO.self).status == .wrong)
            let badMark = try await app.api(.POST, "/api/v1/paper-items/\(item2)", json: PaperMarkInput(status: "lost"), token: f.officerToken)
            #expect(try badMark.decode(ErrorBody.self).fields?.first?.field == "status")
            let after = try await app.page(back, as: visitor)
            #expect(after.text.contains("Còn thiếu: Giấy xác nhận tình trạng hôn nhân") && after.text.contains("Ảnh mờ, chụp lại") && after.text.contains("Chưa đúng, gửi lại"))
            #expect(!after.text.contains("Còn thiếu: Tờ khai đăng ký kết hôn"))

            // Files: to the commune's officer, not to another commune's, nor to the public.
            let detail = try await app.api(.GET, "/api/v1/paper-sets/\(set.id)", token: f.officerToken).decode(PaperSetDTO.self)
            let fileID = try #require(detail.items[0].files.first?.id)
            let served = try await app.page("/paper-files/\(fileID)", as: f.officer)
            #expect(served.status == .ok && served.headers.contentType == .jpeg && Data(served.body.readableBytesView) == Self.jpeg)
            #expect(try await app.api(.GET, "/api/v1/paper-files/\(fileID)", token: f.otherOfficerToken).status == .notFound)
            #expect(try await app.anonymousPage("/paper-files/\(fileID)").status != .ok)
            #expect(try await app.api(.GET, "/api/v1/paper-files/\(fileID)", token: "").status == .unauthorized)
            // Sent with a booking: the appointment's code ties them, for the same phone only.
            let day = Day.adding(2, to: Day.today())
            let slot = try await app.api(.POST, "/api/v1/communes/\(f.tree.commune.id)/slots", json: SlotInput(weekday: Day.weekday(day), startTime: "08:00", minutes: 60, capacity: 5), token: f.officerToken).decode(SlotDTO.self)
            let marriage = try await f.procedure(app, "marriageRegistration")
            let booking = try await app.api(.POST, "/api/v1/appointments", json: BookingInput(slotId: slot.id.uuidString, day: day, procedureId: marriage.id.uuidString, name: "Đỗ Văn Cường", phone: "0999333444"), token: "").decode(AppointmentDTO.self)
            let withBooking = try await app.api(.POST, "/api/v1/paper-sets", json: PaperSetInput(procedureId: marriage.id.uuidString, phone: "0999333444", appointmentCode: booking.code), token: "")
            #expect(try withBooking.decode(PaperSetDTO.self).appointmentId == booking.id)
            let otherPhone = try await app.api(.POST, "/api/v1/paper-sets", json: PaperSetInput(procedureId: marriage.id.uuidString, phone: "0999333555", appointmentCode: booking.code), token: "")
            #expect(try otherPhone.decode(ErrorBody.self).fields?.first?.field == "appointmentCode")

            // One phone starts at most 5 sets a day (this is its third), then a clear refusal.
            for _ in 0..<3 {
                #expect(try await app.api(.POST, "/api/v1/paper-sets", json: PaperSetInput(procedureId: marriage.id.uuidString, phone: "0999333444"), token: "").status == .created)
            }
            let sixth = try await app.api(.POST, "/api/v1/paper-sets", json: PaperSetInput(procedureId: marriage.id.uuidString, phone: "0999333444"), token: "")
            #expect(sixth.status == .tooManyRequests)
            let sixthField = try sixth.decode(ErrorBody.self).fields?.first?.field
            #expect(sixthField == "phone")

            let officerPage = try await app.page("/papers/\(set.id)", as: f.officer)
            #expect(officerPage.text.contains("to-khai.jpg") && officerPage.text.contains("Đã nhận, hợp lệ"))
        }
    }

    @Test("a household's papers and files are its own")
    func household() async throws {
        try await withTestApp { app in
            let f = try await ProcFixture.make(app)
            let (home, _) = try await app.householdBrowser(code: "HH-1", village: f.tree.village1)
            let (other, _) = try await app.householdBrowser(code: "HH-2", village: f.tree.village2)
            let started = try await app.form("/p/00001/certificationCopy/papers", [:], as: home)
            #expect(started.headers.first(name: .location) == "/my/procedures")
            let set = try await app.api(.GET, "/api/v1/communes/\(f.tree.commune.id)/paper-sets", token: f.officerToken).decode([PaperSetDTO].self)[0]
            #expect(set.householdId != nil && set.phone == nil)
            let up = try await app.multipart("/papers-ahead/upload", fields: ["code": set.code, "itemId": set.items[0].id.uuidString],
                                             file: ("file", "ban-chinh.pdf", "application/pdf", Self.pdf), as: home)
            #expect(up.status == .seeOther)
            // Another household cannot upload into it nor read its file.
            let intruder = try await app.multipart("/papers-ahead/upload", fields: ["code": set.code, "itemId": set.items[0].id.uuidString],
                                                   file: ("file", "x.pdf", "application/pdf", Self.pdf), as: other)
            #expect(intruder.status == .notFound)
            let mine = try await app.page("/my/procedures", as: home)
            #expect(mine.text.contains("ban-chinh.pdf") && mine.text.contains("Chứng thực bản sao từ bản chính"))
            let fileURL = try #require(mine.text.range(of: "/my/paper-files/").map { String(mine.text[$0.lowerBound...].prefix(16 + 36)) })
            #expect(try await app.page(fileURL, as: home).status == .ok)
            #expect(try await app.page(fileURL, as: other).status == .notFound)
            #expect(!(try await app.page("/my/procedures", as: other)).text.contains("ban-chinh.pdf"))
        }
    }
}
