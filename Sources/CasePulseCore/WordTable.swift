import CPrefetch

/// A map from 64-bit hashes to numbers whose keys live elsewhere, in 4-byte words: a look-up that
/// meets its tag asks its caller whether the number's key is the one sought, so the table never
/// holds a key: the owner already keeps each key in a table of its own (the engine's case ids in
/// its ``TextArena``, its aggregate keys in ``Engine/slotKeys``, its event ids in the cases).
///
/// The words are split into shards of ``shardWords`` by extendible hashing: a directory of
/// 2^``depth`` entries, indexed by the top bits of the hash, names each one's shard, and a shard of
/// depth `d` (the hash bits its directory entries share) holds the hashes of its `2^(depth − d)`
/// entries. A word is `tag << (32 − t) | (number + 1)`, `0` an empty word, where the tag is the `t`
/// hash bits after the shard's `d`. Its top 6 bits, the word's own top 6, are its home in the
/// shard, from which it is probed linearly. The shard keeps one `t` for all of its words:
///
/// - a number that needs more than `32 − t` bits narrows the shard's tags in place (the homes do
///   not change);
/// - a shard with ``splitCount`` words splits in two by its tags' first bit, which becomes a hash
///   bit of the directory: each word moves from what it holds, with no hash and no key, and
///   nothing larger than a shard is ever copied but the directory, which doubles when a shard as
///   deep as it splits.
///
/// Each split costs a shard's tags a bit, and larger numbers cost them more, so tags shorten as
/// the table grows (10 or 11 bits, of which the 6 of the home, for three event ids each of a
/// million cases). A word that
/// would leave fewer than ``minimumTagBits`` goes to ``overflow``, a table of 8-byte words that
/// keeps 32 hash bits whatever the numbers; a look-up that misses the shards asks it only when it
/// holds any. Removal shifts the following words back (``LinearProbing``), so no tombstones pile
/// up. One owner, one thread.
final class WordTable {
    /// Words per shard: the home is 6 bits.
    static var shardWords: Int { 64 }
    /// Words a shard holds before it splits: at most seven eighths used, so that a probe, all of
    /// it inside 256 bytes, ends soon.
    static var splitCount: Int { 56 }
    /// The fewest tag bits a shard keeps: the 6 of the home and 2 more, so that a look-up asks its
    /// caller about a word of another hash rarely.
    static var minimumTagBits: Int { 8 }
    /// The deepest directory: 2^20 entries of 16 bytes.
    static var maximumDepth: Int { 20 }
    /// Shards' words are handed out in chunks of at most this many shards.
    static var shardsPerChunk: Int { 256 }

    /// A shard: its words, the directory bits its hashes share and its tags' length.
    struct Shard {
        var words: UnsafeMutablePointer<UInt32>
        var depth: UInt8
        var tagBits: UInt8
    }

    /// A directory entry: what a look-up needs of its shard, so that it reads one entry and then
    /// the words (the shard's own record is read only to add or remove).
    struct Entry {
        var words: UnsafeMutablePointer<UInt32>
        var shard: UInt32
        var depth: UInt8
        var tagBits: UInt8
    }

    /// The shard of each value of the hash's top ``depth`` bits.
    @exclusivity(unchecked) var directory: ContiguousArray<Entry> = []
    /// Bits of the hash the directory reads.
    @exclusivity(unchecked) private(set) var depth = 0
    /// `63 − depth`: `(hash >> 1) >> directoryShift` is the hash's directory entry, 0 at depth 0.
    @exclusivity(unchecked) private var directoryShift: UInt64 = 63
    /// Every shard, by the number its directory entries name.
    @exclusivity(unchecked) var shards: ContiguousArray<Shard> = []
    /// Words used in each shard: apart from the shards, as a byte each, so that an insertion reads
    /// a small array and the directory entry the look-up before it read.
    @exclusivity(unchecked) var shardFill: ContiguousArray<UInt8> = []
    /// Words that did not fit a shard's tags (see the type's documentation).
    let overflow = WideWordTable()
    /// Whether ``overflow`` was ever given a word: until then a miss in the shards is final.
    @exclusivity(unchecked) var overflowUsed = false
    /// Memory shards' words are handed out from, never returned before the table goes: chunks of
    /// as many shards as the table held (1, 1, 2, 4, …, then ``shardsPerChunk``).
    @exclusivity(unchecked) private var chunks: [UnsafeMutablePointer<UInt32>] = []
    /// Words in all chunks.
    @exclusivity(unchecked) private var chunkWords = 0
    /// The next shard's words in the last chunk, and how many shards it still has.
    @exclusivity(unchecked) private var free: UnsafeMutablePointer<UInt32>?
    @exclusivity(unchecked) private var freeShards = 0

