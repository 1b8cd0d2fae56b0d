import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

#if canImport(Glibc)
private let systemWrite = Glibc.write
#elseif canImport(Darwin)
private let systemWrite = Darwin.write
#endif

/// Output helpers: standard error lines, TTY detection, terminal height, wall-clock time.
enum Terminal {
    /// Whether standard error is a terminal.
    static var standardErrorIsTTY: Bool { isatty(2) == 1 }

    /// Whether standard output is a terminal.
    static var standardOutputIsTTY: Bool { isatty(1) == 1 }

    /// Writes `text` to standard error as is.
    static func writeError(_ text: String) {
        write(text, to: 2)
    }

    /// Writes `text` to standard output, unbuffered, so lines survive a `timeout` kill.
    static func writeOutput(_ text: String) {
        write(text, to: 1)
    }

    /// Writes all of `text` to a file descriptor, retrying after signals.
    private static func write(_ text: String, to fd: Int32) {
        var text = text
        text.withUTF8 { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = systemWrite(fd, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }

    /// The number of terminal lines: `LINES`, else the terminal's size, else 40.
    static var lines: Int {
        dimension("LINES") { Int($0.ws_row) } ?? 40
    }

    /// The number of terminal columns: `COLUMNS`, else the terminal's size, else 200.
    static var columns: Int {
        dimension("COLUMNS") { Int($0.ws_col) } ?? 200
    }

    /// A positive size from the environment variable `name`, else from standard output's terminal.
    private static func dimension(_ name: String, _ field: (winsize) -> Int) -> Int? {
        if let text = ProcessInfo.processInfo.environment[name], let value = Int(text), value > 0 {
            return value
        }
        var size = winsize()
        if ioctl(1, UInt(TIOCGWINSZ), &size) == 0, field(size) > 0 {
            return field(size)
        }
        return nil
    }

    /// The wall-clock time in Unix nanoseconds.
    static var unixNanoseconds: Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }
}
