/// A hash map split into 256 independent dictionaries by the top bits of each key's hash.
///
/// A `Dictionary` that outgrows its table rehashes every entry at once: at a million cases that
/// stops the engine's single writer for tens of milliseconds. Split 256 ways, each growth moves a
/// 256th of the entries. Each key's hash is computed once, kept beside the key, and reused when its
/// shard grows, so a rehash does not hash strings again. Equality is the key type's own (for
/// `String`, Unicode canonical equivalence), so canonically equal ids meet in one shard.
struct ShardedDictionary<Key: Hashable, Value> {
    static var shardBits: Int { 8 }

    private var shards: [[HashedKey<Key>: Value]]

    /// Number of entries.
    private(set) var count = 0

    /// An empty map.
    init() {
        shards = Array(repeating: [:], count: 1 << Self.shardBits)
    }

    @inline(__always)
    private static func locate(_ key: Key) -> (HashedKey<Key>, Int) {
        let hash = key.hashValue
        let shard = Int(truncatingIfNeeded: UInt(bitPattern: hash) >> UInt(UInt.bitWidth - shardBits))
        return (HashedKey(key: key, hash: hash), shard)
    }

    /// The value stored for `key`; assigning `nil` removes the entry.
    subscript(key: Key) -> Value? {
        get {
            let (hashed, shard) = Self.locate(key)
            return shards[shard][hashed]
        }
        set {
            let (hashed, shard) = Self.locate(key)
            if let newValue {
                if shards[shard].updateValue(newValue, forKey: hashed) == nil { count += 1 }
            } else if shards[shard].removeValue(forKey: hashed) != nil {
                count -= 1
            }
        }
    }

    /// Removes every entry.
    mutating func removeAll(keepingCapacity: Bool = false) {
        for shard in shards.indices { shards[shard].removeAll(keepingCapacity: keepingCapacity) }
        count = 0
    }

    /// Calls `body` with every entry, in no particular order.
    func forEach(_ body: (Key, Value) throws -> Void) rethrows {
        for shard in shards {
            for (hashed, value) in shard { try body(hashed.key, value) }
        }
    }

    /// The entries of the fullest shard (for tests: the split is even).
    var largestShardCount: Int { shards.map(\.count).max() ?? 0 }
}

/// A key with its hash computed once.
struct HashedKey<Key: Hashable>: Hashable {
    let key: Key
    let hash: Int

    static func == (lhs: Self, rhs: Self) -> Bool { lhs.hash == rhs.hash && lhs.key == rhs.key }

    func hash(into hasher: inout Hasher) { hasher.combine(hash) }
}
