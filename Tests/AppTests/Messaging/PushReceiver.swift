// The user-agent (browser) side of Web Push, for tests: a local push endpoint
// uses it to decrypt what the app sends (RFC 8291 / RFC 8188 aes128gcm) and to
// check the VAPID Authorization header (RFC 8292).
//
// Needs the internal helpers of WebPush.swift (same module).

import Crypto
import Foundation
@testable import App

// MARK: - Subscriber keys (RFC 8291 §2)

/// What a browser creates on `pushManager.subscribe`: an ECDH P-256 key pair and a
/// 16-byte authentication secret. `p256dh` and `auth` are what it hands the app.
public struct PushSubscriberKeys: Sendable {
    // Raw bytes rather than the key object: swift-crypto 3.x keys are not `Sendable`.
    private let rawPrivateKey: Data
    /// The uncompressed public key, 65 bytes (0x04 || X || Y).
    public let publicKey: Data
    /// The 16-byte authentication secret.
    public let authSecret: Data

    /// Fresh keys, as a browser makes for a new subscription.
    public init() {
        let key = P256.KeyAgreement.PrivateKey()
        self.rawPrivateKey = key.rawRepresentation
        self.publicKey = key.publicKey.x963Representation
        self.authSecret = WebPushRandom.bytes(16)
    }

    /// Known keys (e.g. the RFC 8291 Appendix A vector).
    public init(privateKey: P256.KeyAgreement.PrivateKey, authSecret: Data) throws {
        guard authSecret.count == 16 else { throw WebPushError.invalidAuthSecret(length: authSecret.count) }
        self.rawPrivateKey = privateKey.rawRepresentation
        self.publicKey = privateKey.publicKey.x963Representation
        self.authSecret = Data(authSecret)
    }

    /// Known keys from base64url: the raw 32-byte private scalar and the auth secret.
    public init(privateKeyBase64URL: String, authBase64URL: String) throws {
        let raw = try WebPushBase64URL.decode(privateKeyBase64URL, field: "subscriber private key")
        guard raw.count == 32,
              let key = try? P256.KeyAgreement.PrivateKey(rawRepresentation: raw)
        else { throw WebPushError.invalidPrivateKey }
        try self.init(privateKey: key, authSecret: WebPushBase64URL.decode(authBase64URL, field: "auth"))
    }

    /// The ECDH private key, rebuilt from the stored scalar.
    public func agreementKey() throws -> P256.KeyAgreement.PrivateKey {
        do {
            return try P256.KeyAgreement.PrivateKey(rawRepresentation: rawPrivateKey)
        } catch {
            throw WebPushError.invalidPrivateKey
        }
    }

    /// Uncompressed public key (65 bytes), base64url: the subscription's `keys.p256dh`.
    public var p256dh: String { WebPushBase64URL.encode(publicKey) }
    /// Authentication secret, base64url: the subscription's `keys.auth`.
    public var auth: String { WebPushBase64URL.encode(authSecret) }
    /// The `keys` object of the subscription, as the app stores it.
    public var subscriptionKeys: PushSubscriptionKeys { PushSubscriptionKeys(p256dh: p256dh, auth: auth) }
}

// MARK: - Decryption (RFC 8188 §2, RFC 8291 §3–4)

/// Decrypts a push message body (Content-Encoding: aes128gcm) and returns the plaintext.
///
/// Accepts exactly what RFC 8291 §4 allows a sender to produce: one record, and
/// a keyid that is the sender's 65-byte uncompressed P-256 public key.
public func decryptPushPayload(_ body: Data, keys: PushSubscriberKeys) throws -> Data {
    let bytes = [UInt8](body)  // zero-based indices whatever `body`'s slice bounds are

    // RFC 8188 §2.1 header: salt(16) || rs(4, big endian) || idlen(1) || keyid(idlen).
    guard bytes.count >= 21 else { throw WebPushError.malformedBody("shorter than the 21-byte header") }
    let salt = Data(bytes[0..<16])
    let recordSize = Int(bytes[16]) << 24 | Int(bytes[17]) << 16 | Int(bytes[18]) << 8 | Int(bytes[19])
    let idLength = Int(bytes[20])
    guard recordSize >= 18 else { throw WebPushError.malformedBody("record size \(recordSize) below 18") }
    // RFC 8291 §4: keyid carries the sender's uncompressed public key.
    guard idLength == 65 else { throw WebPushError.malformedBody("keyid length \(idLength), expected 65") }
    guard bytes.count >= 21 + idLength else { throw WebPushError.malformedBody("truncated keyid") }
    let asPublicBytes = Data(bytes[21..<(21 + idLength)])
    guard asPublicBytes.first == 0x04,
          let asPublic = try? P256.KeyAgreement.PublicKey(x963Representation: asPublicBytes)
    else { throw WebPushError.invalidPublicKey }

    // One record: ciphertext of at least delimiter(1) + tag(16), and no longer than rs.
    let record = bytes[(21 + idLength)...]
    guard record.count >= 17 else { throw WebPushError.malformedBody("record shorter than 17 bytes") }
    guard record.count <= recordSize else {
        throw WebPushError.malformedBody("more than one record (\(record.count) bytes > rs \(recordSize))")
    }

    let ecdhSecret: SharedSecret
    do {
        ecdhSecret = try keys.agreementKey().sharedSecretFromKeyAgreement(with: asPublic)
    } catch {
        throw WebPushError.invalidPublicKey
    }
    let derived = try WebPushKeyDerivation.derive(
        ecdhSecret: ecdhSecret,
        authSecret: keys.authSecret,
        uaPublic: keys.publicKey,
        asPublic: asPublicBytes,
        salt: salt
    )

    let tagStart = record.endIndex - 16
    let padded: Data
    do {
        let box = try AES.GCM.SealedBox(
            nonce: derived.nonce,  // sequence number 0: NONCE XOR 0 (RFC 8188 §2.3)
            ciphertext: Data(record[record.startIndex..<tagStart]),
            tag: Data(record[tagStart...])
        )
        padded = try AES.GCM.open(box, using: derived.contentKey)
    } catch {
        throw WebPushError.decryptionFailed
    }

    // RFC 8188 §2: plaintext || delimiter || zero padding. Scan back over the
    // zeros; the first non-zero byte is the delimiter, which must be 0x02 for the
    // last record (0x01 would announce more records, which a push message lacks).
    let plain = [UInt8](padded)
    guard let delimiterIndex = plain.lastIndex(where: { $0 != 0 }), plain[delimiterIndex] == 0x02 else {
        throw WebPushError.invalidPadding
    }
    return Data(plain[..<delimiterIndex])
}

