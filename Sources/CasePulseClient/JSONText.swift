/// Small helpers for writing JSON text by hand (the CLI's outputs), without floating point.
public enum JSONText {
    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// `text` as a JSON string literal: `"` and `\` escaped with a backslash, control characters
    /// as `\u00XX`, everything else as is.
    ///
    /// - Parameter text: The string.
    /// - Returns: The literal, quotes included.
    public static func quoted(_ text: String) -> String {
        var bytes: [UInt8] = [UInt8(ascii: "\"")]
        bytes.reserveCapacity(text.utf8.count + 2)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(byte)
            case 0x00..<0x20:
                bytes.append(contentsOf: Array(#"\u00"#.utf8))
                bytes.append(hexDigits[Int(byte >> 4)])
                bytes.append(hexDigits[Int(byte & 0x0F)])
            default:
                bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
        return String(decoding: bytes, as: UTF8.self)
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
