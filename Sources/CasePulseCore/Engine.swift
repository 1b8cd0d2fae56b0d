/// The aggregation engine: folds accepted case events into the figures of every key, exactly.
///
/// The engine is pure — no clocks, no I/O — and single-writer: one owner calls it from one thread.
/// Its result is a function of the *set* of events applied: each case keeps the three events that
/// count (filing, decision, closing), and an event that changes one of them first takes that event's
/// old contribution back and then adds the new one. An event whose id was seen before, in its own
/// case or any other, is a duplicate: each case keeps its own record of event ids, and one table
/// (``eventIDs``) names the case each id was seen in.
///
/// Keys are interned as (window, region node, agency) triples; the text form
/// `/m/{window}/{region path}@{agency}` is rendered only when published or snapshotted.
///
/// Stored properties are `@exclusivity(unchecked)`: with one owner on one thread no two accesses
/// overlap, and the run-time check (a call and a thread-local look-up per access) cost about a
/// tenth of each event's instructions.
public final class Engine {
    /// The configuration the engine was created with.
    public let configuration: EngineConfiguration
    let calendar: ZoneCalendar

    /// Cases are interned: one hash look-up per event finds the case's index into the arrays below.
    /// Every table that grows with the cases or keys is segmented or sharded, so that no growth
    /// stops the writer for longer than a small, fixed amount of work.
    let caseIndex = TextIndex()
    let caseIDs = SegmentedArray<TextRef>()
    let caseStates = SegmentedArray<CaseState>()
    let caseChanged = SegmentedArray<Bool>()
    /// Case ids, event ids and parties, as bytes.
    let texts: TextArena
    /// The id hashes of the events of a case that do not count (``CaseState/otherIDs``): one list
    /// for each case that has any.
    let otherIDs = SegmentedArray<ContiguousArray<UInt64>>()
    /// Every event id seen, by its ``StableHash``, to the number of its case: how an id seen in
    /// another case is told. The ids are the cases' own (texts of the events that count, hashes of
    /// the others), so a word holds only some bits of the hash and the number (4 bytes).
    let eventIDs = WordTable()
    @exclusivity(unchecked) var agencyIDs: [String: UInt32] = ["all": 0]
    @exclusivity(unchecked) var agencyNames: [String] = ["all"]
    /// The bytes and id of the agency last interned or looked up (see ``agency(_:)``).
    @exclusivity(unchecked) var lastAgency: [UInt8] = Array("all".utf8)
    @exclusivity(unchecked) var lastAgencyID: UInt32 = 0
    /// The (region, agency) places events were placed at, numbered in order of first sight.
    let placeIDs = ShardedDictionary<Place, UInt32>()
    @exclusivity(unchecked) var places: [Place] = []
    /// The place of the last placement made, and its number (see ``place(_:)``).
    @exclusivity(unchecked) var lastPlace: Place?
    @exclusivity(unchecked) var lastPlaceID: UInt32 = 0
    /// Beneficiary parties by their texts, numbered in order of first sight; `partyTexts[id]` is
    /// where the text of party `id` is (a case's own subject, or its indexed form).
    let partyIndex = TextIndex()
    let partyTexts = SegmentedArray<TextRef>()
    @exclusivity(unchecked) var regionChains: [RegionCode: [UInt32]] = [:]
    @exclusivity(unchecked) var regionNodeIDs: [RegionCode: UInt32] = [:]
    @exclusivity(unchecked) var regionPaths: [String] = [""]

