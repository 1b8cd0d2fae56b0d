import Logging

/// Logs refused handshakes at `notice` without flooding: at most ``linesPerWindow`` lines per
/// ``window``; what is held back is summed up in one line once the window is over.
///
/// A stranger hammering a port with bad keys thus costs a few log lines a minute, while every
/// refusal is still counted in ``HandshakeStatistics``.
struct DenialLog {
    /// Lines allowed per window.
    let linesPerWindow: Int
    /// The window's length.
    let window: Duration
    private let logger: Logger
    private var windowStart: ContinuousClock.Instant
    private var logged = 0
    private var suppressed = 0

    /// A log whose first window starts at `now`.
    init(logger: Logger, linesPerWindow: Int = 10, window: Duration = .seconds(10), now: ContinuousClock.Instant = .now) {
        self.logger = logger
        self.linesPerWindow = linesPerWindow
        self.window = window
        self.windowStart = now
    }

    /// Logs `line`, or counts it when the window's lines are spent.
    mutating func log(_ line: @autoclosure () -> String, now: ContinuousClock.Instant = .now) {
        flush(now: now)
        if logged < linesPerWindow {
            logged += 1
            logger.notice("\(line())")
        } else {
            suppressed += 1
        }
    }

    /// Starts a new window when the current one is over, first logging how many lines it held back.
    mutating func flush(now: ContinuousClock.Instant = .now) {
        guard now - windowStart >= window else { return }
        if suppressed > 0 {
            logger.notice("\(suppressed) more refused handshakes in the last \(window) were not logged")
        }
        windowStart = now
        logged = 0
        suppressed = 0
    }
}
