/// The cases changed since the last checkpoint, copied out of the engine as they stood: the engine
/// no longer touches this copy, so another thread can build and store their records while the
/// engine goes on.
///
/// Taking it costs one copy of each changed case's state (reference counts, no rendering); the
/// records are built, one at a time, only by ``forEachRecord(orderedBy:_:)``. It can be taken in
/// slices (``Engine/takeChangedCases(into:limit:)``) while events go on: a case that changes again
/// after its copy is copied again, and the later copy is the one that counts.
public struct ChangedCases: Sendable {
    /// One slice of copies, in the order taken. Slices are kept apart so that taking one never
    /// moves the copies taken before it.
    struct Slice: Sendable {
        var caseIDs = ContiguousArray<String>()
        var states = ContiguousArray<CaseState>()
    }

    var slices: [Slice] = []
    /// The engine's interned agency names as of the last copy (a record names its agency).
    var agencyNames: [String] = []

    /// An empty set, to take changed cases into.
    public init() {}

    /// Number of copies taken (a case copied twice counts twice).
    public var count: Int { slices.reduce(0) { $0 + $1.caseIDs.count } }

    /// Calls `body` with the record of each case, in the order of `sortKey` of the case ids, and
    /// with that key; a case copied more than once, with its last copy. Only the keys and positions
    /// are sorted; each record is built as it is handed.
    public func forEachRecord(
        orderedBy sortKey: (String) -> String, _ body: (_ key: String, _ record: CaseRecord) throws -> Void
    ) rethrows {
        var order: [(key: String, slice: Int, position: Int)] = []
        order.reserveCapacity(count)
        for (number, slice) in slices.enumerated() {
            for position in slice.caseIDs.indices { order.append((sortKey(slice.caseIDs[position]), number, position)) }
        }
        // Equal keys (one case copied twice) in the order taken: the last one is the case now.
        order.sort { $0.key != $1.key ? $0.key < $1.key : ($0.slice, $0.position) < ($1.slice, $1.position) }
        for (rank, entry) in order.enumerated() where rank + 1 == order.count || order[rank + 1].key != entry.key {
            let slice = slices[entry.slice]
            try body(entry.key, Self.record(
                caseID: slice.caseIDs[entry.position], state: slice.states[entry.position], agencyNames: agencyNames))
        }
    }

    /// The record of a case in `state`, its agencies named from `agencyNames`.
    static func record(caseID: String, state: CaseState, agencyNames: [String]) -> CaseRecord {
        func event(_ placement: Placement, _ type: EventType) -> CaseEvent {
            CaseEvent(
                id: placement.id, producer: "", type: type, caseID: caseID, at: placement.at,
                region: placement.region, agency: agencyNames[Int(placement.agency)])
        }
        var filing = state.filing.map { event($0.placement, .filed) }
        filing?.channel = state.filing.map { $0.online ? .online : .offline }
        filing?.subject = state.filing?.party
        var decision = state.ruling.map { event($0.placement, .decided) }
        if let ruling = state.ruling {
            decision?.decision = ruling.decision
            decision?.reason = ruling.reason
            decision?.fineFen = ruling.fineFen
            decision?.waivedFen = ruling.waivedFen
            decision?.subject = ruling.party
        }
        return CaseRecord(
            caseID: caseID, voided: state.voided, seen: state.seen, filing: filing, decision: decision,
            closing: state.closing.map { event($0, .closed) })
    }
}
