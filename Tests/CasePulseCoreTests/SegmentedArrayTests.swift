import Testing

@testable import CasePulseCore

/// Counts live instances, to prove every element is released exactly once.
private final class Tracked {
    nonisolated(unsafe) static var live = 0
    let value: Int
    init(_ value: Int) {
        self.value = value
        Tracked.live += 1
    }
    deinit { Tracked.live -= 1 }
}

@Suite(.serialized) struct SegmentedArrayTests {
    @Test func holdsWhatWasAppendedAcrossSegments() {
        let array = SegmentedArray<Int>()
        let count = SegmentedArray<Int>.segmentSize * 3 + 17
        for i in 0..<count { array.append(i * 7) }
        #expect(array.count == count)
        #expect(array.segmentCount == 4)
        #expect(array.indices.allSatisfy { array[$0] == $0 * 7 })
    }

    @Test func modifiesElementsInPlace() {
        let array = SegmentedArray<[Int]>()
        for i in 0..<(SegmentedArray<[Int]>.segmentSize + 5) { array.append([i]) }
        let last = array.count - 1
        array[last].append(99)
        array[3][0] += 1
        #expect(array[last] == [last, 99])
        #expect(array[3] == [4])
        var taken: [Int] = []
        swap(&taken, &array[last])
        #expect(taken == [last, 99])
        #expect(array[last].isEmpty)
    }

    /// A prefetch is a hint: for an index in range it changes nothing, and for one out of range —
    /// past the last segment, or negative — it asks for nothing rather than trap.
    @Test func prefetchChangesNothingAndIgnoresIndicesOutOfRange() {
        let array = SegmentedArray<Int>()
        array.prefetch(0)
        let count = SegmentedArray<Int>.segmentSize * 2
        for i in 0..<count { array.append(i) }
        for index in [-1, 0, 1, count - 1, count, count + SegmentedArray<Int>.segmentSize, Int.max] {
            array.prefetch(index)
        }
        #expect(array.count == count)
        #expect(array.indices.allSatisfy { array[$0] == $0 })
    }

    @Test func releasesEveryElementExactlyOnce() {
        let before = Tracked.live
        do {
            let array = SegmentedArray<Tracked>()
            for i in 0..<(SegmentedArray<Tracked>.segmentSize * 2 + 3) { array.append(Tracked(i)) }
            array[5] = Tracked(-1)
            #expect(Tracked.live - before == array.count)
            #expect(array[5].value == -1)
        }
        #expect(Tracked.live == before)
    }
}

@Suite struct SegmentedArrayRemoveAllTests {
    /// Emptied, it frees its segments and takes elements again from the start.
    @Test func removeAllFreesEverySegmentAndStartsOver() {
        let array = SegmentedArray<String>()
        let count = SegmentedArray<String>.segmentSize * 2 + 5
        for i in 0..<count { array.append("element \(i)") }
        #expect(array.segmentCount == 3)
        array.removeAll()
        #expect(array.count == 0 && array.segmentCount == 0)
        array.append("again")
        #expect(array.count == 1 && array[0] == "again" && array.segmentCount == 1)
    }
}

// In the serialized suite: `Tracked.live` counts across tests.
extension SegmentedArrayTests {
    /// Emptied keeping its capacity, it releases every element once, keeps its segments where
    /// they were, fills them again before it allocates another, and frees them all when it goes.
    @Test func removeAllKeepingCapacityRefillsTheSameSegments() {
        let before = Tracked.live
        do {
            let array = SegmentedArray<Tracked>()
            let size = SegmentedArray<Tracked>.segmentSize
            for i in 0..<(size * 2 + 5) { array.append(Tracked(i)) }
            let bases = array.segmentBases
            array.removeAll(keepingCapacity: true)
            #expect(Tracked.live == before, "every element released")
            #expect(array.count == 0 && array.segmentCount == 3)
            for i in 0..<(size * 3 + 1) { array.append(Tracked(-i)) }
            #expect(Array(array.segmentBases.prefix(3)) == bases, "the kept segments are filled again")
            #expect(array.segmentCount == 4)
            #expect(array.indices.allSatisfy { array[$0].value == -$0 })
            #expect(Tracked.live - before == array.count)
        }
        #expect(Tracked.live == before)
    }
}
