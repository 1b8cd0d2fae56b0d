/// A map from 64-bit hashes to numbers whose keys live elsewhere, in 8-byte words: the
/// ``WordTable/overflow`` of a ``WordTable``, for the numbers its 4-byte words have no room for.
/// A word is `tag << 32 | (number + 1)`, where the tag is the low 32 bits of the key's hash and `0`
/// is an empty word; a look-up that meets its tag asks its caller whether the number's key is the
/// one sought, so the table never holds a key.
///
/// Split into 256 tables by the top bits of the hash, each probed linearly from its tag masked, so
/// that growing doubles one table of 256 (no insertion stops the engine's writer for long) and
/// needs no hash. Removal shifts the following words back (``LinearProbing``), so no tombstones
/// pile up. One owner, one thread.
final class WideWordTable {
    /// Bits of the hash (its top ones) that pick a shard.
    static var shardBits: Int { 8 }
    /// Words of a shard's first table.
    static var initialCapacity: Int { 8 }

    /// Word tables, one per shard (internal for ``Engine/writeImage(to:)``, which stores them as
    /// they are).
    @exclusivity(unchecked) var shards: [ContiguousArray<UInt64>]
    @exclusivity(unchecked) var shardCounts: [Int]

    /// An empty table.
    init() {
        shards = Array(repeating: [], count: 1 << Self.shardBits)
        shardCounts = Array(repeating: 0, count: 1 << Self.shardBits)
    }

    /// Number of entries.
    var count: Int { shardCounts.reduce(0, +) }

    /// The number stored under `hash` for which `matches` holds, if any.
    @inline(__always)
    func find(hash: UInt64, _ matches: (Int32) -> Bool) -> Int32? {
        position(hash: hash, matches).map { $0.number }
    }

    /// Where the number under `hash` for which `matches` holds sits, and that number.
    @inline(__always)
    private func position(hash: UInt64, _ matches: (Int32) -> Bool) -> (index: Int, number: Int32)? {
        let shard = Int(truncatingIfNeeded: hash >> 56)
        let tag = hash & 0xFFFF_FFFF
        return shards[shard].withUnsafeBufferPointer { words in
            guard !words.isEmpty else { return nil }
            let mask = words.count - 1
            var index = Int(truncatingIfNeeded: tag) & mask
            while true {
                let word = words[index]
                if word == 0 { return nil }
                if word >> 32 == tag {
                    let number = Int32(truncatingIfNeeded: word & 0xFFFF_FFFF) &- 1
                    if matches(number) { return (index, number) }
                }
                index = (index + 1) & mask
            }
        }
    }

    /// Adds `number` (at least 0) under `hash`; its key is not in the table.
    func insert(number: Int32, hash: UInt64) {
        let shard = Int(truncatingIfNeeded: hash >> 56)
        // At most three quarters full, so probes stay short.
        if (shardCounts[shard] + 1) * 4 > shards[shard].count * 3 {
            let old = shards[shard]
            var grown = ContiguousArray<UInt64>(repeating: 0, count: Swift.max(Self.initialCapacity, old.count * 2))
            for word in old where word != 0 { Self.place(word, in: &grown) }
            shards[shard] = grown
        }
        Self.place((hash & 0xFFFF_FFFF) << 32 | UInt64(UInt32(number) + 1), in: &shards[shard])
        shardCounts[shard] += 1
    }

    /// Removes the number under `hash` for which `matches` holds; returns it, or `nil` when there
    /// is none.
    @discardableResult
    func remove(hash: UInt64, _ matches: (Int32) -> Bool) -> Int32? {
        guard let (index, number) = position(hash: hash, matches) else { return nil }
        let shard = Int(truncatingIfNeeded: hash >> 56)
        shards[shard].withUnsafeMutableBufferPointer { words in
            let mask = words.count - 1
            let hole = LinearProbing.shiftBack(
                from: index, mask: mask,
                home: { words[$0] == 0 ? nil : Int(truncatingIfNeeded: words[$0] >> 32) & mask },
                move: { words[$1] = words[$0] })
            words[hole] = 0
        }
        shardCounts[shard] -= 1
        return number
    }

    /// Calls `body` with every number, in no particular order.
    func forEach(_ body: (Int32) throws -> Void) rethrows {
        for shard in shards {
            for word in shard where word != 0 { try body(Int32(truncatingIfNeeded: word & 0xFFFF_FFFF) &- 1) }
        }
    }

    @inline(__always)
    private static func place(_ word: UInt64, in words: inout ContiguousArray<UInt64>) {
        let mask = words.count - 1
        var index = Int(truncatingIfNeeded: word >> 32) & mask
        while words[index] != 0 { index = (index + 1) & mask }
        words[index] = word
    }

    /// Bytes the word tables take.
    var allocatedBytes: Int {
        shards.reduce(0) { $0 + $1.capacity * MemoryLayout<UInt64>.stride }
    }
}
