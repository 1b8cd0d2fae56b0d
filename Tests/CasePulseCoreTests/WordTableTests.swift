import Testing

@testable import CasePulseCore

@Suite struct WordTableTests {
    /// A table and the keys of its numbers, as the engine's owners keep them (number → key), with a
    /// `Dictionary` of what it must hold.
    final class Model {
        let table = WordTable()
        var keys: [Int32: UInt64] = [:]
        var numbers: [UInt64: Int32] = [:]
        let hash: (UInt64) -> UInt64

        init(hash: @escaping (UInt64) -> UInt64) { self.hash = hash }

        func find(_ key: UInt64) -> Int32? { table.find(hash: hash(key)) { keys[$0] == key } }

        func insert(_ key: UInt64, number: Int32) {
            table.insert(number: number, hash: hash(key))
            numbers[key] = number
            keys[number] = key
        }

        func remove(_ key: UInt64) -> Int32? {
            guard let number = table.remove(hash: hash(key), { keys[$0] == key }) else { return nil }
            numbers[key] = nil
            keys[number] = nil
            return number
        }

        /// Every key found under its number, every number listed once, the count right.
        func expectAgreement(sourceLocation: SourceLocation = #_sourceLocation) {
            for (key, number) in numbers { #expect(find(key) == number, sourceLocation: sourceLocation) }
            var listed: [Int32] = []
            table.forEach { listed.append($0) }
            #expect(listed.sorted() == numbers.values.sorted(), sourceLocation: sourceLocation)
            #expect(table.count == numbers.count, sourceLocation: sourceLocation)
        }
    }

