// Small helpers for async code.

extension Optional {
    /// `map` with an async transform: `try await unit.asyncMap { try await load($0) }`.
    func asyncMap<T>(_ f: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let v = self else { return nil }
        return try await f(v)
    }
}
