/// A setting as one source gave it, before it is checked.
public enum ConfigurationValue: Sendable, Equatable {
    /// A string.
    case string(String)
    /// A list of strings.
    case list([String])
    /// A whole number.
    case integer(Int)

    /// The value as text, for messages.
    public var text: String {
        switch self {
        case .string(let value): "\"\(value)\""
        case .list(let values): "[" + values.map { "\"\($0)\"" }.joined(separator: ", ") + "]"
        case .integer(let value): String(value)
        }
    }
}
