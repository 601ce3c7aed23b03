// Bad input answers with every field at fault, in the user's language, and nothing is written.
// Actions throw `InvalidInput`; the JSON API renders it as 422 with the fields, HTML forms re-render with the
// messages next to the fields.
import Vapor

public struct FieldIssue: Sendable, Equatable {
    public var field: String
    public var key: String
    public var args: [String]
    public var line: Int?

    public init(_ field: String, _ key: String, _ args: [String] = [], line: Int? = nil) {
        self.field = field
        self.key = key
        self.args = args
        self.line = line
    }

    public func message(_ lang: Lang) -> String { lang.t(key, args) }
}

public struct InvalidInput: Error, Sendable {
    public var issues: [FieldIssue]
    public var status: HTTPResponseStatus
    public init(_ issues: [FieldIssue], status: HTTPResponseStatus = .unprocessableEntity) {
        self.issues = issues
        self.status = status
    }
    public init(_ field: String, _ key: String, _ args: [String] = [], status: HTTPResponseStatus = .unprocessableEntity) {
        self.init([FieldIssue(field, key, args)], status: status)
    }
}

/// Collects issues while checking a form or a body, then throws them together.
public struct Checker: Sendable {
    public private(set) var issues: [FieldIssue] = []
    public init() {}

    public mutating func add(_ field: String, _ key: String, _ args: [String] = [], line: Int? = nil) {
        issues.append(FieldIssue(field, key, args, line: line))
    }

    /// A required, trimmed, NFC text of at most `max` characters; `multiline` lets line breaks and tabs through.
    public mutating func text(_ field: String, _ value: String?, max: Int, required: Bool = true, multiline: Bool = false) -> String {
        let v = Self.clean(value ?? "")
        if v.isEmpty {
            if required { add(field, "error.required") }
        } else if v.count > max {
            add(field, "error.tooLong", [String(max)])
        } else if Self.hasControl(v, multiline: multiline) {
            add(field, "error.controlChars")
        }
        return v
    }

    /// Trimmed and NFC; the CSV import checks half a million rows through here, so a text with nothing to trim skips
    /// Foundation's trimming, and an ASCII one (always NFC) its normalisation.
    static func clean(_ raw: String) -> String {
        let t = trim(raw, .whitespacesAndNewlines)
        return t.utf8.allSatisfy({ $0 < 0x80 }) ? t : t.precomposedStringWithCanonicalMapping
    }

    /// `raw` without the characters of `set` at its ends; Foundation's trimming only when an end may be one of them
    /// (an ASCII letter, digit or mark at both ends is none of the white-space sets).
    static func trim(_ raw: String, _ set: CharacterSet) -> String {
        let u = raw.utf8
        guard let first = u.first, let last = u.last else { return raw }
        func plain(_ b: UInt8) -> Bool { b > 0x20 && b < 0x7F }
        if plain(first) && plain(last) { return raw }
        let scalars = raw.unicodeScalars
        return set.contains(scalars.first!) || set.contains(scalars.last!) ? raw.trimmingCharacters(in: set) : raw
    }

    /// Whether the text holds a control character (general category Cc: U+0000–U+001F, U+007F–U+009F); `multiline`
    /// lets line breaks and tabs through.
    static func hasControl(_ v: String, multiline: Bool) -> Bool {
        var previous: UInt8 = 0
        for b in v.utf8 {
            if b < 0x20 && !(multiline && (b == 0x0A || b == 0x09)) { return true }
            if b == 0x7F || (previous == 0xC2 && b >= 0x80 && b <= 0x9F) { return true }
            previous = b
        }
        return false
    }

    /// A Vietnamese phone number: 10 digits starting with 0 (spaces, dots and +84 accepted and normalised).
    public mutating func phone(_ field: String, _ value: String?, required: Bool = false) -> String? {
        let raw = Self.trim(value ?? "", .whitespaces)
        if raw.isEmpty {
            if required { add(field, "error.required") }
            return nil
        }
        if let p = Phone.normalize(raw) { return p }
        add(field, "error.phone")
        return nil
    }

    public mutating func day(_ field: String, _ value: String?, required: Bool = false) -> String? {
        if let v = value, let d = Day.canonical(v) { return d }
        let raw = (value ?? "").trimmingCharacters(in: .whitespaces)
        if raw.isEmpty {
            if required { add(field, "error.required") }
            return nil
        }
        if let d = Day.parse(raw) { return d }
        add(field, "error.date")
        return nil
    }

    public func check() throws {
        if !issues.isEmpty { throw InvalidInput(issues) }
    }
}

