// Loudspeaker: a notice rendered to Vietnamese speech with espeak-ng, as a WAV file the village head plays on the
// public-address system, and a daily bulletin joining the day's notices for a village. Files are kept under
// AUDIO_DIR, named by the notice and the time it last changed, so a correction renders anew.
import Fluent
import Foundation
import Vapor

enum Speech {
    static func directory(_ app: Application) throws -> String {
        let dir = app.config.messaging.audioDir
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// What the loudspeaker says for one notice.
    static func script(_ a: Announcement, unit: String) -> String {
        var parts = [Lang.vi.t("announcement.category.\(a.category.rawValue)") + " " + Lang.vi.t("announcement.speech.from", [unit]) + ".", a.title + "."]
        if a.category == .meeting, let starts = a.startsAt {
            parts.append(Lang.vi.t("announcement.speech.meeting", [Moment.display(starts), a.place ?? ""]))
        }
        parts.append(a.body)
        return parts.joined(separator: " ")
    }

    static func announcement(_ a: Announcement, app: Application) async throws -> String {
        let stamp = Int((a.updatedAt ?? a.createdAt ?? app.now).timeIntervalSince1970)
        let path = try directory(app) + "/notice-\(a.id!.uuidString.lowercased())-\(stamp).wav"
        if FileManager.default.fileExists(atPath: path) { return path }
        let unit = try await AdminUnit.find(a.unitID, on: app.db)?.name ?? ""
        try await render(script(a, unit: unit), to: path, app: app)
        return path
    }

    /// The day's published notices addressed to the village (or to its commune or groups), oldest first.
    static func bulletin(unit: AdminUnit, day: String, app: Application) async throws -> String? {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = Day.zone
        let p = day.split(separator: "-").compactMap { Int($0) }
        guard p.count == 3, let start = cal.date(from: DateComponents(year: p[0], month: p[1], day: p[2])) else { return nil }
        let end = start.addingTimeInterval(86_400)
        var targets = [unit.id!]
        if let c = unit.communeID { targets.append(c) }
        if let parent = unit.parentID { targets.append(parent) }
        targets += try await AdminUnit.query(on: app.db).filter(\.$parentID == unit.id).all(\.$id)
        let ids = try await AnnouncementUnit.query(on: app.db).filter(\.$unitID ~~ targets).all(\.$announcementID)
        let announcements = try await Announcement.query(on: app.db).filter(\.$id ~~ Array(Set(ids))).filter(\.$status == .published)
            .filter(\.$publishedAt >= start).filter(\.$publishedAt < end).sort(\.$publishedAt).all()
        if announcements.isEmpty { return nil }
        let stamp = announcements.map { Int(($0.updatedAt ?? app.now).timeIntervalSince1970) }.max() ?? 0
        let path = try directory(app) + "/bulletin-\(unit.id!.uuidString.lowercased())-\(day)-\(announcements.count)-\(stamp).wav"
        if FileManager.default.fileExists(atPath: path) { return path }
        var text = Lang.vi.t("announcement.speech.bulletin", [unit.name, Day.display(day), String(announcements.count)])
        for (i, a) in announcements.enumerated() {
            let from = try await AdminUnit.find(a.unitID, on: app.db)?.name ?? ""
            text += " " + Lang.vi.t("announcement.speech.item", [String(i + 1)]) + " " + script(a, unit: from)
        }
        try await render(text, to: path, app: app)
        return path
    }

    /// Runs espeak-ng with the Vietnamese voice, the text on standard input (never on the command line).
    static func render(_ text: String, to path: String, app: Application) async throws {
        let tmp = path + ".part"
        let p = Process()
        let exe = app.config.messaging.espeak
        if exe.contains("/") { p.executableURL = URL(fileURLWithPath: exe) } else {
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        }
        p.arguments = (exe.contains("/") ? [] : [exe]) + ["-v", "vi", "-s", "145", "-w", tmp, "--stdin"]
        let input = Pipe(), errors = Pipe()
        p.standardInput = input
        p.standardError = errors
        p.standardOutput = FileHandle.nullDevice
        do { try p.run() } catch {
            throw Abort(.serviceUnavailable, reason: "espeak-ng is not installed (\(exe))")
        }
        input.fileHandleForWriting.write(Data(text.utf8))
        try input.fileHandleForWriting.close()
        let status: Int32 = await withCheckedContinuation { c in
            DispatchQueue.global().async {
                p.waitUntilExit()
                c.resume(returning: p.terminationStatus)
            }
        }
        guard status == 0 else {
            let why = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw Abort(.serviceUnavailable, reason: "espeak-ng failed: \(why.prefix(200))")
        }
        _ = try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.moveItem(atPath: tmp, toPath: path)
    }

    /// Seconds of audio in a PCM WAV file (from its header), for checks.
    static func duration(wav data: Data) -> Double? {
        guard data.count > 44, data.prefix(4) == Data("RIFF".utf8), data[8..<12] == Data("WAVE".utf8) else { return nil }
        var offset = 12
        var byteRate = 0
        func u32(_ at: Int) -> Int { Int(data[at]) | Int(data[at + 1]) << 8 | Int(data[at + 2]) << 16 | Int(data[at + 3]) << 24 }
        while offset + 8 <= data.count {
            let id = String(decoding: data[offset..<offset + 4], as: UTF8.self)
            var size = u32(offset + 4)
            if id == "fmt " { byteRate = u32(offset + 16) }
            if id == "data" {
                // espeak-ng writing to a file fills the size in; a streamed WAV may say 0 or 0xFFFFFFFF.
                if size == 0 || size == 0xFFFF_FFFF { size = data.count - offset - 8 }
                return byteRate > 0 ? Double(size) / Double(byteRate) : nil
            }
            offset += 8 + size + (size & 1)
        }
        return nil
    }
}

/// An urgent alert as a CAP 1.2 message: the area is the audience's units, by name and official code; a
/// withdrawn alert is a Cancel, a corrected one an Update, each referring to the original.
enum AlertsCAP {
    static let sender = "thonso@thonso.invalid"

