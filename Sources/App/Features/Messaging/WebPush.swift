// Web Push for the application server side:
//   - VAPID (RFC 8292): key pair + the `Authorization: vapid t=…, k=…` header,
//   - message encryption (RFC 8291) with the `aes128gcm` content coding (RFC 8188),
//   - the request headers of RFC 8030 (TTL, Urgency, Topic).
//
// Depends only on Foundation and swift-crypto (`Crypto`). The companion file
// PushReceiver.swift holds the user-agent side (decryption, VAPID verification)
// used by tests; it shares the internal helpers at the bottom of this file.

import Crypto
import Foundation

// MARK: - Errors

public enum WebPushError: Error, Sendable, Equatable {
    /// A value that should be base64url (or base64) could not be decoded. `field` names it.
    case invalidBase64(field: String)
    /// The subscription's `p256dh` is not a 65-byte uncompressed P-256 point on the curve.
    case invalidSubscriberPublicKey
    /// The subscription's `auth` secret is not 16 bytes (RFC 8291 §3.2).
    case invalidAuthSecret(length: Int)
    /// A private key (VAPID or ECDH) is not a valid 32-byte P-256 scalar.
    case invalidPrivateKey
    /// A public key (VAPID `k=` or the sender key in a message header) is not a valid P-256 point.
    case invalidPublicKey
    /// The salt is not 16 bytes (RFC 8188 §2.1).
    case invalidSalt
    /// The record size is below 18 or does not fit in 32 bits (RFC 8188 §2.1).
    case invalidRecordSize(Int)
    /// The plaintext does not fit in the single record a push message may use (RFC 8291 §4).
    case payloadTooLarge(size: Int, limit: Int)
    /// The push endpoint has no http(s) scheme or no host, so it has no origin for `aud`.
    case invalidEndpoint
    /// The VAPID subject is not a `mailto:` or `https:` URI (RFC 8292 §2.1).
    case invalidSubject
    /// The token lifetime is not in (0, 24 h] (RFC 8292 §2).
    case invalidExpiration
    /// TTL must be a non-negative number of seconds (RFC 8030 §5.2).
    case invalidTTL
    /// Topic must be at most 32 characters of the base64url alphabet (RFC 8030 §5.4).
    case invalidTopic

    // Receiver side (PushReceiver.swift)

    /// The encrypted body's aes128gcm header or record layout is wrong; the text says what.
    case malformedBody(String)
    /// AES-GCM authentication failed: wrong keys, or the body was altered.
    case decryptionFailed
    /// The decrypted record has no valid padding delimiter (RFC 8188 §2).
    case invalidPadding
    /// The Authorization header is not a well-formed `vapid t=…, k=…` with an ES256 JWT.
    case malformedAuthorization(String)
    /// The JWT's ES256 signature does not verify with the `k` public key.
    case invalidSignature
    /// The JWT's `aud` claim is not the expected push-service origin.
    case audienceMismatch(expected: String, actual: String)
    /// The JWT's `exp` is in the past.
    case tokenExpired
    /// The JWT's `exp` is more than 24 hours ahead (RFC 8292 §2).
    case expirationTooFar
}

// MARK: - VAPID keys (RFC 8292 §3.2)

/// The application server's long-lived ECDSA P-256 key pair.
///
/// Store `privateKeyBase64URL` (raw 32-byte scalar) in the database; hand
/// `publicKeyBase64URL` (65-byte uncompressed point) to the browser as the
/// `applicationServerKey` of `pushManager.subscribe`.
public struct VAPIDKeys: Sendable {
    // swift-crypto 3.x keys are not `Sendable`, so the struct keeps the raw bytes
    // (validated on init) and rebuilds the key object when it signs.
    private let rawPrivateKey: Data
    /// 65-byte uncompressed public point (0x04 || X || Y), base64url without padding.
    public let publicKeyBase64URL: String

    /// Generates a fresh key pair.
    public init() {
        self.init(privateKey: P256.Signing.PrivateKey())
    }

