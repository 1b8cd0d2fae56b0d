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
final class ShardedDictionary<Key: TableHashable, Value> {
    static var shardBits: Int { 8 }
    /// The smallest table of a shard that holds anything.
    static var initialCapacity: Int { 8 }

    private struct Entry {
        /// The key's hash with the top bit set; `0` marks an empty entry.
        var tag: UInt64
        var key: Key?
        var value: Value?
    }

    private struct Shard {
        var entries: ContiguousArray<Entry> = []
        var count = 0
    }

    /// Not checked for exclusive access at run time, as in ``SegmentedArray``: one owner.
    @exclusivity(unchecked) private var shards: [Shard]

    /// Number of entries.
    @exclusivity(unchecked) private(set) var count = 0

    /// An empty map.
    init() {
        shards = Array(repeating: Shard(), count: 1 << Self.shardBits)
    }

    /// The stored tag of `key` and its shard. The shard comes from bits 48–55 and the slot from
    /// the low bits, so the two never draw on the same bits.
    @inline(__always)
    private static func locate(_ key: Key) -> (tag: UInt64, shard: Int) {
        let hash = key.tableHash
        return (hash | (1 << 63), Int(truncatingIfNeeded: (hash >> 48) & 0xFF))
    }

    /// The position of `key` in `entries`, or the empty position where it would go.
    @inline(__always)
    private static func find(_ key: Key, tag: UInt64, in entries: ContiguousArray<Entry>) -> (index: Int, found: Bool) {
        let mask = entries.count - 1
        var index = Int(truncatingIfNeeded: tag) & mask
        while true {
            let entryTag = entries[index].tag
            if entryTag == 0 { return (index, false) }
            if entryTag == tag && entries[index].key == key { return (index, true) }
            index = (index + 1) & mask
        }
    }

    /// The value stored for `key`; assigning `nil` removes the entry.
    subscript(key: Key) -> Value? {
        get {
            let (tag, shard) = Self.locate(key)
            let entries = shards[shard].entries
            guard !entries.isEmpty else { return nil }
            let (index, found) = Self.find(key, tag: tag, in: entries)
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
        if (shards[shard].count + 1) * 4 > shards[shard].entries.count * 3 {
            grow(shard)
        }
        let (index, found) = Self.find(key, tag: tag, in: shards[shard].entries)
        if found {
            shards[shard].entries[index].value = value
        } else {
            shards[shard].entries[index] = Entry(tag: tag, key: key, value: value)
            shards[shard].count += 1
            count += 1
        }
    }

    private func remove(_ key: Key, tag: UInt64, shard: Int) {
        guard !shards[shard].entries.isEmpty else { return }
        let (index, found) = Self.find(key, tag: tag, in: shards[shard].entries)
        guard found else { return }
        shards[shard].count -= 1
        count -= 1
        shards[shard].entries.withUnsafeMutableBufferPointer { entries in
            let mask = entries.count - 1
            let hole = LinearProbing.shiftBack(
                from: index, mask: mask,
                home: { entries[$0].tag == 0 ? nil : Int(truncatingIfNeeded: entries[$0].tag) & mask },
                move: { entries[$1] = entries[$0] })
            entries[hole] = Entry(tag: 0, key: nil, value: nil)
        }
    }

    /// Doubles one shard's table, placing its entries again by their kept hashes.
    private func grow(_ shard: Int) {
        let old = shards[shard].entries
        let capacity = Swift.max(Self.initialCapacity, old.count * 2)
        var entries = ContiguousArray(repeating: Entry(tag: 0, key: nil, value: nil), count: capacity)
        let mask = capacity - 1
        for entry in old where entry.tag != 0 {
            var index = Int(truncatingIfNeeded: entry.tag) & mask
            while entries[index].tag != 0 { index = (index + 1) & mask }
            entries[index] = entry
        }
        shards[shard].entries = entries
    }

    /// Removes every entry.
    func removeAll(keepingCapacity: Bool = false) {
        for shard in shards.indices {
            if keepingCapacity {
                let capacity = shards[shard].entries.count
                shards[shard].entries = ContiguousArray(repeating: Entry(tag: 0, key: nil, value: nil), count: capacity)
            } else {
                shards[shard].entries = []
            }
            shards[shard].count = 0
        }
        count = 0
    }

    /// Calls `body` with every entry, in no particular order.
    func forEach(_ body: (Key, Value) throws -> Void) rethrows {
        for shard in shards {
            for entry in shard.entries where entry.tag != 0 {
                if let key = entry.key, let value = entry.value { try body(key, value) }
            }
        }
    }

    /// Bytes the tables take (entries allocated, whether filled or not; not what keys refer to).
    var allocatedBytes: Int {
        shards.reduce(0) { $0 + $1.entries.capacity * MemoryLayout<Entry>.stride }
    }

    /// The entries of the fullest shard (for tests: the split is even).
    var largestShardCount: Int { shards.map(\.count).max() ?? 0 }
}

/// A key of a ``ShardedDictionary``: hashable, with a 64-bit hash whose every bit is well mixed
/// (the map takes its shard and its slot from different bits).
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
        let place = UInt64(day) << 32 | UInt64(agency)
        return SplitMix64.mix(place ^ SplitMix64.mix(region.value &+ UInt64(region.length) << 56))
    }
}
