import CasePulseServer
import Foundation
import Logging
import Synchronization
import ZeroMQ

/// CURVE (RFC 26) on every server socket, with a ZAP handler (RFC 27) that admits only allowlisted
/// keys: the daemon's `--curve-cert`, `--producer-keys` and `--subscriber-keys`.
///
/// - `ingest` and `reliable` admit the keys of the producer directory; `snapshot` and `publish` the
///   keys of the subscriber directory. Any other key fails the handshake (counted, logged at
///   `notice` without flooding) and never exchanges a message.
/// - A producer's identity is its certificate's name; ``identity(of:)`` gives it for every ingest
///   message, so an event whose `producer` differs is refused as `unauthorized`.
/// - ``reload()`` (SIGHUP) re-reads the directories. A key no longer listed fails every new
///   handshake at once, and ``identity(of:)`` stops vouching for it on connections that are
///   already open, so its events are refused as `unauthorized` from the next message on. When
///   subscriber keys were removed, the server (registered with ``onSubscribersRevoked(_:)``)
///   drops every peer of its updates socket: the subscribers still listed reconnect, a revoked
///   one cannot. ``subscriberIdentity(of:)`` stops vouching for a revoked subscriber at once, so
///   its snapshot requests are refused on connections already open.
///
/// Set up in this order (``load(certificate:producerKeys:subscriberKeys:context:logger:)`` starts
/// the ZAP handler, so it must run before the server binds anything):
///
/// ```swift
/// let context = try Context()
/// let security = try CurveSecurity.load(certificate: "/etc/casepulse/server.key_secret",
///                                       producerKeys: "/etc/casepulse/producers",
///                                       subscriberKeys: "/etc/casepulse/subscribers",
///                                       context: context, logger: logger)
/// configuration.security = security
/// let server = try Server(configuration: configuration, context: context, logger: logger)
/// try server.start()
/// // on SIGHUP: try security.reload()
/// // after the server stopped: await security.stop()
/// ```
public final class CurveSecurity: SocketSecurity {
    /// The daemon's certificate (with its secret key).
    public let certificate: CurveCertificate
    /// The producer key directory in force, if any.
    public var producerKeysPath: String? { paths.withLock { $0.producers } }
    /// The subscriber key directory in force, if any.
    public var subscriberKeysPath: String? { paths.withLock { $0.subscribers } }
    private let paths: Mutex<(producers: String?, subscribers: String?)>
    private let gatekeeper: Gatekeeper
    private let handler: ZAPHandler
    private let logger: Logger
    private let monitorPrefix = "inproc://casepulse-handshakes-" + UUID().uuidString + "-"
    private let monitorCount = Atomic<Int>(0)
    private let revocationObservers = Mutex<[@Sendable (_ revoked: Int) -> Void]>([])

    private init(
        certificate: CurveCertificate, producerKeysPath: String?, subscriberKeysPath: String?,
        gatekeeper: Gatekeeper, handler: ZAPHandler, logger: Logger
    ) {
        self.certificate = certificate
        self.paths = Mutex((producerKeysPath, subscriberKeysPath))
        self.gatekeeper = gatekeeper
        self.handler = handler
        self.logger = logger
    }

