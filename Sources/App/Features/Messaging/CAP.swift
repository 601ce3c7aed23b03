// CAP.swift — render emergency notices as OASIS CAP 1.2 XML and as an Atom 1.0 feed.
//
// Self-contained (Foundation only). Main entry points:
//   capXML(_:)            -> a complete CAP 1.2 <alert> document
//   capAtomFeed(...)      -> an Atom 1.0 (RFC 4287) feed linking to CAP documents
//   CAPAlert.problems()   -> CAP rules that are in the spec's prose but not in its XML Schema
//
// Spec: "Common Alerting Protocol Version 1.2", OASIS Standard, 1 July 2010.
// Section numbers in the comments below refer to that document.

import Foundation

/// XML namespace of CAP 1.2 documents.
public let capNamespace = "urn:oasis:names:tc:emergency:cap:1.2"

/// MIME type for CAP documents (used on the Atom `<link>` elements).
public let capMediaType = "application/cap+xml"

// MARK: - Model

/// One CAP `<alert>` message (spec 3.2.1).
public struct CAPAlert: Sendable {
    /// `<status>`: how the message should be handled.
    public enum Status: String, Sendable, CaseIterable {
        case actual = "Actual", exercise = "Exercise", system = "System", test = "Test", draft = "Draft"
    }

    /// `<msgType>`. Update and Cancel must name the earlier message(s) in `references`.
    public enum MsgType: String, Sendable, CaseIterable {
        case alert = "Alert", update = "Update", cancel = "Cancel", ack = "Ack", error = "Error"
    }

    /// `<scope>`. Restricted needs `restriction`, Private needs `addresses` (spec 3.2.1).
    public enum Scope: String, Sendable, CaseIterable {
        case `public` = "Public", restricted = "Restricted", `private` = "Private"
    }

    /// A reference to an earlier message: CAP's "sender,identifier,sent" triple.
    public typealias Reference = (sender: String, identifier: String, sent: Date)

    /// Unique ID of this message, chosen by the sender. CAP forbids spaces, commas, "<" and "&" in it.
    /// Never reuse an identifier: a corrected notice gets a new identifier and references the old one.
    public var identifier: String
    /// Globally unique ID of the sender (e.g. "canhbao@thonso.vn"). Same character rules as `identifier`.
    public var sender: String
    public var sent: Date
    public var status: Status
    public var msgType: MsgType
    public var scope: Scope
    /// Required when `scope == .restricted`: who may see the alert, in free text.
    public var restriction: String?
    /// Required when `scope == .private`: the recipients, separated by spaces.
    public var addresses: String?
    /// Free-text note, e.g. why an Update or Cancel was issued.
    public var note: String?
    /// Earlier messages that this one updates or cancels. In the XML these become
    /// "sender,identifier,sent" triples separated by spaces (`<references>`).
    public var references: [Reference]
    /// One or more `<info>` blocks, e.g. one for each language. All blocks in one
    /// alert should describe the same event.
    public var infos: [CAPInfo]

    public init(
        identifier: String,
        sender: String,
        sent: Date,
        status: Status = .actual,
        msgType: MsgType = .alert,
        scope: Scope = .public,
        restriction: String? = nil,
        addresses: String? = nil,
        note: String? = nil,
        references: [Reference] = [],
        infos: [CAPInfo]
    ) {
        self.identifier = identifier
        self.sender = sender
        self.sent = sent
        self.status = status
        self.msgType = msgType
        self.scope = scope
        self.restriction = restriction
        self.addresses = addresses
        self.note = note
        self.references = references
        self.infos = infos
    }

    /// This message as a reference, to put in the `references` of a later Update or Cancel.
    public var asReference: Reference { (sender: sender, identifier: identifier, sent: sent) }
}

/// One CAP `<info>` block (spec 3.2.2).
public struct CAPInfo: Sendable {
    public enum Category: String, Sendable, CaseIterable {
        case geo = "Geo", met = "Met", safety = "Safety", security = "Security", rescue = "Rescue"
        case fire = "Fire", health = "Health", env = "Env", transport = "Transport", infra = "Infra"
        case cbrne = "CBRNE", other = "Other"
    }

