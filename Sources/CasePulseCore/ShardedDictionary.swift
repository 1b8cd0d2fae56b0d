/// A hash map split into 256 open-addressing tables by bits of each key's hash.
///
/// A table that outgrows its capacity rehashes every entry at once: at a million cases one
/// `Dictionary` would stop the engine's single writer for tens of milliseconds. Split 256 ways,
/// each growth moves a 256th of the entries.
///
/// Each table is one flat array of entries (hash, key, value) probed linearly, so a look-up costs
/// one hash of the key (``TableHashable/tableHash``, computed once and kept in the entry) and
/// usually one cache line; removal shifts the following entries back, so no tombstones pile up.
/// Equality is the key type's own (for `String`, Unicode canonical equivalence), so canonically
/// equal ids are one key.
///
/// A reference type with no copy-on-write, like ``SegmentedArray``: it has one owner (the engine).
/// Its tables are memory it allocates and frees itself, not arrays, so a look-up retains and
/// releases nothing and an insertion checks no buffer for uniqueness: with the engine's dozens of
/// look-ups per event, that reference counting was a measurable share of the apply.
final class ShardedDictionary<Key: TableHashable, Value> {
    static var shardBits: Int { 8 }
    /// How many tables the map is split into.
    static var shardCount: Int { 1 << shardBits }
    /// The smallest table of a shard that holds anything.
    static var initialCapacity: Int { 8 }

    private struct Entry {
        /// The key's hash with the top bit set; `0` marks an empty entry.
        var tag: UInt64
        var key: Key?
        var value: Value?

        static var empty: Entry { Entry(tag: 0, key: nil, value: nil) }
    }

    /// One table: `capacity` (a power of two, or 0) initialised entries at `entries`.
    private struct Shard {
        var entries: UnsafeMutablePointer<Entry>?
        var capacity = 0
        var count = 0
    }

    /// The ``shardCount`` tables; the pointer never changes, only what it points at.
    private let shards: UnsafeMutablePointer<Shard>

    /// Number of entries.
    @exclusivity(unchecked) private(set) var count = 0

    /// An empty map.
    init() {
        shards = .allocate(capacity: Self.shardCount)
        shards.initialize(repeating: Shard(), count: Self.shardCount)
    }

    deinit {
        for shard in 0..<Self.shardCount { Self.free(shards[shard]) }
        shards.deinitialize(count: Self.shardCount)
        shards.deallocate()
    }

    /// A table of `capacity` empty entries.
    private static func table(capacity: Int) -> UnsafeMutablePointer<Entry> {
        let entries = UnsafeMutablePointer<Entry>.allocate(capacity: capacity)
        entries.initialize(repeating: .empty, count: capacity)
        return entries
    }

    /// Frees a table and what its entries hold.
    private static func free(_ shard: Shard) {
        guard let entries = shard.entries else { return }
        entries.deinitialize(count: shard.capacity)
        entries.deallocate()
    }

    /// The stored tag of `key` and its shard. The shard comes from bits 48–55 and the slot from
    /// the low bits, so the two never draw on the same bits.
    @inline(__always)
    private static func locate(_ key: Key) -> (tag: UInt64, shard: Int) {
        let hash = key.tableHash
        return (hash | (1 << 63), Int(truncatingIfNeeded: (hash >> 48) & 0xFF))
    }

    /// The position of `key` in a table of `capacity` entries (a power of two, not full), or the
    /// empty position where it would go.
    @inline(__always)
    private static func find(
        _ key: Key, tag: UInt64, in entries: UnsafeMutablePointer<Entry>, capacity: Int
    ) -> (index: Int, found: Bool) {
        let mask = capacity - 1
        var index = Int(truncatingIfNeeded: tag) & mask
        while true {
            let entryTag = entries[index].tag
            if entryTag == 0 { return (index, false) }
            if entryTag == tag && entries[index].key == key { return (index, true) }
            index = (index + 1) & mask
        }
    }

    /// The value stored under `key`; setting `nil` removes it.
    subscript(key: Key) -> Value? {
        get {
            let (tag, shard) = Self.locate(key)
            let table = shards[shard]
            guard let entries = table.entries else { return nil }
            let (index, found) = Self.find(key, tag: tag, in: entries, capacity: table.capacity)
            return found ? entries[index].value : nil
        }
        set {
            let (tag, shard) = Self.locate(key)
            if let newValue {
                insert(key, tag: tag, value: newValue, shard: shard)
            } else {
                remove(key, tag: tag, shard: shard)
            }
        }
    }

