// Values kept in memory within a budget of bytes, the least recently used out first: the one mechanism behind every
// page or answer the app keeps ready (rendered pages by context, `RenderCache`; traceability pages by code and data
// version, `TracePageCache`; the public ledger's pages by request and sums version, `LedgerPages`; and any later one).
//
// What a kept value is valid for is the caller's business: a store answers what it holds under a key, and a caller
// that keeps values under a data version asks with `valid:` so that a value built at an older version counts as a
// miss. Weights are the caller's too (the bytes a value holds); a value heavier than `largest` is not kept, so one
// huge page cannot push out everything else. Over budget, the least recently used values go until a quarter of the
// budget is free again (one sort per eviction, not one per value).
import NIOConcurrencyHelpers

final class KeptStore<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Entry {
        var value: Value
        var weight: Int
        var used: UInt64
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        var size = 0
        var clock: UInt64 = 0
        var hits = 0
        var misses = 0
        var off = false
    }

    /// The bytes kept at most.
    let budget: Int
    /// The heaviest value kept.
    let largest: Int
    private let weigh: @Sendable (Key, Value) -> Int
    private let state = NIOLockedValueBox(State())

    /// `largest` defaults to an eighth of the budget.
    init(budget: Int, largest: Int? = nil, weigh: @escaping @Sendable (Key, Value) -> Int) {
        self.budget = max(0, budget)
        self.largest = min(self.budget, largest ?? self.budget / 8)
        self.weigh = weigh
    }

    /// Values answered and values asked for but missing (or no longer valid), since start: what tests and benches read.
    var counts: (hits: Int, misses: Int) { state.withLockedValue { ($0.hits, $0.misses) } }

    /// Bytes held and values held now.
    var held: (bytes: Int, values: Int) { state.withLockedValue { ($0.size, $0.entries.count) } }

    /// Off: nothing is answered, counted or kept, and what is held stays for when it is on again (a bench times both
    /// ways in one run, switching per request).
    var bypass: Bool {
        get { state.withLockedValue { $0.off } }
        set { state.withLockedValue { $0.off = newValue } }
    }

    /// The value kept under `key` if there is one and `valid` accepts it; counted as a hit (and marked used) or a miss.
    func value(_ key: Key, valid: (Value) -> Bool = { _ in true }) -> Value? {
        state.withLockedValue { s in
            guard !s.off else { return nil }
            guard var e = s.entries[key], valid(e.value) else { s.misses += 1; return nil }
            s.clock += 1
            e.used = s.clock
            s.entries[key] = e
            s.hits += 1
            return e.value
        }
    }

    /// The value kept under `key`, neither counted nor marked used (a caller that checks it against the database
    /// first, then says what it found with `count(hit:)` and `touch`).
    func peek(_ key: Key) -> Value? {
        state.withLockedValue { $0.off ? nil : $0.entries[key]?.value }
    }

    func count(hit: Bool) {
        state.withLockedValue { if hit { $0.hits += 1 } else { $0.misses += 1 } }
    }

    func touch(_ key: Key) {
        state.withLockedValue { s in
            guard s.entries[key] != nil else { return }
            s.clock += 1
            s.entries[key]!.used = s.clock
        }
    }

    /// Keeps `value` under `key` (replacing what was there), unless it weighs more than `largest`.
    func keep(_ key: Key, _ value: Value) {
        let weight = weigh(key, value)
        guard weight <= largest, budget > 0 else { return }
        state.withLockedValue { s in
            guard !s.off else { return }
            s.clock += 1
            if let old = s.entries.updateValue(Entry(value: value, weight: weight, used: s.clock), forKey: key) { s.size -= old.weight }
            s.size += weight
            guard s.size > budget else { return }
            let target = budget - budget / 4
            for (k, e) in s.entries.sorted(by: { $0.value.used < $1.value.used }) {
                guard s.size > target else { break }
                s.entries[k] = nil
                s.size -= e.weight
            }
        }
    }

    /// Drops what is kept under `key`.
    func drop(_ key: Key) {
        state.withLockedValue { s in
            if let old = s.entries.removeValue(forKey: key) { s.size -= old.weight }
        }
    }
}
