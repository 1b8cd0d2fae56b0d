import Testing

@testable import CasePulseCore

@Suite struct WideWordTableTests {
    /// A key's hash for these tests: few shards and few distinct tags, so probe runs are long,
    /// tags repeat across keys (the caller's match decides) and removals hit the middle of runs.
    static func hash(_ key: Int) -> UInt64 {
        let mixed = SplitMix64.mix(UInt64(key))
        return (mixed >> 62) << 56 | (mixed & 0x3FF)
    }

    /// Random inserts and removals agree with `Dictionary` at every step: removal shifts the words
    /// after it back, and a wrong shift loses or hides a number.
    @Test func agreesWithDictionaryUnderRandomInsertsAndRemovals() {
        let table = WideWordTable()
        // The keys live with the caller, as the engine's do: number → key.
        var keys: [Int32: Int] = [:]
        var model: [Int: Int32] = [:]
        var random = SplitMix64(seed: 2026)
        var next: Int32 = 0
        func find(_ key: Int) -> Int32? { table.find(hash: Self.hash(key)) { keys[$0] == key } }
        for _ in 0..<40_000 {
            let key = random.int(0..<3_000)
            if let number = model[key], random.chance(1, in: 2) {
                #expect(table.remove(hash: Self.hash(key)) { keys[$0] == key } == number)
                model[key] = nil
                keys[number] = nil
            } else if model[key] == nil {
                table.insert(number: next, hash: Self.hash(key))
                model[key] = next
                keys[next] = key
                next += 1
            }
            #expect(find(key) == model[key])
        }
        #expect(table.count == model.count)
        var seen: Set<Int32> = []
        table.forEach { seen.insert($0) }
        #expect(seen == Set(model.values))
        for key in 0..<3_000 { #expect(find(key) == model[key]) }
        #expect(table.remove(hash: Self.hash(3_001)) { keys[$0] == 3_001 } == nil)
    }
}
