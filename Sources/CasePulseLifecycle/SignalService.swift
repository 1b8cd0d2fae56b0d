import Logging
import ServiceLifecycle
import UnixSignals

/// The daemon's signals other than SIGTERM/SIGINT (the service group's graceful shutdown):
/// SIGHUP reloads the configuration; SIGUSR1, trapped only when test hooks are on, wedges the
/// server loop. Once the signals are trapped it calls `onReady` — so `READY=1` is never sent
/// before a reload request could be honoured.
public struct SignalService: Service {
    private let reloader: ConfigurationReloader
    private let onWedge: (@Sendable () -> Void)?
    private let onReady: @Sendable () -> Void

    /// Creates the service; `onWedge` non-nil traps SIGUSR1 (test hooks only).
    public init(reloader: ConfigurationReloader, onWedge: (@Sendable () -> Void)?, onReady: @escaping @Sendable () -> Void) {
        self.reloader = reloader
        self.onWedge = onWedge
        self.onReady = onReady
    }

    /// Traps the signals, reports ready, and handles signals until graceful shutdown.
    public func run() async {
        let signals = await UnixSignalsSequence(trapping: onWedge == nil ? [.sighup] : [.sighup, .sigusr1])
        onReady()
        for await signal in signals.cancelOnGracefulShutdown() {
            if signal == .sighup {
                reloader.reload()
            } else {
                onWedge?()
            }
        }
    }
}
