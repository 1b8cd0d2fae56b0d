import CasePulseServer
import Foundation
import Logging
import Synchronization
import ZeroMQ

/// The ZAP handler (ZeroMQ RFC 27) of one context, on its own thread: it answers every CURVE
/// handshake of the server's sockets from the allowlists in force, and reads the sockets' monitors
/// to count handshakes that fail before reaching it.
///
/// Each server socket carries the ZAP domain `casepulse-ROLE` (``domain(for:)``), so the handler
/// knows which socket a handshake is for. An admitted peer gets its certificate name as `User-Id`
/// and its key as the `X-Curve-Key` property, both readable on every message it sends
/// (`Message.property`).
///
/// libzmq's trap: a CURVE server socket in a context without a ZAP handler admits every client that
/// knows the server key. ``start(context:gatekeeper:logger:)`` returns only once the handler is
/// bound, and it must outlive every server socket of the context.
final class ZAPHandler: Sendable {
    /// Where libzmq sends ZAP requests (RFC 27).
    static let endpoint = "inproc://zeromq.zap.01"
    /// The ZAP metadata property holding the admitted client's public key (Z85).
    static let keyProperty = "X-Curve-Key"

    private let gatekeeper: Gatekeeper
    private let stopping = Atomic<Bool>(false)
    private let monitors = Mutex<[(endpoint: String, role: EndpointRole)]>([])
    private let finished = Mutex<[CheckedContinuation<Void, Never>]?>([])

    private init(gatekeeper: Gatekeeper) {
        self.gatekeeper = gatekeeper
    }

    /// The ZAP domain of a socket role.
    static func domain(for role: EndpointRole) -> String {
        "casepulse-" + role.rawValue
    }

    /// Binds the ZAP endpoint in `context` on a new thread and returns once it is bound.
    static func start(context: Context, gatekeeper: Gatekeeper, logger: Logger) throws(CurveSecurityError) -> ZAPHandler {
        let handler = ZAPHandler(gatekeeper: gatekeeper)
        let outcome = Mutex<ZMQError??>(nil)
        let ready = DispatchSemaphore(value: 0)
        let thread = Thread {
            let socket: Socket
            do throws(ZMQError) {
                socket = try Socket(context, .rep)
                try socket.setLinger(0)
                try socket.bind(endpoint)
            } catch {
                outcome.withLock { $0 = .some(error) }
                ready.signal()
                handler.finish()
                return
            }
            outcome.withLock { $0 = .some(nil) }
            ready.signal()
            handler.serve(socket, context: context, logger: logger)
            socket.close(linger: 0)
            handler.finish()
        }
        thread.name = "casepulse-zap"
        thread.start()
        ready.wait()
        if case .some(.some(let error)) = outcome.withLock({ $0 }) {
            throw CurveSecurityError("cannot start the ZAP handler: \(error)")
        }
        return handler
    }

    /// Asks the handler to read the monitor of a server socket, published on `endpoint`.
    func watch(monitor endpoint: String, role: EndpointRole) {
        monitors.withLock { $0.append((endpoint, role)) }
    }