    /// The slot of each live key, by the key's hash: the keys themselves are in ``slotKeys``
    /// (``slotID(of:)``).
    let slotIDs = WordTable()
    let slotKeys = SegmentedArray<AggregateKey>()
    let aggregates = SegmentedArray<Aggregate>()
    let slotSequence = SegmentedArray<UInt64>()
    let slotDirty = SegmentedArray<Bool>()
    /// Slots whose key exists as last published (`slotSequence != 0`).
    @exclusivity(unchecked) var publishedKeys = 0
    @exclusivity(unchecked) var dirtySlots: ContiguousArray<Int32> = []
    /// Reused buffer of the publish path (key names).
    @exclusivity(unchecked) var keyScratch = JSONBytes(capacity: 128)
    @exclusivity(unchecked) var freeSlots: [Int32] = []
    @exclusivity(unchecked) var retiredSlots: [Int32] = []
    /// Slots of the all, year and month windows of a (month, region, agency): shared by every day
    /// of the month, so a new day of a known place looks up only its ten day-window keys.
    let coarseSlots = ShardedDictionary<PlacementKey, SlotRun>()
    /// The slots of recently looked-up keys, in front of ``slotIDs``; emptied with the slot lists
    /// (``forgetSlotLists(keepingCapacity:)``), before any key is removed.
    @exclusivity(unchecked) var recentSlots = RecentSlots()
    /// Slots of the day window of recently placed (day, region, agency) triples, in a table of a
    /// fixed size; emptied with the slot lists.
    @exclusivity(unchecked) var daySlots = DaySlotCache()
    /// The slot lists ``coarseSlots`` names, one after another: one array for all of them, where
    /// an array each cost an object (some 50 bytes beyond its slots) per (month, region, agency),
    /// and a retain and a release per look-up.
    let slotLists = SegmentedArray<Int32>()
    /// Days since the epoch of the oldest day window kept; `nil` keeps every day.
    @exclusivity(unchecked) var oldestKeptDay: Int64?
    /// The contributions held back while the figures are deferred (``deferFigures()``), empty
    /// otherwise: one of ``deferredTables``, the other holding what a live settling's additions
    /// still read (``additionsInFlight``).
    var deferred: DeferredFigures {
        @inline(__always) get { deferredInSecond ? deferredTables.1 : deferredTables.0 }
    }
    /// Two tables of held-back contributions, used in turn. Both always there, so that the apply
    /// path reads the one in use without a retain and a release.
    let deferredTables = (DeferredFigures(), DeferredFigures())
    /// Whether ``deferred`` is the second of ``deferredTables``.
    @exclusivity(unchecked) var deferredInSecond = false
    /// Where live settlings make their additions (``settleFiguresIfFull(entries:)``); `nil`
    /// makes them on the owner's thread before the settling returns.
    @exclusivity(unchecked) public var settleAdder: (any SettleAdding)?
    /// The last live settling whose additions were handed to ``settleAdder`` and may not all be
    /// made: where, the table they read, and its batches, whose beneficiaries are left to this
    /// thread. Finished (``finishAdditions()``) before anything reads or changes a figure,
    /// settles, or directly applies.
    @exclusivity(unchecked) var additionsInFlight: InFlightAdditions?
    /// Whether contributions go to ``deferred`` rather than to the keys.
    @exclusivity(unchecked) var defers = false

    /// Indices of the cases changed since the last ``takeChangedRecords()``, for checkpoints.
    @exclusivity(unchecked) var changedCases: ContiguousArray<Int32> = []
    /// Whether the producers or counters changed since the last checkpoint.
    @exclusivity(unchecked) var countersChanged = false

    /// Ingest counters (`/sys/ingest`).
    @exclusivity(unchecked) public internal(set) var ingest = IngestStatistics()
    /// Loss detection per producer (`/sys/producers/{producer}`).
    public internal(set) var producers: [String: ProducerSequence] {
        get {
            var all = producerRecords
            if let last = lastProducer { all[last] = lastProducerRecord }
            return all
        }
        set {
            producerRecords = newValue
            lastProducer = nil
        }
    }
    /// The records of ``producers``, but for the last producer's, which is ``lastProducerRecord``.
    @exclusivity(unchecked) var producerRecords: [String: ProducerSequence] = [:]
    @exclusivity(unchecked) var ingestDirty = false
    @exclusivity(unchecked) var ingestSequence: UInt64 = 0
    @exclusivity(unchecked) var dirtyProducers: Set<String> = []
    /// The producer of the last event applied (`nil` before the first): a run of events from one
    /// producer makes its name once, hashes it for no look-up, and marks it dirty once per publish.
    @exclusivity(unchecked) var lastProducer: String?
    /// The record of ``lastProducer``, kept out of ``producerRecords`` until another producer's
    /// event comes.
    @exclusivity(unchecked) var lastProducerRecord = ProducerSequence()
    @exclusivity(unchecked) var producerSequence: [String: UInt64] = [:]

    /// The last CHP sequence number handed out by ``publishChanges(_:)``.
    @exclusivity(unchecked) public internal(set) var sequence: UInt64

    /// Creates an empty engine whose sequence numbers continue after `sequence`, its store of case
    /// texts as large as ``EngineConfiguration/textStoreChunks`` says (clamped to 1 chunk and
    /// ``EngineConfiguration/maximumTextStoreChunks``).
    public convenience init(configuration: EngineConfiguration, sequence: UInt64 = 0) {
        let chunks = min(max(configuration.textStoreChunks, 1), TextArena.maximumChunks)
        self.init(configuration: configuration, sequence: sequence, textChunks: chunks)
    }

