/// The beneficiaries of one aggregate: a reference count per interned party.
///
/// An open-addressing table of 64-bit words, `party << 32 | count`, probed linearly; a counted
/// party's count is at least 1, so `0` is an empty word. A count cannot overflow: it is at most the
/// number of cases, and the engine numbers cases with `Int32`. A party costs one word and a look-up one multiply, where a `Dictionary` cost a
/// SipHash per call — and an event that counts a beneficiary updates some forty aggregates.
public struct PartyCounts: Sendable, Equatable {
    /// The table (internal for engine images, which store it as it is).
    var words: ContiguousArray<UInt64> = []

    /// Number of distinct parties counted.
    public internal(set) var count = 0

    /// No parties.
    public init() {}

    /// Whether no party is counted.
    public var isEmpty: Bool { count == 0 }

    @inline(__always)
    private static func home(_ party: UInt32, mask: Int) -> Int {
        Int(truncatingIfNeeded: (UInt64(party) &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
    }

    /// The position of `party`, or of the empty word where it would go. The table is not empty.
    @inline(__always)
    private func find(_ party: UInt32) -> (index: Int, found: Bool) {
        let mask = words.count - 1
        let tag = UInt64(party)
        var index = Self.home(party, mask: mask)
        while true {
            let word = words[index]
            if word == 0 { return (index, false) }
            if word >> 32 == tag { return (index, true) }
            index = (index + 1) & mask
        }
    }

    /// How many counted cases name `party` (0 when none does).
    public func references(of party: UInt32) -> UInt32 {
        guard !words.isEmpty else { return 0 }
        let (index, found) = find(party)
        return found ? UInt32(truncatingIfNeeded: words[index]) : 0
    }

    /// Counts `party` once more.
    public mutating func add(_ party: UInt32) {
        // At most three quarters full.
        if (count + 1) * 4 > words.count * 3 { grow() }
        let (index, found) = find(party)
        if found {
            words[index] &+= 1
        } else {
            words[index] = UInt64(party) << 32 | 1
            count += 1
        }
    }

    /// Counts `party` once less; it is gone when no case names it. A party not counted is ignored.
    public mutating func remove(_ party: UInt32) {
        guard !words.isEmpty else { return }
        let (index, found) = find(party)
        guard found else { return }
        if words[index] & 0xFFFF_FFFF > 1 {
            words[index] &-= 1
            return
        }
        count -= 1
        words.withUnsafeMutableBufferPointer { words in
            let mask = words.count - 1
            let hole = LinearProbing.shiftBack(
                from: index, mask: mask,
                home: { words[$0] == 0 ? nil : Self.home(UInt32(truncatingIfNeeded: words[$0] >> 32), mask: mask) },
                move: { words[$1] = words[$0] })
            words[hole] = 0
        }
    }

    private mutating func grow() {
        let old = words
        let capacity = Swift.max(4, old.count * 2)
        words = ContiguousArray(repeating: 0, count: capacity)
        let mask = capacity - 1
        for word in old where word != 0 {
            var index = Self.home(UInt32(truncatingIfNeeded: word >> 32), mask: mask)
            while words[index] != 0 { index = (index + 1) & mask }
            words[index] = word
        }
    }

    /// Calls `body` with every party and its count, in no particular order.
    public func forEach(_ body: (_ party: UInt32, _ references: UInt32) throws -> Void) rethrows {
        for word in words where word != 0 {
            try body(UInt32(truncatingIfNeeded: word >> 32), UInt32(truncatingIfNeeded: word))
        }
    }

    /// The same parties with the same counts, wherever they sit in the table.
    public static func == (lhs: PartyCounts, rhs: PartyCounts) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var same = true
        lhs.forEach { party, references in
            if same, rhs.references(of: party) != references { same = false }
        }
        return same
    }
}
