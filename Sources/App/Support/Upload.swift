// Reading an upload (multipart/form-data). A body that is not readable multipart — no boundary, a broken part, a
// truncated body — is the client's fault: it answers 400 naming the file field, never 500.
import Vapor

extension Request {
    func uploadForm<T: Decodable>(_ type: T.Type) throws -> T {
        do {
            return try content.decode(T.self)
        } catch let e as any AbortError where e.status == .payloadTooLarge || e.status == .unsupportedMediaType {
            throw e
        } catch {
            logger.info("unreadable upload: \(String(reflecting: error))")
            throw InvalidInput("file", "error.badUpload", status: .badRequest)
        }
    }
}

/// The multipart decoder every route uses (set in `configure`): MultipartKit 4.7.1's parser looks a header name's
/// bytes up in a 128-entry table and stops the process on any byte from 0x80 up (an API fuzzer sent one). Before
/// handing a body to it, the header names of every part are checked to be ASCII; a body that fails answers 400.
struct SafeFormDataDecoder: ContentDecoder {
    private let inner = FormDataDecoder()

    func decode<D: Decodable>(_ decodable: D.Type, from body: ByteBuffer, headers: HTTPHeaders) throws -> D {
        try decode(D.self, from: body, headers: headers, userInfo: [:])
    }

    func decode<D: Decodable>(_ decodable: D.Type, from body: ByteBuffer, headers: HTTPHeaders,
                              userInfo: [CodingUserInfoKey: Sendable]) throws -> D {
        guard let boundary = headers.contentType?.parameters["boundary"], !boundary.isEmpty else {
            throw Abort(.badRequest, reason: "multipart body without a boundary")
        }
        guard Self.headerNamesAreASCII(Array(body.readableBytesView), boundary: boundary) else {
            throw Abort(.badRequest, reason: "malformed multipart body")
        }
        return try inner.decode(D.self, from: body, headers: headers, userInfo: userInfo)
    }

    /// Whether, in every part's header block (from a boundary line to the blank line that ends the headers, or to the
    /// next boundary when there is none), the name of every header line (the bytes before its first colon) is ASCII.
    static func headerNamesAreASCII(_ bytes: [UInt8], boundary: String) -> Bool {
        let delimiter = Array(("--" + boundary).utf8)
        let n = bytes.count
        func find(_ pattern: [UInt8], from: Int) -> Int? {
            guard !pattern.isEmpty, from <= n - pattern.count else { return nil }
            var i = from
            while i <= n - pattern.count {
                if bytes[i] == pattern[0], bytes[i..<(i + pattern.count)].elementsEqual(pattern) { return i }
                i += 1
            }
            return nil
        }
        let blankLine: [UInt8] = [13, 10, 13, 10]
        var at = 0
        while let start = find(delimiter, from: at) {
            let from = start + delimiter.count
            let next = find(delimiter, from: from) ?? n
            let end = min(find(blankLine, from: from) ?? n, next)
            var inName = true
            var i = from
            while i < end {
                let b = bytes[i]
                if b == 10 { inName = true } else if b == 58 { inName = false } else if inName && b >= 0x80 { return false }
                i += 1
            }
            at = next
            if next >= n { break }
        }
        return true
    }
}