    /// An engine whose text store holds at most `textChunks` chunks of 1 MiB (fewer than the
    /// 4 GiB of ``init(configuration:sequence:)`` only in tests).
    init(configuration: EngineConfiguration, sequence: UInt64 = 0, textChunks: Int) {
        self.texts = TextArena(chunkLimit: textChunks)
        self.configuration = configuration
        self.calendar = ZoneCalendar(timeZone: configuration.timeZone)
        self.sequence = sequence
    }

    deinit {
        // The batches of a settling in flight point into the aggregates' segments.
        additionsInFlight?.adder.waitUntilApplied()
    }

    /// Number of cases the engine holds state for.
    public var caseCount: Int { caseStates.count }

    /// Whether the engine's store of texts (4 GiB) can take what `event` may add to it — its case
    /// id, id and subject, and the subject's folded form — and still keep 1/64 of the store
    /// free. The daemon refuses an event that fails it, so the store never fills: a restart,
    /// which stores the same texts in another order, and the journal's replay always fit.
    public func hasRoom(forTextsOf event: CaseEventView) -> Bool {
        // Each text may start a chunk, leaving the last one's tail unused: at most its own size.
        texts.remainingBytes - 2 * Self.textBytes(of: event) >= texts.capacity / 64
    }

    /// Whether the store of texts has room, as ``hasRoom(forTextsOf:)`` says, for every event of
    /// `batch` applied one after another: room for all of them together. When it has, each
    /// event's own check would pass as it came to be applied (each takes at most twice what
    /// ``textBytes(of:)`` counts), so the batch may be applied whole
    /// (``applyReportingGaps(_:_:)``); when not, each event is to be checked on its own.
    public func hasRoom(forTextsOf batch: CaseEventBatch) -> Bool {
        var needed = 0
        batch.forEach { needed += Self.textBytes(of: $0) }
        return texts.remainingBytes - 2 * needed >= texts.capacity / 64
    }

    /// The bytes `event` may add to the store of texts: its case id, id and subject, and the
    /// subject's folded form, each with its length.
    private static func textBytes(of event: CaseEventView) -> Int {
        let subject = event.subject.map { TextRef.storedSize(ofLength: $0.count) } ?? 0
        return TextRef.storedSize(ofLength: event.caseID.count) + TextRef.storedSize(ofLength: event.id.count) + 2 * subject
    }

    /// Whether `event`'s id was seen already, in its case or another: a duplicate, which
    /// ``apply(_:)`` counts as such and which adds no text. A look-up only: a case not held is
    /// not interned.
    public func isRedelivery(_ event: CaseEventView) -> Bool {
        isDuplicate(event.id, hash: StableHash.of(bytes: event.id), ofCase: lookUpCase(event.caseID).number)
    }

    /// Number of keys that exist as of the last ``publishChanges(_:)`` — what subscribers and
    /// snapshots see. Kept as a count (the status line reads it every tick).
    public var keyCount: Int { publishedKeys }

    /// Whether anything changed since the last ``publishChanges(_:)``.
    public var hasChanges: Bool {
        !dirtySlots.isEmpty || ingestDirty || !dirtyProducers.isEmpty || !deferred.placements.isEmpty
    }

    // MARK: Ingest

    /// Applies an accepted event and counts it; returns whether it was new to its case.
    @discardableResult
    public func apply(_ event: CaseEvent) -> ApplyOutcome {
        applyReportingGap(event).outcome
    }

    /// Applies an accepted event and also reports the range of sequence numbers it skipped, when it
    /// opened a gap in its producer's numbering (for the daemon's warning).
    public func applyReportingGap(_ event: CaseEvent) -> (outcome: ApplyOutcome, gap: ClosedRange<UInt64>?) {
        event.withView { applyReportingGap($0) }
    }

    /// Applies an accepted event given as a view of borrowed bytes (as a decoder lends it): the
    /// engine copies what it keeps. Reports the outcome and the sequence gap, as for a
    /// ``CaseEvent``.
    public func applyReportingGap(_ event: CaseEventView) -> (outcome: ApplyOutcome, gap: ClosedRange<UInt64>?) {
        applyReportingGap(event, idHash: StableHash.of(bytes: event.id), caseHash: Self.asciiHash(ofCaseID: event.caseID))
    }

