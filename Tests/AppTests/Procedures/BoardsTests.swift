import Foundation
import Testing
import Vapor
import VaporTesting
@testable import App

@Suite("Procedures: QR boards, short URLs, scans and posters")
struct ProceduresBoardsTests {
    static func zbar(_ png: [UInt8]) async throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("qr-\(UUID().uuidString).png").path
        try Data(png).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/zbarimg")
        p.arguments = ["--raw", "-q", path]
        return try await Subprocess.run(p).text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("the PNG writer makes a valid PNG that zbarimg reads back")
    func png() async throws {
        let png = try #require(QRCode.png("http://127.0.0.1:8080/q/abc234", scale: 4, level: .high))
        #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        #expect(PNGChecks.crc32(Array("IEND".utf8)) == 0xAE42_6082)
        #expect(PNGChecks.adler32(Array("Wikipedia".utf8)) == 0x11E6_0398)
        #expect(try await Self.zbar(png) == "http://127.0.0.1:8080/q/abc234")
    }

    @Test("an official registers a board; each procedure on it gets a short URL whose scans are counted per board and day")
    func boards() async throws {
        try await withTestApp({ $0.publicURL = "https://thonso.example.vn" }) { app in
            let f = try await ProcFixture.make(app)
            let birth = try await f.procedure(app, "birthRegistration")
            let death = try await f.procedure(app, "deathRegistration")
            let input = BoardInput(villageId: f.tree.village1.id.uuidString, place: "Nhà văn hóa thôn Đông", latitude: 21.0963, longitude: 105.6652,
                                   contact: "Chị Lan, công chức tư pháp · 0999 111 222", procedureIds: [birth.id.uuidString, death.id.uuidString])
            let res = try await app.api(.POST, "/api/v1/communes/\(f.tree.commune.id)/boards", json: input, token: f.officerToken)
            #expect(res.status == .created)
            let board = try res.decode(BoardDTO.self)
            #expect(board.procedures.map(\.key) == ["birthRegistration", "deathRegistration"])
            let short = board.procedures[0]
            #expect(short.shortUrl == "https://thonso.example.vn/q/\(short.shortCode)" && short.shortCode.count == 6)

            for _ in 0..<3 {
                let scan = try await app.anonymousPage("/q/\(short.shortCode)")
                #expect(scan.status == .seeOther)
                #expect(scan.headers.first(name: .location) == "/p/00001/birthRegistration")
            }
            _ = try await app.anonymousPage("/q/\(board.procedures[1].shortCode)")
            #expect(try await app.anonymousPage("/q/nosuch").status == .notFound)
            let detail = try await app.api(.GET, "/api/v1/boards/\(board.id)", token: f.officerToken).decode(BoardDetailDTO.self)
            let today = Day.today()
            #expect(detail.byDay.first { $0.procedureId == birth.id }?.scans == 3)
            #expect(detail.byDay.first { $0.procedureId == birth.id }?.period == today)
            #expect(detail.byMonth.first { $0.procedureId == death.id }?.scans == 1)
            #expect(detail.byMonth.first { $0.procedureId == death.id }?.period == String(today.prefix(7)))

            // The QR code drawn for the board decodes back to its short URL.
            let png = try await app.anonymousPage("/q/\(short.shortCode)/qr.png")
            #expect(png.headers.contentType == .png)
            #expect(try await Self.zbar(Array(png.body.readableBytesView)) == short.shortUrl)
            let svg = try await app.anonymousPage("/q/\(short.shortCode)/qr.svg")
            #expect(svg.text.hasPrefix("<svg"))

            // The board page (figures) and the A4 poster.
            let page = try await app.page("/boards/\(board.id)", as: f.officer)
            #expect(page.status == .ok && page.text.contains("3 lượt quét") == false && page.text.contains("4 lượt quét trong 30 ngày qua"))
            let poster = try await app.page("/boards/\(board.id)/poster", as: f.officer)
            #expect(poster.text.contains("Xã Song Phượng") && poster.text.contains("Đăng ký khai tử") && poster.text.contains(short.shortUrl))
            #expect(poster.text.contains("Chị Lan, công chức tư pháp · 0999 111 222"))
            #expect(poster.text.components(separatedBy: "<svg").count == 3)

            let list = try await app.page("/communes/\(f.tree.commune.id)/boards", as: f.officer)
            #expect(list.text.contains("Nhà văn hóa thôn Đông") && list.text.contains(">4</a>"))

            // Another commune's officer: not found.
            #expect(try await app.api(.GET, "/api/v1/boards/\(board.id)", token: f.otherOfficerToken).status == .notFound)
        }
    }

