/// The published figures of one key: an ``Aggregate`` with its beneficiaries counted rather than
/// listed. A plain value, so the publish path can render it on another thread.
public struct KeyFigures: Sendable, Equatable {
    /// Cases filed.
    public var filed: Int64
    /// Cases filed on the online platform.
    public var filedOnline: Int64
    /// Cases decided.
    public var decided: Int64
    /// Decisions by kind, indexed by `Decision.rawValue`.
    public var byDecision: (Int64, Int64, Int64, Int64, Int64)
    /// Decisions carrying a reason, indexed by `Reason.rawValue`.
    public var byReason: (Int64, Int64, Int64)
    /// Fines imposed, in fen.
    public var fineFen: Int128
    /// Fines waived or reduced, in fen.
    public var waivedFen: Int128
    /// Distinct beneficiary parties.
    public var beneficiaries: Int64
    /// Cases closed.
    public var closed: Int64

    /// The canonical JSON value of the key (field order as in `Protocols/PROTOCOL.md`); rates are
    /// `null` when nothing was filed.
    public func write(to out: inout JSONBytes) {
        out.append("{\"filed\":")
        out.append(filed)
        out.append(",\"filed_online\":")
        out.append(filedOnline)
        out.append(",\"online_rate\":")
        if filed == 0 { out.append("null") } else { out.append(Double(filedOnline) / Double(filed)) }
        out.append(",\"decided\":")
        out.append(decided)
        out.append(",\"no_penalty\":")
        out.append(byDecision.0)
        out.append(",\"reduced\":")
        out.append(byDecision.1)
        out.append(",\"lighter\":")
        out.append(byDecision.2)
        out.append(",\"standard\":")
        out.append(byDecision.3)
        out.append(",\"heavier\":")
        out.append(byDecision.4)
        out.append(",\"no_penalty_by_reason\":{\"minor\":")
        out.append(byReason.0)
        out.append(",\"first_offense\":")
        out.append(byReason.1)
        out.append(",\"no_fault\":")
        out.append(byReason.2)
        out.append("},\"fine_fen\":")
        out.append(fineFen)
        out.append(",\"waived_fen\":")
        out.append(waivedFen)
        out.append(",\"beneficiaries\":")
        out.append(beneficiaries)
        out.append(",\"closed\":")
        out.append(closed)
        out.append(",\"closure_rate\":")
        if filed == 0 { out.append("null") } else { out.append(Double(closed) / Double(filed)) }
        out.append(byte: UInt8(ascii: "}"))
    }

    /// Compares every figure.
    public static func == (lhs: KeyFigures, rhs: KeyFigures) -> Bool {
        lhs.filed == rhs.filed && lhs.filedOnline == rhs.filedOnline && lhs.decided == rhs.decided
            && lhs.byDecision == rhs.byDecision && lhs.byReason == rhs.byReason
            && lhs.fineFen == rhs.fineFen && lhs.waivedFen == rhs.waivedFen
            && lhs.beneficiaries == rhs.beneficiaries && lhs.closed == rhs.closed
    }
}