    /// ``applyReportingGap(_:)-(CaseEventView)`` with the hashes of the event's id and case id
    /// (``asciiHash(ofCaseID:)``) already made, as a look-ahead makes them.
    @inline(__always)
    func applyReportingGap(_ event: CaseEventView, idHash: UInt64, caseHash: UInt64?) -> (outcome: ApplyOutcome, gap: ClosedRange<UInt64>?) {
        selectProducer(event.producer)
        let gap = lastProducerRecord.record(seq: event.seq)
        let outcome = fold(event, idHash: idHash, caseHash: caseHash)
        switch outcome {
        case .accepted: ingest.accepted += 1
        case .duplicate: ingest.duplicates += 1
        }
        ingestDirty = true
        countersChanged = true
        return (outcome, gap)
    }

    /// Makes the producer whose name is `bytes` the last producer, with its record in
    /// ``lastProducerRecord``, and marks it changed for the next publish: a run of events from one
    /// producer makes its `String` and hashes it once, not once per event.
    @inline(__always)
    private func selectProducer(_ bytes: UnsafeRawBufferPointer) {
        if let last = lastProducer, last.withUTF8Bytes({ compareBytes($0, bytes) == 0 }) {
            if dirtyProducers.isEmpty { dirtyProducers.insert(last) }
            return
        }
        if let last = lastProducer { producerRecords[last] = lastProducerRecord }
        let name = String(decoding: bytes, as: UTF8.self)
        lastProducer = name
        lastProducerRecord = producerRecords[name] ?? ProducerSequence()
        dirtyProducers.insert(name)
    }

    /// The record of one producer, `nil` for a producer never seen.
    func record(ofProducer producer: String) -> ProducerSequence? {
        producer == lastProducer ? lastProducerRecord : producerRecords[producer]
    }

    /// Counts a refused message under `/sys/ingest`. No figure moves.
    public func recordRefusal(_ reason: RefusalReason) {
        ingest.rejectedByReason[reason, default: 0] += 1
        ingestDirty = true
        countersChanged = true
    }

    // MARK: Folding one event into its case

    /// The index of a case, interned on first sight.
    func caseNumber(_ caseID: String) -> Int {
        let key = TextIndex.key(caseID)
        if let index = existingCase(key) { return Int(index) }
        return internCase(key)
    }

    /// The index of the case whose id is `caseID`'s UTF-8 bytes, interned on first sight: an ASCII
    /// id (nearly all) is looked up and stored as the bytes it came in, any other as a `String`.
    func caseNumber(_ caseID: UnsafeRawBufferPointer) -> Int {
        let found = lookUpCase(caseID)
        return found.number.map { Int($0) } ?? intern(found)
    }

    /// A case looked up by the bytes of its id, which must stay valid until it is interned: its
    /// number when the engine holds it, and how it is indexed otherwise.
    struct CaseLookUp {
        /// The case's number, `nil` when the engine does not hold it.
        var number: Int32?
        /// The id's bytes.
        var bytes: UnsafeRawBufferPointer
        /// The ``StableHash`` of an ASCII id (indexed by its bytes), or the key of any other.
        var key: Key

        enum Key {
            case ascii(hash: UInt64)
            case text(TextIndex.Key)
        }
    }

    /// The ``StableHash`` a case id is indexed by when its bytes are ASCII (nearly all); `nil` for
    /// any other, which is indexed as a `String`.
    @inline(__always)
    static func asciiHash(ofCaseID caseID: UnsafeRawBufferPointer) -> UInt64? {
        TextIndex.isASCII(caseID) ? StableHash.of(bytes: caseID) : nil
    }

    /// Looks up the case whose id is `caseID`'s UTF-8 bytes, interning nothing.
    @inline(__always)
    func lookUpCase(_ caseID: UnsafeRawBufferPointer) -> CaseLookUp {
        lookUpCase(caseID, asciiHash: Self.asciiHash(ofCaseID: caseID))
    }

    /// ``lookUpCase(_:)`` with `caseID`'s ``asciiHash(ofCaseID:)`` already made.
    @inline(__always)
    func lookUpCase(_ caseID: UnsafeRawBufferPointer, asciiHash: UInt64?) -> CaseLookUp {
        guard let hash = asciiHash else {
            let key = TextIndex.key(String(decoding: caseID, as: UTF8.self))
            return CaseLookUp(number: existingCase(key), bytes: caseID, key: .text(key))
        }
        let number = caseIndex.find(ascii: caseID, hash: hash, id: { caseIDs[Int($0)] }, in: texts)
        return CaseLookUp(number: number, bytes: caseID, key: .ascii(hash: hash))
    }