    public init(privateKey: P256.Signing.PrivateKey) {
        self.rawPrivateKey = privateKey.rawRepresentation
        self.publicKeyBase64URL = WebPushBase64URL.encode(privateKey.publicKey.x963Representation)
    }

    /// Restores a key pair from the stored raw scalar (base64url, padding/standard alphabet tolerated).
    public init(privateKeyBase64URL: String) throws {
        let raw = try WebPushBase64URL.decode(privateKeyBase64URL, field: "VAPID private key")
        guard raw.count == 32,
              let key = try? P256.Signing.PrivateKey(rawRepresentation: raw)
        else { throw WebPushError.invalidPrivateKey }
        self.init(privateKey: key)
    }

    /// Raw 32-byte private scalar, base64url without padding. Keep secret.
    public var privateKeyBase64URL: String {
        WebPushBase64URL.encode(rawPrivateKey)
    }

    /// The signing key, rebuilt from the stored scalar.
    public func signingKey() throws -> P256.Signing.PrivateKey {
        do {
            return try P256.Signing.PrivateKey(rawRepresentation: rawPrivateKey)
        } catch {
            throw WebPushError.invalidPrivateKey
        }
    }
}

// MARK: - VAPID Authorization header (RFC 8292)

/// The `aud` claim for a push endpoint: its origin, `scheme://host[:port]`
/// (RFC 8292 §2 and RFC 6454 serialization: lower-case scheme and host, default port omitted).
public func webPushAudience(for endpoint: URL) throws -> String {
    guard let components = URLComponents(url: endpoint, resolvingAgainstBaseURL: false),
          let scheme = components.scheme?.lowercased(),
          scheme == "https" || scheme == "http",
          var host = components.host?.lowercased(),
          !host.isEmpty
    else { throw WebPushError.invalidEndpoint }
    // IPv6 literals must keep their brackets in an origin.
    if host.contains(":") && !host.hasPrefix("[") { host = "[\(host)]" }
    var origin = "\(scheme)://\(host)"
    if let port = components.port {
        let defaultPort = scheme == "https" ? 443 : 80
        if port != defaultPort { origin += ":\(port)" }
    }
    return origin
}

/// The VAPID claims set. Field names are the JWT claim names.
struct VAPIDClaims: Codable, Sendable {
    var aud: String
    var exp: Int
    var sub: String?
}

/// Builds the `Authorization` header value `vapid t=<JWT>, k=<public key>` (RFC 8292 §3).
///
/// - Parameters:
///   - endpoint: the subscription's push endpoint; `aud` is its origin.
///   - subject: contact URI, `mailto:…` or `https:…` (RFC 8292 §2.1).
///   - expiresIn: token lifetime, at most 24 h (RFC 8292 §2).
public func vapidAuthorization(
    endpoint: URL,
    subject: String,
    keys: VAPIDKeys,
    expiresIn: TimeInterval = 12 * 3600,
    now: Date = AppClock.now
) throws -> String {
    let audience = try webPushAudience(for: endpoint)
    guard isValidVAPIDSubject(subject) else { throw WebPushError.invalidSubject }
    guard expiresIn > 0, expiresIn <= 24 * 3600 else { throw WebPushError.invalidExpiration }

    // JWS compact serialization (RFC 7515 §7.1) with ES256 (RFC 7518 §3.4).
    let header = #"{"typ":"JWT","alg":"ES256"}"#
    let claims = VAPIDClaims(
        aud: audience,
        exp: Int((now.timeIntervalSince1970 + expiresIn).rounded(.down)),
        sub: subject
    )
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    let claimsJSON = try encoder.encode(claims)

    let signingInput = WebPushBase64URL.encode(Data(header.utf8)) + "." + WebPushBase64URL.encode(claimsJSON)
    // `signature(for:)` hashes with SHA-256 itself. JWS wants the raw r || s
    // form (32 + 32 bytes), not DER (RFC 7518 §3.4).
    let signature = try keys.signingKey().signature(for: Data(signingInput.utf8))
    let token = signingInput + "." + WebPushBase64URL.encode(signature.rawRepresentation)
    return "vapid t=\(token), k=\(keys.publicKeyBase64URL)"
}

