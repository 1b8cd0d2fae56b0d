import CPrefetch

/// The beneficiaries of one aggregate: a reference count per interned party.
///
/// A key that counts one party named by one case — most keys of one day and one town — holds it
/// inline and allocates nothing (at a million cases a third of the keys, whose one-party tables
/// took 57 bytes each). Otherwise one array of 32-bit words: `words[0]` is the number of distinct
/// parties, and the rest an open-addressing table, probed linearly, of
/// `(party + 1) << 1 | repeated`, where `0` is an empty word. A party that one case names — nearly all of them — costs one word and nothing else; the
/// count of a party that more than one case names is kept in `repeats`, a map that most aggregates
/// never allocate. Parties are below ``partyLimit``; the engine interns at most one per case, and
/// numbers cases with `Int32`.
///
/// The table was of 64-bit words, `party << 32 | count`, with the count beside the array: at a
/// million cases some forty aggregates count each beneficiary, and those tables held 79 MB.
/// A look-up costs one multiply, where a `Dictionary` cost a SipHash per call — and an event that
/// counts a beneficiary updates some forty aggregates.
public struct PartyCounts: Sendable, Equatable {
    /// How the parties are held.
    enum Storage: Sendable {
        /// No party.
        case empty
        /// One party, named by one case.
        case one(UInt32)
        /// The count, then the table (``PartyCounts``); and the counts of the parties that more
        /// than one case names.
        case table(ContiguousArray<UInt32>, [UInt32: UInt32]?)
    }

    /// The parties (internal for engine images).
    var storage = Storage.empty

    /// Party ids are below this.
    public static let partyLimit = UInt32(Int32.max)

    /// No parties.
    public init() {}

    /// The count, then the table; empty unless the parties are held in a table.
    var words: ContiguousArray<UInt32> {
        if case .table(let words, _) = storage { return words }
        return []
    }

    /// The number of cases naming each party that more than one case names; `nil` when none.
    var repeats: [UInt32: UInt32]? {
        if case .table(_, let repeats) = storage { return repeats }
        return nil
    }

    /// Number of distinct parties counted.
    public var count: Int {
        switch storage {
        case .empty: 0
        case .one: 1
        case .table(let words, _): Int(words[0])
        }
    }

    /// Whether no party is counted.
    public var isEmpty: Bool { count == 0 }

    /// Heap bytes the table takes: its words and their object header, and the map of repeats
    /// (estimated from its capacity: a key, a value and a metadata byte per bucket).
    var allocatedBytes: Int {
        guard case .table(let words, let repeats) = storage else { return 0 }
        let header = 32
        let table = header + words.capacity * MemoryLayout<UInt32>.stride
        guard let repeats else { return table }
        return table + header + repeats.capacity * (2 * MemoryLayout<UInt32>.stride + 1)
    }

    @inline(__always)
    private static func tag(_ party: UInt32) -> UInt32 { (party &+ 1) << 1 }

