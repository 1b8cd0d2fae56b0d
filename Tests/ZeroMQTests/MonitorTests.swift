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

    @Test func aSocketMonitorReportsTheHandshakeAndStopsWhenClosed() throws {
        let context = try Context()
        let router = try makeSocket(context, .router)
        try router.bind("tcp://127.0.0.1:*")
        let dealer = try makeSocket(context, .dealer)
        let monitor = try SocketMonitor(dealer, events: [.connected, .handshakeSucceeded])
        try dealer.connect(try router.lastEndpoint)
        let poller = Poller([PollItem(socket: monitor.receiver, events: .readable)])
        var kinds: [MonitorEvent.Kind] = []
        let deadline = ContinuousClock.now + .seconds(5)
        while !kinds.contains(.handshakeSucceeded), ContinuousClock.now < deadline {
            _ = try poller.poll(timeoutMilliseconds: 100)
            while let event = try monitor.next() { kinds.append(event.kind) }
        }
        #expect(kinds == [.connected, .handshakeSucceeded])
        #expect(try monitor.next() == nil, "nothing more, and no wait")
        monitor.close()
        monitor.close()
        #expect(throws: ZMQError.self) { try monitor.next() }
    }

    /// What a CURVE client sees when the server's ZAP handler denies its key: one
    /// `HANDSHAKE_FAILED_AUTH` carrying the ZAP status code — and then nothing, for libzmq 4.3
    /// does not reconnect after a denied handshake. Only a `disconnect` and `connect` of the
    /// endpoint tries again. (`HashmapClient` relies on both facts to end a revoked client, and to
    /// ride out a key put back in time.)
    @Test func aZAPDenialIsOneAuthFailureWithItsStatusAndNoRetry() throws {
        let context = try Context()
        let zap = try makeSocket(context, .rep)
        try zap.bind("inproc://zeromq.zap.01")
        let server = try CurveKeyPair.generate(), client = try CurveKeyPair.generate()
        let router = try makeSocket(context, .router)
        try router.setCurveServer(true)
        try router.setCurveSecretKey(server.secretKey)
        try router.setZAPDomain("monitor-test")
        try router.bind("tcp://127.0.0.1:*")
        let endpoint = try router.lastEndpoint
        let dealer = try makeSocket(context, .dealer)
        try dealer.setCurveServerKey(server.publicKey)
        try dealer.setCurvePublicKey(client.publicKey)
        try dealer.setCurveSecretKey(client.secretKey)
        let monitor = try SocketMonitor(dealer, events: [.handshakeSucceeded, .handshakeFailedAuth])
        try dealer.connect(endpoint)

        let poller = Poller([PollItem(socket: zap, events: .readable), PollItem(socket: monitor.receiver, events: .readable)])
        var failures: [MonitorEvent] = []
        var denied = 0
        /// Answers ZAP requests with 400 and collects the client's handshake events for `span`.
        func serve(for span: Duration) throws {
            let deadline = ContinuousClock.now + span
            while ContinuousClock.now < deadline {
                _ = try poller.poll(timeoutMilliseconds: 50)
                // ZAP (RFC 27): version, request id, domain, address, identity, mechanism, credentials.
                while let request = try zap.receiveMultipart(dontWait: true) {
                    #expect(request.count >= 7 && request[5] == bytes("CURVE") && request[6] == client.publicKey)
                    _ = try zap.send(multipart: [bytes("1.0"), request.count > 1 ? request[1] : [], bytes("400"), bytes("denied"), [], []])
                    denied += 1
                }
                while let event = try monitor.next() {
                    #expect(event.kind == .handshakeFailedAuth, "never admitted")
                    failures.append(event)
                }
            }
        }
        try serve(for: .seconds(1.5))
        #expect(failures.count == 1, "one denial, no reconnect in 1.5 s (reconnect interval 100 ms)")
        #expect(failures.first?.value == 400)
        #expect(failures.first?.endpoint == endpoint)
        try dealer.disconnect(endpoint)
        try dealer.connect(endpoint)
        try serve(for: .seconds(1))
        #expect(failures.count == 2, "a new connect tries again")
        #expect(denied == 2)
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
