import Logging
import Synchronization

/// A swift-log backend that keeps every line logged through it, for tests that check what an
/// operator is told: `Logger(label: "test") { _ in handler }`, then ``lines``.
public final class RecordingLogHandler: Sendable {
    /// One line as logged.
    public struct Line: Sendable, Equatable {
        /// Its level.
        public var level: Logger.Level
        /// Its message.
        public var message: String
    }

    private let recorded = Mutex<[Line]>([])

    /// A handler that has recorded nothing.
    public init() {}

    /// Every line logged so far, in order.
    public var lines: [Line] { recorded.withLock { $0 } }

    /// A logger whose every line, from `trace` up, this handler records.
    public func logger(label: String = "test") -> Logger {
        var logger = Logger(label: label) { _ in Handler(sink: self) }
        logger.logLevel = .trace
        return logger
    }

    fileprivate func record(_ line: Line) {
        recorded.withLock { $0.append(line) }
    }

    /// The `LogHandler` value swift-log copies around; every copy records into the same sink.
    private struct Handler: LogHandler {
        let sink: RecordingLogHandler
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            sink.record(Line(level: event.level, message: "\(event.message)"))
        }
    }
}
