import CZeroMQ

/// A ZeroMQ context (`zmq_ctx_new`): owns the I/O threads and creates ``Socket``s.
///
/// Contexts are thread-safe in libzmq, so a `Context` may be shared between threads and tasks.
///
/// ## Termination
/// `deinit` calls `zmq_ctx_term`, which **blocks** until every socket of the context is closed
/// and their pending outgoing messages are sent or dropped according to each socket's
/// ``Socket/linger``. Every ``Socket`` keeps a strong reference to its context, so the context
/// is only released after all its sockets are; but a socket closed with infinite linger (the
/// libzmq default, `-1`) and undeliverable messages makes `deinit` wait forever. Set a finite
/// linger (``Socket/setLinger(_:)`` or ``Socket/close(linger:)``) on sockets that may hold
/// unsent messages, and do not let the last reference drop on a thread that must not block.
///
/// To stop sockets that are blocked on other threads, call ``shutdown()``: their blocking calls
/// then fail with `ETERM` (``ZMQError/isContextTerminated``), and the threads close them.
public final class Context: @unchecked Sendable {
    // @unchecked Sendable: the only stored state is the immutable context pointer, and every
    // libzmq context function (zmq_socket, zmq_ctx_set, zmq_ctx_shutdown, zmq_ctx_term) is
    // documented as thread-safe.
    let handle: UnsafeMutableRawPointer

    /// Creates a context with the given number of I/O threads (`ZMQ_IO_THREADS`).
    ///
    /// - Parameter ioThreads: The size of the I/O thread pool; one is enough for most uses.
    /// - Throws: ``ZMQError`` if the context cannot be created or the option is invalid.
    public init(ioThreads: Int32 = 1) throws(ZMQError) {
        guard let handle = zmq_ctx_new() else {
            throw ZMQError.last("zmq_ctx_new")
        }
        if zmq_ctx_set(handle, ZMQ_IO_THREADS, ioThreads) != 0 {
            let error = ZMQError.last("zmq_ctx_set ZMQ_IO_THREADS")
            zmq_ctx_term(handle)
            throw error
        }
        self.handle = handle
    }

    deinit {
        // Retry on EINTR; any other failure (EFAULT) cannot be handled in deinit.
        while zmq_ctx_term(handle) != 0 && zmq_errno() == EINTR {}
    }

    /// Shuts the context down (`zmq_ctx_shutdown`) without waiting.
    ///
    /// Blocking operations on its sockets, in any thread, fail with `ETERM` from then on and no
    /// new socket can be created. The sockets still have to be closed (or released) before the
    /// context itself is released. Calling it more than once is harmless.
    public func shutdown() {
        zmq_ctx_shutdown(handle)
    }

    /// Sets a context option (`zmq_ctx_set`), for example `ZMQ_MAX_SOCKETS` or `ZMQ_BLOCKY`.
    ///
    /// - Parameters:
    ///   - option: The `ZMQ_*` context option.
    ///   - value: Its integer value.
    /// - Throws: ``ZMQError`` (`EINVAL`) if the option or value is not valid.
    public func setOption(_ option: Int32, _ value: Int32) throws(ZMQError) {
        if zmq_ctx_set(handle, option, value) != 0 {
            throw ZMQError.last("zmq_ctx_set \(option)")
        }
    }

    /// `ZMQ_ZERO_COPY_RECV`: libzmq 4.3's header lists it with the draft API, but stable builds
    /// honour it too.
    static let zeroCopyReceiveOption: Int32 = 10

    /// Whether sockets created from now on receive without a copy (`ZMQ_ZERO_COPY_RECV`, on by
    /// default): each frame of up to 8 KiB then stays inside the receive buffer it was read into,
    /// and keeps that whole buffer alive until the frame is closed. `false` when the loaded libzmq
    /// does not know the option.
    public var receivesWithoutCopy: Bool {
        zmq_ctx_get(handle, Self.zeroCopyReceiveOption) == 1
    }

    /// Turns zero-copy receive (`ZMQ_ZERO_COPY_RECV`) on or off for sockets created from now on.
    ///
    /// With it on (libzmq's default), a socket reads up to 8 KiB at a time into a buffer of about
    /// 18 KiB (the bytes and a table of reference counts), and every frame read from it points into
    /// that buffer: a queued frame of 200 bytes keeps the whole buffer alive. With it off, each
    /// frame is copied into an allocation of its own size. Off suits a socket whose receive queue
    /// may hold many small frames; the copy costs little next to handling the frame.
    ///
    /// - Throws: ``ZMQError`` (`EINVAL`) if the loaded libzmq does not know the option.
    public func setReceivesWithoutCopy(_ enabled: Bool) throws(ZMQError) {
        try setOption(Self.zeroCopyReceiveOption, enabled ? 1 : 0)
    }

    /// The version of the libzmq library loaded at run time (`zmq_version`).
    public static var version: (major: Int32, minor: Int32, patch: Int32) {
        var major: Int32 = 0
        var minor: Int32 = 0
        var patch: Int32 = 0
        zmq_version(&major, &minor, &patch)
        return (major, minor, patch)
    }

    /// Whether the loaded libzmq supports a capability (`zmq_has`).
    ///
    /// - Parameter capability: A name such as `"ipc"`, `"curve"`, `"gssapi"` or `"draft"`.
    /// - Returns: `true` if the capability is available.
    public static func has(_ capability: String) -> Bool {
        zmq_has(capability) == 1
    }
}
