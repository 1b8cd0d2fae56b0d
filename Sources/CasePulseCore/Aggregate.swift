/// The figures of one key: what the cases placed under one window, region and agency add up to.
///
/// Amounts are `Int128` so that no realistic volume can overflow them (one event carries at most
/// 10^12 fen; 2^127 fen is out of reach). Counts are stored in 32 bits: a count is at most the
/// number of cases, which the engine numbers with `Int32`. That keeps an aggregate at 96 bytes
/// (it was 160), and an event updates some forty of them. Beneficiaries are kept as reference
/// counts per interned party, so a correction that takes a favourable decision back removes the
/// party exactly when no other case still counts it.
public struct Aggregate: Sendable, Equatable {
    /// Fines imposed, in fen.
    public var fineFen: Int128 = 0
    /// Fines waived or reduced, in fen.
    public var waivedFen: Int128 = 0
    var filedCount: Int32 = 0
    var filedOnlineCount: Int32 = 0
    var decidedCount: Int32 = 0
    var closedCount: Int32 = 0
    /// Decisions by kind, indexed by `Decision.rawValue`.
    var decisionCounts: (Int32, Int32, Int32, Int32, Int32) = (0, 0, 0, 0, 0)
    /// Decisions carrying a reason, indexed by `Reason.rawValue`.
    var reasonCounts: (Int32, Int32, Int32) = (0, 0, 0)
    /// Reference count of each party that got a no-penalty or reduced decision.
    public var parties = PartyCounts()

    /// Cases filed.
    public var filed: Int64 {
        get { Int64(filedCount) }
        set { filedCount = Int32(newValue) }
    }
    /// Cases filed on the online platform.
    public var filedOnline: Int64 {
        get { Int64(filedOnlineCount) }
        set { filedOnlineCount = Int32(newValue) }
    }
    /// Cases decided.
    public var decided: Int64 {
        get { Int64(decidedCount) }
        set { decidedCount = Int32(newValue) }
    }
    /// Cases closed.
    public var closed: Int64 {
        get { Int64(closedCount) }
        set { closedCount = Int32(newValue) }
    }
    /// Decisions by kind, indexed by `Decision.rawValue`.
    public var byDecision: (Int64, Int64, Int64, Int64, Int64) {
        let c = decisionCounts
        return (Int64(c.0), Int64(c.1), Int64(c.2), Int64(c.3), Int64(c.4))
    }
    /// Decisions carrying a reason, indexed by `Reason.rawValue`.
    public var byReason: (Int64, Int64, Int64) {
        (Int64(reasonCounts.0), Int64(reasonCounts.1), Int64(reasonCounts.2))
    }

    /// An empty aggregate.
    public init() {}

    /// Number of distinct beneficiaries.
    public var beneficiaries: Int { parties.count }

    /// Whether nothing counts here: the key does not exist.
    public var isEmpty: Bool {
        filedCount == 0 && decidedCount == 0 && closedCount == 0 && parties.isEmpty && fineFen == 0 && waivedFen == 0
    }

    /// The count of one decision kind.
    public func count(of decision: Decision) -> Int64 {
        switch decision {
        case .noPenalty: Int64(decisionCounts.0)
        case .reduced: Int64(decisionCounts.1)
        case .lighter: Int64(decisionCounts.2)
        case .standard: Int64(decisionCounts.3)
        case .heavier: Int64(decisionCounts.4)
        }
    }

    /// The count of decisions carrying one reason.
    public func count(of reason: Reason) -> Int64 {
        switch reason {
        case .minor: Int64(reasonCounts.0)
        case .firstOffense: Int64(reasonCounts.1)
        case .noFault: Int64(reasonCounts.2)
        }
    }

    mutating func add(decision: Decision, _ delta: Int32) {
        switch decision {
        case .noPenalty: decisionCounts.0 += delta
        case .reduced: decisionCounts.1 += delta
        case .lighter: decisionCounts.2 += delta
        case .standard: decisionCounts.3 += delta
        case .heavier: decisionCounts.4 += delta
        }
    }

    mutating func add(reason: Reason, _ delta: Int32) {
        switch reason {
        case .minor: reasonCounts.0 += delta
        case .firstOffense: reasonCounts.1 += delta
        case .noFault: reasonCounts.2 += delta
        }
    }

    /// Adds the counts and amounts of `other`, not its beneficiaries.
    mutating func add(countsOf other: Aggregate) {
        fineFen += other.fineFen
        waivedFen += other.waivedFen
        filedCount += other.filedCount
        filedOnlineCount += other.filedOnlineCount
        decidedCount += other.decidedCount
        closedCount += other.closedCount
        let d = other.decisionCounts
        decisionCounts.0 += d.0
        decisionCounts.1 += d.1
        decisionCounts.2 += d.2
        decisionCounts.3 += d.3
        decisionCounts.4 += d.4
        let r = other.reasonCounts
        reasonCounts.0 += r.0
        reasonCounts.1 += r.1
        reasonCounts.2 += r.2
    }

    mutating func add(party: UInt32) {
        parties.add(party)
    }

    mutating func remove(party: UInt32) {
        parties.remove(party)
    }

    /// The canonical JSON value of the key (field order as in `Protocols/PROTOCOL.md`); rates are
    /// `null` when nothing was filed.
    public var json: String {
        var out = JSONBytes(capacity: 384)
        figures.write(to: &out)
        return out.string
    }

    /// The figures as a plain value (beneficiaries counted, not listed): what a key's JSON value
    /// is rendered from, cheap to copy to another thread.
    public var figures: KeyFigures {
        KeyFigures(
            filed: filed, filedOnline: filedOnline, decided: decided, byDecision: byDecision,
            byReason: byReason, fineFen: fineFen, waivedFen: waivedFen,
            beneficiaries: Int64(parties.count), closed: closed)
    }

    /// Compares every figure, beneficiaries by who they are (not only how many).
    public static func == (lhs: Aggregate, rhs: Aggregate) -> Bool {
        lhs.figures == rhs.figures && lhs.parties == rhs.parties
    }
}
