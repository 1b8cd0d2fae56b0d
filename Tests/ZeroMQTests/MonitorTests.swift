import Testing
import ZeroMQ

@Suite struct MonitorTests {
    /// Reads monitor events until one of `kind` arrives; nil on timeout.
    private func awaitEvent(_ kind: MonitorEvent.Kind, on pair: Socket) throws -> MonitorEvent? {
        while let event = try MonitorEvent.receive(from: pair) {
            if event.kind == kind { return event }
        }
        return nil
    }

    @Test func reportsConnectedAcceptedAndDisconnected() throws {
        let context = try Context()
        let router = try makeSocket(context, .router)
        let dealer = try makeSocket(context, .dealer)
        let serverMonitor = inprocEndpoint("monitor-server")
        let clientMonitor = inprocEndpoint("monitor-client")
        try router.monitor(endpoint: serverMonitor, events: [.accepted, .handshakeSucceeded, .disconnected])
        try dealer.monitor(endpoint: clientMonitor, events: [.connected, .handshakeSucceeded])
        let serverEvents = try makeSocket(context, .pair)
        try serverEvents.connect(serverMonitor)
        let clientEvents = try makeSocket(context, .pair)
        try clientEvents.connect(clientMonitor)

        try router.bind("tcp://127.0.0.1:*")
        let endpoint = try router.lastEndpoint
        try dealer.connect(endpoint)

        let connected = try #require(try awaitEvent(.connected, on: clientEvents))
        #expect(connected.endpoint == endpoint)
        #expect(connected.id == 0x0001)
        #expect(try awaitEvent(.handshakeSucceeded, on: clientEvents) != nil)
        let accepted = try #require(try awaitEvent(.accepted, on: serverEvents))
        #expect(accepted.endpoint == endpoint)
        #expect(try awaitEvent(.handshakeSucceeded, on: serverEvents) != nil)

        dealer.close()
        #expect(try awaitEvent(.disconnected, on: serverEvents) != nil)
        try router.stopMonitor()
    }

    @Test func decodesFrames() {
        let eventFrame: [UInt8] = withUnsafeBytes(of: UInt16(0x4000)) { Array($0) }
            + withUnsafeBytes(of: UInt32(401)) { Array($0) }
        let event = MonitorEvent(frames: [eventFrame, bytes("tcp://127.0.0.1:1")])
        #expect(event?.kind == .handshakeFailedAuth)
        #expect(event?.value == 401)
        #expect(event?.endpoint == "tcp://127.0.0.1:1")
        #expect(MonitorEvent.Kind(id: 0x0020) == .accepted)
        #expect(MonitorEvent.Kind(id: 0x0800) == .handshakeFailedNoDetail)
        #expect(MonitorEvent.Kind(id: 0x2000) == .handshakeFailedProtocol)
        #expect(MonitorEvent.Kind(id: 0x0080) == .closed)
        #expect(MonitorEvent.Kind(id: 0x0200) == .disconnected)
        #expect(MonitorEvent.Kind(id: 0x8000) == .unknown(0x8000))
        #expect(MonitorEvent(frames: [[1, 0, 0]]) == nil)
        #expect(MonitorEvent(frames: [[1, 0], bytes("x")]) == nil)
    }
}
