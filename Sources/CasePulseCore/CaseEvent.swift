/// One lifecycle step of one enforcement case, as accepted from a producer.
///
/// The wire form is the JSON object of `Protocols/PROTOCOL.md` (topic `case.v1`); `CasePulseWire`
/// decodes and validates it. A `CaseEvent` that exists has passed validation: every field is inside
/// the ranges of the contract.
///
/// The six texts (id, producer, case, agency, subject, list item) are kept as UTF-8 bytes one after
/// another in one buffer, not as six `String`s: a decoded event costs one allocation instead of up
/// to six, and the engine reads the bytes it hashes and stores (``withView(_:)``) without
/// converting. The `String` properties read and write that buffer.
public struct CaseEvent: Sendable {
    /// The texts' bytes, in ``EventTexts/Text`` order.
    private var textBytes: [UInt8]
    /// Where each text lies in `textBytes`, and which optional ones are present.
    private var texts: EventTexts

    /// Per-producer sequence number (≥ 1), when the producer sends one.
    public var seq: UInt64?
    /// Lifecycle step.
    public var type: EventType
    /// Event time as nanoseconds since 1970-01-01T00:00:00Z.
    public var at: Int64
    /// Administrative division code of the place the step happened.
    public var region: RegionCode
    /// Handling channel; present on every `filed` event.
    public var channel: Channel?
    /// Decision kind; present on every `decided` event.
    public var decision: Decision?
    /// Why no penalty was imposed.
    public var reason: Reason?
    /// Fine imposed, in fen (0 … 10^12).
    public var fineFen: Int64
    /// Fine waived or reduced, in fen (0 … 10^12).
    public var waivedFen: Int64

    private typealias Text = EventTexts.Text

    /// Creates an event. The caller guarantees the contract's ranges (the decoder checks them).
    public init(
        id: String, producer: String, seq: UInt64? = nil, type: EventType, caseID: String, at: Int64,
        region: RegionCode, agency: String, channel: Channel? = nil, subject: String? = nil,
        decision: Decision? = nil, reason: Reason? = nil, listItem: String? = nil,
        fineFen: Int64 = 0, waivedFen: Int64 = 0
    ) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(id.utf8.count + producer.utf8.count + caseID.utf8.count + agency.utf8.count
            + (subject?.utf8.count ?? 0) + (listItem?.utf8.count ?? 0))
        var ends = SIMD8<UInt32>()
        func put(_ text: String, _ field: Text) {
            bytes.append(contentsOf: text.utf8)
            ends[field.rawValue] = UInt32(bytes.count)
        }
        put(id, .id)
        put(producer, .producer)
        put(caseID, .caseID)
        put(agency, .agency)
        put(subject ?? "", .subject)
        put(listItem ?? "", .listItem)
        self.init(
            textBytes: bytes, texts: EventTexts(ends: ends, present: (subject == nil ? 0 : 1) | (listItem == nil ? 0 : 2)),
            seq: seq, type: type, at: at, region: region, channel: channel, decision: decision, reason: reason,
            fineFen: fineFen, waivedFen: waivedFen)
    }

    /// Creates an event that owns a copy of `view`'s texts, in its one buffer: how a decoder
    /// turns the event it lends (``CaseEventView``) into one that outlives its buffers.
    public init(_ view: CaseEventView) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(view.id.count + view.producer.count + view.caseID.count + view.agency.count
            + (view.subject?.count ?? 0) + (view.listItem?.count ?? 0))
        let texts = EventTexts(appending: view, to: &bytes)
        self.init(
            textBytes: bytes, texts: texts, seq: view.seq, type: view.type, at: view.at, region: view.region,
            channel: view.channel, decision: view.decision, reason: view.reason, fineFen: view.fineFen,
            waivedFen: view.waivedFen)
    }

    private init(
        textBytes: [UInt8], texts: EventTexts, seq: UInt64?, type: EventType, at: Int64,
        region: RegionCode, channel: Channel?, decision: Decision?, reason: Reason?, fineFen: Int64, waivedFen: Int64
    ) {
        self.textBytes = textBytes
        self.texts = texts
        self.seq = seq
        self.type = type
        self.at = at
        self.region = region
        self.channel = channel
        self.decision = decision
        self.reason = reason
        self.fineFen = fineFen
        self.waivedFen = waivedFen
    }

    /// Unique event id (1–128 characters). A second event with the same id, in any case, is a
    /// duplicate and changes nothing.
    public var id: String {
        get { string(.id) }
        set { replace(.id, with: newValue) }
    }

    /// Sending backend, `[A-Za-z0-9._-]{1,64}`.
    public var producer: String {
        get { string(.producer) }
        set { replace(.producer, with: newValue) }
    }

    /// Case id (1–128 characters), unique in the deployment.
    public var caseID: String {
        get { string(.caseID) }
        set { replace(.caseID, with: newValue) }
    }

    /// Enforcement agency or field, `[A-Za-z0-9_-]{1,32}`.
    public var agency: String {
        get { string(.agency) }
        set { replace(.agency, with: newValue) }
    }

    /// The party (1–64 characters), e.g. a unified social credit code.
    public var subject: String? {
        get { texts.holds(.subject) ? string(.subject) : nil }
        set {
            replace(.subject, with: newValue ?? "")
            texts.present = newValue == nil ? texts.present & ~1 : texts.present | 1
        }
    }

    /// Item of the published no-penalty / light-penalty list that was applied.
    public var listItem: String? {
        get { texts.holds(.listItem) ? string(.listItem) : nil }
        set {
            replace(.listItem, with: newValue ?? "")
            texts.present = newValue == nil ? texts.present & ~2 : texts.present | 2
        }
    }

    /// Calls `body` with the event as a ``CaseEventView``, its texts lent without a copy.
    @inline(__always)
    public func withView<R>(_ body: (CaseEventView) throws -> R) rethrows -> R {
        try textBytes.withUnsafeBytes { all in
            try body(CaseEventView(
                id: texts.required(.id, in: all), producer: texts.required(.producer, in: all), seq: seq, type: type,
                caseID: texts.required(.caseID, in: all), at: at, region: region,
                agency: texts.required(.agency, in: all), channel: channel, subject: texts.text(.subject, in: all),
                decision: decision, reason: reason, listItem: texts.text(.listItem, in: all), fineFen: fineFen,
                waivedFen: waivedFen))
        }
    }

    private func string(_ field: Text) -> String {
        String(decoding: textBytes[texts.range(field)], as: UTF8.self)
    }

    private mutating func replace(_ field: Text, with value: String) {
        let old = texts.range(field)
        textBytes.replaceSubrange(old, with: value.utf8)
        let shift = Int64(value.utf8.count) - Int64(old.count)
        for index in field.rawValue..<Text.allCases.count {
            texts.ends[index] = UInt32(Int64(texts.ends[index]) + shift)
        }
    }
}

