// 0031: an index on training_attendance (resident_id). The criteria's `residents.trained` measure asks, for each
// working-age resident, whether they attended a training: without it SQLite scanned every attendance row per resident
// (the demo commune's 2,300 attendances took the evaluation of one commune from 0.1 s to over 1 s; a province's would
// never finish). Features/Criteria/Criteria+Measures.swift.
import Fluent
import SQLKit

struct AddTrainingAttendanceResidentIndex: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await Indexes.create(on: database, [("training_attendance_resident", "training_attendance", ["resident_id"])])
    }

    func revert(on database: any Database) async throws {
        try await Indexes.drop(on: database, ["training_attendance_resident"])
    }
}
