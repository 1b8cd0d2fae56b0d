/// The aggregation engine: folds accepted case events into the figures of every key, exactly.
///
/// The engine is pure — no clocks, no I/O — and single-writer: one owner calls it from one thread.
/// Its result is a function of the *set* of events applied: each case keeps the three events that
/// count (filing, decision, closing), and an event that changes one of them first takes that event's
/// old contribution back and then adds the new one. Redeliveries are told by the case's own record of
/// event ids, so no global set of ids grows without bound.
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
    let caseIndex = ShardedDictionary<String, Int32>()
    let caseIDs = SegmentedArray<String>()
    let caseStates = SegmentedArray<CaseState>()
    let caseChanged = SegmentedArray<Bool>()
    @exclusivity(unchecked) var agencyIDs: [String: UInt32] = ["all": 0]
    @exclusivity(unchecked) var agencyNames: [String] = ["all"]
    let partyIDs = ShardedDictionary<String, UInt32>()
    @exclusivity(unchecked) var regionChains: [RegionCode: [UInt32]] = [:]
    @exclusivity(unchecked) var regionNodeIDs: [RegionCode: UInt32] = [:]
    @exclusivity(unchecked) var regionPaths: [String] = [""]

    let slotIDs = ShardedDictionary<AggregateKey, Int32>()
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
    let coarseSlots = ShardedDictionary<PlacementKey, ContiguousArray<Int32>>()
    /// Slots of the day window of a (day, region, agency).
    let daySlots = ShardedDictionary<PlacementKey, ContiguousArray<Int32>>()
    /// Days since the epoch of the oldest day window kept; `nil` keeps every day.
    @exclusivity(unchecked) var oldestKeptDay: Int64?

    /// Indices of the cases changed since the last ``takeChangedRecords()``, for checkpoints.
    @exclusivity(unchecked) var changedCases: ContiguousArray<Int32> = []
    /// Whether the producers or counters changed since the last checkpoint.
    @exclusivity(unchecked) var countersChanged = false

    /// Ingest counters (`/sys/ingest`).
    @exclusivity(unchecked) public internal(set) var ingest = IngestStatistics()
    /// Loss detection per producer (`/sys/producers/{producer}`).
    @exclusivity(unchecked) public internal(set) var producers: [String: ProducerSequence] = [:]
    @exclusivity(unchecked) var ingestDirty = false
    @exclusivity(unchecked) var ingestSequence: UInt64 = 0
    @exclusivity(unchecked) var dirtyProducers: Set<String> = []
    /// The producer last marked dirty: a run of events from one producer hashes its name once.
    @exclusivity(unchecked) var lastDirtyProducer = ""
    @exclusivity(unchecked) var producerSequence: [String: UInt64] = [:]

    /// The last CHP sequence number handed out by ``publishChanges(_:)``.
    @exclusivity(unchecked) public internal(set) var sequence: UInt64

    /// Creates an empty engine whose sequence numbers continue after `sequence`.
    public init(configuration: EngineConfiguration, sequence: UInt64 = 0) {
        self.configuration = configuration
        self.calendar = ZoneCalendar(timeZone: configuration.timeZone)
        self.sequence = sequence
    }

    /// Number of cases the engine holds state for.
    public var caseCount: Int { caseStates.count }

    /// Number of keys that exist as of the last ``publishChanges(_:)`` — what subscribers and
    /// snapshots see. Kept as a count (the status line reads it every tick).
    public var keyCount: Int { publishedKeys }

    /// Whether anything changed since the last ``publishChanges(_:)``.
    public var hasChanges: Bool { !dirtySlots.isEmpty || ingestDirty || !dirtyProducers.isEmpty }

    // MARK: Ingest

    /// Applies an accepted event and counts it; returns whether it was new to its case.
    @discardableResult
    public func apply(_ event: CaseEvent) -> ApplyOutcome {
        applyReportingGap(event).outcome
    }

    /// Applies an accepted event and also reports the range of sequence numbers it skipped, when it
    /// opened a gap in its producer's numbering (for the daemon's warning).
    public func applyReportingGap(_ event: CaseEvent) -> (outcome: ApplyOutcome, gap: ClosedRange<UInt64>?) {
        if event.producer != lastDirtyProducer || dirtyProducers.isEmpty {
            dirtyProducers.insert(event.producer)
            lastDirtyProducer = event.producer
        }
        let gap = producers[event.producer, default: ProducerSequence()].record(seq: event.seq)
        let outcome = fold(event)
        switch outcome {
        case .accepted: ingest.accepted += 1
        case .duplicate: ingest.duplicates += 1
        }
        ingestDirty = true
        countersChanged = true
        return (outcome, gap)
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
        if let index = caseIndex[caseID] { return Int(index) }
        let index = caseStates.count
        caseIndex[caseID] = Int32(index)
        caseIDs.append(caseID)
        caseStates.append(CaseState())
        caseChanged.append(false)
        return index
    }

    func fold(_ event: CaseEvent) -> ApplyOutcome {
        let idHash = StableHash.of(event.id)
        let index = caseNumber(event.caseID)
        // Moved out and back, not copied, so the case's arrays stay uniquely referenced.
        var state = CaseState()
        swap(&state, &caseStates[index])
        defer { swap(&state, &caseStates[index]) }
        if state.seen.contains(idHash) { return .duplicate }
        state.seen.append(idHash)
        if !caseChanged[index] {
            caseChanged[index] = true
            changedCases.append(Int32(index))
        }
        if state.voided { return .accepted }

        switch event.type {
        case .voided:
            if let filing = state.filing { count(filing, -1) }
            if let ruling = state.ruling { count(ruling, party: state.beneficiary(of: ruling), -1) }
            if let closing = state.closing { countClosing(closing, -1) }
            state.filing = nil
            state.ruling = nil
            state.closing = nil
            state.voided = true

        case .filed:
            let placement = place(event)
            if let current = state.filing, !placement.precedes(current.placement) { break }
            let filing = Filing(
                placement: placement, online: event.channel == .online, party: event.subject)
            // A favourable decision without a subject of its own benefits the filing's party.
            let inherits = state.ruling.map { $0.decision.benefitsParty && $0.party == nil } ?? false
            if inherits, let ruling = state.ruling { count(ruling, party: state.beneficiary(of: ruling), -1) }
            if let current = state.filing { count(current, -1) }
            state.filing = filing
            count(filing, 1)
            if inherits, let ruling = state.ruling { count(ruling, party: state.beneficiary(of: ruling), 1) }

        case .decided:
            let placement = place(event)
            if let current = state.ruling, !current.placement.precedes(placement) { break }
            if let current = state.ruling { count(current, party: state.beneficiary(of: current), -1) }
            let ruling = Ruling(
                placement: placement, decision: event.decision ?? .standard, reason: event.reason,
                fineFen: event.fineFen, waivedFen: event.waivedFen, party: event.subject)
            state.ruling = ruling
            count(ruling, party: state.beneficiary(of: ruling), 1)

        case .closed:
            let placement = place(event)
            if let current = state.closing, !placement.precedes(current) { break }
            if let current = state.closing { countClosing(current, -1) }
            state.closing = placement
            countClosing(placement, 1)
        }
        return .accepted
    }

    private func place(_ event: CaseEvent) -> Placement {
        let date = calendar.date(atUnixNanoseconds: event.at)
        return Placement(
            at: event.at, id: event.id, day: Window.day(date).code, region: event.region,
            agency: agency(event.agency))
    }

    private func agency(_ name: String) -> UInt32 {
        if let id = agencyIDs[name] { return id }
        let id = UInt32(agencyNames.count)
        agencyIDs[name] = id
        agencyNames.append(name)
        return id
    }

    /// The interned id of a beneficiary party.
    private func party(_ subject: String) -> UInt32 {
        if let id = partyIDs[subject] { return id }
        let id = UInt32(partyIDs.count)
        partyIDs[subject] = id
        return id
    }

    // MARK: Contributions

    private func count(_ filing: Filing, _ sign: Int64) {
        let online: Int64 = filing.online ? sign : 0
        update(slotsOf: filing.placement) { aggregate in
            aggregate.filed += sign
            aggregate.filedOnline += online
        }
    }

    private func count(_ ruling: Ruling, party subject: String?, _ sign: Int64) {
        let party = subject.map { self.party($0) }
        let fine = Int128(ruling.fineFen) * Int128(sign)
        let waived = Int128(ruling.waivedFen) * Int128(sign)
        update(slotsOf: ruling.placement) { aggregate in
            aggregate.decided += sign
            aggregate.add(decision: ruling.decision, sign)
            if let reason = ruling.reason { aggregate.add(reason: reason, sign) }
            aggregate.fineFen += fine
            aggregate.waivedFen += waived
            if let party {
                if sign > 0 { aggregate.add(party: party) } else { aggregate.remove(party: party) }
            }
        }
    }

    private func countClosing(_ placement: Placement, _ sign: Int64) {
        update(slotsOf: placement) { $0.closed += sign }
    }

    /// Applies `change` to the aggregate of every key `placement` counts under (both parts of
    /// ``slots(for:)``) and marks those keys changed.
    @inline(__always)
    private func update(slotsOf placement: Placement, _ change: (inout Aggregate) -> Void) {
        let (coarse, day) = slots(for: placement)
        for slot in coarse { change(&aggregates[Int(slot)]) }
        for slot in day { change(&aggregates[Int(slot)]) }
        for slot in coarse { touch(slot) }
        for slot in day { touch(slot) }
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
    /// New to its case; figures moved if it is one of the events that count.
    case accepted
    /// Its id was already seen in its case: nothing changed.
    case duplicate
}