    private func insert(_ key: Key, tag: UInt64, value: Value, shard: Int) {
        // At most three quarters full, so probes stay short.
        let entries: UnsafeMutablePointer<Entry>
        if let current = shards[shard].entries, (shards[shard].count + 1) * 4 <= shards[shard].capacity * 3 {
            entries = current
        } else {
            entries = grow(shard)
        }
        let (index, found) = Self.find(key, tag: tag, in: entries, capacity: shards[shard].capacity)
        if found {
            entries[index].value = value
        } else {
            entries[index] = Entry(tag: tag, key: key, value: value)
            shards[shard].count += 1
            count += 1
        }
    }

    private func remove(_ key: Key, tag: UInt64, shard: Int) {
        let table = shards[shard]
        guard let entries = table.entries else { return }
        let (index, found) = Self.find(key, tag: tag, in: entries, capacity: table.capacity)
        guard found else { return }
        shards[shard].count -= 1
        count -= 1
        let mask = table.capacity - 1
        let hole = LinearProbing.shiftBack(
            from: index, mask: mask,
            home: { entries[$0].tag == 0 ? nil : Int(truncatingIfNeeded: entries[$0].tag) & mask },
            move: { entries[$1] = entries[$0] })
        entries[hole] = .empty
    }

    /// Doubles a shard's table (or makes its first), moving every entry; returns the new table.
    private func grow(_ shard: Int) -> UnsafeMutablePointer<Entry> {
        let old = shards[shard]
        let capacity = Swift.max(Self.initialCapacity, old.capacity * 2)
        let entries = Self.table(capacity: capacity)
        let mask = capacity - 1
        if let oldEntries = old.entries {
            for position in 0..<old.capacity where oldEntries[position].tag != 0 {
                var index = Int(truncatingIfNeeded: oldEntries[position].tag) & mask
                while entries[index].tag != 0 { index = (index + 1) & mask }
                // Moved, not copied: the old table's entry is left uninitialised and freed below.
                (entries + index).pointee = (oldEntries + position).move()
                (oldEntries + position).initialize(to: .empty)
            }
        }
        Self.free(old)
        shards[shard].entries = entries
        shards[shard].capacity = capacity
        return entries
    }

    /// Removes every entry; with `keepingCapacity` each shard keeps its table.
    func removeAll(keepingCapacity: Bool = false) {
        for shard in 0..<Self.shardCount {
            if keepingCapacity, let entries = shards[shard].entries {
                entries.update(repeating: .empty, count: shards[shard].capacity)
            } else {
                Self.free(shards[shard])
                shards[shard].entries = nil
                shards[shard].capacity = 0
            }
            shards[shard].count = 0
        }
        count = 0
    }

    /// Calls `body` with every key and value, in no particular order.
    func forEach(_ body: (Key, Value) throws -> Void) rethrows {
        for shard in 0..<Self.shardCount {
            let table = shards[shard]
            guard let entries = table.entries else { continue }
            for index in 0..<table.capacity where entries[index].tag != 0 {
                if let key = entries[index].key, let value = entries[index].value { try body(key, value) }
            }
        }
    }

    /// Bytes allocated for the tables, whether or not their entries are used (keys' own heap
    /// storage, such as long strings, not included).
    var allocatedBytes: Int {
        var bytes = Self.shardCount * MemoryLayout<Shard>.stride
        for shard in 0..<Self.shardCount { bytes += shards[shard].capacity * MemoryLayout<Entry>.stride }
        return bytes
    }

    /// The number of entries of the fullest shard.
    var largestShardCount: Int {
        var largest = 0
        for shard in 0..<Self.shardCount { largest = Swift.max(largest, shards[shard].count) }
        return largest
    }
}

protocol TableHashable: Hashable {
    /// The key's hash; equal keys have equal hashes.
    var tableHash: UInt64 { get }
}

extension String: TableHashable {
    /// The standard library's hash (SipHash, over the canonical form of the text).
    var tableHash: UInt64 { UInt64(bitPattern: Int64(hashValue)) }
}

extension AggregateKey: TableHashable {
    @inline(__always)
    var tableHash: UInt64 {
        SplitMix64.mix((UInt64(window) << 32 | UInt64(region)) ^ SplitMix64.mix(UInt64(agency)))
    }
}

extension PlacementKey: TableHashable {
    @inline(__always)
    var tableHash: UInt64 {
        SplitMix64.mix(UInt64(day) << 32 | UInt64(place))
    }
}

extension Place: TableHashable {
    @inline(__always)
    var tableHash: UInt64 { SplitMix64.mix(region ^ SplitMix64.mix(UInt64(agency))) }
}
