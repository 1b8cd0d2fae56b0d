@testable import CasePulseCore
import CasePulseTestKit
import Foundation
import PropertyBased
import Testing

/// Live settlings whose additions go to a ``SettleAdding`` (the daemon's ``SettleAdder`` thread)
/// while the engine goes on deferring into its other table end exactly where direct updates end,
/// and nothing reads a figure before those additions are made.
@Suite struct SettleAdderTests {
    static let zone = TimeZone(identifier: "Asia/Shanghai") ?? .gmt

    /// The adders a settling can hand its additions to.
    enum AdderKind: CaseIterable, Sendable {
        /// Holds every batch until waited for (``HeldSettleAdder``).
        case held
        /// A thread of its own (``SettleAdder``), at most one batch ahead.
        case thread

        func make() -> any SettleAdding {
            switch self {
            case .held: HeldSettleAdder()
            case .thread: SettleAdder(label: "settle-adder-test", batchesAhead: 1)
            }
        }
    }

    /// Over random events with duplicates, a bound of one to eight entries (so most events end a
    /// settling, handed off while the next events are held in the other table), publishes and a
    /// move of the retention window at random points, batches of a few words: figures,
    /// beneficiaries, counters and what a subscriber holds end where direct updates end.
    @Test(arguments: AdderKind.allCases)
    func liveSettlingsHandedToAnAdderEndWhereDirectOnesDo(_ kind: AdderKind) async {
        await propertyCheck(count: 100, input: Gen.uint64(), Gen.uint64()) { seed, shuffleSeed in
            let events = RandomCaseEvents.shuffledWithDuplicates(RandomCaseEvents(seed: seed).events(), seed: shuffleSeed)
            var random = SplitMix64(seed: shuffleSeed)
            let configuration = EngineConfiguration(timeZone: Self.zone, dayRetentionDays: Int(random.next() % 2) * 3)
            let bound = Int(random.next() % 8) + 1
            let moveAt = Int(random.next() % UInt64(events.count + 1))
            let now = events.map(\.at).sorted()[events.count / 2] / 1_000_000_000
            let direct = Engine(configuration: configuration)
            let engine = Engine(configuration: configuration)
            engine.settleAdder = kind.make()
            var replica: [String: String] = [:]
            engine.deferFigures()
            for (index, event) in events.enumerated() {
                if index == moveAt {
                    direct.advanceClock(toUnixSeconds: now)
                    engine.advanceClock(toUnixSeconds: now)
                    engine.deferFigures()
                }
                direct.apply(event)
                engine.apply(event)
                engine.settleFiguresIfFull(entries: bound)
                #expect(engine.defersFigures, "settling at the bound goes on deferring")
                if random.next() % 7 == 0 {
                    engine.publishChanges { replica[$0.key] = $0.value }
                    engine.deferFigures()
                }
            }
            engine.publishChanges { replica[$0.key] = $0.value }
            #expect(engine.additionsInFlight == nil)
            #expect(DeferredFiguresTests.aggregates(of: engine) == DeferredFiguresTests.aggregates(of: direct), "seed \(seed) bound \(bound)")
            #expect(replica == direct.values(), "seed \(seed) bound \(bound)")
            #expect(engine.ingest == direct.ingest)
        }
    }

    /// The engine's events, applied to an engine deferring with a held adder and settled at a
    /// bound of one entry, so that a settling's additions are in flight when `read` is called.
    static func engineWithAdditionsInFlight(_ events: [CaseEvent]) -> (Engine, HeldSettleAdder) {
        let engine = Engine(configuration: EngineConfiguration(timeZone: zone, dayRetentionDays: 0))
        let adder = HeldSettleAdder()
        engine.settleAdder = adder
        engine.deferFigures()
        for event in events {
            engine.apply(event)
            engine.settleFiguresIfFull(entries: 1)
        }
        return (engine, adder)
    }

    /// Every way to read the figures waits for the additions in flight and counts their
    /// beneficiaries first: with an adder that holds its batches until waited for, each reader
    /// sees what direct updates give.
    @Test func everyReaderWaitsForTheAdditionsInFlight() {
        let events = RandomCaseEvents(seed: 7).events()
        let direct = Engine(configuration: EngineConfiguration(timeZone: Self.zone, dayRetentionDays: 0))
        for event in events { direct.apply(event) }
        let expected = direct.values(under: "/m/")
        func inFlight() -> Engine {
            let (engine, adder) = Self.engineWithAdditionsInFlight(events)
            #expect(adder.heldCount > 0, "a settling's additions are held")
            #expect(engine.additionsInFlight != nil)
            return engine
        }
        #expect(inFlight().values(under: "/m/") == expected)
        let key = expected.keys.sorted().first ?? ""
        #expect(inFlight().aggregate(forKey: key) == direct.aggregate(forKey: key))
        var inOrder: [String: String] = [:]
        inFlight().forEachFigureInKeyOrder { key, value in
            inOrder[String(decoding: key, as: UTF8.self)] = String(decoding: value, as: UTF8.self)
        }
        #expect(inOrder == expected)
        var published: [String: String] = [:]
        inFlight().publishChanges { published[$0.key] = $0.value }
        #expect(published.filter { $0.key.hasPrefix("/m/") } == expected)
        let engine = inFlight()
        engine.settleFigures()
        #expect(engine.additionsInFlight == nil)
        #expect(DeferredFiguresTests.aggregates(of: engine) == DeferredFiguresTests.aggregates(of: direct))
    }

    /// The adder adds counts and amounts only: a beneficiary's table can grow when counted, and
    /// what the adder's thread allocates stays in its allocator arena (the daemon's peak grew by
    /// 7 to 39 MiB at a million cases). The engine's thread counts them, after the adder.
    @Test func theAdderIsGivenNoBeneficiariesToCount() {
        let events = RandomCaseEvents(seed: 11).events()
        let (engine, adder) = Self.engineWithAdditionsInFlight(events)
        engine.publishChanges { _ in }
        #expect(adder.givenCount > 0)
        #expect(adder.givenWithPartiesCount == 0)
        let direct = Engine(configuration: engine.configuration)
        for event in events { direct.apply(event) }
        let parties = DeferredFiguresTests.aggregates(of: engine).values.map(\.parties.count).reduce(0, +)
        #expect(parties > 0, "the events name beneficiaries")
        #expect(DeferredFiguresTests.aggregates(of: engine) == DeferredFiguresTests.aggregates(of: direct))
    }
}
