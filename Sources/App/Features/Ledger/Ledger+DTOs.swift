// What the ledger's JSON API takes and gives (Resources/openapi.json). Amounts are integers of đồng, never a
// fraction: a JSON amount written 1.5 or 1e3 is refused with its field before the body is decoded (`JSONAmounts`).
import Foundation
import Vapor

public struct CampaignInput: Content, Sendable {
    public var unitId: String?
    public var purpose: String?
    public var targetDong: Int64?
    public var startsOn: String?
    public var endsOn: String?
    public init(unitId: String? = nil, purpose: String? = nil, targetDong: Int64? = nil, startsOn: String? = nil, endsOn: String? = nil) {
        self.unitId = unitId; self.purpose = purpose; self.targetDong = targetDong; self.startsOn = startsOn; self.endsOn = endsOn
    }
}

public struct ContributionInput: Content, Sendable {
    /// A household of the campaign's unit (its id, or `householdCode`), or else `organisation`: a name.
    public var householdId: String?
    public var householdCode: String?
    public var organisation: String?
    public var amountDong: Int64?
    public var receivedOn: String?
    /// cash | transfer
    public var method: String?
    /// Unique in the campaign; the next free number when left out.
    public var receiptNo: String?
    public var anonymous: Bool?
    public var note: String?
    public init(householdId: String? = nil, householdCode: String? = nil, organisation: String? = nil, amountDong: Int64? = nil,
                receivedOn: String? = nil, method: String? = nil, receiptNo: String? = nil, anonymous: Bool? = nil, note: String? = nil) {
        self.householdId = householdId; self.householdCode = householdCode; self.organisation = organisation; self.amountDong = amountDong
        self.receivedOn = receivedOn; self.method = method; self.receiptNo = receiptNo; self.anonymous = anonymous; self.note = note
    }
}

public struct ExpenseInput: Content, Sendable {
    public var supplier: String?
    public var invoiceNo: String?
    public var amountDong: Int64?
    public var spentOn: String?
    public var assetIds: [String]?
    /// Paid ahead of the money raised: allowed beyond the balance.
    public var advance: Bool?
    public var note: String?
    public init(supplier: String? = nil, invoiceNo: String? = nil, amountDong: Int64? = nil, spentOn: String? = nil,
                assetIds: [String]? = nil, advance: Bool? = nil, note: String? = nil) {
        self.supplier = supplier; self.invoiceNo = invoiceNo; self.amountDong = amountDong; self.spentOn = spentOn
        self.assetIds = assetIds; self.advance = advance; self.note = note
    }
}

public struct ReversalInput: Content, Sendable {
    public var reason: String?
    public init(reason: String? = nil) { self.reason = reason }
}

public struct LedgerTotals: Content, Sendable, Equatable {
    public var raisedDong: Int64
    public var spentDong: Int64
    public var balanceDong: Int64
    public var contributions: Int
    public var expenses: Int
}

public struct CampaignDTO: Content, Sendable {
    public var id: UUID
    public var unitId: UUID
    public var unitName: String
    public var communeId: UUID
    public var purpose: String
    public var targetDong: Int64
    public var startsOn: String
    public var endsOn: String?
    public var totals: LedgerTotals
    /// The receipt number a new contribution gets when none is given.
    public var nextReceiptNo: String?
}

public struct AssetRefDTO: Content, Sendable {
    public var id: UUID
    public var name: String
    public var kind: String
    /// working | faulty | removed: whether it works today.
    public var status: String
}

/// A ledger entry as staff see it (names and households included).
public struct LedgerEntryDTO: Content, Sendable {
    public var id: UUID
    public var campaignId: UUID
    public var kind: String
    public var amountDong: Int64
    public var entryOn: String
    public var reversesId: UUID?
    public var reversedById: UUID?
    public var reason: String?
    public var householdId: UUID?
    public var householdCode: String?
    public var contributorName: String?
    public var organisation: Bool
    public var method: String?
    public var receiptNo: String?
    public var anonymous: Bool
    public var supplier: String?
    public var invoiceNo: String?
    public var advance: Bool
    public var note: String?
    public var assets: [AssetRefDTO]
    public var createdAt: Date
}

