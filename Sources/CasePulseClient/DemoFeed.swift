import CasePulseCore

/// An endless, realistic stream of case events from several backends of Jining (济宁, 370800),
/// for demonstrations and load: cases are filed (≈ 97 % online), decided minutes to hours later in
/// simulated time (≈ 12 % no penalty, with a reason; ≈ 1.2 % reduced; lighter, standard and
/// heavier for the rest, with fines and waived amounts in fen), closed later; a few decisions are
/// corrected and a few cases voided.
///
/// The feed is a pure function of its parameters: event `k` is generated as if sent at the nominal
/// time `start + k / rate`, so the same seed, start and rate always give the same events. Send them
/// at `rate` per second (see ``Pacer``) and their times stay near the wall clock: a filing is up to
/// 20 minutes old when sent; a case's later steps are scheduled minutes to days later in simulated
/// time, which runs `timeScale` times faster than the wall clock (so they show up while a demo
/// runs), and their event times are those simulated times capped at the nominal sending time.
/// No event time is ever later than its nominal sending time.
///
/// Producers are one per agency (`jn-scjg-app`, …), each with its own `seq` counting from 1.
public struct DemoFeed: Sequence, IteratorProtocol, Sendable {
    /// Jining's twelve counties (county-level divisions).
    public static let counties = [
        "370811", "370812", "370826", "370827", "370828", "370829", "370830", "370831", "370832",
        "370871", "370881", "370883",
    ]
    /// ``counties`` as codes.
    static let countyCodes: [RegionCode] = counties.compactMap { RegionCode($0) }
    /// The relative case volume of each of ``counties`` (urban districts busiest).
    static let countyWeights = [18, 12, 7, 7, 8, 9, 7, 6, 8, 5, 7, 6]

    /// The agencies (enforcement fields): market regulation, natural resources, ecology and
    /// environment, transport, culture and tourism.
    public static let agencies = ["scjg", "zrzy", "sthj", "jtys", "whly"]
    /// The relative case volume of each of ``agencies``.
    static let agencyWeights = [45, 12, 13, 20, 10]
    /// The sending backend of each of ``agencies``.
    public static let producers = ["jn-scjg-app", "jn-zrzy-app", "jn-sthj-web", "jn-jtys-app", "jn-whly-platform"]

    /// A follow-up step of a filed case, waiting in the schedule.
    struct FollowUp: Sendable {
        /// Which step.
        enum Step: Sendable {
            case decide, correct, close, void
        }

        var step: Step
        var caseInfo: CaseInfo
        /// The event time the step happens at in simulated time (before clamping to "now").
        var at: Int64
    }

    /// What follow-ups need to know about a case.
    struct CaseInfo: Sendable {
        var caseID: String
        var agency: Int
        var region: RegionCode
        var county: RegionCode
        var subject: String?
        var decision: Decision?
        /// The event time of the case's latest event so far.
        var lastAt: Int64
    }

    /// The seed of every random choice.
    public let seed: UInt64
    /// The nominal sending time of the first event, Unix nanoseconds.
    public let start: Int64
    /// Nominal events per second.
    public let rate: Double
    /// How many simulated seconds of case life pass per real second (default 600: an hour in six
    /// seconds), so decisions and closings show up while a demo runs.
    public let timeScale: Int64
    /// Events generated so far.
    public private(set) var emitted: Int64 = 0
    /// Cases filed so far.
    public private(set) var casesFiled: Int64 = 0

    private let interval: Int64
    private let runTag: String
    private var random: SplitMix64
    private var schedule = DemoSchedule()
    private var producerSequence = [UInt64](repeating: 0, count: DemoFeed.agencies.count)

    private static let second: Int64 = 1_000_000_000

    /// Creates a feed.
    ///
    /// - Parameters:
    ///   - seed: Determines every choice; the same parameters give the same events.
    ///   - start: The nominal sending time of the first event, in Unix nanoseconds (usually now).
    ///   - rate: Nominal events per second (positive).
    ///   - timeScale: Simulated seconds per real second for case life (at least 1).
    public init(seed: UInt64, start: Int64, rate: Double = 50, timeScale: Int64 = 600) {
        self.seed = seed
        self.start = start
        self.rate = rate > 0 ? rate : 50
        self.timeScale = Swift.max(1, timeScale)
        interval = Swift.max(1, Int64((1e9 / self.rate).rounded()))
        random = SplitMix64(seed: seed)
        let tag = String(random.next() & 0xFFFFF, radix: 36, uppercase: true)
        runTag = String(repeating: "0", count: Swift.max(0, 4 - tag.count)) + tag
    }

    /// The nominal sending time of the next event, Unix nanoseconds.
    public var nextNominalTime: Int64 { start + emitted * interval }

