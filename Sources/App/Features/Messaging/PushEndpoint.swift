// Which push endpoints the server may post to. A subscription's endpoint is any URL a browser (or anyone with a
// household session) hands over, so without a check the server would post wherever it is told: to itself, to the
// database on the private network, to a cloud metadata address. Only https endpoints on public addresses are taken,
// checked when the subscription is made and again, after a fresh DNS look-up, right before each send (so a name that
// later points at a private address is not contacted). Redirects are never followed (PushEndpoint.client).
import Foundation
import NIOCore
import AsyncHTTPClient
import Vapor
#if canImport(Glibc)
import Glibc
#endif

enum PushEndpoint {
    enum Verdict: Equatable, Sendable {
        case ok
        /// Not an https URL with a host (or http without PUSH_ALLOW_PRIVATE_HOSTS).
        case malformed
        /// The host is, or resolves to, an address that is not public.
        case notPublic(String)
        /// The name does not resolve now.
        case unresolved
    }

    /// Ranges that are not the public internet: this host, private networks, link-local, unique-local, CGNAT,
    /// documentation, benchmarking, multicast and reserved space (IANA special-purpose registries).
    static let blocked: [AddressRange] = [
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24",
        "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
        "224.0.0.0/4", "240.0.0.0/4",
        "::/96", "::ffff:0:0/96", "64:ff9b::/96", "64:ff9b:1::/48", "100::/64", "2001::/23", "2001:db8::/32", "2002::/16",
        "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8",
    ].compactMap(AddressRange.init)

    static func isPublic(_ bytes: [UInt8]) -> Bool {
        (bytes.count == 4 || bytes.count == 16) && !blocked.contains { $0.contains(bytes) }
    }

    /// The URL's host without IPv6 brackets, when the URL is one the server may post to at all.
    static func host(_ endpoint: String, allowPrivate: Bool) -> String? {
        guard endpoint.count <= 1000, let url = URL(string: endpoint), let scheme = url.scheme?.lowercased(),
              scheme == "https" || (allowPrivate && scheme == "http"),
              url.user == nil, url.password == nil, var host = url.host, !host.isEmpty else { return nil }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host
    }

    /// Every address the name resolves to (getaddrinfo, so "localhost", "2130706433" and "0x7f.1" resolve as the
    /// network stack would resolve them); nil when it does not resolve.
    static func resolve(_ host: String) async -> [[UInt8]]? {
        await withCheckedContinuation { (k: CheckedContinuation<[[UInt8]]?, Never>) in
            DispatchQueue.global().async {
                var hints = addrinfo()
                hints.ai_family = AF_UNSPEC
                #if canImport(Glibc)
                hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
                #else
                hints.ai_socktype = SOCK_STREAM
                #endif
                var result: UnsafeMutablePointer<addrinfo>? = nil
                guard getaddrinfo(host, nil, &hints, &result) == 0, let first = result else { k.resume(returning: nil); return }
                defer { freeaddrinfo(first) }
                var out: [[UInt8]] = []
                var cur: UnsafeMutablePointer<addrinfo>? = first
                while let ai = cur {
                    if let sa = ai.pointee.ai_addr {
                        if ai.pointee.ai_family == AF_INET {
                            var a = sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
                            out.append(withUnsafeBytes(of: &a) { Array($0) })
                        } else if ai.pointee.ai_family == AF_INET6 {
                            var a = sa.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
                            let b = withUnsafeBytes(of: &a) { Array($0) }
                            // An IPv4-mapped address is judged as the IPv4 address it carries.
                            if b[0..<10].allSatisfy({ $0 == 0 }) && b[10] == 0xff && b[11] == 0xff { out.append(Array(b[12..<16])) } else { out.append(b) }
                        }
                    }
                    cur = ai.pointee.ai_next
                }
                k.resume(returning: out.isEmpty ? nil : out)
            }
        }
    }

    static func text(_ b: [UInt8]) -> String {
        b.count == 4 ? b.map(String.init).joined(separator: ".")
            : stride(from: 0, to: b.count, by: 2).map { String(format: "%x", Int(b[$0]) << 8 | Int(b[$0 + 1])) }.joined(separator: ":")
    }

    /// Whether the server may post to `endpoint` now. With `allowPrivate` (PUSH_ALLOW_PRIVATE_HOSTS) any http(s) host is taken.
    static func check(_ endpoint: String, allowPrivate: Bool) async -> Verdict {
        guard let host = host(endpoint, allowPrivate: allowPrivate) else { return .malformed }
        if allowPrivate { return .ok }
        let addresses: [[UInt8]]
        if let literal = AddressRange.parse(host) { addresses = [literal] } else {
            guard let resolved = await resolve(host) else { return .unresolved }
            addresses = resolved
        }
        // Every address must be public: a name with one private address among public ones could be connected to it.
        if let bad = addresses.first(where: { !isPublic($0) }) { return .notPublic(text(bad)) }
        return .ok
    }

    /// The client push messages go out with: redirects are not followed (a public endpoint could otherwise send the
    /// server on to a private one), and it is shut down with the application.
    static func client(_ app: Application) -> HTTPClient {
        app.locks.lock(for: ClientKey.self).withLock {
            if let c = app.storage[ClientKey.self] { return c }
            let c = HTTPClient(eventLoopGroupProvider: .shared(app.eventLoopGroup),
                               configuration: .init(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(10), read: .seconds(15))))
            // Shut down without waiting: with SWIFT_EXECUTOR=nio the application's shutdown runs on an event loop,
            // where AsyncHTTPClient's syncShutdown() stops the process (it could deadlock there).
            app.storage.set(ClientKey.self, to: c, onShutdown: { _ = $0.shutdown() })
            return c
        }
    }

    struct ClientKey: StorageKey, LockKey { typealias Value = HTTPClient }
}
