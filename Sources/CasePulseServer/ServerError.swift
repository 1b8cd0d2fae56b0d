import ZeroMQ

/// Why the server could not start, said in one line an operator can act on.
public struct ServerError: Error, Sendable, CustomStringConvertible {
    /// What failed, e.g. `cannot bind snapshot endpoint`.
    public var what: String
    /// The underlying ZeroMQ error, with its errno and endpoint, when there is one.
    public var cause: ZMQError?

    /// Creates an error.
    public init(_ what: String, cause: ZMQError? = nil) {
        self.what = what
        self.cause = cause
    }

    /// `what: cause`.
    public var description: String {
        guard let cause else { return what }
        return "\(what): \(cause)"
    }
}