/// RFC 8292 §2.1: the subject is a `mailto:` or an `https:` URI.
func isValidVAPIDSubject(_ subject: String) -> Bool {
    let lower = subject.lowercased()
    if lower.hasPrefix("mailto:") { return subject.count > "mailto:".count }
    if lower.hasPrefix("https://") { return URL(string: subject)?.host?.isEmpty == false }
    return false
}

// MARK: - Message encryption (RFC 8291 + RFC 8188 aes128gcm)

/// The `keys` object of a browser's `PushSubscription.toJSON()`.
public struct PushSubscriptionKeys: Sendable, Codable, Hashable {
    /// The user agent's ECDH P-256 public key, uncompressed (65 bytes), base64url.
    public var p256dh: String
    /// The 16-byte authentication secret, base64url.
    public var auth: String

    public init(p256dh: String, auth: String) {
        self.p256dh = p256dh
        self.auth = auth
    }
}

/// Size of the aes128gcm header a push message carries:
/// salt(16) || rs(4) || idlen(1) || keyid(65 = sender public key) (RFC 8291 §4).
public let webPushHeaderSize = 16 + 4 + 1 + 65
/// A push service need not accept bodies over 4096 bytes (RFC 8030 §7.2, RFC 8291 §4).
public let webPushMaxBodySize = 4096
/// Largest plaintext that fits: 4096 - 86 (header) - 16 (GCM tag) - 1 (padding delimiter) = 3993.
public let webPushMaxPlaintextSize = webPushMaxBodySize - webPushHeaderSize - 16 - 1

/// Encrypts `plaintext` for one subscription, returning the complete request body
/// (aes128gcm header followed by a single record).
///
/// - Parameters:
///   - p256dh, auth: the subscription keys (base64url; padding and the standard alphabet tolerated).
///   - recordSize: the `rs` header field, 4096 by default as in RFC 8291 Appendix A. It must exceed
///     plaintext + 17 (RFC 8291 §4), so the plaintext limit is min(3993, recordSize - 18).
///   - salt, localPrivateKey: for test vectors only. Leave nil in production: a fresh random
///     salt and a fresh ephemeral key pair are required for every message (RFC 8291 §3.1, RFC 8188 §2.1).
public func encryptPushPayload(
    _ plaintext: Data,
    p256dh: String,
    auth: String,
    recordSize: Int = 4096,
    salt: Data? = nil,
    localPrivateKey: P256.KeyAgreement.PrivateKey? = nil
) throws -> Data {
    // Inputs.
    let uaPublicBytes = try WebPushBase64URL.decode(p256dh, field: "p256dh")
    guard uaPublicBytes.count == 65, uaPublicBytes.first == 0x04,
          let uaPublic = try? P256.KeyAgreement.PublicKey(x963Representation: uaPublicBytes)
    else { throw WebPushError.invalidSubscriberPublicKey }

    let authSecret = try WebPushBase64URL.decode(auth, field: "auth")
    guard authSecret.count == 16 else { throw WebPushError.invalidAuthSecret(length: authSecret.count) }

    // RFC 8188 §2.1: rs is an unsigned 32-bit integer, and values below 18 are invalid.
    guard recordSize >= 18, recordSize <= Int(UInt32.max) else {
        throw WebPushError.invalidRecordSize(recordSize)
    }
    // RFC 8291 §4: a single record, a body of at most 4096 bytes, and an `rs`
    // strictly greater than plaintext + delimiter (1) + tag (16).
    let limit = min(webPushMaxPlaintextSize, recordSize - 16 - 1 - 1)
    guard plaintext.count <= limit else {
        throw WebPushError.payloadTooLarge(size: plaintext.count, limit: limit)
    }

    let salt = salt ?? WebPushRandom.bytes(16)
    guard salt.count == 16 else { throw WebPushError.invalidSalt }

    // RFC 8291 §3.1: a new ephemeral ECDH key pair per message.
    let asPrivate = localPrivateKey ?? P256.KeyAgreement.PrivateKey()
    let asPublicBytes = asPrivate.publicKey.x963Representation

    // RFC 8291 §3.3–3.4: ECDH, then IKM; RFC 8188 §2.2–2.3: CEK and NONCE.
    let ecdhSecret: SharedSecret
    do {
        ecdhSecret = try asPrivate.sharedSecretFromKeyAgreement(with: uaPublic)
    } catch {
        throw WebPushError.invalidSubscriberPublicKey
    }
    let derived = try WebPushKeyDerivation.derive(
        ecdhSecret: ecdhSecret,
        authSecret: authSecret,
        uaPublic: uaPublicBytes,
        asPublic: asPublicBytes,
        salt: salt
    )

    // RFC 8188 §2: the last (here the only) record's plaintext ends with the
    // delimiter 0x02, optionally followed by zero padding (none added here).
    var record = Data(plaintext)
    record.append(0x02)

    // The record sequence number is 0, so the per-record nonce is NONCE itself
    // (NONCE XOR SEQ, RFC 8188 §2.3).
    let sealed = try AES.GCM.seal(record, using: derived.contentKey, nonce: derived.nonce)

    // RFC 8188 §2.1 header, with keyid = the sender's public key (RFC 8291 §4).
    var body = Data(capacity: webPushHeaderSize + record.count + 16)
    body.append(salt)
    body.append(contentsOf: WebPushBytes.uint32BigEndian(UInt32(recordSize)))
    body.append(UInt8(asPublicBytes.count))
    body.append(asPublicBytes)
    body.append(sealed.ciphertext)
    body.append(sealed.tag)
    return body
}

