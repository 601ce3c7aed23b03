// The files under Public/ (a style sheet, two scripts, a CSV template), read once at start and answered from memory.
// Vapor's FileMiddleware asked the file system (on the thread pool) for every request's path, pages and /healthz
// included, before any route ran; this one looks the path up in a dictionary. A file changed on disk is picked up at
// the next start, like the templates.
import Crypto
import Foundation
import Vapor

struct StaticFilesMiddleware: AsyncMiddleware {
    struct File: Sendable {
        var body: ByteBuffer
        var type: HTTPMediaType
        var etag: String
    }

    let files: [String: File]

    /// Reads every regular file under `directory` (hidden files and folders skipped), keyed by its URL path.
    init(publicDirectory directory: String) {
        var files: [String: File] = [:]
        let root = URL(fileURLWithPath: directory, isDirectory: true).standardizedFileURL
        let fm = FileManager.default
        if let walker = fm.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles]) {
            for case let url as URL in walker {
                guard (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true,
                      let data = fm.contents(atPath: url.path) else { continue }
                let rel = String(url.standardizedFileURL.path.dropFirst(root.path.count))
                let path = rel.hasPrefix("/") ? rel : "/" + rel
                let digest = SHA256.hash(data: data).prefix(12).map { String(format: "%02x", $0) }.joined()
                let type = HTTPMediaType.fileExtension(url.pathExtension) ?? .binary
                files[path] = File(body: ByteBuffer(data: data), type: type, etag: "\"\(digest)\"")
            }
        }
        self.files = files
    }

    func respond(to req: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard req.method == .GET || req.method == .HEAD, let file = files[req.urlPath] else {
            return try await next.respond(to: req)
        }
        var headers = HTTPHeaders()
        headers.add(name: .eTag, value: file.etag)
        if req.headers.first(name: .ifNoneMatch) == file.etag {
            return Response(status: .notModified, headers: headers)
        }
        headers.contentType = file.type
        return Response(status: .ok, headers: headers, body: .init(buffer: file.body))
    }
}
