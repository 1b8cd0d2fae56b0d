import CPrefetch

extension Engine {
    /// How many events ahead of the one applied ``applyReportingGaps(_:_:)`` asks for the
    /// directory entries of its case and id; it asks for the words they name half as far ahead,
    /// the case's state and id a quarter as far, and the case's texts an eighth.
    static let lookahead = 16

    /// What the look-ahead learnt of an event, kept for its later stages.
    private struct Ahead {
        var idHash: UInt64 = 0
        var caseHash: UInt64 = 0
        var ascii = false
        var number: Int32 = -1
    }

    /// Applies the events of `batch` in order, as ``applyReportingGap(_:)-(CaseEventView)`` would
    /// one by one, calling `each` with each one's outcome and gap; meanwhile asks the CPU for the
    /// lines the look-ups of later events will read.
    ///
    /// At a million cases the case index, the case states and the event ids are tens of megabytes
    /// read at random: each event's look-ups miss the cache one after another, as each names the
    /// next (a directory entry, the words it names, the case they name, the case's id to compare).
    /// Asked for in stages ahead of the event applied, those misses overlap the work of the events
    /// between.
    public func applyReportingGaps(_ batch: CaseEventBatch, _ each: (ApplyOutcome, ClosedRange<UInt64>?) -> Void) {
        let far = Self.lookahead
        batch.withEvents { count, event in
            withUnsafeTemporaryAllocation(of: Ahead.self, capacity: far) { ring in
                // Each stage reaches `index + distance` when the event at `index` is applied; the
                // first events of the batch go through every stage before the loop.
                func stage(_ position: Int, _ distance: Int) {
                    guard position < count else { return }
                    let slot = position & (far - 1)
                    switch distance {
                    case far: ring.initializeElement(at: slot, to: learn(event(position)))
                    case far / 2: prefetchWords(ring[slot])
                    case far / 4: ring[slot].number = prefetchCase(ring[slot])
                    default: prefetchCaseTexts(ring[slot])
                    }
                }
                let distances = [far, far / 2, far / 4, far / 8]
                for position in 0..<far {
                    for distance in distances where position >= far - distance { stage(position - (far - distance), distance) }
                }
                for index in 0..<count {
                    for distance in distances { stage(index + distance, distance) }
                    let (outcome, gap) = applyReportingGap(event(index))
                    each(outcome, gap)
                }
            }
        }
    }

    /// Hashes `event`'s id and case id and asks for the directory entries their look-ups start at.
    @inline(__always)
    private func learn(_ event: CaseEventView) -> Ahead {
        var ahead = Ahead()
        ahead.idHash = StableHash.of(bytes: event.id)
        eventIDs.prefetchEntry(hash: ahead.idHash)
        ahead.ascii = TextIndex.isASCII(event.caseID)
        guard ahead.ascii else { return ahead }
        ahead.caseHash = StableHash.of(bytes: event.caseID)
        caseIndex.words.prefetchEntry(hash: ahead.caseHash)
        return ahead
    }

    /// Asks for the words the look-ups of the case and id start at.
    @inline(__always)
    private func prefetchWords(_ ahead: Ahead) {
        eventIDs.prefetch(hash: ahead.idHash)
        if ahead.ascii { caseIndex.words.prefetch(hash: ahead.caseHash) }
    }

    /// Asks for the state and id reference of the case the case index most likely names; returns
    /// its number (-1: none).
    @inline(__always)
    private func prefetchCase(_ ahead: Ahead) -> Int32 {
        guard ahead.ascii, let number = caseIndex.words.likelyNumber(hash: ahead.caseHash) else { return -1 }
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

extension Engine {
    /// Restores the records of `batch` in order, as ``restore(_:)`` would one by one, calling
    /// `each` after each; meanwhile asks the CPU for the lines of the case index and the event ids
    /// that the records ``lookahead`` and half as far ahead will insert into (their directory
    /// entries, then the words they name): at a restart every record is a new case whose look-up
    /// and inserts miss the cache.
    public func restore(_ batch: CaseRecordBatch, each: () -> Void) {
        let far = Self.lookahead
        batch.withRecords { count, record in
            withUnsafeTemporaryAllocation(of: Ahead.self, capacity: far) { ring in
                func entries(_ position: Int) {
                    guard position < count else { return }
                    let view = record(position)
                    var ahead = Ahead()
                    ahead.ascii = TextIndex.isASCII(view.caseID)
                    if ahead.ascii {
                        ahead.caseHash = StableHash.of(bytes: view.caseID)
                        caseIndex.words.prefetchEntry(hash: ahead.caseHash)
                    }
                    view.forEachSeenHash { eventIDs.prefetchEntry(hash: $0) }
                    ring.initializeElement(at: position & (far - 1), to: ahead)
                }
                func words(_ position: Int) {
                    guard position < count else { return }
                    let ahead = ring[position & (far - 1)]
                    if ahead.ascii { caseIndex.words.prefetch(hash: ahead.caseHash) }
                    record(position).forEachSeenHash { eventIDs.prefetch(hash: $0) }
                }
                for position in 0..<far {
                    entries(position)
                    if position >= far / 2 { words(position - far / 2) }
                }
                for index in 0..<count {
                    entries(index + far)
                    words(index + far / 2)
                    restore(record(index))
                    each()
                }
            }
        }
    }
}