    /// The next event; never `nil`.
    public mutating func next() -> CaseEvent? {
        let now = nextNominalTime
        emitted += 1
        if let due = schedule.earliestDue, due <= now, let followUp = schedule.popEarliest() {
            return emit(followUp, now: now)
        }
        return fileCase(now: now)
    }

    // MARK: Steps

    private mutating func fileCase(now: Int64) -> CaseEvent {
        casesFiled += 1
        let agency = random.weighted(Self.agencyWeights)
        let county = Self.countyCodes[random.weighted(Self.countyWeights) % Self.countyCodes.count]
        var region = county
        if random.chance(35, in: 100) {
            // A town (乡镇/街道) of the county: 001–012 streets, 100–115 towns.
            let town = random.chance(1, in: 2) ? random.int(1..<13) : random.int(100..<116)
            region = RegionCode(value: county.value * 1000 + UInt64(town), length: 9) ?? county
        }
        let serial = String(casesFiled)
        let caseID = "\(Self.agencies[agency].uppercased())-\(county)-\(runTag)-"
            + String(repeating: "0", count: Swift.max(0, 6 - serial.count)) + serial
        let subject = makeSubject(county: county.description)
        let filedAt = alignToSecond(now - random.int64(0...(20 * 60)) * Self.second)
        let online = !random.chance(3, in: 100)
        let info = CaseInfo(
            caseID: caseID, agency: agency, region: region, county: county, subject: subject, decision: nil,
            lastAt: filedAt)

        // The case's future: usually decided then closed; a few are voided, a few stay open.
        if random.chance(4, in: 1000) {
            schedule(.void, of: info, after: simulatedDelay(minutes: 30...(24 * 60)), from: filedAt, now: now)
        } else if !random.chance(1, in: 100) {
            schedule(.decide, of: info, after: decisionDelay(), from: filedAt, now: now)
        }
        return makeEvent(
            id: caseID + "-f", type: .filed, info: info, at: filedAt, region: info.region,
            channel: online ? .online : .offline, subject: subject)
    }

    private mutating func emit(_ followUp: FollowUp, now: Int64) -> CaseEvent {
        var info = followUp.caseInfo
        // Never later than the sending time; a step that is due "now" happened up to 2 minutes ago.
        let latest = alignToSecond(now - random.int64(0...120) * Self.second)
        let at = Swift.max(info.lastAt, Swift.min(followUp.at, latest))
        info.lastAt = at
        switch followUp.step {
        case .void:
            return makeEvent(id: info.caseID + "-v", type: .voided, info: info, at: at, region: info.region)
        case .decide, .correct:
            let correcting = followUp.step == .correct
            let decision = correcting ? correctedDecision(info.decision) : drawDecision()
            info.decision = decision
            // Town cases are sometimes decided by the county bureau.
            let region = info.region.length == 9 && random.chance(3, in: 10) ? info.county : info.region
            let event = makeDecision(info: info, decision: decision, at: at, region: region, correction: correcting)
            if !correcting, random.chance(15, in: 1000) {
                schedule(.correct, of: info, after: simulatedDelay(minutes: 10...(4 * 60)), from: at, now: now)
            } else if !random.chance(1, in: 100) {
                schedule(.close, of: info, after: simulatedDelay(minutes: 30...(2 * 24 * 60)), from: at, now: now)
            }
            if !correcting, random.chance(2, in: 1000) {
                schedule(.void, of: info, after: simulatedDelay(minutes: 60...(12 * 60)), from: at, now: now)
            }
            return event
        case .close:
            return makeEvent(id: info.caseID + "-c", type: .closed, info: info, at: at, region: info.region)
        }
    }

    private mutating func makeDecision(
        info: CaseInfo, decision: Decision, at: Int64, region: RegionCode, correction: Bool
    ) -> CaseEvent {
        var reason: Reason?
        var listItem: String?
        var fine: Int64 = 0
        var waived: Int64 = 0
        let agency = Self.agencies[info.agency]
        switch decision {
        case .noPenalty:
            reason = [Reason.minor, .firstOffense, .noFault][random.weighted([62, 34, 4])]
            listItem = "\(agency)-bycf-\(random.int(1..<41))"
            waived = yuan(random.bucketed([(6, 200...2000), (3, 2000...10000), (1, 10000...50000)]))
        case .reduced:
            listItem = random.chance(1, in: 2) ? "\(agency)-jqcf-\(random.int(1..<21))" : nil
            fine = yuan(random.bucketed([(7, 500...5000), (3, 5000...20000)]))
            waived = yuan(random.bucketed([(7, 1000...10000), (3, 10000...50000)]))
        case .lighter:
            listItem = random.chance(1, in: 3) ? "\(agency)-cqcf-\(random.int(1..<31))" : nil
            fine = yuan(random.bucketed([(6, 200...2000), (3, 2000...10000), (1, 10000...50000)]))
        case .standard:
            fine = yuan(random.bucketed([(5, 500...3000), (4, 3000...20000), (1, 20000...100000)]))
        case .heavier:
            fine = yuan(random.bucketed([(5, 10000...50000), (4, 50000...200000), (1, 200000...1000000)]))
        }
        // The party usually rides on the filing; some backends repeat it on the decision.
        let subject = random.chance(1, in: 2) ? info.subject : nil
        return makeEvent(
            id: info.caseID + (correction ? "-d2" : "-d1"), type: .decided, info: info, at: at, region: region,
            subject: subject, decision: decision, reason: reason, listItem: listItem, fineFen: fine, waivedFen: waived)
    }