    public enum ResponseType: String, Sendable, CaseIterable {
        case shelter = "Shelter", evacuate = "Evacuate", prepare = "Prepare", execute = "Execute"
        case avoid = "Avoid", monitor = "Monitor", assess = "Assess", allClear = "AllClear", none = "None"
    }

    public enum Urgency: String, Sendable, CaseIterable {
        case immediate = "Immediate", expected = "Expected", future = "Future", past = "Past", unknown = "Unknown"
    }

    public enum Severity: String, Sendable, CaseIterable {
        case extreme = "Extreme", severe = "Severe", moderate = "Moderate", minor = "Minor", unknown = "Unknown"
    }

    public enum Certainty: String, Sendable, CaseIterable {
        case observed = "Observed", likely = "Likely", possible = "Possible", unlikely = "Unlikely", unknown = "Unknown"
    }

    /// RFC 3066 language tag. If the element is missing, CAP assumes "en-US", so it is always written.
    public var language: String
    /// At least one category is required.
    public var categories: [Category]
    /// Short text naming the event type, e.g. "Bão".
    public var event: String
    public var responseTypes: [ResponseType]
    public var urgency: Urgency
    public var severity: Severity
    public var certainty: Certainty
    /// When the information takes effect. If missing, CAP uses `sent`.
    public var effective: Date?
    /// When the hazard is expected to begin.
    public var onset: Date?
    /// When the information stops being valid. Publishers should always set it.
    public var expires: Date?
    public var senderName: String?
    /// Short headline. CAP recommends 160 characters or fewer (SMS-sized).
    public var headline: String?
    public var description: String?
    public var instruction: String?
    /// Absolute URL of a page with more information.
    public var web: String?
    public var contact: String?
    public var areas: [CAPArea]

    public init(
        language: String = "vi-VN",
        categories: [Category],
        event: String,
        responseTypes: [ResponseType] = [],
        urgency: Urgency,
        severity: Severity,
        certainty: Certainty,
        effective: Date? = nil,
        onset: Date? = nil,
        expires: Date? = nil,
        senderName: String? = nil,
        headline: String? = nil,
        description: String? = nil,
        instruction: String? = nil,
        web: String? = nil,
        contact: String? = nil,
        areas: [CAPArea] = []
    ) {
        self.language = language
        self.categories = categories
        self.event = event
        self.responseTypes = responseTypes
        self.urgency = urgency
        self.severity = severity
        self.certainty = certainty
        self.effective = effective
        self.onset = onset
        self.expires = expires
        self.senderName = senderName
        self.headline = headline
        self.description = description
        self.instruction = instruction
        self.web = web
        self.contact = contact
        self.areas = areas
    }
}

/// One CAP `<area>` (spec 3.2.4). Only a description and geocodes are used here, with no polygons or circles.
public struct CAPArea: Sendable {
    /// The `valueName` used for Vietnamese administrative-unit codes.
    ///
    /// CAP lets each community choose its own geocode names. Thôn Số uses "VN-ADMIN-CODE".
    /// Its `value` is the unit's official code from the national list of administrative units
    /// ("mã đơn vị hành chính", kept by the General Statistics Office). Use the province,
    /// district or commune code of the unit named in `areaDesc`, as a string of digits with
    /// its leading zeros kept (e.g. "01" or "00004"). Never convert it to an integer.
    public static let vietnamAdminCodeValueName = "VN-ADMIN-CODE"

    /// Readable names of the areas, e.g. "Xã Quảng Phú, huyện Quảng Điền, tỉnh Thừa Thiên Huế".
    public var areaDesc: String
    public var geocodes: [(valueName: String, value: String)]

    public init(areaDesc: String, geocodes: [(valueName: String, value: String)] = []) {
        self.areaDesc = areaDesc
        self.geocodes = geocodes
    }

