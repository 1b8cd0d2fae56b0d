import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// How log lines look on stderr.
public enum LogStyle: Sendable, Equatable {
    /// stderr is the journal (`JOURNAL_STREAM` names it): `<N>` syslog priority prefix, no
    /// timestamp (journald adds its own), one line per event.
    case journal
    /// A terminal or a file: a local timestamp, the level, the label; ANSI colour when `colour`.
    case terminal(colour: Bool)

    /// `.journal` when `JOURNAL_STREAM`'s `device:inode` is stderr's, else `.terminal`, coloured
    /// when stderr is a TTY and neither `NO_COLOR` is set nor `TERM` is `dumb`.
    public static func detect(environment: [String: String], fd: Int32 = STDERR_FILENO) -> LogStyle {
        var info = stat()
        if let stream = environment["JOURNAL_STREAM"], fstat(fd, &info) == 0 {
            let parts = stream.split(separator: ":")
            if parts.count == 2, UInt64(parts[0]) == UInt64(info.st_dev), UInt64(parts[1]) == UInt64(info.st_ino) {
                return .journal
            }
        }
        let colour = isatty(fd) == 1 && environment["NO_COLOR"] == nil && environment["TERM"] != "dumb"
        return .terminal(colour: colour)
    }

    /// The syslog priority of `level` (sd-daemon(3)'s `<N>` prefixes).
    public static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    /// One line (with its newline) for an event. Newlines inside the message or metadata are
    /// escaped so that an event is always one line — one journal entry.
    public func line(
        level: Logger.Level, label: String, message: String, metadata: Logger.Metadata, date: Date = Date()
    ) -> String {
        var text = Self.oneLine(message)
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            text += " \(key)=\(Self.oneLine(Self.render(value)))"
        }
        switch self {
        case .journal:
            return "<\(Self.priority(level))>\(text)\n"
        case .terminal(let colour):
            let levelText = level.rawValue.uppercased()
            let shown = colour ? Self.colour(level) + levelText + "\u{1B}[0m" : levelText
            return "\(Self.timestamp(date)) \(shown) \(label): \(text)\n"
        }
    }

    /// The line for a failure that ends the daemon before logging is set up or after it fails:
    /// `casepulsed: …`, with priority 3 in the journal.
    public func fatalLine(_ message: String) -> String {
        switch self {
        case .journal: "<3>casepulsed: \(Self.oneLine(message))\n"
        case .terminal: "casepulsed: \(Self.oneLine(message))\n"
        }
    }

    private static func colour(_ level: Logger.Level) -> String {
        switch level {
        case .trace, .debug: "\u{1B}[2m"
        case .info: "\u{1B}[32m"
        case .notice: "\u{1B}[36m"
        case .warning: "\u{1B}[33m"
        case .error: "\u{1B}[31m"
        case .critical: "\u{1B}[1;31m"
        }
    }

    private static func render(_ value: Logger.MetadataValue) -> String {
        switch value {
        case .string(let string): string.contains(" ") ? "\"\(string)\"" : string
        case .stringConvertible(let convertible): convertible.description
        case .array(let values): "[" + values.map(render).joined(separator: ",") + "]"
        case .dictionary(let values): "{" + values.sorted(by: { $0.key < $1.key }).map { "\($0.key)=\(render($0.value))" }.joined(separator: ",") + "}"
        }
    }

    private static func oneLine(_ text: String) -> String {
        guard text.contains(where: \.isNewline) else { return text }
        return text.replacingOccurrences(of: "\r\n", with: "\\n").replacingOccurrences(of: "\n", with: "\\n")
            .replacingOccurrences(of: "\r", with: "\\r")
    }

    private static func timestamp(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        localtime_r(&seconds, &parts)
        let milliseconds = Int((date.timeIntervalSince1970 - Double(seconds)) * 1000)
        return String(format: "%04d-%02d-%02d %02d:%02d:%02d.%03d",
                      Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
                      Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), milliseconds)
    }
}