/// Same as `encryptPushPayload(_:p256dh:auth:…)`, taking the subscription's keys object.
public func encryptPushPayload(_ plaintext: Data, keys: PushSubscriptionKeys) throws -> Data {
    try encryptPushPayload(plaintext, p256dh: keys.p256dh, auth: keys.auth)
}

// MARK: - Request headers (RFC 8030 §5)

/// RFC 8030 §5.3 `Urgency` values.
public enum WebPushUrgency: String, Sendable, CaseIterable {
    case veryLow = "very-low"
    case low
    case normal
    case high
}

/// Headers for the POST to the push endpoint, as (name, value) pairs
/// (Vapor: `HTTPHeaders(webPushRequestHeaders(…))`).
///
/// - Parameters:
///   - authorization: the value from `vapidAuthorization(…)`.
///   - ttl: seconds the push service may keep the message (RFC 8030 §5.2); 0 = deliver now or drop.
///   - urgency: optional RFC 8030 §5.3 urgency.
///   - topic: optional RFC 8030 §5.4 topic (≤ 32 base64url characters) to replace a pending message.
public func webPushRequestHeaders(
    authorization: String,
    ttl: Int,
    urgency: WebPushUrgency? = nil,
    topic: String? = nil
) throws -> [(String, String)] {
    guard ttl >= 0 else { throw WebPushError.invalidTTL }
    var headers: [(String, String)] = [
        ("Content-Encoding", "aes128gcm"),
        ("Content-Type", "application/octet-stream"),
        ("TTL", String(ttl)),
        ("Authorization", authorization),
    ]
    if let urgency { headers.append(("Urgency", urgency.rawValue)) }
    if let topic {
        guard !topic.isEmpty, topic.count <= 32,
              topic.unicodeScalars.allSatisfy(WebPushBase64URL.isURLSafeCharacter)
        else { throw WebPushError.invalidTopic }
        headers.append(("Topic", topic))
    }
    return headers
}

/// Everything needed to POST one push message: encrypted body plus headers.
public struct WebPushRequest: Sendable {
    public let endpoint: URL
    public let headers: [(String, String)]
    public let body: Data
}

/// Encrypts `payload` for a subscription and signs a VAPID token for its endpoint.
public func makeWebPushRequest(
    endpoint: URL,
    keys: PushSubscriptionKeys,
    payload: Data,
    vapidKeys: VAPIDKeys,
    subject: String,
    ttl: Int,
    urgency: WebPushUrgency? = nil,
    topic: String? = nil,
    tokenLifetime: TimeInterval = 12 * 3600,
    now: Date = AppClock.now
) throws -> WebPushRequest {
    let authorization = try vapidAuthorization(
        endpoint: endpoint, subject: subject, keys: vapidKeys, expiresIn: tokenLifetime, now: now)
    let headers = try webPushRequestHeaders(authorization: authorization, ttl: ttl, urgency: urgency, topic: topic)
    let body = try encryptPushPayload(payload, keys: keys)
    return WebPushRequest(endpoint: endpoint, headers: headers, body: body)
}

