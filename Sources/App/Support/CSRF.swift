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
        let mac = HMAC<SHA256>.authenticationCode(for: Array(seed.utf8), using: key)
        return mac.withUnsafeBytes { Tokens.base64URL($0.prefix(24)) }
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
        guard [.POST, .PUT, .PATCH, .DELETE].contains(req.method), !APIURL.isAPI(req.urlPath), !req.urlPath.hasPrefix("/hooks/"),
              // Open311 clients post forms with an API key, never a session (Features/Reports/Open311.swift).
              !req.urlPath.hasPrefix("/open311/") else {
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

/// The JSON API's rule against cross-site requests: it takes JSON bodies only (upload routes, which declare
/// `.maxBody`, also multipart and CSV), so a form on another site cannot post to it; and a write authenticated by the session
/// cookie rather than a bearer token must come from this site's own pages (Origin, or Sec-Fetch-Site: same-origin).
/// Unknown API routes answer 404 before the body is read.
struct APIGuardMiddleware: AsyncMiddleware {
    func respond(to req: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard APIURL.isAPI(req.urlPath), [.POST, .PUT, .PATCH, .DELETE].contains(req.method) else {
            return try await next.respond(to: req)
        }
        guard let route = req.route else { throw Abort(.notFound) }
        let hasBody = (req.headers.first(name: .contentLength).flatMap(Int.init) ?? 0) > 0 || req.headers.contains(name: .transferEncoding)
        if hasBody {
            let type = req.headers.contentType
            let json = type.map { $0.type == "application" && ($0.subType == "json" || $0.subType.hasSuffix("+json")) } ?? false
            let multipart = route.maxBodyBytes != nil && type?.type == "multipart" && type?.subType == "form-data"
            // A CSV body (an import): not a type a form on another site can send without the browser asking first.
            let csv = route.maxBodyBytes != nil && type?.type == "text" && type?.subType == "csv"
            guard json || multipart || csv else { throw Abort(.unsupportedMediaType) }
        }
        if req.headers.bearerAuthorization == nil, req.sessionRow != nil, !Self.sameSite(req) {
            throw Abort(.forbidden, reason: req.lang.t("error.crossSite"))
        }
        return try await next.respond(to: req)
    }

    /// Whether a browser says the request comes from this site's own pages.
    static func sameSite(_ req: Request) -> Bool {
        if let origin = req.headers.first(name: .origin) {
            var own: [String] = []
            if let base = req.config.publicBase, let u = URL(string: base), let scheme = u.scheme, let host = u.host {
                own.append("\(scheme)://\(host)" + (u.port.map { ":\($0)" } ?? ""))
            }
            if let host = req.headers.first(name: .host) { own += ["http://\(host)", "https://\(host)"] }
            return own.contains(origin.lowercased())
        }
        return req.headers.first(name: "Sec-Fetch-Site") == "same-origin"
    }
}
