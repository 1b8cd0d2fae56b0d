/// The cases changed since the last checkpoint, copied out of the engine as they stood: the engine
/// no longer touches this copy, so another thread can build and store their records while the
/// engine goes on.
///
/// Taking it costs one copy of each changed case's state (reference counts, no rendering); the
/// records are built, one at a time, only by ``forEachRecord(orderedBy:_:)``.
public struct ChangedCases: Sendable {
    let caseIDs: ContiguousArray<String>
    let states: ContiguousArray<CaseState>
    /// The engine's interned agency names as of the copy (a record names its agency).
    let agencyNames: [String]

    /// Number of changed cases.
    public var count: Int { caseIDs.count }

    /// Calls `body` with the record of each case, in the order of `sortKey` of the case ids, and
    /// with that key. Only the keys and positions are sorted; each record is built as it is handed.
    public func forEachRecord(
        orderedBy sortKey: (String) -> String, _ body: (_ key: String, _ record: CaseRecord) throws -> Void
    ) rethrows {
        var order = caseIDs.indices.map { position in (key: sortKey(caseIDs[position]), position: position) }
        order.sort { $0.key < $1.key }
        for (key, position) in order {
            try body(key, Self.record(caseID: caseIDs[position], state: states[position], agencyNames: agencyNames))
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