/// An event whose texts are borrowed UTF-8 bytes: what a decoder lends straight from its parser's
/// buffers, and what the engine applies, so that an event received and applied on one thread
/// costs no allocation at all.
///
/// The texts are valid only as long as their lender says: inside ``CaseEvent/withView(_:)``, or
/// until the next call on the ``EventDecoder`` that returned it. Keep a ``CaseEvent`` (its
/// ``CaseEvent/init(_:)``) to hold an event longer. The fields mean what ``CaseEvent``'s do, and
/// the texts must be valid UTF-8 within the contract's ranges.
public struct CaseEventView {
    /// The event id's bytes.
    public var id: UnsafeRawBufferPointer
    /// The producer's bytes.
    public var producer: UnsafeRawBufferPointer
    /// Per-producer sequence number, when the producer sends one.
    public var seq: UInt64?
    /// Lifecycle step.
    public var type: EventType
    /// The case id's bytes.
    public var caseID: UnsafeRawBufferPointer
    /// Event time as nanoseconds since 1970-01-01T00:00:00Z.
    public var at: Int64
    /// Administrative division code of the place the step happened.
    public var region: RegionCode
    /// The agency's bytes.
    public var agency: UnsafeRawBufferPointer
    /// Handling channel.
    public var channel: Channel?
    /// The subject's bytes, when present.
    public var subject: UnsafeRawBufferPointer?
    /// Decision kind.
    public var decision: Decision?
    /// Why no penalty was imposed.
    public var reason: Reason?
    /// The list item's bytes, when present.
    public var listItem: UnsafeRawBufferPointer?
    /// Fine imposed, in fen.
    public var fineFen: Int64
    /// Fine waived or reduced, in fen.
    public var waivedFen: Int64

    /// Creates a view of an event whose texts are the given bytes.
    @inline(__always)
    public init(
        id: UnsafeRawBufferPointer, producer: UnsafeRawBufferPointer, seq: UInt64?, type: EventType,
        caseID: UnsafeRawBufferPointer, at: Int64, region: RegionCode, agency: UnsafeRawBufferPointer,
        channel: Channel?, subject: UnsafeRawBufferPointer?, decision: Decision?, reason: Reason?,
        listItem: UnsafeRawBufferPointer?, fineFen: Int64, waivedFen: Int64
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

extension CaseEvent: Hashable {
    /// Events are equal when every field is, texts compared as strings (up to canonical
    /// equivalence).
    public static func == (lhs: CaseEvent, rhs: CaseEvent) -> Bool {
        lhs.seq == rhs.seq && lhs.type == rhs.type && lhs.at == rhs.at && lhs.region == rhs.region
            && lhs.channel == rhs.channel && lhs.decision == rhs.decision && lhs.reason == rhs.reason
            && lhs.fineFen == rhs.fineFen && lhs.waivedFen == rhs.waivedFen
            && lhs.id == rhs.id && lhs.producer == rhs.producer && lhs.caseID == rhs.caseID
            && lhs.agency == rhs.agency && lhs.subject == rhs.subject && lhs.listItem == rhs.listItem
    }

    /// Hashes every field, texts as strings.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(id)
        hasher.combine(producer)
        hasher.combine(seq)
        hasher.combine(type)
        hasher.combine(caseID)
        hasher.combine(at)
        hasher.combine(region)
        hasher.combine(agency)
        hasher.combine(channel)
        hasher.combine(subject)
        hasher.combine(decision)
        hasher.combine(reason)
        hasher.combine(listItem)
        hasher.combine(fineFen)
        hasher.combine(waivedFen)
    }
}

extension CaseEvent: CustomStringConvertible {
    /// The fields, texts as strings.
    public var description: String {
        "CaseEvent(id: \(id.debugDescription), producer: \(producer.debugDescription), seq: \(seq.map(String.init) ?? "nil"), "
            + "type: \(type), case: \(caseID.debugDescription), at: \(at), region: \(region), "
            + "agency: \(agency.debugDescription), channel: \(channel.map { "\($0)" } ?? "nil"), "
            + "subject: \(subject?.debugDescription ?? "nil"), decision: \(decision.map { "\($0)" } ?? "nil"), "
            + "reason: \(reason.map { "\($0)" } ?? "nil"), list item: \(listItem?.debugDescription ?? "nil"), "
            + "fine: \(fineFen), waived: \(waivedFen))"
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
