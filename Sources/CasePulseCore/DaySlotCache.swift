/// The day-window slots of recently placed (day, place) pairs, in a direct-mapped table of a fixed
/// size in front of the key map (``Engine/slotIDs``).
///
/// An event counts under its placement's day-window keys — its region path with the root, each
/// for all agencies and for its own — and a busy place places many events on the same day, so the
/// live path keeps those slots together to find them in one probe. A list kept for every
/// (day, place) ever placed cost some 30–60 bytes per case at a million cases and grew with every
/// day for as long as the daemon ran; this table holds the pairs placed recently, in a fixed
/// 2 MiB, and a pair pushed out is found again key by key (``Engine/forEachDaySlot``).
///
/// A key's slot never changes while the key exists, so an entry stays true until one of its keys
/// is removed: ``removeAll()`` must be called before any key leaves the map.
struct DaySlotCache {
    /// log2 of the entries of the engine's table: 32,768 entries, some 2 MiB.
    static var defaultBits: Int { 15 }
    /// The most slots an entry holds: the root and every level of a region path
    /// (``RegionCode/maximumDepth``), each for all agencies and for the place's own.
    static var width: Int { 2 * (1 + RegionCode.maximumDepth) }

    /// No placement has this day: it marks an empty entry.
    private static let empty = PlacementKey(day: .max, place: .max)

    private var keys: ContiguousArray<PlacementKey>
    private var counts: ContiguousArray<UInt8>
    private var slots: ContiguousArray<Int32>
    private let mask: Int

    /// An empty table of `1 << bits` entries.
    init(bits: Int = DaySlotCache.defaultBits) {
        keys = ContiguousArray(repeating: Self.empty, count: 1 << bits)
        counts = ContiguousArray(repeating: 0, count: 1 << bits)
        slots = ContiguousArray(repeating: -1, count: Self.width << bits)
        mask = (1 << bits) - 1
    }

    /// The entry `key` would sit in, from its hash (``TableHashable/tableHash``).
    @inline(__always)
    func index(of key: PlacementKey) -> Int {
        Int(truncatingIfNeeded: key.tableHash >> 20) & mask
    }

    /// Where the slots of `key` are (positions for ``subscript(_:)``), if it is held.
    @inline(__always)
    func run(of key: PlacementKey) -> Range<Int>? {
        let entry = index(of: key)
        guard keys[entry] == key else { return nil }
        let start = entry * Self.width
        return start..<start + Int(counts[entry])
    }

    /// The slot at `position` of a run.
    @inline(__always)
    subscript(position: Int) -> Int32 { slots[position] }

    /// Makes `key`'s entry, in place of whatever held it, with the slots `fill` hands to the
    /// closure it gets (at most ``width``; more would be a region path deeper than any code has,
    /// and are not kept, so the entry is left empty and `nil` returned); returns where they are.
    mutating func remember(_ key: PlacementKey, _ fill: ((Int32) -> Void) -> Void) -> Range<Int>? {
        let entry = index(of: key)
        let start = entry * Self.width
        var count = 0
        keys[entry] = Self.empty
        fill { slot in
            if count < Self.width { slots[start + count] = slot }
            count += 1
        }
        guard count <= Self.width else { return nil }
        keys[entry] = key
        counts[entry] = UInt8(count)
        return start..<start + count
    }

    /// Forgets every entry (before keys are removed or slots reused).
    mutating func removeAll() {
        for index in keys.indices { keys[index] = Self.empty }
    }

    /// Bytes the table takes.
    var allocatedBytes: Int {
        keys.count * MemoryLayout<PlacementKey>.stride + counts.count + slots.count * MemoryLayout<Int32>.stride
    }
}
