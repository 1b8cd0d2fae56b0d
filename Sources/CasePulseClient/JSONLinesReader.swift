import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads JSON Lines (one event per line) from a file or standard input, streaming.
///
/// Lines are yielded as they are, without validation (the daemon validates); blank lines are
/// skipped and a trailing `\r` is removed. A read error ends the sequence and is kept in
/// ``error``.
///
/// Not thread-safe: iterate it on one thread, once.
public final class JSONLinesReader: Sequence, IteratorProtocol {
    /// One non-blank line.
    public struct Line: Sendable, Hashable {
        /// The 1-based line number in the input.
        public var number: Int
        /// The line's text, without the line break.
        public var text: String

        /// Creates a line.
        ///
        /// - Parameters:
        ///   - number: The 1-based line number.
        ///   - text: The text.
        public init(number: Int, text: String) {
            self.number = number
            self.text = text
        }

        /// The event's `id` (parsed with `JSONSerialization`), `nil` when none can be read.
        public var id: String? { JSONLinesReader.eventID(in: text) }

        /// The event's `id`, or `line N` when none can be read: the name
        /// ``ReliablePublisher/send(_:progress:)`` matches replies by.
        public var idOrLineName: String { id ?? "line \(number)" }
    }

    /// What is read: a path, or `-` for standard input.
    public let source: String
    /// The read error that ended the input early, if any.
    public private(set) var error: CasePulseClientError?
    /// Lines read so far (blank ones included).
    public private(set) var lineCount = 0

    private let fd: Int32
    private let ownsDescriptor: Bool
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEnd = false
    private let chunk = 1 << 16

    /// Opens a file, or standard input for `nil`, `""` or `-`.
    ///
    /// - Parameter path: The file, or `nil` / `-` for standard input.
    /// - Throws: ``CasePulseClientError/readFailed(path:reason:)`` if the file cannot be opened.
    public init(path: String?) throws(CasePulseClientError) {
        guard let path, !path.isEmpty, path != "-" else {
            source = "-"
            fd = 0
            ownsDescriptor = false
            return
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw .readFailed(path: path, reason: String(cString: strerror(errno)))
        }
        source = path
        self.fd = fd
        ownsDescriptor = true
    }

    deinit {
        if ownsDescriptor { _ = close(fd) }
    }

    /// The next non-blank line, or `nil` at the end of the input (or after a read error).
    public func next() -> Line? {
        while true {
            if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = takeLine(upTo: newline, skipping: 1)
                if let line { return line }
                continue
            }
            if atEnd {
                guard start < buffer.count else { return nil }
                let line = takeLine(upTo: buffer.count, skipping: 0)
                if let line { return line }
                continue
            }
            fill()
        }
    }

    /// The lines as `(id, json)` pairs for ``ReliablePublisher/send(_:progress:)``, ids from
    /// ``Line/idOrLineName``.
    public func identified() -> LazyMapSequence<JSONLinesReader, (id: String, json: String)> {
        lazy.map { (id: $0.idOrLineName, json: $0.text) }
    }

    /// The `id` of a JSON event object, `nil` if the text is not a JSON object or its `id` is not
    /// a non-empty string.
    ///
    /// - Parameter json: The JSON text.
    /// - Returns: The id.
    public static func eventID(in json: String) -> String? {
        guard
            let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
            let id = object["id"] as? String, !id.isEmpty
        else { return nil }
        return id
    }

    /// Takes `buffer[start..<end]` as a line, then skips `skip` bytes; `nil` for a blank line.
    private func takeLine(upTo end: Int, skipping skip: Int) -> Line? {
        lineCount += 1
        var last = end
        if last > start, buffer[last - 1] == UInt8(ascii: "\r") { last -= 1 }
        let bytes = buffer[start..<last]
        start = end + skip
        let blank = bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
        return blank ? nil : Line(number: lineCount, text: String(decoding: bytes, as: UTF8.self))
    }

    /// Reads the next chunk, dropping what was consumed.
    private func fill() {
        if start > 0 {
            buffer.removeFirst(start)
            start = 0
        }
        let old = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: chunk))
        var count: Int
        repeat {
            count = buffer.withUnsafeMutableBytes { raw in
                read(fd, raw.baseAddress.map { $0 + old }, chunk)
            }
        } while count < 0 && errno == EINTR
        if count < 0 {
            error = .readFailed(path: source == "-" ? "standard input" : source, reason: String(cString: strerror(errno)))
            count = 0
        }
        buffer.removeLast(chunk - count)
        if count == 0 { atEnd = true }
    }
}
