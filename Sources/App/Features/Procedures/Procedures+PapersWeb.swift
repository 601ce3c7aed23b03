// Pages and JSON routes for papers sent ahead.
import Fluent
import Vapor

struct PapersRoutes {
    struct FileItem: Encodable { var name: String; var url: String }
    struct ItemRow: Encodable { var id: String; var label: String; var status: String; var note: String; var files: [FileItem] }
    struct SetItem: Encodable { var procedure: String; var code: String; var missing: String; var items: [ItemRow]; var uploadURL: String; var fileHint: String }
    static func items(_ sets: [PaperSet], _ req: Request, mine: Bool) async throws -> [SetItem] { [] }
}
