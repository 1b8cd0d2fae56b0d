/// The events of one socket's monitor, ready to read: ``Socket/monitor(endpoint:events:)`` on an
/// `inproc://` endpoint of its own, and the PAIR socket connected to it.
///
/// Like the socket it watches, it is not thread-safe: read it on that socket's thread. Poll
/// ``receiver`` (as a ``PollItem``) to wait for an event, then drain it with ``next()``.
///
/// ```swift
/// let handshakes = try SocketMonitor(dealer, events: [.handshakeSucceeded, .handshakeFailedAuth])
/// try dealer.connect(endpoint)
/// while let event = try handshakes.next() { print(event.kind, event.value) }
/// ```
public final class SocketMonitor {
    /// The PAIR socket the events arrive on.
    public let receiver: Socket

    /// Starts monitoring `socket` for `events`; call it before `connect` or `bind` so that no
    /// event is missed. Monitoring the same socket again replaces this monitor.
    ///
    /// - Parameters:
    ///   - socket: The socket to watch.
    ///   - events: The events to report.
    /// - Throws: ``ZMQError`` if the monitor cannot be started or connected to.
    public init(_ socket: Socket, events: MonitorEvents) throws(ZMQError) {
        let endpoint = "inproc://casepulse-socket-monitor-\(UInt64.random(in: 0...UInt64.max))"
        try socket.monitor(endpoint: endpoint, events: events)
        receiver = try Socket(socket.context, .pair)
        try receiver.setLinger(0)
        try receiver.connect(endpoint)
    }

    deinit {
        close()
    }

    /// The next event already reported, without waiting; `nil` when there is none.
    ///
    /// - Throws: ``ZMQError`` if the receive fails or the message is not a monitor event.
    public func next() throws(ZMQError) -> MonitorEvent? {
        try MonitorEvent.receive(from: receiver, dontWait: true)
    }

    /// Closes ``receiver``; later calls to ``next()`` throw `ENOTSOCK`. Calling it again does
    /// nothing.
    public func close() {
        receiver.close(linger: 0)
    }
}
