import CasePulseCore

/// A generator of small random sets of valid case events for property tests.
///
/// For a seed, ``events()`` yields 1–60 events over 1–12 cases: every event type (voids and
/// corrections included), 2–3 agencies, region codes of 6, 9 and 12 digits in two provinces
/// (province- and city-level codes too), times within two days of a month or year boundary in
/// Asia/Shanghai (one nanosecond before it, exactly on it, and many equal `at` values), subjects
/// from a small pool so beneficiaries overlap, reasons on any kind of decision, and amounts up to
/// 10^12 fen. Event ids are unique, mix digit lengths (`a9` vs `b10`) so byte order and numeric
/// order disagree, and each producer numbers its events from 1 in list order.
///
/// ``shuffledWithDuplicates(_:seed:)`` turns such a set into an arrival stream; by the contract,
/// the aggregates of the stream equal those of the set.
public struct RandomCaseEvents: Sendable {
    /// The seed of every random choice.
    public let seed: UInt64

    /// Creates the generator for `seed`.
    public init(seed: UInt64) {
        self.seed = seed
    }

    /// The region codes events are placed at: Shandong (province, Jining, two counties, a local
    /// development-zone code, towns and villages, a town directly under a city code, Zibo) and
    /// Beijing.
    public static let regions = [
        "370000", "370800", "370811", "370812", "370812101", "370812101203", "370890", "370890401",
        "370800001", "370303", "370303005", "370303005012",
        "110000", "110105", "110105012", "110105012001",
    ]

    /// The parties events may name: well-formed credit codes and a resident ID number, plus one
    /// credit code whose check character is wrong (registries contain such codes; they are
    /// counted like any other party).
    public static let subjects: [String] = [
        PartyCode.creditCode(kind: "1", division: "370800", organisation: 12_345),
        PartyCode.creditCode(kind: "2", division: "370812", organisation: 987_654_321),
        PartyCode.creditCode(kind: "3", division: "370303", organisation: 31),
        PartyCode.creditCode(kind: "1", division: "110105", organisation: 26_439_622_160_670),
        PartyCode.residentID(division: "370811", birthDay: 12_000, sequence: 123),
        "91370800MA3C4XJ360",
    ]

    /// Instants of local midnight in Asia/Shanghai that events cluster around: new year 2023,
    /// 1 April 2023, 29 February 2024, 1 March 2024, new year 2025.
    public static let boundaries: [Int64] = [
        1_672_502_400, 1_680_278_400, 1_709_136_000, 1_709_222_400, 1_735_660_800,
    ].map { $0 * 1_000_000_000 }

    /// The set of events, each with a unique id, in generation order.
    public func events() -> [CaseEvent] {
        var rng = SplitMix64(seed: seed)
        let count = rng.int(1...60)
        let caseCount = rng.int(1...min(12, count))
        let agencies = Array(rng.shuffled(["scjg", "zrzy", "sthj", "jtys"]).prefix(rng.int(2...3)))
        let producers = ["p-a", "p-b", "p-c"]
        let boundary = rng.pick(Self.boundaries)
        var caseAgency: [String] = []
        var caseRegion: [String] = []
        for _ in 0..<caseCount {
            caseAgency.append(rng.pick(agencies))
            caseRegion.append(rng.pick(Self.regions))
        }

        var counter = rng.int(1...12)
        var nextSeq: [String: UInt64] = [:]
        var times: [[Int64]] = Array(repeating: [], count: caseCount)
        var result: [CaseEvent] = []
        for _ in 0..<count {
            let c = rng.int(0..<caseCount)
            counter += rng.int(1...40)
            let id = String(rng.pick(["a", "b", "e", "E", "x"])) + String(counter)
            let producer = rng.pick(producers)
            let seq = nextSeq[producer, default: 1]
            nextSeq[producer] = seq + 1

            let at: Int64
            let roll = rng.int(0..<10)
            if roll < 2, let earlier = times[c].isEmpty ? nil : rng.pick(times[c]) {
                at = earlier
            } else if roll < 3 {
                at = boundary + (rng.chance(1, in: 2) ? -1 : 0)
            } else {
                at = boundary + Int64(rng.int(-96...96)) * 1_800_000_000_000 + (rng.chance(1, in: 4) ? 1 : 0)
            }
            times[c].append(at)

            let typeRoll = rng.int(0..<100)
            let type: EventType = typeRoll < 32 ? .filed : typeRoll < 70 ? .decided : typeRoll < 95 ? .closed : .voided
            var event = CaseEvent(
                id: id, producer: producer, seq: seq, type: type, caseID: "case-\(c)", at: at,
                region: RegionCode(rng.chance(4, in: 5) ? caseRegion[c] : rng.pick(Self.regions))!,
                agency: rng.chance(5, in: 6) ? caseAgency[c] : rng.pick(agencies)
            )
            switch type {
            case .filed:
                event.channel = rng.chance(2, in: 3) ? .online : .offline
                if rng.chance(3, in: 5) { event.subject = rng.pick(Self.subjects) }
            case .decided:
                let kind = rng.pick(Decision.allCases)
                event.decision = kind
                if rng.chance(kind == .noPenalty ? 3 : 1, in: kind == .noPenalty ? 4 : 6) {
                    event.reason = rng.pick(Reason.allCases)
                }
                if rng.chance(2, in: 3) { event.subject = rng.pick(Self.subjects) }
                if rng.chance(1, in: 3) { event.listItem = "item-\(rng.int(1...9))" }
                event.fineFen = amount(&rng)
                event.waivedFen = amount(&rng)
            case .closed, .voided:
                if rng.chance(1, in: 5) { event.subject = rng.pick(Self.subjects) }
            }
            result.append(event)
        }
        return result
    }

    /// `events` in a random order with random redeliveries: each redelivery is an exact copy of
    /// an event of the list (same id, same seq), so the result holds the same set of events.
    public static func shuffledWithDuplicates(_ events: [CaseEvent], seed: UInt64) -> [CaseEvent] {
        var rng = SplitMix64(seed: seed)
        var stream = events
        if !events.isEmpty {
            for _ in 0..<rng.int(0...events.count) {
                stream.append(rng.pick(events))
            }
        }
        rng.shuffle(&stream)
        return stream
    }

    /// An amount in fen: often 0, sometimes the maximum 10^12, otherwise anything up to it.
    private func amount(_ rng: inout SplitMix64) -> Int64 {
        switch rng.int(0..<10) {
        case 0..<4: 0
        case 4: 1_000_000_000_000
        case 5..<8: rng.int64(1 ..< 10_000_000)
        default: rng.int64(1 ..< 1_000_000_000_001)
        }
    }
}
