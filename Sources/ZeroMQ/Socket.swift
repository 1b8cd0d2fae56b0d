import CZeroMQ

/// A ZeroMQ socket (`zmq_socket`).
///
/// ZeroMQ sockets are not thread-safe: a `Socket` is deliberately not `Sendable`. Create it,
/// use it and release it on one thread (typically a dedicated thread running a poll loop).
///
/// The socket keeps its ``Context`` alive. It is closed by ``close(linger:)`` or, at the latest,
/// when it is released; closing is idempotent. Every operation on a closed socket throws
/// ``ZMQError`` with `ENOTSOCK`.
///
/// Calls interrupted by a signal (`EINTR`) are retried. `EAGAIN` (nothing to receive, the
/// high-water mark reached with `dontWait`, or ``receiveTimeout`` / ``sendTimeout`` expired) is
/// reported as a `false` / `nil` result, never as an error.
public final class Socket {
    /// The context the socket belongs to; kept alive as long as the socket.
    public let context: Context
    /// The socket's type.
    public let type: SocketType
    /// The libzmq socket; `nil` once closed.
    private(set) var handle: UnsafeMutableRawPointer?
    /// Scratch frame for the array-returning receive conveniences, created on first use.
    private var scratch: Message?

    /// Creates a socket of the given type in a context (`zmq_socket`).
    ///
    /// - Parameters:
    ///   - context: The context; it stays alive at least as long as the socket.
    ///   - type: The socket type.
    /// - Throws: ``ZMQError``: `ETERM` if the context was shut down, `EMFILE` if there are too
    ///   many sockets.
    public init(_ context: Context, _ type: SocketType) throws(ZMQError) {
        guard let handle = zmq_socket(context.handle, type.rawValue) else {
            throw ZMQError.last("socket")
        }
        self.context = context
        self.type = type
        self.handle = handle
    }

    deinit {
        close()
    }

    /// Whether ``close(linger:)`` was called.
    public var isClosed: Bool { handle == nil }

    /// Closes the socket (`zmq_close`). Calling it again does nothing.
    ///
    /// Pending outgoing messages are still sent in the background for the socket's linger
    /// period, and ``Context``'s `deinit` waits for them.
    ///
    /// - Parameter linger: If not `nil`, `ZMQ_LINGER` (milliseconds; `0` drops pending messages,
    ///   `-1` waits without limit) is set first; otherwise the configured ``linger`` applies.
    public func close(linger: Int32? = nil) {
        guard let handle else { return }
        if var linger {
            zmq_setsockopt(handle, ZMQ_LINGER, &linger, MemoryLayout<Int32>.size)
        }
        zmq_close(handle)
        self.handle = nil
    }

    /// The libzmq socket, or `ENOTSOCK` if closed.
    func liveHandle(_ operation: String, endpoint: String? = nil) throws(ZMQError) -> UnsafeMutableRawPointer {
        guard let handle else {
            throw ZMQError(errno: ENOTSOCK, operation: operation, endpoint: endpoint)
        }
        return handle
    }

    // MARK: - Endpoints

    /// Binds the socket to an endpoint (`zmq_bind`), for example `tcp://127.0.0.1:*` (then
    /// read the chosen port from ``lastEndpoint``) or `ipc:///path`.
    ///
    /// - Parameter endpoint: The endpoint.
    /// - Throws: ``ZMQError`` carrying the endpoint, for example `EADDRINUSE`.
    public func bind(_ endpoint: String) throws(ZMQError) {
        let handle = try liveHandle("bind", endpoint: endpoint)
        if zmq_bind(handle, endpoint) != 0 {
            throw ZMQError.last("bind", endpoint: endpoint)
        }
    }

    /// Connects the socket to an endpoint (`zmq_connect`); the connection itself is made
    /// asynchronously and retried.
    ///
    /// - Parameter endpoint: The endpoint.
    /// - Throws: ``ZMQError`` carrying the endpoint, for example `EINVAL` for a malformed one.
    public func connect(_ endpoint: String) throws(ZMQError) {
        let handle = try liveHandle("connect", endpoint: endpoint)
        if zmq_connect(handle, endpoint) != 0 {
            throw ZMQError.last("connect", endpoint: endpoint)
        }
    }

    /// Stops listening on an endpoint (`zmq_unbind`). For wildcard binds pass the resolved
    /// ``lastEndpoint``.
    ///
    /// - Parameter endpoint: The endpoint as bound.
    /// - Throws: ``ZMQError`` carrying the endpoint, `ENOENT` if it was not bound.
    public func unbind(_ endpoint: String) throws(ZMQError) {
        let handle = try liveHandle("unbind", endpoint: endpoint)
        if zmq_unbind(handle, endpoint) != 0 {
            throw ZMQError.last("unbind", endpoint: endpoint)
        }
    }

