// What the procedures API sends and receives.
import Vapor

public struct ProcedureDTO: Content, Equatable {
    public var id: UUID
    public var communeId: UUID
    public var key: String
    public var name: String
    public var nationalCode: String
    public var summary: String
    public var steps: [String]
    public var dossier: [String]
    public var timeLimit: String
    public var workingDays: Int
    public var fee: String
    public var legalBasis: String
    public var onlineUrl: String
    public var online: String
    public var handledBy: String
    public var guideUrl: String
}

/// Create (every field but `key` optional on update). `steps` and `dossier`: one line each.
public struct ProcedureInput: Content {
    public var key: String?
    public var name: String?
    public var nationalCode: String?
    public var summary: String?
    public var steps: String?
    public var dossier: String?
    public var timeLimit: String?
    public var workingDays: Int?
    public var fee: String?
    public var legalBasis: String?
    public var onlineUrl: String?
    public var online: String?
    public var handledBy: String?
}

extension Procedure {
    func toDTO(communeCode: String) -> ProcedureDTO {
        ProcedureDTO(id: id!, communeId: communeID, key: key, name: name, nationalCode: nationalCode, summary: summary,
                     steps: stepList, dossier: dossierList, timeLimit: timeLimit, workingDays: workingDays, fee: fee,
                     legalBasis: legalBasis, onlineUrl: onlineURL, online: online, handledBy: handledBy,
                     guideUrl: SiteURL.guide(communeCode, key).path)
    }
}
