// Sets of papers as the officer's list and check pages and a resident's own page (Procedures+MyProcedures.swift)
// show them.
import Fluent
import Vapor

enum PaperViews {
    struct FileItem: Encodable { var name: String; var url: String }
    struct ItemRow: Encodable { var id: String; var label: String; var status: String; var statusKey: String; var note: String; var files: [FileItem]; var markURL: String }
    struct SetItem: Encodable { var procedure: String; var code: String; var missing: String; var items: [ItemRow]; var uploadURL: String; var fileHint: String; var url: String; var who: String }

    static func items(_ sets: [PaperSet], _ req: Request, mine: Bool, officer: Bool = false) async throws -> [SetItem] {
        let names = try await ProcedureViews.names(sets.map(\.procedureID), on: req.db)
        var out: [SetItem] = []
        for s in sets {
            let d = try await PaperActions.dto(s, on: req.db)
            out.append(SetItem(procedure: names[s.procedureID] ?? "", code: s.code, missing: d.missing.joined(separator: "; "),
                               items: d.items.map { i in
                                   ItemRow(id: i.id.uuidString, label: i.label, status: req.lang.t("proc.paper.\(i.status.rawValue)"), statusKey: i.status.rawValue,
                                           note: i.note ?? "",
                                           files: i.files.map { FileItem(name: $0.name, url: officer ? SiteURL.paperFile(.id($0.id)).path : mine ? SiteURL.myPaperFile(.id($0.id)).path : "") },
                                           markURL: SiteURL.paperItemMark(.id(i.id)).path)
                               },
                               uploadURL: SiteURL.papersUpload.path, fileHint: req.lang.t("proc.file", [String(req.config.papersMaxMB)]),
                               url: SiteURL.paperSet(.id(s.id!)).path, who: s.phone ?? ""))
        }
        return out
    }
}
