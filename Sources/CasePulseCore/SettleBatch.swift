/// Part of the deferred figures, with every key they count under already found: what
/// ``apply()`` adds to the engine's aggregates, on whichever thread calls it.
///
/// Settling (``Engine/settleFigures(handingOff:waitingUntilApplied:)``) is two jobs of about equal
/// cost: finding, or making, the slots of every entry's keys — the engine's key tables, which only
/// its owner may touch — and adding each entry's counts and beneficiaries to those slots. A batch
/// carries the second job for a run of whole (month, place, agency) groups: the slots as numbers,
/// the deferred tables it reads, and the aggregates' segments as they were when it was made. The
/// owner goes on making slots for the next batch meanwhile; that only appends aggregates, and a
/// batch changes only aggregates that existed when it was made, so the two never touch one element.
///
/// Batches must be applied in the order they were handed off (a beneficiary taken back comes after
/// the batch that counted it), and all of them before the engine is used again.
public struct SettleBatch: @unchecked Sendable {
    /// The tables the slots' additions come from: read only until every batch is applied.
    private let held: DeferredFigures
    /// Where aggregate `slot` is: `segments[slot >> shift][slot & mask]`. Set when handed off.
    var segments: [UnsafeMutablePointer<Aggregate>] = []
    /// Per group: its coarse slots' count and slots, its entries' count, then per entry its index
    /// in `held`, its day slots' count and slots.
    private var words: ContiguousArray<Int32> = []
    /// Where the open group's entry count is, or -1 when no group is open.
    private var groupEntries = -1
    /// Where the last entry's day slot count is, or -1 before the first entry.
    private var entryDaySlots = -1

    init(held: DeferredFigures, capacity: Int) {
        self.held = held
        words.reserveCapacity(capacity)
    }

    /// Words written: the batch's size.
    var count: Int { words.count }

    /// Opens a group whose sum goes to the slots of `coarse` (in `lists`).
    mutating func beginGroup(coarse: SlotRun, in lists: SegmentedArray<Int32>) {
        words.append(Int32(coarse.indices.count))
        for index in coarse.indices { words.append(lists[index]) }
        groupEntries = words.count
        words.append(0)
    }

    /// Adds `entry` to the open group; its day slots follow (``appendDaySlot(_:)``).
    mutating func append(entry: Int) {
        words[groupEntries] += 1
        words.append(Int32(entry))
        entryDaySlots = words.count
        words.append(0)
    }

    /// Adds `slot` to the day slots of the entry appended last.
    mutating func appendDaySlot(_ slot: Int32) {
        words[entryDaySlots] += 1
        words.append(slot)
    }

    /// Whether ``apply()`` also counts the beneficiaries; when not, the engine's owner counts
    /// them after it (``InFlightAdditions``).
    public private(set) var appliesParties = true

    /// This batch, with ``apply()`` adding the counts and amounts only: for a thread that must
    /// not allocate (a beneficiary table that grows allocates, and memory a thread allocates
    /// stays in its allocator arena), the parties left to ``applyParties()`` on the engine's
    /// owner, after it.
    var withoutParties: SettleBatch {
        var batch = self
        batch.appliesParties = false
        return batch
    }

    /// Adds every group's entries to their day slots, the group's sum to its coarse slots, and
    /// (unless made ``withoutParties``) each entry's beneficiary changes to both.
    public func apply() {
        add(figures: true, parties: appliesParties)
    }

    /// Adds each entry's beneficiary changes to its day slots and its group's coarse slots: the
    /// part of ``apply()`` that a batch made ``withoutParties`` leaves out.
    func applyParties() {
        add(figures: false, parties: true)
    }

    private func add(figures addsFigures: Bool, parties addsParties: Bool) {
        let shift = SegmentedArray<Aggregate>.segmentShift
        let mask = SegmentedArray<Aggregate>.segmentSize - 1
        @inline(__always) func aggregate(_ slot: Int32) -> UnsafeMutablePointer<Aggregate> {
            segments[Int(slot) >> shift] + (Int(slot) & mask)
        }
        var position = 0
        while position < words.count {
            let coarse = (position + 1)..<(position + 1 + Int(words[position]))
            let entries = Int(words[coarse.upperBound])
            position = coarse.upperBound + 1
            var sum = Aggregate()
            for _ in 0..<entries {
                let entry = Int(words[position])
                let day = (position + 2)..<(position + 2 + Int(words[position + 1]))
                position = day.upperBound
                if addsFigures {
                    let figures = held.figures[entry]
                    for index in day { aggregate(words[index]).pointee.add(countsOf: figures) }
                    sum.add(countsOf: figures)
                }
                guard addsParties else { continue }
                for word in held.parties[entry] {
                    let (party, delta) = DeferredFigures.party(of: word)
                    for index in day { Self.count(party: party, delta, in: aggregate(words[index])) }
                    for index in coarse { Self.count(party: party, delta, in: aggregate(words[index])) }
                }
            }
            if addsFigures {
                for index in coarse { aggregate(words[index]).pointee.add(countsOf: sum) }
            }
        }
    }

    /// Counts `party` `delta` times more (or, negative, fewer) among `aggregate`'s beneficiaries.
    private static func count(party: UInt32, _ delta: Int32, in aggregate: UnsafeMutablePointer<Aggregate>) {
        for _ in 0..<delta.magnitude {
            if delta > 0 { aggregate.pointee.add(party: party) } else { aggregate.pointee.remove(party: party) }
        }
    }
}
