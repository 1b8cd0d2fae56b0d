/// One entry of a ``Poller``: a socket (or plain file descriptor) and the events to wait for.
public struct PollItem {
    /// The socket to poll, or `nil` for a plain file descriptor item.
    public let socket: Socket?
    /// The file descriptor to poll when ``socket`` is `nil`.
    public let fileDescriptor: Int32?
    /// The events to wait for.
    public var events: PollEvents

    /// Creates an item polling a ZeroMQ socket.
    ///
    /// - Parameters:
    ///   - socket: The socket.
    ///   - events: The events to wait for, usually `.readable`.
    public init(socket: Socket, events: PollEvents) {
        self.socket = socket
        self.fileDescriptor = nil
        self.events = events
    }

    /// Creates an item polling a plain file descriptor (a pipe, an eventfd, a TCP socket, …).
    ///
    /// - Parameters:
    ///   - fileDescriptor: The file descriptor.
    ///   - events: The events to wait for.
    public init(fileDescriptor: Int32, events: PollEvents) {
        self.socket = nil
        self.fileDescriptor = fileDescriptor
        self.events = events
    }
}

@available(*, unavailable)
extension PollItem: Sendable {}