    /// An empty table: one shard, whose tags are 31 bits until a number needs more than 1.
    init() {
        let words = newShardWords()
        shards.append(Shard(words: words, depth: 0, tagBits: 31))
        shardFill.append(0)
        directory = [Entry(words: words, shard: 0, depth: 0, tagBits: 31)]
    }

    deinit {
        for chunk in chunks { chunk.deallocate() }
    }

    /// Number of entries.
    var count: Int { shardEntries + overflow.count }

    /// Bits of the number field of a shard whose tags are `tagBits` long.
    @inline(__always)
    static func numberMask(_ tagBits: UInt8) -> UInt32 { UInt32.max &>> UInt32(tagBits) }

    /// Where in its shard a word (or a tag in a word's place) starts its probe: its top 6 bits.
    @inline(__always)
    static func home(_ word: UInt32) -> Int { Int(truncatingIfNeeded: word &>> 26) }

    /// The directory entry of `hash`.
    @inline(__always)
    private func entry(_ hash: UInt64) -> Int { Int(truncatingIfNeeded: (hash &>> 1) &>> directoryShift) }

    /// `hash`'s tag in a shard of `depth` and `tagBits`, in the place its word holds it (the
    /// number bits 0).
    @inline(__always)
    private static func tagWord(_ hash: UInt64, depth: UInt8, tagBits: UInt8) -> UInt32 {
        UInt32(truncatingIfNeeded: (hash &<< UInt64(depth)) &>> 32) & ~numberMask(tagBits)
    }

    /// The number stored under `hash` for which `matches` holds, if any.
    @inline(__always)
    func find(hash: UInt64, _ matches: (Int32) -> Bool) -> Int32? {
        if let found = position(hash: hash, matches) { return found.number }
        return overflowUsed ? overflow.find(hash: hash, matches) : nil
    }

    /// The shard and index where the number under `hash` for which `matches` holds sits in the
    /// shards, and that number.
    @inline(__always)
    private func position(hash: UInt64, _ matches: (Int32) -> Bool) -> (shard: Int, index: Int, number: Int32)? {
        let shard = directory[entry(hash)]
        let mask = Self.numberMask(shard.tagBits)
        let tag = Self.tagWord(hash, depth: shard.depth, tagBits: shard.tagBits)
        var index = Self.home(tag)
        while true {
            let word = shard.words[index]
            if word == 0 { return nil }
            if word & ~mask == tag {
                let number = Int32(truncatingIfNeeded: word & mask) &- 1
                if matches(number) { return (Int(truncatingIfNeeded: shard.shard), index, number) }
            }
            index = (index &+ 1) & 63
        }
    }

    /// Asks the CPU to start loading the word where a look-up of `hash` starts (a hint: nothing
    /// changes).
    @inline(__always)
    func prefetch(hash: UInt64) {
        let shard = directory[entry(hash)]
        let tag = Self.tagWord(hash, depth: shard.depth, tagBits: shard.tagBits)
        cp_prefetch_read(UnsafeRawPointer(shard.words + Self.home(tag)))
    }

    /// Asks the CPU to start loading the directory entry of `hash`, the first of a look-up's two
    /// loads that depend on each other (a hint: nothing changes).
    @inline(__always)
    func prefetchEntry(hash: UInt64) {
        // The address is taken inside, the hint given outside: a call the optimiser cannot see
        // into, inside, would make it retain and release the directory around it.
        let entry = entry(hash)
        let address = directory.withUnsafeBufferPointer { entries in entries.baseAddress.map { UnsafeRawPointer($0 + entry) } }
        if let address { cp_prefetch_read(address) }
    }

