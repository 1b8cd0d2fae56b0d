import CasePulseCore
import Foundation

/// A generated, messy delivery stream of case events that reproduces Jining's published 2022
/// figures (DOMAIN.md) under the contract's meaning.
///
/// ``events()`` returns every event in delivery order: about 340,000 events from five producers,
/// with redeliveries, out-of-order arrival, corrected decisions, voided cases, duplicate filings
/// and closings, and cases of other cities. Whatever the seed, the aggregate at ``key`` (Jining, all
/// time, every agency) in ``timeZone`` is exactly ``expected``; so is the one at ``yearKey``, since
/// every counted Jining event falls in 2022 in Asia/Shanghai. In UTC, exactly
/// ``newYearEdgeFilings`` Jining filings (and nothing else of Jining) fall in 2021. The seed moves
/// times, places, agencies, amounts, which cases carry which messiness, and the delivery order.
/// The parties behind `beneficiaries` are ``party(_:)`` of `0 ..< 13_190`, whatever the seed.
public struct JiningFeed: Sendable {
    /// The seed of every random choice.
    public let seed: UInt64

    /// Creates the feed for `seed`; the same seed always yields the same events in the same order.
    public init(seed: UInt64) {
        self.seed = seed
    }

    /// The key whose aggregate is ``expected``: Jining, all time, every agency.
    public static let key = "/m/all/370000/370800/@all"

    /// The year-2022 window of Jining, every agency: also exactly ``expected`` in ``timeZone``.
    public static let yearKey = "/m/2022/370000/370800/@all"

    /// The zone the figures are computed in (the daemon's default).
    public static let timeZone = TimeZone(identifier: "Asia/Shanghai")!

    /// Jining's twelve counties (DOMAIN.md) and the development zone's local code `370890`.
    public static let counties = [
        "370811", "370812", "370826", "370827", "370828", "370829", "370830", "370831", "370832",
        "370871", "370881", "370883", "370890",
    ]

    /// Counties of other cities (Zibo 3703xx, Tai'an 3709xx) whose cases must not count in Jining.
    public static let otherCounties = [
        "370302", "370303", "370304", "370305", "370306", "370321", "370322", "370323",
        "370902", "370911", "370921", "370923", "370982", "370983",
    ]

    /// The agencies of the feed, each sent by the producer of the same index in ``producers``.
    public static let agencies = ["scjg", "zrzy", "sthj", "jtys", "whly"]

    /// The five sending backends, one per agency of ``agencies``.
    public static let producers = [
        "jn-scjg-app", "jn-zrzy-app", "jn-sthj-web", "jn-jtys-app", "sd-whly-platform",
    ]

    /// How many counted Jining filings are at 2022-01-01T00:10+08:00 (2021-12-31T16:10Z).
    public static let newYearEdgeFilings = 400

    /// The exact aggregate at ``key`` (and ``yearKey``) in ``timeZone``: 102,135 filed, 99,173 of
    /// them online; 101,460 decided: 12,040 no penalty (7,512 minor, 4,103 first offense, 425 no
    /// fault), 1,237 reduced, 20,318 lighter, 64,410 standard, 3,455 heavier; fines of
    /// 31,566,904,700 fen and 2,204,185,000 fen waived; 13,190 distinct beneficiaries; 100,092 closed.
    public static let expected = ReferenceAggregate(
        filed: Int64(Plan.filed), filedOnline: Int64(Plan.online), decided: Int64(Plan.decided),
        noPenalty: Int64(Plan.noPenalty), reduced: Int64(Plan.reduced), lighter: Int64(Plan.lighter),
        standard: Int64(Plan.standard), heavier: Int64(Plan.heavier), npMinor: Int64(Plan.minor),
        npFirstOffense: Int64(Plan.firstOffense), npNoFault: Int64(Plan.noFault),
        fineFen: Plan.fineFen, waivedFen: Plan.waivedFen, closed: Int64(Plan.closed),
        beneficiaries: Set((0..<Plan.beneficiaries).map(party))
    )

