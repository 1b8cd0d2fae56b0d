#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One event read from a socket monitor (see ``Socket/monitor(endpoint:events:)``).
///
/// A monitor message has two frames: frame 0 holds the event id (`uint16`) followed by its
/// value (`uint32`), both in host byte order; frame 1 holds the affected endpoint.
public struct MonitorEvent: Sendable, Hashable {
    /// What happened.
    public enum Kind: Sendable, Hashable {
        /// `ZMQ_EVENT_CONNECTED`; the value is the new descriptor.
        case connected
        /// `ZMQ_EVENT_CONNECT_DELAYED`; the value is an errno.
        case connectDelayed
        /// `ZMQ_EVENT_CONNECT_RETRIED`; the value is the retry interval in milliseconds.
        case connectRetried
        /// `ZMQ_EVENT_LISTENING`; the value is the listening descriptor.
        case listening
        /// `ZMQ_EVENT_BIND_FAILED`; the value is an errno.
        case bindFailed
        /// `ZMQ_EVENT_ACCEPTED`; the value is the new descriptor.
        case accepted
        /// `ZMQ_EVENT_ACCEPT_FAILED`; the value is an errno.
        case acceptFailed
        /// `ZMQ_EVENT_CLOSED`; the value is the closed descriptor.
        case closed
        /// `ZMQ_EVENT_CLOSE_FAILED`; the value is an errno.
        case closeFailed
        /// `ZMQ_EVENT_DISCONNECTED`; the value is the descriptor.
        case disconnected
        /// `ZMQ_EVENT_MONITOR_STOPPED`: the last event of a monitor.
        case monitorStopped
        /// `ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL`; the value is an errno.
        case handshakeFailedNoDetail
        /// `ZMQ_EVENT_HANDSHAKE_SUCCEEDED`.
        case handshakeSucceeded
        /// `ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL`; the value is a `ZMQ_PROTOCOL_ERROR_*` code.
        case handshakeFailedProtocol
        /// `ZMQ_EVENT_HANDSHAKE_FAILED_AUTH`; the value is the ZAP status code.
        case handshakeFailedAuth
        /// An event id this library does not know.
        case unknown(UInt16)

        /// Maps a raw event id to its kind.
        ///
        /// - Parameter id: The `ZMQ_EVENT_*` value.
        public init(id: UInt16) {
            switch MonitorEvents(rawValue: UInt32(id)) {
            case .connected: self = .connected
            case .connectDelayed: self = .connectDelayed
            case .connectRetried: self = .connectRetried
            case .listening: self = .listening
            case .bindFailed: self = .bindFailed
            case .accepted: self = .accepted
            case .acceptFailed: self = .acceptFailed
            case .closed: self = .closed
            case .closeFailed: self = .closeFailed
            case .disconnected: self = .disconnected
            case .monitorStopped: self = .monitorStopped
            case .handshakeFailedNoDetail: self = .handshakeFailedNoDetail
            case .handshakeSucceeded: self = .handshakeSucceeded
            case .handshakeFailedProtocol: self = .handshakeFailedProtocol
            case .handshakeFailedAuth: self = .handshakeFailedAuth
            default: self = .unknown(id)
            }
        }
    }

    /// What happened.
    public let kind: Kind
    /// The raw event id (`ZMQ_EVENT_*`).
    public let id: UInt16
    /// The event's value: a descriptor, an errno, an interval or a code, depending on ``kind``.
    public let value: UInt32
    /// The endpoint concerned, such as `tcp://127.0.0.1:41234`.
    public let endpoint: String

    /// `ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC`: the ``value`` of a
    /// ``Kind/handshakeFailedProtocol`` when a CURVE command could not be opened — on a server,
    /// a HELLO sealed for another server key.
    public static let cryptographicError: UInt32 = 0x1100_0001
    /// `ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH`: the ``value`` of a
    /// ``Kind/handshakeFailedProtocol`` when the peers' security mechanisms differ (one side runs
    /// CURVE, the other not).
    public static let mechanismMismatch: UInt32 = 0x1100_0002

    /// An event as a monitor reports it: event id `id` (`ZMQ_EVENT_*`), its value, its endpoint.
    /// For tests, and for events recorded and read back.
    public init(id: UInt16, value: UInt32, endpoint: String) {
        self.id = id
        self.value = value
        self.kind = Kind(id: id)
        self.endpoint = endpoint
    }

    /// Decodes the two frames of a monitor message.
    ///
    /// - Parameters:
    ///   - eventFrame: Frame 0: event id (`uint16`) and value (`uint32`), host byte order.
    ///   - endpointFrame: Frame 1: the endpoint.
    /// - Returns: `nil` if frame 0 is shorter than 6 bytes.
    public init?(eventFrame: UnsafeRawBufferPointer, endpointFrame: UnsafeRawBufferPointer) {
        guard eventFrame.count >= 6 else { return nil }
        id = eventFrame.loadUnaligned(fromByteOffset: 0, as: UInt16.self)
        value = eventFrame.loadUnaligned(fromByteOffset: 2, as: UInt32.self)
        kind = Kind(id: id)
        endpoint = String(decoding: endpointFrame, as: UTF8.self)
    }

    /// Decodes a monitor message received as arrays of bytes.
    ///
    /// - Parameter frames: The message's frames.
    /// - Returns: `nil` unless there are exactly two frames and frame 0 has at least 6 bytes.
    public init?(frames: [[UInt8]]) {
        guard frames.count == 2 else { return nil }
        let decoded = frames[0].withUnsafeBytes { event in
            frames[1].withUnsafeBytes { endpoint in
                MonitorEvent(eventFrame: event, endpointFrame: endpoint)
            }
        }
        guard let decoded else { return nil }
        self = decoded
    }

    /// Receives and decodes the next event from a PAIR socket connected to a monitor endpoint.
    ///
    /// - Parameters:
    ///   - socket: The PAIR socket connected to the monitor's endpoint.
    ///   - dontWait: `true` to return `nil` instead of blocking.
    /// - Returns: The event, or `nil` on `EAGAIN` (including an expired receive timeout).
    /// - Throws: ``ZMQError`` for receive failures, or `EPROTO` for a malformed message
    ///   (which is drained).
    public static func receive(from socket: Socket, dontWait: Bool = false) throws(ZMQError) -> MonitorEvent? {
        guard let frames = try socket.receiveMultipart(dontWait: dontWait) else { return nil }
        guard let event = MonitorEvent(frames: frames) else {
            throw ZMQError(errno: EPROTO, operation: "receive monitor event")
        }
        return event
    }
}