    static func alert(_ a: Announcement, app: Application, on db: any Database) async throws -> CAPAlert {
        let units = try await AdminUnit.query(on: db).filter(\.$id ~~ (try await MessagingActions.audienceIDs(a.id!, on: db))).all().sorted { $0.code < $1.code }
        var areas: [CAPArea] = []
        for u in units {
            // Villages and groups have no official code: they are named with their commune's.
            var codes: [String] = []
            var names = [u.name]
            // Every village has a "Tổ 1": a group is named with its village too.
            if u.kind == .group, let v = u.parentID, let village = try await AdminUnit.find(v, on: db) { names.append(village.name) }
            if u.kind == .commune { codes = [u.code] } else if let c = u.communeID, let commune = try await AdminUnit.find(c, on: db) {
                codes = [commune.code]
                names.append(commune.name)
            }
            areas.append(CAPArea(areaDesc: names.joined(separator: ", "), adminCodes: codes))
        }
        let owner = try await AdminUnit.find(a.unitID, on: db)?.name ?? ""
        let fixes = try await AnnouncementCorrection.query(on: db).filter(\.$announcementID == a.id!).count()
        let base = a.id!.uuidString.lowercased()
        let first = a.publishedAt ?? a.createdAt ?? app.now
        let original: CAPAlert.Reference = (sender: sender, identifier: base, sent: first)
        var msgType = CAPAlert.MsgType.alert
        var identifier = base
        var sent = first
        var references: [CAPAlert.Reference] = []
        if a.status == .withdrawn {
            msgType = .cancel
            identifier = base + ".cancel"
            sent = a.withdrawnAt ?? app.now
            references = [original]
        } else if fixes > 0 {
            msgType = .update
            identifier = base + ".\(fixes)"
            sent = a.updatedAt ?? app.now
            references = [original]
        }
        let severity = CAPInfo.Severity(rawValue: a.severity?.rawValue ?? "Severe") ?? .severe
        let info = CAPInfo(language: "vi-VN", categories: [.safety], event: a.title, urgency: .immediate, severity: severity, certainty: .likely,
                           expires: a.expiresAt, senderName: owner, headline: a.title,
                           description: a.status == .withdrawn ? (a.withdrawReason ?? a.body) : a.body,
                           web: app.config.externalURL(.capAlert(.id(a.id!))), areas: areas)
        return CAPAlert(identifier: identifier, sender: sender, sent: sent, msgType: msgType, references: references, infos: [info])
    }
}
