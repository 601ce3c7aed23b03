import Foundation
import Vapor
@testable import App

/// Reports' rows for the scope matrix (ScopeMatrixTests), by row kind: a report (and a photo of it) routed to the
/// inside village, and one routed to the outside village.
enum ReportsScopeRows {
    /// The row kinds reports' routes guard.
    static let kinds: Set<String> = ["report", "reportPhoto"]

    static func rows(_ app: Application, inside: ScopePlaces, outside: ScopePlaces) async throws -> [String: ScopeRowPair] {
        func report(_ p: ScopePlaces) async throws -> (UUID, UUID) {
            let r = FeedbackReport()
            r.id = UUID(); r.code = ProcCodes.reference(); r.communeID = p.commune; r.unitID = p.village; r.category = .brokenLight
            r.description = "Đèn đầu ngõ không sáng"; r.phone = "0999000777"; r.source = "web"; r.status = .submitted
            r.submittedAt = app.now; r.updatedAt = app.now
            try await r.create(on: app.db)
            let photo = ReportPhoto()
            photo.id = UUID(); photo.reportID = r.id!; photo.storedName = "\(r.id!.uuidString.lowercased())/x.png"; photo.contentType = "image/png"
            photo.size = 1; photo.createdAt = app.now
            try await photo.create(on: app.db)
            let path = ReportActions.photoPath(photo.storedName, config: app.config)
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            FileManager.default.createFile(atPath: path, contents: Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
            return (r.id!, photo.id!)
        }
        let (ri, pi) = try await report(inside), (ro, po) = try await report(outside)
        return [
            "report": ScopeRowPair(inside: ri, insideUnit: inside.village, outside: ro, outsideUnit: outside.village),
            "reportPhoto": ScopeRowPair(inside: pi, insideUnit: inside.village, outside: po, outsideUnit: outside.village),
        ]
    }
}