    /// How many of each kind of messiness the stream contains, whatever the seed (cases unless the
    /// name says events).
    public static let composition: [(name: String, count: Int)] = [
        ("redelivered events (same id and seq)", Plan.redeliveries),
        ("  of which arriving 30-200 days later", Plan.lateRedeliveries),
        ("cases whose filing arrives after its decision/closing", Plan.filingLate),
        ("cases whose closing arrives before its decision", Plan.closingFirst),
        ("corrected: standard -> no_penalty/reduced", Plan.upgrades),
        ("corrected: no_penalty -> standard (taken back)", Plan.takeBacks),
        ("corrected: three decisions", Plan.triples),
        ("corrected: two decisions at the same `at`, id decides", Plan.ties),
        ("cases with two filings of differing channel", Plan.twoFilings),
        ("  of which at the same `at`, id decides", Plan.filingTies),
        ("cases with three filings", Plan.threeFilings),
        ("cases with two closings", Plan.twoClosings),
        ("favourable decisions without subject (filing's subject)", Plan.inherit),
        ("favourable decisions whose filing names another party", Plan.filingDecoy),
        ("voided Jining cases", Plan.voidedJining),
        ("  of which the void arrives first", Plan.voidFirst),
        ("cases of other cities", Plan.otherCases),
        ("voided cases of other cities", Plan.voidedOther),
        ("filings at 2022-01-01T00:10+08:00", newYearEdgeFilings),
        ("decisions at 2022-12-31T23:30+08:00", Plan.decisionEdge),
        ("closings at 2022-12-31T23:30+08:00", Plan.closingEdge),
    ]

    /// The party with number `index` (≥ 0): a well-formed 18-character unified social credit code,
    /// or, for every tenth number (index % 10 == 7), a resident ID number. Distinct numbers give
    /// distinct parties. Numbers `0 ..< 13_190` are the feed's beneficiaries; the feed uses
    /// 5,000,000 and up for parties that must not become beneficiaries and 10,000,000 and up for
    /// parties of ordinary penalties.
    public static func party(_ index: Int) -> String {
        let division = counties[(index / 10) % 12]
        if index % 10 == 7 {
            return PartyCode.residentID(division: division, birthDay: index / 1000, sequence: index % 1000)
        }
        let kind: Character = index % 13 == 5 ? "2" : index % 29 == 11 ? "3" : "1"
        let space: UInt64 = 26_439_622_160_671  // 31^9
        let organisation = UInt64(index) &* 1_000_000_007 % space
        return PartyCode.creditCode(kind: kind, division: division, organisation: organisation)
    }

    /// Every event of the feed, in delivery order.
    public func events() -> [CaseEvent] {
        var builder = Builder(seed: seed)
        builder.buildJining()
        builder.buildVoided()
        builder.buildOtherCities()
        return builder.deliver()
    }
}

private let second: Int64 = 1_000_000_000
private let minute = 60 * second
private let hour = 60 * minute
private let day = 24 * hour
/// 2022-01-01T00:00+08:00.
private let yearStart: Int64 = 1_640_966_400 * second
/// 2023-01-01T00:00+08:00.
private let yearEnd: Int64 = 1_672_502_400 * second
/// 2022-01-01T00:10+08:00 = 2021-12-31T16:10Z.
private let newYearEdge: Int64 = 1_640_967_000 * second
/// 2022-12-31T23:30+08:00 = 2022-12-31T15:30Z.
private let yearEndEdge: Int64 = 1_672_500_600 * second
/// 2022-01-01T08:00+08:00 = 2022-01-01T00:00Z: random filings start here, so in UTC only the
/// new-year edge filings fall in 2021.
private let randomStart: Int64 = 1_640_995_200 * second

