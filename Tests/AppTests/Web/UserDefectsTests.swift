// Smaller defects a user found (issue 11): the browser's language on a first visit, links that follow
// `serve --port`, a group named with its village in CAP alerts, semicolon CSVs and Windows-1258 files, and
// `thonso --help` creating nothing.
import Foundation
import Testing
import Vapor
import VaporTesting
@testable import App

@Suite("Smaller defects found as a user")
struct UserDefectsTests {
    @Test("a first visit follows the browser's language until the visitor picks one")
    func language() async throws {
        #expect(Lang.preferred("en-US,en;q=0.9,vi;q=0.8") == .en)
        #expect(Lang.preferred("fr-FR, vi;q=0.5, en;q=0.4") == .vi)
        #expect(Lang.preferred("de, fr") == nil)
        #expect(Lang.preferred("vi;q=0, en;q=0.2") == .en)
        try await withTestApp { app in
            let en = try await app.anonymousPage("/signin", headers: ["Accept-Language": "en-GB,en;q=0.9"])
            #expect(en.text.contains("lang=\"en\""))
            let chosen = try await app.anonymousPage("/signin", headers: ["Accept-Language": "en-GB", "Cookie": "lang=vi"])
            #expect(chosen.text.contains("lang=\"vi\""))
            let none = try await app.anonymousPage("/signin")
            #expect(none.text.contains("lang=\"vi\""))
        }
    }

    @Test("links follow serve --port and --hostname when PUBLIC_URL is unset")
    func serveFlags() throws {
        var c = try AppConfig.fromEnvironment([:])
        c.applyServeFlags(["thonso", "serve", "--port", "9123"])
        #expect(c.port == 9123 && c.linkBase == "http://127.0.0.1:9123" && c.publicBase == "http://127.0.0.1:9123")
        var d = try AppConfig.fromEnvironment(["PUBLIC_URL": "https://xa.example.vn"])
        d.applyServeFlags(["thonso", "serve", "-p", "9124", "--hostname=0.0.0.0"])
        #expect(d.port == 9124 && d.host == "0.0.0.0" && d.linkBase == "https://xa.example.vn")
    }

    @Test("a CAP alert to a group names its village too")
    func capGroup() async throws {
        try await withTestApp { app in
            let v = try await Village.make(app, perGroup: 1, inT2: 0)
            var input = announcement("Lũ quét", units: [v.tree.group11], category: "urgent")
            input.severity = "Severe"
            let a = try await publish(app, input)
            let xml = try await app.anonymousPage("/cap/alerts/\(a.id)")
            #expect(xml.text.contains("<areaDesc>Tổ 1, Thôn Đông, Xã Song Phượng</areaDesc>"), "\(xml.text)")
            try await CAPSchema.validate(xml.text)
        }
    }

    @Test("a semicolon-separated CSV imports; a Windows-1258 file is named and the way to fix it said")
    func officialsFiles() throws {
        let rows = try RegistryCSV.parse(Data("household_code;village_code;address;full_name\nH1;T1;Số 1, ngõ 2;An\n".utf8))
        #expect(rows.count == 1 && rows[0].address == "Số 1, ngõ 2" && rows[0].fullName == "An")
        // "Nguyễn" typed in Windows-1258: N g u y 0xEA (ê) 0xDE (combining tilde) n.
        var bytes = Array("household_code,village_code,address,full_name\nH1,T1,So 1,".utf8)
        bytes += [0x4E, 0x67, 0x75, 0x79, 0xEA, 0xDE, 0x6E, 0x0A]
        do {
            _ = try RegistryCSV.parse(Data(bytes))
            Issue.record("a Windows-1258 file was accepted")
        } catch let e as InvalidInput {
            #expect(e.issues.map(\.key) == ["error.csvWindows1258"])
            #expect(e.issues[0].message(.vi).contains("CSV UTF-8"))
        }
        #expect(throws: InvalidInput.self) { try RegistryCSV.parse(Data([0xff, 0xfe, 0x00, 0x41])) }
    }

    @Test("on a phone the header's tools fold into a menu that opens without JavaScript")
    func phoneHeader() async throws {
        try await withTestApp { app in
            let page = try await app.page("/units")
            let menu = try #require(page.text.range(of: "<details class=\"menu\">"))
            let after = String(page.text[menu.upperBound...].prefix(2000))
            #expect(after.contains("<summary>Danh mục</summary>") && after.contains("href=\"/search\"") && after.contains("action=\"/signout\""))
            let css = try await app.anonymousPage("/css/app.css")
            #expect(css.text.contains(".tools.wide { display: none; }") && css.text.contains("@media (max-width: 40rem)"))
        }
    }

    @Test("thonso --help prints the help and creates no database", .enabled(if: CommandTests.binary != nil))
    func helpCreatesNothing() async throws {
        let db = FileManager.default.temporaryDirectory.appendingPathComponent("help-\(UUID().uuidString).sqlite").path
        let p = Process()
        p.executableURL = try #require(CommandTests.binary)
        p.arguments = ["--help"]
        var env = ProcessInfo.processInfo.environment
        env["DATABASE_PATH"] = db
        env.removeValue(forKey: "DATABASE_URL")
        p.environment = env
        let text = try await Subprocess.run(p).text
        #expect(text.lowercased().contains("usage") || text.contains("serve"))
        #expect(!FileManager.default.fileExists(atPath: db))
    }
}
