import Testing

@testable import CasePulseCore

@Suite struct ShardedDictionaryTests {
    @Test func storesReplacesAndRemoves() {
        var map = ShardedDictionary<String, Int>()
        for i in 0..<10_000 { map["case-\(i)"] = i }
        #expect(map.count == 10_000)
        #expect(map["case-4711"] == 4711)
        map["case-4711"] = -1
        #expect(map["case-4711"] == -1)
        #expect(map.count == 10_000)
        map["case-4711"] = nil
        map["never-there"] = nil
        #expect(map["case-4711"] == nil)
        #expect(map.count == 9_999)
        var sum = 0
        map.forEach { _, value in sum += value }
        #expect(sum == (0..<10_000).reduce(0, +) - 4711)
        map.removeAll(keepingCapacity: true)
        #expect(map.count == 0 && map["case-1"] == nil)
    }

    @Test func canonicallyEquivalentIdsAreOneKey() {
        var map = ShardedDictionary<String, Int>()
        map["caf\u{E9}"] = 1
        map["cafe\u{301}"] = 2
        #expect(map.count == 1)
        #expect(map["caf\u{E9}"] == 2)
    }

    /// No shard holds much more than its share, so no single growth moves more than a small
    /// fraction of the entries.
    @Test func spreadsEntriesEvenly() {
        var map = ShardedDictionary<Int, Int>()
        let count = 256 * 400
        for i in 0..<count { map[i] = i }
        #expect(map.largestShardCount < 400 * 2)
    }
}