public enum Phone {
    /// "0912 345 678", "+84 912.345.678" → "0912345678"; nil when it is not 10 digits starting with 0.
    public static func normalize(_ raw: String) -> String? {
        var s = raw.filter { !" .-()".contains($0) }
        if s.hasPrefix("+84") { s = "0" + s.dropFirst(3) } else if s.hasPrefix("84") && s.count == 11 { s = "0" + s.dropFirst(2) }
        guard s.count == 10, s.hasPrefix("0"), s.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return s
    }
}

/// JSON error body: `{"error": "invalid", "message": "...", "fields": [{"field": "name", "message": "...", "line": 3}]}`.
public struct ErrorBody: Content {
    public struct Field: Content {
        public var field: String
        public var message: String
        public var line: Int?
    }
    public var error: String
    public var message: String
    public var fields: [Field]?
}

/// Renders every error in the user's language: JSON under /api, an HTML page elsewhere.
struct AppErrorMiddleware: AsyncMiddleware {
    let logger: Logger

    func respond(to req: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: req)
        } catch {
            return try await render(error, for: req)
        }
    }

    func render(_ error: any Error, for req: Request) async throws -> Response {
        let lang = req.lang
        var status = HTTPResponseStatus.internalServerError
        var code = "server"
        var message = lang.t("error.server")
        var fields: [ErrorBody.Field]? = nil
        var headers = HTTPHeaders()
        switch error {
        case let e as InvalidInput:
            status = e.status
            code = "invalid"
            message = lang.t("error.invalid")
            fields = e.issues.map { .init(field: $0.field, message: $0.message(lang), line: $0.line) }
        case let e as TooManyRequests:
            status = .tooManyRequests
            code = "too_many"
            message = lang.t(e.key)
            if let after = e.retryAfter { headers.replaceOrAdd(name: .retryAfter, value: String(after)) }
        case let e as any AbortError:
            status = e.status
            headers = e.headers
            switch status {
            case .notFound: code = "not_found"; message = lang.t("error.notFound")
            case .badRequest, .unsupportedMediaType: code = "bad_request"; message = lang.t("error.badRequest")
            case .payloadTooLarge: code = "too_large"; message = lang.t("error.tooLarge")
            case .methodNotAllowed: code = "method"; message = lang.t("error.notFound")
            case .unauthorized: code = "unauthorized"; message = lang.t("error.unauthorized")
            case .serviceUnavailable: code = "busy"; message = lang.t("error.busy")
            default: code = "error"; message = status.code < 500 ? e.reason : lang.t("error.server")
            }
        case is ConnectionPoolTimeoutError:
            // Every database connection was busy for the pool's whole timeout: the server is overloaded, not broken;
            // the client may try again shortly.
            status = .serviceUnavailable
            code = "busy"
            message = lang.t("error.busy")
            headers.replaceOrAdd(name: .retryAfter, value: "2")
        case is DecodingError:
            status = .badRequest
            code = "bad_request"
            message = lang.t("error.badRequest")
        case _ where String(reflecting: type(of: error)).hasPrefix("MultipartKit."):
            // A malformed multipart body (its parser's errors are not public types): the client's fault, not ours.
            status = .badRequest
            code = "bad_request"
            message = lang.t("error.badRequest")
        default:
            req.logger.report(error: error)
        }
        if status.code >= 500 { req.logger.error("\(req.method) \(req.urlPath): \(String(reflecting: error))") }
        // A request still in flight when the application stops (a client that outlived it) is answered without the
        // view renderer, whose storage is gone by then: reaching for it would stop the process.
        if APIURL.isAPI(req.urlPath) || ["/healthz", "/livez", "/readyz"].contains(req.urlPath) || req.headers.accept.mediaTypes.first == .json
            || req.application.didShutdown {
            let body = ErrorBody(error: code, message: message, fields: fields)
            let res = Response(status: status, headers: headers)
            try res.content.encode(body)
            return res
        }
        let view = try await req.view.render("shared/error", ErrorPage(
            layout: Layout(req, title: message), status: Int(status.code), message: message,
            fields: fields ?? []))
        let res = try await view.encodeResponse(status: status, for: req)
        for (k, v) in headers where k.lowercased() != "content-type" && k.lowercased() != "content-length" { res.headers.replaceOrAdd(name: k, value: v) }
        return res
    }
}

struct ErrorPage: Encodable {
    var layout: Layout
    var status: Int
    var message: String
    var fields: [ErrorBody.Field]
}

public enum Codes {
    /// A local code: ASCII letters and digits, then also '.', '_' or '-', at most `max` characters.
    public static func isLocal(_ s: String, max: Int) -> Bool {
        guard let first = s.first, first.isASCII, first.isLetter || first.isNumber, s.count <= max else { return false }
        return s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "_" || $0 == "-") }
    }
}
