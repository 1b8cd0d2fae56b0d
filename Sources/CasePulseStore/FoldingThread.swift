import CasePulseCore
import Foundation

/// A thread that has an engine to itself and folds items into it, in the order they are put,
/// while the calling thread reads and decodes the next ones.
///
/// At a restart the engine's work and the reading and decoding of what it folds (case records,
/// journal events) are about equal halves and independent, so on two cores they overlap. Items
/// pass in batches of ``batchSize`` through a bounded queue, so at most
/// (``queuedBatches`` + 2) × ``batchSize`` decoded items exist at a time; emptied batches go
/// back to the putting thread, their storage kept, so steady folding allocates none. The engine
/// belongs to the folding thread from ``init(engine:name:foldBatch:)`` until ``finish()`` returns: the
/// caller must not touch it meanwhile, and has it back, alone, afterwards. Call ``finish()`` on
/// every path (a `defer`), throwing or not.
final class FoldingThread<Batch: FoldingBatch & Sendable> {
    /// Items handed over together.
    static var batchSize: Int { 1024 }
    /// Batches that may wait for the folding thread before ``put(_:)`` waits.
    static var queuedBatches: Int { 4 }

    private let handoff = Handoff<Batch>()
    private var batch = Batch()
    private var finished = false

    /// Starts the thread, named `name`, which calls `foldBatch` with `engine` for each batch of
    /// items put, in order (a batch, that the fold may look ahead within it).
    init(engine: Engine, name: String, foldBatch: @escaping @Sendable (Engine, Batch) -> Void) {
        let thread = Thread { [handoff, transfer = EngineTransfer(engine)] in
            while var batch = handoff.take() {
                foldBatch(transfer.engine, batch)
                // Emptied in place, its storage goes back to the putting thread for a next batch.
                batch.removeAll(keepingCapacity: true)
                handoff.recycle(batch)
            }
            handoff.finishTaking()
        }
        thread.name = name
        thread.start()
    }

    /// Queues `item` to be folded after every item put before it.
    func put(_ item: Batch.Item) {
        batch.append(item)
        if batch.count == Self.batchSize {
            var next = handoff.spare() ?? Batch()
            swap(&batch, &next)
            handoff.put(next, limit: Self.queuedBatches)
        }
    }

    /// Hands over what is left, then waits until the thread has folded everything and let go of
    /// the engine. Does nothing the second time.
    func finish() {
        guard !finished else { return }
        finished = true
        if batch.count > 0 { handoff.put(batch, limit: Self.queuedBatches) }
        batch = Batch()
        handoff.finishPutting()
        handoff.waitUntilTaken()
    }
}

/// What a ``FoldingThread`` hands over: items appended one by one, folded a batch at a time in
/// that order (the fold reads the batch through its own type).
protocol FoldingBatch {
    /// What is put and folded.
    associatedtype Item
    /// An empty batch.
    init()
    /// How many items the batch holds.
    var count: Int { get }
    /// Adds `item` at the end.
    mutating func append(_ item: Item)
    /// Empties the batch; with `keepingCapacity` its storage stays for the next items.
    mutating func removeAll(keepingCapacity: Bool)
}

/// Case records pass with their texts and id hashes in one shared buffer: no allocation per
/// record.
extension CaseRecordBatch: FoldingBatch {
    typealias Item = CaseRecordView
}

/// Items that own their storage pass in an array.
extension Array: FoldingBatch {
    typealias Item = Element
}

/// Decoded journal events pass with their texts in one shared buffer: no allocation per event.
extension CaseEventBatch: FoldingBatch {
    typealias Item = CaseEventView
}

/// A bounded queue of batches between one putting and one taking thread.
private final class Handoff<Batch: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var batches: [Batch] = []
    /// Batches folded and emptied, their storage kept: at most as many as may be queued.
    private var spares: [Batch] = []
    private var putting = true
    private var taking = true

    /// Waits while `limit` batches are queued, then queues `batch`.
    func put(_ batch: Batch, limit: Int) {
        condition.lock()
        while batches.count >= limit { condition.wait() }
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

    /// The next batch, waiting for one; `nil` once putting finished and the queue is empty.
    func take() -> Batch? {
        condition.lock()
        defer { condition.unlock() }
        while batches.isEmpty && putting { condition.wait() }
        guard !batches.isEmpty else { return nil }
        let batch = batches.removeFirst()
        condition.broadcast()
        return batch
    }

    /// Keeps an emptied batch for ``spare()``.
    func recycle(_ batch: Batch) {
        condition.lock()
        if spares.count < 2 { spares.append(batch) }
        condition.unlock()
    }

    /// An emptied batch to fill, if one was recycled.
    func spare() -> Batch? {
        condition.lock()
        defer { condition.unlock() }
        return spares.popLast()
    }

    /// The taking thread is done.
    func finishTaking() {
        condition.lock()
        taking = false
        condition.broadcast()
        condition.unlock()
    }

    /// Waits until the taking thread is done.
    func waitUntilTaken() {
        condition.lock()
        while taking { condition.wait() }
        condition.unlock()
    }
}
