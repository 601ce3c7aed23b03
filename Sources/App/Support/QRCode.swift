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
        for (y, row) in m.enumerated() {
            for (x, dark) in row.enumerated() where dark { path += "M\(x + 4) \(y + 4)h1v1h-1z" }
        }
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(n) \(n)\" width=\"\(size)\" height=\"\(size)\" shape-rendering=\"crispEdges\" role=\"img\"><rect width=\"\(n)\" height=\"\(n)\" fill=\"#fff\"/><path d=\"\(path)\" fill=\"#000\"/></svg>"
    }
}
