import CasePulseCore
import Foundation
import GRDB

/// Restores every stored case record into an engine, reading and decoding on the calling thread
/// while a second thread folds the records into the engine.
///
/// At a restart the engine's work (about two thirds of it) and SQLite's reading and the records'
/// decoding (most of the rest) are independent, so on two cores they overlap. Records pass in
/// batches through a bounded queue, so at most ``queuedBatches`` × ``batchSize`` decoded records
/// exist at a time. The engine belongs to the folding thread from the start to the end of
/// ``restoreAll(from:into:)``, which joins that thread before it returns or throws: no one else
/// touches the engine meanwhile, and the caller has it back, alone, afterwards.
enum CaseRestorer {
    /// Records decoded and handed over together.
    static let batchSize = 1024
    /// Batches that may wait for the folding thread before the reader waits.
    static let queuedBatches = 4

    /// Restores every row of `cases` into `engine`; returns how many. A record that does not
    /// decode throws (naming its case), after the folding thread has stopped.
    static func restoreAll(from db: Database, into engine: Engine) throws -> Int {
        let handoff = Handoff()
        let folder = Thread { [transfer = EngineTransfer(engine)] in
            while let batch = handoff.take() {
                for record in batch { transfer.engine.restore(record) }
            }
            handoff.finishTaking()
        }
        folder.name = "casepulse-restore"
        folder.start()
        // Returning or throwing, the folding thread finishes what was queued and lets go first.
        defer {
            handoff.finishPutting()
            handoff.waitUntilTaken()
        }
        var count = 0
        var batch: [CaseRecord] = []
        batch.reserveCapacity(batchSize)
        let rows = try Row.fetchCursor(db, sql: "SELECT case_id, record FROM cases")
        while let row = try rows.next() {
            let caseID: String = row[0]
            // Borrowed from SQLite for this step: the record is decoded without a copy.
            let record = try row.withUnsafeData(atIndex: 1) { (data: Data?) throws -> CaseRecord in
                try RecordCodec.decode(caseID: caseID, data ?? Data())
            }
            batch.append(record)
            count += 1
            if batch.count == batchSize {
                handoff.put(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        if !batch.isEmpty { handoff.put(batch) }
        return count
    }

    /// The engine, handed to the folding thread for the span of one ``restoreAll(from:into:)``,
    /// which is the only code that uses it meanwhile.
    /// A bounded queue of batches between one reader and one folding thread.
    private final class Handoff: @unchecked Sendable {
        private let condition = NSCondition()
        private var batches: [[CaseRecord]] = []
        private var putting = true
        private var taking = true

        /// Waits while the queue is full, then queues `batch`.
        func put(_ batch: [CaseRecord]) {
            condition.lock()
            while batches.count >= CaseRestorer.queuedBatches { condition.wait() }
            batches.append(batch)
            condition.broadcast()
            condition.unlock()
        }

        /// No more batches will come.
        func finishPutting() {
            condition.lock()
            putting = false
            condition.broadcast()
            condition.unlock()
        }

        /// The next batch, waiting for one; `nil` once the reader finished and the queue is empty.
        func take() -> [CaseRecord]? {
            condition.lock()
            defer { condition.unlock() }
            while batches.isEmpty && putting { condition.wait() }
            guard !batches.isEmpty else { return nil }
            let batch = batches.removeFirst()
            condition.broadcast()
            return batch
        }

        /// The folding thread is done with the engine.
        func finishTaking() {
            condition.lock()
            taking = false
            condition.broadcast()
            condition.unlock()
        }

        /// Waits until the folding thread is done with the engine.
        func waitUntilTaken() {
            condition.lock()
            while taking { condition.wait() }
            condition.unlock()
        }
    }
}
