// Papers sent ahead: a resident (signed in as their household, or with a phone number) starts a set for a procedure,
// one item per line of its checklist, and uploads a photo or PDF for each. Files are checked by their first bytes
// (not their name) and size, stored under UPLOADS_DIR (never in the database), and served only to the household that
// sent them and to the officers of the commune. The officer marks each item received / missing / wrong.
import Fluent
import Vapor

public struct PaperSetInput: Content {
    public var procedureId: String?
    public var phone: String?
    /// An appointment's code, to send the papers with a booking.
    public var appointmentCode: String?
}

public struct PaperMarkInput: Content {
    public var status: String?
    public var note: String?
}

public struct PaperFileDTO: Content, Equatable {
    public var id: UUID
    public var itemId: UUID
    public var name: String
    public var contentType: String
    public var size: Int
}

public struct PaperItemDTO: Content, Equatable {
    public var id: UUID
    public var position: Int
    public var label: String
    public var status: PaperStatus
    public var note: String?
    public var files: [PaperFileDTO]
}

public struct PaperSetDTO: Content, Equatable {
    public var id: UUID
    public var communeId: UUID
    public var procedureId: UUID
    public var appointmentId: UUID?
    public var householdId: UUID?
    public var phone: String?
    public var code: String
    public var items: [PaperItemDTO]
    /// Labels of the items not yet received: what the resident is told is missing.
    public var missing: [String]
    /// Whether messages go to the phone: a household's set, or a confirmed phone.
    public var phoneConfirmed: Bool
    /// When a code was sent to confirm the phone: where to send it.
    public var confirmationId: UUID?
}

/// What a file is, from its first bytes.
public enum PaperSniff {
    public static func kind(_ b: [UInt8]) -> (contentType: String, ext: String)? {
        if b.count >= 3, b[0] == 0xFF, b[1] == 0xD8, b[2] == 0xFF { return ("image/jpeg", "jpg") }
        if b.count >= 8, Array(b[0..<8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] { return ("image/png", "png") }
        if b.count >= 12, Array(b[0..<4]) == Array("RIFF".utf8), Array(b[8..<12]) == Array("WEBP".utf8) { return ("image/webp", "webp") }
        if b.count >= 5, Array(b[0..<5]) == Array("%PDF-".utf8) { return ("application/pdf", "pdf") }
        return nil
    }
}

public enum PaperActions {
    /// Limits that keep an anonymous sender from filling the disk: sets a phone may start a day (PROC_PER_PHONE_DAY;
    /// with the `origin`, per address and per commune too), files in one set.
    static let filesPerSet = 20

    public static func start(_ p: Procedure, _ input: PaperSetInput, householdID: UUID?, origin: Origin? = nil, on db: any Database) async throws -> PaperSet {
        var c = Checker()
        let phone = c.phone("phone", input.phone, required: householdID == nil)
        var appointment: Appointment? = nil
        if let raw = input.appointmentCode?.trimmingCharacters(in: .whitespaces).uppercased(), !raw.isEmpty {
            if let a = try await Appointment.query(on: db).filter(\.$code == raw).first(), a.communeID == p.communeID,
               (householdID != nil && a.householdID == householdID) || (phone != nil && a.phone == phone) { appointment = a }
            else { c.add("appointmentCode", "error.proc.unknownAppointment") }
        }
        try c.check()
        let perPhone = AnonymousLimit.perPhone(origin)
        if let phone, let start = AuditQueries.dayStart(Day.today()),
           try await PaperSet.query(on: db).filter(\.$phone == phone).filter(\.$createdAt >= start).count() >= perPhone {
            throw InvalidInput("phone", "error.proc.tooManySets", [String(perPhone)], status: .tooManyRequests)
        }
        if householdID == nil, let origin { try await AnonymousLimit.admit("papers", communeID: p.communeID, origin: origin, on: db) }
        let appointmentID = appointment?.id
        return try await db.auditedTransaction { db in
            let s = PaperSet()
            s.id = UUID.random()
            s.communeID = p.communeID
            s.procedureID = p.id!
            s.appointmentID = appointmentID
            s.householdID = householdID
            s.phone = phone
            s.code = ProcCodes.reference()
            try await s.create(on: db)
            for (i, label) in p.dossierList.enumerated() {
                let item = PaperItem()
                item.id = UUID.random()
                item.setID = s.id!
                item.position = i + 1
                item.label = label
                item.status = .pending
                try await item.create(on: db)
            }
            try await Audit.record("create", PaperSet.schema, row: s.id, unit: p.communeID, after: ["procedure": p.key, "code": s.code], on: db)
            return s
        }
    }

    /// The set named by code, if the caller sent it: their household session, or the phone it was started with.
    static func owned(code: String, phone: String?, householdID: UUID?, on db: any Database) async throws -> PaperSet {
        let code = code.trimmingCharacters(in: .whitespaces).uppercased()
        guard code.count == 8, let s = try await PaperSet.query(on: db).filter(\.$code == code).first() else {
            throw InvalidInput("code", "error.proc.unknownPapers", status: .notFound)
        }
        if let h = householdID, s.householdID == h { return s }
        if let p = phone.flatMap(Phone.normalize), s.phone == p { return s }
        throw InvalidInput("code", "error.proc.unknownPapers", status: .notFound)
    }

