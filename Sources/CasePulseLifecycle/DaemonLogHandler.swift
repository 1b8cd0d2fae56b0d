import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// casepulsed's swift-log handler: one line per event on stderr in the ``LogStyle`` detected at
/// start (journal priorities under systemd, human-readable in a terminal), at the level of a
/// shared ``LogLevelControl`` that SIGHUP can change.
public struct DaemonLogHandler: LogHandler {
    /// The logger's label, shown in terminal lines.
    public let label: String
    /// How lines look.
    public let style: LogStyle
    private let control: LogLevelControl
    private let sink: @Sendable (Logger.Level, String) -> Void
    private var levelOverride: Logger.Level?
    /// Metadata added to every event of this handler.
    public var metadata: Logger.Metadata = [:]
    /// Task-local metadata, if any.
    public var metadataProvider: Logger.MetadataProvider?

    /// A handler writing lines to `sink` (stderr by default, one `write` per line).
    public init(
        label: String, style: LogStyle, control: LogLevelControl,
        sink: @escaping @Sendable (Logger.Level, String) -> Void = { DaemonLogHandler.writeToStandardError($1) }
    ) {
        self.label = label
        self.style = style
        self.control = control
        self.sink = sink
    }

    /// The shared level, unless this handler's logger set its own.
    public var logLevel: Logger.Level {
        get { levelOverride ?? control.level }
        set { levelOverride = newValue }
    }

    /// One metadata value.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Writes the event as one line.
    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        if let error = event.error { merged["error"] = .string("\(error)") }
        sink(event.level, style.line(level: event.level, label: label, message: event.message.description, metadata: merged))
    }

    private static let writeLock = Mutex(())

    /// Writes `line` to fd 2 whole, retrying short writes, one line at a time across threads.
    @Sendable public static func writeToStandardError(_ line: String) {
        writeLock.withLock { _ in
            var bytes = Array(line.utf8)[...]
            while !bytes.isEmpty {
                let written = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
                if written < 0, errno == EINTR { continue }
                guard written > 0 else { return }
                bytes = bytes.dropFirst(written)
            }
        }
    }
}
