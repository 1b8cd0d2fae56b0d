/// Why CURVE security could not be set up or reloaded; the daemon prints it and refuses to start.
public struct CurveSecurityError: Error, Sendable, Hashable, CustomStringConvertible {
    /// One line of English naming the file or directory at fault.
    public let message: String

    /// Creates an error.
    ///
    /// - Parameter message: What went wrong.
    public init(_ message: String) {
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