extension JiningFeed {
    /// The fixed figures and messiness counts of the feed.
    private enum Plan {
        static let filed = 102_135
        static let online = 99_173
        static let decided = 101_460
        static let noPenalty = 12_040
        static let minor = 7_512
        static let firstOffense = 4_103
        static let noFault = 425
        static let reduced = 1_237
        static let lighter = 20_318
        static let heavier = 3_455
        static let standard = decided - noPenalty - reduced - lighter - heavier  // 64,410
        static let closed = 100_092
        static let fineFen: Int64 = 31_566_904_700
        static let waivedFen: Int64 = 2_204_185_000
        static let beneficiaries = 13_190
        static let favourable = noPenalty + reduced  // 13,277: 87 parties benefit twice

        static let redeliveries = 12_000
        static let lateRedeliveries = 3_000
        static let filingLate = 2_500
        static let closingFirst = 1_500
        static let upgrades = 1_200
        static let takeBacks = 1_500
        static let triples = 500
        static let ties = 600
        static let twoFilings = 3_000
        static let filingTies = 400
        static let threeFilings = 300
        static let twoClosings = 1_000
        static let inherit = 2_000
        static let filingDecoy = 500
        static let voidedJining = 640
        static let voidFirst = 200
        static let otherCases = 4_000
        static let voidedOther = 60
        static let decisionEdge = 150
        static let closingEdge = 300
    }

    /// An event with the time it is sent (which orders the delivery stream).
    private struct Draft {
        var event: CaseEvent
        var send: Int64
    }

    /// How a counted decision was corrected.
    private enum Correction {
        case none, upgrade, takeBack, triple, tie
    }

    private struct Builder {
        var rng: SplitMix64
        var drafts: [Draft] = []
        var caseNumber = 0
        var decoyNumber = 0

        init(seed: UInt64) {
            rng = SplitMix64(seed: seed)
        }

        // MARK: Small pieces

        /// A party that must never become a beneficiary of a counted Jining decision.
        mutating func decoy() -> String {
            decoyNumber += 1
            return JiningFeed.party(5_000_000 + decoyNumber)
        }

        /// A party of an ordinary penalty.
        mutating func someone() -> String {
            JiningFeed.party(10_000_000 + rng.int(0..<200_000))
        }

        /// An agency index, weighted towards market regulation.
        mutating func agencyIndex() -> Int {
            let roll = rng.int(0..<100)
            return roll < 40 ? 0 : roll < 55 ? 1 : roll < 67 ? 2 : roll < 87 ? 3 : 4
        }

        /// A code in `county`: the county itself, a town below it, or a village below that.
        mutating func region(in county: String) -> RegionCode {
            let roll = rng.int(0..<20)
            if roll < 12 { return RegionCode(county)! }
            let town = county + rng.pick(["001", "002", "003", "005", "008", "101", "102", "103", "104",
                                          "106", "110", "201", "202", "203", "401", "402"])
            if roll < 17 { return RegionCode(town)! }
            let village = rng.chance(1, in: 2) ? rng.int(1...40) : rng.int(201...230)
            return RegionCode(town + pad(village, 3))!
        }

        /// Mostly `home`, sometimes another code of the same county.
        mutating func near(_ home: RegionCode, county: String) -> RegionCode {
            rng.chance(17, in: 20) ? home : region(in: county)
        }

        /// Sub-second part of a time, in whole milliseconds.
        mutating func millis() -> Int64 { Int64(rng.int(0..<1000)) * 1_000_000 }

        /// Usual delay between an event's time and its sending.
        mutating func lag() -> Int64 { rng.int64(5 * second ..< 30 * minute) }

        mutating func nextCaseID(agency: String, county: String) -> String {
            caseNumber += 1
            return "\(agency)-\(county)-2022-\(pad(caseNumber, 6))"
        }

        /// Splits `total` into `count` random non-negative parts that add up exactly.
        mutating func apportion(_ total: Int64, count: Int) -> [Int64] {
            let weights = (0..<count).map { _ in UInt64(rng.int(1...200)) }
            let sum = weights.reduce(0, +)
            var parts: [Int64] = []
            parts.reserveCapacity(count)
            var prefix: UInt64 = 0
            var previous: Int64 = 0
            for weight in weights {
                prefix += weight
                let product = UInt64(total).multipliedFullWidth(by: prefix)
                let cut = Int64(sum.dividingFullWidth(product).quotient)
                parts.append(cut - previous)
                previous = cut
            }
            return parts
        }

