import Foundation
import ZeroMQ

/// The public keys of one allowlist directory: every `NAME.key` in it (ZPL certificates as pyzmq
/// and czmq write them), by key. Secret certificates (`*.key_secret`), hidden files and anything
/// else are ignored.
public struct KeyDirectory: Sendable, Hashable {
    /// The directory read.
    public let path: String
    /// Certificate name by public key (32 bytes).
    public let names: [[UInt8]: String]
    /// Certificate name by public key in Z85, for the per-message identity check.
    let namesByZ85: [String: String]

    /// Creates an allowlist from keys and names directly.
    ///
    /// - Parameters:
    ///   - path: Where it came from, for messages.
    ///   - names: Name by public key.
    public init(path: String, names: [[UInt8]: String]) {
        self.path = path
        self.names = names
        var namesByZ85: [String: String] = [:]
        for (key, name) in names {
            if let text = Z85.encode(key) { namesByZ85[text] = name }
        }
        self.namesByZ85 = namesByZ85
    }

    /// Reads every `*.key` certificate of a directory.
    ///
    /// A name must be a valid producer id (`[A-Za-z0-9._-]{1,64}`), since it becomes the identity
    /// events are checked against; two certificates with the same key are refused, because the
    /// key would then have two identities.
    ///
    /// - Parameter path: The directory.
    /// - Returns: The allowlist (possibly empty).
    /// - Throws: ``CurveSecurityError`` when the directory cannot be listed or a certificate is
    ///   unreadable, malformed or ambiguous.
    public static func read(_ path: String) throws(CurveSecurityError) -> KeyDirectory {
        let files: [String]
        do { files = try FileManager.default.contentsOfDirectory(atPath: path) } catch {
            throw CurveSecurityError("cannot read key directory \(path): \(Self.reason(error))")
        }
        var names: [[UInt8]: String] = [:]
        for file in files.sorted() where file.hasSuffix(".key") && !file.hasPrefix(".") {
            let certificate: CurveCertificate
            do { certificate = try CurveCertificate.read(path: path + "/" + file) } catch {
                throw CurveSecurityError("key directory \(path): \(error)")
            }
            guard isValidName(certificate.name) else {
                throw CurveSecurityError(
                    "key directory \(path): \(file): the name '\(certificate.name)' is not [A-Za-z0-9._-]{1,64}")
            }
            if let other = names[certificate.publicKey] {
                throw CurveSecurityError(
                    "key directory \(path): \(file) and \(other).key hold the same key: one key, one identity")
            }
            names[certificate.publicKey] = certificate.name
        }
        return KeyDirectory(path: path, names: names)
    }

    /// Whether `name` can be a producer identity (`[A-Za-z0-9._-]{1,64}`).
    public static func isValidName(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count) && name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2E || byte == 0x5F || byte == 0x2D
        }
    }

    private static func reason(_ error: any Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return "\(String(cString: strerror(Int32(underlying.code)))) (errno \(underlying.code))"
        }
        return nsError.localizedDescription
    }
}
