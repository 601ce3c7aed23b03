import Testing
@testable import App

/// The store behind every kept page: bounded by bytes, least recently used out first, versions checked by the caller.
@Suite("KeptStore: values kept within a budget of bytes")
struct KeptStoreTests {
    func store(budget: Int = 100, largest: Int? = nil) -> KeptStore<String, [UInt8]> {
        KeptStore(budget: budget, largest: largest) { _, v in v.count }
    }

    @Test("a kept value is answered and counted; a value `valid` refuses is a miss")
    func answers() {
        let s = store()
        #expect(s.value("a") == nil)
        s.keep("a", [1, 2, 3])
        #expect(s.value("a") == [1, 2, 3])
        #expect(s.value("a") { $0.count == 4 } == nil)
        #expect(s.counts.hits == 1 && s.counts.misses == 2)
        #expect(s.held.bytes == 3 && s.held.values == 1)
        s.keep("a", [1])
        #expect(s.held.bytes == 1, "a value kept again replaces the old one's weight")
        s.drop("a")
        #expect(s.held.bytes == 0 && s.held.values == 0)
    }

    @Test("over budget the least recently used go first, until a quarter of the budget is free; a value heavier than `largest` is not kept")
    func evicts() {
        let s = store(budget: 100, largest: 30)
        s.keep("big", Array(repeating: 0, count: 31))
        #expect(s.held.values == 0)
        for k in ["a", "b", "c", "d", "e"] { s.keep(k, Array(repeating: 0, count: 20)) }
        #expect(s.held.bytes == 100)
        _ = s.value("a")   // "a" is now the most recently used
        s.keep("f", Array(repeating: 0, count: 20))
        // 120 bytes > 100: the oldest go (b, c, d) until at most 75 are held: 60.
        #expect(s.held.bytes == 60)
        #expect(s.peek("a") != nil && s.peek("f") != nil && s.peek("e") != nil)
        #expect(s.peek("b") == nil && s.peek("c") == nil && s.peek("d") == nil)
    }

    @Test("bypassed, nothing is answered, counted or kept, and what was held is there again afterwards")
    func bypass() {
        let s = store()
        s.keep("a", [1])
        s.bypass = true
        #expect(s.value("a") == nil)
        s.keep("b", [2])
        #expect(s.counts.hits == 0 && s.counts.misses == 0)
        s.bypass = false
        #expect(s.value("a") == [1] && s.peek("b") == nil)
    }
}