        /// Picks `count` distinct elements of `pool` at random.
        mutating func sample(_ count: Int, from pool: [Int]) -> [Int] {
            precondition(count <= pool.count, "pool too small")
            return Array(rng.shuffled(pool).prefix(count))
        }

        mutating func emit(_ event: CaseEvent, send: Int64) {
            drafts.append(Draft(event: event, send: send))
        }

        func listItem(for kind: Decision, _ number: Int) -> String? {
            switch kind {
            case .noPenalty: "NP-\(number)"
            case .reduced: "RD-\(number % 30 + 1)"
            case .lighter: "LT-\(number % 25 + 1)"
            default: nil
            }
        }

        // MARK: Counted Jining cases

        mutating func buildJining() {
            let n = Plan.filed

            // Roles, independent of each other: decision kind, channel, closed.
            var kinds: [Decision?] = Array(repeating: .noPenalty, count: Plan.noPenalty)
            kinds += Array(repeating: .reduced, count: Plan.reduced)
            kinds += Array(repeating: .lighter, count: Plan.lighter)
            kinds += Array(repeating: .heavier, count: Plan.heavier)
            kinds += Array(repeating: .standard, count: Plan.standard)
            kinds += Array(repeating: nil, count: n - Plan.decided)
            rng.shuffle(&kinds)
            var online = Array(repeating: true, count: Plan.online) + Array(repeating: false, count: n - Plan.online)
            rng.shuffle(&online)

            let all = Array(0..<n)
            let decided = all.filter { kinds[$0] != nil }
            let favourable = all.filter { kinds[$0]?.benefitsParty == true }
            let standard = all.filter { kinds[$0] == .standard }
            var closed = Array(repeating: false, count: n)
            for i in sample(Plan.closed, from: decided) { closed[i] = true }
            let closedCases = all.filter { closed[$0] }

            // Reasons of the no-penalty decisions, parties of the favourable ones.
            var reasons = [Reason?](repeating: nil, count: n)
            var seen = 0
            for i in all where kinds[i] == .noPenalty {
                reasons[i] = seen < Plan.minor ? .minor
                    : seen < Plan.minor + Plan.firstOffense ? .firstOffense : .noFault
                seen += 1
            }
            var parties = [Int](repeating: -1, count: n)
            for (j, i) in favourable.enumerated() {
                parties[i] = j < Plan.beneficiaries ? j : (j - Plan.beneficiaries) * 151
            }

            // Amounts: counted waivers and fines add up exactly.
            var waived = [Int64](repeating: 0, count: n)
            for (i, amount) in zip(favourable, apportion(Plan.waivedFen, count: favourable.count)) {
                waived[i] = amount
            }
            var fines = [Int64](repeating: 0, count: n)
            let fined = decided.filter { kinds[$0] != .noPenalty }
            for (i, amount) in zip(fined, apportion(Plan.fineFen, count: fined.count)) { fines[i] = amount }

            // Messiness.
            var correction = [Correction](repeating: .none, count: n)
            let upgrades = sample(Plan.upgrades, from: favourable)
            for i in upgrades { correction[i] = .upgrade }
            for i in sample(Plan.takeBacks, from: standard) { correction[i] = .takeBack }
            let uncorrected = rng.shuffled(decided.filter { correction[$0] == .none })
            for i in uncorrected.prefix(Plan.triples) { correction[i] = .triple }
            for i in uncorrected.dropFirst(Plan.triples).prefix(Plan.ties) { correction[i] = .tie }

            var inherit = Array(repeating: false, count: n)
            for i in sample(Plan.inherit, from: favourable) { inherit[i] = true }
            var filingDecoy = Array(repeating: false, count: n)
            for i in sample(Plan.filingDecoy, from: favourable.filter { !inherit[$0] }) { filingDecoy[i] = true }

            var extraFilings = [Int](repeating: 0, count: n)
            var filingTie = Array(repeating: false, count: n)
            let multi = sample(Plan.twoFilings + Plan.threeFilings, from: all)
            for (k, i) in multi.enumerated() {
                extraFilings[i] = k < Plan.twoFilings ? 1 : 2
                filingTie[i] = k < Plan.filingTies
            }
            var filingLate = Array(repeating: false, count: n)
            for i in sample(Plan.filingLate, from: decided) { filingLate[i] = true }
            var closingFirst = Array(repeating: false, count: n)
            for i in sample(Plan.closingFirst, from: closedCases) { closingFirst[i] = true }
            var twoClosings = Array(repeating: false, count: n)
            for i in sample(Plan.twoClosings, from: closedCases) { twoClosings[i] = true }

            var filingEdge = Array(repeating: false, count: n)
            for i in sample(JiningFeed.newYearEdgeFilings, from: all) { filingEdge[i] = true }
            var closingEdge = Array(repeating: false, count: n)
            for i in sample(Plan.closingEdge, from: closedCases) { closingEdge[i] = true }
            var decisionEdge = Array(repeating: false, count: n)
            for i in sample(Plan.decisionEdge, from: decided.filter { !closingEdge[$0] }) { decisionEdge[i] = true }

            for i in all {
                let county = rng.pick(JiningFeed.counties)
                let a = agencyIndex()
                let agency = JiningFeed.agencies[a]
                let producer = JiningFeed.producers[a]
                let caseID = nextCaseID(agency: agency, county: county)
                let home = region(in: county)
                let kind = kinds[i]
                let party = parties[i] >= 0 ? JiningFeed.party(parties[i]) : nil

                func event(
                    _ type: EventType, _ suffix: String, at: Int64, region: RegionCode,
                    channel: Channel? = nil, subject: String? = nil, decision: Decision? = nil,
                    reason: Reason? = nil, listItem: String? = nil, fine: Int64 = 0, waived: Int64 = 0
                ) -> CaseEvent {
                    CaseEvent(
                        id: caseID + "#" + suffix, producer: producer, type: type, caseID: caseID, at: at,
                        region: region, agency: agency, channel: channel, subject: subject,
                        decision: decision, reason: reason, listItem: listItem, fineFen: fine, waivedFen: waived
                    )
                }

                // Times.
                let filedAt = filingEdge[i] ? newYearEdge : randomStart + rng.int64(0 ..< 300 * day) + millis()
                var decidedAt: Int64 = 0
                if kind != nil {
                    if decisionEdge[i] {
                        decidedAt = yearEndEdge
                    } else {
                        decidedAt = min(
                            filedAt + rng.int64(day ..< 60 * day) + millis(), yearEnd - rng.int64(second ..< hour))
                        if closingEdge[i] { decidedAt = min(decidedAt, yearEndEdge - hour) }
                    }
                }
                var closedAt: Int64 = 0
                if closed[i] {
                    if closingEdge[i] {
                        closedAt = yearEndEdge
                    } else if decisionEdge[i] {
                        closedAt = decidedAt + rng.int64(0 ..< 30 * minute)
                    } else {
                        closedAt = min(decidedAt + rng.int64(hour ..< 20 * day) + millis(), yearEnd - 1)
                    }
                }

                // Filing(s).
                let channel: Channel = online[i] ? .online : .offline
                let other: Channel = online[i] ? .offline : .online
                let filingSubject: String?
                if let party {
                    filingSubject = filingDecoy[i] ? decoy() : (inherit[i] || rng.chance(4, in: 5)) ? party : nil
                } else {
                    filingSubject = rng.chance(7, in: 10) ? someone() : nil
                }
                var filingSuffix = "f1"
                var extras: [(suffix: String, at: Int64)] = []
                if extraFilings[i] == 1 {
                    if filingTie[i] {
                        let trap = rng.chance(1, in: 2)
                        filingSuffix = trap ? "f10" : "f1"
                        extras.append((trap ? "f9" : "f2", filedAt))
                    } else {
                        let swap = rng.chance(3, in: 10)
                        filingSuffix = swap ? "f2" : "f1"
                        extras.append((swap ? "f1" : "f2", filedAt + rng.int64(second ..< 3 * day)))
                    }
                } else if extraFilings[i] == 2 {
                    extras.append(("f2", filedAt + rng.int64(second ..< 3 * day)))
                    extras.append(("f3", filedAt + rng.int64(second ..< 3 * day)))
                }
                let filing = event(
                    .filed, filingSuffix, at: filedAt, region: home, channel: channel, subject: filingSubject)
                var filingSend = filedAt + lag()
                for extra in extras {
                    let subject = inherit[i] ? decoy() : filingSubject
                    let send = extra.at + lag()
                    if rng.chance(1, in: 2) {  // the extra filing arrives first
                        filingSend = max(filingSend, send + rng.int64(minute ..< day))
                    }
                    emit(event(.filed, extra.suffix, at: extra.at, region: near(home, county: county),
                               channel: other, subject: subject), send: send)
                }

                // Decision(s).
                var decisionSend: Int64 = 0
                if let kind {
                    let subject: String?
                    if let party {
                        subject = inherit[i] ? nil : party
                    } else {
                        subject = rng.chance(6, in: 10) ? filingSubject ?? someone() : nil
                    }
                    var finalSuffix = "d1"
                    var superseded: [(suffix: String, at: Int64, kind: Decision)] = []
                    let gap = decidedAt - filedAt
                    switch correction[i] {
                    case .none:
                        break
                    case .upgrade, .takeBack:
                        let swap = rng.chance(3, in: 10)
                        finalSuffix = swap ? "d1" : "d2"
                        let earlier: Decision = correction[i] == .upgrade ? .standard : .noPenalty
                        superseded.append((swap ? "d2" : "d1", decidedAt - rng.int64(second ..< gap), earlier))
                    case .triple:
                        var suffixes = rng.shuffled(["d1", "d2", "d3"])
                        finalSuffix = suffixes.removeLast()
                        let later = decidedAt - rng.int64(second ..< gap / 2)
                        let earliest = later - rng.int64(second ..< gap / 2)
                        superseded.append((suffixes[0], earliest, rng.pick(Decision.allCases)))
                        superseded.append((suffixes[1], later, rng.pick(Decision.allCases)))
                    case .tie:
                        let trap = rng.chance(1, in: 2)
                        finalSuffix = trap ? "d9" : "d2"
                        let loser: Decision = kind.benefitsParty
                            ? .standard : rng.chance(4, in: 5) ? .noPenalty : .reduced
                        superseded.append((trap ? "d10" : "d1", decidedAt, loser))
                    }
                    let final = event(
                        .decided, finalSuffix, at: decidedAt, region: near(home, county: county), subject: subject,
                        decision: kind, reason: reasons[i], listItem: listItem(for: kind, rng.int(1...48)),
                        fine: fines[i], waived: waived[i]
                    )
                    decisionSend = decidedAt + lag()
                    for old in superseded {
                        let favoured = old.kind.benefitsParty
                        let oldEvent = event(
                            .decided, old.suffix, at: old.at, region: near(home, county: county),
                            subject: favoured ? decoy() : subject, decision: old.kind,
                            reason: old.kind == .noPenalty ? rng.pick(Reason.allCases) : nil,
                            listItem: listItem(for: old.kind, rng.int(1...48)),
                            fine: old.kind == .noPenalty ? 0 : rng.int64(10_000 ..< 50_000_000),
                            waived: favoured ? rng.int64(10_000 ..< 5_000_000) : 0
                        )
                        let send = rng.chance(1, in: 2) ? decisionSend + rng.int64(minute ..< 5 * day) : old.at + lag()
                        emit(oldEvent, send: send)
                    }

                    // Closing(s).
                    if closed[i] {
                        let closingSend = closedAt + lag()
                        if closingFirst[i] {
                            decisionSend = closingSend + rng.int64(hour ..< 10 * day)
                        }
                        var closingSuffix = "c1"
                        if twoClosings[i] {
                            let extraAt = min(closedAt + rng.int64(hour ..< 5 * day), yearEnd - 1)
                            let swap = extraAt > closedAt && rng.chance(3, in: 10)
                            closingSuffix = swap ? "c2" : "c1"
                            emit(event(.closed, swap ? "c1" : "c2", at: extraAt, region: near(home, county: county)),
                                 send: extraAt + lag())
                        }
                        if filingLate[i] {
                            filingSend = max(filingSend, decisionSend, closingSend) + rng.int64(hour ..< 20 * day)
                        }
                        emit(event(.closed, closingSuffix, at: closedAt, region: near(home, county: county)),
                             send: closingSend)
                    } else if filingLate[i] {
                        filingSend = max(filingSend, decisionSend) + rng.int64(hour ..< 20 * day)
                    }
                    emit(final, send: decisionSend)
                }
                emit(filing, send: filingSend)
            }
        }