    /// An area identified by Vietnamese administrative-unit codes (see `vietnamAdminCodeValueName`).
    public init(areaDesc: String, adminCodes: [String]) {
        self.init(areaDesc: areaDesc,
                  geocodes: adminCodes.map { (valueName: Self.vietnamAdminCodeValueName, value: $0) })
    }
}

// MARK: - CAP XML

/// Renders `alert` as a complete CAP 1.2 XML document (UTF-8, NFC-normalised text).
///
/// Elements are written in the order the CAP 1.2 schema requires, and optional elements
/// with no value are left out. Text is XML-escaped, and characters that XML 1.0 does not
/// allow are removed. This does not check the CAP rules that the schema cannot express:
/// call `alert.problems()` for those before publishing.
public func capXML(_ alert: CAPAlert) -> String {
    var w = XMLWriter()
    w.open("alert", attributes: [("xmlns", capNamespace)])
    w.element("identifier", alert.identifier)
    w.element("sender", alert.sender)
    w.element("sent", capDateTime(alert.sent))
    w.element("status", alert.status.rawValue)
    w.element("msgType", alert.msgType.rawValue)
    w.element("scope", alert.scope.rawValue)
    w.element("restriction", alert.restriction)
    w.element("addresses", alert.addresses)
    w.element("note", alert.note)
    if !alert.references.isEmpty {
        w.element("references", capReferences(alert.references))
    }
    for info in alert.infos {
        writeInfo(info, to: &w)
    }
    w.close("alert")
    return w.document
}

private func writeInfo(_ info: CAPInfo, to w: inout XMLWriter) {
    // Order follows the schema's <info> sequence: language, category+, event, responseType*,
    // urgency, severity, certainty, (audience, eventCode*), effective, onset, expires,
    // senderName, headline, description, instruction, web, contact, (parameter*, resource*), area*.
    w.open("info")
    w.element("language", info.language)
    for category in info.categories { w.element("category", category.rawValue) }
    w.element("event", info.event)
    for response in info.responseTypes { w.element("responseType", response.rawValue) }
    w.element("urgency", info.urgency.rawValue)
    w.element("severity", info.severity.rawValue)
    w.element("certainty", info.certainty.rawValue)
    w.element("effective", info.effective.map(capDateTime))
    w.element("onset", info.onset.map(capDateTime))
    w.element("expires", info.expires.map(capDateTime))
    w.element("senderName", info.senderName)
    w.element("headline", info.headline)
    w.element("description", info.description)
    w.element("instruction", info.instruction)
    w.element("web", info.web)
    w.element("contact", info.contact)
    for area in info.areas {
        w.open("area")
        w.element("areaDesc", area.areaDesc)
        for geocode in area.geocodes {
            w.open("geocode")
            w.element("valueName", geocode.valueName)
            w.element("value", geocode.value)
            w.close("geocode")
        }
        w.close("area")
    }
    w.close("info")
}

/// The CAP `<references>` value: "sender,identifier,sent" triples separated by spaces (spec 3.2.1).
public func capReferences(_ references: [CAPAlert.Reference]) -> String {
    references.map { "\($0.sender),\($0.identifier),\(capDateTime($0.sent))" }.joined(separator: " ")
}

// MARK: - Dates

/// Offset used for all times: Asia/Ho_Chi_Minh is UTC+07:00 all year (Vietnam has no DST).
private let vietnamUTCOffsetSeconds = 7 * 3600

/// Formats `date` in CAP's dateTime form, e.g. "2026-11-24T08:30:00+07:00" (spec 3.3.2).
///
/// CAP requires a numeric offset and forbids "Z", so the time is always given at +07:00
/// (Vietnam time). Fractional seconds are dropped. The string is also valid RFC 3339,
/// so the Atom feed uses it too.
public func capDateTime(_ date: Date) -> String {
    // Whole seconds in local (UTC+7) time, rounded down so that x.9 s does not round up to the next second.
    let local = Int64((date.timeIntervalSince1970).rounded(.down)) + Int64(vietnamUTCOffsetSeconds)
    let days = floorDiv(local, 86_400)
    let secondOfDay = local - days * 86_400
    let (year, month, day) = civilDate(fromDaysSinceEpoch: days)
    let hour = secondOfDay / 3600, minute = (secondOfDay % 3600) / 60, second = secondOfDay % 60
    return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2))+07:00"
}