    /// Reads the daemon's certificate and the allowlists and starts the ZAP handler in `context`.
    ///
    /// - Parameters:
    ///   - certificate: The daemon's secret certificate file (`NAME.key_secret`).
    ///   - producerKeys: Directory of producers' public certificates (`*.key`), or `nil`.
    ///   - subscriberKeys: Directory of subscribers' public certificates (`*.key`), or `nil`.
    ///   - context: The context the server's sockets will be created in.
    ///   - logger: Where handshake refusals and reloads are logged.
    /// - Returns: The security to put in `ServerConfiguration.security`.
    /// - Throws: ``CurveSecurityError`` — the daemon must refuse to start — when the certificate is
    ///   unreadable, malformed or has no secret key, a key directory is unreadable or holds a bad
    ///   certificate, **neither** directory is given (CURVE with no allowlist would admit any key
    ///   that knows the server's public key), or the ZAP handler cannot bind (another one is
    ///   already running in the context).
    public static func load(
        certificate path: String, producerKeys: String?, subscriberKeys: String?, context: Context, logger: Logger
    ) throws(CurveSecurityError) -> CurveSecurity {
        let (certificate, allowlists) = try check(certificate: path, producerKeys: producerKeys, subscriberKeys: subscriberKeys)
        warnIfExposed(path, logger: logger)
        let gatekeeper = Gatekeeper(allowlists)
        let handler = try ZAPHandler.start(context: context, gatekeeper: gatekeeper, logger: logger)
        logger.info("CURVE on: server key \(certificate.publicKeyZ85), \(allowlists)")
        return CurveSecurity(
            certificate: certificate, producerKeysPath: producerKeys, subscriberKeysPath: subscriberKeys,
            gatekeeper: gatekeeper, handler: handler, logger: logger)
    }

    /// Reads the daemon's certificate and the allowlists as ``load(certificate:producerKeys:subscriberKeys:context:logger:)``
    /// does, and refuses what it refuses, without starting anything (`casepulsed --check-config`).
    ///
    /// - Parameters:
    ///   - path: The daemon's secret certificate file (`NAME.key_secret`).
    ///   - producerKeys: Directory of producers' public certificates (`*.key`), or `nil`.
    ///   - subscriberKeys: Directory of subscribers' public certificates (`*.key`), or `nil`.
    /// - Returns: The certificate and the allowlists read.
    /// - Throws: ``CurveSecurityError`` when the certificate is unreadable, malformed or has no
    ///   secret key, a key directory is unreadable or holds a bad certificate, neither directory is
    ///   given, or this libzmq has no CURVE.
    public static func check(
        certificate path: String, producerKeys: String?, subscriberKeys: String?
    ) throws(CurveSecurityError) -> (certificate: CurveCertificate, allowlists: Allowlists) {
        guard producerKeys != nil || subscriberKeys != nil else {
            throw CurveSecurityError(
                "--curve-cert needs --producer-keys and/or --subscriber-keys: refusing to start rather than accept any key")
        }
        guard Context.has("curve") else { throw CurveSecurityError("this libzmq was built without CURVE") }
        let certificate: CurveCertificate
        do { certificate = try CurveCertificate.read(path: path) } catch {
            throw CurveSecurityError("\(error)")
        }
        guard certificate.secretKey != nil else {
            throw CurveSecurityError("certificate \(path): no secret-key; give the NAME.key_secret file")
        }
        return (certificate, try readAllowlists(producers: producerKeys, subscribers: subscriberKeys))
    }

    /// Re-reads the key directories (SIGHUP). On success the new allowlists are in force for every
    /// handshake and every ingest message from now on; on failure the previous ones stay in force.
    ///
    /// - Returns: What changed.
    /// - Throws: ``CurveSecurityError`` when a directory or certificate cannot be read.
    @discardableResult
    public func reload() throws(CurveSecurityError) -> AllowlistChange {
        let (producers, subscribers) = paths.withLock { $0 }
        return try reload(producerKeys: producers, subscriberKeys: subscribers)
    }

    /// Reads the allowlists from (possibly new) directories, as a reloaded configuration names them,
    /// and puts them in force; on failure the previous ones stay in force.
    ///
    /// - Parameters:
    ///   - producerKeys: The producer key directory, or `nil` for none.
    ///   - subscriberKeys: The subscriber key directory, or `nil` for none.
    /// - Returns: What changed.
    /// - Throws: ``CurveSecurityError`` when a directory or certificate cannot be read, or when
    ///   neither directory is given.
    @discardableResult
    public func reload(producerKeys: String?, subscriberKeys: String?) throws(CurveSecurityError) -> AllowlistChange {
        let fresh: Allowlists
        do throws(CurveSecurityError) {
            guard producerKeys != nil || subscriberKeys != nil else {
                throw CurveSecurityError("no producer-keys and no subscriber-keys: CURVE needs an allowlist")
            }
            fresh = try Self.readAllowlists(producers: producerKeys, subscribers: subscriberKeys)
        } catch {
            logger.error("reload failed, the previous allowlists stay in force: \(error)")
            throw error
        }
        let change = AllowlistChange(from: gatekeeper.current, to: fresh)
        gatekeeper.current = fresh
        paths.withLock { $0 = (producerKeys, subscriberKeys) }
        logger.notice("allowlists reloaded: \(fresh); \(change)")
        if !change.subscribersRemoved.isEmpty {
            for observer in revocationObservers.withLock({ $0 }) { observer(change.subscribersRemoved.count) }
        }
        return change
    }

