import CasePulseCore
import CasePulseTestKit
import Foundation
import PropertyBased
import Testing

/// What must hold for every input: the figures are a function of the set of events.
@Suite struct EnginePropertyTests {
    static let zone = TimeZone(identifier: "Asia/Shanghai") ?? .gmt

    static func figures(of events: [CaseEvent]) -> [String: String] {
        let engine = Engine(configuration: EngineConfiguration(timeZone: zone, dayRetentionDays: 0))
        for event in events { engine.apply(event) }
        return engine.values(under: "/m/")
    }

    static func reference(of events: [CaseEvent]) -> [String: String] {
        ReferenceModel.aggregates(of: events, timeZone: zone).mapValues(\.canonicalJSON)
    }

    @Test func figuresEqualTheReferenceModelForRandomEventSets() async {
        await propertyCheck(count: 300, input: Gen.uint64()) { seed in
            let events = RandomCaseEvents(seed: seed).events()
            if let mismatch = Self.mismatch(Self.figures(of: events), Self.reference(of: events)) {
                Issue.record("seed \(seed): \(mismatch)")
            }
        }
    }

    @Test func everyPermutationWithRedeliveriesGivesTheSameFigures() async {
        await propertyCheck(count: 200, input: Gen.uint64(), Gen.uint64()) { seed, shuffleSeed in
            let events = RandomCaseEvents(seed: seed).events()
            let inOrder = Self.figures(of: events)
            let messy = RandomCaseEvents.shuffledWithDuplicates(events, seed: shuffleSeed)
            #expect(messy.count >= events.count)
            #expect(Self.figures(of: messy) == inOrder, "seed \(seed) shuffle \(shuffleSeed)")
            #expect(Self.figures(of: events.reversed()) == inOrder, "seed \(seed) reversed")
        }
    }

