import ZeroMQ

/// The keys a client needs to talk to a casepulsed running with `--curve-cert`: its own key pair
/// (listed in the daemon's `--producer-keys` or `--subscriber-keys`) and the daemon's public key.
///
/// ```swift
/// let keys = try CurveClientKeys(certificate: "jn-scjg-app.key_secret", serverKey: "casepulsed.key")
/// let publisher = try ReliablePublisher(context: context, endpoint: endpoint, curve: keys)
/// ```
public struct CurveClientKeys: Sendable, Hashable {
    /// The client's key pair.
    public var client: CurveKeyPair
    /// The daemon's public key, 32 bytes.
    public var serverPublicKey: [UInt8]

    /// Creates client keys from raw keys.
    ///
    /// - Parameters:
    ///   - client: The client's key pair.
    ///   - serverPublicKey: The daemon's public key (32 bytes).
    public init(client: CurveKeyPair, serverPublicKey: [UInt8]) {
        self.client = client
        self.serverPublicKey = serverPublicKey
    }

    /// Reads the client's secret certificate and the daemon's key.
    ///
    /// - Parameters:
    ///   - certificate: The client's `NAME.key_secret` file.
    ///   - serverKey: The daemon's public certificate file (`NAME.key`), or its public key as 40
    ///     characters of Z85.
    /// - Throws: ``CasePulseClientError/certificate(_:)`` naming the file and what is wrong.
    public init(certificate: String, serverKey: String) throws(CasePulseClientError) {
        let own: CurveCertificate
        do { own = try CurveCertificate.read(path: certificate) } catch { throw .certificate("\(error)") }
        guard let pair = own.keyPair else {
            throw .certificate("certificate \(certificate): no secret-key; give the NAME.key_secret file")
        }
        if serverKey.utf8.count == 40, let key = Z85.decode(serverKey), key.count == 32 {
            self.init(client: pair, serverPublicKey: key)
            return
        }
        do {
            self.init(client: pair, serverPublicKey: try CurveCertificate.read(path: serverKey).publicKey)
        } catch {
            throw .certificate("\(error)")
        }
    }

    /// Makes `socket` a CURVE client with these keys; call it before `connect`.
    ///
    /// - Parameter socket: A socket not yet connected.
    /// - Throws: ``ZMQError`` for a key of the wrong size or a libzmq without CURVE.
    public func apply(to socket: Socket) throws(ZMQError) {
        try socket.setCurveServerKey(serverPublicKey)
        try socket.setCurvePublicKey(client.publicKey)
        try socket.setCurveSecretKey(client.secretKey)
    }
}