    /// Random inserts and removals agree with `Dictionary` at every step while the table splits
    /// its shards, doubles its directory and narrows its tags as the numbers grow: a word moved
    /// wrong by a split, a narrowing or a removal's shift loses or hides a number.
    @Test func agreesWithDictionaryWhileItSplitsAndNarrows() {
        let model = Model(hash: SplitMix64.mix)
        var random = SplitMix64(seed: 2026)
        var next: Int32 = 0
        for step in 0..<120_000 {
            let key = UInt64(random.int(0..<60_000))
            if let number = model.numbers[key], random.chance(1, in: 3) {
                #expect(model.remove(key) == number)
            } else if model.numbers[key] == nil {
                // Numbers grow faster than the keys, so tags narrow more than once per shard.
                model.insert(key, number: next)
                next += Int32(1 + random.int(0..<16))
            }
            if step % 997 == 0 { #expect(model.find(key) == model.numbers[key]) }
        }
        model.expectAgreement()
        #expect(model.table.depth >= 8)
        #expect(!model.table.overflowUsed)
        #expect(model.table.shards.allSatisfy { Int($0.tagBits) < 31 - 8 })
        #expect(model.table.largestShardCount <= WordTable.splitCount)
        #expect(model.remove(60_001) == nil)
    }

    /// Hashes that agree in every bit a split could use cannot be told apart by shards: past a
    /// full shard they go to the overflow, and every one is still found, counted and removed.
    @Test func hashesNoSplitSeparatesGoToTheOverflow() {
        // 8 distinct hashes; each repeated under many keys.
        let model = Model { key in SplitMix64.mix(key % 8) & 0xFFFF_FFFF_0000_0000 }
        for key in 0..<3_000 as Range<UInt64> { model.insert(key, number: Int32(key)) }
        #expect(model.table.overflowUsed)
        #expect(model.table.shardEntries > 0)
        #expect(model.table.shardEntries < 3_000)
        model.expectAgreement()
        for key in stride(from: 0, to: 3_000, by: 3) as StrideTo<UInt64> { #expect(model.remove(key) == Int32(key)) }
        model.expectAgreement()
    }

    /// A number too large for the shortest tags (2^24 and more) goes to the overflow; the smaller
    /// ones stay in the shards, and both are found under one hash.
    @Test func numbersTooLargeForTheTagsGoToTheOverflow() {
        let model = Model(hash: SplitMix64.mix)
        for key in 0..<200 as Range<UInt64> { model.insert(key, number: Int32(key)) }
        #expect(!model.table.overflowUsed)
        for key in 200..<210 as Range<UInt64> { model.insert(key, number: Int32(1 << 24) + Int32(key)) }
        model.insert(210, number: .max)
        #expect(model.table.overflowUsed)
        #expect(model.table.shardEntries == 200)
        model.expectAgreement()
        #expect(model.remove(210) == .max)
        #expect(model.remove(5) == 5)
        model.expectAgreement()
    }

    /// Numbers under one hash are told apart by the caller's match alone, and removing one leaves
    /// the others found: in the shards, and from 2^24 on in the overflow.
    @Test(arguments: [0, 1 << 24] as [Int32])
    func numbersUnderOneHashAreToldApartByTheirKeys(base: Int32) {
        let table = WordTable()
        for number in base..<(base + 20) { table.insert(number: number, hash: 42) }
        #expect(table.overflowUsed == (base > 0))
        #expect(table.find(hash: 42) { $0 == base + 13 } == base + 13)
        #expect(table.remove(hash: 42) { $0 == base } == base)
        for number in (base + 1)..<(base + 20) { #expect(table.find(hash: 42) { $0 == number } == number) }
        #expect(table.find(hash: 42) { $0 == base } == nil)
        #expect(table.count == 19)
    }

    /// The number a look-up most likely returns is the first one on the hash's probe path whose
    /// tag matches, whatever its key; a hash with no such number has none. Prefetching any hash
    /// changes nothing.
    @Test func likelyNumberIsTheFirstTagMatchOnTheProbePath() {
        let table = WordTable()
        #expect(table.likelyNumber(hash: 42) == nil)
        for hash: UInt64 in [0, 42, .max] {
            table.prefetch(hash: hash)
            table.prefetchEntry(hash: hash)
        }
        for number: Int32 in 0..<5 { table.insert(number: number, hash: 42) }
        table.insert(number: 5, hash: 43 << 40)
        #expect(table.likelyNumber(hash: 42) == 0)
        #expect(table.likelyNumber(hash: 43 << 40) == 5)
        #expect(table.likelyNumber(hash: 44 << 40) == nil)
        #expect(table.remove(hash: 42) { $0 == 0 } == 0)
        #expect(table.likelyNumber(hash: 42) == 1)
        #expect(table.count == 5)
    }

    /// At a million numbers, as the engine's event ids hold them, the table takes under 10 bytes
    /// a number, some 9 (8-byte words at three quarters used took 10.7 and more; an array's
    /// capacity follows what the allocator hands it, so the bound keeps a margin), and keeps tags
    /// long enough that a look-up of an absent hash asks its caller about another key's number
    /// rarely.
    @Test func aMillionNumbersTakeUnderTenBytesEach() {
        let table = WordTable()
        var random = SplitMix64(seed: 7)
        for number in 0..<1_000_000 { table.insert(number: Int32(number / 3), hash: random.next()) }
        #expect(!table.overflowUsed)
        #expect(table.allocatedBytes < 10_000_000)
        var asked = 0
        for _ in 0..<100_000 { _ = table.find(hash: random.next()) { _ in asked += 1; return false } }
        #expect(asked < 5_000)
    }

    // MARK: Images

    /// The table written as the engine image writes it, in blocks of `blockSize` bytes.
    static func image(of table: WordTable, blockSize: Int = 4096) throws -> [[UInt8]] {
        var blocks: [[UInt8]] = []
        let encoder = ImageEncoder(blockSize: blockSize) { blocks.append(Array($0)) }
        try Engine.write(table, to: encoder)
        try encoder.finish()
        return blocks
    }

    /// A table read back from `blocks`, its numbers below `numbers`.
    static func read(_ blocks: [[UInt8]], numbersBelow numbers: Int = 1 << 31) throws -> WordTable {
        let table = WordTable()
        let source = BlockSource(blocks)
        let decoder = ImageDecoder { source.next() }
        try Engine.read(table, shards: "shards", shard: "shard", numbersBelow: numbers, from: decoder)
        #expect(try decoder.isAtEnd())
        return table
    }

    /// A table read back from its image holds what it held, overflow included, and goes on
    /// splitting and narrowing alike.
    @Test func anImageReadsBackWhole() throws {
        let model = Model { key in key < 5_000 ? SplitMix64.mix(key) : SplitMix64.mix(key % 4) & 0xFFFF_FFFF_0000_0000 }
        for key in 0..<5_300 as Range<UInt64> { model.insert(key, number: Int32(key)) }
        #expect(model.table.overflowUsed)
        let read = try Self.read(Self.image(of: model.table))
        let restored = Model(hash: model.hash)
        restored.keys = model.keys
        restored.numbers = model.numbers
        #expect(read.depth == model.table.depth)
        #expect(read.overflowUsed)
        // The restored table answers through `restored`'s keys.
        for (key, number) in model.numbers { #expect(read.find(hash: model.hash(key)) { model.keys[$0] == key } == number) }
        var listed: [Int32] = []
        read.forEach { listed.append($0) }
        #expect(listed.sorted() == model.numbers.values.sorted())
        for key in 6_000..<20_000 as Range<UInt64> {
            read.insert(number: Int32(key) << 4, hash: SplitMix64.mix(key))
            #expect(read.find(hash: SplitMix64.mix(key)) { $0 == Int32(key) << 4 } == Int32(key) << 4)
        }
        for (key, number) in model.numbers { #expect(read.find(hash: model.hash(key)) { model.keys[$0] == key } == number) }
    }

    /// The bytes of the shards' part of an image of `table`, to spoil.
    static func shardBytes(of table: WordTable) throws -> [UInt8] {
        var bytes: [UInt8] = []
        let encoder = ImageEncoder(blockSize: 1 << 20) { bytes += Array($0) }
        try table.writeShards(to: encoder)
        try encoder.finish()
        return bytes
    }

    /// Whether shard bytes read back, numbers below `numbers`.
    static func readsBack(_ bytes: [UInt8], numbersBelow numbers: Int = 1 << 20) -> Bool {
        let source = BlockSource([bytes])
        return (try? WordTable().readShards(from: ImageDecoder { source.next() }, "shard", numbersBelow: numbers)) != nil
    }

    /// An image a look-up or split could go wrong on is refused before any look-up meets it: a
    /// word moved off its probe path, a number too large, a shard too full, tags too short, a
    /// directory entry naming the wrong shard.
    @Test func anImageThatWouldMisleadALookUpIsRefused() throws {
        let table = WordTable()
        var random = SplitMix64(seed: 3)
        for number in 0..<300 { table.insert(number: Int32(number), hash: random.next()) }
        #expect(table.depth >= 2)
        let bytes = try Self.shardBytes(of: table)
        let wholeReadsBack = Self.readsBack(bytes)
        let tooLargeReadsBack = Self.readsBack(bytes, numbersBelow: 299)
        #expect(wholeReadsBack)
        #expect(!tooLargeReadsBack)

        // Layout: depth (8), directory (4 × 2^depth), shard count (8), then per shard depth (1),
        // tag bits (1) and 256 bytes of words.
        let directoryStart = 8
        let shardsStart = directoryStart + 4 * (1 << table.depth) + 8
        func shard(_ index: Int) -> Int { shardsStart + index * 258 }
        func word(_ bytes: [UInt8], _ shard: Int, _ slot: Int) -> UInt32 {
            (0..<4).reduce(0) { $0 | UInt32(bytes[shard + 2 + 4 * slot + $1]) << (8 * $1) }
        }
        func setWord(_ bytes: inout [UInt8], _ shard: Int, _ slot: Int, _ value: UInt32) {
            for byte in 0..<4 { bytes[shard + 2 + 4 * slot + byte] = UInt8(truncatingIfNeeded: value >> (8 * byte)) }
        }

        // A used word moved to the slot before its home (empty): no probe from its home reaches
        // it there.
        var moved = bytes
        let first = shard(0)
        let slot = try #require((0..<64).first { slot in
            let value = word(bytes, first, slot)
            return value != 0 && word(bytes, first, (Int(value >> 26) + 63) & 63) == 0
        })
        let value = word(bytes, first, slot)
        setWord(&moved, first, slot, 0)
        setWord(&moved, first, (Int(value >> 26) + 63) & 63, value)
        let movedReadsBack = Self.readsBack(moved)
        #expect(!movedReadsBack)

        // A shard filled past its split point.
        var full = bytes
        var filled = (0..<64).filter { word(bytes, first, $0) != 0 }.count
        for slot in 0..<64 where word(full, first, slot) == 0 && filled < WordTable.splitCount + 1 {
            setWord(&full, first, slot, UInt32(slot) << 26 | 1)
            filled += 1
        }
        let fullReadsBack = Self.readsBack(full)
        #expect(!fullReadsBack)

        // Tags shorter than the least a shard keeps.
        var short = bytes
        short[first + 1] = UInt8(WordTable.minimumTagBits - 1)
        let shortReadsBack = Self.readsBack(short)
        #expect(!shortReadsBack)

        // The last directory entry naming the first entry's shard, which another run names.
        var misnamed = bytes
        let last = directoryStart + 4 * ((1 << table.depth) - 1)
        #expect(misnamed[last..<(last + 4)] != misnamed[directoryStart..<(directoryStart + 4)])
        misnamed.replaceSubrange(last..<(last + 4), with: misnamed[directoryStart..<(directoryStart + 4)])
        let misnamedReadsBack = Self.readsBack(misnamed)
        #expect(!misnamedReadsBack)
    }
}
