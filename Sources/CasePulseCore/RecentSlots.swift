import CPrefetch

/// The slots of recently looked-up keys, in a small direct-mapped table in front of the engine's
/// key map (``Engine/slotIDs``).
///
/// A new (day, place) looks up the ten day-window keys of its region path; all but the place's
/// own two are shared with every other place of the day — the root's, the province's, the city's
/// and the county's — and at a rebuild's settling, which makes the day keys of some 200,000
/// (day, place) pairs per million events, those look-ups were a third of its time, each a likely
/// cache miss in a map of hundreds of thousands of keys. Live, they are what a (day, place) that
/// ``DaySlotCache`` no longer holds looks up again. A year's shared day keys of a prefecture
/// (365 days × 14 region nodes × 5 agencies) fit in its 32,768 entries (512 KiB).
///
/// A key's slot never changes while the key exists, so an entry stays true until the key is
/// removed: ``removeAll()`` must be called before any key leaves the map.
struct RecentSlots {
    /// log2 of the entries.
    static var bits: Int { 15 }

    private struct Entry {
        var key: AggregateKey
        var slot: Int32
    }

    /// No key has this window: it marks an empty entry.
    private static let empty = Entry(key: AggregateKey(window: .max, region: 0, agency: 0), slot: -1)

    private var entries = ContiguousArray(repeating: RecentSlots.empty, count: 1 << RecentSlots.bits)

    /// The entry `key` would sit in, from its hash (``TableHashable/tableHash``).
    @inline(__always)
    private static func index(of key: AggregateKey) -> Int {
        Int(truncatingIfNeeded: key.tableHash >> 20) & ((1 << bits) - 1)
    }

    /// The slot of `key`, if it is here.
    @inline(__always)
    func slot(of key: AggregateKey) -> Int32? {
        let entry = entries[Self.index(of: key)]
        return entry.key == key ? entry.slot : nil
    }

    /// Asks the CPU to start loading the entry of `key` (a hint: nothing changes).
    @inline(__always)
    func prefetch(_ key: AggregateKey) {
        // The address is taken inside, the hint given outside (see ``WordTable/prefetchEntry(hash:)``).
        let entry = entries.withUnsafeBufferPointer { $0.baseAddress.map { UnsafeRawPointer($0 + Self.index(of: key)) } }
        if let entry { cp_prefetch_read(entry) }
    }

    /// Keeps `slot` as `key`'s, in place of whatever shared its entry.
    @inline(__always)
    mutating func remember(_ key: AggregateKey, slot: Int32) {
        entries[Self.index(of: key)] = Entry(key: key, slot: slot)
    }

    /// Forgets every key.
    mutating func removeAll() {
        for index in entries.indices { entries[index] = Self.empty }
    }
}