        // MARK: Voided Jining cases

        mutating func buildVoided() {
            for k in 0..<Plan.voidedJining {
                voidedCase(county: rng.pick(JiningFeed.counties), voidFirst: k < Plan.voidFirst)
            }
        }

        /// A case with a filing, usually a decision (often favourable to a party that benefits nowhere
        /// else), often a closing, and a void.
        mutating func voidedCase(county: String, voidFirst: Bool) {
            let a = agencyIndex()
            let agency = JiningFeed.agencies[a]
            let producer = JiningFeed.producers[a]
            let caseID = nextCaseID(agency: agency, county: county)
            let home = region(in: county)
            let favoured = rng.chance(1, in: 2)
            let subject = favoured ? decoy() : someone()
            var events: [CaseEvent] = []
            let filedAt = randomStart + rng.int64(0 ..< 300 * day) + millis()
            events.append(CaseEvent(
                id: caseID + "#f1", producer: producer, type: .filed, caseID: caseID, at: filedAt, region: home,
                agency: agency, channel: rng.chance(1, in: 5) ? .offline : .online, subject: subject
            ))
            var last = filedAt
            if rng.chance(4, in: 5) {
                last = filedAt + rng.int64(day ..< 30 * day)
                let kind: Decision = favoured ? (rng.chance(4, in: 5) ? .noPenalty : .reduced) : .standard
                events.append(CaseEvent(
                    id: caseID + "#d1", producer: producer, type: .decided, caseID: caseID, at: last,
                    region: home, agency: agency, subject: rng.chance(1, in: 4) ? nil : subject, decision: kind,
                    reason: kind == .noPenalty ? rng.pick(Reason.allCases) : nil, listItem: listItem(for: kind, 7),
                    fineFen: kind == .noPenalty ? 0 : rng.int64(10_000 ..< 20_000_000),
                    waivedFen: favoured ? rng.int64(10_000 ..< 5_000_000) : 0
                ))
                if rng.chance(3, in: 5) {
                    last += rng.int64(hour ..< 10 * day)
                    events.append(CaseEvent(
                        id: caseID + "#c1", producer: producer, type: .closed, caseID: caseID, at: last,
                        region: home, agency: agency
                    ))
                }
            }
            let voidAt = last + rng.int64(hour ..< 10 * day)
            var voidSend = voidAt + lag()
            if voidFirst {
                // The other events are uploaded late, after the void.
                for event in events { emit(event, send: voidSend + rng.int64(minute ..< 20 * day)) }
            } else {
                for event in events { emit(event, send: event.at + lag()) }
                if rng.chance(1, in: 4) { voidSend += rng.int64(30 * day ..< 90 * day) }
            }
            emit(CaseEvent(
                id: caseID + "#v1", producer: producer, type: .voided, caseID: caseID, at: voidAt,
                region: home, agency: agency
            ), send: voidSend)
        }

