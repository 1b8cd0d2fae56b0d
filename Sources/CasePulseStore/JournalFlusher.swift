import Dispatch
import Synchronization

/// Writes the journal's records and makes them durable on a thread of its own, so that the
/// server thread goes on receiving and applying events while a batch's `fdatasync` waits for the
/// disk (group commit off the ingest thread).
///
/// Records are handed over in order, each with the next *ticket*; the flusher writes every
/// record waiting, then makes them all durable with one `fdatasync` (records handed over while a
/// sync runs share the next one), and only then raises ``durableTicket`` and calls the handler
/// set with ``onDurable(_:)``. Whoever sends an `ACK` or publishes a figure waits for its ticket.
/// Each record's header and CRC are filled in here too.
///
/// After a failure nothing more is written and ``durableTicket`` stays where it was: what was
/// handed over after it is never acknowledged or published, and the owner stops on
/// ``failure``. The open file (``JournalFile``) is only touched on the flusher's serial queue.
final class JournalFlusher: Sendable {
    /// A record waiting to be written: header space, then the payload.
    private struct Record: Sendable {
        var bytes: [UInt8]
        var kind: Journal.Kind
        var ticket: UInt64
    }

    private struct State: Sendable {
        var waiting: [Record] = []
        var bytesWaiting = 0
        /// Emptied buffers given back for the next records.
        var spare: [[UInt8]] = []
        var failure: StoreError?
        var onDurable: (@Sendable () -> Void)?
        /// Flushes queued on the thread and not yet done.
        var flushesQueued = 0
    }

    private let queue = DispatchQueue(label: "casepulse.journal")
    private let state = Mutex<State>(State())
    private let durable = Atomic<UInt64>(0)
    private let file: JournalFile

    /// Bytes waiting to be written past which ``submit(_:kind:ticket:)`` waits for the flusher: a
    /// disk slower than ingest holds back the server thread instead of filling memory.
    static let maximumBytesWaiting = 64 << 20
    /// Emptied buffers kept for reuse.
    static let spareBuffers = 2

    /// A flusher of the journal files of `file`'s directory, from `file`'s epoch on.
    init(file: JournalFile) {
        self.file = file
    }

    /// The ticket of the last record that is durable (as the fsync mode promises).
    var durableTicket: UInt64 { durable.load(ordering: .acquiring) }

    /// Why the flusher stopped writing, if it did.
    var failure: StoreError? { state.withLock { $0.failure } }

    /// Sets what to call (on the flusher's thread) each time records become durable.
    func onDurable(_ handler: @escaping @Sendable () -> Void) {
        state.withLock { $0.onDurable = handler }
    }

    /// An emptied buffer for the next record, with the capacity of an earlier one when there is
    /// one.
    func takeSpareBuffer() -> [UInt8] {
        state.withLock { $0.spare.popLast() } ?? []
    }

    /// Hands over `bytes` (``Journal/recordHeaderSize`` bytes of header space, then the payload)
    /// as the record with `ticket`. Waits only while too much is waiting — or, with
    /// `inlineWhenIdle` and nothing in hand, writes and syncs it on the calling thread: when the
    /// caller has nothing else to do meanwhile, that saves the two thread hops of a hand-over (a
    /// lone event's latency).
    func submit(_ bytes: consuming [UInt8], kind: Journal.Kind, ticket: UInt64, inlineWhenIdle: Bool = false) {
        let record = Record(bytes: bytes, kind: kind, ticket: ticket)
        let (waiting, inline) = state.withLock { state in
            state.bytesWaiting += record.bytes.count
            state.waiting.append(record)
            let inline = inlineWhenIdle && state.flushesQueued == 0
            if !inline { state.flushesQueued += 1 }
            return (state.bytesWaiting, inline)
        }
        if inline {
            // Runs on this thread: the queue has nothing else to do.
            queue.sync { flushWaiting(notify: false) }
            return
        }
        queue.async { [self] in
            flushWaiting(notify: true)
            state.withLock { $0.flushesQueued -= 1 }
        }
        if waiting > Self.maximumBytesWaiting { drain() }
    }

    /// Waits until every record handed over so far is written (and durable, or failed).
    func drain() {
        queue.sync {}
    }

    /// Runs `body` with the open file on the flusher's queue, after every record handed over
    /// so far, and returns what it returns.
    func withFile<Result: Sendable>(_ body: @Sendable (JournalFile) throws(StoreError) -> Result) throws(StoreError) -> Result {
        let outcome: Swift.Result<Result, StoreError> = queue.sync {
            do throws(StoreError) { return .success(try body(file)) } catch { return .failure(error) }
        }
        return try outcome.get()
    }

    /// Writes every record waiting and makes them durable with one sync (on the queue); with
    /// `notify`, then calls the handler set with ``onDurable(_:)`` (also after a failure).
    private func flushWaiting(notify: Bool) {
        var (records, failed) = state.withLock { state in
            defer {
                state.waiting = []
                state.bytesWaiting = 0
            }
            return (state.waiting, state.failure != nil)
        }
        guard let last = records.last?.ticket, !failed else { return }
        do throws(StoreError) {
            for index in records.indices {
                try file.write(&records[index].bytes, kind: records[index].kind)
            }
            try file.sync()
        } catch {
            let handler = state.withLock { state in
                state.failure = error
                return state.onDurable
            }
            // Woken so that the owner sees the failure.
            if notify { handler?() }
            return
        }
        durable.store(last, ordering: .releasing)
        let handler = state.withLock { state in
            for index in records.indices where state.spare.count < Self.spareBuffers {
                var buffer: [UInt8] = []
                swap(&buffer, &records[index].bytes)
                buffer.removeAll(keepingCapacity: true)
                state.spare.append(buffer)
            }
            return state.onDurable
        }
        if notify { handler?() }
    }
}
