// Every HTML form carries the session's CSRF token; a state-changing request to a page route without it is
// refused. The JSON API is exempt: it takes JSON bodies (which a foreign page cannot send without CORS) or a
// bearer token.
import Vapor

enum CSRF {
    static func newToken() -> String {
        var g = SystemRandomNumberGenerator()
        return (0..<4).map { _ in String(g.next(), radix: 36) }.joined()
    }
}

extension Request {
    /// On signing in: a new session id (so an id planted before sign-in is worth nothing) and a new form token.
    func renewSession() {
        session.id = nil
        session.data["csrf"] = CSRF.newToken()
    }

    /// The session's token, made on first use.
    var csrfToken: String {
        if let t = session.data["csrf"] { return t }
        let t = CSRF.newToken()
        session.data["csrf"] = t
        return t
    }
}

struct CSRFMiddleware: AsyncMiddleware {
    let maxBody: Int

    func respond(to req: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        // Webhooks (/hooks/) verify their callers' signatures instead.
        guard [.POST, .PUT, .PATCH, .DELETE].contains(req.method), !req.url.path.hasPrefix("/api/"), !req.url.path.hasPrefix("/hooks/") else {
            return try await next.respond(to: req)
        }
        let buffer = try await req.body.collect(max: maxBody).get()
        _ = buffer
        let sent = try? req.content.get(String.self, at: "_csrf")
        guard let expected = req.session.data["csrf"], let sent, !sent.isEmpty,
              Tokens.same(sent, expected) else {
            throw Abort(.forbidden, reason: req.lang.t("error.csrf"))
        }
        return try await next.respond(to: req)
    }
}
