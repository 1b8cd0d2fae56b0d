import CasePulseClient
import CasePulseWire
import Foundation
import ZeroMQ

/// A SUB socket whose connection a socket monitor watches, so that a test sees the daemon drop it
/// (`DISCONNECTED`), its handshakes fail (`HANDSHAKE_FAILED_AUTH`) or succeed again, and reads the
/// KVPUBs it receives. Like any SUB, it resends its subscriptions after a reconnect only when
/// it is used (libzmq processes the reconnect on the socket's own thread), which ``waitFor(_:count:timeout:)``
/// does.
final class WatchedSubscriber {
    let socket: Socket
    private let monitor: Socket
    /// Every connection event seen so far, in order.
    private(set) var events: [MonitorEvent.Kind] = []

    /// Subscribes to `prefixes` (and `HUGZ`) and connects to `endpoint`, with CURVE `keys` if any.
    init(context: Context, endpoint: String, prefixes: [String] = [""], keys: CurveClientKeys? = nil) throws {
        socket = try Socket(context, .sub)
        try socket.setLinger(0)
        try socket.setReceiveHighWaterMark(0)
        let monitorEndpoint = "inproc://watched-subscriber-\(UUID().uuidString)"
        try socket.monitor(endpoint: monitorEndpoint, events: [.disconnected, .handshakeSucceeded, .handshakeFailedAuth])
        monitor = try Socket(context, .pair)
        try monitor.setLinger(0)
        try monitor.connect(monitorEndpoint)
        for prefix in prefixes { try socket.subscribe(prefix) }
        try socket.subscribe(ClusteredHashmap.heartbeat)
        try keys?.apply(to: socket)
        try socket.connect(endpoint)
    }

    deinit {
        socket.close(linger: 0)
        monitor.close(linger: 0)
    }

    /// Reads the monitor until `kind` has been seen `count` times in all, or `timeout` passed.
    func waitFor(_ kind: MonitorEvent.Kind, count: Int = 1, timeout: Duration = .seconds(5)) throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        try monitor.setReceiveTimeout(50)
        while events.filter({ $0 == kind }).count < count {
            if ContinuousClock.now >= deadline { return false }
            // A SUB resends its subscriptions after a reconnect only when its own thread uses it.
            _ = try socket.events
            if let event = try MonitorEvent.receive(from: monitor) { events.append(event.kind) }
        }
        return true
    }

    /// The connection events that arrived so far, without waiting.
    func drainEvents() throws -> [MonitorEvent.Kind] {
        while let event = try MonitorEvent.receive(from: monitor, dontWait: true) { events.append(event.kind) }
        return events
    }

    /// Every KVPUB received within `timeout` (heartbeats skipped), or until `stop` holds for what
    /// was received.
    func updates(timeout: Duration, until stop: ([(key: String, sequence: UInt64)]) -> Bool = { _ in false }) throws
        -> [(key: String, sequence: UInt64)]
    {
        let deadline = ContinuousClock.now + timeout
        try socket.setReceiveTimeout(50)
        var received: [(key: String, sequence: UInt64)] = []
        while ContinuousClock.now < deadline, !stop(received) {
            guard let frames = try socket.receiveMultipart() else { continue }
            if case .keyValue(let key, let sequence, _)? = ClusteredHashmap.Command(frames: frames) {
                received.append((key, sequence))
            }
        }
        return received
    }
}