    private mutating func makeEvent(
        id: String, type: EventType, info: CaseInfo, at: Int64, region: RegionCode, channel: Channel? = nil,
        subject: String? = nil, decision: Decision? = nil, reason: Reason? = nil, listItem: String? = nil,
        fineFen: Int64 = 0, waivedFen: Int64 = 0
    ) -> CaseEvent {
        producerSequence[info.agency] += 1
        return CaseEvent(
            id: id, producer: Self.producers[info.agency], seq: producerSequence[info.agency], type: type,
            caseID: info.caseID, at: at, region: region, agency: Self.agencies[info.agency], channel: channel,
            subject: subject, decision: decision, reason: reason,
            listItem: listItem, fineFen: fineFen, waivedFen: waivedFen)
    }

    // MARK: Draws

    private mutating func drawDecision() -> Decision {
        // Per 10,000: 12 % no penalty, 1.2 % reduced, then lighter / standard / heavier.
        [Decision.noPenalty, .reduced, .lighter, .standard, .heavier][random.weighted([1200, 120, 2000, 6340, 340])]
    }

    private mutating func correctedDecision(_ previous: Decision?) -> Decision {
        switch previous {
        case .standard?: random.chance(2, in: 3) ? .lighter : .noPenalty
        case .heavier?: .standard
        case .lighter?: random.chance(1, in: 2) ? .reduced : .standard
        case .noPenalty?: .lighter
        case .reduced?, nil: .lighter
        }
    }

    /// A credit code (统一社会信用代码) from a pool, so some parties come back; `nil` for a few
    /// cases whose backend does not send the party.
    private mutating func makeSubject(county: String) -> String? {
        if random.chance(5, in: 100) { return nil }
        let kind: Character = random.chance(3, in: 10) ? "2" : "1"
        // A bijective scramble of the pool index over the 7 free characters after "MA".
        let index = random.below(60_000)
        return Self.creditCode(kind: kind, division: county, organisation: (index &* 1_000_003 &+ 12_345_678) % 27_512_614_111)
    }

    private mutating func decisionDelay() -> Int64 {
        simulatedDelay(minutes: random.chance(6, in: 10) ? 10...120 : 120...(8 * 60))
    }

    private mutating func simulatedDelay(minutes: ClosedRange<Int64>) -> Int64 {
        random.int64((minutes.lowerBound * 60)...(minutes.upperBound * 60)) * Self.second
    }

    /// Schedules a step `delay` simulated nanoseconds after `from`; it is emitted `delay / timeScale`
    /// later than `now` in nominal time.
    private mutating func schedule(_ step: FollowUp.Step, of info: CaseInfo, after delay: Int64, from: Int64, now: Int64) {
        let realDelay = Swift.min(delay / timeScale, 300 * Self.second)
        schedule.insert(FollowUp(step: step, caseInfo: info, at: from + delay), due: now + Swift.max(realDelay, Self.second))
    }

    private func yuan(_ amount: Int64) -> Int64 {
        amount / 50 * 50 * 100
    }

    private func alignToSecond(_ nanoseconds: Int64) -> Int64 {
        nanoseconds - ((nanoseconds % Self.second) + Self.second) % Self.second
    }

    // MARK: Credit codes

    private static let creditAlphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")
    private static let creditWeights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

    /// An 18-character unified social credit code with its check character (GB 32100-2015):
    /// registering body `9`, `kind`, the 6-digit division, `MA` and 7 characters from
    /// `organisation` (below 31^7), check.
    static func creditCode(kind: Character, division: String, organisation: UInt64) -> String {
        var characters: [Character] = ["9", kind] + Array(division.prefix(6)) + ["M", "A"]
        var digits: [Character] = []
        var rest = organisation
        for _ in 0..<7 {
            digits.append(creditAlphabet[Int(rest % 31)])
            rest /= 31
        }
        characters += digits.reversed()
        var sum = 0
        for (index, character) in characters.prefix(17).enumerated() {
            sum += (creditAlphabet.firstIndex(of: character) ?? 0) * creditWeights[index]
        }
        let check = (31 - sum % 31) % 31
        characters.append(creditAlphabet[check])
        return String(characters)
    }
}
