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
