import ZeroMQ

/// Why the server could not start, said in one line an operator can act on.
public struct ServerError: Error, Sendable, CustomStringConvertible {
    /// What failed, e.g. `cannot bind snapshot endpoint`.
    public var what: String
    /// The underlying ZeroMQ error, with its errno and endpoint, when there is one.
    public var cause: ZMQError?
    /// Another underlying cause in words (a state-store error, say).
    public var detail: String?

    /// Creates an error.
    public init(_ what: String, cause: ZMQError? = nil, detail: String? = nil) {
        self.what = what
        self.cause = cause
        self.detail = detail
    }

    /// `what: cause`.
    public var description: String {
        if let cause { return "\(what): \(cause)" }
        if let detail { return "\(what): \(detail)" }
        return what
    }
}
