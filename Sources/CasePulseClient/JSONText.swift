import CasePulseWire

/// Small helpers for writing JSON text by hand (the CLI's outputs), without floating point.
public enum JSONText {
    /// `text` as a JSON string literal (``JSONString/quoted(_:)``).
    public static func quoted(_ text: String) -> String {
        JSONString.quoted(text)
    }

    /// A JSON value for embedding: `value` itself when it looks like a JSON object or array, else
    /// `value` as a string literal, and `null` for `nil`.
    ///
    /// - Parameter value: A hashmap value (the daemon's values are JSON objects).
    /// - Returns: JSON text.
    public static func embedded(_ value: String?) -> String {
        guard let value else { return "null" }
        let trimmed = value.utf8.drop { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
        if let first = trimmed.first, first == UInt8(ascii: "{") || first == UInt8(ascii: "[") {
            return value
        }
        return quoted(value)
    }
}
