import Dispatch
import Synchronization

/// The journal's next files, prepared (``Journal/prepare(directory:epoch:fsync:)``) on a thread of
/// their own while the state is recovered.
///
/// A prepared file is its header and ``Journal/allocationStep`` bytes of zeros written and synced:
/// two of them are 32 MiB through the page cache and two flushes, which took 20 to 150 ms at the
/// end of a restart when they were written after the replay. Nothing in the recovery reads them,
/// so they are written while the journal is read and replayed, and ``wait()`` collects them.
final class JournalPreparation: Sendable {
    private let done = DispatchGroup()
    private let failure = Mutex<StoreError?>(nil)

    /// Starts preparing the files of `epochs`, in order, in `directory`.
    init(directory: String, epochs: [UInt64], fsync: FsyncMode) {
        done.enter()
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            do throws(StoreError) {
                for epoch in epochs { try Journal.prepare(directory: directory, epoch: epoch, fsync: fsync) }
            } catch {
                failure.withLock { $0 = error }
            }
            done.leave()
        }
    }

    /// Waits until the files are prepared; throws why one could not be. May be called again.
    func wait() throws(StoreError) {
        done.wait()
        if let error = failure.withLock({ $0 }) { throw error }
    }
}
