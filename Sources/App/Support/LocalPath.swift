// Where `next` and `back` parameters may send a browser: a path on this site only. Anything a browser could read as
// another host — `//host`, `/\host`, a scheme, or control characters (browsers drop tabs and line breaks, so
// "/\t/host" becomes "//host") — is refused and the caller's default used instead.
public enum LocalPath {
    public static func safe(_ raw: String?) -> String? {
        guard let raw, raw.hasPrefix("/"), raw.utf8.count <= 2000 else { return nil }
        if raw.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f || $0 == "\\" }) { return nil }
        let second = raw.dropFirst().first
        if second == "/" { return nil }
        // Percent-encoded slashes or backslashes right after the first slash are read as a host by some servers.
        let lower = raw.lowercased()
        if lower.hasPrefix("/%2f") || lower.hasPrefix("/%5c") || lower.hasPrefix("/%09") { return nil }
        return raw
    }

    public static func safe(_ raw: String?, or fallback: String) -> String { safe(raw) ?? fallback }
}