    public static func upload(to s: PaperSet, itemRaw: String?, filename: String, data: ByteBuffer, config: AppConfig, on db: any Database) async throws -> PaperFile {
        var c = Checker()
        var found: PaperItem? = nil
        if let raw = itemRaw, let id = UUID(uuidString: raw), let i = try await PaperItem.find(id, on: db), i.setID == s.id { found = i }
        else { c.add("itemId", "error.proc.unknownItem") }
        let size = data.readableBytes
        let sniffed = PaperSniff.kind(data.getBytes(at: data.readerIndex, length: min(16, size)) ?? [])
        if size == 0 { c.add("file", "error.proc.fileEmpty") }
        else if size > config.papersMaxMB * 1_048_576 { c.add("file", "error.proc.fileTooBig", [String(config.papersMaxMB)]) }
        else if sniffed == nil { c.add("file", "error.proc.fileType") }
        try c.check()
        if try await PaperFile.query(on: db).filter(\.$setID == s.id!).count() >= filesPerSet {
            throw InvalidInput("file", "error.proc.tooManyFiles", [String(filesPerSet)])
        }
        let item = found!, kind = sniffed!
        let fileID = UUID.random()
        let dir = URL(fileURLWithPath: config.uploadsDir).appendingPathComponent("papers").appendingPathComponent(s.id!.uuidString.lowercased())
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let stored = "\(s.id!.uuidString.lowercased())/\(fileID.uuidString.lowercased()).\(kind.ext)"
        let path = dir.appendingPathComponent("\(fileID.uuidString.lowercased()).\(kind.ext)").path
        guard FileManager.default.createFile(atPath: path, contents: Data(buffer: data)) else { throw Abort(.internalServerError) }
        do {
            return try await db.auditedTransaction { db in
                let f = PaperFile()
                f.id = fileID
                f.setID = s.id!
                f.itemID = item.id!
                f.storedName = stored
                f.originalName = String(filename.precomposedStringWithCanonicalMapping.filter { !$0.isNewline && $0 != "\"" }.prefix(120))
                f.contentType = kind.contentType
                f.size = size
                try await f.create(on: db)
                if item.status != .received { item.status = .pending; try await item.update(on: db) }
                try await Audit.record("upload", PaperFile.schema, row: f.id, unit: s.communeID, after: ["item": item.label, "type": f.contentType, "size": String(size)], on: db)
                return f
            }
        } catch {
            try? FileManager.default.removeItem(atPath: path)
            throw error
        }
    }

    public static func mark(_ item: PaperItem, _ input: PaperMarkInput, communeID: UUID, on db: any Database) async throws -> PaperItem {
        var c = Checker()
        let status = PaperStatus(rawValue: (input.status ?? "").trimmingCharacters(in: .whitespaces))
        if status == nil { c.add("status", "error.proc.status") }
        let note = c.text("note", input.note, max: 500, required: false)
        try c.check()
        return try await db.auditedTransaction { db in
            let before = ["status": item.status.rawValue]
            item.status = status!
            item.note = note.isEmpty ? nil : note
            try await item.update(on: db)
            try await Audit.record("mark", PaperItem.schema, row: item.id, unit: communeID, before: before, after: ["status": item.status.rawValue, "note": note], on: db)
            try await ProcedureNotify.papersChecked(setID: item.setID, on: db)
            return item
        }
    }

    public static func dto(_ s: PaperSet, on db: any Database) async throws -> PaperSetDTO {
        let items = try await PaperItem.query(on: db).filter(\.$setID == s.id!).sort(\.$position).all()
        let files = try await PaperFile.query(on: db).filter(\.$setID == s.id!).sort(\.$createdAt).all()
        return PaperSetDTO(id: s.id!, communeId: s.communeID, procedureId: s.procedureID, appointmentId: s.appointmentID, householdId: s.householdID,
                           phone: s.phone, code: s.code,
                           items: items.map { i in PaperItemDTO(id: i.id!, position: i.position, label: i.label, status: i.status, note: i.note,
                                                                files: files.filter { $0.itemID == i.id }.map { $0.toDTO() }) },
                           missing: items.filter { $0.status != .received }.map(\.label),
                           phoneConfirmed: PhoneConfirm.mayNotify(householdID: s.householdID, confirmedAt: s.phoneConfirmedAt), confirmationId: nil)
    }

    static func path(_ f: PaperFile, config: AppConfig) -> String {
        URL(fileURLWithPath: config.uploadsDir).appendingPathComponent("papers").appendingPathComponent(f.storedName).path
    }

    static func serve(_ f: PaperFile, _ req: Request) async throws -> Response {
        let res = try await req.fileio.asyncStreamFile(at: path(f, config: req.config))
        res.headers.replaceOrAdd(name: .contentType, value: f.contentType)
        res.headers.replaceOrAdd(name: .cacheControl, value: "private, no-store")
        res.headers.replaceOrAdd(name: .contentDisposition, value: "inline")
        return res
    }
}

extension PaperFile {
    func toDTO() -> PaperFileDTO { PaperFileDTO(id: id!, itemId: itemID, name: originalName, contentType: contentType, size: size) }
}

extension ProcedureNotify {
    /// Tells the household (or the phone) to look at what is still missing, ten minutes after the officer's first
    /// mark (one message for a whole check, not one per item).
    static func papersChecked(setID: UUID, on db: any Database) async throws {
        guard let set = try await PaperSet.find(setID, on: db), PhoneConfirm.mayNotify(householdID: set.householdID, confirmedAt: set.phoneConfirmedAt) else { return }
        try await DirectMessage.enqueue(key: "papers:\(setID)", .init(
            householdID: set.householdID, phone: PhoneConfirm.recipient(set.householdID, set.phone), unit: try await communeName(set.communeID, on: db),
            title: Lang.vi.t("proc.notify.papers"), path: set.householdID == nil ? SiteURL.lookup.path : SiteURL.myProcedures.path),
            at: AppClock.now.addingTimeInterval(600), on: db)
    }
}