// MARK: - VAPID verification (RFC 8292)

/// Checks an `Authorization: vapid t=<JWT>, k=<key>` header as a push service would:
/// ES256 signature with `k`, `aud` equal to `expectedAudience` (an origin such as
/// `http://127.0.0.1:8081`; see `webPushAudience(for:)`), `exp` in the future and
/// at most 24 h ahead, and a `sub` that is a `mailto:` or `https:` URI.
///
/// - Returns: the JWT's `sub` and the `k` public key (base64url, as sent).
public func verifyVAPID(
    authorization: String,
    expectedAudience: String,
    now: Date = Date()
) throws -> (subject: String, publicKey: String) {
    let (token, keyText) = try parseVAPIDAuthorization(authorization)

    // The public key (RFC 8292 §3.2): uncompressed P-256 point.
    let keyBytes = try WebPushBase64URL.decode(keyText, field: "k")
    guard keyBytes.count == 65, keyBytes.first == 0x04,
          let publicKey = try? P256.Signing.PublicKey(x963Representation: keyBytes)
    else { throw WebPushError.invalidPublicKey }

    // JWS compact serialization: header.payload.signature (RFC 7515 §7.1).
    let parts = token.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty }) else {
        throw WebPushError.malformedAuthorization("JWT must have three non-empty parts")
    }
    let headerJSON = try WebPushBase64URL.decode(String(parts[0]), field: "JWT header")
    let claimsJSON = try WebPushBase64URL.decode(String(parts[1]), field: "JWT claims")
    let signatureBytes = try WebPushBase64URL.decode(String(parts[2]), field: "JWT signature")

    struct JOSEHeader: Decodable { var alg: String; var typ: String? }
    guard let header = try? JSONDecoder().decode(JOSEHeader.self, from: headerJSON) else {
        throw WebPushError.malformedAuthorization("JWT header is not JSON")
    }
    guard header.alg == "ES256" else { throw WebPushError.malformedAuthorization("alg \(header.alg), expected ES256") }
    if let typ = header.typ, typ.uppercased() != "JWT" {
        throw WebPushError.malformedAuthorization("typ \(typ), expected JWT")
    }

    // ES256 signatures are raw r || s, 64 bytes (RFC 7518 §3.4), over the ASCII "header.payload".
    guard signatureBytes.count == 64,
          let signature = try? P256.Signing.ECDSASignature(rawRepresentation: signatureBytes)
    else { throw WebPushError.invalidSignature }
    let signingInput = Data("\(parts[0]).\(parts[1])".utf8)
    guard publicKey.isValidSignature(signature, for: signingInput) else { throw WebPushError.invalidSignature }

    // Claims, checked only once the signature holds.
    guard let claims = try? JSONDecoder().decode(VAPIDClaims.self, from: claimsJSON) else {
        throw WebPushError.malformedAuthorization("JWT claims lack aud/exp or are not JSON")
    }
    guard claims.aud == expectedAudience else {
        throw WebPushError.audienceMismatch(expected: expectedAudience, actual: claims.aud)
    }
    let nowSeconds = now.timeIntervalSince1970
    guard TimeInterval(claims.exp) > nowSeconds else { throw WebPushError.tokenExpired }
    guard TimeInterval(claims.exp) <= nowSeconds + 24 * 3600 else { throw WebPushError.expirationTooFar }
    guard let subject = claims.sub, isValidVAPIDSubject(subject) else { throw WebPushError.invalidSubject }

    return (subject: subject, publicKey: keyText)
}

/// Splits `vapid t=…, k=…` (RFC 8292 §3) into the token and the key.
/// The scheme is case-insensitive, parameters may come in any order, and values may be quoted.
func parseVAPIDAuthorization(_ authorization: String) throws -> (token: String, key: String) {
    let trimmed = authorization.trimmingCharacters(in: .whitespaces)
    guard let space = trimmed.firstIndex(of: " "),
          trimmed[..<space].lowercased() == "vapid"
    else { throw WebPushError.malformedAuthorization("scheme is not vapid") }

    var params: [String: String] = [:]
    for item in trimmed[space...].split(separator: ",") {
        let pair = item.trimmingCharacters(in: .whitespaces)
        guard let equals = pair.firstIndex(of: "=") else {
            throw WebPushError.malformedAuthorization("parameter without '=': \(pair)")
        }
        let name = pair[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
        var value = pair[pair.index(after: equals)...].trimmingCharacters(in: .whitespaces)
        if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
            value = String(value.dropFirst().dropLast())
        }
        guard params[name] == nil else { throw WebPushError.malformedAuthorization("duplicate parameter \(name)") }
        params[name] = value
    }
    guard let token = params["t"], !token.isEmpty else { throw WebPushError.malformedAuthorization("missing t=") }
    guard let key = params["k"], !key.isEmpty else { throw WebPushError.malformedAuthorization("missing k=") }
    return (token, key)
}
