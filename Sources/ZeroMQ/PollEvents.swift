import CZeroMQ

/// Readiness flags, for ``PollItem``, ``Poller`` and ``Socket/events`` (`ZMQ_POLLIN`, …).
public struct PollEvents: OptionSet, Sendable, Hashable {
    /// The raw `ZMQ_POLL*` bits.
    public let rawValue: Int16

    /// Creates a set from raw `ZMQ_POLL*` bits.
    ///
    /// - Parameter rawValue: The bits.
    public init(rawValue: Int16) {
        self.rawValue = rawValue
    }

    /// At least one message can be received without blocking (`ZMQ_POLLIN`).
    public static let readable = PollEvents(rawValue: Int16(ZMQ_POLLIN))
    /// At least one message can be sent without blocking (`ZMQ_POLLOUT`).
    public static let writable = PollEvents(rawValue: Int16(ZMQ_POLLOUT))
    /// An error condition on a plain file descriptor (`ZMQ_POLLERR`); never set for sockets.
    public static let error = PollEvents(rawValue: Int16(ZMQ_POLLERR))
}
