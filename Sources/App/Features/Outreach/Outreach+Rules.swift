// The rules of a profile's answers and of a visit, written once: the visit form, the JSON API, the offline batch
// sync and the profile import all check through here. Fields are named as the API names them (`profile.adultsVneid`,
// `visitedOn`, …); the import renames them to its columns and adds the line.
import Vapor

/// A household's digital profile answers as sent by a form, the API or a file; nil (or blank) means not known.
public struct ProfileAnswers: Content, Sendable, Equatable {
    public var internet: String?
    public var smartphoneUsers: Int?
    public var adultsVneid: Int?
    public var adultsCashless: Int?
    public var onlineServices: Bool?
    public var eHealth: Bool?
    public var inVillageChannel: Bool?
    public var channel: String?
    public var sellsOnline: Bool?
    public var ownCamera: Bool?

    public init(internet: String? = nil, smartphoneUsers: Int? = nil, adultsVneid: Int? = nil, adultsCashless: Int? = nil,
                onlineServices: Bool? = nil, eHealth: Bool? = nil, inVillageChannel: Bool? = nil, channel: String? = nil,
                sellsOnline: Bool? = nil, ownCamera: Bool? = nil) {
        self.internet = internet
        self.smartphoneUsers = smartphoneUsers
        self.adultsVneid = adultsVneid
        self.adultsCashless = adultsCashless
        self.onlineServices = onlineServices
        self.eHealth = eHealth
        self.inVillageChannel = inVillageChannel
        self.channel = channel
        self.sellsOnline = sellsOnline
        self.ownCamera = ownCamera
    }
}

/// Profile answers once checked.
public struct ProfileFields: Sendable, Equatable {
    public var internet: InternetAccess?
    public var smartphoneUsers: Int?
    public var adultsVneid: Int?
    public var adultsCashless: Int?
    public var onlineServices: Bool?
    public var eHealth: Bool?
    public var inVillageChannel: Bool?
    public var channel: VillageChannel?
    public var sellsOnline: Bool?
    public var ownCamera: Bool?
}

/// What the rules need to know of the household a profile or visit is for.
public struct HouseholdHeadcount: Sendable, Equatable {
    /// Residents registered in the household.
    public var residents: Int
    /// Of them, those 18 or older in the year of the date asked (a resident without a birth year counts as an adult).
    public var adults: Int
}

extension ProfileAnswers {
    /// The most people a count may name even when the household's residents are not registered.
    public static let maxCount = 50

    /// Checks the answers against the household (`counts`: its residents on that date) into `c`.
    public func validate(into c: inout Checker, prefix: String = "profile.", counts: HouseholdHeadcount) -> ProfileFields {
        var f = ProfileFields()
        if let raw = internet.map({ Checker.trim($0, .whitespaces) }), !raw.isEmpty {
            if let v = InternetAccess(rawValue: raw) { f.internet = v } else { c.add(prefix + "internet", "error.outreach.internet") }
        }
        // Without registered residents, counts are only bounded; with them, a count cannot exceed who lives there.
        let people = counts.residents > 0 ? counts.residents : Self.maxCount
        let adults = counts.residents > 0 ? counts.adults : Self.maxCount
        func count(_ field: String, _ v: Int?, most: Int, key: String) -> Int? {
            guard let v else { return nil }
            if v < 0 || v > Self.maxCount { c.add(prefix + field, "error.outreach.count", [String(Self.maxCount)]); return nil }
            if v > most { c.add(prefix + field, key, [String(most)]); return nil }
            return v
        }
        f.smartphoneUsers = count("smartphoneUsers", smartphoneUsers, most: people, key: "error.outreach.moreThanResidents")
        f.adultsVneid = count("adultsVneid", adultsVneid, most: adults, key: "error.outreach.moreThanAdults")
        f.adultsCashless = count("adultsCashless", adultsCashless, most: adults, key: "error.outreach.moreThanAdults")
        f.onlineServices = onlineServices
        f.eHealth = eHealth
        f.inVillageChannel = inVillageChannel
        if let raw = channel.map({ Checker.trim($0, .whitespaces) }), !raw.isEmpty {
            if inVillageChannel == false { c.add(prefix + "channel", "error.outreach.channelWithoutMember") }
            else if let v = VillageChannel(rawValue: raw) { f.channel = v; f.inVillageChannel = true }
            else { c.add(prefix + "channel", "error.outreach.channel") }
        }
        f.sellsOnline = sellsOnline
        f.ownCamera = ownCamera
        return f
    }

    /// Whether nothing was answered.
    public var isEmpty: Bool { self == ProfileAnswers() }
}

/// A visit as the form, the API or the offline queue sends it.
public struct VisitInput: Content, Sendable, Equatable {
    /// Made on the phone (a UUID): the same id sent twice records one visit. Optional from a form or the API (one is made).
    public var clientId: String?
    public var householdId: String?
    public var teamId: String?
    public var visitedOn: String?
    public var visitors: String?
    public var helped: [String]?
    public var dossierId: String?
    public var outcome: String?
    public var notes: String?
    public var nextVisitOn: String?
    public var profile: ProfileAnswers?
    /// The household agreed, on this visit, that its digital profile is kept for digital support: records a consent
    /// with purpose `OutreachConsent.purpose` unless one is in force.
    public var consent: Bool?

    public init(clientId: String? = nil, householdId: String? = nil, teamId: String? = nil, visitedOn: String? = nil,
                visitors: String? = nil, helped: [String]? = nil, dossierId: String? = nil, outcome: String? = nil,
                notes: String? = nil, nextVisitOn: String? = nil, profile: ProfileAnswers? = nil, consent: Bool? = nil) {
        self.clientId = clientId
        self.householdId = householdId
        self.teamId = teamId
        self.visitedOn = visitedOn
        self.visitors = visitors
        self.helped = helped
        self.dossierId = dossierId
        self.outcome = outcome
        self.notes = notes
        self.nextVisitOn = nextVisitOn
        self.profile = profile
        self.consent = consent
    }
}

