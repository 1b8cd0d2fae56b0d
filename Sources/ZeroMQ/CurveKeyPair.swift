import CZeroMQ
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A CURVE long-term key pair: 32-byte public and secret keys.
///
/// The description shows only the public key, so logging a key pair does not leak the secret.
public struct CurveKeyPair: Sendable, Hashable, CustomStringConvertible {
    /// The public key, 32 raw bytes.
    public let publicKey: [UInt8]
    /// The secret key, 32 raw bytes.
    public let secretKey: [UInt8]
    /// The public key as 40 characters of Z85.
    public let publicKeyZ85: String
    /// The secret key as 40 characters of Z85.
    public let secretKeyZ85: String

    /// Creates a key pair from raw keys, for example decoded from configuration.
    ///
    /// - Parameters:
    ///   - publicKey: 32 bytes.
    ///   - secretKey: 32 bytes.
    /// - Throws: ``ZMQError`` with `EINVAL` if a key is not 32 bytes long.
    public init(publicKey: [UInt8], secretKey: [UInt8]) throws(ZMQError) {
        guard publicKey.count == 32, secretKey.count == 32,
              let publicZ85 = Z85.encode(publicKey), let secretZ85 = Z85.encode(secretKey)
        else {
            throw ZMQError(errno: EINVAL, operation: "curve key pair")
        }
        self.publicKey = publicKey
        self.secretKey = secretKey
        self.publicKeyZ85 = publicZ85
        self.secretKeyZ85 = secretZ85
    }

    /// Generates a new random key pair (`zmq_curve_keypair`).
    ///
    /// - Returns: The key pair.
    /// - Throws: ``ZMQError`` with `ENOTSUP` if libzmq was built without CURVE.
    public static func generate() throws(ZMQError) -> CurveKeyPair {
        var publicText = [CChar](repeating: 0, count: 41)
        var secretText = [CChar](repeating: 0, count: 41)
        if zmq_curve_keypair(&publicText, &secretText) != 0 {
            throw ZMQError.last("zmq_curve_keypair")
        }
        guard let publicKey = Z85.decode(text(publicText)), let secretKey = Z85.decode(text(secretText)) else {
            throw ZMQError(errno: EPROTO, operation: "zmq_curve_keypair")
        }
        return try CurveKeyPair(publicKey: publicKey, secretKey: secretKey)
    }

    /// Derives the key pair of a secret key (`zmq_curve_public`).
    ///
    /// - Parameter secretKey: 32 bytes.
    /// - Returns: The key pair.
    /// - Throws: ``ZMQError`` with `EINVAL` for a wrong size, `ENOTSUP` without CURVE.
    public static func derive(secretKey: [UInt8]) throws(ZMQError) -> CurveKeyPair {
        guard secretKey.count == 32, let secretZ85 = Z85.encode(secretKey) else {
            throw ZMQError(errno: EINVAL, operation: "zmq_curve_public")
        }
        var publicText = [CChar](repeating: 0, count: 41)
        if zmq_curve_public(&publicText, secretZ85) != 0 {
            throw ZMQError.last("zmq_curve_public")
        }
        guard let publicKey = Z85.decode(text(publicText)) else {
            throw ZMQError(errno: EPROTO, operation: "zmq_curve_public")
        }
        return try CurveKeyPair(publicKey: publicKey, secretKey: secretKey)
    }

    /// Shows the public key only.
    public var description: String {
        "CurveKeyPair(public: \(publicKeyZ85), secret: <redacted>)"
    }

    private static func text(_ characters: [CChar]) -> String {
        String(decoding: characters.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