        // MARK: Other cities

        mutating func buildOtherCities() {
            for _ in 0..<Plan.otherCases {
                let county = rng.pick(JiningFeed.otherCounties)
                let a = agencyIndex()
                let agency = JiningFeed.agencies[a]
                let producer = JiningFeed.producers[a]
                let caseID = nextCaseID(agency: agency, county: county)
                let home = region(in: county)
                let filedAt = yearStart + rng.int64(0 ..< 330 * day) + millis()
                emit(CaseEvent(
                    id: caseID + "#f1", producer: producer, type: .filed, caseID: caseID, at: filedAt,
                    region: home, agency: agency, channel: rng.chance(9, in: 10) ? .online : .offline,
                    subject: someone()
                ), send: filedAt + lag())
                guard rng.chance(19, in: 20) else { continue }
                let roll = rng.int(0..<100)
                let kind: Decision = roll < 12 ? .noPenalty : roll < 14 ? .reduced : roll < 34 ? .lighter
                    : roll < 94 ? .standard : .heavier
                let subject = kind.benefitsParty
                    ? (rng.chance(7, in: 10) ? decoy() : JiningFeed.party(rng.int(0..<Plan.beneficiaries)))
                    : someone()
                let decidedAt = min(filedAt + rng.int64(day ..< 30 * day), yearEnd - 1)
                emit(CaseEvent(
                    id: caseID + "#d1", producer: producer, type: .decided, caseID: caseID, at: decidedAt,
                    region: home, agency: agency, subject: subject, decision: kind,
                    reason: kind == .noPenalty ? rng.pick(Reason.allCases) : nil,
                    listItem: listItem(for: kind, rng.int(1...48)),
                    fineFen: kind == .noPenalty ? 0 : rng.int64(10_000 ..< 30_000_000),
                    waivedFen: kind.benefitsParty ? rng.int64(10_000 ..< 5_000_000) : 0
                ), send: decidedAt + lag())
                guard rng.chance(9, in: 10) else { continue }
                let closedAt = min(decidedAt + rng.int64(hour ..< 10 * day), yearEnd - 1)
                emit(CaseEvent(
                    id: caseID + "#c1", producer: producer, type: .closed, caseID: caseID, at: closedAt,
                    region: home, agency: agency
                ), send: closedAt + lag())
            }
            for k in 0..<Plan.voidedOther {
                voidedCase(county: rng.pick(JiningFeed.otherCounties), voidFirst: k % 3 == 0)
            }
        }

        // MARK: Delivery

        /// Numbers the events per producer in sending order, adds redeliveries (same id, same seq) and
        /// returns everything in delivery order.
        mutating func deliver() -> [CaseEvent] {
            var order = drafts.indices.map { (send: drafts[$0].send, index: $0) }
            order.sort { ($0.send, $0.index) < ($1.send, $1.index) }
            var nextSeq: [String: UInt64] = [:]
            for (_, index) in order {
                let producer = drafts[index].event.producer
                let seq = nextSeq[producer, default: 1]
                drafts[index].event.seq = seq
                nextSeq[producer] = seq + 1
            }
            let originals = drafts.count
            for k in 0..<Plan.redeliveries {
                var copy = drafts[rng.int(0..<originals)]
                copy.send += k < Plan.lateRedeliveries
                    ? rng.int64(30 * day ..< 200 * day) : rng.int64(second ..< 10 * minute)
                drafts.append(copy)
            }
            order = drafts.indices.map { (send: drafts[$0].send, index: $0) }
            order.sort { ($0.send, $0.index) < ($1.send, $1.index) }
            return order.map { drafts[$0.index].event }
        }
    }
}

private func pad(_ value: Int, _ width: Int) -> String {
    let digits = String(value)
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
}