/// A contribution as the public ledger shows it: the name only of an organisation, or of a household that did not
/// ask to be anonymous; otherwise "a household of village X".
public struct PublicContributionDTO: Content, Sendable {
    public var id: UUID
    public var amountDong: Int64
    public var receivedOn: String
    public var contributor: String?
    public var organisation: Bool
    public var anonymous: Bool
    public var village: String?
    public var receiptNo: String?
    public var reversesId: UUID?
    public var reversed: Bool
    public var reason: String?
}

public struct PublicExpenseDTO: Content, Sendable {
    public var id: UUID
    public var amountDong: Int64
    public var spentOn: String
    public var supplier: String
    public var invoiceNo: String?
    public var advance: Bool
    public var reversesId: UUID?
    public var reversed: Bool
    public var reason: String?
    public var assets: [AssetRefDTO]
}

public struct PublicLedgerDTO: Content, Sendable {
    public var campaignId: UUID
    public var purpose: String
    public var unitName: String
    public var communeName: String
    public var targetDong: Int64
    public var startsOn: String
    public var endsOn: String?
    public var totals: LedgerTotals
    public var contributions: Paged<PublicContributionDTO>
    public var expenses: [PublicExpenseDTO]
    /// The next (older) page: pass as `after` (with `page` + 1 for its number); nil on the last page.
    public var contributionsAfter: UUID?
    /// The previous (newer) page: pass as `before` (with `page` − 1); nil on the first page.
    public var contributionsBefore: UUID?
}

/// A household's own contribution, with its campaign.
public struct MyContributionDTO: Content, Sendable {
    public var id: UUID
    public var campaignId: UUID
    public var purpose: String
    public var amountDong: Int64
    public var receivedOn: String
    public var method: String?
    public var receiptNo: String?
    public var anonymous: Bool
    public var reversesId: UUID?
    public var reason: String?
}

public struct ContributionImportReport: Content, Sendable, Equatable {
    public var rows: Int
    public var contributionsAdded: Int
    public var raisedDong: Int64
}

/// The amounts of a JSON body, read as written: a number with a fraction or an exponent (1.5, 1e3, 2.0) is no whole
/// number of đồng, whatever a decoder would make of it, and is refused with its field before decoding.
public enum JSONAmounts {
    public static func check(_ body: ByteBuffer?, fields: Set<String>) throws {
        guard let body, let text = body.getString(at: body.readerIndex, length: body.readableBytes) else { return }
        var c = Checker()
        let bytes = Array(text.utf8)
        var i = 0
        var lastString: String? = nil
        var afterColon = false
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "\"") {
                var j = i + 1, s: [UInt8] = []
                while j < bytes.count && bytes[j] != UInt8(ascii: "\"") {
                    if bytes[j] == UInt8(ascii: "\\") { j += 1 }
                    if j < bytes.count { s.append(bytes[j]) }
                    j += 1
                }
                lastString = afterColon ? nil : String(decoding: s, as: UTF8.self)
                afterColon = false
                i = j + 1
                continue
            }
            if b == UInt8(ascii: ":") { afterColon = true; i += 1; continue }
            if b == UInt8(ascii: ",") || b == UInt8(ascii: "{") || b == UInt8(ascii: "}") || b == UInt8(ascii: "[") || b == UInt8(ascii: "]") {
                if b != UInt8(ascii: "[") { afterColon = false }
                if b == UInt8(ascii: ",") || b == UInt8(ascii: "{") { lastString = nil }
                i += 1
                continue
            }
            if afterColon, b == UInt8(ascii: "-") || (b >= 0x30 && b <= 0x39) {
                var j = i
                while j < bytes.count, let ch = Optional(bytes[j]), ch == UInt8(ascii: "-") || ch == UInt8(ascii: "+") || ch == UInt8(ascii: ".")
                        || ch == UInt8(ascii: "e") || ch == UInt8(ascii: "E") || (ch >= 0x30 && ch <= 0x39) { j += 1 }
                let token = String(decoding: bytes[i..<j], as: UTF8.self)
                if let key = lastString, fields.contains(key) {
                    if token.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) { c.add(key, "error.moneyFraction") }
                    else if token.hasPrefix("-") { c.add(key, "error.moneyNegative") }
                    else if token.count > 16 || (Int64(token) ?? Int64.max) > Money.maxDong { c.add(key, "error.moneyTooLarge") }
                }
                afterColon = false
                i = j
                continue
            }
            i += 1
        }
        try c.check()
    }
}
