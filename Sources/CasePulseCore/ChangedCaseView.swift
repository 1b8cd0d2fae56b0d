/// One changed case as ``ChangedCases/forEachCase(canonicalizing:_:)`` lends it: its fields, and
/// its texts as bytes of the copy, valid only during that call. What a record is encoded from
/// without building a ``CaseRecord`` — no string, event or array made per case.
public struct ChangedCaseView {
    /// One counting event of the case: its time, id, region and agency.
    public struct Event {
        /// Unix nanoseconds.
        public var at: Int64
        /// The event id's UTF-8 bytes.
        public var id: UnsafeRawBufferPointer
        /// The event's region code.
        public var region: RegionCode
        /// The agency's UTF-8 bytes.
        public var agency: UnsafeRawBufferPointer
    }

    let state: CaseState
    let texts: UnsafeRawBufferPointer
    let others: ContiguousArray<UInt64>?
    let places: UnsafeBufferPointer<Place>
    let agencyBytes: UnsafeRawBufferPointer
    let agencyRanges: UnsafeBufferPointer<Range<Int>>

    /// Whether the case was voided.
    public var voided: Bool { state.voided }

    /// How many id hashes ``forEachSeenHash(_:)`` hands.
    public var seenCount: Int {
        var count = others?.count ?? 0
        if state.flags.contains(.filed) { count += 1 }
        if state.flags.contains(.ruled) { count += 1 }
        if state.flags.contains(.closed) { count += 1 }
        return count
    }

    /// Calls `body` with the hash of every id the case has seen, in the order of
    /// ``CaseRecord/seen``: the filing's, the decision's and the closing's ids that count, then
    /// the others.
    public func forEachSeenHash(_ body: (UInt64) -> Void) {
        if state.flags.contains(.filed) { body(StableHash.of(bytes: bytes(state.filing.id))) }
        if state.flags.contains(.ruled) { body(StableHash.of(bytes: bytes(state.ruling.id))) }
        if state.flags.contains(.closed) { body(StableHash.of(bytes: bytes(state.closing.id))) }
        if let others { for hash in others { body(hash) } }
    }

    /// The filing that counts, if any.
    public var filing: Event? { state.flags.contains(.filed) ? event(state.filing) : nil }
    /// Whether the filing was made online.
    public var filedOnline: Bool { state.flags.contains(.online) }
    /// The filing's subject, if it named one.
    public var filingSubject: UnsafeRawBufferPointer? { party(state.filingParty) }

    /// The decision that counts, if any.
    public var decision: Event? { state.flags.contains(.ruled) ? event(state.ruling) : nil }
    /// What the decision decided.
    public var decided: Decision { state.decision }
    /// The decision's reason for no penalty, if it gave one.
    public var reason: Reason? { state.reason }
    /// The decision's fine, in fen.
    public var fineFen: Int64 { state.fineFen }
    /// The decision's waived amount, in fen.
    public var waivedFen: Int64 { state.waivedFen }
    /// The decision's subject, if it named one.
    public var decisionSubject: UnsafeRawBufferPointer? { party(state.rulingParty) }

    /// The closing that counts, if any.
    public var closing: Event? { state.flags.contains(.closed) ? event(state.closing) : nil }

    private func bytes(_ ref: TextRef) -> UnsafeRawBufferPointer { ref.bytes(in: texts) }

    private func party(_ ref: TextRef) -> UnsafeRawBufferPointer? { ref.isNone ? nil : bytes(ref) }

    private func event(_ placement: Placement) -> Event {
        let place = places[Int(placement.place)]
        return Event(
            at: placement.at, id: bytes(placement.id), region: place.regionCode,
            agency: UnsafeRawBufferPointer(rebasing: agencyBytes[agencyRanges[Int(place.agency)]]))
    }
}