    @Test("scans group by local day and by month")
    func months() async throws {
        try await withTestApp { app in
            let f = try await ProcFixture.make(app)
            let birth = try await f.procedure(app, "birthRegistration")
            let board = try await app.api(.POST, "/api/v1/communes/\(f.tree.commune.id)/boards", json: BoardInput(place: "Cổng làng", procedureIds: [birth.id.uuidString]), token: f.officerToken).decode(BoardDTO.self)
            let code = board.procedures[0].shortCode
            // 31/10 23:30 in Hà Nội is 16:30 UTC; 1/11 00:30 in Hà Nội is still 31/10 in UTC.
            for at in ["2026-10-31T16:30:00Z", "2026-10-31T17:30:00Z", "2026-11-02T03:00:00Z", "2026-11-02T04:00:00Z"] {
                _ = try await BoardActions.scan(code, on: app.db, at: try #require(ISO8601DateFormatter().date(from: at)))
            }
            let days = try await BoardActions.figures(boardID: board.id, byMonth: false, since: "2026-01-01", on: app.db)
            #expect(days.map { "\($0.period)=\($0.scans)" } == ["2026-10-31=1", "2026-11-01=1", "2026-11-02=2"])
            let months = try await BoardActions.figures(boardID: board.id, byMonth: true, since: "2026-01-01", on: app.db)
            #expect(months.map { "\($0.period)=\($0.scans)" } == ["2026-10=1", "2026-11=3"])
        }
    }

    @Test("bad boards: coordinates, unknown procedures, another commune's procedure; nothing stored")
    func badBoards() async throws {
        try await withTestApp { app in
            let f = try await ProcFixture.make(app)
            let birth = try await f.procedure(app, "birthRegistration")
            let foreign = try await app.api(.GET, "/api/v1/communes/\(f.tree.otherCommune.id)/procedures").decode([ProcedureDTO].self)[0]
            let url = "/api/v1/communes/\(f.tree.commune.id)/boards"
            let r1 = try await app.api(.POST, url, json: BoardInput(place: "Điếm canh", latitude: 200, longitude: 105, procedureIds: [birth.id.uuidString]), token: f.officerToken)
            #expect(try r1.decode(ErrorBody.self).fields?.map(\.field) == ["latitude"])
            let r2 = try await app.api(.POST, url, json: BoardInput(place: "Điếm canh", procedureIds: [UUID().uuidString]), token: f.officerToken)
            #expect(try r2.decode(ErrorBody.self).fields?.first?.message == "Không có thủ tục này trong danh mục của xã.")
            let r3 = try await app.api(.POST, url, json: BoardInput(place: "Điếm canh", procedureIds: [foreign.id.uuidString]), token: f.officerToken)
            #expect(r3.status == .unprocessableEntity)
            let r4 = try await app.api(.POST, url, json: BoardInput(villageId: f.tree.otherVillage.id.uuidString, place: "Điếm", procedureIds: [birth.id.uuidString]), token: f.officerToken)
            #expect(try r4.decode(ErrorBody.self).fields?.map(\.field) == ["villageId"])
            #expect(try await app.count("qr_boards") == 0)
            #expect(try await app.count("board_procedures") == 0)
            // The page keeps the input and names the field.
            let page = try await app.form("/communes/\(f.tree.commune.id)/boards", ["place": "Cổng làng", "latitude": "abc", "longitude": "105.6"], as: f.officer)
            #expect(page.status == .unprocessableEntity && page.text.contains("Vĩ độ là số") && page.text.contains("value=\"Cổng làng\""))
            let ok = try await app.form("/communes/\(f.tree.commune.id)/boards", ["place": "Cổng làng", "latitude": "21,1", "longitude": "105.6",
                                                                                  "procedureIds[]": birth.id.uuidString], as: f.officer)
            #expect(ok.status == .seeOther)
            #expect(try await app.count("qr_boards") == 1)
        }
    }
}
