/// What the engine remembers of one case, in a form that can be stored and restored: the events
/// that count (earliest filing, latest decision, earliest closing), whether the case was voided, and
/// the hashes of every event id seen in it (how redeliveries are told apart after a restart).
///
/// The figures of a case are a function of its record, so a store that keeps records can rebuild
/// every aggregate exactly.
public struct CaseRecord: Sendable, Equatable {
    /// The case id.
    public var caseID: String
    /// Whether a `voided` event was seen: the case counts nowhere.
    public var voided: Bool
    /// 64-bit hashes of every event id seen in the case.
    public var seen: [UInt64]
    /// The filing that counts.
    public var filing: CaseEvent?
    /// The decision that counts.
    public var decision: CaseEvent?
    /// The closing that counts.
    public var closing: CaseEvent?

    /// Creates a record.
    public init(
        caseID: String, voided: Bool, seen: [UInt64], filing: CaseEvent? = nil, decision: CaseEvent? = nil,
        closing: CaseEvent? = nil
    ) {
        self.caseID = caseID
        self.voided = voided
        self.seen = seen
        self.filing = filing
        self.decision = decision
        self.closing = closing
    }
}