    /// Disconnects from an endpoint (`zmq_disconnect`).
    ///
    /// - Parameter endpoint: The endpoint as connected.
    /// - Throws: ``ZMQError`` carrying the endpoint, `ENOENT` if it was not connected.
    public func disconnect(_ endpoint: String) throws(ZMQError) {
        let handle = try liveHandle("disconnect", endpoint: endpoint)
        if zmq_disconnect(handle, endpoint) != 0 {
            throw ZMQError.last("disconnect", endpoint: endpoint)
        }
    }

    /// Disconnects from `endpoint` (if still connected) and connects again: a fresh connection
    /// and handshake. libzmq 4.3 reconnects by itself after a lost connection, but not after a
    /// handshake its peer refused (a ZAP denial): only this tries again.
    ///
    /// - Parameter endpoint: The endpoint, as given to ``connect(_:)``.
    /// - Throws: ``ZMQError`` carrying the endpoint when connecting fails.
    public func reconnect(_ endpoint: String) throws(ZMQError) {
        do { try disconnect(endpoint) } catch where error.errno == ENOENT {}
        try connect(endpoint)
    }

    // MARK: - Sending

    /// Sends one frame, copying the bytes (`zmq_send`).
    ///
    /// - Parameters:
    ///   - bytes: The frame's bytes.
    ///   - more: `true` if more frames of the same message follow (`ZMQ_SNDMORE`).
    ///   - dontWait: `true` to fail instead of blocking (`ZMQ_DONTWAIT`).
    /// - Returns: `true` if queued; `false` on `EAGAIN` (would block with `dontWait`, or the
    ///   ``sendTimeout`` expired).
    /// - Throws: ``ZMQError`` for any other failure, for example `EHOSTUNREACH` from a
    ///   ``setRouterMandatory(_:)`` router, `EFSM`, `ETERM`.
    @discardableResult
    public func send(_ bytes: UnsafeRawBufferPointer, more: Bool = false, dontWait: Bool = false) throws(ZMQError) -> Bool {
        let handle = try liveHandle("send")
        var flags: Int32 = 0
        if more { flags |= ZMQ_SNDMORE }
        if dontWait { flags |= ZMQ_DONTWAIT }
        while true {
            if zmq_send(handle, bytes.baseAddress, bytes.count, flags) >= 0 {
                return true
            }
            let error = ZMQError.last("send")
            switch error.errno {
            case EINTR: continue
            case EAGAIN: return false
            default: throw error
            }
        }
    }

    /// Sends one frame; like the `UnsafeRawBufferPointer` variant.
    ///
    /// - Parameters:
    ///   - bytes: The frame's bytes.
    ///   - more: `true` if more frames of the same message follow.
    ///   - dontWait: `true` to fail instead of blocking.
    /// - Returns: `true` if queued, `false` on `EAGAIN`.
    /// - Throws: ``ZMQError`` for any other failure.
    @discardableResult
    public func send(_ bytes: [UInt8], more: Bool = false, dontWait: Bool = false) throws(ZMQError) -> Bool {
        // Array.withUnsafeBytes is `rethrows`, which loses the typed error: carry a Result out.
        try bytes.withUnsafeBytes { buffer in
            Result { () throws(ZMQError) -> Bool in try send(buffer, more: more, dontWait: dontWait) }
        }.get()
    }

    /// Sends one frame holding the UTF-8 bytes of `text`; like the
    /// `UnsafeRawBufferPointer` variant.
    ///
    /// - Parameters:
    ///   - text: The frame's text.
    ///   - more: `true` if more frames of the same message follow.
    ///   - dontWait: `true` to fail instead of blocking.
    /// - Returns: `true` if queued, `false` on `EAGAIN`.
    /// - Throws: ``ZMQError`` for any other failure.
    @discardableResult
    public func send(_ text: String, more: Bool = false, dontWait: Bool = false) throws(ZMQError) -> Bool {
        var text = text
        return try text.withUTF8 { buffer in
            Result { () throws(ZMQError) -> Bool in
                try send(UnsafeRawBufferPointer(buffer), more: more, dontWait: dontWait)
            }
        }.get()
    }

