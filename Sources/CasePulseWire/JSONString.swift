/// JSON string literals written by hand, for the canonical event form and the CLI's outputs.
public enum JSONString {
    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
    private static let unicodeEscape: [UInt8] = Array(#"\u00"#.utf8)

    /// `text` as a JSON string literal, quotes included: `"` and `\` escaped with a backslash,
    /// U+0000–U+001F as `\u00XX`, everything else as is (UTF-8).
    public static func quoted(_ text: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count + 2)
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(byte)
            case 0x00..<0x20:
                bytes.append(contentsOf: unicodeEscape)
                bytes.append(hexDigits[Int(byte >> 4)])
                bytes.append(hexDigits[Int(byte & 0x0F)])
            default:
                bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
        return String(decoding: bytes, as: UTF8.self)
    }
}
