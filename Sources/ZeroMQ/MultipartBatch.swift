import CZeroMQ

/// Up to ``capacity`` multipart messages, received in one go by
/// ``Socket/receiveBatch(into:dontWait:limit:)`` into reusable frames.
///
/// A batch is filled and read on the socket's thread, and reused for the next receive: receiving
/// into it again releases what it held. Nothing is allocated per message, and reading a frame
/// neither retains nor releases a ``Message``.
///
/// Receiving many messages one after another, rather than one between the work on each, also
/// releases their shared buffers one after another. With zero-copy receive libzmq's I/O thread
/// counts the references to its read buffer on the same cache line the receiving thread
/// decrements as it releases each message; taken together, the line moves between the cores once
/// per batch rather than once per message.
public final class MultipartBatch {
    /// The most messages one receive takes.
    public let capacity: Int
    /// The frames kept of each message; further frames are received, counted and dropped.
    public let framesPerMessage: Int
    /// The frames, message after message, ``framesPerMessage`` to each.
    private let messages: [Message]
    /// The frames' `zmq_msg_t`s, in the same order as `messages`.
    @usableFromInline let frames: UnsafeMutablePointer<UnsafeMutablePointer<zmq_msg_t>>
    /// How many frames each message had, kept or not.
    @usableFromInline let frameCounts: UnsafeMutablePointer<Int>
    /// The number of messages the last receive took. Read for every frame, and a batch is used on
    /// one thread: no dynamic exclusivity check (`swift_beginAccess` was 0.6% of the daemon's
    /// server thread).
    @exclusivity(unchecked) public internal(set) var count = 0

    /// Creates a batch of `capacity` messages of up to `framesPerMessage` frames (each at least 1).
    public init(capacity: Int, framesPerMessage: Int) {
        self.capacity = max(1, capacity)
        self.framesPerMessage = max(1, framesPerMessage)
        let total = self.capacity * self.framesPerMessage
        messages = (0..<total).map { _ in Message() }
        frames = .allocate(capacity: total)
        for (index, message) in messages.enumerated() { (frames + index).initialize(to: message.pointer) }
        frameCounts = .allocate(capacity: self.capacity)
        frameCounts.initialize(repeating: 0, count: self.capacity)
    }

    deinit {
        frames.deallocate()
        frameCounts.deallocate()
    }

    /// The number of frames message `index` (below ``count``) had, including those not kept.
    @inlinable public func frameCount(of index: Int) -> Int {
        index >= 0 && index < count ? frameCounts[index] : 0
    }

    /// Calls `body` with the bytes of frame `frame` of message `index`: empty when the message
    /// has no such frame, or the frame was not kept.
    @inlinable public func withUnsafeBytes<R>(
        ofFrame frame: Int, of index: Int, _ body: (UnsafeRawBufferPointer) throws -> R
    ) rethrows -> R {
        guard frame >= 0, frame < min(framesPerMessage, frameCount(of: index)) else {
            return try body(UnsafeRawBufferPointer(start: nil, count: 0))
        }
        let message = frames[index * framesPerMessage + frame]
        let size = zmq_msg_size(message)
        guard size > 0, let data = zmq_msg_data(message) else {
            return try body(UnsafeRawBufferPointer(start: nil, count: 0))
        }
        return try body(UnsafeRawBufferPointer(start: data, count: size))
    }

    /// Frame `frame` of message `index` as a ``Message``, for its properties (see
    /// ``Message/property(_:)``); `nil` when the message has no such frame or it was not kept.
    public func message(frame: Int, of index: Int) -> Message? {
        guard frame >= 0, frame < min(framesPerMessage, frameCount(of: index)) else { return nil }
        return messages[index * framesPerMessage + frame]
    }
}

@available(*, unavailable)
extension MultipartBatch: Sendable {}
