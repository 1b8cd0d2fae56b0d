/// The beneficiaries of one aggregate: a reference count per interned party.
///
/// One array of 32-bit words: `words[0]` is the number of distinct parties, and the rest an
/// open-addressing table, probed linearly, of `(party + 1) << 1 | repeated`, where `0` is an empty
/// word. A party that one case names — nearly all of them — costs one word and nothing else; the
/// count of a party that more than one case names is kept in `repeats`, a map that most aggregates
/// never allocate. Parties are below ``partyLimit``; the engine interns at most one per case, and
/// numbers cases with `Int32`.
///
/// The table was of 64-bit words, `party << 32 | count`, with the count beside the array: at a
/// million cases some forty aggregates count each beneficiary, and those tables held 79 MB.
/// A look-up costs one multiply, where a `Dictionary` cost a SipHash per call — and an event that
/// counts a beneficiary updates some forty aggregates.
public struct PartyCounts: Sendable, Equatable {
    /// The count, then the table; empty when no party was ever counted (internal for engine
    /// images, which store it as it is).
    var words: ContiguousArray<UInt32> = []

    /// The number of cases naming each party that more than one case names (internal for
    /// engine images).
    var repeats: [UInt32: UInt32]?

    /// Party ids are below this.
    public static let partyLimit = UInt32(Int32.max)

    /// No parties.
    public init() {}

    /// Number of distinct parties counted.
    public var count: Int { words.isEmpty ? 0 : Int(words[0]) }

    /// Whether no party is counted.
    public var isEmpty: Bool { count == 0 }

    /// Heap bytes the table takes: its words and their object header, and the map of repeats
    /// (estimated from its capacity: a key, a value and a metadata byte per bucket).
    var allocatedBytes: Int {
        let header = 32
        let table = words.capacity == 0 ? 0 : header + words.capacity * MemoryLayout<UInt32>.stride
        guard let repeats else { return table }
        return table + header + repeats.capacity * (2 * MemoryLayout<UInt32>.stride + 1)
    }

    @inline(__always)
    private static func tag(_ party: UInt32) -> UInt32 { (party &+ 1) << 1 }

    @inline(__always)
    private static func home(_ party: UInt32, mask: Int) -> Int {
        1 + (Int(truncatingIfNeeded: (UInt64(party) &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask)
    }

    /// The position of `party`, or of the empty word where it would go. The table is not empty.
    @inline(__always)
    private func find(_ party: UInt32) -> (index: Int, found: Bool) {
        let mask = words.count - 2
        let tag = Self.tag(party)
        var index = Self.home(party, mask: mask)
        while true {
            let word = words[index]
            if word == 0 { return (index, false) }
            if word & ~1 == tag { return (index, true) }
            index = 1 + (index & mask)
        }
    }

    /// How many counted cases name `party` (0 when none does).
    public func references(of party: UInt32) -> UInt32 {
        guard !words.isEmpty else { return 0 }
        let (index, found) = find(party)
        guard found else { return 0 }
        return words[index] & 1 == 0 ? 1 : repeats?[party] ?? 0
    }

    /// Whether `party` is in the table, marked as named by more than one case.
    func isRepeated(_ party: UInt32) -> Bool {
        guard !words.isEmpty else { return false }
        let (index, found) = find(party)
        return found && words[index] & 1 == 1
    }

    /// Counts `party` once more. `party` is below ``partyLimit``.
    public mutating func add(_ party: UInt32) {
        precondition(party < Self.partyLimit, "party \(party) is beyond the beneficiary tables' range")
        // At most three quarters full.
        if (count + 1) * 4 > (words.count - 1) * 3 { grow() }
        let (index, found) = find(party)
        if !found {
            words[index] = Self.tag(party)
            words[0] += 1
        } else if words[index] & 1 == 0 {
            words[index] |= 1
            if repeats == nil { repeats = [:] }
            repeats?[party] = 2
        } else {
            repeats?[party, default: 1] += 1
        }
    }

    /// Counts `party` once less; it is gone when no case names it. A party not counted is ignored.
    public mutating func remove(_ party: UInt32) {
        guard !words.isEmpty else { return }
        let (index, found) = find(party)
        guard found else { return }
        if words[index] & 1 == 1 {
            let left = (repeats?[party] ?? 2) - 1
            if left > 1 {
                repeats?[party] = left
                return
            }
            repeats?[party] = nil
            if repeats?.isEmpty == true { repeats = nil }
            words[index] &= ~1
            return
        }
        words[0] -= 1
        words.withUnsafeMutableBufferPointer { words in
            let mask = words.count - 2
            // Positions 1... as 0...: the shift works on the table alone.
            let hole = LinearProbing.shiftBack(
                from: index - 1, mask: mask,
                home: { words[$0 + 1] == 0 ? nil : Self.home(words[$0 + 1] >> 1 &- 1, mask: mask) - 1 },
                move: { words[$1 + 1] = words[$0 + 1] })
            words[hole + 1] = 0
        }
    }

    private mutating func grow() {
        let old = words
        let capacity = Swift.max(4, (old.count - 1) * 2)
        words = ContiguousArray(repeating: 0, count: capacity + 1)
        words[0] = old.isEmpty ? 0 : old[0]
        let mask = capacity - 1
        for word in old.dropFirst() where word != 0 {
            var index = Self.home(word >> 1 &- 1, mask: mask)
            while words[index] != 0 { index = 1 + (index & mask) }
            words[index] = word
        }
    }

    /// Calls `body` with every party and its count, in no particular order.
    public func forEach(_ body: (_ party: UInt32, _ references: UInt32) throws -> Void) rethrows {
        for word in words.dropFirst() where word != 0 {
            let party = word >> 1 &- 1
            try body(party, word & 1 == 0 ? 1 : repeats?[party] ?? 0)
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
