@testable import CasePulseCore
import CasePulseTestKit
import Foundation
import PropertyBased
import Synchronization
import Testing

/// Figures deferred during a rebuild (`deferFigures()` … `settleFigures()`) end exactly where
/// applying every contribution directly ends: the same keys, figures, beneficiaries and changes
/// to publish.
@Suite struct DeferredFiguresTests {
    static let zone = TimeZone(identifier: "Asia/Shanghai") ?? .gmt
    static let configuration = EngineConfiguration(timeZone: zone, dayRetentionDays: 0)

    /// Every key's aggregate, beneficiaries included (the published figures only count them).
    static func aggregates(of engine: Engine) -> [String: Aggregate] {
        engine.settleFigures()
        var result: [String: Aggregate] = [:]
        for slot in engine.aggregates.indices where !engine.aggregates[slot].isEmpty {
            result[engine.name(ofSlot: slot)] = engine.aggregates[slot]
        }
        return result
    }

    /// The events of `seed` (shuffled by `shuffleSeed`, with duplicates) applied directly, and to an
    /// engine that applies part of them directly and publishes, then defers the rest (`split`):
    /// decisions taken back while deferred remove beneficiaries counted before.
    static func directAndDeferred(_ seed: UInt64, _ shuffleSeed: UInt64) -> (direct: Engine, deferred: Engine, split: Int) {
        let events = RandomCaseEvents.shuffledWithDuplicates(RandomCaseEvents(seed: seed).events(), seed: shuffleSeed)
        let direct = Engine(configuration: configuration)
        for event in events { direct.apply(event) }
        let split = Int(shuffleSeed % UInt64(events.count + 1))
        let deferred = Engine(configuration: configuration)
        for event in events.prefix(split) { deferred.apply(event) }
        deferred.publishChanges { _ in }
        deferred.deferFigures()
        for event in events.dropFirst(split) { deferred.apply(event) }
        return (direct, deferred, split)
    }

    @Test func deferredEventsEndWhereDirectOnesDo() async {
        await propertyCheck(count: 200, input: Gen.uint64(), Gen.uint64()) { seed, shuffleSeed in
            let (direct, deferred, split) = Self.directAndDeferred(seed, shuffleSeed)
            #expect(deferred.defersFigures)
            deferred.settleFigures()
            #expect(!deferred.defersFigures)
            #expect(Self.aggregates(of: deferred) == Self.aggregates(of: direct), "seed \(seed) split \(split)")
            #expect(deferred.values(under: "/m/") == direct.values(under: "/m/"), "seed \(seed) split \(split)")
            #expect(deferred.ingest == direct.ingest)
        }
    }

    /// Live ingest defers between publishes, again and again, and settles whenever the held
    /// entries reach a bound: over random events with duplicates, publishes at random points and
    /// a bound of one to eight entries (so most events end a deferral), the figures, the ingest
    /// counters and what a subscriber holds end where direct updates end, and after each check
    /// fewer entries than the bound are held.
    @Test func liveDeferralsSettledAtABoundEndWhereDirectOnesDo() async {
        await propertyCheck(count: 150, input: Gen.uint64(), Gen.uint64()) { seed, shuffleSeed in
            let events = RandomCaseEvents.shuffledWithDuplicates(RandomCaseEvents(seed: seed).events(), seed: shuffleSeed)
            let direct = Engine(configuration: Self.configuration)
            for event in events { direct.apply(event) }
            var random = SplitMix64(seed: shuffleSeed)
            let bound = Int(random.next() % 8) + 1
            let engine = Engine(configuration: Self.configuration)
            var replica: [String: String] = [:]
            var largest = 0
            engine.deferFigures()
            for event in events {
                engine.apply(event)
                engine.settleFiguresIfFull(entries: bound)
                largest = max(largest, engine.deferredEntryCount)
                #expect(engine.defersFigures, "settling at the bound goes on deferring")
                if random.next() % 7 == 0 {
                    engine.publishChanges { replica[$0.key] = $0.value }
                    engine.deferFigures()
                }
            }
            #expect(largest < bound, "seed \(seed): \(largest) entries held after a check, bound \(bound)")
            engine.publishChanges { replica[$0.key] = $0.value }
            #expect(Self.aggregates(of: engine) == Self.aggregates(of: direct), "seed \(seed) bound \(bound)")
            #expect(replica == direct.values(), "seed \(seed) bound \(bound)")
            #expect(engine.ingest == direct.ingest)
        }
    }