    /// The number in the first word whose tag is `hash`'s, on the probe path of `hash`: the one a
    /// look-up would most likely return, unchecked (for a prefetch of what goes with it).
    @inline(__always)
    func likelyNumber(hash: UInt64) -> Int32? {
        find(hash: hash) { _ in true }
    }

    /// Adds `number` (at least 0) under `hash`; its key is not in the table.
    func insert(number: Int32, hash: UInt64) {
        precondition(number >= 0, "a word table holds numbers from 0")
        let value = UInt32(number) + 1
        let bits = UInt8(32 - value.leadingZeroBitCount)
        while true {
            let entry = entry(hash)
            let shard = directory[entry]
            let shardIndex = Int(truncatingIfNeeded: shard.shard)
            if bits > 32 - shard.tagBits {
                guard 32 - Int(bits) >= Self.minimumTagBits else { break }
                narrow(shardIndex, entry: entry, to: 32 - bits)
                continue
            }
            if Int(shardFill[shardIndex]) >= Self.splitCount {
                guard Int(shard.tagBits) > Self.minimumTagBits, Int(shard.depth) < Self.maximumDepth else { break }
                split(shardIndex, entry: entry)
                continue
            }
            Self.place(Self.tagWord(hash, depth: shard.depth, tagBits: shard.tagBits) | value, in: shard.words)
            shardFill[shardIndex] += 1
            return
        }
        overflowUsed = true
        overflow.insert(number: number, hash: hash)
    }

    /// Removes the number under `hash` for which `matches` holds; returns it, or `nil` when there
    /// is none.
    @discardableResult
    func remove(hash: UInt64, _ matches: (Int32) -> Bool) -> Int32? {
        guard let (shardIndex, index, number) = position(hash: hash, matches) else {
            return overflowUsed ? overflow.remove(hash: hash, matches) : nil
        }
        let words = shards[shardIndex].words
        let hole = LinearProbing.shiftBack(
            from: index, mask: 63,
            home: { words[$0] == 0 ? nil : Self.home(words[$0]) },
            move: { words[$1] = words[$0] })
        words[hole] = 0
        shardFill[shardIndex] -= 1
        return number
    }

    /// Calls `body` with every number, in no particular order.
    func forEach(_ body: (Int32) throws -> Void) rethrows {
        for shard in shards {
            let mask = Self.numberMask(shard.tagBits)
            for index in 0..<Self.shardWords where shard.words[index] != 0 {
                try body(Int32(truncatingIfNeeded: shard.words[index] & mask) - 1)
            }
        }
        try overflow.forEach(body)
    }

    /// Puts `word` in the first empty word from its home.
    @inline(__always)
    private static func place(_ word: UInt32, in words: UnsafeMutablePointer<UInt32>) {
        var index = home(word)
        while words[index] != 0 { index = (index &+ 1) & 63 }
        words[index] = word
    }

    /// Shortens the tags of shard `index`, which directory entry `entry` names, to `tagBits`, in
    /// place: a word keeps its top `tagBits` bits and its number, so its home does not change.
    private func narrow(_ index: Int, entry: Int, to tagBits: UInt8) {
        let shard = shards[index]
        let keep = ~Self.numberMask(tagBits) | Self.numberMask(shard.tagBits)
        for word in 0..<Self.shardWords { shard.words[word] &= keep }
        shards[index].tagBits = tagBits
        for named in entries(of: shard, around: entry) { directory[named].tagBits = tagBits }
    }

    /// The directory entries that name `shard`, one of which is `entry`: a run of
    /// 2^(depth − its depth), aligned.
    @inline(__always)
    private func entries(of shard: Shard, around entry: Int) -> Range<Int> {
        let span = 1 << (depth - Int(shard.depth))
        let first = entry & ~(span - 1)
        return first..<(first + span)
    }

