/// The engine's index from case id to case number: one 8-byte word per case, the id itself read
/// from the engine's ``TextArena``.
///
/// A `ShardedDictionary<String, Int32>` held each id as a `String` of its own (a heap object for
/// any id over 15 bytes) in a 32-byte entry, some 120 bytes per case, and hashed it with SipHash.
/// Here a word is `tag << 32 | (number + 1)`: 32 bits of the id's hash and the case number, with
/// `0` an empty word. A look-up that meets its tag compares the id's bytes with the stored ones.
///
/// The contract compares case ids as Swift strings, up to Unicode canonical equivalence, and
/// bytes compare equal only when the texts are. So an id is indexed by its bytes only when no
/// other spelling stands for it: ASCII, the one spelling of its text. Three non-ASCII characters
/// are canonically one ASCII character each (U+037E `;`, U+1FEF `` ` ``, U+212A `K`); an id of
/// ASCII and these is indexed by its ASCII form. Any other non-ASCII id cannot equal an ASCII one
/// and is kept in a small map of `String`s, which compares them as the contract says.
///
/// Sharded like ``ShardedDictionary``: growing doubles one shard of 256, so no insertion stops the
/// engine's writer for long. One owner, one thread.
final class CaseIndex {
    static var shardBits: Int { 8 }
    static var initialCapacity: Int { 8 }

    /// Word tables, one per shard; the slot of a word is its tag masked, so growing needs no hash.
    /// (Internal for ``Engine/writeImage(to:)``, which stores them as they are.)
    @exclusivity(unchecked) var shards: [ContiguousArray<UInt64>]
    @exclusivity(unchecked) var shardCounts: [Int]
    /// Ids not indexed by bytes (see above).
    let others = ShardedDictionary<String, Int32>()

    /// An empty index.
    init() {
        shards = Array(repeating: [], count: 1 << Self.shardBits)
        shardCounts = Array(repeating: 0, count: 1 << Self.shardBits)
    }

    /// The key an id is indexed by.
    enum Key {
        /// The ASCII bytes of this text, with their ``StableHash``.
        case bytes(String, hash: UInt64)
        /// The text, compared as a Swift string.
        case string(String)
    }

    /// How `caseID` is indexed.
    static func key(_ caseID: String) -> Key {
        let ascii = caseID.withUTF8Bytes { isASCII($0) }
        if ascii { return .bytes(caseID, hash: StableHash.of(caseID)) }
        var folded = ""
        for scalar in caseID.unicodeScalars {
            switch scalar.value {
            case 0..<0x80: folded.unicodeScalars.append(scalar)
            case 0x037E: folded += ";"
            case 0x1FEF: folded += "`"
            case 0x212A: folded += "K"
            default: return .string(caseID)
            }
        }
        return .bytes(folded, hash: StableHash.of(folded))
    }

    /// The number of the case whose id is `key`, looking at stored ids with `id(number)`.
    func find(_ key: Key, id: (Int32) -> TextRef, in texts: TextArena) -> Int32? {
        switch key {
        case .string(let text):
            return others[text]
        case .bytes(let text, let hash):
            return text.withUTF8Bytes { find(ascii: $0, hash: hash, id: id, in: texts) }
        }
    }

    /// The number of the case whose id is the ASCII `bytes` with ``StableHash`` `hash` (the
    /// ``Key/bytes(_:hash:)`` look-up, for bytes at hand), looking at stored ids with `id(number)`.
    @inline(__always)
    func find(ascii bytes: UnsafeRawBufferPointer, hash: UInt64, id: (Int32) -> TextRef, in texts: TextArena) -> Int32? {
        find(hash: hash) { number in texts.withBytes(id(number)) { compareBytes($0, bytes) == 0 } }
    }

    /// Whether `bytes` are ASCII: then they are a case id's one spelling, and index it themselves.
    @inline(__always)
    static func isASCII(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var any: UInt8 = 0
        for byte in bytes { any |= byte }
        return any < 0x80
    }

    /// Adds case `number` under `key`, which is not in the index.
    func insert(_ key: Key, number: Int32) {
        switch key {
        case .string(let text):
            others[text] = number
        case .bytes(_, let hash):
            insert(number: number, hash: hash)
        }
    }

    /// The text a case of `key` is stored under: its ASCII form, or the id as given.
    static func text(of key: Key) -> String {
        switch key {
        case .bytes(let text, _), .string(let text): text
        }
    }

    @inline(__always)
    private func find(hash: UInt64, _ matches: (Int32) -> Bool) -> Int32? {
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
                    let number = Int32(truncatingIfNeeded: word & 0xFFFF_FFFF) - 1
                    if matches(number) { return number }
                }
                index = (index + 1) & mask
            }
        }
    }

    /// Adds case `number` under the ``StableHash`` of its ASCII id, which is not in the index.
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

    @inline(__always)
    private static func place(_ word: UInt64, in words: inout ContiguousArray<UInt64>) {
        let mask = words.count - 1
        var index = Int(truncatingIfNeeded: word >> 32) & mask
        while words[index] != 0 { index = (index + 1) & mask }
        words[index] = word
    }

    /// Bytes the index takes: its word tables and the map of other ids (not their texts).
    var allocatedBytes: Int {
        shards.reduce(0) { $0 + $1.capacity * MemoryLayout<UInt64>.stride } + others.allocatedBytes
    }

    /// Cases in the fullest shard (for tests: the split is even).
    var largestShardCount: Int { shardCounts.max() ?? 0 }
}
