// The client's address for limits and the audit log. The peer's address is believed; X-Forwarded-For only when the
// peer is one of TRUSTED_PROXIES (addresses or CIDR ranges; none by default), and then the nearest address in it
// that is not itself a trusted proxy.
import Foundation
import Vapor
#if canImport(Glibc)
import Glibc
#endif

public struct AddressRange: Sendable, Equatable {
    var bytes: [UInt8]
    var prefix: Int

    /// "203.0.113.0/24", "10.0.0.1", "fd00::/8"; nil when it is not one.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1).map(String.init)
        guard let first = parts.first, let b = AddressRange.parse(first) else { return nil }
        bytes = b
        if parts.count == 2 {
            guard let p = Int(parts[1]), (0...(b.count * 8)).contains(p) else { return nil }
            prefix = p
        } else {
            prefix = b.count * 8
        }
    }

    /// The address's bytes: 4 for IPv4, 16 for IPv6 (an IPv4-mapped IPv6 address answers its 4 IPv4 bytes).
    public static func parse(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            let b = withUnsafeBytes(of: &v6) { Array($0) }
            if b[0..<10].allSatisfy({ $0 == 0 }) && b[10] == 0xff && b[11] == 0xff { return Array(b[12..<16]) }
            return b
        }
        return nil
    }

    public func contains(_ address: [UInt8]) -> Bool {
        guard address.count == bytes.count else { return false }
        var bits = prefix
        for i in 0..<bytes.count where bits > 0 {
            let take = min(8, bits)
            let mask: UInt8 = take == 8 ? 0xff : ~(0xff >> UInt8(take))
            if address[i] & mask != bytes[i] & mask { return false }
            bits -= take
        }
        return true
    }

    public func contains(_ text: String) -> Bool { AddressRange.parse(text).map(contains) ?? false }
}

extension Request {
    /// Who is asking, as far as can be believed (see above); "?" when unknown.
    public var clientAddress: String {
        ClientAddress.resolve(peer: remoteAddress?.ipAddress ?? "?", forwardedFor: headers[.xForwardedFor], trusted: config.trustedProxies)
    }
}

public enum ClientAddress {
    /// The peer, unless it is a trusted proxy: then the nearest X-Forwarded-For hop that is not one (a hop that is
    /// not an address stops the walk at the last believed one).
    public static func resolve(peer: String, forwardedFor: [String], trusted: [AddressRange]) -> String {
        guard !trusted.isEmpty, trusted.contains(where: { $0.contains(peer) }) else { return peer }
        let chain = forwardedFor.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        var last = peer
        for hop in chain.reversed() {
            guard AddressRange.parse(hop) != nil else { return last }
            if !trusted.contains(where: { $0.contains(hop) }) { return hop }
            last = hop
        }
        return last
    }
}
