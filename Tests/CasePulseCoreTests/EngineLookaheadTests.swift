import CasePulseCore
import CasePulseTestKit
import Foundation
import PropertyBased
import Testing

/// ``Engine/applyReportingGaps(_:_:)`` looks ahead within its batch: whatever it asks for ahead,
/// every event is applied once, in order, exactly as one by one.
@Suite struct EngineLookaheadTests {
    static let configuration = EngineConfiguration(timeZone: TimeZone(identifier: "Asia/Shanghai") ?? .gmt, dayRetentionDays: 0)

    /// `event` under a case id with non-ASCII bytes (indexed as a string, not by its bytes) when
    /// `foreign`.
    static func renamed(_ event: CaseEvent, foreign: Bool) -> CaseEvent {
        guard foreign else { return event }
        return CaseEvent(
            id: event.id, producer: event.producer, seq: event.seq, type: event.type, caseID: "案件-" + event.caseID,
            at: event.at, region: event.region, agency: event.agency, channel: event.channel, subject: event.subject,
            decision: event.decision, reason: event.reason, listItem: event.listItem, fineFen: event.fineFen,
            waivedFen: event.waivedFen)
    }

    /// Random sets, shuffled with redeliveries, some cases under non-ASCII ids, in batches of 1 to
    /// 70 events (shorter and longer than the look-ahead): the same outcomes, gaps, figures and
    /// counters as the events applied one at a time, each reported at its position.
    @Test func batchesGiveWhatEventsOneByOneGive() async {
        await propertyCheck(count: 150, input: Gen.uint64(), Gen.uint64()) { seed, shuffleSeed in
            var random = SplitMix64(seed: shuffleSeed)
            let foreignCases = Set(RandomCaseEvents(seed: seed).events().map(\.caseID).filter { _ in random.next() % 4 == 0 })
            let events = RandomCaseEvents.shuffledWithDuplicates(RandomCaseEvents(seed: seed).events(), seed: shuffleSeed)
                .map { Self.renamed($0, foreign: foreignCases.contains($0.caseID)) }
            let single = Engine(configuration: Self.configuration), batched = Engine(configuration: Self.configuration)
            var expected: [String] = []
            for (position, event) in events.enumerated() {
                let (outcome, gap) = single.applyReportingGap(event)
                expected.append("\(position) \(outcome) \(String(describing: gap))")
            }
            var reported: [String] = []
            var start = 0
            while start < events.count {
                let end = min(events.count, start + Int(random.next() % 70) + 1)
                var batch = CaseEventBatch()
                for event in events[start..<end] { event.withView { batch.append($0) } }
                batched.applyReportingGaps(batch) { position, outcome, gap in
                    reported.append("\(start + position) \(outcome) \(String(describing: gap))")
                }
                start = end
            }
            #expect(reported == expected, "seed \(seed) shuffle \(shuffleSeed)")
            #expect(batched.values(under: "/") == single.values(under: "/"), "seed \(seed) shuffle \(shuffleSeed)")
            #expect(batched.ingest == single.ingest)
        }
    }

    /// A batch larger than the look-ahead whose events all name one case, then one whose events
    /// all repeat it: every event after the first of each id is a duplicate.
    @Test func aBatchOfOneCaseAndItsRedeliveries() {
        let events = RandomCaseEvents(seed: 7).events()
        let caseID = events[0].caseID
        let ofOneCase = events.filter { $0.caseID == caseID }
        let engine = Engine(configuration: Self.configuration)
        var batch = CaseEventBatch()
        for _ in 0..<40 { for event in ofOneCase { event.withView { batch.append($0) } } }
        var outcomes: [ApplyOutcome] = []
        engine.applyReportingGaps(batch) { _, outcome, _ in outcomes.append(outcome) }
        #expect(outcomes.count == 40 * ofOneCase.count)
        #expect(outcomes.prefix(ofOneCase.count).allSatisfy { $0 == .accepted })
        #expect(outcomes.dropFirst(ofOneCase.count).allSatisfy { $0 == .duplicate })
        #expect(engine.values(under: "/m/") == EnginePropertyTests.figures(of: ofOneCase))
    }

    /// Records of random cases (non-ASCII ids among them) restored in batches of 1 to 70: the same
    /// figures, cases and duplicates as restored one by one, and `each` called once per record.
    @Test(arguments: [11, 12, 13, 14] as [UInt64])
    func recordBatchesRestoreWhatRecordsOneByOneRestore(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let events = RandomCaseEvents(seed: seed).events() + RandomCaseEvents(seed: seed + 100).events()
            .map { Self.renamed($0, foreign: true) }
        let source = Engine(configuration: Self.configuration)
        for event in RandomCaseEvents.shuffledWithDuplicates(events, seed: seed) { source.apply(event) }
        let records = source.takeChangedRecords()
        #expect(records.contains { !$0.caseID.utf8.allSatisfy { $0 < 0x80 } }, "some records have non-ASCII case ids")

        let single = Engine(configuration: Self.configuration), batched = Engine(configuration: Self.configuration)
        for record in records { record.withView { single.restore($0) } }
        var start = 0, calls = 0
        while start < records.count {
            let end = min(records.count, start + Int(random.next() % 70) + 1)
            var batch = CaseRecordBatch()
            for record in records[start..<end] { batch.append(record) }
            batched.restore(batch) { calls += 1 }
            start = end
        }
        #expect(calls == records.count)
        #expect(batched.values(under: "/m/") == source.values(under: "/m/"))
        #expect(batched.values(under: "/m/") == single.values(under: "/m/"))
        // Every id restored counts as seen: each event again is a duplicate.
        for event in events { #expect(batched.apply(event) == .duplicate) }
        #expect(batched.values(under: "/m/") == source.values(under: "/m/"))
    }
}
