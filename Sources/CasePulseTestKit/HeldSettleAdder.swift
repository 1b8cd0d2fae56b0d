import CasePulseCore
import Synchronization

/// A ``SettleAdding`` that holds every batch until it is waited for, then applies them in order
/// on the waiting thread: an engine that reads a figure without waiting for its settlings'
/// additions reads it without them, every time, rather than only when a thread is slow.
public final class HeldSettleAdder: SettleAdding {
    private struct State {
        var held: [SettleBatch] = []
        var given = 0
        var givenWithParties = 0
        var waits = 0
    }

    private let state = Mutex(State())

    /// An adder that holds nothing.
    public init() {}

    public func add(_ batch: SettleBatch) {
        state.withLock {
            $0.held.append(batch)
            $0.given += 1
            if batch.appliesParties { $0.givenWithParties += 1 }
        }
    }

    public func waitUntilApplied() {
        let batches = state.withLock { state in
            state.waits += 1
            defer { state.held.removeAll() }
            return state.held
        }
        for batch in batches { batch.apply() }
    }

    /// Batches given and not yet applied.
    public var heldCount: Int { state.withLock { $0.held.count } }

    /// Batches given so far.
    public var givenCount: Int { state.withLock { $0.given } }

    /// Batches given so far that count beneficiaries themselves (``SettleBatch/appliesParties``).
    public var givenWithPartiesCount: Int { state.withLock { $0.givenWithParties } }
}