    /// Sends a multipart message, all or nothing.
    ///
    /// The first frame honours `dontWait`: if it is refused with `EAGAIN` nothing was sent and
    /// the result is `false`. Once it is queued the remaining frames always follow, blocking if
    /// need be (libzmq accepts them once the first frame is in, since the high-water mark counts
    /// whole messages), so no partial message is ever left on the socket.
    ///
    /// - Parameters:
    ///   - frames: The frames; an empty array sends nothing and returns `true`.
    ///   - dontWait: `true` to return `false` instead of blocking on the first frame.
    /// - Returns: `true` if the whole message was queued, `false` if nothing was.
    /// - Throws: ``ZMQError`` for failures other than `EAGAIN`.
    @discardableResult
    public func send(multipart frames: [[UInt8]], dontWait: Bool = false) throws(ZMQError) -> Bool {
        guard let first = frames.first else { return true }
        let last = frames.count - 1
        guard try send(first, more: last > 0, dontWait: dontWait) else { return false }
        var index = 1
        while index <= last {
            // Only a ZMQ_SNDTIMEO expiry can refuse a follow-up frame; retry until it goes.
            if try send(frames[index], more: index < last, dontWait: false) {
                index += 1
            }
        }
        return true
    }

    // MARK: - Receiving

    /// Receives one frame into a reusable ``Message`` (`zmq_msg_recv`), without allocating.
    ///
    /// The previous content of `message` is released by libzmq. Afterwards check
    /// ``Message/more`` for further frames of the same message.
    ///
    /// - Parameters:
    ///   - message: The message to fill.
    ///   - dontWait: `true` to return `false` instead of blocking (`ZMQ_DONTWAIT`).
    /// - Returns: `true` if a frame was received; `false` on `EAGAIN` (nothing available with
    ///   `dontWait`, or the ``receiveTimeout`` expired), leaving `message` empty.
    /// - Throws: ``ZMQError`` for any other failure, for example `EFSM` or `ETERM`.
    public func receive(into message: Message, dontWait: Bool = false) throws(ZMQError) -> Bool {
        try receive(into: message.pointer, dontWait: dontWait)
    }

    /// ``receive(into:dontWait:)`` on a message's `zmq_msg_t`: the multipart receive works on
    /// these, so that taking a frame's ``Message`` out of the caller's array neither retains nor
    /// releases it (a release per event, its atomic waiting on the stores before it, cost the
    /// daemon's server thread 7% of its time).
    private func receive(
        into message: UnsafeMutablePointer<zmq_msg_t>, dontWait: Bool
    ) throws(ZMQError) -> Bool {
        let handle = try liveHandle("receive")
        let flags: Int32 = dontWait ? ZMQ_DONTWAIT : 0
        while true {
            if zmq_msg_recv(message, handle, flags) >= 0 {
                return true
            }
            let error = ZMQError.last("receive")
            switch error.errno {
            case EINTR: continue
            case EAGAIN: return false
            default: throw error
            }
        }
    }

    /// Receives the next frame of a message whose first frame was already received.
    ///
    /// ZeroMQ delivers multipart messages atomically, so the frame is there; an `EAGAIN` from an
    /// expired ``receiveTimeout`` is simply retried.
    private func receiveFollowing(into message: UnsafeMutablePointer<zmq_msg_t>) throws(ZMQError) {
        while try !receive(into: message, dontWait: false) {}
    }

    /// Receives a whole multipart message as arrays of bytes.
    ///
    /// Only the first frame honours `dontWait`; once it is read the rest are read too.
    ///
    /// - Parameter dontWait: `true` to return `nil` instead of blocking.
    /// - Returns: The frames, or `nil` on `EAGAIN` before anything was read.
    /// - Throws: ``ZMQError`` for failures other than `EAGAIN`.
    public func receiveMultipart(dontWait: Bool = false) throws(ZMQError) -> [[UInt8]]? {
        let message = scratchMessage()
        guard try receive(into: message, dontWait: dontWait) else { return nil }
        defer { message.reset() }
        var frames = [message.bytes]
        while message.more {
            try receiveFollowing(into: message.pointer)
            frames.append(message.bytes)
        }
        return frames
    }

    /// Receives a whole multipart message into reusable ``Message``s, without allocating.
    ///
    /// Frame `i` goes into `messages[i]`. Frames beyond `messages.count` are received and
    /// discarded, but still counted, so an oversized message is always drained completely and
    /// the caller can reject it by comparing the result with `messages.count`.
    ///
    /// - Parameters:
    ///   - messages: The messages to fill, in frame order.
    ///   - dontWait: `true` to return `nil` instead of blocking for the first frame.
    /// - Returns: The number of frames of the message, or `nil` on `EAGAIN` before anything
    ///   was read.
    /// - Throws: ``ZMQError`` for failures other than `EAGAIN`.
    public func receiveMultipart(into messages: [Message], dontWait: Bool = false) throws(ZMQError) -> Int? {
        try receiveWhole(dontWait: dontWait, keeping: messages.count) { messages[$0].pointer }
    }

