import Logging

/// Logs refusals and gaps without flooding: at most `linesPerSecond` lines a second, then one line
/// saying how many were suppressed.
struct RefusalLog {
    var logger: Logger
    var linesPerSecond = 10
    private var windowStart: UInt64 = 0
    private var linesInWindow = 0
    private var suppressed = 0

    init(logger: Logger) {
        self.logger = logger
    }

    mutating func log(_ level: Logger.Level, _ message: @autoclosure () -> Logger.Message, now: UInt64) {
        flush(now: now)
        guard linesInWindow < linesPerSecond else {
            suppressed += 1
            return
        }
        linesInWindow += 1
        logger.log(level: level, message())
    }

    /// Ends the window once a second has passed, saying how many lines it held back. Called for
    /// every line and from the loop's heartbeat, so a burst that simply stops is reported too.
    mutating func flush(now: UInt64) {
        guard now &- windowStart >= 1_000_000_000 else { return }
        if suppressed > 0 {
            logger.log(level: .notice, "\(suppressed) more refusals and gaps were not logged in the last second")
        }
        windowStart = now
        linesInWindow = 0
        suppressed = 0
    }
}
