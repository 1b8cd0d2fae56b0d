import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Talks to the service manager through `NOTIFY_SOCKET` with the documented datagram protocol
/// (sd_notify(3)): one datagram of newline-separated `VARIABLE=value` assignments to the
/// `AF_UNIX` socket named there — a path, or an abstract name written with a leading `@`.
///
/// When `NOTIFY_SOCKET` is unset (not under systemd) every call does nothing. Sends never block:
/// the watchdog ping goes out from the server's own loop, which must not wait on the manager.
public final class SystemdNotifier: Sendable {
    /// The socket named by `NOTIFY_SOCKET`, as given; `nil` when not under systemd.
    public let socketName: String?
    /// Half of `WATCHDOG_USEC` — how often to send `WATCHDOG=1` — when the manager watches this
    /// process (`WATCHDOG_PID` unset or equal to our pid); `nil` otherwise.
    public let watchdogInterval: Duration?
    private let fd: Int32
    private let address: [UInt8]

    /// Reads `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID` from `environment`.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment, processID: Int32 = getpid()) {
        let name = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        let address = name.flatMap(Self.socketAddress)
        socketName = address == nil ? nil : name
        self.address = address ?? []
        fd = address == nil ? -1 : socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        watchdogInterval = Self.watchdogInterval(environment: environment, processID: processID)
    }

    deinit {
        if fd >= 0 { close(fd) }
    }

    /// Whether notifications go anywhere.
    public var isActive: Bool { fd >= 0 }

    /// The bytes of `sun_path` for `name`: a filesystem path, or an abstract name whose `@`
    /// becomes a NUL byte. `nil` for anything else or a name too long for `sockaddr_un`.
    static func socketAddress(_ name: String) -> [UInt8]? {
        var bytes = Array(name.utf8)
        switch bytes.first {
        case UInt8(ascii: "/"): break
        case UInt8(ascii: "@"): bytes[0] = 0
        default: return nil
        }
        let capacity = MemoryLayout.size(ofValue: sockaddr_un().sun_path)
        guard bytes.count < capacity else { return nil }
        return bytes
    }

    /// Half of `WATCHDOG_USEC` when it is a positive number and `WATCHDOG_PID` is unset or ours.
    static func watchdogInterval(environment: [String: String], processID: Int32) -> Duration? {
        guard let text = environment["WATCHDOG_USEC"], let microseconds = UInt64(text), microseconds > 0 else { return nil }
        if let pid = environment["WATCHDOG_PID"], Int32(pid) != processID { return nil }
        return .microseconds(Int64(clamping: microseconds / 2))
    }

    /// Sends `assignments` (`READY=1`, `STATUS=…`) in one datagram; `false` when not under
    /// systemd or the send failed (it is never retried: the next one carries the news).
    @discardableResult
    public func notify(_ assignments: [String]) -> Bool {
        guard fd >= 0, !assignments.isEmpty else { return false }
        let message = Array(assignments.map { $0.replacingOccurrences(of: "\n", with: " ") }.joined(separator: "\n").utf8)
        var storage = sockaddr_un()
        storage.sun_family = sa_family_t(AF_UNIX)
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path) ?? 2
        withUnsafeMutableBytes(of: &storage.sun_path) { path in
            path.copyBytes(from: address)
        }
        // A path is NUL-terminated by the zeroed storage; an abstract name's length is exact.
        let length = socklen_t(pathOffset + address.count + (address.first == 0 ? 0 : 1))
        let sent = withUnsafePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                message.withUnsafeBytes { bytes in
                    sendto(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT), socketAddress, length)
                }
            }
        }
        return sent == message.count
    }

    /// `READY=1` with our pid (and a status line if given): every endpoint is bound and state is
    /// recovered, or a reload is done.
    @discardableResult
    public func ready(status: String? = nil) -> Bool {
        notify(["READY=1", "MAINPID=\(getpid())"] + (status.map { ["STATUS=\($0)"] } ?? []))
    }

    /// `RELOADING=1` while SIGHUP's reload runs; follow it with ``ready(status:)``.
    @discardableResult
    public func reloading() -> Bool {
        notify(["RELOADING=1", "MONOTONIC_USEC=\(Self.monotonicMicroseconds())"])
    }

    /// `STOPPING=1`: shutdown has begun.
    @discardableResult
    public func stopping() -> Bool {
        notify(["STOPPING=1", "STATUS=stopping: publishing what is pending and saving state"])
    }

    /// `CLOCK_MONOTONIC` in microseconds, as `MONOTONIC_USEC=` wants it.
    static func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
    }
}