    /// The allowlists in force.
    public var allowlists: Allowlists { gatekeeper.current }

    /// Handshakes admitted, denied and failed so far, by socket role.
    public var statistics: HandshakeStatistics { gatekeeper.statistics }

    /// Stops the ZAP handler. Call it only after the server has stopped: a CURVE socket left
    /// without a handler would admit any client knowing the server key.
    public func stop() async {
        await handler.stop()
    }

    // MARK: SocketSecurity

    /// Makes `socket` a CURVE server with the daemon's secret key and the ZAP domain of `role`,
    /// and has the ZAP handler count its failed handshakes through a socket monitor.
    public func configure(_ socket: Socket, role: EndpointRole) throws(ZMQError) {
        guard let secretKey = certificate.secretKey else { throw ZMQError(errno: EINVAL, operation: "curve secret key") }
        try socket.setCurveServer(true)
        try socket.setCurveSecretKey(secretKey)
        try socket.setZAPDomain(ZAPHandler.domain(for: role))
        let endpoint = monitorPrefix + String(monitorCount.add(1, ordering: .relaxed).newValue)
        do {
            try socket.monitor(endpoint: endpoint, events: [.handshakeFailedProtocol, .handshakeFailedNoDetail])
            handler.watch(monitor: endpoint, role: role)
        } catch {
            logger.warning("failed \(role.rawValue) handshakes will not be counted: \(error)")
        }
    }

    /// The producer name the ZAP handler gave the sender of `frame`, as long as its key is still in
    /// the producer allowlist under that name; `nil` otherwise (unauthorized).
    public func identity(of frame: Message) -> String? {
        listedName(of: frame, for: .reliable)
    }

    /// The subscriber name the ZAP handler gave the sender of `frame`, as long as its key is still
    /// in the subscriber allowlist under that name; `nil` otherwise (unauthorized).
    public func subscriberIdentity(of frame: Message) -> String? {
        listedName(of: frame, for: .snapshot)
    }

    /// Registers `action`, called by ``reload()`` on the reloading thread whenever subscriber keys
    /// were removed, with how many.
    public func onSubscribersRevoked(_ action: @escaping @Sendable (_ revoked: Int) -> Void) {
        revocationObservers.withLock { $0.append(action) }
    }

    /// The `User-Id` of the sender of `frame`, if its key (`X-Curve-Key`) is listed for `role`
    /// under that name now.
    private func listedName(of frame: Message, for role: EndpointRole) -> String? {
        guard let name = frame.property("User-Id"), let key = frame.property(ZAPHandler.keyProperty),
              gatekeeper.name(ofZ85: key, for: role) == name
        else { return nil }
        return name
    }

    // MARK: Helpers

    private static func readAllowlists(producers: String?, subscribers: String?) throws(CurveSecurityError) -> Allowlists {
        var allowlists = Allowlists(producers: nil, subscribers: nil)
        if let producers { allowlists.producers = try KeyDirectory.read(producers) }
        if let subscribers { allowlists.subscribers = try KeyDirectory.read(subscribers) }
        return allowlists
    }

    private static func warnIfExposed(_ path: String, logger: Logger) {
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & 0o077 != 0 else { return }
        logger.warning("certificate \(path) is readable by others (mode \(String(info.st_mode & 0o777, radix: 8))): chmod 600 it")
    }
}
