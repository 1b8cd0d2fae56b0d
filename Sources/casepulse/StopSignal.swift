import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Set by `SIGINT` / `SIGTERM` once ``StopSignal/install()`` ran.
private let stopRequested = Atomic<Bool>(false)

/// Turns `SIGINT` and `SIGTERM` into a flag that loops check, so they end cleanly (flushing
/// output and letting queued events leave).
enum StopSignal {
    /// Installs the handlers.
    static func install() {
        signal(SIGINT) { _ in stopRequested.store(true, ordering: .relaxed) }
        signal(SIGTERM) { _ in stopRequested.store(true, ordering: .relaxed) }
    }

    /// Whether a stop was requested.
    static var isRequested: Bool { stopRequested.load(ordering: .relaxed) }
}
