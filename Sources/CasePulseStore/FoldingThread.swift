import CasePulseCore
import Foundation

/// A thread that has an engine to itself and folds items into it, in the order they are put,
/// while the calling thread reads and decodes the next ones.
///
/// At a restart the engine's work and the reading and decoding of what it folds (case records,
/// journal events) are about equal halves and independent, so on two cores they overlap. Items
/// pass in batches of ``batchSize`` through a bounded queue, so at most
/// (``queuedBatches`` + 2) × ``batchSize`` decoded items exist at a time. The engine belongs to
/// the folding thread from ``init(engine:name:fold:)`` until ``finish()`` returns: the caller must
/// not touch it meanwhile, and has it back, alone, afterwards. Call ``finish()`` on every path
/// (a `defer`), throwing or not.
final class FoldingThread<Item: Sendable> {
    /// Items handed over together.
    static var batchSize: Int { 1024 }
    /// Batches that may wait for the folding thread before ``put(_:)`` waits.
    static var queuedBatches: Int { 4 }

    private let handoff = Handoff<Item>()
    private var batch: [Item] = []
    private var finished = false

    /// Starts the thread, named `name`, which calls `fold` with `engine` for each item put.
    init(engine: Engine, name: String, fold: @escaping @Sendable (Engine, Item) -> Void) {
        batch.reserveCapacity(Self.batchSize)
        let thread = Thread { [handoff, transfer = EngineTransfer(engine)] in
            while let batch = handoff.take() {
                for item in batch { fold(transfer.engine, item) }
            }
            handoff.finishTaking()
        }
        thread.name = name
        thread.start()
    }

    /// Queues `item` to be folded after every item put before it.
    func put(_ item: Item) {
        batch.append(item)
        if batch.count == Self.batchSize {
            handoff.put(batch, limit: Self.queuedBatches)
            batch.removeAll(keepingCapacity: true)
        }
    }

    /// Hands over what is left, then waits until the thread has folded everything and let go of
    /// the engine. Does nothing the second time.
    func finish() {
        guard !finished else { return }
        finished = true
        if !batch.isEmpty { handoff.put(batch, limit: Self.queuedBatches) }
        batch = []
        handoff.finishPutting()
        handoff.waitUntilTaken()
    }
}

/// A bounded queue of batches between one putting and one taking thread.
private final class Handoff<Item: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var batches: [[Item]] = []
    private var putting = true
    private var taking = true

    /// Waits while `limit` batches are queued, then queues `batch`.
    func put(_ batch: [Item], limit: Int) {
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
    func take() -> [Item]? {
        condition.lock()
        defer { condition.unlock() }
        while batches.isEmpty && putting { condition.wait() }
        guard !batches.isEmpty else { return nil }
        let batch = batches.removeFirst()
        condition.broadcast()
        return batch
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
