// The interface language. Vietnamese is the default; the choice is a cookie set by the language switch; until one
// is chosen, pages and JSON follow the client's Accept-Language.
import Vapor
import Leaf

public enum Lang: String, Sendable, CaseIterable, Codable {
    case vi, en

    /// Translates a key of the one translation table, filling {0}, {1}... with args.
    public func t(_ key: String, _ args: [String] = []) -> String {
        guard let entry = L10n.table[key] else { return key }
        var text = self == .vi ? entry.vi : entry.en
        for (i, a) in args.enumerated() { text = text.replacingOccurrences(of: "{\(i)}", with: a) }
        return text
    }

    /// Vietnamese style "1.216", English style "1,216".
    /// 96,5% in Vietnamese, 96.5% in English (one decimal, dropped when zero).
    public func percent(_ p: Double) -> String {
        let r = (p * 10).rounded() / 10
        var text = r == r.rounded() ? String(Int(r)) : String(format: "%.1f", r)
        if self == .vi { text = text.replacingOccurrences(of: ".", with: ",") }
        return text + "%"
    }

    public func number(_ n: Int) -> String {
        let digits = String(abs(n))
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(self == .vi ? "." : ",") }
            out.append(ch)
        }
        return n < 0 ? "-" + out : out
    }
}

extension Lang {
    /// The language an Accept-Language header prefers among ours ("en-US,en;q=0.9,vi;q=0.8" → en); nil when it names
    /// neither.
    public static func preferred(_ header: String) -> Lang? {
        var best: (Lang, Double)? = nil
        for part in header.split(separator: ",").prefix(20) {
            let fields = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard let tag = fields.first else { continue }
            let q = fields.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            guard q > 0, q <= 1, let lang = Lang(rawValue: String(tag.prefix { $0 != "-" })) else { continue }
            if best == nil || q > best!.1 { best = (lang, q) }
        }
        return best?.0
    }
}

struct LangKey: StorageKey { typealias Value = Lang }

extension Request {
    public var lang: Lang {
        get { storage[LangKey.self] ?? .vi }
        set { storage[LangKey.self] = newValue }
    }
}

extension Request {
    /// `lang=…` when the URL names a language, else nil: the language's part of a kept page's canonical query
    /// (`LedgerPages`, `SignedInPages`), never the URL's own text.
    var canonicalLangParameter: String? {
        queryValue("lang").flatMap(Lang.init(rawValue:)).map { "lang=" + $0.rawValue }
    }
}

struct LanguageMiddleware: AsyncMiddleware {
    func respond(to req: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if let q = req.queryValue("lang"), let l = Lang(rawValue: q) {
            req.lang = l
        } else if let c = req.cookieValue("lang"), let l = Lang(rawValue: c) {
            req.lang = l
        } else if let al = req.headers.first(name: .acceptLanguage), let l = Lang.preferred(al) {
            // A first visit follows the browser's language until the visitor picks one (the cookie).
            req.lang = l
        }
        return try await next.respond(to: req)
    }
}

/// `#t("key")` or `#t("key", arg0, arg1)` in Leaf: the string in the request's language.
struct TranslateTag: LeafTag {
    func render(_ ctx: LeafContext) throws -> LeafData {
        guard let key = ctx.parameters.first?.string else { throw Abort(.internalServerError, reason: "#t needs a key") }
        let lang = ctx.request?.lang ?? .vi
        let args = ctx.parameters.dropFirst().map { p -> String in
            if let i = p.int { return lang.number(i) }
            return p.string ?? ""
        }
        return .string(lang.t(key, Array(args)))
    }
}

/// `#num(1216)` → "1.216" in Vietnamese, "1,216" in English.
struct NumberTag: LeafTag {
    func render(_ ctx: LeafContext) throws -> LeafData {
        let lang = ctx.request?.lang ?? .vi
        guard let n = ctx.parameters.first?.int else { return .string("") }
        return .string(lang.number(n))
    }
}

/// `#day("2025-07-01")` → "01/07/2025".
struct DayTag: LeafTag {
    func render(_ ctx: LeafContext) throws -> LeafData {
        .string(Day.display(ctx.parameters.first?.string ?? ""))
    }
}

