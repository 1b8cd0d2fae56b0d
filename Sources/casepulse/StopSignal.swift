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
    /// Installs the handlers, and unblocks both signals on the calling (main) thread.
    ///
    /// A signal mask is inherited across `exec`: a program that starts `casepulse` from a thread
    /// blocking them — Foundation's `Process` run on a Dispatch worker thread, as Swift
    /// concurrency code does on Linux, passes on that worker's mask, which blocks `SIGINT` and
    /// `SIGTERM` — would otherwise leave `watch` and `demo` deaf to them, running until killed.
    static func install() {
        signal(SIGINT) { _ in stopRequested.store(true, ordering: .relaxed) }
        signal(SIGTERM) { _ in stopRequested.store(true, ordering: .relaxed) }
        var stops = sigset_t()
        sigemptyset(&stops)
        sigaddset(&stops, SIGINT)
        sigaddset(&stops, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &stops, nil)
    }

    /// Whether a stop was requested.
    static var isRequested: Bool { stopRequested.load(ordering: .relaxed) }
}
