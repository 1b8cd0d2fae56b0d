import CPrefetch

extension Engine {
    /// How many events ahead of the one applied ``applyReportingGaps(_:_:)`` asks for the
    /// directory entries of its case and id; it asks for the words they name half as far ahead,
    /// the case's state and id a quarter as far, and the case's texts an eighth.
    static let lookahead = 16

    /// What the look-ahead learnt of an event or record, kept for its later stages.
    private struct Ahead {
        var idHash: UInt64 = 0
        /// The case id's ``asciiHash(ofCaseID:)``.
        var caseHash: UInt64?
        var number: Int32 = -1
    }

    /// The ring slot of item `position` of a batch of `count` items, `nil` past either end: the
    /// look-ahead loops run from `-lookahead`, so that a batch's first items pass every stage too.
    @inline(__always)
    private static func slot(_ position: Int, below count: Int) -> Int? {
        (0..<count).contains(position) ? position & (lookahead - 1) : nil
    }

    /// Applies the events of `batch` in order, as ``applyReportingGap(_:)-(CaseEventView)`` would
    /// one by one, calling `each` with each one's position in the batch, outcome and gap;
    /// meanwhile asks the CPU for the lines the look-ups of later events will read.
    ///
    /// At a million cases the case index, the case states and the event ids are tens of megabytes
    /// read at random: each event's look-ups miss the cache one after another, as each names the
    /// next (a directory entry, the words it names, the case they name, the case's id to compare).
    /// Asked for in stages ahead of the event applied, those misses overlap the work of the events
    /// between.
    public func applyReportingGaps(_ batch: CaseEventBatch, _ each: (Int, ApplyOutcome, ClosedRange<UInt64>?) -> Void) {
        let far = Self.lookahead
        batch.withEvents { count, event in
            withUnsafeTemporaryAllocation(of: Ahead.self, capacity: far) { ring in
                for index in -far..<count {
                    // What was learnt of this event, taken before the first stage below reuses its slot.
                    let ahead = Self.slot(index, below: count).map { ring[$0] }
                    if let slot = Self.slot(index + far, below: count) { ring.initializeElement(at: slot, to: learn(event(index + far))) }
                    if let slot = Self.slot(index + far / 2, below: count) { prefetchWords(ring[slot]) }
                    if let slot = Self.slot(index + far / 4, below: count) { ring[slot].number = prefetchCase(ring[slot]) }
                    if let slot = Self.slot(index + far / 8, below: count) { prefetchCaseTexts(ring[slot]) }
                    guard let ahead else { continue }
                    let (outcome, gap) = applyReportingGap(event(index), idHash: ahead.idHash, caseHash: ahead.caseHash)
                    each(index, outcome, gap)
                }
            }
        }
    }

    /// Restores the records of `batch` in order, as ``restore(_:)`` would one by one, calling
    /// `each` after each; meanwhile asks the CPU for the lines of the case index and the event ids
    /// that the records ``lookahead`` and half as far ahead will insert into (their directory
    /// entries, then the words they name): at a restart every record is a new case whose look-up
    /// and inserts miss the cache.
    public func restore(_ batch: CaseRecordBatch, each: () -> Void) {
        let far = Self.lookahead
        batch.withRecords { count, record in
            withUnsafeTemporaryAllocation(of: Ahead.self, capacity: far) { ring in
                for index in -far..<count {
                    let ahead = Self.slot(index, below: count).map { ring[$0] }
                    if let slot = Self.slot(index + far, below: count) { ring.initializeElement(at: slot, to: learn(record(index + far))) }
                    if let slot = Self.slot(index + far / 2, below: count) { prefetchWords(ring[slot], of: record(index + far / 2)) }
                    guard let ahead else { continue }
                    restore(record(index), caseHash: ahead.caseHash)
                    each()
                }
            }
        }
    }

    /// Hashes `event`'s id and case id and asks for the directory entries their look-ups start at.
    @inline(__always)
    private func learn(_ event: CaseEventView) -> Ahead {
        var ahead = learn(caseID: event.caseID)
        ahead.idHash = StableHash.of(bytes: event.id)
        eventIDs.prefetchEntry(hash: ahead.idHash)
        return ahead
    }

    /// Hashes `record`'s case id and asks for the directory entries of it and of every id hash.
    @inline(__always)
    private func learn(_ record: CaseRecordView) -> Ahead {
        record.forEachSeenHash { eventIDs.prefetchEntry(hash: $0) }
        return learn(caseID: record.caseID)
    }

    /// Hashes an ASCII case id (others are not indexed by hash) and asks for its directory entry.
    @inline(__always)
    private func learn(caseID: UnsafeRawBufferPointer) -> Ahead {
        var ahead = Ahead()
        ahead.caseHash = Self.asciiHash(ofCaseID: caseID)
        if let hash = ahead.caseHash { caseIndex.words.prefetchEntry(hash: hash) }
        return ahead
    }

    /// Asks for the words the look-ups of the case and id start at.
    @inline(__always)
    private func prefetchWords(_ ahead: Ahead) {
        eventIDs.prefetch(hash: ahead.idHash)
        if let hash = ahead.caseHash { caseIndex.words.prefetch(hash: hash) }
    }

    /// Asks for the words the look-up of the case and the inserts of `record`'s id hashes start at.
    @inline(__always)
    private func prefetchWords(_ ahead: Ahead, of record: CaseRecordView) {
        if let hash = ahead.caseHash { caseIndex.words.prefetch(hash: hash) }
        record.forEachSeenHash { eventIDs.prefetch(hash: $0) }
    }

    /// Asks for the state and id reference of the case the case index most likely names; returns
    /// its number (-1: none).
    @inline(__always)
    private func prefetchCase(_ ahead: Ahead) -> Int32 {
        guard let hash = ahead.caseHash, let number = caseIndex.words.likelyNumber(hash: hash) else { return -1 }
        caseStates.prefetch(Int(number))
        caseIDs.prefetch(Int(number))
        return number
    }

    /// Asks for the texts the case's look-up and the duplicate check compare: the case's id and
    /// its filing's.
    @inline(__always)
    private func prefetchCaseTexts(_ ahead: Ahead) {
        let number = Int(ahead.number)
        guard number >= 0, number < caseIDs.count else { return }
        texts.prefetch(caseIDs[number])
        let state = caseStates[number]
        if state.flags.contains(.filed) { texts.prefetch(state.filing.id) }
    }
}