    /// Stops the handler and waits for its thread. Only after every server socket is closed.
    func stop() async {
        stopping.store(true, ordering: .relaxed)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = finished.withLock { waiters in
                guard waiters != nil else { return true }
                waiters?.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    private func finish() {
        let waiters = finished.withLock { waiters in
            defer { waiters = nil }
            return waiters ?? []
        }
        for waiter in waiters { waiter.resume() }
    }

    // MARK: The thread

    private func serve(_ socket: Socket, context: Context, logger: Logger) {
        var log = DenialLog(logger: logger)
        var poller = Poller([PollItem(socket: socket, events: .readable)])
        var watched: [(socket: Socket, role: EndpointRole)] = []
        while !stopping.load(ordering: .relaxed) {
            let pending = monitors.withLock { pending in
                defer { pending = [] }
                return pending
            }
            if !pending.isEmpty {
                for (endpoint, role) in pending {
                    do {
                        let pair = try Socket(context, .pair)
                        try pair.setLinger(0)
                        try pair.connect(endpoint)
                        watched.append((pair, role))
                    } catch {
                        logger.warning("cannot read the \(role.rawValue) socket's monitor: \(error)")
                    }
                }
                poller = Poller([PollItem(socket: socket, events: .readable)]
                    + watched.map { PollItem(socket: $0.socket, events: .readable) })
            }
            do {
                _ = try poller.poll(timeoutMilliseconds: 100)
            } catch {
                if error.isContextTerminated { break }
                logger.error("ZAP handler poll failed: \(error)")
                continue
            }
            log.flush()
            if poller.isReadable(0) { answer(socket, log: &log, logger: logger) }
            for (index, monitor) in watched.enumerated() where poller.isReadable(index + 1) {
                readMonitor(monitor.socket, role: monitor.role, log: &log)
            }
        }
        for monitor in watched { monitor.socket.close(linger: 0) }
    }

    private func answer(_ socket: Socket, log: inout DenialLog, logger: Logger) {
        while true {
            let request: [[UInt8]]?
            do { request = try socket.receiveMultipart(dontWait: true) } catch {
                logger.error("ZAP handler receive failed: \(error)")
                return
            }
            guard let request else { return }
            let reply = verdict(request, log: &log)
            do { _ = try socket.send(multipart: reply) } catch {
                logger.error("ZAP handler reply failed: \(error)")
                return
            }
        }
    }

    /// The reply to one ZAP request: `[version, request id, status, text, user id, metadata]`.
    private func verdict(_ request: [[UInt8]], log: inout DenialLog) -> [[UInt8]] {
        let requestID = request.count > 1 ? request[1] : []
        func deny(_ code: String, _ text: String) -> [[UInt8]] {
            [Array("1.0".utf8), requestID, Array(code.utf8), Array(text.utf8), [], []]
        }
        // version, request id, domain, address, routing id, mechanism, credentials...
        guard request.count >= 6, request[0] == Array("1.0".utf8) else {
            return deny("500", "malformed ZAP request")
        }
        let domain = String(decoding: request[2], as: UTF8.self)
        let address = String(decoding: request[3], as: UTF8.self)
        let mechanism = String(decoding: request[5], as: UTF8.self)
        guard let role = EndpointRole.allCases.first(where: { Self.domain(for: $0) == domain }) else {
            log.log("denied a handshake from \(address): unknown ZAP domain '\(domain)'")
            return deny("400", "unknown domain")
        }
        guard mechanism == "CURVE", request.count == 7, request[6].count == 32 else {
            gatekeeper.recordVerdict(admitted: false, role: role)
            log.log("denied a \(mechanism) handshake on the \(role.rawValue) socket from \(address): CURVE is required")
            return deny("400", "CURVE required")
        }
        let key = request[6]
        let keyText = Z85.encode(key) ?? "?"
        guard let name = gatekeeper.name(of: key, for: role) else {
            gatekeeper.recordVerdict(admitted: false, role: role)
            let list = role == .ingest || role == .reliable ? "producer" : "subscriber"
            log.log("denied a CURVE handshake on the \(role.rawValue) socket from \(address): key \(keyText) is not in the \(list) allowlist")
            return deny("400", "key not allowed")
        }
        gatekeeper.recordVerdict(admitted: true, role: role)
        return [Array("1.0".utf8), requestID, Array("200".utf8), Array("OK".utf8), Array(name.utf8),
                Self.metadata([(Self.keyProperty, keyText)])]
    }

    /// ZMTP metadata: per property a 1-byte name length, the name, a 4-byte big-endian value
    /// length and the value.
    private static func metadata(_ properties: [(String, String)]) -> [UInt8] {
        var bytes: [UInt8] = []
        for (name, value) in properties {
            bytes.append(UInt8(name.utf8.count))
            bytes += name.utf8
            let length = UInt32(value.utf8.count)
            bytes += [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)]
            bytes += value.utf8
        }
        return bytes
    }

    private func readMonitor(_ socket: Socket, role: EndpointRole, log: inout DenialLog) {
        while let event = try? MonitorEvent.receive(from: socket, dontWait: true) {
            switch event.kind {
            case .handshakeFailedProtocol, .handshakeFailedNoDetail:
                gatekeeper.recordFailure(role: role)
                log.log("failed CURVE handshake on the \(role.rawValue) socket (\(event.endpoint)): \(Self.cause(of: event))")
            default:
                continue
            }
        }
    }

    /// What a handshake that failed before ZAP says, for the operator: the two causes a client
    /// can be told to mend by name, the code or errno otherwise.
    static func cause(of event: MonitorEvent) -> String {
        switch (event.kind, event.value) {
        case (.handshakeFailedProtocol, MonitorEvent.cryptographicError):
            "a HELLO this daemon's key cannot open (protocol error 0x11000001): the client's server key is not this daemon's public key"
        case (.handshakeFailedProtocol, MonitorEvent.mechanismMismatch):
            "the client does not run CURVE (mechanism mismatch, protocol error 0x11000002)"
        case (.handshakeFailedProtocol, let code):
            "protocol error 0x\(String(code, radix: 16))"
        default:
            "errno \(event.value), the connection closed during the handshake"
        }
    }
}