    /// Receives one whole multipart message: frame `i` into `slot(i)` while `i < kept`, the rest
    /// into the scratch message, received and dropped (it is emptied afterwards). The frames
    /// are `zmq_msg_t`s, so that taking them out of the caller's messages neither retains nor
    /// releases one.
    ///
    /// - Returns: The number of frames, or `nil` on `EAGAIN` before the first (only the first
    ///   frame honours `dontWait`).
    @inline(__always)
    private func receiveWhole(
        dontWait: Bool, keeping kept: Int, into slot: (Int) -> UnsafeMutablePointer<zmq_msg_t>
    ) throws(ZMQError) -> Int? {
        // `self` keeps the scratch message, the caller the others: their pointers stay valid.
        var frame = kept > 0 ? slot(0) : scratchMessage().pointer
        guard try receive(into: frame, dontWait: dontWait) else { return nil }
        var count = 1
        defer {
            if count > kept { scratch?.reset() }
        }
        while zmq_msg_more(frame) != 0 {
            frame = count < kept ? slot(count) : scratchMessage().pointer
            try receiveFollowing(into: frame)
            count += 1
        }
        return count
    }

    /// Receives as many whole multipart messages as are waiting, up to the batch's capacity, into
    /// its reusable frames, without allocating.
    ///
    /// Only the first message honours `dontWait`; the rest are taken only if already there. Frames
    /// beyond ``MultipartBatch/framesPerMessage`` are received, counted and dropped, as
    /// ``receiveMultipart(into:dontWait:)`` does.
    ///
    /// - Parameters:
    ///   - batch: The batch to fill; what it held is released.
    ///   - dontWait: `true` to return `0` instead of blocking for the first message.
    ///   - limit: The most messages to take, if fewer than the batch's capacity.
    /// - Returns: The number of messages received (``MultipartBatch/count``); `0` on `EAGAIN`
    ///   before anything was read.
    /// - Throws: ``ZMQError`` for failures other than `EAGAIN` before a message was received. A
    ///   failure after one ends the batch instead (the messages received are kept, a message cut
    ///   short is not counted); the next receive reports it.
    public func receiveBatch(
        into batch: MultipartBatch, dontWait: Bool = false, limit: Int = .max
    ) throws(ZMQError) -> Int {
        batch.count = 0
        let most = min(batch.capacity, limit)
        while batch.count < most {
            let first = batch.count * batch.framesPerMessage
            let frames: Int?
            do {
                frames = try receiveWhole(dontWait: dontWait || batch.count > 0, keeping: batch.framesPerMessage) {
                    batch.frames[first + $0]
                }
            } catch {
                if batch.count == 0 { throw error }
                break
            }
            guard let frames else { break }
            batch.frameCounts[batch.count] = frames
            batch.count += 1
        }
        return batch.count
    }

    /// The socket's scratch message for conveniences and discarded frames.
    private func scratchMessage() -> Message {
        if let scratch { return scratch }
        let message = Message()
        scratch = message
        return message
    }

    // MARK: - Monitoring

    /// Starts publishing socket events (`zmq_socket_monitor`) on a PAIR socket bound to
    /// `endpoint`, which must be an `inproc://` endpoint. Connect a ``SocketType/pair`` socket
    /// to it and decode what it receives with ``MonitorEvent``. Monitoring again replaces the
    /// previous monitor.
    ///
    /// - Parameters:
    ///   - endpoint: The `inproc://` endpoint to publish on.
    ///   - events: The events to report.
    /// - Throws: ``ZMQError`` carrying the endpoint, for example `EPROTONOSUPPORT` for a
    ///   non-inproc endpoint.
    public func monitor(endpoint: String, events: MonitorEvents) throws(ZMQError) {
        let handle = try liveHandle("monitor", endpoint: endpoint)
        if zmq_socket_monitor(handle, endpoint, Int32(bitPattern: events.rawValue)) != 0 {
            throw ZMQError.last("monitor", endpoint: endpoint)
        }
    }

    /// Stops a monitor started by ``monitor(endpoint:events:)``; the monitor sends
    /// ``MonitorEvent/Kind/monitorStopped`` if it was asked to.
    ///
    /// - Throws: ``ZMQError`` if the socket is closed.
    public func stopMonitor() throws(ZMQError) {
        let handle = try liveHandle("monitor")
        if zmq_socket_monitor(handle, nil, 0) != 0 {
            throw ZMQError.last("monitor")
        }
    }
}

@available(*, unavailable)
extension Socket: Sendable {}
