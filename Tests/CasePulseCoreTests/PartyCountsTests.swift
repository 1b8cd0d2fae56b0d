import Testing

@testable import CasePulseCore

@Suite struct PartyCountsTests {
    /// Random adds and removes agree with a `Dictionary` of counts at every step, including
    /// removals from the middle of probe runs and party 0 and `UInt32.max`.
    @Test func agreesWithADictionaryOfCounts() {
        var parties = PartyCounts()
        var model: [UInt32: UInt32] = [:]
        var random = SplitMix64(seed: 13_190)
        let pool: [UInt32] = [0, .max, .max - 1] + (0..<300).map { _ in UInt32(truncatingIfNeeded: random.next()) }
        for _ in 0..<40_000 {
            let party = random.pick(pool)
            if random.chance(1, in: 2) {
                parties.add(party)
                model[party, default: 0] += 1
            } else {
                parties.remove(party)
                if let count = model[party] { model[party] = count > 1 ? count - 1 : nil }
            }
            #expect(parties.references(of: party) == model[party] ?? 0)
            #expect(parties.count == model.count)
        }
        var seen: [UInt32: UInt32] = [:]
        parties.forEach { seen[$0] = $1 }
        #expect(seen == model)
    }

    /// Equality is by parties and counts, not by where they sit in the table.
    @Test func equalityIgnoresOrder() {
        var forward = PartyCounts()
        var backward = PartyCounts()
        for party in UInt32(0)..<50 { forward.add(party) }
        for party in (UInt32(0)..<50).reversed() { backward.add(party) }
        #expect(forward == backward)
        backward.add(7)
        #expect(forward != backward)
        backward.remove(7)
        backward.remove(7)
        #expect(forward != backward && forward.count == 50 && backward.count == 49)
    }
}
