// What the profile form and the visit form share: the ten profile answers as a browser posts them (text boxes and
// yes/no radios), read into `ProfileAnswers` once for both, so the rules (Outreach+Rules.swift) see the same values.
import Vapor

protocol ProfileFormFields {
    var internet: String? { get }
    var smartphoneUsers: String? { get }
    var adultsVneid: String? { get }
    var adultsCashless: String? { get }
    var onlineServices: String? { get }
    var eHealth: String? { get }
    var inVillageChannel: String? { get }
    var channel: String? { get }
    var sellsOnline: String? { get }
    var ownCamera: String? { get }
    var consent: String? { get }
}

extension ProfileFormFields {
    /// The answers as the rules take them. A blank count is unknown; a count that is not a whole number (or too large
    /// for one) is sent as -1, which the rule refuses with its own message next to the field.
    var answers: ProfileAnswers {
        func count(_ s: String?) -> Int? {
            let t = (s ?? "").trimmingCharacters(in: .whitespaces)
            return t.isEmpty ? nil : (Int(t) ?? -1)
        }
        func yesNo(_ s: String?) -> Bool? { s == "yes" ? true : s == "no" ? false : nil }
        return ProfileAnswers(internet: internet, smartphoneUsers: count(smartphoneUsers), adultsVneid: count(adultsVneid),
                              adultsCashless: count(adultsCashless), onlineServices: yesNo(onlineServices), eHealth: yesNo(eHealth),
                              inVillageChannel: yesNo(inVillageChannel), channel: channel, sellsOnline: yesNo(sellsOnline),
                              ownCamera: yesNo(ownCamera))
    }

    /// The household agreed (a checkbox: "on", or "yes").
    var consentGiven: Bool { consent == "on" || consent == "yes" }

    /// The answers as typed, for a form shown again with its errors.
    var profileValues: [String: String] {
        ["internet": internet ?? "", "smartphoneUsers": smartphoneUsers ?? "", "adultsVneid": adultsVneid ?? "",
         "adultsCashless": adultsCashless ?? "", "onlineServices": onlineServices ?? "", "eHealth": eHealth ?? "",
         "inVillageChannel": inVillageChannel ?? "", "channel": channel ?? "", "sellsOnline": sellsOnline ?? "",
         "ownCamera": ownCamera ?? "", "consent": consentGiven ? "yes" : ""]
    }
}
