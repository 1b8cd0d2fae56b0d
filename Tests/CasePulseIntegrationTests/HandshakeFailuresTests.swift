import Testing
import ZeroMQ

@testable import CasePulseClient

@Suite struct HandshakeFailuresTests {
    static let closed = MonitorEvent(id: UInt16(MonitorEvents.handshakeFailedNoDetail.rawValue), value: 32, endpoint: "tcp://127.0.0.1:7600")
    static let mismatch = MonitorEvent(
        id: UInt16(MonitorEvents.handshakeFailedProtocol.rawValue), value: MonitorEvent.mechanismMismatch, endpoint: "tcp://127.0.0.1:7600")
    static let succeeded = MonitorEvent(id: UInt16(MonitorEvents.handshakeSucceeded.rawValue), value: 0, endpoint: "tcp://127.0.0.1:7600")

    /// A client without CURVE against a CURVE daemon sees the mechanism mismatch on some tries
    /// and only a closed connection on others, as either side may close first. The error names
    /// the mismatch whichever came last (CI once ended on a closed connection and said only
    /// "errno 32").
    @Test func aClosedConnectionDoesNotHideAMismatchSeenBefore() {
        var failures = HandshakeFailures(grace: .seconds(2), curve: false)
        failures.record(Self.closed)
        #expect(failures.evidence.hasPrefix("the daemon closed the connection"))
        failures.record(Self.mismatch)
        failures.record(Self.closed)
        failures.record(Self.closed)
        #expect(failures.count == 4)
        #expect(failures.evidence.hasPrefix("the daemon runs CURVE there: give --curve-cert and --server-key"))
        // A success clears the streak: what comes after it says what it says.
        failures.record(Self.succeeded)
        #expect(!failures.isFailing)
        failures.record(Self.closed)
        #expect(failures.count == 1)
        #expect(failures.evidence.hasPrefix("the daemon closed the connection"))
    }

    /// With CURVE, a closed connection is what a wrong server key gives, and says so.
    @Test func aCurveClientsClosedConnectionPointsAtTheServerKey() {
        var failures = HandshakeFailures(grace: .zero, curve: true)
        failures.record(Self.closed)
        #expect(failures.isFatal())
        #expect("\(failures.error(endpoint: "tcp://127.0.0.1:7600"))".contains("--server-key is most likely not the public key"))
    }
}
