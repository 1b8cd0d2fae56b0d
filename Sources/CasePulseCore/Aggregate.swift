/// The figures of one key: what the cases placed under one window, region and agency add up to.
///
/// Counts are `Int64`; amounts are `Int128` so that no realistic volume can overflow them (one event
/// carries at most 10^12 fen; 2^127 fen is out of reach). Beneficiaries are kept as reference counts
/// per interned party, so a correction that takes a favourable decision back removes the party
/// exactly when no other case still counts it.
public struct Aggregate: Sendable, Equatable {
    /// Cases filed.
    public var filed: Int64 = 0
    /// Cases filed on the online platform.
    public var filedOnline: Int64 = 0
    /// Cases decided.
    public var decided: Int64 = 0
    /// Decisions by kind, indexed by `Decision.rawValue`.
    public var byDecision: (Int64, Int64, Int64, Int64, Int64) = (0, 0, 0, 0, 0)
    /// Decisions carrying a reason, indexed by `Reason.rawValue`.
    public var byReason: (Int64, Int64, Int64) = (0, 0, 0)
    /// Fines imposed, in fen.
    public var fineFen: Int128 = 0
    /// Fines waived or reduced, in fen.
    public var waivedFen: Int128 = 0
    /// Cases closed.
    public var closed: Int64 = 0
    /// Reference count of each party that got a no-penalty or reduced decision.
    public var parties = PartyCounts()

    /// An empty aggregate.
    public init() {}

    /// Number of distinct beneficiaries.
    public var beneficiaries: Int { parties.count }

    /// Whether nothing counts here: the key does not exist.
    public var isEmpty: Bool {
        filed == 0 && decided == 0 && closed == 0 && parties.isEmpty && fineFen == 0 && waivedFen == 0
    }

    /// The count of one decision kind.
    public func count(of decision: Decision) -> Int64 {
        switch decision {
        case .noPenalty: byDecision.0
        case .reduced: byDecision.1
        case .lighter: byDecision.2
        case .standard: byDecision.3
        case .heavier: byDecision.4
        }
    }

    /// The count of decisions carrying one reason.
    public func count(of reason: Reason) -> Int64 {
        switch reason {
        case .minor: byReason.0
        case .firstOffense: byReason.1
        case .noFault: byReason.2
        }
    }

    mutating func add(decision: Decision, _ delta: Int64) {
        switch decision {
        case .noPenalty: byDecision.0 += delta
        case .reduced: byDecision.1 += delta
        case .lighter: byDecision.2 += delta
        case .standard: byDecision.3 += delta
        case .heavier: byDecision.4 += delta
        }
    }

    mutating func add(reason: Reason, _ delta: Int64) {
        switch reason {
        case .minor: byReason.0 += delta
        case .firstOffense: byReason.1 += delta
        case .noFault: byReason.2 += delta
        }
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
