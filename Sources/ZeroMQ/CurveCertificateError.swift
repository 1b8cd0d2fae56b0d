/// Why a CURVE certificate file could not be read or written (see ``CurveCertificate``).
public struct CurveCertificateError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file concerned.
    public let path: String
    /// What was wrong, one line of English (with the line number for syntax errors).
    public let reason: String

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - path: The file concerned.
    ///   - reason: What was wrong.
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    /// `certificate PATH: REASON`.
    public var description: String { "certificate \(path): \(reason)" }
}
