import Testing
import ZeroMQ

@testable import CasePulseSecurity

@Suite struct HandshakeCauseTests {
    static func event(_ kind: MonitorEvents, value: UInt32) -> MonitorEvent {
        MonitorEvent(id: UInt16(kind.rawValue), value: value, endpoint: "tcp://127.0.0.1:7600")
    }

    /// The daemon's log names the two causes an operator can tell a client to mend: a HELLO sealed
    /// for another server key, and a client without CURVE.
    @Test func theLogNamesAWrongServerKeyAndAMissingCurve() throws {
        #expect(ZAPHandler.cause(of: Self.event(.handshakeFailedProtocol, value: 0x1100_0001))
            .contains("the client's server key is not this daemon's public key"))
        #expect(ZAPHandler.cause(of: Self.event(.handshakeFailedProtocol, value: 0x1100_0002))
            .contains("the client does not run CURVE"))
        #expect(ZAPHandler.cause(of: Self.event(.handshakeFailedProtocol, value: 0x1000_0001)) == "protocol error 0x10000001")
        #expect(ZAPHandler.cause(of: Self.event(.handshakeFailedNoDetail, value: 104)).hasPrefix("errno 104"))
    }

    /// What libzmq reports on the daemon's side when a client seals its HELLO for another server
    /// key: the cryptographic protocol error the log names.
    @Test func aWrongServerKeyIsTheCryptographicErrorOnTheServer() throws {
        let context = try Context()
        let server = try CurveKeyPair.generate(), client = try CurveKeyPair.generate(), other = try CurveKeyPair.generate()
        let router = try Socket(context, .router)
        try router.setLinger(0)
        try router.setCurveServer(true)
        try router.setCurveSecretKey(server.secretKey)
        let events = try SocketMonitor(router, events: [.handshakeFailedProtocol, .handshakeFailedNoDetail])
        defer { events.close() }
        try router.bind("tcp://127.0.0.1:*")
        let dealer = try Socket(context, .dealer)
        try dealer.setLinger(0)
        try dealer.setCurveServerKey(other.publicKey)
        try dealer.setCurvePublicKey(client.publicKey)
        try dealer.setCurveSecretKey(client.secretKey)
        try dealer.connect(try router.lastEndpoint)
        let poller = Poller([PollItem(socket: events.receiver, events: .readable)])
        #expect(try poller.poll(timeoutMilliseconds: 5_000) > 0)
        let event = try #require(try events.next())
        #expect(event.kind == .handshakeFailedProtocol)
        #expect(event.value == MonitorEvent.cryptographicError)
        #expect(ZAPHandler.cause(of: event).contains("not this daemon's public key"))
    }
}
