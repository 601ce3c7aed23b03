// The rules of a household's and a resident's own fields, written once: the web forms, the JSON API and the CSV/XLSX
// import all check through `HouseholdInput.validate` and `ResidentInput.validate`. Issues name the fields as the API
// does (`code`, `representative.fullName`, …); a caller with other names (the form's `repName`, the import's
// `household_code`) renames them, and the import adds the line.
//
// The representative, on every path: a household with residents has exactly one representative, one of its
// residents (named by id on update, marked in the file, else the head, else the first resident; a household's first
// resident becomes it). A household may be registered without residents (the API, a file's row with no resident
// columns): then it has none until its first resident. A representative given with a new household is checked as
// a resident, name required. The web form for a new household always sends its first resident's fields, so a
// household created there has one.
import Foundation

/// A resident's fields once checked.
public struct ResidentFields: Sendable, Equatable {
    public var name: String
    public var gender: Gender
    public var birthYear: Int?
    public var relation: Relation
    public var phone: String?
}

/// A household's own fields once checked, and its first resident's when given.
public struct HouseholdFields: Sendable, Equatable {
    public var code: String
    public var address: String
    public var phone: String?
    public var representative: ResidentFields?
}

extension ResidentInput {
    /// Checks the fields into `c` (each issue's field is `prefix` + the API's field name). `thisYear` bounds the birth
    /// year (1900 up to it); `birthYearText`, when set and not blank, is the year as typed on a form or in a file, and
    /// a text that is no whole number is refused like a year out of range.
    public func validate(into c: inout Checker, prefix: String = "", thisYear: Int = Int(Day.today().prefix(4))!) -> ResidentFields {
        let name = c.text(prefix + "fullName", fullName, max: 120)
        var gender = Gender.unknown
        if let g = Self.choice(self.gender) {
            if let v = Gender(rawValue: g) { gender = v } else { c.add(prefix + "gender", "error.gender") }
        }
        var year = birthYear
        if let text = birthYearText.map({ Checker.trim($0, .whitespaces) }), !text.isEmpty { year = Int(text) ?? Int.min }
        if let y = year, !(1900...thisYear).contains(y) { c.add(prefix + "birthYear", "error.birthYear", [String(thisYear)]); year = nil }
        var relation = Relation.other
        if let r = Self.choice(self.relation) {
            if let v = Relation(rawValue: r) { relation = v } else { c.add(prefix + "relation", "error.relation") }
        }
        let phone = c.phone(prefix + "phone", self.phone)
        return ResidentFields(name: name, gender: gender, birthYear: year, relation: relation, phone: phone)
    }

    /// A choice's value without spaces around it; nil when blank (the default then applies).
    private static func choice(_ raw: String?) -> String? {
        guard let v = raw.map({ Checker.trim($0, .whitespaces) }), !v.isEmpty else { return nil }
        return v
    }

    /// The same, throwing every issue at once.
    public func validate(thisYear: Int = Int(Day.today().prefix(4))!) throws -> ResidentFields {
        var c = Checker()
        let v = validate(into: &c, thisYear: thisYear)
        try c.check()
        return v
    }
}

extension HouseholdInput {
    /// Checks the household's own fields (code: required, at most 30 characters, a local code; address: at most 300,
    /// required unless `addressRequired` is false, which only a file's row that may continue a household above it
    /// sets; phone) and its representative's when given (as a resident, under `representative.`).
    public func validate(into c: inout Checker, addressRequired: Bool = true, thisYear: Int = Int(Day.today().prefix(4))!) -> HouseholdFields {
        let code = c.text("code", self.code, max: 30)
        if !code.isEmpty, !Codes.isLocal(code, max: 30) { c.add("code", "error.localCode") }
        let address = c.text("address", self.address, max: 300, required: addressRequired)
        let phone = c.phone("phone", self.phone)
        let rep = self.representative.map { $0.validate(into: &c, prefix: "representative.", thisYear: thisYear) }
        return HouseholdFields(code: code, address: address, phone: phone, representative: rep)
    }

    /// The same, throwing every issue at once.
    public func validate(addressRequired: Bool = true, thisYear: Int = Int(Day.today().prefix(4))!) throws -> HouseholdFields {
        var c = Checker()
        let v = validate(into: &c, addressRequired: addressRequired, thisYear: thisYear)
        try c.check()
        return v
    }
}
