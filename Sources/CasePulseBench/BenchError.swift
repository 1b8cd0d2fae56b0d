/// A benchmark step that could not run, with one line saying why.
public struct BenchError: Error, CustomStringConvertible {
    /// What went wrong.
    public let description: String

    init(_ description: String) { self.description = description }
}