private func pad(_ n: Int64, _ width: Int) -> String {
    let s = String(n)
    return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
}

// MARK: - Atom feed

/// Renders an Atom 1.0 feed (RFC 4287) with one entry per alert, in the order given.
///
/// - Parameters:
///   - id: permanent IRI of the feed, e.g. "https://thonso.vn/cap/feed.atom" or a tag: URI.
///   - selfURL: the feed's own URL (`<link rel="self">`).
///   - entries: each alert with the URL where its CAP XML is published. That URL is also the
///     entry's `<id>`, so it must be permanent and unique to the alert. A corrected notice is a
///     new CAP message with a new identifier, so it needs a new URL.
///
/// Each entry holds: id, title (headline, else event), updated (`sent`),
/// author (senderName, else sender), summary (description, else headline/event/note) and
/// `<link rel="alternate" type="application/cap+xml">` pointing to the CAP document.
/// Text comes from the alert's first `<info>` block.
public func capAtomFeed(
    id: String,
    title: String,
    selfURL: String,
    updated: Date,
    entries: [(alert: CAPAlert, url: String)]
) -> String {
    var w = XMLWriter()
    w.open("feed", attributes: [("xmlns", "http://www.w3.org/2005/Atom")])
    w.element("id", id)
    w.element("title", title)
    w.element("updated", capDateTime(updated))
    w.empty("link", attributes: [("rel", "self"), ("type", "application/atom+xml"), ("href", selfURL)])
    for (alert, url) in entries {
        let info = alert.infos.first
        var entryAttributes: [(String, String)] = []
        if let language = info?.language { entryAttributes.append(("xml:lang", language)) }
        w.open("entry", attributes: entryAttributes)
        w.element("id", url)
        w.element("title", nonEmpty(info?.headline) ?? nonEmpty(info?.event) ?? alert.identifier)
        w.element("updated", capDateTime(alert.sent))
        w.open("author")
        w.element("name", nonEmpty(info?.senderName) ?? alert.sender)
        w.close("author")
        let summary = nonEmpty(info?.description) ?? nonEmpty(info?.headline)
            ?? nonEmpty(alert.note) ?? nonEmpty(info?.event)
        w.element("summary", summary)
        w.empty("link", attributes: [("rel", "alternate"), ("type", capMediaType), ("href", url)])
        w.close("entry")
    }
    w.close("feed")
    return w.document
}

private func nonEmpty(_ s: String?) -> String? {
    guard let s, !s.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return nil }
    return s
}

// MARK: - Rules the schema cannot check

extension CAPAlert {
    /// CAP 1.2 rules that the XML Schema does not check. An empty result means none were broken.
    /// Run this before publishing. `capXML` renders the alert either way.
    public func problems() -> [String] {
        var result: [String] = []
        // Spec 3.2.1: identifier and sender "MUST NOT include spaces, commas or restricted characters (< and &)".
        // The same applies to each part of a reference, because references join them with "," and " ".
        func checkToken(_ value: String, _ name: String) {
            if value.isEmpty {
                result.append("\(name) is empty")
            } else if value.unicodeScalars.contains(where: { $0 == "," || $0 == "<" || $0 == "&"
                || CharacterSet.whitespacesAndNewlines.contains($0) }) {
                result.append("\(name) must not contain spaces, commas, '<' or '&': \(value)")
            }
        }
        checkToken(identifier, "identifier")
        checkToken(sender, "sender")
        for (i, ref) in references.enumerated() {
            checkToken(ref.sender, "references[\(i)].sender")
            checkToken(ref.identifier, "references[\(i)].identifier")
        }
        switch msgType {
        case .update, .cancel, .ack, .error:
            if references.isEmpty { result.append("msgType \(msgType.rawValue) needs references to the earlier message(s)") }
        case .alert:
            break
        }
        if scope == .restricted && nonEmpty(restriction) == nil {
            result.append("scope Restricted requires restriction")
        }
        if scope == .private && nonEmpty(addresses) == nil {
            result.append("scope Private requires addresses")
        }
        if infos.isEmpty && (msgType == .alert || msgType == .update) {
            result.append("an \(msgType.rawValue) should carry at least one info block")
        }
        for (i, info) in infos.enumerated() {
            if info.categories.isEmpty { result.append("infos[\(i)]: at least one category is required") }
            if nonEmpty(info.event) == nil { result.append("infos[\(i)]: event is required") }
            for (j, area) in info.areas.enumerated() where nonEmpty(area.areaDesc) == nil {
                result.append("infos[\(i)].areas[\(j)]: areaDesc is required")
            }
            if let web = info.web, URL(string: web)?.scheme == nil {
                result.append("infos[\(i)]: web must be an absolute URL")
            }
        }
        return result
    }
}

