import CasePulseCore
import CasePulseTestKit
import Testing

/// A batch lends back exactly the events it was given, in order, texts and fields alike, however
/// often it is emptied and filled again.
@Suite struct CaseEventBatchTests {
    /// Random events (with and without subject and list item, duplicates and corrections among
    /// them) and hand-made ones with empty, non-ASCII and longest texts.
    static func events(seed: UInt64) -> [CaseEvent] {
        RandomCaseEvents(seed: seed).events() + [
            CaseEvent(
                id: "事件-ü", producer: "p", type: .decided, caseID: "案件-\u{E9}", at: -5, region: RegionCode("370812")!,
                agency: "a", subject: "", decision: .noPenalty, reason: .minor, listItem: "条目", waivedFen: 9),
            CaseEvent(
                id: String(repeating: "i", count: 128), producer: String(repeating: "p", count: 64), seq: .max,
                type: .filed, caseID: String(repeating: "c", count: 128), at: .max, region: RegionCode("370812")!,
                agency: String(repeating: "a", count: 32), channel: .offline),
        ]
    }

    /// The events a batch lends, copied out.
    static func contents(of batch: CaseEventBatch) -> [CaseEvent] {
        var out: [CaseEvent] = []
        batch.forEach { out.append(CaseEvent($0)) }
        return out
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func lendsBackWhatWasAppended(seed: UInt64) {
        let events = Self.events(seed: seed)
        var batch = CaseEventBatch()
        for event in events { event.withView { batch.append($0) } }
        #expect(batch.count == events.count)
        #expect(Self.contents(of: batch) == events)
    }

    /// Refilled after `removeAll(keepingCapacity:)`, a batch holds only the new events: no text
    /// of an earlier filling shows through.
    @Test func refilledKeepsOnlyTheNewEvents() {
        let first = Self.events(seed: 4), second = Array(Self.events(seed: 5).reversed())
        var batch = CaseEventBatch()
        for event in first { event.withView { batch.append($0) } }
        batch.removeAll(keepingCapacity: true)
        #expect(batch.isEmpty && Self.contents(of: batch).isEmpty)
        for event in second.prefix(17) { event.withView { batch.append($0) } }
        #expect(Self.contents(of: batch) == Array(second.prefix(17)))
        batch.removeAll()
        for event in second { event.withView { batch.append($0) } }
        #expect(Self.contents(of: batch) == second)
    }
}
