import CasePulseCore
import CasePulseTestKit
import Testing

/// A record batch lends back exactly the records it was given, in order — case id, voided flag,
/// seen hashes and the three events that count — however it is filled: from records or from
/// views of them, emptied and filled again.
@Suite struct CaseRecordBatchTests {
    /// The records of random cases (voided ones, corrections and redeliveries among them) and
    /// hand-made ones: a non-ASCII case id and texts, a case with no event that counts, the
    /// longest texts.
    static func records(seed: UInt64) -> [CaseRecord] {
        let engine = Engine(configuration: EngineConfiguration(timeZone: .gmt, dayRetentionDays: 0))
        for event in RandomCaseEvents.shuffledWithDuplicates(RandomCaseEvents(seed: seed).events(), seed: seed) {
            engine.apply(event)
        }
        let decision = CaseEvent(
            id: "事件-ü", producer: "", type: .decided, caseID: "案件-\u{E9}", at: -5, region: RegionCode("370812")!,
            agency: "机构", subject: "", decision: .noPenalty, reason: .minor, waivedFen: 9)
        let filing = CaseEvent(
            id: String(repeating: "i", count: 128), producer: "", type: .filed, caseID: String(repeating: "c", count: 128),
            at: .max, region: RegionCode("370812")!, agency: String(repeating: "a", count: 32), channel: .offline,
            subject: String(repeating: "s", count: 128))
        return engine.takeChangedRecords() + [
            CaseRecord(caseID: "案件-\u{E9}", voided: false, seen: [1, .max], decision: decision),
            CaseRecord(caseID: "void", voided: true, seen: [7]),
            CaseRecord(caseID: String(repeating: "c", count: 128), voided: false, seen: [], filing: filing, closing: filing),
        ]
    }

    static func contents(of batch: CaseRecordBatch) -> [CaseRecord] {
        var out: [CaseRecord] = []
        batch.forEach { out.append(CaseRecord($0)) }
        return out
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func lendsBackWhatWasAppended(seed: UInt64) {
        let records = Self.records(seed: seed)
        #expect(records.count > 3, "the random cases made records")
        var batch = CaseRecordBatch()
        for record in records { batch.append(record) }
        #expect(batch.count == records.count)
        #expect(Self.contents(of: batch) == records)
        // Filled from the views another batch lends: what a store's reader does with the views
        // it decodes in place.
        var copy = CaseRecordBatch()
        batch.forEach { copy.append($0) }
        #expect(Self.contents(of: copy) == records)
        for (index, record) in records.enumerated() {
            #expect(batch.withRecord(at: index) { CaseRecord($0) } == record)
        }
    }

    /// Refilled after `removeAll(keepingCapacity:)`, a batch holds only the new records.
    @Test func refilledKeepsOnlyTheNewRecords() {
        let first = Self.records(seed: 4), second = Array(Self.records(seed: 5).reversed())
        var batch = CaseRecordBatch()
        for record in first { batch.append(record) }
        batch.removeAll(keepingCapacity: true)
        #expect(batch.count == 0 && Self.contents(of: batch).isEmpty)
        for record in second.prefix(5) { batch.append(record) }
        #expect(Self.contents(of: batch) == Array(second.prefix(5)))
    }
}
