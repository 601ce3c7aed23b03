// The contributions ledger (xã hội hóa): a commune or village raises money for a campaign (Features/Assets: Campaign),
// records each contribution (a household of the campaign's unit, or an organisation) with a receipt, and each expense
// with its supplier, its invoice and the assets it paid for. The ledger is append-only: a mistake is corrected by a
// reversing entry with a reason, never by an edit or a delete, so raised − spent = balance is a sum of the rows.
// docs/ledger.md.
import Fluent
import Vapor

/// What an entry records.
public enum LedgerKind: String, Codable, Sendable, CaseIterable {
    case contribution, expense
}

/// How a contribution was paid.
public enum PaymentMethod: String, Codable, Sendable, CaseIterable {
    case cash, transfer
}

/// One line of a campaign's ledger: a contribution or an expense, or the reversal of one (same kind, opposite amount,
/// `reversesID` set).
public final class LedgerEntry: Model, @unchecked Sendable {
    public static let schema = "ledger_entries"

    @ID(key: .id) public var id: UUID?
    @Field(key: "campaign_id") public var campaignID: UUID
    @Field(key: "unit_id") public var unitID: UUID
    @Field(key: "commune_id") public var communeID: UUID
    @Field(key: "kind") public var kind: LedgerKind
    /// Whole đồng; negative only on a reversal.
    @Field(key: "amount_dong") public var amountDong: Int64
    @Field(key: "entry_on") public var entryOn: String
    @OptionalField(key: "reverses_id") public var reversesID: UUID?
    @OptionalField(key: "reason") public var reason: String?
    @OptionalField(key: "household_id") public var householdID: UUID?
    @OptionalField(key: "village_id") public var villageID: UUID?
    @OptionalField(key: "contributor_name") public var contributorName: String?
    @Field(key: "organisation") public var organisation: Bool
    @OptionalField(key: "method") public var method: PaymentMethod?
    @OptionalField(key: "receipt_no") public var receiptNo: String?
    @Field(key: "anonymous") public var anonymous: Bool
    @OptionalField(key: "supplier") public var supplier: String?
    @OptionalField(key: "invoice_no") public var invoiceNo: String?
    @Field(key: "advance") public var advance: Bool
    @OptionalField(key: "note") public var note: String?
    @OptionalField(key: "created_by") public var createdBy: UUID?
    @Field(key: "created_at") public var createdAt: Date

    public init() {}
}

/// An amount in Vietnamese words, as a receipt writes it: 236,000,000 → "hai trăm ba mươi sáu triệu đồng".
/// Northern usage: "linh" for an empty tens place (một trăm linh năm), "mốt" and "lăm" after a tens digit, a group
/// after a larger one keeps its hundreds ("một triệu không trăm năm mươi nghìn"), "tỷ" for 10^9 and above.
public enum VietnameseWords {
    static let digits = ["không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"]

    public static func dong(_ amount: Int64) -> String {
        let n = amount.magnitude
        let words = n == 0 ? "không" : number(n, leading: true).joined(separator: " ")
        return (amount < 0 ? "âm " : "") + words + " đồng"
    }

    /// The same, with a capital first letter (a receipt's "Bằng chữ").
    public static func dongCapitalised(_ amount: Int64) -> String {
        let s = dong(amount)
        return s.prefix(1).uppercased() + s.dropFirst()
    }

    static func number(_ n: UInt64, leading: Bool) -> [String] {
        if n >= 1_000_000_000 {
            let rest = n % 1_000_000_000
            return number(n / 1_000_000_000, leading: leading) + ["tỷ"] + (rest > 0 ? belowBillion(rest, leading: false) : [])
        }
        return belowBillion(n, leading: leading)
    }

    static func belowBillion(_ n: UInt64, leading: Bool) -> [String] {
        var out: [String] = []
        var first = leading
        for (group, scale) in [(n / 1_000_000, "triệu"), ((n / 1000) % 1000, "nghìn"), (n % 1000, "")] where group > 0 {
            out += triple(Int(group), full: !first)
            if !scale.isEmpty { out.append(scale) }
            first = false
        }
        return out
    }

    /// Three digits; `full` when a larger group came before (so "không trăm", "linh" are said).
    static func triple(_ g: Int, full: Bool) -> [String] {
        let h = g / 100, t = (g / 10) % 10, u = g % 10
        var out: [String] = []
        if full || h > 0 { out += [digits[h], "trăm"] }
        switch t {
        case 0:
            if u > 0 {
                if full || h > 0 { out.append("linh") }
                out.append(digits[u])
            }
        case 1:
            out.append("mười")
            if u == 5 { out.append("lăm") } else if u > 0 { out.append(digits[u]) }
        default:
            out += [digits[t], "mươi"]
            if u == 1 { out.append("mốt") } else if u == 5 { out.append("lăm") } else if u > 0 { out.append(digits[u]) }
        }
        return out
    }
}
