/// The figures of one aggregate key as computed by ``ReferenceModel``: the contract's value object,
/// with the distinct parties behind `beneficiaries` kept as a set so tests can inspect them.
public struct ReferenceAggregate: Hashable, Sendable {
    /// Counted filings.
    public var filed: Int64
    /// Counted filings whose channel is `online`.
    public var filedOnline: Int64
    /// Counted decisions.
    public var decided: Int64
    /// Counted decisions of kind `no_penalty` (不予处罚).
    public var noPenalty: Int64
    /// Counted decisions of kind `reduced` (减轻处罚).
    public var reduced: Int64
    /// Counted decisions of kind `lighter` (从轻处罚).
    public var lighter: Int64
    /// Counted decisions of kind `standard`.
    public var standard: Int64
    /// Counted decisions of kind `heavier` (从重处罚).
    public var heavier: Int64
    /// Counted decisions carrying reason `minor` (`no_penalty_by_reason.minor`).
    public var npMinor: Int64
    /// Counted decisions carrying reason `first_offense` (`no_penalty_by_reason.first_offense`).
    public var npFirstOffense: Int64
    /// Counted decisions carrying reason `no_fault` (`no_penalty_by_reason.no_fault`).
    public var npNoFault: Int64
    /// Sum of the counted decisions' `fine_fen`.
    public var fineFen: Int64
    /// Sum of the counted decisions' `waived_fen`.
    public var waivedFen: Int64
    /// Counted closings.
    public var closed: Int64
    /// The distinct parties of counted `no_penalty` and `reduced` decisions (the decision's subject,
    /// else its case's filing's subject).
    public var beneficiaries: Set<String>

    /// Creates an aggregate; every field defaults to zero / empty.
    public init(
        filed: Int64 = 0, filedOnline: Int64 = 0, decided: Int64 = 0, noPenalty: Int64 = 0,
        reduced: Int64 = 0, lighter: Int64 = 0, standard: Int64 = 0, heavier: Int64 = 0,
        npMinor: Int64 = 0, npFirstOffense: Int64 = 0, npNoFault: Int64 = 0,
        fineFen: Int64 = 0, waivedFen: Int64 = 0, closed: Int64 = 0, beneficiaries: Set<String> = []
    ) {
        self.filed = filed
        self.filedOnline = filedOnline
        self.decided = decided
        self.noPenalty = noPenalty
        self.reduced = reduced
        self.lighter = lighter
        self.standard = standard
        self.heavier = heavier
        self.npMinor = npMinor
        self.npFirstOffense = npFirstOffense
        self.npNoFault = npNoFault
        self.fineFen = fineFen
        self.waivedFen = waivedFen
        self.closed = closed
        self.beneficiaries = beneficiaries
    }

    /// The value of the contract's `beneficiaries` field: how many distinct parties benefited.
    public var beneficiaryCount: Int64 { Int64(beneficiaries.count) }

    /// `filed_online / filed`, `nil` when nothing was filed.
    public var onlineRate: Double? { filed == 0 ? nil : Double(filedOnline) / Double(filed) }

    /// `closed / filed`, `nil` when nothing was filed.
    public var closureRate: Double? { filed == 0 ? nil : Double(closed) / Double(filed) }

    /// Whether every figure is zero (such a key does not exist).
    public var isZero: Bool {
        filed == 0 && filedOnline == 0 && decided == 0 && noPenalty == 0 && reduced == 0
            && lighter == 0 && standard == 0 && heavier == 0 && npMinor == 0 && npFirstOffense == 0
            && npNoFault == 0 && fineFen == 0 && waivedFen == 0 && closed == 0 && beneficiaries.isEmpty
    }

    /// The contract's value object as compact JSON, fields in this exact order:
    /// `filed, filed_online, online_rate, decided, no_penalty, reduced, lighter, standard, heavier,
    /// no_penalty_by_reason{minor, first_offense, no_fault}, fine_fen, waived_fen, beneficiaries,
    /// closed, closure_rate`. Counts and amounts are integers; each rate is Swift's `Double`
    /// description (shortest round-trip form, e.g. `0.971`, `1.0`), or `null` when `filed` is 0.
    /// No whitespace.
    public var canonicalJSON: String {
        func rate(_ value: Double?) -> String { value.map { "\($0)" } ?? "null" }
        return "{\"filed\":\(filed),\"filed_online\":\(filedOnline),\"online_rate\":\(rate(onlineRate)),"
            + "\"decided\":\(decided),\"no_penalty\":\(noPenalty),\"reduced\":\(reduced),"
            + "\"lighter\":\(lighter),\"standard\":\(standard),\"heavier\":\(heavier),"
            + "\"no_penalty_by_reason\":{\"minor\":\(npMinor),\"first_offense\":\(npFirstOffense),"
            + "\"no_fault\":\(npNoFault)},\"fine_fen\":\(fineFen),\"waived_fen\":\(waivedFen),"
            + "\"beneficiaries\":\(beneficiaryCount),\"closed\":\(closed),"
            + "\"closure_rate\":\(rate(closureRate))}"
    }
}
