// QR codes drawn with libqrencode (Debian's libqrencode-dev through the CQRencode system library) as SVG, with the
// error-correction level chosen for print (Q: a card survives a fold or a smudge).
import CQRencode
import Foundation

public enum QRCode {
    public enum Level: Sendable { case low, medium, quartile, high }

    /// The modules of the symbol for `text` (true = dark), or nil if it does not fit.
    public static func matrix(_ text: String, level: Level = .quartile) -> [[Bool]]? {
        let ec: QRecLevel = switch level {
        case .low: QR_ECLEVEL_L
        case .medium: QR_ECLEVEL_M
        case .quartile: QR_ECLEVEL_Q
        case .high: QR_ECLEVEL_H
        }
        guard let code = QRcode_encodeString8bit(text, 0, ec) else { return nil }
        defer { QRcode_free(code) }
        let width = Int(code.pointee.width)
        var rows: [[Bool]] = []
        for y in 0..<width {
            rows.append((0..<width).map { x in code.pointee.data[y * width + x] & 1 == 1 })
        }
        return rows
    }

    /// An SVG with a quiet zone of 4 modules; `size` in CSS pixels.
    public static func svg(_ text: String, size: Int = 240, level: Level = .quartile) -> String? {
        guard let m = matrix(text, level: level) else { return nil }
        let n = m.count + 8
        var path = ""
        // One rectangle per run of dark modules in a row: a third of the bytes of one square per module.
        for (y, row) in m.enumerated() {
            var x = 0
            while x < row.count {
                guard row[x] else { x += 1; continue }
                var run = 1
                while x + run < row.count && row[x + run] { run += 1 }
                path += "M\(x + 4) \(y + 4)h\(run)v1h-\(run)z"
                x += run
            }
        }
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(n) \(n)\" width=\"\(size)\" height=\"\(size)\" shape-rendering=\"crispEdges\" role=\"img\"><rect width=\"\(n)\" height=\"\(n)\" fill=\"#fff\"/><path d=\"\(path)\" fill=\"#000\"/></svg>"
    }
}

// procedures: QR codes as PNG too (for posters printed from other programs), with a small PNG writer of our own:
// 1-bit greyscale, stored (uncompressed) deflate blocks, so no image library is needed.
extension QRCode {
    /// A PNG with a quiet zone of 4 modules, each module `scale` pixels.
    public static func png(_ text: String, scale: Int = 8, level: Level = .quartile) -> [UInt8]? {
        guard let m = matrix(text, level: level), scale > 0 else { return nil }
        return png(modules: m, scale: scale)
    }

    /// A PNG of a square grid of modules (true = dark) with a quiet zone of 4 modules, each module `scale` pixels.
    public static func png(modules m: [[Bool]], scale: Int) -> [UInt8]? {
        guard scale > 0, !m.isEmpty else { return nil }
        let n = m.count + 8
        let side = n * scale
        let rowBytes = (side + 7) / 8
        var raw: [UInt8] = []
        raw.reserveCapacity(side * (rowBytes + 1))
        for py in 0..<side {
            raw.append(0)   // filter: none
            var row = [UInt8](repeating: 0xFF, count: rowBytes)   // 1 = white
            let my = py / scale - 4
            if my >= 0 && my < m.count {
                for px in 0..<side {
                    let mx = px / scale - 4
                    if mx >= 0 && mx < m[my].count && m[my][mx] { row[px / 8] &= ~(0x80 >> UInt8(px % 8)) }
                }
            }
            raw.append(contentsOf: row)
        }
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }
        func chunk(_ type: String, _ data: [UInt8]) {
            let t = Array(type.utf8)
            out += be32(UInt32(data.count)) + t + data + be32(PNGChecks.crc32(t + data))
        }
        chunk("IHDR", be32(UInt32(side)) + be32(UInt32(side)) + [1, 0, 0, 0, 0])
        var z: [UInt8] = [0x78, 0x01]
        var i = 0
        repeat {
            let len = min(65_535, raw.count - i)
            let final: UInt8 = i + len >= raw.count ? 1 : 0
            z += [final, UInt8(len & 0xFF), UInt8(len >> 8), UInt8(~len & 0xFF), UInt8((~len >> 8) & 0xFF)]
            z += raw[i..<(i + len)]
            i += len
        } while i < raw.count
        z += be32(PNGChecks.adler32(raw))
        chunk("IDAT", z)
        chunk("IEND", [])
        return out
    }
}

enum PNGChecks {
    static let table: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes { c = table[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }
    static func adler32(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        for x in bytes { a = (a + UInt32(x)) % 65_521; b = (b + a) % 65_521 }
        return (b << 16) | a
    }
}
