import CZeroMQ

/// The socket events to report with ``Socket/monitor(endpoint:events:)`` (`ZMQ_EVENT_*`).
public struct MonitorEvents: OptionSet, Sendable, Hashable {
    /// The raw `ZMQ_EVENT_*` bits.
    public let rawValue: UInt32

    /// Creates a set from raw `ZMQ_EVENT_*` bits.
    ///
    /// - Parameter rawValue: The bits.
    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// `ZMQ_EVENT_CONNECTED`: an outgoing connection was established.
    public static let connected = MonitorEvents(rawValue: UInt32(ZMQ_EVENT_CONNECTED))
    /// `ZMQ_EVENT_CONNECT_DELAYED`: a connect is pending.
    public static let connectDelayed = MonitorEvents(rawValue: UInt32(ZMQ_EVENT_CONNECT_DELAYED))
    /// `ZMQ_EVENT_CONNECT_RETRIED`: a connect failed and will be retried.
    public static let connectRetried = MonitorEvents(rawValue: UInt32(ZMQ_EVENT_CONNECT_RETRIED))
    /// `ZMQ_EVENT_LISTENING`: a bind succeeded.
    public static let listening = MonitorEvents(rawValue: UInt32(ZMQ_EVENT_LISTENING))
    /// `ZMQ_EVENT_BIND_FAILED`: a bind failed.
    public static let bindFailed = MonitorEvents(rawValue: UInt32(ZMQ_EVENT_BIND_FAILED))
    /// `ZMQ_EVENT_ACCEPTED`: an incoming connection was accepted.
    public static let accepted = MonitorEvents(rawValue: UInt32(ZMQ_EVENT_ACCEPTED))
    /// `ZMQ_EVENT_ACCEPT_FAILED`: accepting an incoming connection failed.
    public static let acceptFailed = MonitorEvents(rawValue: UInt32(ZMQ_EVENT_ACCEPT_FAILED))
    /// `ZMQ_EVENT_CLOSED`: a connection's underlying descriptor was closed.
    public static let closed = MonitorEvents(rawValue: UInt32(ZMQ_EVENT_CLOSED))
    /// `ZMQ_EVENT_CLOSE_FAILED`: closing a descriptor failed.
    public static let closeFailed = MonitorEvents(rawValue: UInt32(ZMQ_EVENT_CLOSE_FAILED))
    /// `ZMQ_EVENT_DISCONNECTED`: a session was broken off unexpectedly.
    public static let disconnected = MonitorEvents(rawValue: UInt32(ZMQ_EVENT_DISCONNECTED))
    /// `ZMQ_EVENT_MONITOR_STOPPED`: the monitor was stopped.
    public static let monitorStopped = MonitorEvents(rawValue: UInt32(ZMQ_EVENT_MONITOR_STOPPED))
    /// `ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL`: a handshake failed for an unspecified reason.
    public static let handshakeFailedNoDetail = MonitorEvents(rawValue: UInt32(ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL))
    /// `ZMQ_EVENT_HANDSHAKE_SUCCEEDED`: the ZMTP handshake (and security) succeeded.
    public static let handshakeSucceeded = MonitorEvents(rawValue: UInt32(ZMQ_EVENT_HANDSHAKE_SUCCEEDED))
    /// `ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL`: a handshake failed on a protocol error.
    public static let handshakeFailedProtocol = MonitorEvents(rawValue: UInt32(ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL))
    /// `ZMQ_EVENT_HANDSHAKE_FAILED_AUTH`: a handshake failed on authentication (ZAP).
    public static let handshakeFailedAuth = MonitorEvents(rawValue: UInt32(ZMQ_EVENT_HANDSHAKE_FAILED_AUTH))
    /// `ZMQ_EVENT_ALL`: every event above.
    public static let all = MonitorEvents(rawValue: UInt32(ZMQ_EVENT_ALL))
}