    /// Interns the case `lookUp` did not find; returns its index.
    func intern(_ lookUp: CaseLookUp) -> Int {
        switch lookUp.key {
        case .ascii(let hash):
            let index = caseStates.count
            caseIndex.insert(number: Int32(index), hash: hash)
            appendCase(id: texts.append(lookUp.bytes))
            return index
        case .text(let key):
            return internCase(key)
        }
    }

    /// The index of the case whose id is `caseID`'s UTF-8 bytes, interned now; `nil` when the
    /// engine holds it already.
    /// `asciiHash`: `caseID`'s ``asciiHash(ofCaseID:)``.
    func internNewCase(_ caseID: UnsafeRawBufferPointer, asciiHash: UInt64?) -> Int? {
        let found = lookUpCase(caseID, asciiHash: asciiHash)
        return found.number == nil ? intern(found) : nil
    }

    /// Interns a case the engine does not hold yet, with an empty state; returns its index.
    func internCase(_ key: TextIndex.Key) -> Int {
        let index = caseStates.count
        caseIndex.insert(key, number: Int32(index))
        appendCase(id: texts.append(TextIndex.text(of: key)))
        return index
    }

    /// Appends an empty case whose id is the text at `id`, already indexed.
    @inline(__always)
    private func appendCase(id: TextRef) {
        caseIDs.append(id)
        caseStates.append(CaseState())
        caseChanged.append(false)
    }

    /// Lists the case at `index` for the next checkpoint, once.
    func markChanged(_ index: Int) {
        if !caseChanged[index] {
            caseChanged[index] = true
            changedCases.append(Int32(index))
        }
    }

    /// The number of the case indexed under `key`, if the engine holds it.
    func existingCase(_ key: TextIndex.Key) -> Int32? {
        caseIndex.find(key, id: { caseIDs[Int($0)] }, in: texts)
    }

    func fold(_ event: CaseEventView, idHash: UInt64, caseHash: UInt64?) -> ApplyOutcome {
        eventIDs.prefetchEntry(hash: idHash)
        let found = lookUpCase(event.caseID, asciiHash: caseHash)
        if isDuplicate(event.id, hash: idHash, ofCase: found.number) { return .duplicate }
        let index = found.number.map { Int($0) } ?? intern(found)
        eventIDs.insert(number: Int32(index), hash: idHash)
        var state = caseStates[index]
        defer { caseStates[index] = state }
        markChanged(index)
        if state.voided {
            remember(idHash, in: &state)
            return .accepted
        }

        switch event.type {
        case .voided:
            if state.flags.contains(.filed) { countFiling(state, -1) }
            if state.flags.contains(.ruled) { uncountRuling(&state) }
            if state.flags.contains(.closed) { countClosing(state.closing, -1) }
            // From now on none counts: their ids join the others.
            for hash in state.seenHashes(others: nil, hash: hash(ofID:)) { remember(hash, in: &state) }
            remember(idHash, in: &state)
            state.flags = [.voided]

        case .filed:
            if state.flags.contains(.filed), !precedes(event, state.filing) {
                remember(idHash, in: &state)
                break
            }
            // A favourable decision without a subject of its own benefits the filing's party.
            let inherits = state.flags.contains(.ruled) && state.decision.benefitsParty && state.rulingParty.isNone
            if inherits { uncountRuling(&state) }
            if state.flags.contains(.filed) {
                countFiling(state, -1)
                remember(hashOf: state.filing, in: &state)
            }
            setFiling(event, in: &state)
            countFiling(state, 1)
            if inherits { countRuling(&state) }

        case .decided:
            if state.flags.contains(.ruled), !follows(event, state.ruling) {
                remember(idHash, in: &state)
                break
            }
            if state.flags.contains(.ruled) {
                uncountRuling(&state)
                remember(hashOf: state.ruling, in: &state)
            }
            setRuling(event, in: &state)
            countRuling(&state)

        case .closed:
            if state.flags.contains(.closed), !precedes(event, state.closing) {
                remember(idHash, in: &state)
                break
            }
            if state.flags.contains(.closed) {
                countClosing(state.closing, -1)
                remember(hashOf: state.closing, in: &state)
            }
            setClosing(event, in: &state)
            countClosing(state.closing, 1)
        }
        return .accepted
    }

    // MARK: Ids seen

