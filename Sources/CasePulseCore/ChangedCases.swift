/// The cases changed since the last checkpoint, copied out of the engine as they stood: the engine
/// no longer touches this copy, so another thread can build and store their records while the
/// engine goes on.
///
/// Taking it costs one copy of each changed case's state (reference counts, no rendering); the
/// checkpoint writer encodes each case from a view of its copy
/// (``forEachCase(canonicalizing:_:)``), and ``forEachRecord(orderedBy:_:)`` builds the records,
/// one at a time, for everything else. It can be taken in
/// slices (``Engine/takeChangedCases(into:limit:)``) while events go on: a case that changes again
/// after its copy is copied again, and the later copy is the one that counts.
public struct ChangedCases: Sendable {
    /// One slice of copies, in the order taken. Slices are kept apart so that taking one never
    /// moves the copies taken before it. A copy's texts are copied into the slice's own bytes and
    /// its list of other ids' hashes into the slice's own lists, so nothing in it points back into
    /// the engine.
    struct Slice: Sendable {
        var caseIDs = ContiguousArray<TextRef>()
        var states = ContiguousArray<CaseState>()
        var texts = TextBytes()
        var otherIDs = ContiguousArray<ContiguousArray<UInt64>>()

        /// Copies case `caseID` in `state` out of `engine`.
        mutating func append(caseID: TextRef, state: CaseState, from engine: Engine) {
            var copy = state
            func rebase(_ ref: TextRef, _ present: Bool) -> TextRef {
                guard present, !ref.isNone else { return .none }
                return engine.texts.withBytes(ref) { texts.append($0) }
            }
            caseIDs.append(rebase(caseID, true))
            copy.filing.id = rebase(state.filing.id, state.flags.contains(.filed))
            copy.filingParty = rebase(state.filingParty, state.flags.contains(.filed))
            copy.ruling.id = rebase(state.ruling.id, state.flags.contains(.ruled))
            copy.rulingParty = rebase(state.rulingParty, state.flags.contains(.ruled))
            copy.closing.id = rebase(state.closing.id, state.flags.contains(.closed))
            if state.otherIDs != 0 {
                otherIDs.append(engine.otherIDs[Int(state.otherIDs) - 1])
                copy.otherIDs = UInt32(otherIDs.count)
            }
            states.append(copy)
        }

        /// Every id hash seen in the copy at `position`: the events that count, then the others.
        func seen(at position: Int) -> [UInt64] {
            let state = states[position]
            return state.seenHashes(others: state.otherIDs == 0 ? nil : otherIDs[Int(state.otherIDs) - 1]) { id in
                texts.withBytes(id) { StableHash.of(bytes: $0) }
            }
        }
    }

    var slices: [Slice] = []
    /// The engine's interned agency names and places as of the last copy (a record names its
    /// region and agency).
    var agencyNames: [String] = []
    var places: [Place] = []

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
            for position in slice.caseIDs.indices {
                order.append((sortKey(slice.texts.string(slice.caseIDs[position])), number, position))
            }
        }
        // Equal keys (one case copied twice) in the order taken: the last one is the case now.
        order.sort { $0.key != $1.key ? $0.key < $1.key : ($0.slice, $0.position) < ($1.slice, $1.position) }
        for (rank, entry) in order.enumerated() where rank + 1 == order.count || order[rank + 1].key != entry.key {
            let slice = slices[entry.slice]
            try body(entry.key, Self.record(
                caseID: slice.texts.string(slice.caseIDs[entry.position]), state: slice.states[entry.position],
                seen: slice.seen(at: entry.position), text: slice.texts.string, places: places, agencyNames: agencyNames))
        }
    }

    /// The record of a case in `state`, its texts read by `text`, its places from `places` and
    /// their agencies named from `agencyNames`.
    static func record(
        caseID: String, state: CaseState, seen: [UInt64], text: (TextRef) -> String, places: [Place],
        agencyNames: [String]
    ) -> CaseRecord {
        func event(_ placement: Placement, _ type: EventType) -> CaseEvent {
            let place = places[Int(placement.place)]
            return CaseEvent(
                id: text(placement.id), producer: "", type: type, caseID: caseID, at: placement.at,
                region: place.regionCode, agency: agencyNames[Int(place.agency)])
        }
        func party(_ ref: TextRef) -> String? { ref.isNone ? nil : text(ref) }
        var filing: CaseEvent?
        if state.flags.contains(.filed) {
            filing = event(state.filing, .filed)
            filing?.channel = state.flags.contains(.online) ? .online : .offline
            filing?.subject = party(state.filingParty)
        }
        var decision: CaseEvent?
        if state.flags.contains(.ruled) {
            decision = event(state.ruling, .decided)
            decision?.decision = state.decision
            decision?.reason = state.reason
            decision?.fineFen = state.fineFen
            decision?.waivedFen = state.waivedFen
            decision?.subject = party(state.rulingParty)
        }
        return CaseRecord(
            caseID: caseID, voided: state.voided, seen: seen, filing: filing, decision: decision,
            closing: state.flags.contains(.closed) ? event(state.closing, .closed) : nil)
    }
}