// MARK: - XML writing and escaping

/// A very small XML writer: an indented tree of elements, with every value escaped.
private struct XMLWriter {
    private var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    private var depth = 0

    var document: String { out }

    private mutating func indent() { out += String(repeating: "  ", count: depth) }

    private func attributeText(_ attributes: [(String, String)]) -> String {
        attributes.map { " \($0.0)=\"\(xmlEscape($0.1, inAttribute: true))\"" }.joined()
    }

    mutating func open(_ name: String, attributes: [(String, String)] = []) {
        indent()
        out += "<\(name)\(attributeText(attributes))>\n"
        depth += 1
    }

    mutating func close(_ name: String) {
        depth -= 1
        indent()
        out += "</\(name)>\n"
    }

    mutating func empty(_ name: String, attributes: [(String, String)]) {
        indent()
        out += "<\(name)\(attributeText(attributes))/>\n"
    }

    /// Writes `<name>value</name>`. Writes nothing when `value` is nil: CAP's optional elements are left out, never written empty.
    mutating func element(_ name: String, _ value: String?) {
        guard let value else { return }
        indent()
        out += "<\(name)>\(xmlEscape(value, inAttribute: false))</\(name)>\n"
    }
}

/// Prepares text for XML 1.0: removes characters XML cannot carry, normalises to NFC,
/// and escapes markup characters.
///
/// - Allowed characters (XML 1.0 §2.2, "Char"): tab, LF, CR, U+0020–U+D7FF, U+E000–U+FFFD,
///   and U+10000 and above. Other C0 controls (e.g. U+0000, U+0008), U+FFFE and U+FFFF are removed.
///   DEL and the C1 controls (U+007F–U+009F) are allowed by XML but "discouraged" and never
///   useful in a notice, so they are removed too.
/// - NFC: Vietnamese can be typed in decomposed form ("a" + U+0303 + U+0323). CAP recipients and
///   search work best with precomposed text, so it is normalised after removal (removing a
///   character can bring a base letter and its mark together).
/// - Escaping: & < > " ' are always escaped. CR is written as &#xD; because a parser would
///   otherwise turn it into LF. Inside attributes, tab and LF are also written as character
///   references, because attribute-value normalisation would turn them into spaces.
func xmlEscape(_ text: String, inAttribute: Bool) -> String {
    var kept = String.UnicodeScalarView()
    for scalar in text.unicodeScalars where isAllowedXMLCharacter(scalar) {
        kept.append(scalar)
    }
    let normalized = String(kept).precomposedStringWithCanonicalMapping

    var out = ""
    out.reserveCapacity(normalized.utf8.count)
    for scalar in normalized.unicodeScalars {
        switch scalar {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&apos;"
        case "\r": out += "&#xD;"
        case "\n" where inAttribute: out += "&#xA;"
        case "\t" where inAttribute: out += "&#x9;"
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out
}

private func isAllowedXMLCharacter(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x9, 0xA, 0xD: return true
    case 0x20...0x7E: return true
    case 0x7F...0x9F: return false  // DEL + C1 controls: discouraged, removed
    case 0xA0...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: return true
    default: return false  // other C0 controls, U+FFFE/U+FFFF (Swift strings cannot hold surrogates)
    }
}