/// A visit's own fields once checked (its household and team are checked against the caller's scope apart).
public struct VisitFields: Sendable, Equatable {
    public var clientID: String
    public var householdID: UUID
    public var teamID: UUID?
    public var visitedOn: String
    public var visitors: String
    public var helped: [VisitHelp]
    public var dossierID: UUID?
    public var outcome: VisitOutcome
    public var notes: String?
    public var nextVisitOn: String?
    public var profile: ProfileFields?
    public var consent: Bool
}

extension VisitInput {
    /// The oldest visit that may still be recorded: a queue kept on a phone for longer is refused.
    public static let maxAgeDays = 366

    /// The fields that need no database: ids, dates (`today` in Hà Nội: no visit in the future), choices, texts.
    /// `oldest`: the first day a visit may be dated (`oldestDay(today)`), when the caller checks many visits at once.
    public func validateShape(into c: inout Checker, today: String, oldest: String? = nil) -> (clientID: String, householdID: UUID?, teamID: UUID?, visitedOn: String?) {
        // A client id is kept as its lowercase text: `UUID(uuidString:)` takes only the 36-character form, which is
        // then its own text (no need to write the parsed id out again); one is made only when none was sent.
        let clientID: String
        if let raw = clientId.map({ Checker.trim($0, .whitespaces) }), !raw.isEmpty {
            if let u = UUID(uuidString: raw) { clientID = raw.utf8.count == 36 ? raw.lowercased() : u.uuidString.lowercased() }
            else { clientID = UUID.random().uuidString.lowercased(); c.add("clientId", "error.outreach.clientId") }
        } else { clientID = UUID.random().uuidString.lowercased() }
        var household: UUID? = nil
        if let raw = householdId.map({ Checker.trim($0, .whitespaces) }), !raw.isEmpty {
            if let u = UUID(uuidString: raw) { household = u } else { c.add("householdId", "error.outreach.unknownHousehold") }
        } else { c.add("householdId", "error.required") }
        var team: UUID? = nil
        if let raw = teamId.map({ Checker.trim($0, .whitespaces) }), !raw.isEmpty {
            if let u = UUID(uuidString: raw) { team = u } else { c.add("teamId", "error.outreach.unknownTeam") }
        }
        var day = c.day("visitedOn", visitedOn, required: true)
        if let d = day {
            if d > today { c.add("visitedOn", "error.outreach.future"); day = nil }
            else if d < (oldest ?? Self.oldestDay(today)) { c.add("visitedOn", "error.outreach.tooOld", [String(Self.maxAgeDays)]); day = nil }
        }
        return (clientID, household, team, day)
    }

    /// The first day a visit may be dated when `today` is today.
    public static func oldestDay(_ today: String) -> String { Day.adding(-maxAgeDays, to: today) }

    /// Checks every field into `c`; `counts` are the household's residents on the visit's date. `shape`: what
    /// `validateShape` already answered for this input (its issues are then the caller's to report).
    public func validate(into c: inout Checker, today: String, counts: HouseholdHeadcount,
                         shape known: (clientID: String, householdID: UUID?, teamID: UUID?, visitedOn: String?)? = nil) -> VisitFields? {
        let shape = known ?? validateShape(into: &c, today: today)
        let visitors = c.text("visitors", visitors, max: 200)
        var helpedList: [VisitHelp] = []
        for raw in helped ?? [] {
            let v = Checker.trim(raw, .whitespaces)
            if v.isEmpty { continue }
            if let h = VisitHelp(rawValue: v) { if !helpedList.contains(h) { helpedList.append(h) } }
            else { c.add("helped", "error.outreach.helped") }
        }
        var dossier: UUID? = nil
        if let raw = dossierId.map({ Checker.trim($0, .whitespaces) }), !raw.isEmpty {
            if let u = UUID(uuidString: raw) { dossier = u } else { c.add("dossierId", "error.outreach.unknownDossier") }
        }
        var outcome = VisitOutcome.done
        if let raw = self.outcome.map({ Checker.trim($0, .whitespaces) }), !raw.isEmpty {
            if let o = VisitOutcome(rawValue: raw) { outcome = o } else { c.add("outcome", "error.outreach.outcome") }
        }
        let notesText = c.text("notes", notes, max: 1000, required: false, multiline: true)
        var next = c.day("nextVisitOn", nextVisitOn)
        if let n = next, let v = shape.visitedOn, n < v { c.add("nextVisitOn", "error.outreach.nextBeforeVisit"); next = nil }
        let profileFields = (profile?.isEmpty ?? true) ? nil : profile!.validate(into: &c, counts: counts)
        guard let household = shape.householdID, let day = shape.visitedOn, c.issues.isEmpty else { return nil }
        return VisitFields(clientID: shape.clientID, householdID: household, teamID: shape.teamID, visitedOn: day,
                           visitors: visitors, helped: helpedList, dossierID: dossier, outcome: outcome,
                           notes: notesText.isEmpty ? nil : notesText, nextVisitOn: next, profile: profileFields,
                           consent: consent == true)
    }
}

/// Who counts as an adult for the profile: 18 or older in `year`, or of unknown age.
public enum Adults {
    public static let age = 18
    public static func isAdult(birthYear: Int?, in year: Int) -> Bool {
        guard let b = birthYear else { return true }
        return year - b >= age
    }
}

/// The consent purpose under which outreach keeps a household's digital profile and visits.
public enum OutreachConsent {
    public static let purpose = "digitalSupport"
}
