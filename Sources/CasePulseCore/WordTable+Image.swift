/// A ``WordTable``'s shards in an engine image (`Protocols/STATE.md`, "Engine image"): written as
/// they are held, and checked when read back, before any look-up meets them, so that no image can
/// make a probe run forever or a split cut the directory wrong.
extension WordTable {
    /// Writes the directory and every shard: the directory's depth, its entries (u32 each), the
    /// number of shards, then each shard's depth (u8), tag bits (u8) and 64 words.
    func writeShards(to out: ImageEncoder) throws {
        try out.u64(UInt64(depth))
        try out.words(ContiguousArray(directory.lazy.map(\.shard)))
        try out.u64(UInt64(shards.count))
        for shard in shards {
            try out.u8(shard.depth)
            try out.u8(shard.tagBits)
            try out.bytes(UnsafeRawBufferPointer(start: shard.words, count: Self.shardWords * MemoryLayout<UInt32>.stride))
        }
    }

    /// Reads into this empty table what ``writeShards(to:)`` wrote, every word naming a number
    /// below `numbers`. Refused as corrupt: a directory deeper than ``maximumDepth``; a shard no
    /// entry or more than one run of entries names, or whose run is not the 2^(depth − its depth)
    /// entries its depth says; tags shorter than ``minimumTagBits``; a shard with more than
    /// ``splitCount`` words, or a word a probe from its home would not reach.
    func readShards(from input: ImageDecoder, _ what: String, numbersBelow numbers: Int) throws {
        let depth = try input.count(atMost: Self.maximumDepth, "word table depth")
        let directory = try input.words(count: 1 << depth, of: UInt32.self)
        let count = try input.count(atMost: 1 << depth, "word table shards")
        guard count >= 1 else { throw ImageError.corrupt("\(what): no shard") }
        var read = ContiguousArray<Shard>()
        var fill = ContiguousArray<UInt8>()
        read.reserveCapacity(count)
        fill.reserveCapacity(count)
        for index in 0..<count {
            let shardDepth = try input.u8()
            let tagBits = try input.u8()
            guard Int(shardDepth) <= depth, Int(tagBits) >= Self.minimumTagBits, tagBits <= 31 else {
                throw ImageError.corrupt("\(what) \(index): depth \(shardDepth), \(tagBits) tag bits")
            }
            let words = index == 0 ? shards[0].words : newShardWords()
            try input.bytes(into: words, count: Self.shardWords * MemoryLayout<UInt32>.stride)
            let used = try Self.checkShard(words, tagBits: tagBits, numbersBelow: numbers, what, index)
            read.append(Shard(words: words, depth: shardDepth, tagBits: tagBits))
            fill.append(UInt8(used))
        }
        try Self.checkDirectory(directory, depth: depth, shards: read, what)
        adopt(depth: depth, directory: directory, shards: read, fill: fill)
    }

    /// The words of a shard read from an image that are used, checked: at most ``splitCount``,
    /// each naming a number below `numbers`, each reached by a probe from its home (no empty word
    /// between).
    private static func checkShard(
        _ words: UnsafeMutablePointer<UInt32>, tagBits: UInt8, numbersBelow numbers: Int, _ what: String, _ index: Int
    ) throws -> Int {
        let mask = numberMask(tagBits)
        var used = 0
        var empty = -1
        for slot in 0..<shardWords {
            let word = words[slot]
            if word == 0 {
                empty = slot
                continue
            }
            guard word & mask != 0, Int(word & mask) <= numbers else {
                throw ImageError.corrupt("\(what) \(index) holds \(word)")
            }
            used += 1
        }
        guard used <= splitCount, empty >= 0 else { throw ImageError.corrupt("\(what) \(index) holds \(used) words") }
        // From an empty word round the shard: a word sits at most as far from its home as the
        // words used since the last empty one.
        var run = 0
        for step in 1...shardWords {
            let slot = (empty + step) & (shardWords - 1)
            let word = words[slot]
            if word == 0 {
                run = 0
                continue
            }
            run += 1
            guard (slot - home(word)) & (shardWords - 1) < run else {
                throw ImageError.corrupt("\(what) \(index): word \(word) at \(slot) is not reached from its home")
            }
        }
        return used
    }

    /// Checks that each shard is named by exactly one run of directory entries: 2^(depth − its
    /// depth) of them, starting at a multiple of that.
    private static func checkDirectory(_ directory: ContiguousArray<UInt32>, depth: Int, shards: ContiguousArray<Shard>, _ what: String) throws {
        var named = [Bool](repeating: false, count: shards.count)
        var entry = 0
        while entry < directory.count {
            let shard = Int(directory[entry])
            guard shard < shards.count, !named[shard] else {
                throw ImageError.corrupt("\(what) directory entry \(entry) names shard \(shard)")
            }
            let span = 1 << (depth - Int(shards[shard].depth))
            guard entry % span == 0, directory[entry..<(entry + span)].allSatisfy({ Int($0) == shard }) else {
                throw ImageError.corrupt("\(what) directory entry \(entry): shard \(shard) of depth \(shards[shard].depth) is not named \(span) times")
            }
            named[shard] = true
            entry += span
        }
        guard named.allSatisfy({ $0 }) else { throw ImageError.corrupt("\(what): a shard no directory entry names") }
    }
}
