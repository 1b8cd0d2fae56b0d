import CasePulseCore
import Foundation
import Synchronization
import Testing

@testable import CasePulseStore

/// The folding thread folds every item put, once, in the order put, across many more batches
/// than it queues or recycles.
@Suite struct FoldingThreadTests {
    static func engine() -> Engine {
        Engine(configuration: EngineConfiguration(timeZone: TimeZone(identifier: "Asia/Shanghai") ?? .gmt))
    }

    /// Reports the count and the first difference, not two lists of ten thousand items.
    static func expectSame<T: Equatable>(_ folded: [T], _ expected: [T], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(folded.count == expected.count, sourceLocation: sourceLocation)
        let firstDifference = zip(folded, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset
        #expect(firstDifference == nil, sourceLocation: sourceLocation)
    }

    @Test func foldsEveryJournalEventOnceInOrder() {
        let count = FoldingThread<CaseEventBatch>.batchSize * 10 + 7
        let folded = Mutex<[String]>([])
        let folding = FoldingThread<CaseEventBatch>(engine: Self.engine(), name: "test-fold", foldBatch: { _, batch in
            batch.forEach { event in
                let id = String(decoding: event.id, as: UTF8.self)
                folded.withLock { $0.append(id) }
            }
        })
        var expected: [String] = []
        for index in 0..<count {
            // Texts of varying length, so that a recycled batch's old bytes would show if kept.
            let event = CaseEvent(
                id: "e-\(index)-" + String(repeating: "x", count: index % 37), producer: "p", type: .filed,
                caseID: "c-\(index)", at: 0, region: RegionCode("370812")!, agency: "a", channel: .online)
            expected.append(event.id)
            event.withView { folding.put($0) }
        }
        folding.finish()
        Self.expectSame(folded.withLock { $0 }, expected)
    }

    @Test func foldsEveryRecordOnceInOrder() {
        let count = FoldingThread<[Int]>.batchSize * 7 + 3
        let folded = Mutex<[Int]>([])
        let folding = FoldingThread<[Int]>(engine: Self.engine(), name: "test-fold", foldBatch: { _, batch in
            folded.withLock { $0.append(contentsOf: batch) }
        })
        for item in 0..<count { folding.put(item) }
        folding.finish()
        folding.finish()
        Self.expectSame(folded.withLock { $0 }, Array(0..<count))
    }
}
