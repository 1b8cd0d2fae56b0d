import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A test-owned systemd notification socket: an `AF_UNIX` datagram socket bound at a path in a
/// temporary directory, as the service manager's `NOTIFY_SOCKET` would be.
public final class NotifySocket: @unchecked Sendable {
    /// The socket's path: the value for `NOTIFY_SOCKET`.
    public let path: String
    private let fd: Int32
    /// The directory made for the socket, removed with it; nil for a caller's or an abstract one.
    private let scratch: TemporaryDirectory?

    /// One datagram and when it arrived.
    public struct Datagram: Sendable {
        /// The assignments it carried, e.g. `["READY=1", "MAINPID=42"]`.
        public var assignments: [String]
        /// When it was received.
        public var at: ContinuousClock.Instant
    }

    /// Binds a fresh socket in `directory` (a new temporary directory by default).
    public convenience init(directory: String? = nil) throws {
        let scratch = try directory == nil ? TemporaryDirectory(prefix: "casepulse-notify") : nil
        guard let directory = directory ?? scratch?.path else { throw NotifySocketError("no directory for the socket") }
        let path = "\(directory)/notify"
        try self.init(path: path, sunPath: Array(path.utf8) + [0], scratch: scratch)
    }

    /// Binds an abstract socket named `@name` (no file); its ``path`` starts with `@`.
    public convenience init(abstractName name: String) throws {
        try self.init(path: "@\(name)", sunPath: [0] + Array(name.utf8), scratch: nil)
    }

    private init(path: String, sunPath: [UInt8], scratch: TemporaryDirectory?) throws {
        self.path = path
        self.scratch = scratch
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw NotifySocketError("socket: errno \(errno)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: sunPath) }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path) ?? 2) + socklen_t(sunPath.count)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else {
            let code = errno
            close(fd)
            throw NotifySocketError("bind \(path): errno \(code)")
        }
    }

    deinit {
        close(fd)
        if path.hasPrefix("/") { unlink(path) }
    }

    /// The next datagram, or `nil` when none arrives within `timeout`.
    public func receive(timeout: Duration) -> Datagram? {
        let milliseconds = Int32(clamping: timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, milliseconds) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(fd, &buffer, buffer.count, 0)
        guard count >= 0 else { return nil }
        let text = String(decoding: buffer[..<count], as: UTF8.self)
        return Datagram(assignments: text.split(separator: "\n").map(String.init), at: .now)
    }

    /// Datagrams until one carries `assignment` (returned last), or `nil` after `timeout`.
    public func receive(until assignment: String, timeout: Duration) -> [Datagram]? {
        let deadline = ContinuousClock.now + timeout
        var seen: [Datagram] = []
        while ContinuousClock.now < deadline {
            guard let datagram = receive(timeout: deadline - .now) else { return nil }
            seen.append(datagram)
            if datagram.assignments.contains(assignment) { return seen }
        }
        return nil
    }
}

/// A notification socket that could not be set up.
public struct NotifySocketError: Error, CustomStringConvertible {
    /// What failed.
    public var description: String
    /// Creates an error.
    public init(_ description: String) { self.description = description }
}
