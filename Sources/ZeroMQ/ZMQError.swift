import CZeroMQ

/// An error reported by libzmq, keeping the `errno` value it set.
///
/// The ``description`` reads like `bind tcp://127.0.0.1:7600: Address already in use (errno 98)`
/// and uses `zmq_strerror`, so libzmq's own codes (`ETERM`, `EFSM`, `EMTHREAD`, …) get their
/// proper text as well.
public struct ZMQError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The `errno` value libzmq reported (for example `EADDRINUSE`, `EAGAIN` or `ETERM`).
    public let errno: Int32
    /// The operation that failed, for example `"bind"`, `"send"` or `"setsockopt ZMQ_LINGER"`.
    public let operation: String
    /// The endpoint involved, for `bind`, `connect`, `unbind`, `disconnect` and `monitor`.
    public let endpoint: String?

    /// Creates an error from its parts.
    ///
    /// - Parameters:
    ///   - errno: The `errno` value.
    ///   - operation: The operation that failed.
    ///   - endpoint: The endpoint involved, if any.
    public init(errno: Int32, operation: String, endpoint: String? = nil) {
        self.errno = errno
        self.operation = operation
        self.endpoint = endpoint
    }

    /// Captures the current `zmq_errno()` for a failed `operation`.
    static func last(_ operation: String, endpoint: String? = nil) -> ZMQError {
        ZMQError(errno: zmq_errno(), operation: operation, endpoint: endpoint)
    }

    /// The text libzmq gives for ``errno`` (`zmq_strerror`).
    public var message: String {
        guard let text = zmq_strerror(errno) else { return "Unknown error" }
        return String(cString: text)
    }

    /// `true` if the context was terminated or shut down (`ETERM`): the socket should be closed.
    public var isContextTerminated: Bool { errno == ETERM }

    /// A readable description: operation, endpoint if any, message and errno.
    public var description: String {
        if let endpoint {
            return "\(operation) \(endpoint): \(message) (errno \(errno))"
        }
        return "\(operation): \(message) (errno \(errno))"
    }
}
