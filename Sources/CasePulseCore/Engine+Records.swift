/// Export and restore, for the state store: case records, changed keys, counters.
extension Engine {
    /// The record of one case, or `nil` when the engine has never seen it.
    public func record(ofCase caseID: String) -> CaseRecord? {
        guard let index = existingCase(TextIndex.key(caseID)) else { return nil }
        return record(ofCaseAt: Int(index))
    }

    /// The record of the case interned at `index`.
    func record(ofCaseAt index: Int) -> CaseRecord {
        let state = caseStates[index]
        return ChangedCases.record(
            caseID: texts.string(caseIDs[index]), state: state, seen: seenHashes(of: state),
            text: texts.string, places: places, agencyNames: agencyNames)
    }

    /// Restores a case from its record, adding its contributions to the figures. The case must be
    /// new to the engine (restore into an empty engine, before any event); a second record of the
    /// same case is ignored rather than counted twice.
    public func restore(_ record: CaseRecord) {
        record.withView { restore($0) }
    }

    /// Restores a case from a view of its record, as restoring its ``CaseRecord`` does: the engine
    /// copies what it keeps. A store restores every case this way at a restart, with no
    /// allocation per case.
    ///
    /// The state is built as folding the record's filing, decision and closing in that order would
    /// build it, and each contribution is counted once, without looking the case up again for
    /// each event. Only the ids of the events that count are hashed, to tell them from the other
    /// ids the record lists.
    public func restore(_ record: CaseRecordView) {
        restore(record, caseHash: Self.asciiHash(ofCaseID: record.caseID))
    }

    /// ``restore(_:)-(CaseRecordView)`` with the case id's ``asciiHash(ofCaseID:)`` already made,
    /// as a look-ahead makes it.
    func restore(_ record: CaseRecordView, caseHash: UInt64?) {
        guard let index = internNewCase(record.caseID, asciiHash: caseHash) else { return }
        markChanged(index)
        var state = CaseState()
        // The ids of the events that count are theirs; every other id seen is remembered apart.
        func counting(_ event: CaseEventView?, _ set: (CaseEventView, inout CaseState) -> Void) -> UInt64? {
            guard let event else { return nil }
            set(event, &state)
            return StableHash.of(bytes: event.id)
        }
        var counted: (UInt64?, UInt64?, UInt64?) = (nil, nil, nil)
        if record.voided {
            state.flags = [.voided]
        } else {
            counted = (counting(record.filing, setFiling), counting(record.decision, setRuling), counting(record.closing, setClosing))
            countRestored(&state)
        }
        record.forEachSeenHash { hash in
            if hash != counted.0 && hash != counted.1 && hash != counted.2 { remember(hash, in: &state) }
            // Every id of the case, that an event naming it in another case be a duplicate too.
            eventIDs.insert(number: Int32(index), hash: hash)
        }
        caseStates[index] = state
    }

    /// Days since the epoch of the oldest day window kept under the retention (`nil`: all).
    public var retentionFloor: Int64? { oldestKeptDay }

    /// Sets the retention floor as it was when the state was written (restore before the records).
    public func restoreRetentionFloor(_ day: Int64?) {
        settleFigures()
        oldestKeptDay = day
        forgetSlotLists(keepingCapacity: false)
    }

    /// Restores the counters behind `/sys/ingest` and `/sys/producers/…`.
    public func restoreCounters(ingest: IngestStatistics, producers: [String: ProducerSequence]) {
        self.ingest = ingest
        self.producers = producers
    }

    /// After a restore: treats every existing key as published at the current sequence number, so
    /// a restart does not send every key again, and forgets what changed.
    public func markAllPublished() {
        settleFigures()
        for slot in dirtySlots {
            let i = Int(slot)
            slotDirty[i] = false
            let exists = !aggregates[i].isEmpty
            if exists != (slotSequence[i] != 0) { publishedKeys += exists ? 1 : -1 }
            slotSequence[i] = exists ? sequence : 0
        }
        dirtySlots.removeAll()
        ingestDirty = false
        ingestSequence = sequence
        for producer in producers.keys { producerSequence[producer] = sequence }
        dirtyProducers.removeAll()
        for index in changedCases { caseChanged[Int(index)] = false }
        changedCases.removeAll()
        countersChanged = false
    }

    /// Moves the sequence numbers on: the next change is published above `floor` (used to keep
    /// CHP sequence numbers rising across restarts).
    public func raiseSequence(to floor: UInt64) {
        if sequence < floor { sequence = floor }
    }

    /// At most how many sequence numbers the next ``publishChanges(_:)`` will use. Settles deferred
    /// figures first (``settleFigures()``): until then, which keys they change is not known.
    public var pendingChangeCount: Int {
        settleFigures()
        return dirtySlots.count + (ingestDirty ? 1 : 0) + dirtyProducers.count
    }

    /// The records of the cases changed since the last call, in case-id order.
    public func takeChangedRecords() -> [CaseRecord] {
        var records: [CaseRecord] = []
        takeChangedRecords(orderedBy: { $0 }) { _, record in records.append(record) }
        return records
    }

    /// Calls `body` with the record of each case changed since the last call, in the order of
    /// `sortKey` of the case ids, and with that key. Records are built one at a time, and only the
    /// keys and case numbers are sorted, so a checkpoint of many cases holds no array of records.
    public func takeChangedRecords(
        orderedBy sortKey: (String) -> String, _ body: (_ key: String, _ record: CaseRecord) throws -> Void
    ) rethrows {
        try takeChangedCases().forEachRecord(orderedBy: sortKey, body)
    }

    /// Copies out the cases changed since the last call (or ``takeChangedRecords()``) and forgets
    /// that they changed: what a checkpoint writes, taken in one step so that it can be written on
    /// another thread while the engine goes on.
    public func takeChangedCases() -> ChangedCases {
        var cases = ChangedCases()
        _ = takeChangedCases(into: &cases, limit: .max)
        return cases
    }

    /// Copies up to `limit` of the cases changed since they were last taken into `cases`, and
    /// forgets that they changed; returns whether none is left. Taken in slices between events,
    /// the set is complete at the moment this returns `true`: a case that changed after its copy
    /// was marked again and copied again.
    public func takeChangedCases(into cases: inout ChangedCases, limit: Int) -> Bool {
        let count = min(limit, changedCases.count)
        var slice = ChangedCases.Slice()
        slice.caseIDs.reserveCapacity(count)
        slice.states.reserveCapacity(count)
        for index in changedCases.suffix(count) {
            let i = Int(index)
            slice.append(caseID: caseIDs[i], state: caseStates[i], from: self)
            caseChanged[i] = false
        }
        cases.slices.append(slice)
        changedCases.removeLast(count)
        cases.agencyNames = agencyNames
        cases.places = places
        return changedCases.isEmpty
    }

    /// Whether the counters changed since the last call.
    public func takeCountersChanged() -> Bool {
        defer { countersChanged = false }
        return countersChanged
    }
}
