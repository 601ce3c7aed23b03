// Ids made and written as text without Foundation's slow paths. On Linux, Foundation's `UUID()` opens, reads and
// closes /dev/urandom for every id (three system calls), `uuidString` formats through `snprintf`, and
// `UUID(uuidString:)` parses through `sscanf`. SQLite stores ids as that text (SQLiteKit encodes a UUID through its
// `Encodable` form, its `uuidString`), so a household list's audit row paid for all three on every view, and a sync
// batch of 200 visits for several thousand (profiled: docs/benchmarks.md, issues 10 and 13). These give the same
// values and the same text.
import Foundation
import SQLKit

extension UUID {
    /// A random (version 4, RFC 4122 variant) id, from the system's generator (`getrandom`), as `UUID()` makes one.
    public static func random() -> UUID {
        var g = SystemRandomNumberGenerator()
        let a = g.next() as UInt64, b = g.next() as UInt64
        var bytes: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &bytes) { raw in
            raw.storeBytes(of: a, toByteOffset: 0, as: UInt64.self)
            raw.storeBytes(of: b, toByteOffset: 8, as: UInt64.self)
            raw[6] = (raw[6] & 0x0F) | 0x40
            raw[8] = (raw[8] & 0x3F) | 0x80
        }
        return UUID(uuid: bytes)
    }

    /// A time-ordered id (version 7, RFC 9562): the first 48 bits are `date`'s milliseconds since 1970, big-endian,
    /// the rest random. Ids made later sort after earlier ones, as bytes and as `text`, so rows keyed by them are
    /// appended at the end of their index instead of written into a random page of it: the audit log's rows
    /// (every view of a household list writes one; a random id dirtied one more page of the primary key's index per
    /// row, written to the write-ahead log at each commit and copied back at each checkpoint).
    public static func timeOrdered(at date: Date) -> UUID {
        let ms = UInt64(max(0, (date.timeIntervalSince1970 * 1000).rounded(.down)))
        var bytes = random().uuid
        withUnsafeMutableBytes(of: &bytes) { raw in
            for i in 0..<6 { raw[i] = UInt8(truncatingIfNeeded: ms >> (8 * (5 - i))) }
            raw[6] = (raw[6] & 0x0F) | 0x70   // version 7 (random() set the variant)
        }
        return UUID(uuid: bytes)
    }

    private static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)

    /// `uuidString`'s text (upper-case, 8-4-4-4-12), written without `snprintf`.
    public var text: String {
        var out = [UInt8](repeating: UInt8(ascii: "-"), count: 36)
        withUnsafeBytes(of: uuid) { raw in
            var o = 0
            for i in 0..<16 {
                if i == 4 || i == 6 || i == 8 || i == 10 { o += 1 }
                out[o] = Self.hexDigits[Int(raw[i] >> 4)]
                out[o + 1] = Self.hexDigits[Int(raw[i] & 0x0F)]
                o += 2
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses the 36-character form (either case) without `sscanf`; anything else as `UUID(uuidString:)` does.
    public init?(text: String) {
        var bytes: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let ok: Bool = text.utf8.withContiguousStorageIfAvailable { s -> Bool in
            guard s.count == 36, s[8] == 0x2D, s[13] == 0x2D, s[18] == 0x2D, s[23] == 0x2D else { return false }
            func nibble(_ c: UInt8) -> UInt8? {
                switch c {
                case 0x30...0x39: c - 0x30
                case 0x41...0x46: c - 0x37
                case 0x61...0x66: c - 0x57
                default: nil
                }
            }
            return withUnsafeMutableBytes(of: &bytes) { raw -> Bool in
                var i = 0
                for k in 0..<16 {
                    if i == 8 || i == 13 || i == 18 || i == 23 { i += 1 }
                    guard let hi = nibble(s[i]), let lo = nibble(s[i + 1]) else { return false }
                    raw[k] = hi << 4 | lo
                    i += 2
                }
                return true
            }
        } ?? false
        if ok {
            self.init(uuid: bytes)
        } else if let u = UUID(uuidString: text) {
            self = u
        } else {
            return nil
        }
    }
}

extension SQLRow {
    /// An id column: on SQLite its stored text read by `UUID(text:)`, elsewhere decoded as usual; nil when NULL.
    func id(_ column: String, sqlite: Bool) throws -> UUID? {
        if sqlite {
            guard let t = try decode(column: column, as: String?.self) else { return nil }
            guard let u = UUID(text: t) else { throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "\(column) is not an id: \(t)")) }
            return u
        }
        return try decode(column: column, as: UUID?.self)
    }

    /// An id column that is never NULL.
    func requiredID(_ column: String, sqlite: Bool) throws -> UUID {
        guard let u = try id(column, sqlite: sqlite) else { throw DecodingError.valueNotFound(UUID.self, .init(codingPath: [], debugDescription: "\(column) is NULL")) }
        return u
    }
}
