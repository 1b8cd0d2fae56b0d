import ServiceLifecycle
import Synchronization

/// Sends `STOPPING=1` as soon as graceful shutdown begins, and remembers that it was asked for —
/// so the daemon can tell a requested stop (exit 0) from a server loop that ended by itself.
///
/// Put it last in the service group: the group shuts services down in reverse order, so the notice
/// goes out before the server drains.
public final class ShutdownNotice: Service, Sendable {
    private let notifier: SystemdNotifier
    private let requested = Mutex(false)

    /// Creates the service.
    public init(notifier: SystemdNotifier) {
        self.notifier = notifier
    }

    /// Whether graceful shutdown was requested (SIGTERM, SIGINT).
    public var wasRequested: Bool { requested.withLock { $0 } }

    /// Waits for graceful shutdown, then notifies.
    public func run() async {
        do {
            try await gracefulShutdown()
        } catch {
            return
        }
        requested.withLock { $0 = true }
        notifier.stopping()
    }
}
