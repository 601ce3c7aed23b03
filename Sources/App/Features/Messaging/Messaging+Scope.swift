// Announcements under the one scope rule. Seeing one needs `publishAnnouncements` where it is addressed (a group head sees
// a commune-wide announcement, for their own group's households); changing one needs it on the unit that owns it.
// Routes declare `.rule(.announcement(p))` (see) or `.rule(.announcementToChange(p))` (change), and the rule loads the
// row before the handler runs: `req.scoped(Announcement.self)` / `req.scoped(ChangeableAnnouncement.self).row`.
import Fluent
import Vapor

extension Announcement: ScopedRow {
    public static var scopeKind: String { "announcement" }
    public static func scoped(_ id: UUID, _ permission: Permission, for req: Request) async throws -> Announcement {
        let (a, editable) = try await req.access.announcementToViewAndEdit(id, on: req.db)
        req.storage[EditableAnnouncementKey.self] = (id, editable)
        return a
    }
}

private struct EditableAnnouncementKey: StorageKey { typealias Value = (UUID, Bool) }

extension Request {
    /// Whether the caller may change the notice the route's rule loaded (`.announcement(…)`), as the rule found it.
    func canEditScopedAnnouncement(_ a: Announcement) -> Bool? {
        guard let (id, editable) = storage[EditableAnnouncementKey.self], id == a.id else { return nil }
        return editable
    }
}

/// An announcement the caller may change (owned by a unit where they hold the permission).
public struct ChangeableAnnouncement: ScopedRow {
    public let row: Announcement
    public static var scopeKind: String { "announcement" }
    public static func scoped(_ id: UUID, _ permission: Permission, for req: Request) async throws -> ChangeableAnnouncement {
        let a = try await req.access.announcementToEdit(id, on: req.db)
        req.keepScoped(a)
        return ChangeableAnnouncement(row: a)
    }
}

extension RouteRule {
    /// `:id` is an announcement the caller may see.
    public static func announcement(_ p: Permission) -> RouteRule { .row(Announcement.self, p) }
    /// `:id` is an announcement the caller may change.
    public static func announcementToChange(_ p: Permission) -> RouteRule { .row(ChangeableAnnouncement.self, p) }
}
