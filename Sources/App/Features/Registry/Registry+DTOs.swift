// What the Registry API sends and receives.
import Vapor

public struct HouseholdDTO: Content, Equatable {
    public var id: UUID
    public var code: String
    public var communeId: UUID
    public var villageId: UUID
    public var groupId: UUID?
    public var address: String
    public var phone: String?
    public var representativeId: UUID?
    public var representativeName: String?
}

public struct ResidentDTO: Content, Equatable {
    public var id: UUID
    public var householdId: UUID
    public var fullName: String
    public var gender: Gender
    public var birthYear: Int?
    public var relation: Relation
    public var phone: String?
    public var isRepresentative: Bool
}

public struct HouseholdDetailDTO: Content {
    public var household: HouseholdDTO
    public var residents: [ResidentDTO]
}

public struct HouseholdInput: Content {
    public var code: String?
    public var villageId: String?
    public var groupId: String?
    public var address: String?
    public var phone: String?
    /// On update: a resident of this household who becomes its representative.
    public var representativeId: String?
    /// On create: the household's first resident, who becomes its representative.
    public var representative: ResidentInput?
}

public struct ResidentInput: Content {
    public var householdId: String?
    public var fullName: String?
    public var gender: String?
    public var birthYear: Int?
    public var relation: String?
    public var phone: String?
    public var isRepresentative: Bool?
    /// The birth year as typed on a form or in a file (not part of the JSON body): see `ResidentInput.validate`.
    public var birthYearText: String? = nil

    enum CodingKeys: String, CodingKey { case householdId, fullName, gender, birthYear, relation, phone, isRepresentative }
}

public struct ImportReport: Content, Equatable {
    public var rows: Int
    public var householdsAdded: Int
    public var householdsUpdated: Int
    public var householdsUnchanged: Int
    public var residentsAdded: Int
    public var residentsUpdated: Int
    public var residentsUnchanged: Int
}

extension Household {
    func toDTO(representativeName: String?) -> HouseholdDTO {
        HouseholdDTO(id: id!, code: code, communeId: communeID, villageId: villageID, groupId: groupID, address: address,
                     phone: phone, representativeId: representativeID, representativeName: representativeName)
    }
}

extension Resident {
    func toDTO(representativeID: UUID?) -> ResidentDTO {
        ResidentDTO(id: id!, householdId: householdID, fullName: fullName, gender: gender, birthYear: birthYear,
                    relation: relation, phone: phone, isRepresentative: representativeID == id)
    }
}
