// Backups: an archive of every feature's rows (and the uploads and audio files) comes back row for row into an empty
// database; a database holding data and a damaged archive are refused; the newest N archives are kept.
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting
@testable import App

@Suite("Backup and restore")
struct BackupTests {
    /// Every row of the database as sorted lines (sqlite3 .dump, pg_dump --data-only): equal dumps, equal rows.
    static func dump(_ config: AppConfig) async throws -> [String] {
        let text: String
        switch config.database {
        case .sqlite(let path):
            text = try await Backup.run("sqlite3", [path, ".dump"])
        case .postgres(let url):
            text = try await Backup.run("pg_dump", ["--data-only", "--schema=\(config.postgresSchema!)", url])
        }
        return text.split(separator: "\n").map(String.init)
            // pg_dump (15.14 and later) wraps its output in \restrict with a random key: not data.
            .filter { !$0.hasPrefix("--") && !$0.isEmpty && !$0.hasPrefix("SET ") && !$0.hasPrefix("SELECT pg_catalog") && !$0.hasPrefix("\\restrict") && !$0.hasPrefix("\\unrestrict") }.sorted()
    }

    /// Rows from every feature: units, households and residents, accounts, tokens, sessions, the catalog, a question,
    /// a notice with its deliveries, audit rows, a household's card session, a QR board; a paper file and an audio file on disk. (Also `thonso copy`'s test.)
    @discardableResult
    static func fillEveryFeature(_ app: Application) async throws -> ProcFixture {
        let fm = FileManager.default
        let f = try await ProcFixture.make(app)
        for i in 1...3 {
            _ = try await app.api(.POST, "/api/v1/households", json: householdInput("BK-\(i)", village: f.tree.village1, group: f.tree.group11, name: "Người Thử \(i)"))
        }
        let procedure = try #require(try await f.catalog(app).first)
        let asked = try await app.api(.POST, "/api/v1/questions", json: QuestionInput(procedureId: procedure.id.uuidString, question: "Cần mang giấy gì?", phone: "0999000777"), token: "")
        #expect(asked.status == .created, "\(asked.text)")
        let notice = try await app.api(.POST, "/api/v1/announcements", json: AnnouncementInput(title: "Họp thôn", body: "Tối nay", category: "notice", unitIds: [f.tree.village1.id.uuidString])).decode(AnnouncementDTO.self)
        _ = try await app.api(.POST, "/api/v1/announcements/\(notice.id)/publish")
        try await Jobs.runUntilIdle(app)
        try fm.createDirectory(atPath: app.config.uploadsDir + "/set1", withIntermediateDirectories: true)
        try Data("%PDF-1.4 thử".utf8).write(to: URL(fileURLWithPath: app.config.uploadsDir + "/set1/giay.pdf"))
        try fm.createDirectory(atPath: app.config.messaging.audioDir, withIntermediateDirectories: true)
        try Data("RIFF".utf8).write(to: URL(fileURLWithPath: app.config.messaging.audioDir + "/a.wav"))
        let deliveries = try await app.count("deliveries"), questions = try await app.count("procedure_questions")
        #expect(deliveries > 0 && questions == 1)
        // A household signed in with its card (a household's session), a QR board with its coordinates.
        _ = try await app.householdBrowser(code: "BK-CARD", village: f.tree.village1)
        let board = try await app.api(.POST, "/api/v1/communes/\(f.tree.commune.id)/boards",
                                      json: BoardInput(villageId: f.tree.village1.id.uuidString, place: "Nhà văn hóa", latitude: 21.0963, longitude: 105.6652,
                                                       procedureIds: [procedure.id.uuidString]),
                                      token: f.officerToken)
        #expect(board.status == .created, "\(board.text)")
        // A camera with a fault (the map's versions) and a campaign with a contribution (the ledger's kept sums).
        let camera = try await app.api(.POST, "/api/v1/assets", json: AssetsTests.camera(f.tree)).decode(AssetDetailDTO.self).asset
        #expect(try await app.api(.POST, "/api/v1/assets/\(camera.id)/faults", json: AssetFaultInput(description: "Mất hình")).status == .created)
        let campaign = try await app.api(.POST, "/api/v1/campaigns", json: CampaignInput(unitId: f.tree.village1.id.uuidString, purpose: "Lắp camera",
                                                                                        targetDong: 10_000_000, startsOn: "2026-01-01")).decode(CampaignDTO.self)
        let gift = try await app.api(.POST, "/api/v1/campaigns/\(campaign.id)/contributions", json: ContributionInput(organisation: "Hội phụ nữ", amountDong: 500_000))
        #expect(gift.status == .created, "\(gift.text)")
        #expect(try await app.count("ledger_sums") == 1)
        return f
    }

    @Test("round trip of every feature's rows; a database with data and a damaged archive are refused; BACKUP_KEEP archives kept")
    func roundTrip() async throws {
        let fm = FileManager.default
        let scratch = fm.temporaryDirectory.appendingPathComponent("thonso-backups-\(UUID().uuidString)").path
        defer { try? fm.removeItem(atPath: scratch) }
        try await withTestApp { app in
            try await Self.fillEveryFeature(app)
            let before = try await Self.dump(app.config)
            let archive = try await Backup.make(app, dir: scratch, keep: 2)
            #expect(fm.fileExists(atPath: archive + ".sha256"))

            // Into this installation, which holds data: refused, nothing touched.
            await #expect(throws: Backup.Failure.self) { try await Backup.restore(archive, config: app.config) }
            #expect(try await Self.dump(app.config) == before)

            // A damaged copy is refused by its checksum.
            let damaged = scratch + "/damaged.tar.gz"
            var bytes = try Data(contentsOf: URL(fileURLWithPath: archive))
            bytes[bytes.count / 2] ^= 0xff
            try bytes.write(to: URL(fileURLWithPath: damaged))
            try fm.copyItem(atPath: archive + ".sha256", toPath: damaged + ".sha256")
            await #expect { try await Backup.restore(damaged, config: app.config) } throws: { ($0 as? Backup.Failure)?.description.contains("damaged") == true }
            try fm.removeItem(atPath: damaged); try fm.removeItem(atPath: damaged + ".sha256")

            // Into an empty installation: the same rows, the same files.
            var target = app.config
            target.uploadsDir = scratch + "/restored-uploads"
            target.messaging.audioDir = scratch + "/restored-audio"
            switch app.config.database {
            case .sqlite:
                target.database = .sqlite(path: scratch + "/restored.sqlite")
            case .postgres:
                // The archive names its schema: empty it, then bring it back.
                try await (app.db as! any SQLDatabase).raw("DROP SCHEMA \(ident: app.config.postgresSchema!) CASCADE").run()
            }
            try await Backup.restore(archive, config: target)
            #expect(try await Self.dump(target) == before)
            #expect(fm.contents(atPath: target.uploadsDir + "/set1/giay.pdf") == Data("%PDF-1.4 thử".utf8))
            #expect(fm.fileExists(atPath: target.messaging.audioDir + "/a.wav"))

            // Retention: two more archives, the newest two kept.
            _ = try await Backup.make(app, dir: scratch, keep: 2, now: app.now.addingTimeInterval(60))
            _ = try await Backup.make(app, dir: scratch, keep: 2, now: app.now.addingTimeInterval(120))
            let kept = try fm.contentsOfDirectory(atPath: scratch).filter { $0.hasSuffix(".tar.gz") }
            #expect(kept.count == 2 && !kept.contains((archive as NSString).lastPathComponent))
        }
    }
}