    @inline(__always)
    private static func home(_ party: UInt32, mask: Int) -> Int {
        1 + (Int(truncatingIfNeeded: (UInt64(party) &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask)
    }

    /// The position of `party` in `words`, or of the empty word where it would go.
    @inline(__always)
    private static func find(_ party: UInt32, in words: ContiguousArray<UInt32>) -> (index: Int, found: Bool) {
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

    /// Asks the CPU to start loading the word of the table where `party` would be looked for
    /// first (a hint: nothing changes; `mutating` only so that it is reached in place, with no
    /// copy of the table's reference).
    @inline(__always)
    mutating func prefetch(_ party: UInt32) {
        guard case .table(let words, _) = storage else { return }
        let home = Self.home(party, mask: words.count - 2)
        // The address is taken inside, the hint given outside (see ``WordTable/prefetchEntry(hash:)``).
        let word = words.withUnsafeBufferPointer { $0.baseAddress.map { UnsafeRawPointer($0 + home) } }
        if let word { cp_prefetch_write(word) }
    }

    /// How many counted cases name `party` (0 when none does).
    public func references(of party: UInt32) -> UInt32 {
        switch storage {
        case .empty:
            return 0
        case .one(let only):
            return only == party ? 1 : 0
        case .table(let words, let repeats):
            let (index, found) = Self.find(party, in: words)
            guard found else { return 0 }
            return words[index] & 1 == 0 ? 1 : repeats?[party] ?? 0
        }
    }

    /// Whether `party` is in the table, marked as named by more than one case.
    func isRepeated(_ party: UInt32) -> Bool {
        guard case .table(let words, _) = storage else { return false }
        let (index, found) = Self.find(party, in: words)
        return found && words[index] & 1 == 1
    }

    /// Counts `party` once more. `party` is below ``partyLimit``.
    public mutating func add(_ party: UInt32) {
        precondition(party < Self.partyLimit, "party \(party) is beyond the beneficiary tables' range")
        var words: ContiguousArray<UInt32>
        var repeats: [UInt32: UInt32]?
        switch storage {
        case .empty:
            storage = .one(party)
            return
        case .one(let only):
            words = Self.table(holding: only)
            repeats = nil
        case .table(let held, let heldRepeats):
            words = held
            repeats = heldRepeats
        }
        // Taken out, so that the table is not shared while it changes.
        storage = .empty
        // At most three quarters full.
        if (Int(words[0]) + 1) * 4 > (words.count - 1) * 3 { Self.grow(&words) }
        let (index, found) = Self.find(party, in: words)
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
        storage = .table(words, repeats)
    }

    /// Counts `party` once less; it is gone when no case names it. A party not counted is ignored.
    public mutating func remove(_ party: UInt32) {
        switch storage {
        case .empty:
            return
        case .one(let only):
            if only == party { storage = .empty }
            return
        case .table(var words, var repeats):
            let (index, found) = Self.find(party, in: words)
            guard found else { return }
            storage = .empty
            defer { storage = words[0] == 0 ? .empty : .table(words, repeats) }
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
    }

    /// The smallest table, holding `party` once.
    private static func table(holding party: UInt32) -> ContiguousArray<UInt32> {
        var words = ContiguousArray<UInt32>(repeating: 0, count: 5)
        words[home(party, mask: 3)] = tag(party)
        words[0] = 1
        return words
    }

    private static func grow(_ words: inout ContiguousArray<UInt32>) {
        let old = words
        let capacity = Swift.max(4, (old.count - 1) * 2)
        words = ContiguousArray(repeating: 0, count: capacity + 1)
        words[0] = old[0]
        let mask = capacity - 1
        for word in old.dropFirst() where word != 0 {
            var index = Self.home(word >> 1 &- 1, mask: mask)
            while words[index] != 0 { index = 1 + (index & mask) }
            words[index] = word
        }
    }

    /// Calls `body` with every party and its count, in no particular order.
    public func forEach(_ body: (_ party: UInt32, _ references: UInt32) throws -> Void) rethrows {
        switch storage {
        case .empty:
            return
        case .one(let only):
            try body(only, 1)
        case .table(let words, let repeats):
            for word in words.dropFirst() where word != 0 {
                let party = word >> 1 &- 1
                try body(party, word & 1 == 0 ? 1 : repeats?[party] ?? 0)
            }
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

    // MARK: Images

    /// The table as an engine image stores it: its words (without the count), how many parties
    /// it counts, and the repeated parties' counts. A single party is stored as the smallest table
    /// holding it, as it was held before single parties were kept inline.
    var image: (table: ContiguousArray<UInt32>, count: Int, repeats: [UInt32: UInt32]) {
        switch storage {
        case .empty: ([], 0, [:])
        case .one(let only): (ContiguousArray(Self.table(holding: only).dropFirst()), 1, [:])
        case .table(let words, let repeats): (ContiguousArray(words.dropFirst()), Int(words[0]), repeats ?? [:])
        }
    }

    /// The parties of an image's table of `count` parties (checked by the caller), before their
    /// repeats are set (``setRepeats(_:)``).
    init(imageTable table: ContiguousArray<UInt32>, count: Int) {
        if !table.isEmpty { storage = .table([UInt32(count)] + table, nil) }
    }

    /// Sets the counts of the repeated parties of an image's table; then holds a single party
    /// named once inline.
    mutating func setRepeats(_ counts: [UInt32: UInt32]) {
        guard case .table(let words, _) = storage else { return }
        storage = .table(words, counts.isEmpty ? nil : counts)
        if counts.isEmpty, words[0] == 1, let word = words.dropFirst().first(where: { $0 != 0 }) {
            storage = .one(word >> 1 &- 1)
        }
    }
}
