// Form tokens. Every HTML form carries a token made from the browser's session cookie (an HMAC with a key kept in
// `settings`, so every instance agrees and no row is written for a visitor); a state-changing request to a page route
// without it is refused. Refusals come before the body is read: an unknown path answers 404, a request without the
// cookie 403, and a body larger than the route allows 413 (ordinary forms 256 KB; upload routes declare their own
// limit with `.maxBody`). The JSON API has its own rule (APIOriginMiddleware); webhooks check signatures instead.
import Crypto
import NIOConcurrencyHelpers
import Vapor

enum FormKey {
    struct Key: StorageKey { typealias Value = SymmetricKey }
    private static let lock = NIOLock()

    /// The key, read from (or made once in) `settings` on first use.
    static func ensure(_ app: Application) async throws -> SymmetricKey {
        if let k = lock.withLock({ app.storage[Key.self] }) { return k }
        let fresh = Data(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }).base64EncodedString()
        let stored = try await Settings.setOnce("form_key", fresh, on: app.db)
        guard let bytes = Data(base64Encoded: stored) else { throw Abort(.internalServerError, reason: "settings.form_key is not base64") }
        let key = SymmetricKey(data: bytes)
        lock.withLock { app.storage[Key.self] = key }
        return key
    }

    static func cached(_ app: Application) -> SymmetricKey? { lock.withLock { app.storage[Key.self] } }

    static func token(for seed: String, key: SymmetricKey) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(seed.utf8), using: key)
        return String(Data(mac).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "").prefix(32))
    }
}

extension Request {
    /// The form token of this browser (made with its cookie, which is set now if it had none).
    var csrfToken: String {
        guard let key = FormKey.cached(application) else { return "" }
        return FormKey.token(for: sessionSeed, key: key)
    }
}

extension Route {
    /// The largest body this route reads (uploads); other page routes take at most `CSRFMiddleware.formLimit`.
    @discardableResult
    public func maxBody(_ bytes: Int) -> Route {
        userInfo["maxBody"] = bytes
        return self
    }
    var maxBodyBytes: Int? { userInfo["maxBody"] as? Int }
}

struct CSRFMiddleware: AsyncMiddleware {
    static let formLimit = 262_144

    func respond(to req: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard [.POST, .PUT, .PATCH, .DELETE].contains(req.method), !req.url.path.hasPrefix("/api/"), !req.url.path.hasPrefix("/hooks/") else {
            return try await next.respond(to: req)
        }
        // Nothing is read before these three checks.
        guard let route = req.route else { throw Abort(.notFound) }
        guard let seed = req.sessionBox.cookie, let key = FormKey.cached(req.application) else {
            throw Abort(.forbidden, reason: req.lang.t("error.csrf"))
        }
        let limit = route.maxBodyBytes ?? Self.formLimit
        if let length = req.headers.first(name: .contentLength).flatMap(Int.init), length > limit { throw Abort(.payloadTooLarge) }
        let sent: String?
        if let header = req.headers.first(name: "X-CSRF-Token") {
            sent = header
        } else {
            _ = try await req.body.collect(max: limit).get()
            sent = try? req.content.get(String.self, at: "_csrf")
        }
        guard let sent, !sent.isEmpty, Tokens.same(sent, FormKey.token(for: seed, key: key)) else {
            throw Abort(.forbidden, reason: req.lang.t("error.csrf"))
        }
        return try await next.respond(to: req)
    }
}