    /// Whether the event whose id is `id`, of hash `hash`, is a duplicate: seen in its own case
    /// (`number`, `nil` when the engine does not hold it), asked first, or in any case
    /// ``eventIDs`` names for the hash.
    @inline(__always)
    func isDuplicate(_ id: UnsafeRawBufferPointer, hash: UInt64, ofCase number: Int32?) -> Bool {
        if let number, hasSeen(id, hash: hash, in: caseStates[Int(number)]) { return true }
        return eventIDs.find(hash: hash) { hasSeen(id, hash: hash, in: caseStates[Int($0)]) } != nil
    }

    /// Whether the event whose id is `id`, of hash `hash`, was seen in `state`: it is one of the
    /// events that count (told by its bytes, which sit by the case's own in the arena) or one of
    /// the others (by hash).
    @inline(__always)
    func hasSeen(_ id: UnsafeRawBufferPointer, hash: UInt64, in state: CaseState) -> Bool {
        if state.flags.contains(.filed), compareID(id, state.filing.id) == 0 { return true }
        if state.flags.contains(.ruled), compareID(id, state.ruling.id) == 0 { return true }
        if state.flags.contains(.closed), compareID(id, state.closing.id) == 0 { return true }
        guard state.otherIDs != 0 else { return false }
        return otherIDs[Int(state.otherIDs) - 1].contains(hash)
    }

    /// Adds `hash` to the ids of `state`'s events that do not count.
    func remember(_ hash: UInt64, in state: inout CaseState) {
        if state.otherIDs == 0 {
            otherIDs.append([])
            state.otherIDs = UInt32(otherIDs.count)
        }
        otherIDs[Int(state.otherIDs) - 1].append(hash)
    }

    /// Adds the id of `placement`, an event that stops counting, to the ids that do not count.
    private func remember(hashOf placement: Placement, in state: inout CaseState) {
        remember(hash(ofID: placement.id), in: &state)
    }

    /// The ``StableHash`` of the id at `ref` in the arena.
    func hash(ofID ref: TextRef) -> UInt64 {
        texts.withBytes(ref) { StableHash.of(bytes: $0) }
    }

    /// Every id hash seen in `state`: the events that count, then the others.
    func seenHashes(of state: CaseState) -> [UInt64] {
        state.seenHashes(others: state.otherIDs == 0 ? nil : otherIDs[Int(state.otherIDs) - 1], hash: hash(ofID:))
    }

    // MARK: Placing an event

    /// Makes `event` the filing that counts in `state`; counting it is the caller's.
    func setFiling(_ event: CaseEventView, in state: inout CaseState) {
        state.filing = place(event)
        state.filingParty = event.subject.map { texts.append($0) } ?? .none
        state.flags.insert(.filed)
        if event.channel == .online { state.flags.insert(.online) } else { state.flags.remove(.online) }
    }

    /// Makes `event` the decision that counts in `state`; counting it is the caller's.
    func setRuling(_ event: CaseEventView, in state: inout CaseState) {
        state.ruling = place(event)
        state.decision = event.decision ?? .standard
        state.reason = event.reason
        state.fineFen = event.fineFen
        state.waivedFen = event.waivedFen
        state.rulingParty = event.subject.map { texts.append($0) } ?? .none
        state.flags.insert(.ruled)
    }

    /// Makes `event` the closing that counts in `state`; counting it is the caller's.
    func setClosing(_ event: CaseEventView, in state: inout CaseState) {
        state.closing = place(event)
        state.flags.insert(.closed)
    }

    private func place(_ event: CaseEventView) -> Placement {
        let date = calendar.date(atUnixNanoseconds: event.at)
        return Placement(
            at: event.at, id: texts.append(event.id), day: Window.day(date).code,
            place: place(Place(region: event.region.packed, agency: agency(event.agency))))
    }

    /// The number of `place`, interned on first sight; the place of the previous call is
    /// recognised without a look-up.
    @inline(__always)
    func place(_ place: Place) -> UInt32 {
        if place == lastPlace { return lastPlaceID }
        let id: UInt32
        if let known = placeIDs[place] {
            id = known
        } else {
            id = UInt32(places.count)
            placeIDs[place] = id
            places.append(place)
        }
        lastPlace = place
        lastPlaceID = id
        return id
    }

    /// Whether `event` comes before `placement` in (at, id) order, ids compared by UTF-8 bytes.
    @inline(__always)
    private func precedes(_ event: CaseEventView, _ placement: Placement) -> Bool {
        if event.at != placement.at { return event.at < placement.at }
        return compareID(event.id, placement.id) < 0
    }

