// The request's path, query values and cookies, read once per request. Vapor's `req.url.path` rebuilds the path from the
// parsed URL (and replaces `%3B`) on every call, and every `req.query[…, at: key]` parses the whole query string
// again, and every `req.cookies[…]` parses the Cookie header again; a page asks for each many times (the middlewares,
// the rule, the kept page's key, the pager). Profiled on the household list (docs/benchmarks.md, issue 10), that was
// about a tenth of the server's time per request.
import Vapor

private struct URLPathKey: StorageKey { typealias Value = String }
private struct QueryValuesKey: StorageKey { typealias Value = QueryValues }
private struct CookieValuesKey: StorageKey { typealias Value = [String: String] }

/// The query's values by name, decoded once by Vapor's own form decoder. `nil` when the query does not decode as
/// plain `name=value` pairs (a bare flag, `name[]=…`): then each value is asked of the decoder, as before.
private struct QueryValues: Sendable {
    var values: [String: String]?
}

extension Request {
    /// `url.path`, computed once.
    var urlPath: String {
        if let p = storage[URLPathKey.self] { return p }
        let p = url.path
        storage[URLPathKey.self] = p
        return p
    }

    /// The value of one query parameter, as `query[String.self, at: key]` reads it (`+` a space, percent escapes
    /// decoded), with the query parsed once per request; nil when absent. A request without a query never runs the
    /// decoder.
    func queryValue(_ key: String) -> String? {
        guard let raw = url.query, !raw.isEmpty else { return nil }
        let parsed: QueryValues
        if let p = storage[QueryValuesKey.self] {
            parsed = p
        } else {
            parsed = QueryValues(values: try? query.decode([String: String].self))
            storage[QueryValuesKey.self] = parsed
        }
        if let values = parsed.values { return values[key] }
        return query[String.self, at: key]
    }

    /// The value of one cookie the browser sent, as `cookies[name]?.string` reads it, with the header parsed once.
    func cookieValue(_ name: String) -> String? {
        if let all = storage[CookieValuesKey.self] { return all[name] }
        var all: [String: String] = [:]
        if headers.contains(name: .cookie) {
            for (k, v) in cookies.all { all[k] = v.string }
        }
        storage[CookieValuesKey.self] = all
        return all[name]
    }
}
