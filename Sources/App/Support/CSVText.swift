// CSV written to memory with CSV.swift's writer, for downloads: one place for the stream plumbing.
import CSV
import Foundation

enum CSVText {
    /// The bytes written by `body`.
    static func data(_ body: (CSVWriter) throws -> Void) throws -> Data {
        let stream = OutputStream(toMemory: ())
        let writer = try CSVWriter(stream: stream)
        try body(writer)
        writer.stream.close()
        return stream.property(forKey: .dataWrittenToMemoryStreamKey) as? Data ?? Data()
    }

    /// Text with a BOM first, so spreadsheets read the diacritics as UTF-8 (the importer accepts it).
    static func forSpreadsheets(_ body: (CSVWriter) throws -> Void) throws -> String {
        "\u{FEFF}" + String(decoding: try data(body), as: UTF8.self)
    }
}
