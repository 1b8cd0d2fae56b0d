import CasePulseServer
import Synchronization
import ZeroMQ

/// The state shared by the ZAP handler's thread, the server's thread and the thread reloading the
/// allowlists: the allowlists in force and the handshake counts, each behind a mutex.
final class Gatekeeper: Sendable {
    private let allowlists: Mutex<Allowlists>
    private let counts = Mutex(HandshakeStatistics())

    init(_ allowlists: Allowlists) {
        self.allowlists = Mutex(allowlists)
    }

    /// The allowlists in force.
    var current: Allowlists {
        get { allowlists.withLock { $0 } }
        set { allowlists.withLock { $0 = newValue } }
    }

    /// The name of `key` if it may connect to a socket of `role` now.
    func name(of key: [UInt8], for role: EndpointRole) -> String? {
        allowlists.withLock { $0.name(of: key, for: role) }
    }

    /// The name of a key given in Z85 (as the `X-Curve-Key` property holds it) if it may connect
    /// to a socket of `role` now.
    func name(ofZ85 key: String, for role: EndpointRole) -> String? {
        allowlists.withLock { $0.list(for: role)?.namesByZ85[key] }
    }

    /// The handshake counts so far.
    var statistics: HandshakeStatistics { counts.withLock { $0 } }

    /// Counts one ZAP verdict.
    func recordVerdict(admitted: Bool, role: EndpointRole) {
        counts.withLock { counts in
            if admitted {
                counts.admitted[role, default: 0] += 1
            } else {
                counts.denied[role, default: 0] += 1
            }
        }
    }

    /// Counts one handshake that failed before ZAP.
    func recordFailure(role: EndpointRole) {
        counts.withLock { $0.failed[role, default: 0] += 1 }
    }
}