    /// Splits shard `index`, which directory entry `entry` names, by its tags' first bit: the
    /// words with 0 stay, those with 1 move to a new shard, each one bit deeper with a bit shorter
    /// tags. Doubles the directory first when the shard is as deep as it.
    private func split(_ index: Int, entry: Int) {
        var entry = entry
        var shard = shards[index]
        if Int(shard.depth) == depth {
            var doubled = ContiguousArray<Entry>()
            doubled.reserveCapacity(directory.count * 2)
            for named in directory {
                doubled.append(named)
                doubled.append(named)
            }
            directory = doubled
            depth += 1
            directoryShift -= 1
            entry *= 2
        }
        let named = entries(of: shard, around: entry)
        let oldMask = Self.numberMask(shard.tagBits)
        let words = shard.words
        let sibling = newShardWords()
        shard.depth += 1
        shard.tagBits -= 1
        let newMask = Self.numberMask(shard.tagBits)
        var stayed: UInt8 = 0
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: Self.shardWords) { copy in
            guard let base = copy.baseAddress else { return }
            base.initialize(from: words, count: Self.shardWords)
            words.update(repeating: 0, count: Self.shardWords)
            for old in copy where old != 0 {
                let word = (old &<< 1) & ~newMask | old & oldMask
                if old & 0x8000_0000 == 0 {
                    Self.place(word, in: words)
                    stayed += 1
                } else {
                    Self.place(word, in: sibling)
                }
            }
        }
        shards[index] = shard
        shards.append(Shard(words: sibling, depth: shard.depth, tagBits: shard.tagBits))
        shardFill.append(shardFill[index] - stayed)
        shardFill[index] = stayed
        // The lower half of the entries keeps the shard, the upper half names the new one.
        let half = named.lowerBound + named.count / 2
        for lower in named.lowerBound..<half {
            directory[lower] = Entry(words: words, shard: UInt32(index), depth: shard.depth, tagBits: shard.tagBits)
        }
        for upper in half..<named.upperBound {
            directory[upper] = Entry(words: sibling, shard: UInt32(shards.count - 1), depth: shard.depth, tagBits: shard.tagBits)
        }
    }

    /// The words of a new shard, all 0.
    func newShardWords() -> UnsafeMutablePointer<UInt32> {
        if freeShards > 0, let words = free {
            free = words + Self.shardWords
            freeShards -= 1
            return words
        }
        let shards = Swift.min(Self.shardsPerChunk, Swift.max(1, chunkWords / Self.shardWords))
        let chunk = UnsafeMutablePointer<UInt32>.allocate(capacity: shards * Self.shardWords)
        chunk.initialize(repeating: 0, count: shards * Self.shardWords)
        chunks.append(chunk)
        chunkWords += shards * Self.shardWords
        free = chunk + Self.shardWords
        freeShards = shards - 1
        return chunk
    }

    /// Takes a directory (each entry's shard) and shards read from an image
    /// (``readShards(from:_:numbersBelow:)``, which checked them) in place of this empty table's.
    func adopt(depth: Int, directory: ContiguousArray<UInt32>, shards: ContiguousArray<Shard>, fill: ContiguousArray<UInt8>) {
        self.depth = depth
        directoryShift = UInt64(63 - depth)
        self.directory = ContiguousArray(directory.lazy.map { index in
            let shard = shards[Int(index)]
            return Entry(words: shard.words, shard: index, depth: shard.depth, tagBits: shard.tagBits)
        })
        self.shards = shards
        shardFill = fill
    }

    /// Bytes the table takes: its shards' words, its directory and its overflow.
    var allocatedBytes: Int {
        chunkWords * MemoryLayout<UInt32>.stride + shards.capacity * MemoryLayout<Shard>.stride
            + directory.capacity * MemoryLayout<Entry>.stride + overflow.allocatedBytes
    }

    /// Entries in the fullest shard (for tests: the split is even).
    var largestShardCount: Int { Int(shardFill.max() ?? 0) }

    /// Entries in the shards, not the overflow (for tests).
    var shardEntries: Int { shardFill.reduce(0) { $0 + Int($1) } }
}
