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
            let figures = Self.figures(of: events)
            let reference = Self.reference(of: events)
            let missing = Set(reference.keys).subtracting(figures.keys)
            let extra = Set(figures.keys).subtracting(reference.keys)
            #expect(missing.isEmpty && extra.isEmpty, "seed \(seed): missing \(missing.sorted().prefix(5)), extra \(extra.sorted().prefix(5))")
            for (key, value) in reference where figures[key] != value {
                Issue.record("seed \(seed) key \(key):\n engine    \(figures[key] ?? "absent")\n reference \(value)")
                break
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
