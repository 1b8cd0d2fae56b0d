/// A state-store failure, said in one line with its cause (the file, SQLite's message).
public struct StoreError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public var description: String

    /// Creates an error.
    public init(_ description: String) {
        self.description = description
    }
}
