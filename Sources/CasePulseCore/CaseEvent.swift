/// One lifecycle step of one enforcement case, as accepted from a producer.
///
/// The wire form is the JSON object of `Protocols/PROTOCOL.md` (topic `case.v1`); `CasePulseWire`
/// decodes and validates it. A `CaseEvent` that exists has passed validation: every field is inside
/// the ranges of the contract.
public struct CaseEvent: Sendable, Hashable {
    /// Unique event id (1–128 characters). A second event with the same id in the same case is a
    /// redelivery and changes nothing.
    public var id: String
    /// Sending backend, `[A-Za-z0-9._-]{1,64}`.
    public var producer: String
    /// Per-producer sequence number (≥ 1), when the producer sends one.
    public var seq: UInt64?
    /// Lifecycle step.
    public var type: EventType
    /// Case id (1–128 characters), unique in the deployment.
    public var caseID: String
    /// Event time as nanoseconds since 1970-01-01T00:00:00Z.
    public var at: Int64
    /// Administrative division code of the place the step happened.
    public var region: RegionCode
    /// Enforcement agency or field, `[A-Za-z0-9_-]{1,32}`.
    public var agency: String
    /// Handling channel; present on every `filed` event.
    public var channel: Channel?
    /// The party (1–64 characters), e.g. a unified social credit code.
    public var subject: String?
    /// Decision kind; present on every `decided` event.
    public var decision: Decision?
    /// Why no penalty was imposed.
    public var reason: Reason?
    /// Item of the published no-penalty / light-penalty list that was applied.
    public var listItem: String?
    /// Fine imposed, in fen (0 … 10^12).
    public var fineFen: Int64
    /// Fine waived or reduced, in fen (0 … 10^12).
    public var waivedFen: Int64

    /// Creates an event. The caller guarantees the contract's ranges (the decoder checks them).
    public init(
        id: String, producer: String, seq: UInt64? = nil, type: EventType, caseID: String, at: Int64,
        region: RegionCode, agency: String, channel: Channel? = nil, subject: String? = nil,
        decision: Decision? = nil, reason: Reason? = nil, listItem: String? = nil,
        fineFen: Int64 = 0, waivedFen: Int64 = 0
    ) {
        self.id = id
        self.producer = producer
        self.seq = seq
        self.type = type
        self.caseID = caseID
        self.at = at
        self.region = region
        self.agency = agency
        self.channel = channel
        self.subject = subject
        self.decision = decision
        self.reason = reason
        self.listItem = listItem
        self.fineFen = fineFen
        self.waivedFen = waivedFen
    }
}

/// The lifecycle step an event reports.
public enum EventType: UInt8, Sendable, CaseIterable, Hashable {
    /// The case was filed (立案).
    case filed = 0
    /// A decision was made or corrected.
    case decided = 1
    /// The case was closed (结案).
    case closed = 2
    /// The case was voided: it counts nowhere.
    case voided = 3

    /// The name used on the wire.
    public var wireName: String {
        switch self {
        case .filed: "filed"
        case .decided: "decided"
        case .closed: "closed"
        case .voided: "voided"
        }
    }
}

/// Where a case was handled.
public enum Channel: UInt8, Sendable, CaseIterable, Hashable {
    /// On the online platform / mobile enforcement app.
    case online = 0
    /// On paper.
    case offline = 1

    /// The name used on the wire.
    public var wireName: String { self == .online ? "online" : "offline" }
}

/// The kind of decision (行政处罚法 Art. 32–33).
public enum Decision: UInt8, Sendable, CaseIterable, Hashable {
    /// 不予处罚.
    case noPenalty = 0
    /// 减轻处罚: below the legal minimum.
    case reduced = 1
    /// 从轻处罚: inside the legal range, towards its lower end.
    case lighter = 2
    /// An ordinary penalty.
    case standard = 3
    /// 从重处罚.
    case heavier = 4

    /// The name used on the wire and in aggregate values.
    public var wireName: String {
        switch self {
        case .noPenalty: "no_penalty"
        case .reduced: "reduced"
        case .lighter: "lighter"
        case .standard: "standard"
        case .heavier: "heavier"
        }
    }

    /// Whether the party of such a decision counts as a beneficiary.
    public var benefitsParty: Bool { self == .noPenalty || self == .reduced }
}

/// Why no penalty was imposed (行政处罚法 Art. 33).
public enum Reason: UInt8, Sendable, CaseIterable, Hashable {
    /// 轻微: a minor violation, promptly corrected, no harmful consequence.
    case minor = 0
    /// 首违: a first violation with minor consequence.
    case firstOffense = 1
    /// 无主观过错: no fault.
    case noFault = 2

    /// The name used on the wire and in aggregate values.
    public var wireName: String {
        switch self {
        case .minor: "minor"
        case .firstOffense: "first_offense"
        case .noFault: "no_fault"
        }
    }
}
