// What the Accounts API sends and receives. Password hashes and token secrets never go over the wire
// (a new token's secret once, at creation).
import Vapor

public struct GrantDTO: Content, Equatable {
    public var id: UUID
    public var personId: UUID
    public var role: Role
    public var unitId: UUID?
    public var unitName: String?
}

public struct PersonDTO: Content {
    public var id: UUID
    public var username: String
    public var displayName: String
    public var phone: String?
    public var active: Bool
    public var locked: Bool
    public var grants: [GrantDTO]
}

public struct PersonInput: Content {
    public var username: String?
    public var displayName: String?
    public var phone: String?
    public var password: String?
    public var role: String?
    /// Unit id; none for a system administrator.
    public var unitId: String?
}

public struct GrantInput: Content {
    public var role: String?
    public var unitId: String?
}

public struct PasswordInput: Content {
    /// For changing one's own password.
    public var current: String?
    public var password: String?
}

public struct TokenDTO: Content {
    public var id: UUID
    public var name: String
    public var role: Role
    public var unitId: UUID?
    public var lastUsedAt: Date?
    public var revokedAt: Date?
    public var createdAt: Date?
    /// Only in the answer to its creation.
    public var token: String?
}

public struct TokenInput: Content {
    public var name: String?
    public var role: String?
    public var unitId: String?
}

extension ApiToken {
    func toDTO(secret: String? = nil) -> TokenDTO {
        TokenDTO(id: id!, name: name, role: role, unitId: unitID, lastUsedAt: lastUsedAt, revokedAt: revokedAt, createdAt: createdAt, token: secret)
    }
}
