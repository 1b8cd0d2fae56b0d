import CZeroMQ

/// One reusable ZeroMQ message frame owning a `zmq_msg_t`.
///
/// The `zmq_msg_t` is initialised once (`zmq_msg_init`) in `init` and closed once
/// (`zmq_msg_close`) in `deinit`; in between it is always a valid, initialised message.
/// ``Socket/receive(into:dontWait:)`` passes it to `zmq_msg_recv`, which (as documented for
/// `zmq_msg_recv`) deallocates any previous content before storing the new frame, and leaves an
/// initialised empty message when nothing was received. So receiving many times into the same
/// `Message` neither leaks nor double-frees, and costs no allocation on the Swift side.
///
/// The storage lives on the heap at a fixed, pointer-aligned address because libzmq keeps small
/// frames inside the `zmq_msg_t` itself and its data pointer must not move.
///
/// Not thread-safe; use it on the thread of the socket it is received from.
public final class Message {
    /// The owned `zmq_msg_t`; valid and initialised from `init` to `deinit`.
    let pointer: UnsafeMutablePointer<zmq_msg_t>

    /// Creates an empty message (`zmq_msg_init`).
    public init() {
        let alignment = max(MemoryLayout<zmq_msg_t>.alignment, MemoryLayout<UnsafeRawPointer>.alignment)
        let raw = UnsafeMutableRawPointer.allocate(
            byteCount: MemoryLayout<zmq_msg_t>.size,
            alignment: alignment
        )
        pointer = raw.bindMemory(to: zmq_msg_t.self, capacity: 1)
        zmq_msg_init(pointer)  // Documented to never fail.
    }

    deinit {
        zmq_msg_close(pointer)
        pointer.deallocate()
    }

    /// The frame's size in bytes (`zmq_msg_size`).
    public var count: Int {
        zmq_msg_size(pointer)
    }

    /// Whether more frames of the same multipart message follow (`zmq_msg_more`), as of the
    /// last receive into this message.
    public var more: Bool {
        zmq_msg_more(pointer) != 0
    }

    /// Calls `body` with the frame's bytes, without copying.
    ///
    /// The buffer is only valid during `body`; do not receive into this message from inside it.
    ///
    /// - Parameter body: A closure reading the bytes.
    /// - Returns: What `body` returns.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let count = zmq_msg_size(pointer)
        guard count > 0, let data = zmq_msg_data(pointer) else {
            return try body(UnsafeRawBufferPointer(start: nil, count: 0))
        }
        return try body(UnsafeRawBufferPointer(start: data, count: count))
    }

    /// A copy of the frame's bytes.
    public var bytes: [UInt8] {
        withUnsafeBytes { Array($0) }
    }

    /// Releases the current content now (`zmq_msg_close` then `zmq_msg_init`), leaving an empty
    /// message; useful to stop a large frame from staying in memory until the next receive.
    public func reset() {
        zmq_msg_close(pointer)
        zmq_msg_init(pointer)
    }
}

@available(*, unavailable)
extension Message: Sendable {}
