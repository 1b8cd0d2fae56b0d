import Testing

@testable import CasePulseCore

@Suite struct ShardedDictionaryTests {
    @Test func storesReplacesAndRemoves() {
        let map = ShardedDictionary<String, Int>()
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
        let map = ShardedDictionary<String, Int>()
        map["caf\u{E9}"] = 1
        map["cafe\u{301}"] = 2
        #expect(map.count == 1)
        #expect(map["caf\u{E9}"] == 2)
    }

    /// No shard holds much more than its share, so no single growth moves more than a small
    /// fraction of the entries.
    @Test func spreadsEntriesEvenly() {
        let map = ShardedDictionary<Int, Int>()
        let count = 256 * 400
        for i in 0..<count { map[i] = i }
        #expect(map.largestShardCount < 400 * 2)
    }

    /// Random inserts, replacements and removals agree with `Dictionary` at every step: removal
    /// shifts the entries after it back, and a wrong shift loses or hides a key.
    @Test func agreesWithDictionaryUnderRandomInsertsAndRemovals() {
        let map = ShardedDictionary<Int, Int>()
        var model: [Int: Int] = [:]
        var random = SplitMix64(seed: 2026)
        for step in 0..<60_000 {
            // A small key space, so probe runs are long and removals hit their middles.
            let key = random.int(0..<6_000)
            if random.chance(2, in: 5) {
                map[key] = nil
                model[key] = nil
            } else {
                map[key] = step
                model[key] = step
            }
            #expect(map[key] == model[key])
            if step % 10_000 == 0 { map.removeAll(keepingCapacity: step % 20_000 == 0); model.removeAll() }
        }
        #expect(map.count == model.count)
        var seen: [Int: Int] = [:]
        map.forEach { key, value in seen[key] = value }
        #expect(seen == model)
        for key in 0..<6_000 { #expect(map[key] == model[key]) }
    }
}

/// Integer keys for these tests; the engine's own keys mix their hash the same way.
extension Int: TableHashable {
    public var tableHash: UInt64 { SplitMix64.mix(UInt64(bitPattern: Int64(self))) }
}
