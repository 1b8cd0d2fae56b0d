#if _endian(big)
#error("engine images store tables as little-endian words, as they are held in memory")
#endif

/// Engine images: the engine's tables written out at a clean stop and read back at the next start
/// instead of being rebuilt from every case record (`Protocols/STATE.md`, "Engine image").
///
/// An image holds what the records would rebuild — cases, their texts and index, every key's
/// figures and beneficiaries, the interned names — in the engine's own layout, so reading it back
/// is mostly copying: no id is hashed, no key looked up per contribution. It holds nothing the
/// records do not: the counters, producers, sequence numbers and retention floor come from the
/// database as on every start. The records stay the source of truth: the store uses an image only
/// when it belongs to the last clean stop, and any image that does not read back whole is
/// discarded for the records.
extension Engine {
    /// The layout this build writes and reads; any change to what is written changes it.
    static let imageLayout: UInt32 = 7
    /// The last word of an image.
    static let imageEnd: UInt32 = 0x454E_4421

    /// Writes the engine's tables to `out` and finishes it. Call it between events, after the
    /// changes were published (the slots' publication state is not written: a restored engine
    /// treats every key as published, as a restore from records does).
    public func writeImage(to out: ImageEncoder) throws {
        settleFigures()
        try out.u32(Self.imageLayout)
        try out.string(configuration.timeZone.identifier)
        try out.i64(Int64(configuration.dayRetentionDays))

        try out.u64(UInt64(texts.chunkCount))
        try texts.forEachChunk { chunk in
            try out.u64(UInt64(chunk.count))
            try out.bytes(chunk)
        }

        try out.u64(UInt64(agencyNames.count))
        for name in agencyNames { try out.string(name) }
        try out.u64(UInt64(regionPaths.count))
        for path in regionPaths { try out.string(path) }
        try out.u64(UInt64(regionNodeIDs.count))
        for (code, id) in regionNodeIDs {
            try out.u64(code.packed)
            try out.u32(id)
        }
        try out.u64(UInt64(places.count))
        for place in places {
            try out.u64(place.region)
            try out.u32(place.agency)
        }
        try out.u64(UInt64(partyTexts.count))
        for id in partyTexts.indices { try out.u32(partyTexts[id].bits) }

        try out.u64(UInt64(otherIDs.count))
        for index in otherIDs.indices {
            let list = otherIDs[index]
            try out.u64(UInt64(list.count))
            try out.words(list)
        }

        try out.u64(UInt64(caseStates.count))
        for index in caseStates.indices {
            try out.u32(caseIDs[index].bits)
            try Self.write(caseStates[index], to: out)
        }

        try Self.write(caseIndex.words, to: out)
        try out.u64(UInt64(caseIndex.others.count))
        try caseIndex.others.forEach { caseID, number in
            try out.i32(number)
            try out.string(caseID)
        }

        try Self.write(eventIDs, to: out)

        var live = [Bool](repeating: false, count: slotKeys.count)
        slotIDs.forEach { slot in live[Int(slot)] = true }
        try out.u64(UInt64(slotKeys.count))
        for slot in slotKeys.indices {
            let key = slotKeys[slot]
            try out.u8(live[slot] ? 1 : 0)
            try out.u32(key.window)
            try out.u32(key.region)
            try out.u32(key.agency)
            try Self.write(aggregates[slot], to: out)
        }
        try out.u32(Self.imageEnd)
        try out.finish()
    }

