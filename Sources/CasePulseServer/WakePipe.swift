#if canImport(Glibc)
import Glibc
#endif

/// A non-blocking pipe that wakes a thread sleeping in a poll: one side ``wake()``s, the polling
/// thread watches ``readDescriptor`` and ``drain()``s it before looking at what it was woken for,
/// so a wake-up is never lost. A full pipe means a wake-up is pending already.
final class WakePipe: Sendable {
    /// The end to poll for readability.
    let readDescriptor: Int32
    private let writeDescriptor: Int32

    /// Creates the pipe; `purpose` names it in the error.
    init(purpose: String) throws(ServerError) {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else {
            throw ServerError("cannot create the \(purpose) wake-up pipe: \(String(cString: strerror(errno))) (errno \(errno))")
        }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        readDescriptor = fds[0]
        writeDescriptor = fds[1]
    }

    deinit {
        close(readDescriptor)
        close(writeDescriptor)
    }

    /// Wakes the polling thread (from any thread).
    func wake() {
        var one: UInt8 = 1
        _ = write(writeDescriptor, &one, 1)
    }

    /// Empties the pipe (on the polling thread).
    func drain() {
        withUnsafeTemporaryAllocation(byteCount: 64, alignment: 1) { buffer in
            while read(readDescriptor, buffer.baseAddress, buffer.count) == buffer.count {}
        }
    }
}