    @Test func duplicatesAreCountedAndChangeNothing() async {
        await propertyCheck(count: 100, input: Gen.uint64()) { seed in
            let events = RandomCaseEvents(seed: seed).events()
            let engine = Engine(configuration: EngineConfiguration(timeZone: Self.zone, dayRetentionDays: 0))
            for event in events { engine.apply(event) }
            let before = engine.values(under: "/m/")
            let accepted = engine.ingest.accepted
            let duplicates = engine.ingest.duplicates
            for event in events { #expect(engine.apply(event) == .duplicate) }
            #expect(engine.values(under: "/m/") == before)
            #expect(engine.ingest.duplicates == duplicates + Int64(events.count))
            #expect(engine.ingest.accepted == accepted)
        }
    }

    /// The contract's duplicate rule across cases: random sets arrive shuffled with
    /// redeliveries and impostors mixed in anywhere, each an event of the set under another case
    /// (of the set, or new) and perhaps another type and time. The first event of each id to
    /// arrive counts, and every later one is a duplicate however it differs: the figures are the
    /// reference model's over the arrivals, every other arrival is counted under `duplicates`,
    /// and no case is held that only impostors that came second named.
    @Test func theFirstEventOfAnIdCountsWhateverCaseTheOthersName() async {
        await propertyCheck(count: 200, input: Gen.uint64(), Gen.uint64()) { seed, mixSeed in
            let events = RandomCaseEvents(seed: seed).events()
            var rng = SplitMix64(seed: mixSeed)
            var arrivals = RandomCaseEvents.shuffledWithDuplicates(events, seed: rng.next())
            for _ in 0..<rng.int(1...max(1, events.count / 2)) {
                var impostor = rng.pick(events)
                impostor.caseID = rng.chance(1, in: 2) ? rng.pick(events).caseID : "new-\(rng.int(0..<3))"
                if rng.chance(1, in: 3) {
                    impostor.type = .decided
                    impostor.decision = .noPenalty
                    impostor.at += 86_400_000_000_000
                }
                arrivals.insert(impostor, at: rng.int(0...arrivals.count))
            }
            let engine = Engine(configuration: EngineConfiguration(timeZone: Self.zone, dayRetentionDays: 0))
            for event in arrivals { engine.apply(event) }
            var firsts: [String: CaseEvent] = [:]
            for event in arrivals where firsts[event.id] == nil { firsts[event.id] = event }
            let label = "seed \(seed) mix \(mixSeed)"
            if let mismatch = Self.mismatch(engine.values(under: "/m/"), Self.reference(of: arrivals)) {
                Issue.record("\(label): \(mismatch)")
            }
            #expect(engine.ingest.accepted == Int64(firsts.count), "\(label)")
            #expect(engine.ingest.duplicates == Int64(arrivals.count - firsts.count), "\(label)")
            #expect(engine.caseCount == Set(firsts.values.map(\.caseID)).count, "\(label)")
        }
    }

    /// Day retention (PROTOCOL.md §4) with every kind of event (§3): a day window is kept while
    /// less than `days` days old (today is 0 days old); older day keys are deleted, published as
    /// deletions, and no event placed in them counts there, be it a filing, a decision, a
    /// correction taking an earlier decision back, a closing or a void taking a case back, and
    /// whether its day expired before it arrived or after. Random sets (cases shifted by whole days
    /// so they spread over some ten days) arrive shuffled with redeliveries; the clock is set to a
    /// time within their range before they arrive, after they all arrived, or in two steps between
    /// them (then once more to an earlier time, which changes nothing). Each way gives the
    /// reference model's figures under the same retention, and a subscriber's replica built from
    /// the published updates holds exactly those keys.
    @Test func dayRetentionKeepsTheReferenceModelsFiguresWhicheverWayTheClockMoves() async {
        var crossingCorrections = 0
        var crossingVoids = 0
        var failed = false
        await propertyCheck(count: 200, input: Gen.uint64(), Gen.uint64()) { seed, clockSeed in
            var rng = SplitMix64(seed: clockSeed)
            let events = Self.spreadOverDays(RandomCaseEvents(seed: seed).events(), &rng)
            let arrivals = RandomCaseEvents.shuffledWithDuplicates(events, seed: rng.next())
            let days = rng.int(1...5)
            let now = Self.clockTime(within: events, &rng)
            let earlier = rng.int64(min(events.map(\.at).min()! / 1_000_000_000, now) ... now)
            let reference = ReferenceModel.aggregates(
                of: events, timeZone: Self.zone, dayRetention: (days, now * 1_000_000_000)
            ).mapValues(\.canonicalJSON)
            let label = "seed \(seed) clock seed \(clockSeed): \(days) days, now \(now)"
            let half = arrivals.count / 2

            for order in ["clock first", "clock last", "clock in steps"] {
                let engine = Engine(configuration: EngineConfiguration(timeZone: Self.zone, dayRetentionDays: days))
                var replica: [String: String] = [:]
                func publish() {
                    engine.publishChanges { entry in
                        guard entry.key.hasPrefix("/m/") else { return }
                        replica[entry.key] = entry.value
                    }
                }
                switch order {
                case "clock first":
                    engine.advanceClock(toUnixSeconds: now)
                    for event in arrivals { engine.apply(event) }
                case "clock last":
                    for event in arrivals { engine.apply(event) }
                    publish()
                    engine.advanceClock(toUnixSeconds: now)
                default:
                    engine.advanceClock(toUnixSeconds: earlier)
                    for event in arrivals.prefix(half) { engine.apply(event) }
                    publish()
                    engine.advanceClock(toUnixSeconds: now)
                    for event in arrivals.dropFirst(half) { engine.apply(event) }
                    engine.advanceClock(toUnixSeconds: earlier)
                }
                publish()
                let figures = engine.values(under: "/m/")
                if let mismatch = Self.mismatch(figures, reference) {
                    failed = true
                    Issue.record("\(label), \(order): \(mismatch)")
                }
                if replica != figures {
                    failed = true
                    Issue.record("\(label), \(order): the published updates rebuild other keys or values")
                }
            }

            // How often the sets put a correction or a void across the oldest kept day.
            let oldestKept = ReferenceModel.windows(of: now * 1_000_000_000 - Int64(days - 1) * 86_400_000_000_000, timeZone: Self.zone)[3]
            let byCase = Dictionary(grouping: events, by: \.caseID)
            func straddles(_ events: [CaseEvent]) -> Bool {
                Set(events.map { ReferenceModel.windows(of: $0.at, timeZone: Self.zone)[3] >= oldestKept }).count == 2
            }
            if byCase.values.contains(where: { events in
                !events.contains { $0.type == .voided } && straddles(events.filter { $0.type == .decided })
            }) { crossingCorrections += 1 }
            if byCase.values.contains(where: { events in events.contains { $0.type == .voided } && straddles(events) }) {
                crossingVoids += 1
            }
        }
        // (Only when all held: after a failure, the property stops and shrinks its input.)
        guard !failed else { return }
        #expect(crossingCorrections >= 15, "decisions of one case on both sides of the oldest kept day: \(crossingCorrections) sets")
        #expect(crossingVoids >= 15, "voided cases with events on both sides of the oldest kept day: \(crossingVoids) sets")
    }

    /// `events` with each case's events moved by the same 0–7 whole days, and one event in four
    /// by 1–3 days more (the zone has no daylight saving time, so each keeps its local time of
    /// day, and most ties within a case stay): the cases of one set spread over some ten days
    /// rather than four, and the events of a case over more of them.
    static func spreadOverDays(_ events: [CaseEvent], _ rng: inout SplitMix64) -> [CaseEvent] {
        var shift: [String: Int] = [:]
        return events.map { event in
            var moved = event
            if shift[event.caseID] == nil { shift[event.caseID] = rng.int(0...7) }
            let days = shift[event.caseID]! + (rng.chance(1, in: 4) ? rng.int(1...3) : 0)
            moved.at += Int64(days) * 86_400_000_000_000
            return moved
        }
    }

    /// A clock time (Unix seconds) within the range of `events`: an event's own time, any second
    /// of the range, or a local midnight of an event's day or the second before it.
    static func clockTime(within events: [CaseEvent], _ rng: inout SplitMix64) -> Int64 {
        let seconds = events.map { $0.at / 1_000_000_000 }
        switch rng.int(0..<3) {
        case 0:
            return rng.pick(seconds)
        case 1:
            return rng.int64(seconds.min()! ... seconds.max()!)
        default:
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = zone
            let day = calendar.startOfDay(for: Date(timeIntervalSince1970: TimeInterval(rng.pick(seconds))))
            return Int64(day.timeIntervalSince1970) - (rng.chance(1, in: 2) ? 1 : 0)
        }
    }

    /// The first difference between an engine's figures and the reference's, if any: the keys
    /// only one of them has, else the first key whose values differ.
    static func mismatch(_ figures: [String: String], _ reference: [String: String]) -> String? {
        let missing = Set(reference.keys).subtracting(figures.keys)
        let extra = Set(figures.keys).subtracting(reference.keys)
        if !missing.isEmpty || !extra.isEmpty {
            return "missing \(missing.sorted().prefix(5)), extra \(extra.sorted().prefix(5))"
        }
        guard let key = reference.keys.sorted().first(where: { figures[$0] != reference[$0] }) else { return nil }
        return "key \(key):\n engine    \(figures[key] ?? "absent")\n reference \(reference[key] ?? "absent")"
    }

    @Test func publishedUpdatesRebuildTheSnapshot() async {
        // A subscriber applying every KVPUB in order ends with exactly the engine's keys.
        await propertyCheck(count: 100, input: Gen.uint64(), Gen.uint64()) { seed, shuffleSeed in
            let events = RandomCaseEvents.shuffledWithDuplicates(RandomCaseEvents(seed: seed).events(), seed: shuffleSeed)
            let engine = Engine(configuration: EngineConfiguration(timeZone: Self.zone, dayRetentionDays: 0))
            var replica: [String: String] = [:]
            var last: UInt64 = 0
            for (index, event) in events.enumerated() {
                engine.apply(event)
                if index % 3 == 0 {
                    engine.publishChanges { entry in
                        #expect(entry.sequence > last)
                        last = entry.sequence
                        replica[entry.key] = entry.value
                    }
                }
            }
            engine.publishChanges { entry in
                last = entry.sequence
                replica[entry.key] = entry.value
            }
            #expect(replica == engine.values(), "seed \(seed)")
        }
    }
}
