import Testing

@testable import CasePulseCore

@Suite struct PartyCountsTests {
    /// Random adds and removes agree with a `Dictionary` of counts at every step, including
    /// removals from the middle of probe runs, parties named once and many times, and the
    /// smallest and largest party ids.
    @Test func agreesWithADictionaryOfCounts() {
        var parties = PartyCounts()
        var model: [UInt32: UInt32] = [:]
        var random = SplitMix64(seed: 13_190)
        let limit = PartyCounts.partyLimit
        let pool: [UInt32] = [0, limit - 1, limit - 2] + (0..<300).map { _ in UInt32(truncatingIfNeeded: random.next()) % limit }
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
        // Only parties named more than once have a count of their own.
        #expect((parties.repeats ?? [:]) == model.filter { $0.value > 1 })
    }

    /// A party named by one case costs one word: no map of counts exists until a second case
    /// names one, and it is gone again once no party is named more than once.
    @Test func countsOfOneNeedNoMap() {
        var parties = PartyCounts()
        for party in UInt32(0)..<1_000 { parties.add(party) }
        #expect(parties.repeats == nil && parties.count == 1_000)
        #expect(parties.words.count == 2_049)
        parties.add(7)
        parties.add(7)
        #expect(parties.repeats == [7: 3] && parties.references(of: 7) == 3 && parties.count == 1_000)
        parties.remove(7)
        #expect(parties.repeats == [7: 2])
        parties.remove(7)
        #expect(parties.repeats == nil && parties.references(of: 7) == 1)
        parties.remove(7)
        #expect(parties.references(of: 7) == 0 && parties.count == 999)
    }

    /// One party named by one case is held inline, allocating nothing; a second case naming it or
    /// a second party makes a table, and a table emptied is let go.
    @Test func onePartyNamedByOneCaseAllocatesNothing() {
        var parties = PartyCounts()
        parties.add(42)
        #expect(parties.allocatedBytes == 0 && parties.count == 1 && parties.references(of: 42) == 1)
        #expect(parties.references(of: 41) == 0 && !parties.isRepeated(42))
        parties.remove(41)
        #expect(parties.count == 1)
        parties.add(42)
        #expect(parties.allocatedBytes > 0 && parties.count == 1 && parties.references(of: 42) == 2)
        parties.remove(42)
        parties.remove(42)
        #expect(parties.isEmpty && parties.allocatedBytes == 0)
        parties.add(7)
        parties.add(8)
        #expect(parties.allocatedBytes > 0 && parties.count == 2)
        parties.remove(8)
        #expect(parties.references(of: 7) == 1 && parties.count == 1)
        parties.remove(7)
        #expect(parties.isEmpty && parties.allocatedBytes == 0)
    }

    /// An engine image stores a party held inline as the one-party table it used to be, and reads
    /// such a table back inline; tables of more parties, and repeats, read back as they were.
    @Test func imagesHoldAnInlinePartyAsItsSmallestTable() {
        var one = PartyCounts()
        one.add(1_234)
        var table = PartyCounts()
        table.add(1_234)
        table.add(99)
        table.remove(99)
        #expect(one.image.table == table.image.table && one.image.count == 1)
        var read = PartyCounts(imageTable: one.image.table, count: one.image.count)
        read.setRepeats([:])
        #expect(read == one && read.allocatedBytes == 0)
        var repeated = PartyCounts()
        repeated.add(5)
        repeated.add(5)
        var readRepeated = PartyCounts(imageTable: repeated.image.table, count: repeated.image.count)
        readRepeated.setRepeats(repeated.image.repeats)
        #expect(readRepeated == repeated && readRepeated.references(of: 5) == 2)
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