// MARK: - Shared internals (also used by PushReceiver.swift)

/// Key schedule shared by the sender and the receiver.
enum WebPushKeyDerivation {
    struct Derived {
        let contentKey: SymmetricKey
        let nonce: AES.GCM.Nonce
    }

    static func derive(
        ecdhSecret: SharedSecret,
        authSecret: Data,
        uaPublic: Data,
        asPublic: Data,
        salt: Data
    ) throws -> Derived {
        // RFC 8291 §3.4:
        //   key_info = "WebPush: info" || 0x00 || ua_public || as_public
        //   IKM = HKDF(salt = auth_secret, IKM = ecdh_secret, info = key_info, L = 32)
        var keyInfo = Data("WebPush: info".utf8)
        keyInfo.append(0x00)
        keyInfo.append(uaPublic)
        keyInfo.append(asPublic)
        let ecdhBytes = ecdhSecret.withUnsafeBytes { Data($0) }
        let ikm = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: ecdhBytes),
            salt: authSecret,
            info: keyInfo,
            outputByteCount: 32
        )

        // RFC 8188 §2.2 and §2.3 (RFC 8291 §3.4 repeats them):
        //   CEK   = HKDF(salt, IKM, "Content-Encoding: aes128gcm" || 0x00, 16)
        //   NONCE = HKDF(salt, IKM, "Content-Encoding: nonce" || 0x00, 12)
        var cekInfo = Data("Content-Encoding: aes128gcm".utf8)
        cekInfo.append(0x00)
        var nonceInfo = Data("Content-Encoding: nonce".utf8)
        nonceInfo.append(0x00)
        let cek = HKDF<SHA256>.deriveKey(inputKeyMaterial: ikm, salt: salt, info: cekInfo, outputByteCount: 16)
        let nonceKey = HKDF<SHA256>.deriveKey(inputKeyMaterial: ikm, salt: salt, info: nonceInfo, outputByteCount: 12)
        let nonceBytes = nonceKey.withUnsafeBytes { Data($0) }
        // A 12-byte value is always a valid GCM nonce; this does not throw in practice.
        return Derived(contentKey: cek, nonce: try AES.GCM.Nonce(data: nonceBytes))
    }
}

/// base64url (RFC 4648 §5) without padding on output; lenient on input.
enum WebPushBase64URL {
    static func encode<D: DataProtocol>(_ data: D) -> String {
        Data(data).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Accepts base64url or standard base64, with or without `=` padding,
    /// ignoring surrounding whitespace.
    static func decode(_ string: String, field: String) throws -> Data {
        var text = string.trimmingCharacters(in: .whitespacesAndNewlines)
            .replacingOccurrences(of: "-", with: "+")
            .replacingOccurrences(of: "_", with: "/")
        while text.hasSuffix("=") { text.removeLast() }
        switch text.count % 4 {
        case 0: break
        case 2: text += "=="
        case 3: text += "="
        default: throw WebPushError.invalidBase64(field: field)
        }
        guard let data = Data(base64Encoded: text) else { throw WebPushError.invalidBase64(field: field) }
        return data
    }

    static func isURLSafeCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "A"..."Z", "a"..."z", "0"..."9", "-", "_": return true
        default: return false
        }
    }
}

enum WebPushRandom {
    /// Cryptographically secure random bytes (swift-crypto's key generator).
    static func bytes(_ count: Int) -> Data {
        SymmetricKey(size: SymmetricKeySize(bitCount: count * 8)).withUnsafeBytes { Data($0) }
    }
}

enum WebPushBytes {
    static func uint32BigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(truncatingIfNeeded: value >> 24), UInt8(truncatingIfNeeded: value >> 16),
         UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
    }
}