    /// Whether `event` comes after `placement` in (at, id) order.
    @inline(__always)
    private func follows(_ event: CaseEventView, _ placement: Placement) -> Bool {
        if event.at != placement.at { return event.at > placement.at }
        return compareID(event.id, placement.id) > 0
    }

    @inline(__always)
    private func compareID(_ id: UnsafeRawBufferPointer, _ stored: TextRef) -> Int {
        texts.withBytes(stored) { compareBytes(id, $0) }
    }

    /// The interned id of the agency whose name is `bytes` (ASCII, by the contract): the agency of
    /// the previous call is recognised by its bytes, without a look-up.
    private func agency(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        if lastAgency.count == bytes.count, lastAgency.withUnsafeBytes({ compareBytes($0, bytes) == 0 }) {
            return lastAgencyID
        }
        let name = String(decoding: bytes, as: UTF8.self)
        let id: UInt32
        if let known = agencyIDs[name] {
            id = known
        } else {
            id = UInt32(agencyNames.count)
            agencyIDs[name] = id
            agencyNames.append(name)
        }
        lastAgency = Array(bytes)
        lastAgencyID = id
        return id
    }

    /// The interned id of the beneficiary party whose text is at `subject`, added when new. An
    /// ASCII subject (nearly all: enterprise codes, ID numbers) is looked up by its bytes and, when
    /// new, indexed as the case's own text: no copy, no `String`. Any other is looked up as
    /// ``TextIndex`` keys it, and kept as its own text too unless the index compares it by its
    /// ASCII form, which is then added.
    func party(_ subject: TextRef) -> UInt32 {
        let found: (id: Int32?, hash: UInt64)? = texts.withBytes(subject) { bytes in
            guard TextIndex.isASCII(bytes) else { return nil }
            let hash = StableHash.of(bytes: bytes)
            return (partyIndex.find(ascii: bytes, hash: hash, id: { partyTexts[Int($0)] }, in: texts), hash)
        }
        let id = partyTexts.count
        if let found {
            if let known = found.id { return UInt32(known) }
            partyIndex.insert(number: Int32(id), hash: found.hash)
            partyTexts.append(subject)
            return UInt32(id)
        }
        let key = TextIndex.key(texts.string(subject))
        if let known = partyIndex.find(key, id: { partyTexts[Int($0)] }, in: texts) { return UInt32(known) }
        partyIndex.insert(key, number: Int32(id))
        if case .bytes(let folded, _) = key { partyTexts.append(texts.append(folded)) } else { partyTexts.append(subject) }
        return UInt32(id)
    }

    // MARK: Contributions

    private func countFiling(_ state: CaseState, _ sign: Int64) {
        let count = Int32(sign)
        let online: Int32 = state.flags.contains(.online) ? count : 0
        update(slotsOf: state.filing) { aggregate in
            aggregate.filedCount += count
            aggregate.filedOnlineCount += online
        }
    }

    /// Adds the decision of `state`, with its beneficiary — its own subject, else the filing's,
    /// when the decision is favourable — which it remembers, so that taking it back removes that
    /// same party.
    private func countRuling(_ state: inout CaseState) {
        state.beneficiary = beneficiary(of: state)
        count(ruling: state, 1)
    }

    /// The party a decision benefits: its own subject, else the filing's, when it is favourable.
    private func beneficiary(of state: CaseState) -> UInt32 {
        guard state.decision.benefitsParty else { return CaseState.noParty }
        let subject = state.rulingParty.isNone ? state.filingParty : state.rulingParty
        return subject.isNone ? CaseState.noParty : party(subject)
    }

    /// Takes the decision of `state` back, with the beneficiary it counted.
    private func uncountRuling(_ state: inout CaseState) {
        count(ruling: state, -1)
        state.beneficiary = CaseState.noParty
    }

    private func count(ruling state: CaseState, _ sign: Int64) {
        let ruling = RulingContribution(state, sign)
        update(slotsOf: state.ruling, party: ruling.party, ruling.count) { ruling.apply(to: &$0) }
    }

    /// What a decision adds to (or, negated, takes from) each aggregate it counts under, worked
    /// out once for all of them. Its beneficiary is counted apart (see ``update(slotsOf:party:_:_:)``).
    private struct RulingContribution {
        let party: UInt32
        let decision: Decision
        let reason: Reason?
        let fine: Int128
        let waived: Int128
        let count: Int32

