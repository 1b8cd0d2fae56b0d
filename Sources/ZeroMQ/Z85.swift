import CZeroMQ

/// Z85 encoding (ZeroMQ RFC 32), used for printable CURVE keys (`zmq_z85_encode` /
/// `zmq_z85_decode`).
public enum Z85 {
    /// Encodes bytes as Z85 text.
    ///
    /// - Parameter bytes: The data; its length must be a multiple of 4.
    /// - Returns: The text (5 characters per 4 bytes), or `nil` if the length is not a
    ///   multiple of 4.
    public static func encode(_ bytes: [UInt8]) -> String? {
        guard bytes.count % 4 == 0 else { return nil }
        let length = bytes.count / 4 * 5
        var output = [CChar](repeating: 0, count: length + 1)
        let encoded = bytes.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { buffer in
                zmq_z85_encode(buffer.baseAddress, input.baseAddress, input.count) != nil
            }
        }
        guard encoded else { return nil }
        return String(decoding: output.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Decodes Z85 text.
    ///
    /// - Parameter text: The text; its length must be a multiple of 5.
    /// - Returns: The bytes (4 per 5 characters), or `nil` for a wrong length or a character
    ///   outside the Z85 alphabet.
    public static func decode(_ text: String) -> [UInt8]? {
        var characters = Array(text.utf8)
        guard characters.count % 5 == 0, !characters.contains(0) else { return nil }
        if characters.isEmpty { return [] }
        let length = characters.count / 5 * 4
        characters.append(0)
        var failed = false
        let bytes = [UInt8](unsafeUninitializedCapacity: length) { buffer, initialized in
            characters.withUnsafeBufferPointer { input in
                input.withMemoryRebound(to: CChar.self) { cString in
                    failed = zmq_z85_decode(buffer.baseAddress, cString.baseAddress) == nil
                }
            }
            initialized = failed ? 0 : length
        }
        return failed ? nil : bytes
    }
}