    /// Restores the tables of an image written by ``writeImage(to:)`` into this engine, which must
    /// hold no case and no key (restore the retention floor first, as for records); returns the
    /// number of cases. Every count, reference and index is checked before it is used, so a
    /// damaged image throws rather than traps; the engine is then unusable and must be dropped.
    public func restoreImage(from input: ImageDecoder) throws -> Int {
        guard caseStates.isEmpty, slotKeys.isEmpty else { throw ImageError.corrupt("the engine already holds state") }
        guard try input.u32() == Self.imageLayout else { throw ImageError.corrupt("another layout version") }
        let zone = try input.string(atMost: 256)
        let retention = try input.i64()
        guard zone == configuration.timeZone.identifier, retention == Int64(configuration.dayRetentionDays) else {
            throw ImageError.calendarMismatch
        }

        let chunks = try input.count(atMost: texts.chunkLimit, "text chunks")
        for _ in 0..<chunks {
            let count = try input.count(atMost: TextArena.chunkSize, "text chunk bytes")
            try texts.appendChunk(count: count) { try input.bytes(into: $0, count: count) }
        }

        let agencies = try input.count(atMost: Int(Int32.max), "agencies")
        var names: [String] = []
        names.reserveCapacity(agencies)
        for _ in 0..<agencies { names.append(try input.string()) }
        guard names.first == "all", Set(names).count == names.count else { throw ImageError.corrupt("agency names") }
        agencyNames = names
        agencyIDs = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, UInt32($0)) })

        let paths = try input.count(atMost: Int(Int32.max), "region paths")
        var regionPaths: [String] = []
        regionPaths.reserveCapacity(paths)
        for _ in 0..<paths { regionPaths.append(try input.string()) }
        guard regionPaths.first == "" else { throw ImageError.corrupt("region paths") }
        self.regionPaths = regionPaths
        let nodes = try input.count(atMost: Int(Int32.max), "region nodes")
        for _ in 0..<nodes {
            let code = RegionCode(packed: try input.u64())
            let id = try input.u32()
            guard id > 0, Int(id) < regionPaths.count else { throw ImageError.corrupt("region node \(id)") }
            regionNodeIDs[code] = id
        }
        let placeCount = try input.count(atMost: Int(Int32.max), "places")
        for index in 0..<placeCount {
            let place = Place(region: try input.u64(), agency: try input.u32())
            guard Int(place.agency) < names.count, self.place(place) == UInt32(index) else {
                throw ImageError.corrupt("place \(index)")
            }
        }

        // Parties are their texts in the arena, each interned again in order: a text already
        // interned would get its earlier id.
        let parties = try input.count(atMost: Int(Int32.max), "parties")
        for id in 0..<parties {
            let text = TextRef(bits: try input.u32())
            guard !text.isNone, texts.holds(text) else { throw ImageError.corrupt("party \(id) names no text") }
            guard party(text) == UInt32(id) else { throw ImageError.corrupt("party names repeat") }
        }

        let lists = try input.count(atMost: Int(Int32.max), "lists of other ids")
        for _ in 0..<lists {
            let count = try input.count(atMost: Int(Int32.max), "other ids")
            otherIDs.append(try input.words(count: count))
        }

        let cases = try input.count(atMost: Int(Int32.max) - 1, "cases")
        for _ in 0..<cases {
            let id = TextRef(bits: try input.u32())
            guard texts.holds(id) else { throw ImageError.corrupt("case id outside the texts") }
            caseIDs.append(id)
            caseStates.append(try readCaseState(from: input, parties: parties, lists: lists))
            caseChanged.append(false)
        }

        try Self.read(caseIndex.words, shards: "index shards", shard: "index shard", numbersBelow: cases, from: input)
        let others = try input.count(atMost: cases, "non-ASCII case ids")
        for _ in 0..<others {
            let number = try input.i32()
            guard number >= 0, Int(number) < cases else { throw ImageError.corrupt("index names case \(number)") }
            caseIndex.others[try input.string()] = number
        }

        try Self.read(eventIDs, shards: "event id shards", shard: "event id shard", numbersBelow: cases, from: input)

        let slots = try input.count(atMost: Int(Int32.max), "keys")
        for slot in 0..<slots {
            let live = try input.u8()
            let key = AggregateKey(window: try input.u32(), region: try input.u32(), agency: try input.u32())
            guard live <= 1, Int(key.region) < regionPaths.count, Int(key.agency) < agencyNames.count else {
                throw ImageError.corrupt("key of slot \(slot)")
            }
            slotKeys.append(key)
            aggregates.append(try Self.readAggregate(from: input))
            slotSequence.append(0)
            slotDirty.append(false)
            if live == 1 {
                guard slotID(of: key) == nil else { throw ImageError.corrupt("key of slot \(slot) repeats") }
                slotIDs.insert(number: Int32(slot), hash: key.tableHash)
                // Counted as published by `markAllPublished()`, as a restore from records is.
                touch(Int32(slot))
            } else {
                freeSlots.append(Int32(slot))
            }
        }
        guard try input.u32() == Self.imageEnd else { throw ImageError.corrupt("no end mark") }
        return cases
    }

    // MARK: Values

    private static func write(_ placement: Placement, to out: ImageEncoder) throws {
        try out.i64(placement.at)
        try out.u32(placement.id.bits)
        try out.u32(placement.day)
        try out.u32(placement.place)
    }

    private func readPlacement(from input: ImageDecoder) throws -> Placement {
        var placement = Placement()
        placement.at = try input.i64()
        placement.id = TextRef(bits: try input.u32())
        placement.day = try input.u32()
        placement.place = try input.u32()
        // An event the case never had is all zeros but for its id: place 0 even with no place yet.
        guard placement.id.isNone || texts.holds(placement.id), Int(placement.place) < max(places.count, 1) else {
            throw ImageError.corrupt("a case's event outside the texts or places")
        }
        return placement
    }

    private static func write(_ state: CaseState, to out: ImageEncoder) throws {
        try write(state.filing, to: out)
        try write(state.ruling, to: out)
        try write(state.closing, to: out)
        try out.i64(state.fineFen)
        try out.i64(state.waivedFen)
        try out.u32(state.filingParty.bits)
        try out.u32(state.rulingParty.bits)
        try out.u32(state.otherIDs)
        try out.u32(state.beneficiary)
        try out.u8(state.flags.rawValue)
        try out.u8(state.decision.rawValue)
        try out.u8(state.reason?.rawValue ?? 255)
    }

    private func readCaseState(from input: ImageDecoder, parties: Int, lists: Int) throws -> CaseState {
        var state = CaseState()
        state.filing = try readPlacement(from: input)
        state.ruling = try readPlacement(from: input)
        state.closing = try readPlacement(from: input)
        state.fineFen = try input.i64()
        state.waivedFen = try input.i64()
        state.filingParty = TextRef(bits: try input.u32())
        state.rulingParty = TextRef(bits: try input.u32())
        state.otherIDs = try input.u32()
        state.beneficiary = try input.u32()
        state.flags = CaseState.Flags(rawValue: try input.u8())
        let decision = try input.u8()
        let reason = try input.u8()
        guard let kind = Decision(rawValue: decision), reason == 255 || Reason(rawValue: reason) != nil,
            state.filingParty.isNone || texts.holds(state.filingParty),
            state.rulingParty.isNone || texts.holds(state.rulingParty),
            Int(state.otherIDs) <= lists,
            state.beneficiary == CaseState.noParty || Int(state.beneficiary) < parties,
            !state.flags.contains(.filed) || Int(state.filing.place) < places.count,
            !state.flags.contains(.ruled) || Int(state.ruling.place) < places.count,
            !state.flags.contains(.closed) || Int(state.closing.place) < places.count
        else { throw ImageError.corrupt("a case's state") }
        state.decision = kind
        state.reason = Reason(rawValue: reason)
        return state
    }

    private static func write(_ aggregate: Aggregate, to out: ImageEncoder) throws {
        try out.i128(aggregate.fineFen)
        try out.i128(aggregate.waivedFen)
        try out.i32(aggregate.filedCount)
        try out.i32(aggregate.filedOnlineCount)
        try out.i32(aggregate.decidedCount)
        try out.i32(aggregate.closedCount)
        let decisions = aggregate.decisionCounts
        for count in [decisions.0, decisions.1, decisions.2, decisions.3, decisions.4] { try out.i32(count) }
        let reasons = aggregate.reasonCounts
        for count in [reasons.0, reasons.1, reasons.2] { try out.i32(count) }
        try write(aggregate.parties, to: out)
    }

    private static func readAggregate(from input: ImageDecoder) throws -> Aggregate {
        var aggregate = Aggregate()
        aggregate.fineFen = try input.i128()
        aggregate.waivedFen = try input.i128()
        aggregate.filedCount = try input.i32()
        aggregate.filedOnlineCount = try input.i32()
        aggregate.decidedCount = try input.i32()
        aggregate.closedCount = try input.i32()
        aggregate.decisionCounts = (try input.i32(), try input.i32(), try input.i32(), try input.i32(), try input.i32())
        aggregate.reasonCounts = (try input.i32(), try input.i32(), try input.i32())
        aggregate.parties = try readParties(from: input)
        return aggregate
    }

    /// Writes a beneficiary table as it is held: its size, how many parties it counts, the table's
    /// words, then the repeated parties with their counts.
    private static func write(_ parties: PartyCounts, to out: ImageEncoder) throws {
        let image = parties.image
        try writeTable(image.table, count: image.count, to: out)
        let repeats = image.repeats
        try out.u64(UInt64(repeats.count))
        for (party, count) in repeats {
            try out.u32(party)
            try out.u32(count)
        }
    }

    /// Reads a table ``write(_:to:)`` wrote, checked as ``readTable(from:_:of:atMost:valid:)``
    /// checks, and every repeated party in the table, marked so, with a count of at least 2.
    private static func readParties(from input: ImageDecoder) throws -> PartyCounts {
        let (table, count) = try readTable(from: input, "beneficiary table", of: UInt32.self, atMost: 1 << 31) { word in
            word >> 1 != 0 && word >> 1 <= PartyCounts.partyLimit
        }
        var parties = PartyCounts(imageTable: table, count: count)
        let repeated = table.reduce(0) { $0 + Int($1 & 1) }
        let repeats = try input.count(atMost: repeated, "repeated beneficiaries")
        guard repeats == repeated else { throw ImageError.corrupt("\(repeated) repeated beneficiaries, \(repeats) counts") }
        var counts: [UInt32: UInt32] = [:]
        for _ in 0..<repeats {
            let party = try input.u32()
            let references = try input.u32()
            guard references >= 2, party < PartyCounts.partyLimit, parties.isRepeated(party), counts[party] == nil else {
                throw ImageError.corrupt("repeated beneficiary \(party) counted \(references) times")
            }
            counts[party] = references
        }
        parties.setRepeats(counts)
        return parties
    }

    /// Writes a ``WordTable`` as it is held: its shards, then its overflow.
    static func write(_ table: WordTable, to out: ImageEncoder) throws {
        try table.writeShards(to: out)
        try out.u64(UInt64(table.overflow.shards.count))
        for shard in table.overflow.shards.indices {
            try writeTable(table.overflow.shards[shard], count: table.overflow.shardCounts[shard], to: out)
        }
    }

    /// Reads into the empty `table` what ``write(_:to:)`` wrote, every word naming a number below
    /// `numbers` (an overflow word holds the number + 1 in its low 32 bits).
    static func read(
        _ table: WordTable, shards name: StaticString, shard what: String, numbersBelow numbers: Int, from input: ImageDecoder
    ) throws {
        try table.readShards(from: input, what, numbersBelow: numbers)
        let overflow = table.overflow
        let shards = try input.count(atMost: 1 << WideWordTable.shardBits, name)
        guard shards == overflow.shards.count else { throw ImageError.corrupt("\(shards) \(name)") }
        for shard in 0..<shards {
            let (words, count) = try readTable(from: input, what, of: UInt64.self) {
                $0 & 0xFFFF_FFFF != 0 && $0 & 0xFFFF_FFFF <= UInt64(numbers)
            }
            overflow.shards[shard] = words
            overflow.shardCounts[shard] = count
        }
        table.overflowUsed = overflow.count > 0
    }

    /// Writes an open-addressing table of words (a ``WideWordTable``'s shards, a
    /// ``PartyCounts``'s table) as it is held: its size, how many words are used, the words.
    private static func writeTable<Word: FixedWidthInteger>(_ words: ContiguousArray<Word>, count: Int, to out: ImageEncoder) throws {
        try out.u64(UInt64(words.count))
        try out.u64(UInt64(count))
        try out.words(words)
    }

    /// Reads a table ``writeTable(_:count:to:)`` wrote, checked before any probe meets it: its
    /// size a power of two, at most three quarters used, exactly `count` words not 0 (a table with
    /// no empty word would never end a probe), each of them `valid`.
    private static func readTable<Word: FixedWidthInteger>(
        from input: ImageDecoder, _ what: String, of _: Word.Type, atMost limit: Int = 1 << 32,
        valid: (Word) -> Bool
    ) throws -> (words: ContiguousArray<Word>, count: Int) {
        let capacity = try input.count(atMost: limit, "table words")
        let count = try input.count(atMost: capacity, "table entries")
        guard capacity & (capacity - 1) == 0, count * 4 <= capacity * 3 else {
            throw ImageError.corrupt("\(what) of \(count) in \(capacity)")
        }
        let words = try input.words(count: capacity, of: Word.self)
        var used = 0
        for word in words where word != 0 {
            guard valid(word) else { throw ImageError.corrupt("\(what) holds \(word)") }
            used += 1
        }
        guard used == count else { throw ImageError.corrupt("\(what) counts \(count), holds \(used)") }
        return (words, count)
    }
}