    /// Settling what is not deferred, or a deferral that holds nothing, changes nothing and
    /// publishes nothing: the daemon defers at every pass of its loop.
    @Test func anEmptyDeferralSettlesToNothing() {
        let engine = Engine(configuration: Self.configuration)
        for event in RandomCaseEvents(seed: 5).events() { engine.apply(event) }
        engine.publishChanges { _ in }
        let values = engine.values()
        engine.settleFiguresIfFull(entries: 0)
        engine.deferFigures()
        #expect(engine.deferredEntryCount == 0)
        #expect(!engine.hasChanges)
        engine.settleFiguresIfFull(entries: 0)
        #expect(engine.defersFigures)
        engine.settleFigures()
        #expect(!engine.defersFigures)
        var published = 0
        engine.publishChanges { _ in published += 1 }
        #expect(published == 0)
        #expect(engine.values() == values)
    }

    /// Settled on two threads — this one finding the keys, another adding to them, a batch per
    /// (month, place) group or per few — the figures end where settling on one thread ends.
    @Test func additionsHandedToAnotherThreadEndWhereDirectOnesDo() async {
        await propertyCheck(count: 150, input: Gen.uint64(), Gen.uint64()) { seed, shuffleSeed in
            let (direct, engine, split) = Self.directAndDeferred(seed, shuffleSeed)
            let entries = engine.deferred.placements.count
            let adding = DispatchQueue(label: "settle-test")
            let batches = Mutex(0)
            engine.settleFigures(
                handingOff: { batch in
                    adding.async {
                        batch.apply()
                        batches.withLock { $0 += 1 }
                    }
                },
                waitingUntilApplied: { adding.sync {} },
                batchWords: Int(seed % 3) * 40)
            #expect(!engine.defersFigures)
            #expect((batches.withLock { $0 } > 0) == (entries > 0))
            #expect(Self.aggregates(of: engine) == Self.aggregates(of: direct), "seed \(seed) split \(split)")
            #expect(engine.values(under: "/m/") == direct.values(under: "/m/"), "seed \(seed) split \(split)")
        }
    }

    @Test func settlingPublishesTheKeysTheDeferredEventsChanged() async {
        // A subscriber that saw everything published before the deferral, then what the settled
        // engine publishes, holds exactly the engine's keys.
        await propertyCheck(count: 100, input: Gen.uint64(), Gen.uint64()) { seed, shuffleSeed in
            let events = RandomCaseEvents.shuffledWithDuplicates(RandomCaseEvents(seed: seed).events(), seed: shuffleSeed)
            let split = Int(shuffleSeed % UInt64(events.count + 1))
            let engine = Engine(configuration: Self.configuration)
            var replica: [String: String] = [:]
            for event in events.prefix(split) { engine.apply(event) }
            engine.publishChanges { replica[$0.key] = $0.value }
            engine.deferFigures()
            for event in events.dropFirst(split) { engine.apply(event) }
            #expect(engine.hasChanges || split == events.count)
            engine.publishChanges { replica[$0.key] = $0.value }
            #expect(!engine.defersFigures, "publishing settles first")
            #expect(replica == engine.values(), "seed \(seed) split \(split)")
        }
    }