        init(_ state: CaseState, _ sign: Int64) {
            party = state.beneficiary
            decision = state.decision
            reason = state.reason
            fine = Int128(state.fineFen) * Int128(sign)
            waived = Int128(state.waivedFen) * Int128(sign)
            count = Int32(sign)
        }

        @inline(__always)
        func apply(to aggregate: inout Aggregate) {
            aggregate.decidedCount += count
            aggregate.add(decision: decision, count)
            if let reason { aggregate.add(reason: reason, count) }
            aggregate.fineFen += fine
            aggregate.waivedFen += waived
        }
    }

    /// Counts every contribution of a case being restored — as `countFiling`, `countRuling` and
    /// `countClosing` would, one after another — but walks the keys of a placement once for all
    /// the contributions made there: a case is most often filed, decided and closed on one day,
    /// in one place, by one agency.
    func countRestored(_ state: inout CaseState) {
        let filed = state.flags.contains(.filed), ruled = state.flags.contains(.ruled)
        let closed = state.flags.contains(.closed)
        if ruled { state.beneficiary = beneficiary(of: state) }
        let ruling = ruled ? RulingContribution(state, 1) : nil
        let rulingWithFiling = filed && ruled && state.ruling.sharesKeys(with: state.filing)
        let closingWithFiling = filed && closed && state.closing.sharesKeys(with: state.filing)
        let closingWithRuling = ruled && closed && !closingWithFiling && state.closing.sharesKeys(with: state.ruling)
        if filed {
            let online: Int32 = state.flags.contains(.online) ? 1 : 0
            let closing: Int32 = closingWithFiling ? 1 : 0
            let withRuling = rulingWithFiling ? ruling : nil
            update(slotsOf: state.filing, party: withRuling?.party ?? CaseState.noParty, 1) { aggregate in
                aggregate.filedCount += 1
                aggregate.filedOnlineCount += online
                withRuling?.apply(to: &aggregate)
                aggregate.closedCount += closing
            }
        }
        if let ruling, !rulingWithFiling {
            let closing: Int32 = closingWithRuling ? 1 : 0
            update(slotsOf: state.ruling, party: ruling.party, 1) { aggregate in
                ruling.apply(to: &aggregate)
                aggregate.closedCount += closing
            }
        }
        if closed, !closingWithFiling, !closingWithRuling { countClosing(state.closing, 1) }
    }

    private func countClosing(_ placement: Placement, _ sign: Int64) {
        let count = Int32(sign)
        update(slotsOf: placement) { $0.closedCount += count }
    }

    /// Applies `change` to the aggregate of every key `placement` counts under (both parts of
    /// ``slots(for:)``), counts `party` once more (`sign` 1) or once less (`sign` -1) among their
    /// beneficiaries unless it is ``CaseState/noParty``, and marks those keys changed. While the
    /// figures are deferred, does the same to the placement's entry of ``deferred`` instead.
    @inline(__always)
    func update(
        slotsOf placement: Placement, party: UInt32 = CaseState.noParty, _ sign: Int32 = 0,
        _ change: (inout Aggregate) -> Void
    ) {
        if defers {
            let deferred = deferred
            let entry = deferred.entry(for: placement)
            change(&deferred.figures[entry])
            if party != CaseState.noParty { deferred.add(party: party, sign, at: entry) }
            return
        }
        assert(additionsInFlight == nil, "figures applied directly while a settling's additions are in flight")
        forEachSlot(of: placement, party: party) { slot in
            change(&aggregates[Int(slot)])
            if party != CaseState.noParty { count(party: party, sign, in: slot) }
            touch(slot)
        }
    }

    /// Counts `party` once more (`sign` > 0) or once less among the beneficiaries of `slot`.
    @inline(__always)
    func count(party: UInt32, _ sign: Int32, in slot: Int32) {
        if sign > 0 { aggregates[Int(slot)].add(party: party) } else { aggregates[Int(slot)].remove(party: party) }
    }

    @inline(__always)
    func touch(_ slot: Int32) {
        if !slotDirty[Int(slot)] {
            slotDirty[Int(slot)] = true
            dirtySlots.append(slot)
        }
    }
}

/// What became of an applied event.
public enum ApplyOutcome: Sendable, Hashable {
    /// Its id was never seen; figures moved if it is one of the events that count.
    case accepted
    /// Its id was already seen, in its case or another: nothing changed.
    case duplicate
}
