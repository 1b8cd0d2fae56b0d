@testable import CasePulseCore
import CasePulseTestKit
import Foundation
import PropertyBased
import Testing

/// The fixed-size table of recent (day, place) slot lists: an entry holds its slots until another
/// placement's takes its place, and the engine counts the same through it whatever it evicts.
@Suite struct DaySlotCacheTests {
    /// Two placement keys of the same entry of a table of `bits`.
    static func collidingKeys(bits: Int) -> (PlacementKey, PlacementKey) {
        let cache = DaySlotCache(bits: bits)
        let first = PlacementKey(day: 20_221_005, place: 0)
        var place: UInt32 = 1
        while cache.index(of: PlacementKey(day: 20_221_005, place: place)) != cache.index(of: first) { place += 1 }
        return (first, PlacementKey(day: 20_221_005, place: place))
    }

    static func slots(_ cache: DaySlotCache, _ key: PlacementKey) -> [Int32]? {
        cache.run(of: key).map { $0.map { cache[$0] } }
    }

    @Test func anEntryHoldsItsSlotsUntilAnotherPlacementTakesItsPlace() {
        var cache = DaySlotCache(bits: 4)
        let (first, second) = Self.collidingKeys(bits: 4)
        #expect(Self.slots(cache, first) == nil)
        let run = cache.remember(first) { add in for slot: Int32 in [7, 3, 9] { add(slot) } }
        #expect(run?.count == 3)
        #expect(Self.slots(cache, first) == [7, 3, 9])
        #expect(Self.slots(cache, second) == nil)
        _ = cache.remember(second) { add in for slot: Int32 in [1, 2] { add(slot) } }
        #expect(Self.slots(cache, second) == [1, 2])
        #expect(Self.slots(cache, first) == nil, "the same entry: the newer placement took it")
        cache.removeAll()
        #expect(Self.slots(cache, second) == nil)
    }

    @Test func aPlacementWithNoDayKeysIsHeldAsAnEmptyList() {
        var cache = DaySlotCache(bits: 4)
        let key = PlacementKey(day: 20_221_005, place: 3)
        _ = cache.remember(key) { _ in }
        #expect(Self.slots(cache, key) == [])
    }

    @Test func moreSlotsThanAnEntryHoldsAreNotKept() {
        var cache = DaySlotCache(bits: 4)
        let key = PlacementKey(day: 20_221_005, place: 3)
        let run = cache.remember(key) { add in for slot in 0...Int32(DaySlotCache.width) { add(slot) } }
        #expect(run == nil)
        #expect(Self.slots(cache, key) == nil)
    }

    /// A village code with its own agency has the longest region path there is: its placement's
    /// day keys fill an entry exactly.
    @Test func theDeepestPlacementFillsAnEntry() throws {
        let engine = E.engine()
        engine.apply(E.make("e1", .filed, case: "c1", at: "2022-10-05T10:00:00+08:00", region: "370812101201", agency: "scjg"))
        let state = engine.caseStates[0]
        let slots = try #require(Self.slots(engine.daySlots, state.filing.dayKey))
        #expect(slots.count == DaySlotCache.width)
        #expect(RegionCode("370812101201")?.path.count == RegionCode.maximumDepth)
        #expect(Set(slots).count == slots.count)
        #expect(slots.allSatisfy { Window(code: engine.slotKeys[Int($0)].window).isDay })
    }

    /// An engine whose table has two entries — nearly every placement pushes another out and is
    /// found again key by key — ends with every figure the full table gives.
    @Test func aTableThatEvictsCountsWhatAFullOneDoes() async {
        await propertyCheck(count: 100, input: Gen.uint64(), Gen.uint64()) { seed, shuffleSeed in
            let events = RandomCaseEvents.shuffledWithDuplicates(RandomCaseEvents(seed: seed).events(), seed: shuffleSeed)
            let full = E.engine()
            let tiny = E.engine()
            tiny.daySlots = DaySlotCache(bits: 1)
            for event in events {
                full.apply(event)
                tiny.apply(event)
            }
            #expect(tiny.values(under: "/m/") == full.values(under: "/m/"), "seed \(seed) shuffle \(shuffleSeed)")
        }
    }
}