    @Test func restoredRecordsEndWhereDirectRestoresDo() async {
        await propertyCheck(count: 100, input: Gen.uint64()) { seed in
            let events = RandomCaseEvents(seed: seed).events()
            let original = Engine(configuration: Self.configuration)
            for event in events { original.apply(event) }
            let records = original.takeChangedRecords()
            let direct = Engine(configuration: Self.configuration)
            for record in records { direct.restore(record) }
            direct.markAllPublished()
            let deferred = Engine(configuration: Self.configuration)
            deferred.deferFigures()
            for record in records { deferred.restore(record) }
            deferred.markAllPublished()
            #expect(!deferred.defersFigures, "marking published settles first")
            #expect(Self.aggregates(of: deferred) == Self.aggregates(of: direct), "seed \(seed)")
            #expect(deferred.values(under: "/m/") == original.values(under: "/m/"), "seed \(seed)")
            #expect(deferred.values() == direct.values(), "seed \(seed)")
            #expect(deferred.keyCount == direct.keyCount)
            var published = 0
            deferred.publishChanges { _ in published += 1 }
            #expect(published == 0, "a restore publishes nothing of its own")
            // Settled every few entries, as a store restores its records (a bounded deferral),
            // and restored from views of the records: the same figures and keys.
            let chunked = Engine(configuration: Self.configuration)
            chunked.deferFigures()
            var batch = CaseRecordBatch()
            for record in records { batch.append(record) }
            batch.forEach { record in
                chunked.restore(record)
                chunked.settleFiguresIfFull(entries: 3)
            }
            chunked.markAllPublished()
            #expect(Self.aggregates(of: chunked) == Self.aggregates(of: direct), "seed \(seed)")
            #expect(chunked.values() == direct.values(), "seed \(seed)")
            #expect(chunked.keyCount == direct.keyCount)
            // A second record of a case already restored counts nothing.
            for record in records.prefix(5) { chunked.restore(record) }
            #expect(chunked.values() == direct.values(), "seed \(seed)")
        }
    }

    /// The daemon reserves sequence numbers durably before it publishes: the count it reserves
    /// by must include the keys deferred figures will change.
    @Test func pendingChangesCountWhatDeferredFiguresWillPublish() {
        let engine = Engine(configuration: Self.configuration)
        engine.deferFigures()
        for event in RandomCaseEvents(seed: 11).events() { engine.apply(event) }
        #expect(engine.hasChanges)
        let pending = engine.pendingChangeCount
        let before = engine.sequence
        engine.publishChanges { _ in }
        #expect(engine.sequence > before)
        #expect(engine.sequence - before <= UInt64(pending))
        #expect(pending > 2, "more than the /sys/ keys")
        engine.deferFigures()
        #expect(!engine.hasChanges, "an empty deferral changes nothing")
    }

    @Test func everyReaderSettlesFirst() {
        let events = RandomCaseEvents(seed: 7).events()
        let direct = Engine(configuration: Self.configuration)
        for event in events { direct.apply(event) }
        func deferredEngine() -> Engine {
            let engine = Engine(configuration: Self.configuration)
            engine.deferFigures()
            for event in events { engine.apply(event) }
            #expect(engine.defersFigures)
            return engine
        }
        #expect(deferredEngine().values(under: "/m/") == direct.values(under: "/m/"))
        let key = direct.values(under: "/m/").keys.sorted().first ?? ""
        #expect(deferredEngine().aggregate(forKey: key) == direct.aggregate(forKey: key))
        var inOrder: [String] = []
        deferredEngine().forEachFigureInKeyOrder { key, _ in inOrder.append(String(decoding: key, as: UTF8.self)) }
        #expect(inOrder == direct.values(under: "/m/").keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
        #expect(deferredEngine().memory().totalBytes > 0)
    }

    @Test func retentionMovedWhileDeferredDropsTheSameDays() async {
        let retained = EngineConfiguration(timeZone: Self.zone, dayRetentionDays: 2)
        await propertyCheck(count: 50, input: Gen.uint64()) { seed in
            let events = RandomCaseEvents(seed: seed).events()
            let times = events.map(\.at).sorted()
            let now = times[times.count / 2] / 1_000_000_000
            let direct = Engine(configuration: retained)
            let deferred = Engine(configuration: retained)
            deferred.deferFigures()
            for event in events.prefix(events.count / 2) {
                direct.apply(event)
                deferred.apply(event)
            }
            direct.advanceClock(toUnixSeconds: now)
            deferred.advanceClock(toUnixSeconds: now)
            deferred.deferFigures()
            for event in events.dropFirst(events.count / 2) {
                direct.apply(event)
                deferred.apply(event)
            }
            #expect(Self.aggregates(of: deferred) == Self.aggregates(of: direct), "seed \(seed)")
            #expect(deferred.values() == direct.values(), "seed \(seed)")
        }
    }
}
