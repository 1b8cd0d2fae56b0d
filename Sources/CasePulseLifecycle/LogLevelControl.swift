import Logging
import Synchronization

/// The daemon's log level, shared by every ``DaemonLogHandler`` so that SIGHUP can change it for
/// loggers that already exist.
public final class LogLevelControl: Sendable {
    private let current: Mutex<Logger.Level>

    /// Starts at `level`.
    public init(_ level: Logger.Level) {
        current = Mutex(level)
    }

    /// The level in force.
    public var level: Logger.Level {
        get { current.withLock { $0 } }
        set { current.withLock { $0 = newValue } }
    }
}
