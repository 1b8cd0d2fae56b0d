import Dispatch

/// Makes settlings' additions on a thread of its own, one batch after another in the order given:
/// the engine's owner finds the keys of the next batch (or, for live ingest, folds the next
/// events) meanwhile.
///
/// At most ``batchesAhead`` batches wait at once: ``add(_:)`` blocks while that many do, which
/// bounds what the batches hold (each some 128 KB of slot numbers) however far the owner runs
/// ahead.
public final class SettleAdder: SettleAdding {
    /// Batches given but not yet applied, at most.
    public let batchesAhead: Int
    private let queue: DispatchQueue
    private let room: DispatchSemaphore

    /// An adder whose thread carries `label` (as debuggers and profilers show it).
    public init(label: String = "casepulse.settle", batchesAhead: Int = 4) {
        self.batchesAhead = max(1, batchesAhead)
        queue = DispatchQueue(label: label)
        room = DispatchSemaphore(value: self.batchesAhead)
    }

    public func add(_ batch: SettleBatch) {
        room.wait()
        queue.async { [room] in
            batch.apply()
            room.signal()
        }
    }

    public func waitUntilApplied() {
        queue.sync {}
    }
}
